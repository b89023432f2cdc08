"""What an attempt at a coding task is told, in en and zh: which case failed and how.

:func:`describe` turns an outcome (a plain dict, from :mod:`dlstudy.coding.grade` via the
sandbox, or from the review log) into lines of text; :func:`result_view` adds the traceback
and the reference solution as Rich renderables. Nothing heavy is imported here.
"""

from __future__ import annotations

from typing import Any

WORDS = {
    "en": {
        "passed": "[green]right[/green] · all {n} cases pass",
        "failed": "[red]wrong[/red]",
        "case": "case {i} of {n}, {name}",
        "shape": "`{output}` has shape {got}; expected {expected}",
        "nan": "`{output}` is {got}{at} where the reference is finite ({expected}); "
               "{count} of {size} elements",
        "wrong": "`{output}`: max |error| {err}{at} (expected {expected}, got {got}; "
                 "tolerance {atol:g} + {rtol:g}·|expected|); {count} of {size} elements off",
        "type": "`{output}`: {detail}",
        "precision": "your `{output}` is {dtype}: the inputs are float64 and the tolerance is "
                     "set for float64 — compute in float64 (no float32 buffer, astype or torch "
                     "default dtype)",
        "error": "your code raised an exception",
        "modified": "your code wrote into its argument `{output}`; the stub asks it not to modify "
                    "its inputs (compute new arrays)",
        "missing": "your code defines no function `{function}` (the name in the stub)",
        "memory": "stopped: your code asked for more memory than the limit ({memory_mb} MB "
                  "above the reference's)",
        "timeout": "stopped: your code ran past the time limit ({seconds:g} s) — an endless loop?",
        "flood": "stopped: your code printed more than the limit ({output_mb:g} MB) — a print in a loop?",
        "crash": "the process running your code died ({status})",
        "mistake": "this is what a typical mistake gives: {text}",
        "cases": "cases:",
        "not_run": "not run",
        "traceback": "your traceback",
        "output": "what the process printed last",
        "solution": "a reference solution",
        "stub": "the stub: write this function",
        "code": "your code",
        "cases_for": "the cases seed {seed} draws",
        "attempt": "attempt logged {when} · graded {grade}",
        "gave_up": "given up",
        "other_cases": "graded on an earlier version of this card's cases: the cases shown above "
                       "are what the seed draws now",
    },
    "zh": {
        "passed": "[green]正确[/green] · 全部 {n} 个用例通过",
        "failed": "[red]错误[/red]",
        "case": "第 {i} 个用例（共 {n} 个）：{name}",
        "shape": "`{output}` 的形状是 {got}；应为 {expected}",
        "nan": "`{output}` {at_zh}为 {got}，而参考值是有限数（{expected}）；{size} 个元素中有 {count} 个",
        "wrong": "`{output}`：最大 |误差| {err}{at_zh_wrong}（应为 {expected}，得到 {got}；"
                 "容差 {atol:g} + {rtol:g}·|期望值|）；{size} 个元素中有 {count} 个不对",
        "type": "`{output}`：{detail}",
        "precision": "你的 `{output}` 是 {dtype}：输入是 float64，容差也是按 float64 定的——请用 float64 "
                     "计算（不要用 float32 的缓冲区、astype 或 torch 的默认 dtype）",
        "error": "你的代码抛出了异常",
        "modified": "你的代码原地修改了参数 `{output}`；框架要求不修改输入（请计算新的数组）",
        "missing": "你的代码没有定义函数 `{function}`（框架中的名字）",
        "memory": "已停止：你的代码申请的内存超过了限制（参考实现之外 {memory_mb} MB）",
        "timeout": "已停止：你的代码超过了时间限制（{seconds:g} 秒）——死循环？",
        "flood": "已停止：你的代码输出超过了限制（{output_mb:g} MB）——循环里的 print？",
        "crash": "运行你代码的进程崩溃了（{status}）",
        "mistake": "这正是一个常见错误的结果：{text}",
        "cases": "用例：",
        "not_run": "未运行",
        "traceback": "你的报错信息",
        "output": "进程最后的输出",
        "solution": "参考解答",
        "stub": "框架：请实现这个函数",
        "code": "你的代码",
        "cases_for": "种子 {seed} 生成的用例",
        "attempt": "记录的作答 {when} · 评分 {grade}",
        "gave_up": "已放弃",
        "other_cases": "这次作答用的是这张卡片早先版本的用例：上面显示的是该种子现在生成的用例",
    },
}


