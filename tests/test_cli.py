"""The CLI through Typer's test runner: list, show, prove, and their errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import msgspec
from typer.testing import CliRunner

from dlstudy.cli import app
from dlstudy.library import load_library
from tests.conftest import GOOD_CARD, GOOD_DERIVATION, write

runner = CliRunner()


def test_every_command_explains_itself_with_help() -> None:
    for command in ([], ["list"], ["show"], ["check"], ["prove"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout


def test_list_json_has_every_card_with_its_links() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    library = load_library()
    assert {r["id"] for r in rows} == set(library.cards)
    assert all(r["derivations"] for r in rows)


def test_list_filters_by_topic_and_rejects_an_unknown_topic() -> None:
    rows = json.loads(runner.invoke(app, ["list", "--topic", "mlp", "--json"]).stdout)
    assert rows and {r["topic"] for r in rows} == {"mlp"}
    result = runner.invoke(app, ["list", "--topic", "nope"])
    assert result.exit_code == 2
    assert "topics are" in result.output


def test_show_prints_question_answer_and_derivation_titles_in_both_languages() -> None:
    en = runner.invoke(app, ["show", "mlp-why-nonlinearity", "--lang", "en"])
    assert en.exit_code == 0
    assert "What does a deep network" in en.stdout
    assert "mlp_linear_collapse" in en.stdout and "Stacked linear layers" in en.stdout
    zh = runner.invoke(app, ["show", "mlp-why-nonlinearity", "--lang", "zh"])
    assert "为什么网络需要非线性" in zh.stdout


def test_show_unknown_card_suggests_the_closest_ids() -> None:
    result = runner.invoke(app, ["show", "mlp-why-nonlinearty"])
    assert result.exit_code == 2
    assert "mlp-why-nonlinearity" in result.output


def test_prove_needs_a_target_and_rejects_bad_options() -> None:
    assert runner.invoke(app, ["prove"]).exit_code == 2
    assert runner.invoke(app, ["prove", "--all", "--scale", "huge"]).exit_code == 2
    assert runner.invoke(app, ["prove", "--all", "--device", "tpu"]).exit_code == 2
    unknown = runner.invoke(app, ["prove", "mlp_linear_colapse"])
    assert unknown.exit_code == 2
    assert "mlp_linear_collapse" in unknown.output


def test_prove_a_card_runs_its_derivations_and_prints_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["prove", "mlp-why-nonlinearity", "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert set(row) >= {"id", "title", "verdict", "device", "scale", "seconds", "steps", "evidence"}
    assert row["verdict"] == "pass" and row["device"] == "cpu" and row["scale"] == "quick"
    assert set(row["evidence"][0]) == {"quantity", "measured", "expected", "relation", "passed",
                                       "id", "refutes"}
    # The second run comes from the cache, with the same evidence.
    again = json.loads(runner.invoke(app, ["prove", "mlp_linear_collapse", "--device", "cpu", "--json"]).stdout)
    assert again[0]["evidence"] == row["evidence"]


def test_prove_exits_1_when_a_claim_fails(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    header = "topic: user\ntitle: {en: U, zh: 用户}\ncards:\n"
    write(tmp_path, "questions/user.yaml", header + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION.replace("1 + 1, 2)", "1 + 1, 3)"))
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    result = runner.invoke(app, ["prove", "user-card", "--device", "cpu", "--json"])
    assert result.exit_code == 1
    [row] = json.loads(result.stdout)
    assert row["verdict"] == "fail"
    assert [e["passed"] for e in row["evidence"]] == [True, False]


def test_what_a_derivation_prints_leaves_prove_json_parseable(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # a user's derivation that print()s (a debugging line) put its text before the JSON array
    header = "topic: user\ntitle: {en: U, zh: 用户}\ncards:\n"
    write(tmp_path, "questions/user.yaml", header + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION.replace(
        'p.close("1 + 1", 1 + 1, 2)', 'print("debugging", 1 + 1); p.close("1 + 1", 1 + 1, 2)'))
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    result = runner.invoke(app, ["prove", "user_proof", "--device", "cpu", "--json", "--no-cache"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["verdict"] == "pass"
    assert "debugging 2" in result.stderr


def test_a_derivation_that_calls_sys_exit_is_an_error_not_a_silent_pass(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # sys.exit(0) in an experiment ended `prove` itself: nothing printed, exit status 0
    header = "topic: user\ntitle: {en: U, zh: 用户}\ncards:\n"
    write(tmp_path, "questions/user.yaml", header + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION.replace(
        'p.close("1 + 1", 1 + 1, 2)', 'import sys; sys.exit(0)'))
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    result = runner.invoke(app, ["prove", "user_proof", "--device", "cpu", "--json", "--no-cache"])
    assert result.exit_code == 1, result.output
    [row] = json.loads(result.stdout)
    assert row["verdict"] == "error" and "SystemExit" in row["error"]


def test_a_derivation_that_raises_is_an_error_not_a_crash(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    header = "topic: user\ntitle: {en: U, zh: 用户}\ncards:\n"
    write(tmp_path, "questions/user.yaml", header + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION.replace('p.close("1 + 1", 1 + 1, 2)', "1 / 0"))
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    result = runner.invoke(app, ["prove", "user_proof", "--device", "cpu", "--json"])
    assert result.exit_code == 1
    [row] = json.loads(result.stdout)
    assert row["verdict"] == "error" and "ZeroDivisionError" in row["error"]


def test_python_dash_m_works_like_the_console_script() -> None:
    out = subprocess.run([sys.executable, "-m", "dlstudy", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("dlstudy ")


def test_a_derivation_that_hangs_is_stopped_by_the_timeout(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    header = "topic: user\ntitle: {en: U, zh: 用户}\ncards:\n"
    write(tmp_path, "questions/user.yaml", header + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py",
          GOOD_DERIVATION.replace('p.close("1 + 1", 1 + 1, 2)', "while True:\n        pass"))
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    result = runner.invoke(app, ["prove", "user_proof", "--device", "cpu", "--json", "--timeout", "1"])
    assert result.exit_code == 1
    [row] = json.loads(result.stdout)
    assert row["verdict"] == "error" and "stopped after 1 s" in row["error"]


def test_the_readme_tour_names_cards_and_derivations_that_exist() -> None:
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    library = load_library()
    named = re.findall(r"^dlstudy (?:show|prove) ([a-z][a-z0-9_-]+)", readme, flags=re.M)
    assert named
    assert [n for n in named if n not in library.cards and n not in library.derivations] == []


def test_list_piped_is_one_tab_separated_row_per_card_never_cut() -> None:
    result = runner.invoke(app, ["list"])  # CliRunner's stdout is not a terminal
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    library = load_library()
    assert len(rows) == len(library.cards) and all(len(r) == 6 for r in rows)
    by_id = {r[0]: r for r in rows}
    card = library.cards["reg-weight-decay-vs-l2-sgd"]
    assert by_id[card.id] == [card.id, card.topic, card.kind, str(card.level), card.title.en,
                              ",".join(card.derivations)]
    assert any("Weight decay" in line for line in result.stdout.splitlines())  # grep finds it


def test_list_format_option_and_its_conflicts() -> None:
    assert json.loads(runner.invoke(app, ["list", "--format", "json"]).stdout)
    assert runner.invoke(app, ["list", "--format", "csv"]).exit_code == 2
    assert runner.invoke(app, ["list", "--json", "--format", "tsv"]).exit_code == 2


def _table_titles(text: str, column: int) -> dict[str, str]:
    """Each card's title as a box table shows it, its wrapped lines joined (spaces dropped)."""
    titles: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) <= column + 1:
            continue
        if cells[1]:
            current = cells[1]
            titles[current] = ""
        if current:
            titles[current] += cells[column].replace(" ", "")
    return titles


