"""`--lang zh` (or DLSTUDY_LANG=zh) prints problems and errors in Chinese, located as in English."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlstudy.cli import _global_options_first, app
from dlstudy.deck import load_deck
from dlstudy.derivation import read_info
from dlstudy.messages import _PLACEHOLDER, CATALOGUE, _fill, located, tr
from tests.conftest import GOOD_CARD, GOOD_DERIVATION, write
from tests.test_cli_values import CASES as CLI_CASES
from tests.test_cli_values import USER as CLI_USER
from tests.test_cli_values import Case as CliCase
from tests.test_cli_values import _fill as fill_case
from tests.test_hostile import DECKS, MODULES

runner = CliRunner()
HEADER = "topic: user\ntitle: {en: User deck, zh: 用户卡组}\ncards:\n"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _broken(tmp_path: Path) -> Path:
    """A user folder whose deck links a misspelt derivation and has a whitespace-only answer."""
    broken = GOOD_CARD.replace("[user_proof]", "[user_prof]")
    second = GOOD_CARD.replace("user-card", "blank-card").replace("en: Because.", 'en: "  "')
    write(tmp_path, "questions/user.yaml", HEADER + broken + second)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    return tmp_path / "questions" / "user.yaml"


def _check(folder: Path, *options: str) -> tuple[int, list[str], str]:
    result = runner.invoke(app, ["check", str(folder), *options])
    return result.exit_code, [line for line in result.stdout.splitlines() if line], result.output


def _located(line: str) -> str:
    return line.split(": ", 1)[0]  # path:line


def test_check_in_chinese_keeps_each_path_line_and_translates_the_message(tmp_path: Path) -> None:
    deck = _broken(tmp_path)
    code_en, english, _ = _check(tmp_path)
    code_zh, chinese, output = _check(tmp_path, "--lang", "zh")
    assert code_en == code_zh == 1
    assert f"{deck}:8: card `user-card` links to unknown derivation `user_prof` — did you mean " \
           "`user_proof`?" in english  # the default stays English
    assert [_located(line) for line in chinese] == [_located(line) for line in english]
    assert f"{deck}:8: 卡片 `user-card` 链接了不存在的推导 `user_prof` —— 是不是 `user_proof`？" in chinese
    assert f"{deck}:12: `en` 只有空白；请写上文字（位置：cards.1.answer.en）" in chinese
    for line in chinese:
        assert CJK.search(line.split(": ", 1)[1]), line
    assert "个问题" in output and "problem" not in output


def test_dlstudy_lang_zh_translates_check_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = _broken(tmp_path)
    monkeypatch.setenv("DLSTUDY_LANG", "zh")
    code, lines, _ = _check(tmp_path)
    assert code == 1
    assert f"{deck}:8: 卡片 `user-card` 链接了不存在的推导 `user_prof` —— 是不是 `user_proof`？" in lines


def test_the_deck_problem_warning_of_list_is_in_chinese(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _broken(tmp_path)
    monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path))
    english = runner.invoke(app, ["list", "--format", "tsv"])
    assert "warning: 1 problem in the decks; the rest loaded" in english.output
    result = runner.invoke(app, ["list", "--format", "tsv", "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "警告：卡组中有 1 个问题；其余内容已载入。运行 `dlstudy check` 查看详情。" in result.output
    assert "warning" not in result.stderr and "problem" not in result.stderr


@pytest.mark.parametrize("how", ["--lang", "DLSTUDY_LANG", "settings"])
def test_a_settings_error_is_in_chinese(how: str, isolated_home: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = isolated_home / "settings.toml"
    lang_line = 'lang = "zh"\n' if how == "settings" else ""
    settings.write_text(f'{lang_line}new_per_day = 5\ndesired_retention = "0.9"\n', encoding="utf-8")
    args = ["list", "--lang", "zh"] if how == "--lang" else ["list"]
    if how == "DLSTUDY_LANG":
        monkeypatch.setenv("DLSTUDY_LANG", "zh")
    elif how == "settings":
        monkeypatch.delenv("DLSTUDY_LANG")
        for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
            monkeypatch.setenv(var, "en_US.UTF-8")
    result = runner.invoke(app, args)
    line = 3 if lang_line else 2
    squeezed = "".join(result.output.split())  # rich wraps long lines
    assert f"错误：{settings}:{line}:desired_retention必须是0.7到0.99之间的数，而不是文本'0.9'（数字不要加引号）" \
        in squeezed, result.output
    assert result.exit_code == 2


def test_a_toml_syntax_error_and_an_environment_value_are_in_chinese(
        isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (isolated_home / "settings.toml").write_text("new_per_day = 5\nlang = zh\n", encoding="utf-8")
    result = runner.invoke(app, ["list", "--lang", "zh"])
    assert result.exit_code == 2
    assert "settings.toml:2:无效的值" in "".join(result.output.split()), result.output
    (isolated_home / "settings.toml").unlink()
    monkeypatch.setenv("DLSTUDY_EASY_WITHIN", "inf")
    result = runner.invoke(app, ["list", "--lang", "zh"])
    assert result.exit_code == 2
    assert "DLSTUDY_EASY_WITHIN 必须是 ≥ 0 的秒数，而不是 inf" in result.output


def test_a_command_line_error_is_in_chinese(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nowhere.yaml"), "--lang", "zh"])
    assert result.exit_code == 2
    assert "错误：没有这个文件或文件夹：" in result.output, result.output


def _problems(tmp_path: Path, name: str, text: str, module: bool) -> list[str]:
    path = tmp_path / (f"{name.replace('-', '_')}.py" if module else f"{name}.yaml")
    path.write_text(text.lstrip("\n") if module else text, encoding="utf-8")
    found = (read_info if module else load_deck)(path)[1]
    return [p.message for p in found]


@pytest.mark.parametrize("name", sorted(DECKS) + sorted(MODULES))
def test_every_hostile_file_problem_has_a_chinese_message(name: str, tmp_path: Path) -> None:
    """The hostile-input table of test_hostile: each problem it reports is catalogued."""
    module = name in MODULES
    text = MODULES[name][0] if module else DECKS[name][0]
    messages = _problems(tmp_path, name, text, module)
    assert messages
    for message in messages:
        chinese = tr(message, "zh")
        assert chinese != message and CJK.search(chinese), message
        assert tr(message, "en") == message


def test_every_catalogue_entry_translates_what_it_matches() -> None:
    """Each English template, filled in, is matched by its own entry (nothing before it takes
    it), and its Chinese keeps every part."""
    for english, chinese in CATALOGUE:
        names = _PLACEHOLDER.findall(english)
        assert set(_PLACEHOLDER.findall(chinese)) <= set(names) | {"generator", "en"}, english
        values = {n: f"V{i}x" for i, n in enumerate(names)}
        filled = _fill(english, values)
        shown = tr(filled, "zh")
        assert shown != filled, english
        assert CJK.search(shown) or not CJK.search(chinese), english
        for name in set(_PLACEHOLDER.findall(chinese)) & set(names):
            assert values[name] in shown, (english, shown)


@pytest.mark.parametrize("message, chinese", [
    ("card `f` question.en: {{d.nope}}: `d` records no row with id `nope` — did you mean `no`?",
     "卡片 `f` 的 question.en：{{d.nope}}：`d` 没有记录 id 为 `nope` 的证据行 —— 是不是 `no`？"),
    ("card `f` answer.zh: {{x.y}}: no recorded full-scale value; run `dlstudy prove x --scale "
     "full --device cuda --record`",
     "卡片 `f` 的 answer.zh：{{x.y}}：没有已记录的 full 规模数值；请运行 `dlstudy prove x --scale "
     "full --device cuda --record`"),
    ("card `f` links no derivation; every card needs `derivations: [id, ...]` that prove it",
     "卡片 `f` 没有链接任何推导；每张卡片都需要证明它的 `derivations: [id, ...]`"),
    ("each claim: `zh` is only whitespace; write the text", "论断：`zh` 只有空白；请写上文字"),
])
def test_a_message_within_a_message_is_translated_too(message: str, chinese: str) -> None:
    assert tr(message, "zh") == chinese


def test_located_keeps_the_place_and_leaves_unknown_messages_alone() -> None:
    assert located("/x/settings.toml:3: Invalid value", "zh") == "/x/settings.toml:3: 无效的值"
    assert located("/x/a: b: something new", "zh") == "/x/a: b: something new"
    assert located("/x/settings.toml:3: Invalid value", "en") == "/x/settings.toml:3: Invalid value"


def test_the_evidence_relation_reads_in_chinese() -> None:
    from rich.console import Console

    from dlstudy.evidence import Evidence
    from dlstudy.render import evidence_table

    row = Evidence("x.grad vs closed form", 0.0, 0.0, "≤ 0 + 1e-13·|expected|", True)
    out = Console(width=100, record=True, file=io.StringIO())
    out.print(evidence_table([row], "zh"))
    assert "|预期值|" in out.export_text() and "expected" not in out.export_text()
    out.print(evidence_table([row], "en"))
    assert "|expected|" in out.export_text()


ZH_CASES = [c for c in CLI_CASES if c.code == 2 and "DLSTUDY_LANG" not in c.env]


@pytest.mark.parametrize("case", ZH_CASES, ids=[c.name for c in ZH_CASES])
def test_every_refused_command_line_value_is_answered_in_chinese(
        case: CliCase, tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command-line table of test_cli_values, under DLSTUDY_LANG=zh: the same exit code, and
    the error wholly in Chinese (paths, options and values aside)."""
    for name, text in case.files.items():
        path = Path(fill_case(name, tmp_path, isolated_home))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if case.user_deck:
        write(tmp_path / "user", "questions/user.yaml", CLI_USER)
        write(tmp_path / "user", "derivations/user_proof.py", GOOD_DERIVATION)
        monkeypatch.setenv("DLSTUDY_DECKS", str(tmp_path / "user"))
    for key, value in case.env.items():
        monkeypatch.setenv(key, fill_case(value, tmp_path, isolated_home))
    monkeypatch.setenv("DLSTUDY_LANG", "zh")
    args = _global_options_first([fill_case(a, tmp_path, isolated_home) for a in case.args])
    result = CliRunner().invoke(app, args, prog_name="dlstudy")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("错误："), result.output
    assert CJK.search(result.output.split("：", 1)[1]), result.output


