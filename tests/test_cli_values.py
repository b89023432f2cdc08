"""Hostile and odd command-line values: each gets a clear message and an exit code, never a
traceback. One row per case: the arguments, the environment, the files to write first, a
fragment the output must contain, and the exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlstudy.cli import _global_options_first, app
from tests.conftest import GOOD_CARD, GOOD_DERIVATION, write
from tests.studykit import ROOT

USER = "topic: user\ntitle: {en: U, zh: 用户}\ncards:\n" + GOOD_CARD


@dataclass
class Case:
    name: str
    args: list[str]
    expect: str  # a fragment of the output ("" = anything)
    code: int
    env: dict[str, str] = field(default_factory=dict)  # {tmp} and {home} are filled in
    files: dict[str, str] = field(default_factory=dict)  # path (with {tmp}/{home}) -> text
    user_deck: bool = False  # DLSTUDY_DECKS = a folder with user-card / user_proof


SETTINGS = "{home}/settings.toml"
CASES = [
    Case("plot into a missing folder", ["prove", "user_proof", "--plot", "{tmp}/nowhere/p.png"],
         "the folder {tmp}/nowhere does not exist", 2, user_deck=True),
    Case("plot with an unsupported extension", ["prove", "user_proof", "--plot", "{tmp}/p.bmp"],
         "unsupported file type '.bmp'", 2, user_deck=True),
    Case("plot into a file's 'folder'", ["prove", "user_proof", "--plot", "{tmp}/f/p.png"],
         "is not a folder", 2, files={"{tmp}/f": "x"}, user_deck=True),
    Case("DLSTUDY_CACHE is a file", ["prove", "user_proof"], "(from DLSTUDY_CACHE) is not a folder",
         2, env={"DLSTUDY_CACHE": "{tmp}/cachefile"}, files={"{tmp}/cachefile": "x"},
         user_deck=True),
    Case("DLSTUDY_HOME cannot be created", ["list"], "cannot create the data folder", 2,
         env={"DLSTUDY_HOME": "{tmp}/file/home"}, files={"{tmp}/file": "x"}),
    Case("DLSTUDY_HOME is a file", ["list"], "(from DLSTUDY_HOME) is not a folder", 2,
         env={"DLSTUDY_HOME": "{tmp}/file"}, files={"{tmp}/file": "x"}),
    Case("--timeout -1", ["prove", "user_proof", "--timeout", "-1"], "--timeout must be", 2,
         user_deck=True),
    Case("--timeout nan", ["prove", "user_proof", "--timeout", "nan"], "--timeout must be", 2,
         user_deck=True),
    Case("--timeout inf means no limit", ["prove", "user_proof", "--timeout", "inf", "--json"],
         '"verdict": "pass"', 0, user_deck=True),
    Case("-j 0", ["prove", "user_proof", "-j", "0"], "--jobs must be 1 or more", 2, user_deck=True),
    Case("-j -5", ["prove", "user_proof", "-j", "-5"], "--jobs must be 1 or more", 2,
         user_deck=True),
    Case("-j 1000 is capped, and says so", ["prove", "user_proof", "-j", "1000", "--json"],
         "-j 1000: running at most", 0, user_deck=True),
    Case("--json with --summary", ["prove", "user_proof", "--json", "--summary"],
         "--json and --summary do not go together", 2, user_deck=True),
    Case("--json with --summary, in zh", ["prove", "user_proof", "--json", "-s", "--lang", "zh"],
         "不能同时使用", 2, user_deck=True),
    Case("--topic with --all", ["prove", "--topic", "rnn", "--all"], "--all already means", 2),
    Case("an unknown topic", ["prove", "--topic", "nope"], "no topic 'nope'; topics are", 2),
    Case("a misspelt topic is suggested", ["quiz", "--topic", "rnnn"],
         "no topic 'rnnn' — did you mean 'rnn'? Topics are", 2),
    Case("a misspelt topic is suggested in zh", ["prove", "--topic", "normalisation", "--lang", "zh"],
         "没有主题 'normalisation' —— 是不是 'normalization'？", 2),
    Case("export anki: a tag no card has", ["export", "anki", "{tmp}/a.apkg", "--tag", "nope"],
         "no card matches --tag nope", 2),
    Case("an unknown topic in quiz", ["quiz", "--topic", "nope"], "no topic 'nope'; topics are",
         2),
    Case("an unknown topic in review", ["review", "--topic", "nope"],
         "no topic 'nope'; topics are", 2),
    Case("an unknown topic in list", ["list", "--topic", "nope"], "no topic 'nope'; topics are",
         2),
    Case("topics are case-insensitive", ["list", "--topic", "RNN", "--json"], '"topic": "rnn"', 0),
    Case("DLSTUDY_LANG=fr", ["list"], "DLSTUDY_LANG must be en or zh, not 'fr'", 2,
         env={"DLSTUDY_LANG": "fr"}),
    Case("DLSTUDY_LANG=zh_CN.UTF-8 is zh", ["show", "mlp-why-nonlinearity"], "为什么", 0,
         env={"DLSTUDY_LANG": "zh_CN.UTF-8"}),
    Case("DLSTUDY_DECKS=/nonexistent", ["list"], "DLSTUDY_DECKS: /nonexistent does not exist", 2,
         env={"DLSTUDY_DECKS": "/nonexistent"}),
    Case("check a file that is no deck", ["check", "{tmp}/hostname"],
         "is not a deck (.yaml) or a derivation module (.py)", 2, files={"{tmp}/hostname": "box\n"}),
    Case("settings: a quoted number", ["list"],
         "settings.toml:2: desired_retention must be a number from 0.7 to 0.99, not the text "
         "'0.9'", 2, files={SETTINGS: "# mine\ndesired_retention = \"0.9\"\n"}),
    Case("settings: infinite seconds", ["list"],
         "settings.toml:1: easy_within must be a number of seconds ≥ 0, not inf", 2,
         files={SETTINGS: "easy_within = inf\n"}),
    Case("settings: 1e20 new cards a day", ["list"],
         "settings.toml:1: new_per_day must be a whole number from 0 to 10,000", 2,
         files={SETTINGS: "new_per_day = 1e20\n"}),
    Case("settings: a huge whole number", ["list"], "settings.toml:3: new_per_day must be", 2,
         files={SETTINGS: "lang = \"en\"\n\nnew_per_day = 100000000000\n"}),
    Case("settings: a TOML syntax error", ["list"], "settings.toml:2: ", 2,
         files={SETTINGS: "new_per_day = 3\nlang = en\n"}),
    Case("settings: a day that does not exist", ["list"],
         "settings.toml:2: interview_date must be a date written YYYY-MM-DD (e.g. 2026-12-20), "
         "not '2026-12-40'", 2, files={SETTINGS: "# mine\ninterview_date = 2026-12-40\n"}),
    Case("settings: a misspelt setting", ["list"],
         "settings.toml:1: unknown setting `new_perday` (known: lang, new_per_day", 2,
         files={SETTINGS: "new_perday = 5\n"}),
    Case("settings: a misspelt setting, the suggestion", ["list"], "did you mean `new_per_day`?",
         2, files={SETTINGS: "new_perday = 5\n"}),
    Case("settings: a byte-order mark is fine", ["list", "--json"], '"id"', 0,
         files={SETTINGS: "\ufeffnew_per_day = 3\n"}),
    Case("show a derivation id", ["show", "mlp_linear_collapse"], "dlstudy prove mlp_linear_collapse",
         0),
    Case("stats in zh", ["stats", "--lang", "zh"], "次复习 · 记住率", 0),
    Case("stats in en", ["stats"], "reviews · retention", 0),
    Case("show a derivation id, in zh", ["show", "mlp_linear_collapse", "--lang", "zh"],
         "它证明的卡片", 0),
    Case("show a derivation with --seed", ["show", "mlp_linear_collapse", "--seed", "3"],
         "--seed is for exercise cards; mlp_linear_collapse is a derivation", 2),
    Case("help is --help", ["help"], "Usage: dlstudy", 0),
    Case("shell completion is offered", ["--help"], "--install-completion", 0),
    Case("an unknown id, in zh", ["prove", "mlp_linear_colapse", "--lang", "zh"],
         "没有名为 'mlp_linear_colapse' 的卡片或推导。您是指：mlp_linear_collapse", 2),
    Case("an unknown topic, in zh", ["prove", "--topic", "nope", "--lang", "zh"], "没有主题 'nope'", 2),
    Case("help for a command", ["help", "prove"], "--timeout", 0),
    Case("help for no such command", ["help", "nope"], "no command 'nope'", 2),
    Case("help for a command of a group", ["help", "export", "anki"], "FILE.apkg", 0),
    Case("help for no such command of a group", ["help", "export", "nope"],
         "no command 'export nope'; commands: anki, reviews", 2),
    Case("-V", ["-V"], "dlstudy 0.1.0", 0),
    Case("--data-dir after the subcommand", ["list", "--data-dir", "{tmp}/dd"],
         "{tmp}/dd/settings.toml:1: new_per_day must be", 2,
         files={"{tmp}/dd/settings.toml": "new_per_day = -1\n"}),
]


def _fill(text: str, tmp: Path, home: Path) -> str:
    return text.replace("{tmp}", str(tmp)).replace("{home}", str(home))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_value_gets_a_clear_answer(case: Case, tmp_path: Path, isolated_home: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in case.files.items():
        path = Path(_fill(name, tmp_path, isolated_home))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if case.user_deck:
        write(tmp_path / "user", "questions/user.yaml", USER)
        write(tmp_path / "user", "derivations/user_proof.py", GOOD_DERIVATION)
        monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path / "user"))
    for key, value in case.env.items():
        monkeypatch.setenv(key, _fill(value, tmp_path, isolated_home))
    args = _global_options_first([_fill(a, tmp_path, isolated_home) for a in case.args])
    result = CliRunner().invoke(app, args, prog_name="dlstudy")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    squeezed = "".join(result.output.split())  # rich wraps long lines, even inside a path
    assert "".join(_fill(case.expect, tmp_path, isolated_home).split()) in squeezed, result.output
    assert result.exit_code == case.code, result.output
    if case.code == 2 and case.args[0] == "prove":  # refused before any work was done
        assert not list(isolated_home.glob("cache/proofs/*.json"))


def test_a_corrupt_proof_cache_entry_is_a_miss_and_is_rewritten(tmp_path: Path, isolated_home: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "questions/user.yaml", USER)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    entry = isolated_home / "cache" / "proofs" / "user_proof.cpu.quick.json"
    entry.parent.mkdir(parents=True)
    for junk in ("[]", "{", '{"key": 1}', "null", '"text"'):
        entry.write_text(junk, encoding="utf-8")
        result = CliRunner().invoke(app, ["prove", "user_proof", "--device", "cpu", "--json"])
        assert result.exit_code == 0, (junk, result.output)
        assert json.loads(result.stdout)[0]["verdict"] == "pass"
        assert "key" in json.loads(entry.read_text(encoding="utf-8")), junk


def test_a_plot_target_is_checked_before_the_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "questions/user.yaml", USER)
    write(tmp_path, "derivations/user_proof.py",
          GOOD_DERIVATION.replace('p.close("1 + 1", 1 + 1, 2)', "import time; time.sleep(30)"))
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["prove", "user_proof", "--plot", str(tmp_path / "no" / "x.png")])
    assert result.exit_code == 2 and time.perf_counter() - started < 10


def test_the_console_script_takes_data_dir_after_the_subcommand(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "settings.toml").write_text("lang = \"zh\"\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DLSTUDY_LANG", None)
    out = subprocess.run([sys.executable, "-m", "dlstudy", "show", "mlp-why-nonlinearity",
                          "--data-dir", str(data)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "为什么网络需要非线性" in out.stdout
