"""The card: one question, its answer in two languages, and the derivations that prove it.

Cards are plain typed values (``msgspec.Struct``): the schema below *is* the
validation, so a deck that loads is a deck that is well formed.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import msgspec

# \A and \Z, not ^ and $: `$` also matches before a trailing newline, and "id\n" is not an id.
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
CardId = Annotated[str, msgspec.Meta(pattern=r"\A[a-z0-9][a-z0-9-]*\Z", max_length=80)]
DerivationId = Annotated[str, msgspec.Meta(pattern=r"\A[a-z][a-z0-9_]*\Z", max_length=80)]
Tag = Annotated[str, msgspec.Meta(pattern=r"\A[a-z0-9][a-z0-9-]*\Z", max_length=80)]
RowId = Annotated[str, msgspec.Meta(pattern=r"\A[a-z][a-z0-9_]*\Z", max_length=80)]

# Control characters other than line breaks and tabs: C0, DEL and C1. ESC starts the escape
# sequences that clear a screen, set a window title or write the clipboard (OSC 52).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


Loc = list[str | int]


def text_problems(text: Text, loc: Loc) -> list[tuple[Loc, str]]:
    """Where ``text`` (at ``loc`` in its file) is only whitespace or holds a control character."""
    found: list[tuple[Loc, str]] = []
    for lang in LANGS:
        try:
            check_text(getattr(text, lang), f"`{lang}`")
        except ValueError as exc:
            found.append(([*loc, lang], str(exc)))
    return found


def card_text_problems(card: Card) -> list[tuple[Loc, str]]:
    """:func:`text_problems` for every text of a card: its titles, question, answer, correction,
    sources and claim. (Checked when a deck is parsed, not by the schema: a card decoded from
    the library cache was checked when it was parsed, and a quiz's start-up is not slowed.)"""
    found: list[tuple[Loc, str]] = []
    for name in ("title", "question", "answer", "correction"):
        text = getattr(card, name)
        if text is not None:
            found += text_problems(text, [name])
    for i, source in enumerate(card.sources):
        for name in ("paper", "url", "seed", "docs"):
            value = getattr(source, name)
            try:
                if value is not None:
                    check_text(value, f"`{name}`")
            except ValueError as exc:
                found.append((["sources", i, name], str(exc)))
    for i, constant in enumerate(card.constants):
        try:
            check_text(constant, "`constants`")
        except ValueError as exc:
            found.append((["constants", i], str(exc)))
    return found


def check_text(value: str, what: str) -> None:
    """Raise ``ValueError`` when ``value`` has nothing to read or holds a control character."""
    if not value.strip():
        raise ValueError(f"{what} is only whitespace; write the text")
    found = CONTROL.search(value)
    if found:
        raise ValueError(f"{what} contains the control character U+{ord(found.group()):04X} at "
                         f"character {found.start() + 1}; only line breaks and tabs are allowed "
                         "(escape sequences could take over the terminal)")

LANGS = ("en", "zh")
Lang = Literal["en", "zh"]
Kind = Literal["recall", "exercise", "claim", "code"]


class Text(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The same words in English and in Chinese; both are required."""

    en: NonEmpty
    zh: NonEmpty

    def raw(self, lang: str) -> str:
        """The text as written, placeholders and all."""
        return self.zh if lang == "zh" else self.en

    def get(self, lang: str) -> str:
        """The text as shown: each ``{{derivation.row}}`` filled from recorded evidence."""
        text = self.raw(lang)
        if "{{" not in text:
            return text
        from dlstudy import bind

        return bind.fill(text, bind.current().value)


class Source(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """Where a claim comes from: a paper (with a URL when there is one), or documentation.

    ``seed`` names the authors' own study note a card was checked against: provenance for the
    maintainers, never shown (users do not have those notes)."""

    paper: str | None = None
    url: str | None = None
    seed: str | None = None
    docs: str | None = None

    def __post_init__(self) -> None:
        if not (self.paper or self.seed or self.docs or self.url):
            raise ValueError("a source needs one of `paper`, `seed`, `docs` or `url`")

    def label(self) -> str:
        """What a user sees: the paper or documentation, and its address ("" for a seed alone)."""
        parts = [p for p in (self.paper, self.docs) if p]
        if self.url:
            parts.append(self.url)
        return " — ".join(parts)


class ExerciseSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """What an exercise card draws: ``generator`` names one in ``dlstudy.exercises``."""

    generator: DerivationId


class CodeSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """What a coding card asks the user to write: ``task`` names one in ``dlstudy.coding``
    (its stub, its graded cases, its reference solution)."""

    task: DerivationId


class ClaimSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """How a claim card's verdict is decided: by one evidence row of a derivation.

    Attributes:
        derivation: the derivation that runs the experiment (also listed in ``derivations:``).
        row: the id of the deciding evidence row (given in the derivation as ``id="..."``).
        statement: ``asserts`` — the statement is true when the row passes; ``denies`` — the
            row refutes it (a misconception), so it is true only if the row fails.
    """

    derivation: DerivationId
    row: RowId
    statement: Literal["asserts", "denies"]


class Card(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """One card of a deck.

    Attributes:
        id: stable identifier; the review history is keyed on it, so it never changes.
        title: a few words naming the card, shown in ``dlstudy list``.
        question, answer: what is asked and what a good answer says.
        derivations: ids of the derivation modules that prove the answer's claims.
        correction: the common misconception the card corrects, when there is one (shown with
            the answer).
        level: 1 = every interview, 2 = a good candidate, 3 = a deep dive.
        kind: ``recall`` (self-graded), ``exercise`` (fresh numbers each time, graded by
            computing the answer), ``claim`` (true or false, decided by an evidence row) or
            ``code`` (the user writes a function, run in a sandbox against the real library).
        exercise, claim, code: what an exercise card draws, what decides a claim card, which
            coding task a code card sets.
        constants: numbers the text states that are definitions or formula constants, not
            measurements (``"0.9"`` in "W = 0.9·I"). Every other measured-looking number must
            be a placeholder ``{{derivation.row}}`` filled from recorded evidence.
    """

    id: CardId
    title: Text
    question: Text
    answer: Text
    topic: Annotated[str, msgspec.Meta(pattern=r"\A([a-z0-9][a-z0-9-]*)?\Z", max_length=80)] = ""
    kind: Kind = "recall"
    tags: list[Tag] = msgspec.field(default_factory=list)
    level: Annotated[int, msgspec.Meta(ge=1, le=3)] = 1
    derivations: list[DerivationId] = msgspec.field(default_factory=list)
    correction: Text | None = None
    sources: list[Source] = msgspec.field(default_factory=list)
    exercise: ExerciseSpec | None = None
    claim: ClaimSpec | None = None
    code: CodeSpec | None = None
    constants: list[NonEmpty] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind == "exercise" and self.exercise is None:
            raise ValueError("a card of kind `exercise` needs `exercise: {generator: NAME}`")
        if self.kind == "claim" and self.claim is None:
            raise ValueError("a card of kind `claim` needs `claim: {derivation: ID, evidence: "
                             "ROW, statement: asserts|denies}`")
        if self.kind == "code" and self.code is None:
            raise ValueError("a card of kind `code` needs `code: {task: NAME}`")
        if self.code is not None and self.kind != "code":
            raise ValueError("`code:` is only for cards of `kind: code`")
        if self.exercise is not None and self.kind != "exercise":
            raise ValueError("`exercise:` is only for cards of `kind: exercise`")
        if self.claim is not None and self.kind != "claim":
            raise ValueError("`claim:` is only for cards of `kind: claim`")


class DeckFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The shape of one ``questions/*.yaml`` file: a topic and its cards."""

    topic: Tag
    title: Text
    cards: list[Card]
