"""``dlstudy check``: every problem in decks and derivations, as ``path:line: message``."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from dlstudy import bind, paths
from dlstudy.card import Card
from dlstudy.claims import row_ids
from dlstudy.deck import Problem, _compose, _duplicate_keys, _line_of, resolved
from dlstudy.derivation import read_source
from dlstudy.library import Library


def _missing_hint(library: Library, ref: str) -> str:
    """What to add to "unknown derivation `ref`": that its module is there but did not load
    (its own problem says why), else the closest derivation id — never a card id."""
    if ref in library.broken_derivations():
        return " — its module did not load (see the problem reported for it)"
    near = library.closest(ref, derivations_only=True)
    return f" — did you mean `{near[0]}`?" if near else ""


def check_library(library: Library, only: Sequence[Path] = ()) -> list[Problem]:
    """All problems; with ``only``, just those in files under those paths."""
    problems = list(library.problems)
    sources = _Sources()
    snapshots = bind.Snapshots({i: d.path for i, d in library.derivations.items()})
    bundled_root = paths.bundled_questions().resolve()
    for deck in library.decks:
        bundled = deck.path.resolve().is_relative_to(bundled_root)
        tree = _compose(deck._text)
        problems += _duplicate_keys(tree, deck.path)
        for index, card in enumerate(deck.cards):
            for j, ref in enumerate(card.derivations):
                if ref not in library.derivations:
                    hint = _missing_hint(library, ref)
                    line = _line_of(tree, _card_loc(tree, card.id, index) + ["derivations", j])
                    problems.append(Problem(deck.path, line,
                                            f"card `{card.id}` links to unknown derivation `{ref}`{hint}"))
            if not card.derivations and bundled:  # a user's own card may be unproved
                line = _line_of(tree, _card_loc(tree, card.id, index))
                problems.append(Problem(deck.path, line, f"card `{card.id}` links no derivation; "
                                        "every card needs `derivations: [id, ...]` that prove it"))
            problems += _auto_graded(library, deck.path, tree, card, index, sources)
            problems += _numbers(library, deck.path, tree, card, index, sources, snapshots)
            if bundled:  # a user's own deck may well quote the user's own notes
                problems += _unseen_sources(deck.path, tree, card, index)
    used = {ref for deck in library.decks for card in deck.cards for ref in card.derivations}
    for info in library.derivations.values():
        if info.id not in used:
            problems.append(Problem(info.path, 1, f"derivation `{info.id}` is used by no card; "
                                                  "link it from a card's `derivations:` or delete it"))
    if only:
        wanted = {resolved(p) for p in _files_under(only)}
        problems = [p for p in problems if resolved(p.path) in wanted]
    return sorted(set(problems), key=lambda p: (str(p.path), p.line, p.message))


class _Sources:
    """The literal row ids of each derivation module, read once."""

    def __init__(self) -> None:
        self._ids: dict[Path, dict[str, int]] = {}

    def ids(self, module: Path) -> dict[str, int]:
        if module not in self._ids:
            try:
                self._ids[module] = row_ids(read_source(module))
            except (OSError, UnicodeDecodeError, ValueError):
                self._ids[module] = {}
        return self._ids[module]


def _near(name: str, known: Sequence[str] | dict[str, int]) -> str:
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" — did you mean `{near[0]}`?" if near else ""


TEXT_FIELDS = ("title", "question", "answer", "correction")


def _numbers(library: Library, path: Path, tree: yaml.Node | None, card: Card, index: int,
             sources: _Sources, snapshots: bind.Snapshots) -> list[Problem]:
    """Each placeholder names a recorded row of a linked derivation; no measured-looking
    number is typed by hand."""
    problems: list[Problem] = []
    loc = _card_loc(tree, card.id, index)
    for name in TEXT_FIELDS:
        text = getattr(card, name)
        if text is None:
            continue
        for lang in ("en", "zh"):
            value = text.raw(lang)
            line = _line_of(tree, [*loc, name, lang])
            where = f"card `{card.id}` {name}.{lang}"
            for ref in bind.refs(value):
                if isinstance(ref, ValueError):
                    problems.append(Problem(path, line, f"{where}: {ref}"))
                    continue
                info = library.derivations.get(ref.derivation)
                if info is None or ref.derivation not in card.derivations:
                    problems.append(Problem(path, line, f"{where}: {ref.text} names derivation "
                                            f"`{ref.derivation}`, which the card does not link "
                                            "in `derivations:`"))
                    continue
                if ref.row not in sources.ids(info.path):
                    problems.append(Problem(path, line, f"{where}: {ref.text}: `{ref.derivation}` "
                                            f"records no row with id `{ref.row}`"
                                            + _near(ref.row, sources.ids(info.path))))
                    continue
                if snapshots.row(ref) is None:
                    how = "--device cpu" if ref.scale == "quick" else "--device cuda"
                    problems.append(Problem(path, line, f"{where}: {ref.text}: no recorded "
                                            f"{ref.scale}-scale value; run `dlstudy prove "
                                            f"{ref.derivation} --scale {ref.scale} {how} "
                                            "--record`"))
            loose = bind.loose_numbers(value, card.constants)
            if loose:
                shown = ", ".join(f"`{t}`" for t in dict.fromkeys(loose))
                problems.append(Problem(path, line, f"{where}: {shown} looks measured but is typed "
                                        "by hand: write {{derivation.row}} to quote an evidence "
                                        "row, or list it under the card's `constants:` if it is "
                                        "a definition or formula constant"))
    return problems


# A claim put in the mouth of a note, write-up, blog or tutorial the card does not name: the
# reader cannot look it up, and "widely copied" is a claim of its own that the card cannot back.
# A bundled card states the misconception itself ("It is often said that …", "A common mistake
# is …", "常有人说……", "常见的错误是……") and cites the paper or docs that settle it.
UNSEEN_SOURCE = re.compile(
    r"\bwidely[- ](?:copied|circulated|repeated|shared|quoted)\b"
    r"|\b(?:a|an|one|some|many|several|another|the same|this|that|these|those|most)\s+"
    r"(?:(?:popular|common|well-known|famous|online|widely[- ]\w+)\s+)?"
    r"(?:notes?|write-?ups?|blogs?|blog posts?|tutorials?|summar(?:y|ies)|cheat ?sheets?|"
    r"online answers?|answers? online|articles? online)\b"
    r"|\bnotes?\s+(?:says?|writes?|gives|claims?|calls|recommends|states)\b"
    r"|\bon the (?:internet|web)\b"
    r"|流传|笔记|网上|网络上|同一来源"
    r"|(?:有些|一些|某些|有的|许多|很多|不少|一篇|某篇|一份|某份|一种|另一份|另一篇|同一份|同一篇)"
    r"(?:资料|教程|博客|文章|总结|帖子|网帖)",
    re.IGNORECASE)


def unseen_sources(text: str) -> list[str]:
    """The phrases of ``text`` that attribute a claim to a source the reader cannot see."""
    return list(dict.fromkeys(m.group(0) for m in UNSEEN_SOURCE.finditer(text)))


def _unseen_sources(path: Path, tree: yaml.Node | None, card: Card, index: int) -> list[Problem]:
    problems: list[Problem] = []
    loc = _card_loc(tree, card.id, index)
    for name in TEXT_FIELDS:
        text = getattr(card, name)
        if text is None:
            continue
        for lang in ("en", "zh"):
            found = unseen_sources(text.raw(lang))
            if found:
                shown = ", ".join(f"`{t}`" for t in found)
                problems.append(Problem(path, _line_of(tree, [*loc, name, lang]),
                                        f"card `{card.id}` {name}.{lang}: {shown} attributes a "
                                        "claim to a source the reader cannot see; state the claim "
                                        "itself (\"It is often said that …\", \"A common mistake "
                                        "is …\") and cite the paper or docs that settle it"))
    return problems


def _auto_graded(library: Library, path: Path, tree: yaml.Node | None, card: Card,
                 index: int, sources: _Sources) -> list[Problem]:
    """An exercise's generator exists; a code card's task exists; a claim's derivation exists, is linked, and can produce
    the evidence row it names (read from the source: nothing is run)."""
    problems: list[Problem] = []
    loc = _card_loc(tree, card.id, index)
    if card.exercise is not None:
        from dlstudy import exercises

        name = card.exercise.generator
        if name not in exercises.names():
            near = difflib.get_close_matches(name, exercises.names(), n=1, cutoff=0.5)
            hint = f" — did you mean `{near[0]}`?" if near else \
                " (see dlstudy/exercises/ for the generators)"
            problems.append(Problem(path, _line_of(tree, [*loc, "exercise", "generator"]),
                                    f"card `{card.id}` names unknown exercise generator "
                                    f"`{name}`{hint}"))
    if card.code is not None:
        from dlstudy import coding

        name = card.code.task
        if name not in coding.names():
            near = difflib.get_close_matches(name, coding.names(), n=1, cutoff=0.5)
            hint = f" — did you mean `{near[0]}`?" if near else \
                " (see dlstudy/coding/ for the tasks)"
            problems.append(Problem(path, _line_of(tree, [*loc, "code", "task"]),
                                    f"card `{card.id}` names unknown coding task `{name}`{hint}"))
    if card.claim is not None:
        claim = card.claim
        info = library.derivations.get(claim.derivation)
        if info is None:
            hint = _missing_hint(library, claim.derivation)
            problems.append(Problem(path, _line_of(tree, [*loc, "claim", "derivation"]),
                                    f"card `{card.id}`: claim derivation `{claim.derivation}` does "
                                    f"not exist{hint}"))
            return problems
        if claim.derivation not in card.derivations:
            problems.append(Problem(path, _line_of(tree, [*loc, "claim", "derivation"]),
                                    f"card `{card.id}`: the claim's derivation `{claim.derivation}` "
                                    "must also be listed in the card's `derivations:`"))
        ids = sources.ids(info.path)
        if claim.row not in ids:
            problems.append(Problem(path, _line_of(tree, [*loc, "claim", "row"]),
                                    f"card `{card.id}`: derivation `{claim.derivation}` records no "
                                    f"row with id `{claim.row}`; give the deciding row "
                                    f"`id=\"{claim.row}\"` in {info.path.name}"
                                    + _near(claim.row, ids)))
    return problems


def _files_under(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += [p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".py")]
        else:
            files.append(path)
    return files


def _card_loc(tree: yaml.Node | None, card_id: str, fallback: int) -> list[str | int]:
    """The path to a card in the YAML tree (cards may have been dropped as duplicates)."""
    return ["cards", _card_indices(tree).get(card_id, fallback)]


@functools.lru_cache(maxsize=4)
def _card_indices(tree: yaml.Node | None) -> dict[str, int]:
    """Each card id's index in the tree's ``cards`` (the first, for a duplicate), worked out once
    per deck: looking each card up afresh made ``check`` quadratic in the cards."""
    indices: dict[str, int] = {}
    if isinstance(tree, yaml.MappingNode):
        cards = next((v for k, v in tree.value if k.value == "cards"), None)
        if isinstance(cards, yaml.SequenceNode):
            for i, item in enumerate(cards.value):
                if isinstance(item, yaml.MappingNode):
                    for k, v in item.value:
                        if k.value == "id" and isinstance(v, yaml.ScalarNode):
                            indices.setdefault(str(v.value), i)
    return indices


def summary(library: Library, problems: Sequence[Problem], lang: str = "en") -> str:
    """The line ``check`` ends with (Rich markup): how many problems, or what was found clean."""
    cards, decks, derivations = len(library.cards), len(library.decks), len(library.derivations)
    if lang == "zh":
        if problems:
            return f"[red]{len(problems)} 个问题[/red]"
        return (f"[green]没有问题[/green]：{decks} 个卡组中的 {cards} 张卡片、{derivations} 个推导，"
                "所有链接都能解析")
    if problems:
        return f"[red]{_plural(len(problems), 'problem')}[/red]"
    return (f"[green]ok[/green]: {_plural(cards, 'card')} in {_plural(decks, 'deck')}, "
            f"{_plural(derivations, 'derivation')}, all links resolve")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"