def test_list_table_shows_every_zh_title_whole_at_120_columns() -> None:
    from rich.console import Console

    from dlstudy.render import cards_table

    library = load_library()
    cards = list(library.cards.values())
    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(cards_table(cards, library.derivations, "zh", 120))
    text = console.export_text()
    assert "…" not in text
    shown = _table_titles(text, 4)
    assert shown == {c.id: c.title.zh.replace(" ", "") for c in cards}


def test_list_in_a_narrow_terminal_keeps_ids_and_titles_whole() -> None:
    from rich.cells import cell_len
    from rich.console import Console

    from dlstudy.render import cards_table

    library = load_library()
    cards = list(library.cards.values())
    texts = {}
    for width in (60, 80):
        console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(cards_table(cards, library.derivations, "en", width))
        texts[width] = console.export_text()
        assert "…" not in texts[width]
        assert all(cell_len(line) <= width for line in texts[width].splitlines())  # v̂: 1 cell
    # 80 columns: a table of ids and titles; 60: two lines a card, the id then the title
    assert _table_titles(texts[80], 2) == {c.id: c.title.en.replace(" ", "") for c in cards}
    flat = " ".join(texts[60].split())
    for card in cards:
        assert f"{card.id} {card.topic} · {card.kind} {' '.join(card.title.en.split())}" in flat


def test_list_in_a_narrow_terminal_keeps_the_marks_and_indents_a_wrapped_title() -> None:
    """Two lines a card still says what the table says: the card's marks and *unproved*; a
    title too long for one line wraps under itself, not at the left edge."""
    from rich.console import Console

    from dlstudy.render import UNPROVED, cards_table

    library = load_library()
    card = library.cards["residual-gradient-depth"]
    bare = msgspec.structs.replace(card, id="user-card", derivations=[])
    console = Console(width=44, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(cards_table([card, bare], library.derivations, "en", 44,
                              marks={card.id: ["suspended", "flag 2 (orange)"]}))
    lines = console.export_text().splitlines()
    start = lines.index("residual-gradient-depth  residual · recall")
    body = lines[start + 1:lines.index("user-card  residual · recall")]
    assert len(body) > 1 and all(line.startswith("  ") and line == line.rstrip() for line in body)
    assert "[suspended, flag 2 (orange)]" in " ".join(line.strip() for line in body)
    assert lines[-1].endswith(f"[{UNPROVED['en']}]")
