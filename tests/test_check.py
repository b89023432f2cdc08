"""`dlstudy check`: links, unused derivations, shapes of derivation modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlstudy.cli import app
from tests.conftest import GOOD_CARD, GOOD_DERIVATION, write

runner = CliRunner()
HEADER = "topic: user\ntitle: {en: User deck, zh: 用户卡组}\ncards:\n"


def check(*paths: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["check", *map(str, paths)])
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


def test_bundled_content_is_clean() -> None:
    code, lines = check()
    assert (code, lines) == (0, [])


def test_user_folder_with_card_and_derivation_is_clean(tmp_path: Path) -> None:
    write(tmp_path, "questions/user.yaml", HEADER + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    assert check(tmp_path) == (0, [])


def test_link_to_a_missing_derivation_names_the_line_and_a_near_id(tmp_path: Path) -> None:
    deck = write(tmp_path, "questions/user.yaml", HEADER + GOOD_CARD.replace("[user_proof]", "[user_prof]"))
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    code, lines = check(tmp_path)
    assert code == 1
    assert f"{deck}:8: card `user-card` links to unknown derivation `user_prof` — did you mean `user_proof`?" in lines
    assert any("user_proof.py:1: derivation `user_proof` is used by no card" in line for line in lines)


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    deck = write(tmp_path, "questions/user.yaml",
                 HEADER + GOOD_CARD.replace("    derivations:", "    title: {en: b, zh: c}\n    derivations:"))
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    code, lines = check(tmp_path)
    assert code == 1
    assert lines == [f"{deck}:8: key `title` appears twice (first on line 5); YAML keeps only the last — remove one"]


def test_derivation_module_shape_is_checked_without_running_it(tmp_path: Path) -> None:
    write(tmp_path, "questions/user.yaml", HEADER + GOOD_CARD)
    bad = GOOD_DERIVATION.replace('"""A user\'s own derivation."""', '"""Bad."""\nimport torch\nraise SystemExit("ran!")')
    bad = bad.replace("def experiment(p):", "def not_experiment(p):").replace('"zh": "用户证明"', '"zh": ""')
    module = write(tmp_path, "derivations/user_proof.py", bad)
    code, lines = check(tmp_path)
    assert code == 1
    assert f"{module}:2: imports torch at module level; import it inside derive()/experiment() so list/show/quiz stay fast" in lines
    assert any(":4: TITLE must be a dict with non-empty `en` and `zh` strings" in line for line in lines)
    assert any("missing function `experiment(p)`" in line for line in lines)


def test_check_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _ = check(tmp_path / "nope")
    assert code == 2


def test_problems_print_one_line_each_and_no_traceback(tmp_path: Path) -> None:
    write(tmp_path, "questions/a.yaml", "topic: [\n")
    write(tmp_path, "questions/b.yaml", HEADER + "  - 3\n")
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.stdout.splitlines()) == 2


def test_check_accepts_single_files_including_bundled_ones(tmp_path: Path) -> None:
    deck = write(tmp_path, "questions/user.yaml", HEADER + GOOD_CARD)
    module = write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    assert check(deck, module) == (0, [])
    from dlstudy import paths

    bundled = sorted(paths.bundled_derivations().glob("*.py"))[:2]
    _, lines = check(*bundled)
    assert not any("already defined" in line or "YAML" in line for line in lines)


def test_check_summary_follows_lang(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["check", "--lang", "zh"])
    assert ok.exit_code == 0 and "没有问题" in ok.output and "张卡片" in ok.output
    write(tmp_path, "questions/a.yaml", "topic: [\n")
    bad = runner.invoke(app, ["check", str(tmp_path), "--lang", "zh"])
    assert bad.exit_code == 1 and "1 个问题" in bad.output
    assert "1 problem\n" in runner.invoke(app, ["check", str(tmp_path)]).output


def test_a_link_to_a_derivation_that_did_not_load_says_so(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A derivation module with a syntax error: the card linking it got "unknown derivation
    `user_proof` — did you mean `user-card`?" (a card id) and `prove` said it "does not exist";
    both now say its module did not load."""
    write(tmp_path, "questions/user.yaml", HEADER + GOOD_CARD)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION + "\ndef broken(:\n")
    code, lines = check(tmp_path)
    assert code == 1
    linked = [line for line in lines if "user.yaml" in line]
    assert linked and all("its module did not load" in line and "did you mean" not in line
                          for line in linked), lines
    assert any("user_proof.py" in line and "syntax error" in line for line in lines), lines
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    result = runner.invoke(app, ["prove", "user-card"])
    assert result.exit_code == 2
    assert "linked derivation 'user_proof' did not load" in " ".join(result.output.split())