def _wrap(text: str, width: int, indent: str, more: str) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells (a CJK character takes two),
    broken at a space when there is one."""
    from rich.cells import cell_len

    lines: list[str] = []
    prefix, rest = indent, text
    while rest:
        room = width - cell_len(prefix)
        cut, used = 0, 0
        while cut < len(rest) and used + cell_len(rest[cut]) <= room:
            used += cell_len(rest[cut])
            cut += 1
        if cut < len(rest):  # back to a space, or to a place next to a wide (CJK) character
            for i in range(cut, 0, -1):
                if rest[i] == " " or cell_len(rest[i - 1]) == 2 or cell_len(rest[i]) == 2:
                    cut = i
                    break
            cut = max(cut, 1)
        lines.append(prefix + rest[:cut].rstrip())
        rest, prefix = rest[cut:].lstrip(), more
    return lines


def fit(source: str, width: int) -> str:
    """``source`` laid out for a panel ``width`` cells wide, for reading only (the file the
    user edits is the stub as written): a long docstring line is wrapped under its own
    indentation, a long line's trailing comment moves to a line of its own above it."""
    from rich.cells import cell_len

    out: list[str] = []
    in_doc = False
    for line in source.strip("\n").splitlines():
        quotes = line.count('"""')
        indent = line[:len(line) - len(line.lstrip())]
        if cell_len(line) <= width:
            out.append(line)
        elif (in_doc and quotes == 0) or (not in_doc and quotes == 1):  # a docstring line
            out += _wrap(line.strip(), width, indent, indent + "  ")
        elif "  # " in line:
            code, comment = line.split("  # ", 1)
            out += [f"{indent}# {comment.strip()}", code.rstrip()]
        else:
            out.append(line)
        if quotes % 2:
            in_doc = not in_doc
    return "\n".join(out)


def _num(value: Any, digits: int = 6) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _where(where: list[int] | None) -> str:
    return "[" + ", ".join(str(i) for i in where) + "]" if where else "[]"


def _shape(shape: list[int]) -> str:
    return "(" + ", ".join(str(i) for i in shape) + ("," if len(shape) == 1 else "") + ")"


def describe(outcome: dict[str, Any], lang: str = "en", total: int | None = None) -> list[str]:
    """The verdict and, for a failure, which case and how, as lines of Rich markup-free text
    (the first line may hold colour markup)."""
    from dlstudy.coding.sandbox import OUTPUT_BYTES

    words = WORDS["zh" if lang == "zh" else "en"]
    cases = outcome.get("cases") or []
    total = total if total is not None else outcome.get("total")
    n = total if total is not None else len(cases)
    if outcome.get("passed"):
        return [words["passed"].format(n=n)]
    failure = outcome.get("failure") or {}
    lines = [words["failed"]]
    case = failure.get("case")
    if case:
        lines.append(words["case"].format(i=len(cases), n=n if n >= len(cases) else len(cases),
                                          name=case.get(lang if lang in case else "en", "")))
    kind = failure.get("kind", "crash")
    limits = outcome.get("limits") or {}
    values = {"output": failure.get("output", ""), "detail": failure.get("detail", ""),
              "got": _shape(failure["got_shape"]) if kind == "shape" else _num(failure.get("got_value")),
              "expected": _shape(failure["expected_shape"]) if kind == "shape"
              else _num(failure.get("expected_value")),
              "where": _where(failure.get("where")), "err": _num(failure.get("max_error")),
              # a scalar (the loss) has no position: "at []" said nothing
              "at": f" at {_where(failure['where'])}" if failure.get("where") else "",
              "at_zh": f"在 {_where(failure['where'])} 处" if failure.get("where") else "",
              "at_zh_wrong": f"，位于 {_where(failure['where'])}" if failure.get("where") else "",
              "rtol": failure.get("rtol", 0.0), "atol": failure.get("atol", 0.0),
              "count": failure.get("count"), "size": failure.get("size"),
              "seconds": failure.get("seconds", limits.get("seconds", 0)),
              "memory_mb": failure.get("memory_mb", limits.get("memory_mb", 0)),
              "status": failure.get("status", ""), "function": failure.get("function", ""),
              "output_mb": OUTPUT_BYTES / 2**20}
    if kind == "wrong" and values["got"] == values["expected"]:  # differ past the 6th digit
        values["got"] = _num(failure.get("got_value"), 12)
        values["expected"] = _num(failure.get("expected_value"), 12)
    lines.append(words.get(kind, words["crash"]).format(**values))
    if kind == "wrong" and failure.get("dtype"):
        lines.append(words["precision"].format(output=values["output"], dtype=failure["dtype"]))
    if kind == "gave_up":
        return [words["failed"], words["gave_up"]]
    mistake = failure.get("mistake")
    if mistake:
        lines.append(words["mistake"].format(text=mistake.get(lang, mistake.get("en", ""))))
    return lines


