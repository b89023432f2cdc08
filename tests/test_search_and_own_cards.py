"""`dlstudy search` (ranked, both languages, CJK substrings) and cards of one's own
(unproved cards, `dlstudy new`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlstudy.library import load_library
from dlstudy.search import query_terms, search
from tests.conftest import write
from tests.studykit import invoke, shared_cache

DECK = """
topic: study
title: {en: Study, zh: 学习}
cards:
  - id: study-dropout-title
    title: {en: Inverted dropout, zh: 反向丢弃}
    tags: [regularization]
    question: {en: Why scale at training time?, zh: 为什么在训练时缩放？}
    answer: {en: So inference needs no change., zh: 这样推理时无需改动。}
  - id: study-dropout-answer
    title: {en: Regularisers, zh: 正则化方法}
    tags: [regularization]
    question: {en: Name some regularisers., zh: 列举一些正则化方法。}
    answer: {en: 'Weight decay, early stopping and dropout.', zh: 权重衰减、早停和丢弃。}
  - id: study-vanishing
    title: {en: Vanishing gradients, zh: 梯度消失}
    tags: [gradients]
    question: {en: What makes gradients vanish in a deep sigmoid net?, zh: 深层 sigmoid 网络中梯度为什么会消失？}
    answer: {en: Products of small derivatives., zh: 许多小导数相乘。}
    correction: {en: Not the learning rate., zh: 不是学习率造成的。}
