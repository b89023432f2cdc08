"""The command line's own text under zh (dlstudy/help_zh.py): every help page and usage error in
Chinese, chosen each of the three ways, and English exactly as it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from dlstudy import help_zh
from dlstudy.cli import _lang_before_parsing, app
from tests.cli_text import ERRORS, HELP, SNAPSHOT, run, texts

CJK = re.compile(r"[\u4e00-\u9fff]")
# What Click and Typer say in English on a help page or with a usage error.
ENGLISH = re.compile(r"Usage:|Options|Arguments|Commands|Error|Try '|for help|\[default|"
                     r"\[required|No such|Missing|Invalid value|Got unexpected|Did you mean|"
                     r"Possible options|does not take|requires an|not a valid|not in the range|"
                     r"Show this message|<str>|<int>|<path>|\[OPTIONS\]|COMMAND \[ARGS\]")


def english_tree() -> list[tuple[str, object]]:
    return list(help_zh.commands(typer.main.get_command(app)))


def test_every_command_option_and_argument_has_chinese_text() -> None:
    """A new command, option or argument cannot ship with English help only."""
    missing = []
    for path, command in english_tree():
        if path not in help_zh.COMMANDS:
            missing.append(f"COMMANDS[{path!r}]")
        if command.epilog and path not in help_zh.EPILOGS:  # type: ignore[attr-defined]
            missing.append(f"EPILOGS[{path!r}]")
        for param in command.params:  # type: ignore[attr-defined]
            if getattr(param, "help", None) and help_zh.param_help(path, param.name) is None:
                missing.append(f"PARAMS[({path!r}, {param.name!r})]")
            if param.param_type_name == "argument" and help_zh.argument_name(path, param.name) is None:
                missing.append(f"ARGUMENTS[({path!r}, {param.name!r})]")
            if param.type.name not in help_zh.TYPE_NAMES and param.type.name != "boolean":
                missing.append(f"TYPE_NAMES[{param.type.name!r}]")
    assert not missing, "no Chinese text in dlstudy/help_zh.py for: " + ", ".join(missing)


def test_no_entry_names_a_command_or_option_that_is_gone() -> None:
    tree = dict(english_tree())
    params = {(path, p.name) for path, c in tree.items() for p in c.params}  # type: ignore[attr-defined]
    names = {name for _, name in params} | {"help"}
    stale = [path for path in [*help_zh.COMMANDS, *help_zh.EPILOGS] if path not in tree]
    for key in [*help_zh.PARAMS, *help_zh.ARGUMENTS]:
        path, name = key
        if (path == "*" and name not in names) or (path != "*" and key not in params):
            stale.append(str(key))
    assert not stale, f"entries of dlstudy/help_zh.py for nothing: {stale}"


@pytest.mark.parametrize("args", HELP, ids=[" ".join(a) or "(none)" for a in HELP])
def test_every_help_page_is_wholly_chinese(args: list[str]) -> None:
    shown = run(args, {"DLSTUDY_LANG": "zh"})
    english = run(args, {"DLSTUDY_LANG": "en"})
    assert shown["exit_code"] == english["exit_code"]
    output = str(shown["output"])
    assert "用法：dlstudy" in output and CJK.search(output)
    assert not ENGLISH.search(output), ENGLISH.search(output)
    # no help text cut off at the end of a line (see help_zh.chinese_words)
    assert not re.search(r"…\s*│?$", output, re.MULTILINE), output
    flat = re.sub(r"[\s│]+", " ", output)
    for _, command in english_tree():  # no English help sentence is left
        texts_en = [command.help or ""] + [getattr(p, "help", "") or ""  # type: ignore[attr-defined]
                                           for p in command.params]  # type: ignore[attr-defined]
        for text in texts_en:
            start = " ".join(text.split())[:30]
            assert len(start) < 12 or start not in flat, start


@pytest.mark.parametrize("args", ERRORS, ids=[" ".join(a) for a in ERRORS])
def test_every_usage_error_is_chinese_with_the_same_exit_code(args: list[str]) -> None:
    shown = run(args, {"DLSTUDY_LANG": "zh"})
    english = json.loads(SNAPSHOT.read_text(encoding="utf-8"))[" ".join(args)]
    assert shown["exit_code"] == english["exit_code"] == 2
    output = str(shown["output"])
    assert "错误" in output and CJK.search(output)
    assert not ENGLISH.search(output), output


@pytest.mark.parametrize("args", [
    ["quiz", "--bogus", "--lang", "zh"], ["quiz", "--lang=zh", "--bogus"], ["quiz", "-l", "zh", "-n", "0"],
    ["quiz", "-lzh", "--topc", "x"], ["--lang", "zh", "quiz", "--bogus"], ["-l", "zh", "qiz"],
])
def test_a_usage_error_is_chinese_with_lang_on_the_command_line(args: list[str]) -> None:
    shown = run(args)  # DLSTUDY_LANG=en (conftest): the command line wins
    assert shown["exit_code"] == 2
    assert "用法：dlstudy" in str(shown["output"]) and not ENGLISH.search(str(shown["output"]))


def test_a_usage_error_is_chinese_with_dlstudy_lang() -> None:
    shown = run(["show"], {"DLSTUDY_LANG": "zh"})
    assert shown["exit_code"] == 2
    assert "缺少参数 'ID'。" in str(shown["output"]) and "运行 'dlstudy show -h' 查看帮助。" in str(shown["output"])


def test_a_usage_error_is_chinese_with_the_settings_file(isolated_home: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.delenv("DLSTUDY_LANG")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    (isolated_home / "settings.toml").write_text('lang = "zh"\n', encoding="utf-8")
    shown = run(["list", "--kind"])
    assert shown["exit_code"] == 2 and "选项 '--kind' 需要一个值。" in str(shown["output"])
    # --data-dir names the folder whose settings count, before the command or after it
    other = tmp_path / "other"
    other.mkdir()
    assert "No such option" in str(run(["--data-dir", str(other), "list", "--bogus"])["output"])
    (other / "settings.toml").write_text("lang = 'zh'  # 中文\n", encoding="utf-8")
    assert "没有这个选项" in str(run(["list", "--bogus", "--data-dir", str(other)])["output"])
    # and the command line still wins over the file
    assert "No such option" in str(run(["list", "--bogus", "--lang", "en"])["output"])


def test_english_text_is_unchanged_even_after_a_chinese_run() -> None:
    """What main printed (tests/cli_text_en.json), with a zh run just before in the same process
    (the Chinese text lives on that run's command tree and Typer's words are put back)."""
    run(["quiz", "--help"], {"DLSTUDY_LANG": "zh"})
    run(["quiz", "--bogus"], {"DLSTUDY_LANG": "zh"})
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = texts()
    changed = [k for k in expected if expected[k] != now[k]]
    assert not changed, (f"English output changed for {changed}; if on purpose, bring the "
                         "Chinese in dlstudy/help_zh.py up to date with it, then run "
                         "`python -m tests.cli_text`")


@pytest.mark.parametrize("args, lang", [
    (["quiz"], None), (["quiz", "--lang", "zh"], "zh"), (["quiz", "--lang=zh"], "zh"),
    (["quiz", "-l", "zh"], "zh"), (["quiz", "-lzh"], "zh"), (["--lang", "zh", "quiz"], "zh"),
    (["quiz", "-l", "zh", "--lang", "en"], "en"), (["export", "anki", "x", "--lang", "both"], None),
    (["search", "--", "-l", "zh"], None), (["quiz", "--lang", "fr"], None), (["quiz", "-l"], None),
])
def test_the_language_is_known_before_parsing(args: list[str], lang: str | None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for default in ("en", "zh"):  # None: the command line says nothing, DLSTUDY_LANG decides
        monkeypatch.setenv("DLSTUDY_LANG", default)
        assert _lang_before_parsing(args) == (lang or default)


def test_version_and_completion_still_work_in_chinese() -> None:
    version = run(["-V"], {"DLSTUDY_LANG": "zh"})
    assert version["exit_code"] == 0 and str(version["output"]).startswith("dlstudy ")
    script = run(["--show-completion", "bash"], {"DLSTUDY_LANG": "zh", "SHELL": "/bin/bash"})
    assert script["exit_code"] == 0 and "complete" in str(script["output"])


def test_typer_still_offers_what_help_zh_relies_on() -> None:
    """help_zh sets these names of Typer's and Rich's while zh text is printed; an upgrade that
    renames one would leave English (or fail) there."""
    import rich._wrap
    import rich.text
    from typer import rich_utils

    for name in help_zh.TYPER_WORDS:
        assert isinstance(getattr(rich_utils, name), str), name
    assert rich_utils.RICH_HELP.count("{command_path}") == 1
    help_zh.use_typer_words()
    try:
        assert rich_utils.OPTIONS_PANEL_TITLE == "选项"
        # Rich breaks lines where its `words` end (without folding, a run of Chinese is one word)
        text = "只选这种类型的卡片：recall（回忆，自己评分）"
        breaks = rich._wrap.divide_line(text, 12, fold=False)
        assert breaks and all(text[at] not in "，：）" for at in breaks), breaks
        lines = rich.text.Text(text).wrap(rich.console.Console(), 12, overflow="ellipsis")
        assert "".join(str(line).strip() for line in lines) == text
    finally:
        help_zh.restore_typer_words()
    assert rich_utils.OPTIONS_PANEL_TITLE == "Options" and rich._wrap.words.__module__ == "rich._wrap"
    assert rich._wrap.divide_line("只选这种类型的卡片", 8, fold=False) == []  # Rich's own, back


PROBE = """
import sys
from typer.testing import CliRunner
from dlstudy.cli import app
result = CliRunner().invoke(app, {args!r})
assert result.exit_code == 0, result.output
print(" ".join(m for m in ("dlstudy.help_zh", "typer.rich_utils") if m in sys.modules))
"""


@pytest.mark.parametrize("lang, loaded", [("en", ""), ("zh", "dlstudy.help_zh")])
def test_the_chinese_table_is_loaded_only_under_zh_and_typer_help_only_for_help(
        lang: str, loaded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSTUDY_LANG", lang)
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=["list", "--format", "tsv"])],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == loaded