def result_view(outcome: dict[str, Any], solution: str, lang: str = "en",
                total: int | None = None, width: int = 80) -> Any:
    """The verdict, the cases, the traceback or output if any, and the reference solution."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    words = WORDS["zh" if lang == "zh" else "en"]
    total = total if total is not None else outcome.get("total")
    lines = describe(outcome, lang, total)
    parts: list[Any] = [Text.from_markup(lines[0])]
    parts += [Text(line) for line in lines[1:]]
    cases = outcome.get("cases") or []
    if cases:
        marks = Text(words["cases"] + " ", style="dim")
        for case in cases:
            marks.append("✓ " if case["ok"] else "✗ ", style="green" if case["ok"] else "red")
            marks.append(case.get(lang, case["en"]) + "  ", style="dim")
        if total is not None and total > len(cases):
            marks.append(f"… {total - len(cases)} {words['not_run']}", style="dim")
        parts.append(marks)
    failure = outcome.get("failure") or {}
    if failure.get("traceback"):
        parts.append(Panel(Text(failure["traceback"]), title=words["traceback"],
                           border_style="red", title_align="left"))
    elif failure.get("printed"):
        parts.append(Panel(Text(failure["printed"][-1500:]), title=words["output"],
                           border_style="red", title_align="left"))
    parts.append(solution_view(solution, lang, width))
    return Group(*parts)


def _code_panel(source: str, title: str, style: str, width: int) -> Any:
    from rich.panel import Panel
    from rich.syntax import Syntax

    return Panel(Syntax(fit(source, width - 4), "python", theme="ansi_dark",
                        background_color="default", word_wrap=True),
                 title=title, border_style=style, title_align="left")


def stub_view(stub: str, lang: str = "en", width: int = 80) -> Any:
    return _code_panel(stub, WORDS["zh" if lang == "zh" else "en"]["stub"], "cyan", width)


def solution_view(solution: str, lang: str = "en", width: int = 80) -> Any:
    return _code_panel(solution, WORDS["zh" if lang == "zh" else "en"]["solution"], "green", width)


def _summary(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return "×".join(str(i) for i in shape) if shape else "scalar"
    if isinstance(value, list):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    return repr(value)


def cases_view(cases: list[Any], seed: int, lang: str = "en") -> Any:
    """The cases a seed draws: each one's name and its arguments' shapes (or values)."""
    from rich.panel import Panel
    from rich.text import Text

    words = WORDS["zh" if lang == "zh" else "en"]
    body = Text()
    for i, case in enumerate(cases, 1):
        body.append(f"{i}. {case.zh if lang == 'zh' else case.en}\n", style="bold")
        body.append("   " + ", ".join(f"{k}: {_summary(v)}" for k, v in case.args.items()) + "\n",
                    style="dim")
    return Panel(body, title=words["cases_for"].format(seed=seed), border_style="cyan",
                 title_align="left")


def attempt_view(review: Any, outcome: dict[str, Any] | None, lang: str = "en",
                 cases_version: int | None = None) -> Any:
    """A logged attempt: when, the grade, the code and what the grader said; when it was graded
    on another version of the task's cases than ``cases_version`` (today's), it says so."""
    from datetime import datetime, timezone

    from rich.console import Group
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    words = WORDS["zh" if lang == "zh" else "en"]
    when = datetime.fromtimestamp(review.at / 1e6, tz=timezone.utc).astimezone()
    parts: list[Any] = []
    if outcome is not None:
        lines = describe(outcome, lang)
        parts.append(Text.from_markup(lines[0]))
        parts += [Text(line) for line in lines[1:]]
        # an attempt logged before versions were recorded was graded on the first version
        if cases_version is not None and outcome.get("cases_version", 1) != cases_version:
            parts.append(Text(words["other_cases"], style="yellow"))
    if review.answer:
        parts.append(Syntax(review.answer.strip("\n"), "python", theme="ansi_dark", word_wrap=True,
                            background_color="default"))
    title = words["attempt"].format(when=f"{when:%Y-%m-%d %H:%M}", grade=review.rating)
    return Panel(Group(*parts), title=title, border_style="magenta", title_align="left")