@pytest.mark.parametrize("english", [en for en, _ in CATALOGUE if "{inner}" not in en
                                     and "(at " not in en])
def test_no_message_swallows_the_prefix_or_suffix_around_it(english: str) -> None:
    """A catalogued message inside ``card `c` question.en: …`` and before ``(at …)`` is still
    translated as itself, its wrapper as the wrapper."""
    values = {n: f"V{i}x" for i, n in enumerate(_PLACEHOLDER.findall(english))}
    filled = _fill(english, values)
    alone = tr(filled, "zh")
    assert tr(f"card `c` question.en: {filled}", "zh") == f"卡片 `c` 的 question.en：{alone}"
    assert tr(f"{filled} (at cards.0.x)", "zh") == f"{alone}（位置：cards.0.x）"


@pytest.mark.parametrize("text, chinese", [
    ("a: [1, 2\n", "YAML 语法错误：没有找到应有的 ',' 或 ']'（解析从第 1 行开始的流序列时）"),
    ("a: \"x\nb: 1", "YAML 语法错误：文件意外结束（扫描从第 1 行开始的引号标量时）"),
    ("topic: a\ntitle: x: y\n", "YAML 语法错误：此处不允许出现映射值（`键: 值`） —— 是否有含 ': ' 或 "
                               "'#' 的值缺了引号？"),
    ("a: !!python/name:os.system x\n", "无法读取的 YAML 值：无法确定标签 "
     "'tag:yaml.org,2002:python/name:os.system' 的构造器（卡组不能使用这种标签）"),
])
def test_yaml_syntax_errors_read_in_chinese(text: str, chinese: str, tmp_path: Path) -> None:
    path = tmp_path / "deck.yaml"
    path.write_text(text, encoding="utf-8")
    assert [tr(p.message, "zh") for p in load_deck(path)[1]] == [chinese]