"""


@pytest.fixture
def decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared_cache(tmp_path_factory, monkeypatch)
    folder = tmp_path / "decks"
    write(folder, "questions/study.yaml", DECK)
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    return folder


def own(decks: Path) -> list:  # type: ignore[type-arg]
    return [c for c in load_library([decks], derivations=False).cards.values() if c.topic == "study"]


# --- search -----------------------------------------------------------------------------------


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_answer(decks: Path) -> None:
    hits = search(own(decks), "dropout")
    assert [h.card.id for h in hits] == ["study-dropout-title", "study-dropout-answer"]
    assert hits[0].score > hits[1].score > 0
    assert "title" in hits[0].fields and "answer" in hits[1].fields


def test_every_word_must_match_and_prefixes_count(decks: Path) -> None:
    assert [h.card.id for h in search(own(decks), "dropout weight")] == ["study-dropout-answer"]
    assert [h.card.id for h in search(own(decks), "regularis")] == ["study-dropout-answer"]
    assert search(own(decks), "dropout gradients") == []
    # the correction and the tags are searched too
    assert [h.card.id for h in search(own(decks), "learning rate")] == ["study-vanishing"]
    assert len(search(own(decks), "regularization")) == 2


def test_chinese_matches_substrings_in_either_language(decks: Path) -> None:
    assert query_terms("梯度消失 LSTM") == ["梯度消失", "lstm"]
    assert [h.card.id for h in search(own(decks), "消失")] == ["study-vanishing"]
    assert next(h.card.id for h in search(own(decks), "丢弃")) == "study-dropout-title"
    assert [h.card.id for h in search(own(decks), "权重 dropout")] == ["study-dropout-answer"]
    assert next(h.card.id for h in search(own(decks), "ＤＲＯＰＯＵＴ")) == "study-dropout-title"


def test_search_piped_is_one_card_a_line(decks: Path) -> None:
    result = invoke(["search", "dropout", "--topic", "study"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [r[0] for r in rows] == ["study-dropout-title", "study-dropout-answer"]
    assert all(len(r) == 6 for r in rows) and rows[0][1:3] == ["study", "recall"]
    assert rows[0][4] == "Inverted dropout"
    zh = invoke(["search", "dropout", "--topic", "study", "--lang", "zh"]).stdout
    assert "反向丢弃" in zh


def test_search_json_and_the_bundled_decks(decks: Path) -> None:
    rows = json.loads(invoke(["search", "lstm", "parameters", "--json", "-n", "5"]).stdout)
    assert 0 < len(rows) <= 5 and all("lstm" in r["id"] or "LSTM" in r["title"] + r["snippet"]
                                       for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_an_empty_search_or_no_match_is_said_clearly(decks: Path) -> None:
    for args in ([], ["  "], ["--", "!!"]):
        result = invoke(["search", *args])
        assert result.exit_code == 2 and "give some words" in result.output, args
    assert "请给出要搜索的词" in invoke(["search", "--lang", "zh"]).output
    result = invoke(["search", "xyzzy", "--topic", "study"])
    assert result.exit_code == 1 and "no card contains all of: xyzzy" in result.output
    assert invoke(["search", "dropout", "--topic", "nope"]).exit_code == 2


# --- cards of one's own -----------------------------------------------------------------------


def test_an_own_card_without_derivation_passes_check_and_shows_unproved(decks: Path) -> None:
    result = invoke(["check"])
    assert result.exit_code == 0, result.output
    assert "unproved" in invoke(["show", "study-vanishing"]).output
    assert "未证明" in invoke(["show", "study-vanishing", "--lang", "zh"]).output
    table = invoke(["list", "--topic", "study", "--format", "table"]).output
    assert "unproved" in table
    session = invoke(["quiz", "--topic", "study", "-n", "1"], "\n3\n").output
    assert "unproved" in session


def test_a_bundled_card_must_still_link_a_derivation(
        decks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dlstudy import paths
    from dlstudy.check import check_library

    library = load_library([decks], derivations=False)
    monkeypatch.setattr(paths, "bundled_questions", lambda: decks / "questions")
    problems = [str(p) for p in check_library(library, only=[decks])]
    assert any("card `study-vanishing` links no derivation" in p for p in problems)


def test_new_without_a_deck_folder_says_how_to_configure_one() -> None:
    result = invoke(["new"])
    assert result.exit_code == 2
    assert "DLSTUDY_DECKS" in result.output and "extra_folders" in result.output
    assert "卡组文件夹" in invoke(["new", "--lang", "zh"]).output


def test_new_scaffolds_checked_cards_with_fresh_ids(decks: Path) -> None:
    first = invoke(["new", "--topic", "study"])
    assert first.exit_code == 0, first.output
    assert "new card study-card-1" in first.output
    assert "Edit it, then" in first.output  # one file written: not "them"
    second = invoke(["new", "--topic", "study", "--kind", "claim", "--with-derivation"])
    assert second.exit_code == 0, second.output
    assert "Edit them, then" in second.output  # the card and its derivation
    module = decks / "study_card_2.py"  # no derivations/ folder there: beside questions/
    source = module.read_text(encoding="utf-8")
    for part in ("TITLE = {", "CLAIMS = [", "def derive(p)", "def experiment(p)", 'id="example_row"'):
        assert part in source
    text = (decks / "questions" / "study.yaml").read_text(encoding="utf-8")
    assert text.startswith(DECK.lstrip("\n"))  # what was there is kept as it was
    cards = {c.id: c for c in own(decks)}
    assert cards["study-card-1"].derivations == []
    assert cards["study-card-2"].claim is not None
    assert cards["study-card-2"].derivations == ["study_card_2"]
    assert invoke(["check"]).exit_code == 0
    assert "new card my-cards-card-1" in invoke(["new"]).output


def test_new_rejects_bad_options_and_keeps_a_deck_it_cannot_extend(decks: Path) -> None:
    assert invoke(["new", "--kind", "claim"]).exit_code == 2
    assert invoke(["new", "--kind", "exercise"]).exit_code == 2
    assert invoke(["new", "--topic", "Bad Topic"]).exit_code == 2
    odd = decks / "questions" / "odd.yaml"
    odd.write_text("cards:\n  - id: odd-1\ntopic: odd\n", encoding="utf-8")
    before = odd.read_text(encoding="utf-8")
    result = invoke(["new", "--topic", "odd"])
    assert result.exit_code == 2 and "the file is as it was" in " ".join(result.output.split())
    assert odd.read_text(encoding="utf-8") == before


def test_camel_case_names_are_found_by_their_parts() -> None:
    cards = list(load_library(derivations=False).cards.values())
    found = [h.card.id for h in search(cards, "layer norm")]
    assert "norm-why-ln-transformers" in found  # its text writes LayerNorm, never "layer norm"
    assert "norm-why-ln-transformers" in [h.card.id for h in search(cards, "layernorm")]


@pytest.mark.parametrize("width", [60, 120])
def test_search_on_a_narrow_terminal_gives_each_hit_lines_not_a_sliver_of_table(
        width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 60 columns the table left the title and text a column a few letters wide; there each
    hit takes lines — rank, id, topic and score, then the title and snippet indented."""
    import io

    from rich.console import Console

    import dlstudy.cli

    out = io.StringIO()
    monkeypatch.setattr(dlstudy.cli, "console", Console(file=out, width=width, force_terminal=True,
                                                        color_system=None))
    assert invoke(["search", "残差", "--topic", "residual", "--lang", "zh"]).exit_code == 0
    lines = out.getvalue().splitlines()
    assert all(len(line) <= width for line in lines)
    if width == 120:
        assert any(line.startswith("┏") for line in lines)  # wide: still the table
        return
    assert not any(line.startswith(("┏", "│")) for line in lines)
    first = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    assert lines[first].split()[1] in {c.id for c in load_library().select("residual")}
    assert lines[first + 1].startswith("  ") and "残差" in lines[first + 1] + lines[first + 2]


def test_new_in_a_bundled_topic_takes_that_topics_title(decks: Path) -> None:
    """`new --topic rnn` titled the deck `{en: rnn, zh: rnn}`, which `list` and Anki then show
    beside the bundled "RNN、LSTM 与 GRU"; a topic of one's own keeps its name."""
    import yaml

    from dlstudy.library import load_library

    bundled = next(d.title for d in load_library().decks if d.topic == "rnn")
    assert invoke(["new", "--topic", "rnn"]).exit_code == 0
    deck = next(decks.rglob("rnn.yaml"))
    data = yaml.safe_load(deck.read_text(encoding="utf-8"))
    assert data["title"] == {"en": bundled.en, "zh": bundled.zh} != {"en": "rnn", "zh": "rnn"}
    assert invoke(["check", str(deck)]).exit_code == 0
