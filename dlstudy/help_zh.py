"""The command line's own text in Chinese: help pages and the parser's usage errors.

dlstudy's messages are translated where they are printed (``dlstudy.messages``); the text that
Typer and Click print — command summaries, option help, panel titles, ``Usage:``, ``[default: …]``,
"No such option" and the rest — is English in their source (Typer vendors Click without its
gettext calls). When zh is in effect, :func:`localize` puts this module's tables on the command
tree Typer builds for the run (a fresh one each run, so English runs never see them), and the
rest happens where Click and Typer offer a place for it:

- help text, metavars and type names are plain attributes of the commands and parameters;
- ``Usage:`` is written by the context's ``formatter_class`` (Click's documented hook);
- panel titles, ``[default: …]``, ``[required]``, the error panel and "Try … for help" are
  module-level strings of ``typer.rich_utils`` that it reads when it prints: :func:`use_typer_words`
  sets them just before help or an error is printed (importing rich_utils costs ~30 ms, which a
  zh quiz does not pay) and :func:`restore_typer_words` puts the English back;
- a usage error is caught as it leaves the parser and raised again in Chinese
  (:func:`chinese_errors`), by the catalogue :data:`CLICK_MESSAGES`.

Imported only when zh is in effect. ``tests/test_help_zh.py`` fails when a command, an option
or an argument has no entry here, when an entry names one that no longer exists, and when a
Typer upgrade renames what this module relies on.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, Optional

from typer import _click
from typer.core import TyperGroup
from typer.exceptions import Abort
from typer.models import Context

from dlstudy.messages import compile_catalogue, tr_with
from dlstudy.prose import CJK_WORD

# --- commands: the whole help (first paragraph: the summary in `dlstudy --help`) --------------
# Keyed by the command's path below `dlstudy` ("" is dlstudy itself). Terms follow the cards and
# dlstudy.messages: 卡片 card, 卡组 deck (牌组 only for Anki's), 推导 derivation, 论断 claim, 证据
# evidence, 复习 review, 主题 topic, 暂停 suspend, 搁置 bury, 标记 flag, 记住率 retention.
COMMANDS: dict[str, str] = {
    "": "深度学习面试卡片，每条论断都由可运行的代码证明。\n\n"
        "先运行 `dlstudy list`，用 `dlstudy show ID` 阅读一张卡片，再用 `dlstudy prove ID` 运行它的证明。",
    "list": "列出卡片（编号、主题、类型、标题、链接的推导），可按条件筛选。",
    "show": "显示一张卡片：先是问题，然后是答案，再是证明它的推导。\n\n"
            "给出推导 id 时：显示它的标题、论断、它所证明的卡片，以及运行它的命令。",
    "check": "检查卡组和推导：YAML、结构、id、链接。输出 `路径:行号: 问题`。\n\n"
             "没有问题时退出码为 0，有问题时为 1。这里给出的文件夹会与自带的内容一起检查，"
             "因此它们之间的链接能够解析。",
    "prove": "运行推导：sympy 推导步骤、证据表，以及每条论断的结论。\n\n"
             "所有论断都成立时退出码为 0，有任何一条不成立时为 1，参数有误时为 2，"
             "被中断时为 130（已完成的部分会被缓存）。",
    "quiz": "用任意匹配的卡片自测，不论是否到期；每个答案照样记录。\n\n"
            "尚未到期的卡片按 FSRS 对提前复习的方式重新安排（稳定性的增长比在到期日复习时少）；"
            "加上 --no-schedule 则不重新安排任何卡片。",
    "review": "复习 FSRS 认为现在到期的卡片，以及今天的新卡。",
    "search": "在所有卡片的中英文内容中搜索（id、标题、标签、问题、答案、所纠正的误解），"
              "最匹配的排在最前（BM25）。输出到管道时每张卡片一行，以制表符分隔："
              "id、主题、类型、得分、标题、摘录。",
    "new": "在你的卡组文件夹中为一张自己的卡片生成框架（需要时连同它的推导），配上新的 id，"
           "然后检查它。自己的卡片可以不附证明（没有推导）。",
    "suspend": "暂停卡片：`review` 和 `quiz` 会跳过它们，直到运行 `dlstudy unsuspend`。",
    "unsuspend": "把已暂停（以及已搁置）的卡片恢复到 `review` 和 `quiz` 中。",
    "bury": "把卡片搁置到明天：今天余下的时间里 `review` 和 `quiz` 会跳过它们。",
    "flag": "像 Anki 那样给卡片加颜色标记：`dlstudy flag 1 卡片…`（红色）；0 清除标记。",
    "plan": "为面试前的日子制定计划：在每天可用的时间内，让面试当天的记忆率尽可能高。\n\n"
            "用 FSRS 的记忆模型模拟接下来的每一天，输出预测（每天的复习数和分钟数）以及面试当天"
            "各主题的预测记忆率；之后 `review` 按计划进行：及早引入新卡，并把到那天会低于目标的"
            "卡片提前复习。日期不在今天之后、每天时间为 0 或主题未知时退出码为 2。",
    "stats": "每天的复习量、记住率、各状态的卡片数、到期预测、最薄弱的主题、调度器的拟合情况。",
    "backup": "把复习数据库安全地复制到一个新文件，即使学习会话正在进行也可以。\n\n"
              "使用 SQLite 的在线备份：副本包含每一次评分，包括仍在 -wal 文件中的最新评分。\n\n"
              "恢复时（须在没有学习会话运行时）：把副本放进数据文件夹，命名为 reviews.sqlite3，"
              "并删除旁边的 reviews.sqlite3-wal 和 reviews.sqlite3-shm（否则 SQLite 会把遗留的 -wal "
              "重放到恢复的文件上）。",
    "optimize": "用你自己的复习记录拟合 FSRS 的参数；只有当它们预测得更准时才采用。\n\n"
                "使用 fsrs-rs-python（Anki 运行的 FSRS 引擎）；然后给出模拟器按你的参数"
                "对目标记住率的建议。",
    "help": "显示本帮助（与 --help 相同）；`dlstudy help 命令` 说明单个命令。",
    "export": "把卡组导出到 Anki，或把复习记录导出为 CSV。",
    "export anki": "把卡片写成 Anki 包：牌组为 dlstudy::<主题>，每张卡片每种语言一条笔记。\n\n"
                   "每条笔记的 GUID 在多次导出之间保持不变（由卡片 id 和语言构成），因此导入较新的"
                   "导出会更新已导入的笔记，而不是添加副本。卡片所属推导的图会作为图片一并导出"
                   "（dlstudy-<推导>-N.png），除非加上 --no-plots。",
    "export reviews": "按 FSRS 优化器的格式把复习记录写成 CSV。\n\n"
                      "列：card_id、review_time（自 1970 年起的毫秒数，UTC）、review_rating（1-4）、"
                      "review_state（复习时卡片的状态：0 新卡、1 学习中、2 复习、3 重新学习）、"
                      "review_duration（毫秒）；然后是 dlstudy 自己的列：card、mode、predicted、"
                      "auto_rating、seed、parameters_version。",
}

# The text after the options (the session keys of `quiz` and `review`).
EPILOGS: dict[str, str] = {
    name: "按键：回车 看答案 · 1-4 评分（忘记、困难、良好、简单）· p 证明 · s 跳过 · u 撤销 · "
          "@ 暂停 · - 搁置到明天 · f 再按 0-7 标记（0 为清除）· q 退出。\n\n"
          "练习卡片和判断卡片自动评分：输入答案（一个数、一个形状、t 或 f），然后回车接受评分，"
          "或按 1-4 改成别的评分。也可以不输入答案，而输入 suspend、bury、flag N（或 @ 和 -）"
          "对这张卡片执行相应操作。\n\n"
          "输入来自管道时，每行一个按键（空行显示答案；练习或判断卡片的答案就是读到的那一行）。"
    for name in ("quiz", "review")
}

# --- options and arguments: (command path, parameter name) -> help ----------------------------
# An option several commands share (cli.py's TopicOpt, LangOpt, …) is keyed by "*"; a command
# whose option of that name says something else has its own entry, which comes first.
LANG_HELP = "语言：en 或 zh（默认：DLSTUDY_LANG，其次是设置中的 lang，再次是系统的区域设置）。"
PARAMS: dict[tuple[str, str], str] = {
    ("*", "help"): "显示此帮助并退出。",
    ("*", "lang"): LANG_HELP,
    ("*", "topic"): "只选这个主题（见 `dlstudy list`）。",
    ("*", "tag"): "只选带这个标签的卡片。",
    ("*", "kind"): "只选这种类型的卡片：recall（回忆，自己评分）、exercise（练习，每次换新的数字，"
                   "通过计算答案评分）、claim（判断真假，由实验判定）或 code（编程：写出函数，"
                   "对照 PyTorch 运行）。",
    ("*", "seed"): "用这个种子生成练习的数字（可重现某次学习会话出的题）。",
    ("*", "cards"): "卡片 id（见 `dlstudy list`）。",
    ("", "data_dir"): "复习记录、设置和证明缓存所在的文件夹（默认：DLSTUDY_HOME，其次是系统的用户"
                      "数据文件夹）；也可以写在命令之后。",
    ("", "version"): "显示版本号并退出。",
    ("", "install_completion"): "为当前 shell 安装命令补全。",
    ("", "show_completion"): "显示当前 shell 的命令补全脚本，以便复制或自定义安装。",
    ("list", "fmt"): "table（在终端上的默认格式）；tsv（输出到管道时的默认格式：每张卡片一行，"
                     "以制表符分隔：id、主题、类型、级别、标题、推导）；json。",
    ("list", "as_json"): "等同于 --format json。",
    ("show", "card_id"): "`dlstudy list` 中的卡片 id，或推导 id（显示它的论断及它所证明的卡片）。",
    ("show", "seed"): "对练习卡片：用这个种子生成数字，显示题目、答案和解题过程；对编程卡片："
                      "显示这个种子生成的测试用例，以及用它记录的作答（每次复习的种子都在记录中）。",
    ("check", "paths"): "要检查的卡组文件、推导模块或文件夹（默认：全部）。",
    ("prove", "targets"): "推导 id 或卡片 id（卡片表示它的全部推导）。",
    ("prove", "all_"): "全部推导。",
    ("prove", "device"): "auto（cuda → mps → cpu）、cpu、cuda 或 mps。",
    ("prove", "scale"): "quick：在笔记本电脑的 CPU 上几秒完成；full：论文规模，用于 GPU。",
    ("prove", "jobs"): "并行运行的推导数（默认值也是上限：CPU 核数，以及按每个工作进程约 300 MB "
                       "内存所能容纳的数量）。",
    ("prove", "no_cache"): "即使已有缓存结果也重新运行。",
    ("prove", "as_json"): "以一个 JSON 数组输出结果。",
    ("prove", "summary"): "每个推导只输出一行，而不是完整的证明。",
    ("prove", "plot"): "同时把图写入这个文件（.png、.svg、.pdf、.jpg；有多张图时：文件名-<id>-<n>.png）。",
    ("prove", "no_plot"): "不在终端中绘图。",
    ("prove", "timeout"): "推导运行超过这么多秒就停止（默认：quick 为 120，full 为 1800；"
                          "0 或 inf：不限时）。",
    ("prove", "record"): "把带 id 的证据行记录为该推导的证据快照（在它旁边的 "
                         "_evidence/SCALE/ID.json），卡片以 {{derivation.row}} 引用它们。"
                         "quick 规模记录的是测试所对照的 CPU 运行。",
    ("quiz", "number"): "最多问 N 张卡片。",
    ("quiz", "no_schedule"): "突击模式：答案照样保留（记在单独的记录里），但每张卡片的复习安排保持不变。",
    ("quiz", "include_suspended"): "也问已暂停和已搁置的卡片（否则会略过它们）。",
    ("review", "new"): "每天最多的新卡数（默认：设置文件中的值，否则为 10）。",
    ("search", "words"): "要查找的词（须全部包含），英文或中文均可。",
    ("search", "number"): "最多显示 N 张卡片。",
    ("search", "as_json"): "以 JSON 输出匹配结果。",
    ("new", "topic"): "要添加卡片的卡组（主题）：你的卡组文件夹中的 <主题>.yaml。",
    ("new", "kind"): "recall（回忆，自己评分）或 claim（判断真假，由推导的证据行判定）。",
    ("new", "with_derivation"): "同时写一个推导模块的框架（TITLE、CLAIMS、derive，以及记录一条带 id "
                                "的证据行的 experiment）并链接它。",
    ("flag", "number"): "0（或 none）清除；1 red 红、2 orange 橙、3 green 绿、4 blue 蓝、5 pink 粉、"
                        "6 turquoise 青、7 purple 紫（Anki 的标记；写数字或颜色名均可）。",
    ("plan", "until"): "面试日期，YYYY-MM-DD（默认：设置中的 interview_date）。",
    ("plan", "level"): "只选这个级别及以下的卡片（1 = 每场面试都会问，2，3）。",
    ("plan", "minutes"): "每天可学习的分钟数（默认：设置中的 minutes_per_day，否则为 30）。",
    ("plan", "clear"): "不再遵循已保存的计划。",
    ("plan", "as_json"): "以 JSON 输出计划。",
    ("stats", "as_json"): "输出 JSON，而不是表格。",
    ("stats", "rebuild"): "先重放复习记录，重建每张卡片的状态。",
    ("backup", "target"): "副本的写入位置（一个新文件）。",
    ("help", "command"): "要说明的命令（默认：全部命令）。",
    ("export anki", "target"): "要写入的 Anki 包。",
    ("export anki", "langs"): "笔记的语言：en、zh 或 both（每张卡片每种语言一条笔记）。",
    ("export anki", "no_plots"): "不导出图（否则由推导的 quick CPU 结果绘制：取自证明缓存，没有时"
                                 "运行一次，第一次要几分钟）。",
    ("export reviews", "target"): "要写入的 CSV 文件。",
}

# What an argument is called in `Usage:` and in its panel (cli.py's metavars, or the name).
ARGUMENTS: dict[tuple[str, str], str] = {
    ("show", "card_id"): "ID",
    ("check", "paths"): "路径...",
    ("prove", "targets"): "[目标]...",
    ("search", "words"): "词语...",
    ("*", "cards"): "卡片...",
    ("flag", "number"): "N",
    ("backup", "target"): "文件",
    ("help", "command"): "[命令]...",
    ("export anki", "target"): "文件.apkg",
    ("export reviews", "target"): "文件.csv",
}

# Click's type names, shown as `<str>` beside an option (booleans show none: left alone).
TYPE_NAMES = {"str": "文本", "int": "整数", "int range": "整数", "float": "数值",
              "float range": "数值", "path": "路径"}
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
USAGE = "用法："

# typer.rich_utils reads these when it prints; they are set only while a zh help page or error
# is printed (rich markup: RICH_HELP's [blue] stays).
TYPER_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "ENVVAR_STRING": "[环境变量：{}]",
    "ABORTED_TEXT": "已中止。",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}

# --- the parser's usage errors (Click's and Typer's words; see dlstudy.messages for the form) --
# `inner` is translated in turn. The English is what typer/_click/{parser,core,types,
# exceptions}.py and typer/core.py raise; tests/test_help_zh.py raises each one for real.
CLICK_MESSAGES: tuple[tuple[str, str], ...] = (
    ("No such option: {option} (Possible options: {near})", "没有这个选项：{option}（可能是：{near}）"),
    ("No such option: {option}", "没有这个选项：{option}"),
    ("No such command {name}. Did you mean {near}?", "没有命令 {name}。您是指：{near}？"),
    ("No such command {name}.", "没有命令 {name}。"),
    ("Missing command.", "缺少命令。"),
    ("Missing argument {name}.", "缺少参数 {name}。"),
    ("Missing option {name}.", "缺少选项 {name}。"),
    ("Missing parameter {name}.", "缺少参数 {name}。"),
    ("Invalid value for {hint}: {inner}", "{hint} 的值无效：{inner}"),
    ("Invalid value: {inner}", "值无效：{inner}"),
    ("Got unexpected extra argument(s) ({extra})", "多余的参数：{extra}"),
    ("Option {option} does not take a value.", "选项 {option} 不接受值。"),
    ("Option {option} requires an argument.", "选项 {option} 需要一个值。"),
    ("Option {option} requires {n} arguments.", "选项 {option} 需要 {n} 个值。"),
    ("Argument {name} takes {n} values.", "参数 {name} 需要 {n} 个值。"),
    # what a type says about a value (the `inner` of "Invalid value for …")
    ("{given} is not in the range {range}.", "{given} 不在范围 {range} 内。"),
    ("{given} is not a valid {type}.", "{given} 不是有效的{type}。"),
    ("{given} is not one of {choices}.", "{given} 不是 {choices} 之一。"),
    ("Value must be an iterable.", "值必须是可迭代的。"),
)
_compiled: Optional[list[tuple[re.Pattern[str], str]]] = None


def click_message(message: str) -> str:
    """A usage error of Click's or Typer's in Chinese (as it is when not catalogued)."""
    global _compiled
    if _compiled is None:
        _compiled = compile_catalogue(CLICK_MESSAGES)
    return tr_with(message, _compiled)


# --- applying the tables ---------------------------------------------------------------------


class ChineseFormatter(_click.formatting.HelpFormatter):
    """Click's help formatter, with ``用法：`` where it writes ``Usage:``."""

    def write_usage(self, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)


