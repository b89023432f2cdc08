"""The library: every deck and every derivation a user can reach, loaded together.

Bundled content comes first; extra folders (``DLSTUDY_DECKS``, or the settings
file's ``extra_folders``) add decks, and derivation modules — which are code —
only from those explicitly listed folders.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dlstudy import bind, paths
from dlstudy.card import Card
from dlstudy.deck import Deck, Problem, load_decks
from dlstudy.derivation import DerivationInfo, discover


def extra_folders(configured: Iterable[str | Path] = ()) -> list[Path]:
    """Folders the user listed: the ``DLSTUDY_DECKS`` variable, then the settings file."""
    found = [Path(p).expanduser() for p in os.environ.get("DLSTUDY_DECKS", "").split(os.pathsep) if p]
    found += [Path(p).expanduser() for p in configured]
    return found


def _split(folder: Path) -> tuple[Path, Path]:
    """A user folder may hold ``questions/`` and ``derivations/``, or the files directly."""
    questions = folder / "questions" if (folder / "questions").is_dir() else folder
    derivations = folder / "derivations" if (folder / "derivations").is_dir() else folder
    return questions, derivations


@dataclass
class Library:
    decks: list[Deck]
    derivations: dict[str, DerivationInfo]
    problems: list[Problem] = field(default_factory=list)

    @property
    def cards(self) -> dict[str, Card]:
        return {card.id: card for deck in self.decks for card in deck.cards}

    def deck_of(self, card_id: str) -> Deck | None:
        return next((d for d in self.decks if any(c.id == card_id for c in d.cards)), None)

    def topics(self) -> list[str]:
        return sorted({d.topic for d in self.decks})

    def select(self, topic: str | None = None, tag: str | None = None) -> list[Card]:
        return [c for d in self.decks for c in d.cards
                if (topic is None or c.topic == topic) and (tag is None or tag in c.tags)]

    def closest(self, name: str, n: int = 3, derivations_only: bool = False,
                cutoff: float = 0.4) -> list[str]:
        names = ([] if derivations_only else list(self.cards)) + list(self.derivations)
        return difflib.get_close_matches(name, names, n=n, cutoff=cutoff)

    def broken_derivations(self) -> set[str]:
        """Ids of derivation modules that are there but did not load (each has a problem)."""
        return {p.path.stem for p in self.problems if p.path.suffix == ".py"}


def content_folders(extra: Sequence[Path] = ()) -> tuple[list[Path], list[Path]]:
    """The deck folders and the derivation folders: the bundled ones, then ``extra``."""
    deck_folders = [paths.bundled_questions()]
    derivation_folders = [paths.bundled_derivations()]
    for folder in extra:
        q, d = _split(folder)
        deck_folders.append(q)
        derivation_folders.append(d)
    return deck_folders, derivation_folders


def load_library(extra: Sequence[Path] = (), derivations: bool = True,
                 cache: Path | None = None) -> Library:
    """Load the bundled content plus ``extra`` folders. Broken decks are reported, not fatal.

    With ``cache`` (a folder), what was parsed is kept there and reused while the files it
    came from are unchanged (see ``dlstudy.library_cache``): quiz and review start fast.
    """
    deck_folders, derivation_folders = content_folders(extra)
    if cache is not None:
        from dlstudy import library_cache

        decks, problems = library_cache.decks(cache, deck_folders)
    else:
        decks, problems = load_decks(deck_folders)
    catalogue: dict[str, DerivationInfo] = {}
    if derivations:
        if cache is not None:
            catalogue, found = library_cache.derivations(cache, derivation_folders)
        else:
            catalogue, found = discover(derivation_folders)
        problems += found
    bind.use({i: d.path for i, d in catalogue.items()}, derivation_folders)
    return Library(decks, catalogue, problems)
