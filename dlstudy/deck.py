"""Loading decks: safe YAML in, validated cards out, and ``path:line`` problems for the rest.

The fast path (used by ``quiz``/``review``) parses with the C safe loader and
validates once. Line numbers are only worked out when something is wrong, by
composing the YAML node tree and walking it along the path of the error.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import msgspec

from dlstudy.card import CONTROL, Card, DeckFile, Kind, Text, card_text_problems, text_problems

if TYPE_CHECKING:
    import yaml

# PyYAML is imported by the functions that parse: a quiz whose decks come from the
# library cache never needs it (~20 ms of a 250 ms start-up budget).


MAX_DECK_BYTES = 32 * 1024 * 1024  # 10,000 cards take about 1.5 MB
MAX_VALUES = 1_000_000  # values a deck may expand to, counting each alias (`*name`) in full
MAX_CHARS = 2 * MAX_DECK_BYTES  # and characters of text
MAX_INT_CHARS = 30  # the only number on a card is its level
_LOADER: type | None = None


def _loader() -> type:
    """PyYAML's safe loader (the C one when libyaml is there), made safe for files from strangers.

    Dates stay text (``2024-02-30`` would be a ``ValueError``), integers are short, and a value
    that cannot be built is a YAML error with its line instead of a traceback.
    """
    global _LOADER
    if _LOADER is None:
        import yaml

        base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

        class DeckLoader(base):  # type: ignore[misc, valid-type]
            def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
                try:
                    return super().construct_object(node, deep)
                except yaml.YAMLError:
                    raise
                except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"cannot read the value `{str(node.value)[:40]}` as "
                        f"{str(node.tag).rpartition(':')[2]} ({exc})", node.start_mark) from None

            def construct_yaml_int(self, node: yaml.Node) -> int:
                if len(str(node.value)) > MAX_INT_CHARS:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"an integer of {len(str(node.value)):,} characters is too "
                        f"long (at most {MAX_INT_CHARS}); quote it if it is text", node.start_mark)
                return int(super().construct_yaml_int(node))

        timestamp = "tag:yaml.org,2002:timestamp"
        DeckLoader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != timestamp]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }
        DeckLoader.add_constructor(timestamp, DeckLoader.construct_yaml_str)
        DeckLoader.add_constructor("tag:yaml.org,2002:int", DeckLoader.construct_yaml_int)
        _LOADER = DeckLoader
    return _LOADER


class Refused(Exception):
    """A deck that parses but is refused before it is built: it contains itself, or its aliases
    expand it past :data:`MAX_VALUES`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _bound(root: yaml.Node | None, limit: int = MAX_VALUES, chars: int = MAX_CHARS) -> None:
    """Refuse a node tree that contains itself, or that expands past ``limit`` values or
    ``chars`` characters of text.

    An alias is the node it names, so a tree is a graph: each node is sized once (its size is
    its own plus its children's, children shared by aliases counted every time they are
    reached), in time linear in the nodes written — a "billion laughs" deck is refused before
    it is built, and so is one long string repeated a million times.
    """
    import yaml

    if root is None:
        return
    size: dict[int, tuple[int, int]] = {}  # node → (values, characters) once expanded
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            open_.discard(key)
            values, length = 1, len(node.value) if isinstance(node, yaml.ScalarNode) else 0
            for child in _children(node):
                values, length = values + size[id(child)][0], length + size[id(child)][1]
            if values > limit or length > chars:
                what = f"{limit:,} values" if values > limit else f"{chars:,} characters"
                raise Refused(node.start_mark.line + 1,
                              f"aliases expand this deck to more than {what} (each `*name` "
                              "repeats everything its `&name` anchors, here from this line on); "
                              "write the values out or repeat fewer aliases")
            size[key] = values, length
        elif key in open_:
            raise Refused(node.start_mark.line + 1,
                          "this value contains an alias (`*name`) to itself (or a merge `<<:` of "
                          "itself); a value cannot contain itself — remove that alias")
        elif key not in size:
            open_.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if id(c) not in size)