class ChineseContext(Context):
    """The context of a command in a zh run: its usage line says 用法, and Typer's panel titles
    are Chinese while its help is formatted."""

    formatter_class = ChineseFormatter

    def get_help(self) -> str:
        use_typer_words()
        return super().get_help()


def commands(group: _click.Command, path: str = "") -> Iterator[tuple[str, _click.Command]]:
    """Every command of the tree with its path below ``dlstudy`` ("" for dlstudy itself)."""
    yield path, group
    for name, command in (group.commands if isinstance(group, TyperGroup) else {}).items():
        yield from commands(command, f"{path} {name}".strip())


def param_help(path: str, name: str) -> Optional[str]:
    return PARAMS.get((path, name)) or PARAMS.get(("*", name))


def argument_name(path: str, name: str) -> Optional[str]:
    return ARGUMENTS.get((path, name)) or ARGUMENTS.get(("*", name))


def localize(root: _click.Command) -> None:
    """Put the Chinese text on the command tree of this run. Anything without an entry keeps its
    English (the tests make sure nothing is without one)."""
    help_names = root.context_settings.get("help_option_names", ["--help"])
    for path, command in commands(root):
        command.help = COMMANDS.get(path, command.help)
        command.short_help = None  # the summary is the first paragraph of the help
        if command.epilog:
            command.epilog = EPILOGS.get(path, command.epilog)
        command.options_metavar = OPTIONS_METAVAR
        if isinstance(command, TyperGroup):
            command.subcommand_metavar = SUBCOMMAND_METAVAR
        command.context_class = ChineseContext
        for param in command.params:
            _localize_param(path, param)
        # The help option is made on first use and kept: make it now and give it its words.
        option = command.get_help_option(ChineseContext(command, help_option_names=help_names))
        if option is not None:
            option.help = PARAMS[("*", "help")]


