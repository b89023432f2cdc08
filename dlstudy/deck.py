"""Loading decks: safe YAML in, validated cards out, and ``path:line`` problems for the rest.

The fast path (used by ``quiz``/``review``) parses with the C safe loader and
validates once. Line numbers are only worked out when something is wrong, by
composing the YAML node tree and walking it along the path of the error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from dlstudy.card import Card, DeckFile, Text

if TYPE_CHECKING:
    import yaml

# PyYAML is imported by the functions that parse: a quiz whose decks come from the
# library cache never needs it (~20 ms of a 250 ms start-up budget).


def _loader() -> type:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when libyaml is there


@dataclass(frozen=True)
class Problem:
    """Something wrong in a deck or a derivation, located to a line of a file."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{_shown(self.path)}:{self.line}: {self.message}"


def _shown(path: Path) -> str:
    """A path relative to the working folder when it is inside it, as compilers print them."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class Deck:
    """The cards of one YAML file."""

    path: Path
    topic: str
    title: Text
    cards: list[Card]
    _text: str = field(default="", repr=False)
    _lines: dict[str, list[int]] | None = field(default=None, repr=False)

    def line_of(self, card_id: str, occurrence: int = 0) -> int:
        """The line a card starts on (worked out on first use: only error reports need it)."""
        import yaml

        if self._lines is None:
            self._lines = {}
            tree = _compose(self._text)
            cards = None
            if isinstance(tree, yaml.MappingNode):
                cards = next((v for k, v in tree.value if k.value == "cards"), None)
            if isinstance(cards, yaml.SequenceNode):
                for item in cards.value:
                    if isinstance(item, yaml.MappingNode):
                        for k, v in item.value:
                            if k.value == "id":
                                lines = self._lines.setdefault(str(v.value), [])
                                lines.append(item.start_mark.line + 1)
        lines = self._lines.get(card_id, [1])
        return lines[min(occurrence, len(lines) - 1)]


def _compose(text: str) -> yaml.Node | None:
    import yaml

    try:
        return yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return None


_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _line_of(node: yaml.Node | None, loc: Sequence[str | int]) -> int:
    """The 1-based line of the node at ``loc``, or of its deepest existing ancestor."""
    import yaml

    line = 1 if node is None else node.start_mark.line + 1
    for key in loc:
        if node is None:
            break
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            for k, v in node.value:
                if k.value == key:
                    child = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line + 1
        node = child
    return line


def _duplicate_keys(node: yaml.Node | None, path: Path) -> list[Problem]:
    import yaml

    problems: list[Problem] = []
    stack = [node] if node is not None else []
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in n.value:
                line = k.start_mark.line + 1
                if k.value in seen:
                    problems.append(
                        Problem(path, line, f"key `{k.value}` appears twice (first on line "
                                f"{seen[k.value]}); YAML keeps only the last — remove one")
                    )
                else:
                    seen[k.value] = line
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return problems


_CHOICES = {"kind": "recall, exercise, claim", "statement": "asserts, denies"}


def _explain(error: msgspec.ValidationError) -> tuple[str, list[str | int]]:
    """Split msgspec's ``what - at `$.a[0].b``` into a friendlier message and a path."""
    text = str(error)
    message, _, where = text.partition(" - at `")
    loc: list[str | int] = []
    for name, index in _PATH_PART.findall(where.rstrip("`")):
        loc.append(name if name else int(index))
    if message.startswith("Object missing required field"):
        message = message.replace("Object missing required field", "missing required field")
    elif message.startswith("Object contains unknown field"):
        name = message.split("`")[1] if "`" in message else "?"
        loc.append(name)
        message = f"unknown field `{name}` (check the spelling; see README, 'Adding a card')"
    elif "matching regex" in message:
        message += " (ids and tags are lowercase letters, digits and '-'; derivation ids use '_')"
    elif message.startswith("Invalid enum value") and loc and loc[-1] in _CHOICES:
        message += f"; `{loc[-1]}` is one of: {_CHOICES[str(loc[-1])]}"
    if where:
        message += f" (at {'.'.join(str(p) for p in loc) or 'top level'})"
    return message, loc


def load_deck(path: Path) -> tuple[Deck | None, list[Problem]]:
    """Load one deck file. Returns the deck (or None when unusable) and its problems."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot read file: {exc}")]
    try:
        data = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None and start.line + 1 != line:
            what = f"{what} ({context} that starts on line {start.line + 1})"
        hint = " — is a value containing ': ' or '#' missing its quotes?" if "mapping" in str(what) else ""
        return None, [Problem(path, line, f"YAML syntax error: {what}{hint}")]
    if data is None:
        return None, [Problem(path, 1, "empty deck: expected `topic`, `title` and `cards`")]
    try:
        parsed = msgspec.convert(data, type=DeckFile, str_keys=True)
    except msgspec.ValidationError as exc:
        message, loc = _explain(exc)
        return None, [Problem(path, _line_of(_compose(text), loc), message)]

    tree: yaml.Node | None = None
    problems: list[Problem] = []
    cards = []
    for card in parsed.cards:
        if card.topic and card.topic != parsed.topic:
            tree = tree or _compose(text)
            index = parsed.cards.index(card)
            problems.append(Problem(path, _line_of(tree, ["cards", index, "topic"]),
                                    f"card `{card.id}` says topic `{card.topic}` but the deck is "
                                    f"`{parsed.topic}`; drop the card's `topic` or move the card"))
        cards.append(msgspec.structs.replace(card, topic=parsed.topic))
    return Deck(path, parsed.topic, parsed.title, cards, text), problems


def deck_files(folders: Iterable[Path]) -> list[Path]:
    """The YAML files in ``folders`` (or given directly), each once, in a stable order."""
    files: dict[Path, Path] = {}
    for folder in folders:
        if folder.is_file():
            found = [folder] if folder.suffix in (".yaml", ".yml") else []
        elif folder.is_dir():
            found = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            found = []
        for path in found:
            files.setdefault(path.resolve(), path)
    return list(files.values())


def load_decks(folders: Iterable[Path],
               load: Callable[[Path], tuple[Deck | None, list[Problem]]] | None = None,
               ) -> tuple[list[Deck], list[Problem]]:
    """Load every deck under ``folders``; a broken file is reported and skipped.

    ``load`` reads one file (default :func:`load_deck`; ``dlstudy.library_cache`` passes a
    cached one).
    """
    decks: list[Deck] = []
    problems: list[Problem] = []
    seen: dict[str, Deck] = {}
    for path in deck_files(folders):
        deck, found = (load or load_deck)(path)
        problems.extend(found)
        if deck is None:
            continue
        keep = []
        for card in deck.cards:
            if card.id in seen:
                first = seen[card.id]
                again = 1 if first is deck else 0
                problems.append(Problem(path, deck.line_of(card.id, again),
                                        f"duplicate card id `{card.id}` (first defined at "
                                        f"{first.path}:{first.line_of(card.id)}); ids must be "
                                        "unique — pick a new id for the newer card"))
                continue
            seen[card.id] = deck
            keep.append(card)
        deck.cards = keep
        decks.append(deck)
    return decks, problems