def _parse(text: str) -> tuple[yaml.Node | None, object]:
    """Compose the node tree, bound it, then build the values (raises YAMLError or Refused)."""
    loader = _loader()(text)
    try:
        tree = loader.get_single_node()
        if "&" in text:  # without an anchor there is no alias: nothing repeats, nothing loops
            _bound(tree)
        return tree, (None if tree is None else loader.construct_document(tree))
    finally:
        loader.dispose()


@dataclass(frozen=True)
class Problem:
    """Something wrong in a deck or a derivation, located to a line of a file."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return self.shown()

    def shown(self, lang: str = "en") -> str:
        """``path:line: message``, the message in ``lang`` (see :mod:`dlstudy.messages`)."""
        from dlstudy.messages import tr

        return printable(f"{_shown(self.path)}:{self.line}: {tr(self.message, lang)}",
                         one_line=True)


_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, one_line: bool = False) -> str:
    """``text`` with its control characters written out (``\\x1b``), so that text from a
    user's file never reaches the terminal as an escape sequence; ``one_line`` writes out line
    breaks and tabs too."""
    pattern = _ANY_CONTROL if one_line else CONTROL
    return pattern.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def resolved(path: Path) -> Path:
    """``path.resolve()``, or the absolute path when a symlink loop makes it unresolvable."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _shown(path: Path) -> str:
    """A path relative to the working folder when it is inside it, as compilers print them."""
    try:
        return str(resolved(path).relative_to(Path.cwd()))
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
    except (yaml.YAMLError, RecursionError, MemoryError):
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
    seen_nodes: set[int] = set()  # a node reached again through an alias is checked once
    while stack:
        n = stack.pop()
        if id(n) in seen_nodes:
            continue
        seen_nodes.add(id(n))
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


# the values a misspelt enum field may take, from the schema itself ("code" was missing)
_CHOICES = {"kind": ", ".join(get_args(Kind)), "statement": "asserts, denies"}


def _explain(error: msgspec.ValidationError, prefix: Sequence[str | int] = ()
             ) -> tuple[str, list[str | int]]:
    """Split msgspec's ``what - at `$.a[0].b``` into a friendlier message and a path
    (``prefix``: where the value that was validated sits in the file)."""
    text = str(error)
    message, _, where = text.partition(" - at `")
    loc: list[str | int] = list(prefix)
    for name, index in _PATH_PART.findall(where.rstrip("`")):
        loc.append(name if name else int(index))
    if message.startswith("Object missing required field"):
        message = message.replace("Object missing required field", "missing required field")
    elif message.startswith("Object contains unknown field"):
        name = message.split("`")[1] if "`" in message else "?"
        loc.append(name)
        message = f"unknown field `{name}` (check the spelling; see README, 'Adding a card')"
    elif "matching regex" in message:
        if "_" in message:
            message = ("not a derivation id: lowercase letters, digits and '_', starting with a "
                       "letter")
        else:
            message = ("not an id: ids, tags and topics are lowercase letters, digits and '-' "
                       "(no spaces or line breaks)")
    elif message.startswith("Invalid enum value") and loc and loc[-1] in _CHOICES:
        message += f"; `{loc[-1]}` is one of: {_CHOICES[str(loc[-1])]}"
    if where:
        message += f" (at {'.'.join(str(p) for p in loc) or 'top level'})"
    return message, loc