def _localize_param(path: str, param: _click.Parameter) -> None:
    name = param.name or ""
    text = param_help(path, name)
    if text is not None and getattr(param, "help", None):
        param.help = text  # type: ignore[attr-defined]  # options and Typer's arguments have help
    if param.param_type_name == "argument":
        param.metavar = argument_name(path, name) or param.metavar
    zh_type = TYPE_NAMES.get(param.type.name)
    if zh_type is not None:  # a copy: the type objects are shared with every other parameter
        param.type = copy.copy(param.type)
        param.type.name = zh_type


_english: dict[str, Any] = {}


def use_typer_words() -> None:
    """Typer's own words (panel titles, [default: …], the error panel) in Chinese, and Rich's
    line breaking aware of Chinese, until :func:`restore_typer_words`. Imports
    ``typer.rich_utils``: call it only when printing help or an error."""
    import rich._wrap
    from typer import rich_utils

    for module, name, value in [(rich_utils, n, w) for n, w in TYPER_WORDS.items()] + [
            (rich._wrap, "words", chinese_words),
            (rich_utils, "_make_rich_text", _folding(rich_utils._make_rich_text))]:
        key = f"{module.__name__}.{name}"
        if key not in _english:
            _english[key] = (module, getattr(module, name))  # AttributeError: see the module doc
        setattr(module, name, value)


