"""A cache of parsed deck files and derivation modules, so that ``quiz`` and ``review`` start fast.

Parsing YAML and reading a derivation with ``ast`` costs milliseconds per file; decoding
one msgpack file costs far less. Each file's result is kept under its path with its size
and modification time, so only a file that changed is parsed again; the whole cache is
dropped when dlstudy or the modules that parse change. Any trouble with the cache only
means a normal load. (``dlstudy check`` never uses it.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, TypeVar

import msgspec

from dlstudy import __version__
from dlstudy.card import Card, Text
from dlstudy.deck import Deck, Problem, load_deck, load_decks
from dlstudy.derivation import DerivationInfo, discover, read_info

_PARSERS = [Path(__file__).with_name(n) for n in ("card.py", "deck.py", "derivation.py",
                                                  "library_cache.py")]
T = TypeVar("T")


class _Deck(msgspec.Struct, array_like=True):
    topic: str
    title: Text
    cards: list[Card]


class _Derivation(msgspec.Struct, array_like=True):
    id: str
    title: Text
    claims: list[Text]


class _File(msgspec.Struct, Generic[T], array_like=True):
    size: int
    mtime: int
    value: T | None
    problems: list[tuple[int, str]]


class _Cache(msgspec.Struct, Generic[T], array_like=True):
    version: str
    files: dict[str, _File[T]]


def _version() -> str:
    """dlstudy's version and the size and mtime of the parsing modules."""
    parts = [__version__]
    for path in _PARSERS:
        try:
            st = os.stat(path)
            parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{path.name}:?")
    return ";".join(parts)


class _FileCache(Generic[T]):
    """Results of parsing single files, kept in one msgpack file."""

    def __init__(self, file: Path, kind: type) -> None:
        self.file = file
        self.kind = kind
        self.version = _version()
        self.changed = False
        self.files: dict[str, _File[T]] = {}
        try:
            cache = msgspec.msgpack.decode(file.read_bytes(), type=_Cache[kind])  # type: ignore[valid-type]
            if cache.version == self.version:
                self.files = cache.files
        except (OSError, msgspec.DecodeError, ValueError):
            pass
        self.seen: set[str] = set()

    def get(self, path: Path, parse: Callable[[Path], tuple[T | None, list[Problem]]]
            ) -> tuple[T | None, list[Problem]]:
        key = str(path)
        self.seen.add(key)
        try:
            st = os.stat(path)
        except OSError:
            return parse(path)
        entry = self.files.get(key)
        if entry is None or entry.size != st.st_size or entry.mtime != st.st_mtime_ns:
            value, problems = parse(path)
            entry = _File(st.st_size, st.st_mtime_ns, value, [(p.line, p.message) for p in problems])
            self.files[key] = entry
            self.changed = True
        return entry.value, [Problem(path, line, message) for line, message in entry.problems]

    def save(self) -> None:
        gone = set(self.files) - self.seen
        if not (self.changed or gone):
            return
        for key in gone:
            del self.files[key]
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
            tmp.write_bytes(msgspec.msgpack.encode(_Cache(self.version, self.files)))
            os.replace(tmp, self.file)
        except OSError:
            pass  # a cache that cannot be written only costs time


def decks(cache: Path, folders: Sequence[Path]) -> tuple[list[Deck], list[Problem]]:
    """``load_decks(folders)``, parsing only the deck files that changed since last time."""
    files: _FileCache[_Deck] = _FileCache(cache / "decks.msgpack", _Deck)

    def parse(path: Path) -> tuple[_Deck | None, list[Problem]]:
        deck, problems = load_deck(path)
        return (None if deck is None else _Deck(deck.topic, deck.title, deck.cards)), problems

    def load(path: Path) -> tuple[Deck | None, list[Problem]]:
        value, problems = files.get(path, parse)
        deck = None if value is None else Deck(path, value.topic, value.title, list(value.cards))
        return deck, problems

    result = load_decks(folders, load)
    files.save()
    return result


def derivations(cache: Path, folders: Sequence[Path]
                ) -> tuple[dict[str, DerivationInfo], list[Problem]]:
    """``discover(folders)``, reading only the derivation modules that changed since last time."""
    files: _FileCache[_Derivation] = _FileCache(cache / "derivations.msgpack", _Derivation)

    def parse(path: Path) -> tuple[_Derivation | None, list[Problem]]:
        info, problems = read_info(path)
        value = None if info is None else _Derivation(info.id, info.title, list(info.claims))
        return value, problems

    def read(path: Path) -> tuple[DerivationInfo | None, list[Problem]]:
        value, problems = files.get(path, parse)
        info = None if value is None else DerivationInfo(value.id, path, value.title,
                                                         tuple(value.claims))
        return info, problems

    result = discover(folders, read)
    files.save()
    return result
