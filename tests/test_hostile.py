"""Hostile decks and derivation modules: each is a `path:line: what is wrong` from `check` (exit 1)
and a warning from `list`, `quiz` and `review`, which still load the rest — never a traceback, a
hang or a memory blow-up, and never a control character on the terminal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlstudy import deck as deck_module
from dlstudy import derivation as derivation_module
from dlstudy.cli import app
from dlstudy.deck import load_deck, printable
from tests.conftest import GOOD_CARD, GOOD_DERIVATION, write

runner = CliRunner()
BAD = "topic: bad\ntitle: {en: Bad deck, zh: 坏卡组}\ncards:\n"  # a card starts on line 4
BAD_CARD = GOOD_CARD.replace("user-card", "bad-card")  # lines 4-8: id, title, question, answer, derivations
GOOD_DECK = "topic: user\ntitle: {en: User deck, zh: 用户卡组}\ncards:\n" + GOOD_CARD


def _laughs(levels: int = 9) -> str:
    """A "billion laughs" deck: 10 lines of 10 aliases each, 10**levels values once expanded."""
    text = BAD + "  - id: lol\n    x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels + 1):
        text += f"    x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return text


# name → (text of questions/bad.yaml, line, fragment of the message)
DECKS: dict[str, tuple[str, int, str]] = {
    "int-of-4301-digits": (BAD + BAD_CARD + "    level: " + "1" * 4301 + "\n", 9,
                           "an integer of 4,301 characters is too long"),
    "explicit-int-that-is-not": (BAD + BAD_CARD + "    level: !!int abc\n", 9,
                                 "unreadable YAML value: cannot read the value `abc` as int"),
    "explicit-bool-that-is-not": (BAD + BAD_CARD + "    level: !!bool maybe\n", 9,
                                  "cannot read the value `maybe` as bool"),
    "merge-key-of-itself": (BAD + "  - &c {id: bad-card, <<: *c}\n", 4,
                            "contains an alias (`*name`) to itself"),
    "alias-of-itself": (BAD + BAD_CARD + "    tags: &t [a, *t]\n", 9,
                        "contains an alias (`*name`) to itself"),
    "billion-laughs": (_laughs(), 10, "aliases expand this deck to more than 1,000,000 values"),
    "long-string-repeated": (BAD + "  - id: lol\n    x0: &s " + "x" * 100_000 + "\n    x1: ["
                             + ", ".join(["*s"] * 1000) + "]\n", 6,
                             "aliases expand this deck to more than 67,108,864 characters"),
    "id-with-trailing-newline": (BAD + BAD_CARD.replace("id: bad-card", 'id: "bad-card\\n"'), 4,
                                 "not an id"),
    "tag-with-trailing-newline": (BAD + BAD_CARD + '    tags: ["x\\n"]\n', 9, "not an id"),
    "topic-with-trailing-newline": (BAD.replace("topic: bad", 'topic: "bad\\n"') + BAD_CARD, 1,
                                    "not an id"),
    "whitespace-only-answer": (BAD + BAD_CARD.replace("en: Because.", 'en: " \\t\\n\\u3000"'), 7,
                               "`en` is only whitespace"),
    "whitespace-only-title": (BAD.replace("zh: 坏卡组", 'zh: "  "') + BAD_CARD, 2,
                              "`zh` is only whitespace"),
    "osc-52-clipboard-write": (BAD + BAD_CARD.replace("en: Because.", 'en: "\\e]52;c;aGk=\\a"'), 7,
                               "control character U+001B"),
    "window-title-in-question": (BAD + BAD_CARD.replace("en: Why?", 'en: "a\\e]0;pwned\\a"'), 6,
                                 "control character U+001B at character 2"),
    "c1-csi-clear-screen": (BAD + BAD_CARD.replace("zh: 因为。", 'zh: "\\x9b2J"'), 7,
                            "control character U+009B"),
    "escape-in-source": (BAD + BAD_CARD + '    sources: [{paper: "x\\e[2J"}]\n', 9,
                         "control character U+001B"),
    "escape-in-an-unknown-key": (BAD + BAD_CARD + '    "\\e[2Jx": 1\n', 9,
                                 "unknown field `\\x1b[2Jx`"),
    "raw-escape-in-the-file": (BAD + BAD_CARD.replace("Because.", "Because\x1b[2J."), 7,
                               "the control character U+001B is not allowed in YAML"),
    "yaml-python-tag": (BAD + "  - !!python/object/apply:os.system ['echo pwned']\n", 4,
                        "unreadable YAML value"),
}

# name → (text of derivations/bad_one.py, line, fragment)
MODULES: dict[str, tuple[str, int, str]] = {
    "unhashable-title": (GOOD_DERIVATION.replace('TITLE = {"en": "User proof", "zh": "用户证明"}',
                                                 "TITLE = {[]: 1}"), 2, "TITLE must be a dict"),
    "5000-deep-expression": (GOOD_DERIVATION + "X = " + "-" * 5000 + "1\n", 15,
                             "nested too deeply"),
    "100k-deep-expression": (GOOD_DERIVATION + "X = " + "-" * 100_000 + "1\n", 15,
                             "nested too deeply"),
    "deep-title": (GOOD_DERIVATION.replace('TITLE = {"en": "User proof", "zh": "用户证明"}',
                                           "TITLE = " + "-" * 900 + "1"), 2, "TITLE must be a dict"),
    "escape-in-title": (GOOD_DERIVATION.replace('"User proof"', '"User \\x1b[2J proof"'), 2,
                        "control character U+001B"),
    "whitespace-claim": (GOOD_DERIVATION.replace('"zh": "1 + 1 = 2"', '"zh": " "'), 3,
                         "`zh` is only whitespace"),
}


def _folder(tmp_path: Path) -> Path:
    """A user folder with one good card and the derivation it links."""
    folder = tmp_path / "user"
    write(folder, "questions/user.yaml", GOOD_DECK)
    write(folder, "derivations/user_proof.py", GOOD_DERIVATION)
    return folder


def _check(folder: Path) -> tuple[int, list[str], str]:
    result = runner.invoke(app, ["check", str(folder)])
    lines = [line for line in result.stdout.splitlines() if line]
    return result.exit_code, lines, result.output


def _loads_the_rest_with_a_warning(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    result = runner.invoke(app, ["list", "--topic", "user", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "dlstudy check" in result.output
    assert "user-card\tuser" in result.stdout
    assert "\x1b" not in result.output and "\x9b" not in result.output


def _assert_reported(lines: list[str], output: str, path: Path, line: int, fragment: str) -> None:
    prefix = printable(f"{path}:{line}: ", one_line=True)  # a file name's control characters too
    assert any(text.startswith(prefix) and fragment in text for text in lines), (prefix, lines)
    assert "Traceback" not in output
    assert "\x1b" not in output and "\x9b" not in output  # control characters are written out


@pytest.mark.parametrize("name", sorted(DECKS))
def test_hostile_deck_is_a_path_line_problem_and_a_warning(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, line, fragment = DECKS[name]
    folder = _folder(tmp_path)
    path = folder / "questions" / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code, lines, output = _check(folder)
    assert code == 1
    _assert_reported(lines, output, path, line, fragment)
    _loads_the_rest_with_a_warning(folder, monkeypatch)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_hostile_derivation_module_is_a_path_line_problem_and_a_warning(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, line, fragment = MODULES[name]
    folder = _folder(tmp_path)
    path = folder / "derivations" / "bad_one.py"
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    code, lines, output = _check(folder)
    assert code == 1
    _assert_reported(lines, output, path, line, fragment)
    _loads_the_rest_with_a_warning(folder, monkeypatch)


def test_files_too_large_are_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deck_module, "MAX_DECK_BYTES", 1000)
    monkeypatch.setattr(derivation_module, "MAX_MODULE_BYTES", 1000)
    folder = _folder(tmp_path)
    deck = write(folder, "questions/big.yaml", BAD + BAD_CARD + "#" * 1000 + "\n")
    module = write(folder, "derivations/big_one.py", GOOD_DERIVATION + "#" * 1000 + "\n")
    code, lines, output = _check(folder)
    assert code == 1
    _assert_reported(lines, output, deck, 1, "file is larger than")
    _assert_reported(lines, output, module, 1, "file is larger than")
    _loads_the_rest_with_a_warning(folder, monkeypatch)


def test_symlink_loops_are_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    for link in (folder / "questions" / "loop.yaml", folder / "derivations" / "loop.py",
                 folder / "questions" / "sub"):
        os.symlink(link.name, link)  # each names itself
    code, lines, output = _check(folder)
    assert code == 1
    _assert_reported(lines, output, folder / "questions" / "loop.yaml", 1, "cannot read file")
    _assert_reported(lines, output, folder / "derivations" / "loop.py", 1, "cannot read file")
    _loads_the_rest_with_a_warning(folder, monkeypatch)


def test_check_reports_every_broken_card_of_a_file_and_loads_the_good_ones(tmp_path: Path) -> None:
    text = (BAD + BAD_CARD.replace("bad-card", "c1").replace("en: Because.", 'en: "  "')
            + BAD_CARD.replace("bad-card", "c2").replace("    derivations", "    levle: 2\n    derivations")
            + BAD_CARD.replace("bad-card", "c3")
            + BAD_CARD.replace("bad-card", "C4"))
    folder = _folder(tmp_path)
    path = write(folder, "questions/bad.yaml", text)
    code, lines, _ = _check(folder)
    assert code == 1
    assert [line.split(": ")[0] for line in lines] == [f"{path}:7", f"{path}:13", f"{path}:20"]
    deck, problems = load_deck(path)
    assert deck is not None and [c.id for c in deck.cards] == ["c3"]
    assert len(problems) == 3


def test_dates_stay_text(tmp_path: Path) -> None:
    text = BAD + BAD_CARD.replace("en: Why?", "en: 2024-02-30").replace("en: Because.", "en: 2024-02-29")
    deck, problems = load_deck(write(tmp_path, "dates.yaml", text))
    assert problems == []
    assert deck is not None
    assert (deck.cards[0].question.en, deck.cards[0].answer.en) == ("2024-02-30", "2024-02-29")


def test_a_session_starts_despite_every_hostile_file_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """quiz and review (which read through the library cache, twice: cold then warm) warn and
    ask the good card."""
    folder = _folder(tmp_path)
    for name, (text, _, _) in DECKS.items():
        (folder / "questions" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for i, (text, _, _) in enumerate(MODULES.values()):
        (folder / "derivations" / f"bad_{i}.py").write_text(text.lstrip("\n"), encoding="utf-8")
    os.symlink("loop.yaml", folder / "questions" / "loop.yaml")
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    for command in (["quiz", "--topic", "user"], ["review", "--topic", "user"],
                    ["quiz", "--topic", "user"]):
        result = runner.invoke(app, command, input="q\n")
        assert result.exit_code == 0, result.output
        assert " problems in the decks; the rest loaded" in result.output
        assert "A user card" in result.output
        assert "\x1b" not in result.output


@pytest.mark.parametrize("name", ["proof\n.py", "pr\x1b[2Joof.py", "Proof.py"])
def test_a_derivation_file_name_that_is_no_id_is_reported_and_left_out(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    path = write(folder, f"derivations/{name}", GOOD_DERIVATION)
    code, lines, output = _check(folder)
    assert code == 1
    _assert_reported(lines, output, path, 1, "is not a valid derivation id")
    _loads_the_rest_with_a_warning(folder, monkeypatch)
    listed = runner.invoke(app, ["list", "--format", "json"]).stdout
    assert "\x1b" not in listed and "proof\\n" not in listed


def test_a_fifo_or_a_device_is_no_deck_and_no_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    os.mkfifo(folder / "questions" / "fifo.yaml")  # reading it would block for ever
    os.symlink("/dev/zero", folder / "derivations" / "zero.py")  # reading it would never end
    code, lines, output = _check(folder)
    assert code == 1
    _assert_reported(lines, output, folder / "questions" / "fifo.yaml", 1, "not a regular file")
    _assert_reported(lines, output, folder / "derivations" / "zero.py", 1, "not a regular file")
    _loads_the_rest_with_a_warning(folder, monkeypatch)