# Rich breaks lines only at spaces, and a Chinese sentence has none: in the options table, whose
# cells crop a word too long for the line, a whole help text would end in "…" after one line.
# While zh help is printed, Rich's ``words`` (what ``divide_line`` may break between) also ends
# a word after each Chinese character, by the rules card text wraps by (dlstudy.prose.CJK_WORD:
# no line starts with "，" or ends with "（").


def _folding(make: Any) -> Any:
    """Typer's maker of help text, whose text folds where Rich would crop it with "…" (a table
    cell narrower than Rich measured the text: it measures words by spaces alone)."""
    if getattr(make, "folds", False):
        return make

    def make_rich_text(**kwargs: Any) -> Any:
        text = make(**kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    make_rich_text.folds = True  # type: ignore[attr-defined]
    return make_rich_text


def chinese_words(text: str) -> Iterator[tuple[int, int, str]]:
    """Rich's ``rich._wrap.words`` (start, end, word with the spaces after it), where a Chinese
    character is a word of its own."""
    found = CJK_WORD.match(text, 0)
    while found is not None and found.end() > found.start():
        start, end = found.span()
        yield start, end, found.group(0)
        found = CJK_WORD.match(text, end)


def restore_typer_words() -> None:
    """Typer's words as they were (one process may run the CLI in both languages: the tests)."""
    for key, (module, value) in _english.items():
        setattr(module, key.rsplit(".", 1)[1], value)
    _english.clear()


@contextmanager
def chinese_errors() -> Iterator[None]:
    """A usage error (or an abort) raised inside leaves in Chinese, with its context (for the
    usage line) and its exit code; the help printed for a bare ``dlstudy`` passes untouched."""
    try:
        yield
    except _click.exceptions.NoArgsIsHelpError:
        raise
    except _click.exceptions.ClickException as exc:
        use_typer_words()
        _raise_in_chinese(exc)
    except (Abort, EOFError):  # Typer says "Aborted." for both
        use_typer_words()
        raise


def _raise_in_chinese(exc: _click.exceptions.ClickException) -> NoReturn:
    message = click_message(exc.format_message())
    if isinstance(exc, _click.exceptions.UsageError):
        chinese: _click.exceptions.ClickException = _click.exceptions.UsageError(message, exc.ctx)
    else:
        chinese = _click.exceptions.ClickException(message)
    chinese.exit_code = exc.exit_code
    raise chinese from None
