"""Loading decks: good ones load, broken ones give `path:line: what is wrong`."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlstudy import paths
from dlstudy.deck import load_deck, load_decks
from tests.conftest import GOOD_CARD, write

HEADER = """
topic: user
title: {en: User deck, zh: 用户卡组}
cards:
"""


def test_bundled_decks_load_without_problems() -> None:
    decks, problems = load_decks([paths.bundled_questions()])
    assert problems == []
    assert sum(len(d.cards) for d in decks) >= 1


def test_good_deck_loads_and_cards_inherit_the_deck_topic(tmp_path: Path) -> None:
    deck, problems = load_deck(write(tmp_path, "user.yaml", HEADER + GOOD_CARD))
    assert problems == []
    assert deck is not None
    assert [c.id for c in deck.cards] == ["user-card"]
    assert deck.cards[0].topic == "user"
    assert deck.cards[0].question.get("zh") == "为什么？"


BROKEN = {
    "syntax": (HEADER + "  - id: x\n    title: {en: a, zh: b\n", 6, "starts on line 5"),
    "missing-zh": (HEADER + GOOD_CARD.replace(", zh: 因为。", ""), 7, "missing required field `zh`"),
    "unknown-field": (HEADER + GOOD_CARD + "    anwser: typo\n", 9, "unknown field `anwser`"),
    "wrong-type": (HEADER + GOOD_CARD.replace("[user_proof]", "user_proof"), 8, "Expected `array`"),
    "bad-id": (HEADER + GOOD_CARD.replace("user-card", "User Card"), 4, "not an id: ids, tags"),
    "bad-level": (HEADER + GOOD_CARD + "    level: 7\n", 9, "Expected `int` <= 3"),
    "empty-answer": (HEADER + GOOD_CARD.replace("en: Because.", 'en: ""'), 7, "length >= 1"),
    "empty-file": ("", 1, "empty deck"),
    "not-a-list": (HEADER.replace("cards:", "cards: 3"), 3, "Expected `array`"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_deck_reports_file_line_and_what_is_wrong(tmp_path: Path, name: str) -> None:
    text, line, fragment = BROKEN[name]
    path = write(tmp_path, f"{name}.yaml", text)
    deck, problems = load_deck(path)
    assert deck is None or deck.cards == []  # a broken card is dropped; a broken header, the deck
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path == path
    assert problem.line == line, str(problem)
    assert fragment in problem.message
    assert str(problem).startswith(f"{path}:{line}: ")


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", HEADER + GOOD_CARD)
    write(tmp_path, "b.yaml", HEADER + GOOD_CARD.replace("user-card", "other") + GOOD_CARD)
    decks, problems = load_decks([tmp_path])
    assert len(problems) == 1
    assert problems[0].path.name == "b.yaml"
    assert problems[0].line == 9
    assert "duplicate card id `user-card`" in problems[0].message
    assert "a.yaml:4" in problems[0].message
    assert sum(len(d.cards) for d in decks) == 2  # the duplicate is dropped, the rest kept


def test_duplicate_id_in_the_same_file_points_at_the_second(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", HEADER + GOOD_CARD + GOOD_CARD)
    _, problems = load_decks([tmp_path])
    assert [p.line for p in problems] == [9]
    assert "first defined at" in problems[0].message and "a.yaml:4" in problems[0].message


def test_a_broken_deck_does_not_stop_the_others_loading(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", HEADER + GOOD_CARD)
    write(tmp_path, "bad.yaml", "topic: [\n")
    decks, problems = load_decks([tmp_path])
    assert [d.path.name for d in decks] == ["good.yaml"]
    assert [p.path.name for p in problems] == ["bad.yaml"]


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = write(tmp_path, "evil.yaml", "topic: !!python/object/apply:os.system ['echo pwned']\n")
    deck, problems = load_deck(path)
    assert deck is None
    assert "YAML" in problems[0].message