def load_deck(path: Path) -> tuple[Deck | None, list[Problem]]:
    """Load one deck file. Returns the deck (or None when unusable) and its problems.

    Each card is validated on its own: every broken card is a problem of its own, and the
    others still load.
    """
    import yaml

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a device never end
            return None, [Problem(path, 1, "not a regular file; a deck is a YAML file")]
        with path.open("rb") as file:
            raw = file.read(MAX_DECK_BYTES + 1)
        if len(raw) > MAX_DECK_BYTES:
            return None, [Problem(path, 1, f"file is larger than {MAX_DECK_BYTES >> 20} MB; "
                                           "split the deck into several files")]
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, f"cannot read file: {exc}")]
    try:
        tree, data = _parse(text)
    except Refused as exc:
        return None, [Problem(path, exc.line, exc.message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, yaml.constructor.ConstructorError):
            return None, [Problem(path, line, f"unreadable YAML value: {what}")]
        if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
            # the reader stops at the character's first occurrence (its position counts bytes
            # in libyaml, characters in PyYAML's own reader)
            line = text.count("\n", 0, max(text.find(chr(exc.character)), 0)) + 1
            return None, [Problem(path, line, f"the control character U+{exc.character:04X} is "
                                              "not allowed in YAML; write it as an escape in a "
                                              "double-quoted string, or (in card text) leave it out")]
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start is not None and start.line + 1 != line:
            what = f"{what} ({context} that starts on line {start.line + 1})"
        hint = " — is a value containing ': ' or '#' missing its quotes?" if "mapping" in str(what) else ""
        return None, [Problem(path, line, f"YAML syntax error: {what}{hint}")]
    except (RecursionError, MemoryError):
        return None, [Problem(path, 1, "the YAML is nested too deeply to read")]
    if data is None:
        return None, [Problem(path, 1, "empty deck: expected `topic`, `title` and `cards`")]
    if not isinstance(data, dict):
        try:
            msgspec.convert(data, type=DeckFile, str_keys=True)
        except msgspec.ValidationError as exc:
            message, loc = _explain(exc)
            return None, [Problem(path, _line_of(tree, loc), message)]
        return None, [Problem(path, 1, "expected `topic`, `title` and `cards` at the top level")]

    problems: list[Problem] = []

    def problem(error: msgspec.ValidationError, prefix: list[str | int]) -> None:
        message, loc = _explain(error, prefix)
        problems.append(Problem(path, _line_of(tree, loc), message))

    header: dict[str, object] = {}
    for info in msgspec.structs.fields(DeckFile):
        if info.encode_name not in data:
            problems.append(Problem(path, 1, f"missing required field `{info.encode_name}`"))
        elif info.encode_name != "cards":
            try:
                header[info.name] = msgspec.convert(data[info.encode_name], type=info.type,
                                                    str_keys=True)
            except msgspec.ValidationError as exc:
                problem(exc, [info.encode_name])
    for key in data:
        if key not in DeckFile.__struct_fields__:
            name = str(key)
            problems.append(Problem(path, _line_of(tree, [name]), f"unknown field `{name}` (check "
                                    "the spelling; see README, 'Adding a card')"))
    raw_cards = data.get("cards", [])
    if not isinstance(raw_cards, list):
        try:
            msgspec.convert(raw_cards, type=list[Card], str_keys=True)
        except msgspec.ValidationError as exc:
            problem(exc, ["cards"])
        raw_cards = []
    topic, title = header.get("topic"), header.get("title")
    cards = []
    if isinstance(title, Text):
        for loc, message in text_problems(title, ["title"]):
            problems.append(Problem(path, _line_of(tree, loc), f"{message} (at title.{loc[-1]})"))
            title = None
    for index, raw_card in enumerate(raw_cards):
        try:
            card = msgspec.convert(raw_card, type=Card, str_keys=True)
        except msgspec.ValidationError as exc:
            problem(exc, ["cards", index])
            continue
        bad_text = card_text_problems(card)
        for loc, message in bad_text:
            where = ".".join(str(part) for part in ["cards", index, *loc])
            problems.append(Problem(path, _line_of(tree, ["cards", index, *loc]),
                                    f"{message} (at {where})"))
        if bad_text:
            continue
        if topic is not None and card.topic and card.topic != topic:
            problems.append(Problem(path, _line_of(tree, ["cards", index, "topic"]),
                                    f"card `{card.id}` says topic `{card.topic}` but the deck is "
                                    f"`{topic}`; drop the card's `topic` or move the card"))
        cards.append(msgspec.structs.replace(card, topic=str(topic or "")))
    if not isinstance(topic, str) or not isinstance(title, Text):
        return None, problems
    return Deck(path, topic, title, cards, text), problems


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
            files.setdefault(resolved(path), path)
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
