"""``dlstudy new``: a card of the user's own (and, if asked, a derivation that proves it),
written into their deck folder with a fresh id, ready to edit.

The deck is ``<questions>/<topic>.yaml`` in the first deck folder the user configured
(``DLSTUDY_DECKS``, then ``extra_folders``): a new file, or the card appended to the end of
an existing one (its ``cards:`` list). What is written is parsed back before anything is
kept; an append that would not parse leaves the file as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dlstudy.library import _split

KINDS = ("recall", "claim")
_TOPIC = re.compile(r"\A[a-z0-9][a-z0-9-]*\Z")


class ScaffoldError(ValueError):
    """The card cannot be scaffolded as asked (the message says how to fix it)."""


@dataclass(frozen=True)
class Scaffolded:
    card_id: str
    deck: Path
    derivation: Path | None


def fresh_id(topic: str, taken: set[str]) -> str:
    """``<topic>-card-N`` with the smallest N no card uses."""
    number = 1
    while f"{topic}-card-{number}" in taken:
        number += 1
    return f"{topic}-card-{number}"


def card_yaml(card_id: str, topic: str, kind: str, derivation: str | None) -> str:
    links = f"[{derivation}]" if derivation else "[]    # unproved: link a derivation id here once you write one"
    claim = ""
    if kind == "claim":
        assert derivation is not None
        claim = (f"    claim: {{derivation: {derivation}, row: example_row, statement: asserts}}\n")
    question = ("Write the statement here (true or false?)." if kind == "claim"
                else "Write the question here.")
    question_zh = "在这里写要判断真假的陈述。" if kind == "claim" else "在这里写问题。"
    return (f"  - id: {card_id}\n"
            f"    title: {{en: New card, zh: 新卡片}}\n"
            f"    tags: [{topic}]\n"
            f"    level: 1\n"
            + ("    kind: claim\n" if kind == "claim" else "")
            + f"    question:\n      en: {question}\n      zh: {question_zh}\n"
            f"    answer:\n      en: Write the answer here.\n      zh: 在这里写答案。\n"
            f"    derivations: {links}\n"
            + claim)


def derivation_source(module: str) -> str:
    """A derivation module's skeleton: TITLE, CLAIMS, a symbolic ``derive`` and a numeric
    ``experiment`` with one evidence row (``id="example_row"``) — each a working example to
    replace."""
    return f'''"""{module}: say here what this derivation proves.

Symbolic: what sympy derives. Numeric: what the experiment measures, independently.
"""

TITLE = {{
    "en": "Say what is proved",
    "zh": "说明证明了什么",
}}
CLAIMS = [
    {{
        "en": "The claim, in English.",
        "zh": "中文的论断。",
    }},
]


def derive(p):
    import sympy as sp

    x = sp.Symbol("x")
    p.step("An example step: replace it with the derivation", x + x)
    p.identity("an example identity: x + x = 2x", x + x, 2 * x)


def experiment(p):
    import torch

    g = torch.Generator().manual_seed(p.seed)
    values = torch.randn(1000, generator=g, dtype=torch.float64)
    # An evidence row with a stable id: a claim card can name it (`row: example_row`).
    p.close("an example: sum of x + x vs 2 · sum of x", (values + values).sum(), 2 * values.sum(),
            rtol=1e-12, id="example_row")
'''


def scaffold(folder: Path, topic: str, kind: str, with_derivation: bool,
             taken: set[str], derivation_ids: set[str],
             title: tuple[str, str] | None = None) -> Scaffolded:
    """Write the card (and the derivation) into the user's deck ``folder``; a new deck is
    titled ``title`` (en, zh: a bundled topic's own), else by the topic."""
    from dlstudy.deck import load_decks

    if not _TOPIC.fullmatch(topic):
        raise ScaffoldError(f"--topic {topic!r}: a topic is lower-case letters, digits and "
                            "hyphens (e.g. my-cards)")
    if kind not in KINDS:
        raise ScaffoldError(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "claim" and not with_derivation:
        raise ScaffoldError("a claim card is decided by a derivation's evidence row: add "
                            "--with-derivation")
    questions, derivations = _split(folder)
    card_id = fresh_id(topic, taken)
    module = None
    target = None
    if with_derivation:
        module = card_id.replace("-", "_")
        while module in derivation_ids:
            module += "_x"
        target = derivations / f"{module}.py"
        if target.exists():
            raise ScaffoldError(f"{target} already exists; it is left as it is")
    deck = questions / f"{topic}.yaml"
    block = card_yaml(card_id, topic, kind, module)
    before = deck.read_text(encoding="utf-8") if deck.exists() else None
    en, zh = title or (topic, topic)
    if before is None:
        text = (f"# Cards of your own (`dlstudy check {deck}` checks them).\n"
                f"topic: {topic}\ntitle: {{en: {_quoted(en)}, zh: {_quoted(zh)}}}\n"
                f"cards:\n{block}")
    else:
        if not re.search(r"^cards:", before, re.MULTILINE):
            raise ScaffoldError(f"{deck} has no `cards:` list to add to; add the card by hand")
        text = before + ("" if before.endswith("\n") else "\n") + block
    deck.write_text(text, encoding="utf-8")
    decks, problems = load_decks([questions])
    ours = [d for d in decks if d.path == deck]
    if not ours or card_id not in {c.id for c in ours[0].cards}:
        if before is None:
            deck.unlink()
        else:
            deck.write_text(before, encoding="utf-8")
        why = "; ".join(str(p) for p in problems if str(deck) in str(p)) or "it would not load"
        raise ScaffoldError(f"could not add the card to {deck} ({why}); the file is as it was. "
                            "Is `cards:` its last key?")
    if target is not None and module is not None:
        target.write_text(derivation_source(module), encoding="utf-8")
    return Scaffolded(card_id, deck, target)


def _quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's escaping is YAML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)
