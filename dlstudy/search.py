"""``dlstudy search``: the cards whose text matches some words, best first.

Every card is searched in both languages — id, title, tags, question, answer and correction.
The score is BM25 (the ranking of Lucene and SQLite's FTS5) over field-weighted term counts:
a word in the id or title counts 3 times, in a tag or the question twice, in the answer or
the correction once. Latin-script words match whole words and words they begin
(``normaliz`` finds ``normalization``), case-insensitively. Chinese has no spaces between
words, so a query word with CJK characters matches as a substring and its count is how often
it occurs. A card must contain every query word (as Anki's search does).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from dlstudy.card import Card

FIELD_WEIGHTS = {"id": 3.0, "title": 3.0, "tags": 2.0, "question": 2.0, "answer": 1.0,
                 "correction": 1.0}
K1, B = 1.2, 0.75  # BM25's usual constants
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0002fa1f"


def normalize(text: str) -> str:
    """Full-width letters as ASCII, case folded (``ＬＳＴＭ`` finds ``lstm``)."""
    return unicodedata.normalize("NFKC", text).casefold()


def query_terms(query: str) -> list[str]:
    """The words of a query; a CJK run is one term (matched as a substring)."""
    terms: list[str] = []
    for word in _WORD.findall(normalize(query)):
        # split a mixed run ("lstm门控") into its Latin and CJK parts
        for part in re.findall(r"[\u2e80-\u9fff\uf900-\ufaff]+|[^\u2e80-\u9fff\uf900-\ufaff]+", word):
            if part and part not in terms:
                terms.append(part)
    return terms


_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def card_fields(card: Card) -> dict[str, str]:
    """The searchable text of a card, both languages, by field. A CamelCase name is also
    searchable by its parts (``LayerNorm`` is found by ``layer norm``)."""
    fields = {"id": card.id.replace("-", " "), "tags": " ".join(t.replace("-", " ") for t in card.tags)}
    for name in ("title", "question", "answer", "correction"):
        text = getattr(card, name)
        fields[name] = "" if text is None else \
            _PLACEHOLDER.sub(" ", f"{text.raw('en')}\n{text.raw('zh')}")
    for name, text in fields.items():
        parts = [" ".join(_CAMEL.findall(w)) for w in re.findall(r"[A-Za-z]+[A-Z][A-Za-z]*", text)
                 if not w.isupper() and not w[1:].islower()]
        if parts:
            fields[name] = f"{text}\n{' '.join(parts)}"
    return {k: normalize(v) for k, v in fields.items()}


@dataclass(frozen=True)
class Hit:
    """A card that matches, its score, and the fields each term was found in."""

    card: Card
    score: float
    fields: tuple[str, ...]


class _Indexed:
    def __init__(self, card: Card) -> None:
        self.card = card
        self.fields = card_fields(card)
        self.words = {k: _WORD.findall(v) for k, v in self.fields.items()}
        self.length = sum(FIELD_WEIGHTS[k] * (len(w) + sum(map(_is_cjk, self.fields[k])))
                          for k, w in self.words.items())

    def count(self, term: str) -> tuple[float, list[str]]:
        """The field-weighted count of ``term`` in this card and the fields it is in."""
        total, found = 0.0, []
        cjk = any(_is_cjk(ch) for ch in term)
        for name, text in self.fields.items():
            if cjk:
                n = float(text.count(term))
            else:
                n = sum(1.0 if w == term else 0.5 for w in self.words[name] if w.startswith(term))
            if n:
                total += FIELD_WEIGHTS[name] * n
                found.append(name)
        return total, found


def search(cards: Sequence[Card], query: str) -> list[Hit]:
    """The cards containing every term of ``query``, best first (ties: deck order)."""
    terms = query_terms(query)
    if not terms:
        return []
    indexed = [_Indexed(c) for c in cards]
    if not indexed:
        return []
    average = sum(i.length for i in indexed) / len(indexed) or 1.0
    counts = {term: [i.count(term) for i in indexed] for term in terms}
    n = len(indexed)
    hits: list[tuple[float, int, Hit]] = []
    for position, doc in enumerate(indexed):
        score, where = 0.0, []
        for term in terms:
            tf, found = counts[term][position]
            if not tf:
                break
            having = sum(1 for c, _ in counts[term] if c)
            idf = math.log(1 + (n - having + 0.5) / (having + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc.length / average))
            where += [f for f in found if f not in where]
        else:
            hits.append((score, position, Hit(doc.card, score, tuple(where))))
    hits.sort(key=lambda t: (-t[0], t[1]))
    return [h for _, _, h in hits]


def snippet(card: Card, terms: Sequence[str], lang: str, width: int = 70) -> str:
    """A short piece of the card's text (in ``lang``) around the first term found, on one line."""
    for name in ("question", "answer", "correction", "title"):
        text = getattr(card, name)
        if text is None:
            continue
        raw = " ".join(_PLACEHOLDER.sub("…", text.raw(lang)).split())
        folded = normalize(raw)
        at = min((i for i in (folded.find(t) for t in terms) if i >= 0), default=-1)
        if at < 0 or len(folded) != len(raw):
            continue
        start = max(0, at - width // 3)
        piece = raw[start:start + width]
        return ("…" if start else "") + piece + ("…" if start + width < len(raw) else "")
    question = " ".join(_PLACEHOLDER.sub("…", card.question.raw(lang)).split())
    return question[:width] + ("…" if len(question) > width else "")