@pytest.mark.parametrize(("command", "chinese"), [
    (["optimize"], "历史记录还不够"),
    (["backup", "{home}/copy.sqlite3"], "条复习记录从"),
    (["export", "reviews", "{home}/log.csv"], "条复习记录（先是"),
])
def test_commands_without_cards_take_lang_too(command: list[str], chinese: str,
                                              isolated_home: Path) -> None:
    """Every command that prints a message takes `--lang`, as the README says it overrides
    DLSTUDY_LANG and the settings (these three once answered `No such option: --lang`)."""
    args = [a.format(home=isolated_home) for a in command]
    runner.invoke(app, ["stats"])  # the review database exists, as after a first session
    result = runner.invoke(app, [*args, "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert chinese in result.output.replace("\n", "")  # Chinese may wrap between any two characters
    english = runner.invoke(app, [*args, "--lang", "en"]).output
    assert not CJK.search(english), english
    assert runner.invoke(app, [*args, "--lang", "fr"]).exit_code == 2


def test_stats_names_the_grades_as_the_session_does() -> None:
    """The retention line of `stats --lang zh` names Again as the session's keys do (忘记),
    not a second word for it."""
    from dlstudy.render import STATS_LABELS
    from dlstudy.terminal import RATING_NAMES

    for lang in ("en", "zh"):
        summary = STATS_LABELS[lang]["summary"]
        assert RATING_NAMES[lang][1] in summary, summary


def test_show_in_chinese_uses_full_width_colons_after_its_labels() -> None:
    from dlstudy.render import AUTO_LABELS

    for card, label in (("attn2-exercise-additive-params", "generator"), ("code-dropout", "task")):
        out = " ".join(runner.invoke(app, ["show", card, "--lang", "zh"]).output.split())
        assert f"{AUTO_LABELS['zh'][label]}：" in out, out


def test_the_operating_systems_reason_is_in_chinese_too(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`{reason}` (an OSError's strerror) is translated with the message around it: a zh user
    saw "无法创建数据文件夹 …：Not a directory；…"."""
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DLSTUDY_HOME", str(tmp_path / "a-file" / "home"))
    result = runner.invoke(app, ["stats", "--lang", "zh"])
    assert result.exit_code == 2
    assert "：不是文件夹；" in result.output and "Not a directory" not in result.output, result.output
    assert tr("cannot write /x/y.csv — Permission denied", "zh") == "无法写入 /x/y.csv —— 没有权限"
    assert tr("No such file or directory", "zh") == "没有这个文件或文件夹"
    assert tr("No such file or directory", "en") == "No such file or directory"


def test_new_refuses_in_chinese(tmp_path: Path, isolated_home: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`dlstudy new --lang zh` said "a claim card is decided by…", "--topic 'X': a topic is…" and
    "could not add the card to …" in English."""
    folder = tmp_path / "mine"
    (folder / "questions").mkdir(parents=True)
    (folder / "questions" / "broken.yaml").write_text(
        "topic: broken\ntitle: {en: B, zh: B}\ncards:\n  - id: a\n    tags: [x]\n   level: 1\n",
        encoding="utf-8")
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    for args, chinese in ((["--kind", "claim"], "判断卡由一个推导的证据行判定"),
                          (["--topic", "Bad Topic"], "主题只能由小写字母"),
                          (["--topic", "broken"], "YAML 语法错误")):
        result = runner.invoke(app, ["new", *args, "--lang", "zh"])
        out = "".join(result.output.split())
        assert result.exit_code == 2, result.output
        assert chinese.replace(" ", "") in out, result.output
        if args == ["--topic", "broken"]:
            assert "无法把卡片添加到" in out and "文件保持原样" in out, result.output
        assert not re.search(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", result.output), result.output


def test_the_plan_addresses_the_user_as_every_other_screen_does() -> None:
    # every zh screen says 你; the plan's footnote said 您的答题时间中位数
    from dlstudy.cli import PLAN_TEXT

    assert not [v for v in PLAN_TEXT["zh"].values() if "您" in str(v)]
