"""Rich renderables for cards and proof results. The CLI composes these; nothing prints here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import (
    Console,
    ConsoleOptions,
    Group,
    RenderableType,
    RenderResult,
)
from rich.markup import escape
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from dlstudy.card import Card
from dlstudy.deck import printable
from dlstudy.derivation import DerivationInfo
from dlstudy.evidence import Evidence, Plot, Result, Step
from dlstudy.prose import Prose

if TYPE_CHECKING:
    from dlstudy.stats import Stats

VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold yellow"}
LABELS = {
    "en": {"question": "Question", "answer": "Answer", "correction": "A common misconception",
           "derivations": "Proved by", "sources": "Sources",
           "unproved": "unproved: no derivation is linked to this card of your own"},
    "zh": {"question": "问题", "answer": "答案", "correction": "常见误解",
           "derivations": "证明", "sources": "出处",
           "unproved": "未证明：这张自建卡片没有关联推导"},
}
UNPROVED = {"en": "unproved", "zh": "未证明"}
MARK_WORDS = {"en": {"leech": "leech", "suspended": "suspended", "buried": "buried", "flag": "flag"},
              "zh": {"leech": "难记", "suspended": "已暂停", "buried": "已搁置", "flag": "标记"}}


def marks_words(marks: Any, now: int, lang: str) -> list[str]:
    """A card's marks in words (``leech``, ``suspended``, ``buried``, ``flag 1 (red)``)."""
    from dlstudy.store import FLAG_NAMES

    if marks is None:
        return []
    words = MARK_WORDS["zh" if lang == "zh" else "en"]
    shown = [words["leech"]] if marks.leech is not None else []
    if marks.suspended is not None:
        shown.append(words["suspended"])
    if marks.buried(now):
        shown.append(words["buried"])
    if marks.flag:
        colour = FLAG_COLOURS_ZH[marks.flag] if lang == "zh" else FLAG_NAMES[marks.flag]
        shown.append(f"{words['flag']} {marks.flag}（{colour}）" if lang == "zh" else
                     f"{words['flag']} {marks.flag} ({colour})")
    return shown


FLAG_COLOURS_ZH = {1: "红", 2: "橙", 3: "绿", 4: "蓝", 5: "粉", 6: "青", 7: "紫"}


LIST_HEADINGS = {
    "en": {"id": "id", "topic": "topic", "kind": "kind", "title": "title",
           "derivations": "derivations", "cards": "{n} cards", "card": "1 card"},
    "zh": {"id": "编号", "topic": "主题", "kind": "类型", "title": "标题",
           "derivations": "推导", "cards": "{n} 张卡片", "card": "1 张卡片"},
}
_MIN_TITLE, _MIN_DERIVATIONS = 24, 16


def cards_table(cards: Sequence[Card], derivations: dict[str, DerivationInfo], lang: str,
                width: int = 120, marks: dict[str, list[str]] | None = None) -> RenderableType:
    """``dlstudy list`` on a terminal ``width`` columns wide. The id never wraps and every title
    is shown whole (CJK titles, which have no spaces, fold): when the columns do not fit, the
    derivations go first, then topic and kind; narrower still, each card takes two lines."""
    words = LIST_HEADINGS[lang]
    title = words["card"] if len(cards) == 1 else words["cards"].format(n=len(cards))
    id_w = max([len(c.id) for c in cards] + [len(words["id"])])
    topic_w = max([len(c.topic) for c in cards] + [cell_len(words["topic"])])
    kind_w = max([len(c.kind) for c in cards] + [cell_len(words["kind"])])
    if width - id_w - 7 < _MIN_TITLE:  # 7: the borders and padding of two columns
        return _cards_list(cards, lang, title, marks)
    room = width - id_w - topic_w - kind_w
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column(words["id"], style="cyan", no_wrap=True)
    columns = ["id"]
    if room - 13 >= _MIN_TITLE:
        table.add_column(words["topic"], style="magenta", no_wrap=True)
        table.add_column(words["kind"], no_wrap=True)
        columns += ["topic", "kind"]
    table.add_column(words["title"], overflow="fold", ratio=2)
    columns.append("title")
    if room - 16 >= _MIN_TITLE + _MIN_DERIVATIONS:
        table.add_column(words["derivations"], style="green", overflow="fold", ratio=1)
        columns.append("derivations")
    for card in cards:
        shown = list((marks or {}).get(card.id, []))
        if not card.derivations and "derivations" not in columns:
            shown.append(UNPROVED[lang])  # no column to say it in
        cells = {"id": card.id, "topic": card.topic, "kind": card.kind,
                 "title": escape(card.title.get(lang))
                 + (f" [magenta]\\[{escape(', '.join(shown))}][/magenta]" if shown else ""),
                 "derivations": ", ".join(d if d in derivations else f"[red]{d}?[/red]"
                                          for d in card.derivations)
                 or f"[yellow]{UNPROVED[lang]}[/yellow]"}
        table.add_row(*(cells[c] for c in columns))
    return table


def _cards_list(cards: Sequence[Card], lang: str, title: str,
                marks: dict[str, list[str]] | None = None) -> RenderableType:
    """Cards on two lines each — the id with its topic and kind, then the title (a long one
    wraps under itself) with the card's marks and, with no derivation, *unproved* — for a
    terminal too narrow for a table."""
    parts: list[RenderableType] = [RichText(title, style="italic")]
    for card in cards:
        head = RichText(card.id, style="cyan", overflow="fold")
        head.append(f"  {card.topic} · {card.kind}", style="dim")
        body = RichText(card.title.get(lang), overflow="fold")
        shown = list((marks or {}).get(card.id, []))
        if shown:
            body.append(f" [{', '.join(shown)}]", style="magenta")
        if not card.derivations:
            body.append(f" [{UNPROVED[lang]}]", style="yellow")
        parts += [head, Indented(body)]
    return Group(*parts)


class Indented:
    """Text wrapped two columns in, each of its lines indented (Padding would also pad every
    line out to the full width with spaces)."""

    def __init__(self, text: RichText, indent: int = 2) -> None:
        self.text, self.indent = text, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.text.wrap(console, max(1, options.max_width - self.indent)):
            line.rstrip()
            yield RichText(" " * self.indent) + line


def cards_tsv(cards: Sequence[Card], lang: str) -> str:
    """``dlstudy list`` piped: one card a line, tab-separated and never cut — id, topic, kind,
    level, title, derivations (comma-separated) — for grep, cut and awk."""
    def cell(text: str) -> str:
        return " ".join(text.split())  # a title's line breaks and tabs would split the row

    return "".join(f"{c.id}\t{c.topic}\t{c.kind}\t{c.level}\t{cell(c.title.get(lang))}\t"
                   f"{','.join(c.derivations)}\n" for c in cards)


# A bullet or an item number is followed by a space: "0.35 of …" or "-1.5" starting a wrapped
# line (often a measured value filled in for a placeholder) continues the sentence.
_BREAK_BEFORE = re.compile(r"^(\s|[•\-*–](\s|$)|\d+[.)](\s|$)|[①-⑳])")


def reflow(text: str) -> str:
    """Join hard-wrapped lines of a YAML answer into paragraphs the terminal can wrap.

    A line break is kept before bullets, numbered items and indented lines, after a
    line ending in ':' and around blank lines; elsewhere it becomes a space (or
    nothing between two CJK characters).
    """
    lines = text.split("\n")
    out = lines[0] if lines else ""
    for prev, line in zip(lines, lines[1:]):
        if not line.strip() or not prev.strip() or prev.rstrip().endswith((":", "：")) \
                or _BREAK_BEFORE.match(line):
            out += "\n" + line
        elif _is_cjk(prev.rstrip()[-1:]) and _is_cjk(line[:1]):
            out += line
        else:
            out += " " + line.lstrip()
    return out


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef")


def question_panel(card: Card, lang: str, subtitle: str = "", task: str | None = None) -> Panel:
    """The question; ``task`` (an exercise's numbers, "True or false?") follows it in bold."""
    label = LABELS[lang]["question"]
    body = Prose(reflow(card.question.get(lang)))
    if task is None and card.kind == "claim":
        task = TRUE_OR_FALSE[lang]
    if task:
        body.append("\n\n")
        body.append(task, style="bold")
    return Panel(body, title=f"[b]{escape(card.title.get(lang))}[/b]",
                 subtitle=subtitle or f"{card.id} · {card.topic} · {label}", border_style="cyan",
                 title_align="left", subtitle_align="right")


TRUE_OR_FALSE = {"en": "True or false?", "zh": "对还是错？"}


def answer_panel(card: Card, derivations: dict[str, DerivationInfo], lang: str,
                 claim_rule: bool = True) -> RenderableType:
    """The answer, the misconception it corrects, the derivations, how a claim is decided (unless
    ``claim_rule`` is False: a session has just shown the deciding row), and the sources."""
    labels = LABELS[lang]
    parts: list[RenderableType] = [
        Panel(Prose(reflow(card.answer.get(lang))), title=labels["answer"], border_style="green",
              title_align="left")
    ]
    if card.correction is not None:
        parts.append(Panel(Prose(reflow(card.correction.get(lang))), title=labels["correction"],
                           border_style="yellow", title_align="left"))
    if card.derivations:
        # a grid, so that a title too long for the line wraps under itself, not under the id
        proofs = Table.grid(padding=(0, 2))
        proofs.add_column(style="green", overflow="fold")
        proofs.add_column()
        for ref in card.derivations:
            info = derivations.get(ref)
            proofs.add_row(ref, Prose(info.title.get(lang)) if info else
                           ("（缺失）" if lang == "zh" else "(missing)"))
        parts.append(RichText(labels["derivations"], style="bold"))
        parts.append(Padding(proofs, (0, 0, 0, 2)))
        parts.append(_indented(f"dlstudy prove {card.id}", "dim"))
    elif card.kind in ("recall", "exercise"):  # a card of the user's own (check allows it there)
        parts.append(RichText(labels["unproved"], style="yellow"))
    if card.claim is not None and claim_rule:
        claim = card.claim
        rule = AUTO_LABELS[lang]["asserts" if claim.statement == "asserts" else "denies"]
        parts.append(RichText(AUTO_LABELS[lang]["decided"], style="bold"))
        parts.append(_indented(f"{claim.derivation}.{claim.row} — {rule}", "dim"))
    colon = "：" if lang == "zh" else ": "
    if card.exercise is not None:
        parts.append(_indented(f"{AUTO_LABELS[lang]['generator']}{colon}{card.exercise.generator}"
                               f" · dlstudy show {card.id} --seed N", "dim"))
    if card.code is not None:
        parts.append(_indented(f"{AUTO_LABELS[lang]['task']}{colon}{card.code.task} · "
                               f"dlstudy show {card.id} --seed N", "dim"))
    shown = [s.label() for s in card.sources if s.label()]
    if shown:
        parts.append(RichText(labels["sources"], style="bold"))
        sources = Table.grid(padding=(0, 1))
        sources.add_column(style="dim")
        sources.add_column(style="dim", overflow="fold")
        for label in shown:
            sources.add_row("•", label)
        parts.append(Padding(sources, (0, 0, 0, 2)))
    return Group(*parts)


def _indented(text: str, style: str) -> Padding:
    """A line indented by two, whose continuation lines keep the indent on a narrow terminal."""
    return Padding(RichText(text, style=style), (0, 0, 0, 2))


AUTO_LABELS = {
    "en": {"decided": "Decided by the evidence row",
           "asserts": "the statement is true when this row passes",
           "denies": "the statement is true only if this row fails (the row refutes it)",
           "generator": "exercise generator", "task": "coding task", "solution": "Worked solution",
           "right": "✓ right", "wrong": "✗ wrong", "gave_up": "no answer",
           "your": "your answer", "expected": "expected", "is_true": "the statement is TRUE",
           "is_false": "the statement is FALSE", "evidence": "Evidence"},
    "zh": {"decided": "由以下证据行判定",
           "asserts": "该行通过时陈述为真",
           "denies": "仅当该行失败时陈述为真（该行反驳了它）",
           "generator": "练习生成器", "task": "编程任务", "solution": "解题过程",
           "right": "✓ 正确", "wrong": "✗ 错误", "gave_up": "未作答",
           "your": "你的答案", "expected": "正确答案", "is_true": "该陈述为真",
           "is_false": "该陈述为假", "evidence": "证据"},
}


def exercise_result(solution: str, shown_expected: str, answer: str | None, correct: bool,
                    lang: str, attempted: bool = True) -> RenderableType:
    """After an exercise: right or wrong, the expected answer, and the worked solution
    (``attempted`` False: just the answer and the solution, as ``dlstudy show --seed`` prints)."""
    labels = AUTO_LABELS[lang]
    if not attempted:
        head = f"{labels['expected']} [b]{escape(shown_expected)}[/b]"
    elif answer is None:
        head = f"[yellow]{labels['gave_up']}[/yellow] · {labels['expected']} [b]{escape(shown_expected)}[/b]"
    else:
        mark = f"[green]{labels['right']}[/green]" if correct else f"[red]{labels['wrong']}[/red]"
        head = (f"{mark} · {labels['your']} {escape(answer)} · {labels['expected']} "
                f"[b]{escape(shown_expected)}[/b]")
    return Group(RichText.from_markup(head),
                 Panel(Prose(solution), title=labels["solution"], border_style="green",
                       title_align="left"))


def claim_result(truth: bool, said: bool, result: Result | None, row: Evidence | None,
                 lang: str) -> RenderableType:
    """After a claim: right or wrong, whether the statement is true, and the row that decides it
    (the derivation's other rows are summed up in a line: ``dlstudy prove`` shows them all)."""
    labels = AUTO_LABELS[lang]
    mark = f"[green]{labels['right']}[/green]" if said == truth else f"[red]{labels['wrong']}[/red]"
    verdict = labels["is_true"] if truth else labels["is_false"]
    parts: list[RenderableType] = [RichText.from_markup(f"{mark} · [b]{verdict}[/b]")]
    if result is not None and row is not None:
        others = [e for e in result.evidence if e is not row]
        passed = sum(e.passed for e in others)
        cached = f" · {PROOF_LABELS[lang]['cached']}" if result.cached else ""
        if lang == "zh":
            rest = (f"{result.id} 的其余 {len(others)} 行证据：{passed} 行通过、{len(others) - passed} 行"
                    f"失败 —— dlstudy prove {result.id} 显示全部")
        else:
            rest = (f"the other {len(others)} rows of {result.id}: {passed} pass, "
                    f"{len(others) - passed} fail — dlstudy prove {result.id} shows them all")
        parts.append(Panel(Group(evidence_table([row], lang), RichText(rest, style="dim")),
                           title=f"{labels['evidence']} · {escape(result.id)}",
                           subtitle=f"{result.device} · {result.scale}{cached}",
                           title_align="left", subtitle_align="right", border_style="magenta"))
    return Group(*parts)


def _fmt(value: float | int | str) -> str:
    if isinstance(value, (bool, str)):
        return printable(str(value))
    if isinstance(value, int):
        return f"{value:,}".replace(",", "_") if abs(value) >= 100_000 else str(value)
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{value:.6g}")  # 1e-05 → 1e-5


EVIDENCE_HEADINGS = {"en": ("quantity", "measured", "relation", "expected"),
                     "zh": ("量", "测得值", "关系", "预期值")}


class EvidenceTable:
    """The evidence rows as a table as wide as the space given: the quantity and the relation
    wrap, a number is never cut; too narrow for that, each row takes two lines."""

    def __init__(self, rows: Iterable[Evidence], lang: str = "en") -> None:
        self.rows = list(rows)
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        heads = EVIDENCE_HEADINGS.get(self.lang, EVIDENCE_HEADINGS["en"])
        cells = [(printable(r.quantity), _fmt(r.measured), _relation(r.relation, self.lang),
                  _fmt(r.expected), "[green]✓[/green]" if r.passed else "[red]✗[/red]")
                 for r in self.rows]
        widths = [max([cell_len(c[i]) for c in cells] + [cell_len(heads[i])]) for i in range(4)]
        measured, expected = (self._value_width([r.measured for r in self.rows], heads[1]),
                              self._value_width([r.expected for r in self.rows], heads[3]))
        room = options.max_width - 17 - measured - expected  # 17: borders, padding, the mark
        if sum(widths) + 17 <= options.max_width:
            fixed: list[int | None] = [None] * 4
        elif room >= 24:
            relation = min(widths[2], max(12, room * 2 // 5))
            fixed = [room - relation, measured, relation, expected]
        else:
            yield from self._rows(cells, heads, options.max_width)
            return
        table = Table(show_header=True, header_style="bold", expand=False)
        table.add_column(heads[0], overflow="fold", width=fixed[0])
        table.add_column(heads[1], justify="right", overflow="fold", width=fixed[1])
        table.add_column(heads[2], justify="center", style="dim", overflow="fold", width=fixed[2])
        table.add_column(heads[3], justify="right", overflow="fold", width=fixed[3])
        table.add_column("", justify="center", width=1)
        for quantity, measured_text, relation_text, expected_text, mark in cells:
            table.add_row(RichText(quantity), RichText(measured_text), RichText(relation_text),
                          RichText(expected_text), mark)
        yield table

    @staticmethod
    def _value_width(values: list[float | int | str], heading: str) -> int:
        """A column of values as wide as its widest number (numbers are never cut) or, for text
        (a shape, a sympy residue), as its widest text up to 16 (text may fold)."""
        numbers = [cell_len(_fmt(v)) for v in values if not isinstance(v, str)]
        texts = [min(cell_len(_fmt(v)), 16) for v in values if isinstance(v, str)]
        return max(numbers + texts + [cell_len(heading)])

    @staticmethod
    def _rows(cells: list[tuple[str, str, str, str, str]], heads: tuple[str, ...],
              width: int) -> RenderResult:
        """Each row on two lines (the quantity, then the values), or on four when the values do
        not fit on one line: a number only ever folds when a line cannot hold it at all."""
        for quantity, measured, relation, expected, mark in cells:
            head = RichText.from_markup(mark + " ")
            head.append(quantity, style="bold")
            head.overflow = "fold"
            yield head
            values = [f"{heads[1]} {measured}", relation, f"{heads[3]} {expected}"]
            if 2 + cell_len("  ".join(values)) <= width:
                line = RichText(f"  {values[0]}  ")
                line.append(relation, style="dim")
                line.append(f"  {values[2]}")
                yield line
            else:
                for value, style in zip(values, ("", "dim", "")):
                    yield Padding(RichText(value, style=style, overflow="fold"), (0, 0, 0, 2))


def _relation(relation: str, lang: str) -> str:
    """A row's relation as shown: the words proof.py writes into it (``|expected|``,
    ``rtol``/``atol`` stay: they are the names of numpy's arguments) in ``lang``."""
    text = printable(relation)
    return text.replace("|expected|", "|预期值|") if lang == "zh" else text


def evidence_table(rows: Iterable[Evidence], lang: str = "en") -> EvidenceTable:
    return EvidenceTable(rows, lang)


class StepsView:
    """The numbered steps of a derivation, each expression in its pretty multi-line form when
    that fits the width given, else on one line (folded if even that is too long)."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = steps

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - 3  # the indent
        for i, step in enumerate(self.steps, 1):
            yield RichText(f"{i}. {printable(step.text)}", style="bold", overflow="fold")
            lines = printable(step.math).splitlines()
            if lines and max(cell_len(line) for line in lines) <= room:
                math = RichText("\n".join(lines), no_wrap=True)
            elif step.line:
                math = RichText(printable(step.line, one_line=True), overflow="fold")
            elif lines:  # recorded before steps kept a one-line form: cut, never wrapped
                math = RichText("\n".join(lines), no_wrap=True, overflow="crop")
            else:
                continue
            yield Padding(math, (0, 0, 0, 3))


class TerminalPlot:
    """A plotext chart sized to the space Rich gives it (plotext is imported only to draw)."""

    def __init__(self, plot: Plot, height: int = 18) -> None:
        self.plot = plot
        self.height = height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield RichText.from_ansi(self.build(min(options.max_width, 110)))

    def build(self, width: int) -> str:
        import math

        import plotext as plt

        plot = self.plot
        plt.clear_figure()
        plt.plotsize(width, self.height)
        plt.theme("clear")
        for name, (xs, ys) in plot.series.items():
            if plot.logy:
                pts = [(x, math.log10(y)) for x, y in zip(xs, ys) if y > 0]
                xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            plt.plot(xs, ys, label=name, marker="braille")
        plt.title(plot.title)
        plt.xlabel(plot.xlabel)
        plt.ylabel(f"log10 {plot.ylabel}" if plot.logy else plot.ylabel)
        return str(plt.build())


PROOF_LABELS = {
    "en": {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "device": "device", "scale": "scale",
           "seconds": "s", "cached": "cached", "hold": "{passed}/{n} derivations hold",
           "derivation": "derivation", "verdict": "verdict", "checks": "checks",
           "seconds_heading": "seconds"},
    "zh": {"pass": "通过", "fail": "失败", "error": "出错", "device": "设备", "scale": "规模",
           "seconds": "秒", "cached": "缓存结果", "hold": "{passed}/{n} 个推导成立",
           "derivation": "推导", "verdict": "结论", "checks": "检查", "seconds_heading": "秒"},
}
VERDICT_WORDS = {"en": {"pass": "pass", "fail": "fail", "error": "error"},
                 "zh": {"pass": "通过", "fail": "失败", "error": "出错"}}


def result_view(result: Result, claims: Sequence[str] = (), plots: bool = True,
                lang: str = "en") -> RenderableType:
    words = PROOF_LABELS.get(lang, PROOF_LABELS["en"])
    parts: list[RenderableType] = []
    if claims:
        parts.append(RichText("\n".join(f"• {printable(c)}" for c in claims), style="italic"))
    if result.steps:
        parts.append(StepsView(result.steps))
    if result.evidence:
        parts.append(evidence_table(result.evidence, lang))
    if result.error:
        from dlstudy.runner import error_in

        parts.append(RichText(printable(error_in(result.error, lang)), style="yellow"))
    if plots:
        parts.extend(TerminalPlot(p) for p in result.plots)
    style = VERDICT_STYLE[result.verdict]
    cached = f" · {words['cached']}" if result.cached else ""
    footer = (f"[{style}]{words[result.verdict]}[/{style}] · {words['device']} {result.device} · "
              f"{words['scale']} {result.scale} · {result.seconds:.2f} {words['seconds']}{cached}")
    return Panel(Group(*parts), title=f"[b]{escape(result.id)}[/b] — {escape(printable(result.title))}",
                 subtitle=footer, title_align="left", subtitle_align="right",
                 border_style=style.split()[-1])


def summary_table(results: Sequence[Result], lang: str = "en") -> Table:
    words = PROOF_LABELS.get(lang, PROOF_LABELS["en"])
    verdicts = VERDICT_WORDS.get(lang, VERDICT_WORDS["en"])
    passed = sum(r.verdict == "pass" for r in results)
    table = Table(title=words["hold"].format(passed=passed, n=len(results)), expand=False)
    table.add_column(words["derivation"], style="cyan")
    table.add_column(words["verdict"])
    table.add_column(words["checks"], justify="right")
    table.add_column(words["seconds_heading"], justify="right")
    for r in results:
        style = VERDICT_STYLE[r.verdict]
        ok = sum(e.passed for e in r.evidence)
        table.add_row(r.id, f"[{style}]{verdicts[r.verdict]}[/{style}]", f"{ok}/{len(r.evidence)}",
                      f"{r.seconds:.2f}" + (f" ({words['cached']})" if r.cached else ""))
    return table


def save_plots(results: Sequence[Result], target: str) -> list[str]:
    """Write every plot to PNG: ``out.png`` for one, ``out-<id>-<n>.png`` for several."""
    plots = [(r.id, i, p) for r in results for i, p in enumerate(r.plots, 1)]
    stem, dot, ext = target.rpartition(".")
    if not dot:
        stem, ext = target, "png"
    written = []
    for rid, i, plot in plots:
        name = target if len(plots) == 1 else f"{stem}-{rid}-{i}.{ext}"
        draw_plot(plot, name)
        written.append(name)
    return written


def draw_plot(plot: Plot, target: str, stable: bool = False) -> None:
    """Draw ``plot`` with matplotlib into the file ``target`` (its extension names the format).

    ``stable``: leave out the "Software" metadata, so the same plot gives the same bytes under
    any matplotlib version (a PNG has no date)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    try:
        for label, (xs, ys) in plot.series.items():
            ax.plot(xs, ys, label=label, marker="." if len(xs) < 60 else None)
        if plot.logy:
            ax.set_yscale("log")
        ax.set_title(plot.title)
        ax.set_xlabel(plot.xlabel)
        ax.set_ylabel(plot.ylabel)
        ax.grid(alpha=0.3)
        if len(plot.series) > 1:
            ax.legend()
        fig.tight_layout()
        fig.savefig(target, metadata={"Software": None} if stable else None)
    finally:
        plt.close(fig)


STATS_LABELS = {
    "en": {"summary": "[b]{reviews}[/b] review{s} · retention [b]{retention}[/b] (share not graded Again)",
           "cards": "cards: {states}", "scheduler": "scheduler: parameters version {version}, {params}",
           "personal": "personal (dlstudy optimize)", "defaults": "FSRS defaults",
           "fit": "fit of predicted recall to your history (the predictions logged at each "
                  "review; `optimize` re-scores them): log loss [b]{log_loss}[/b] · "
                  "RMSE (bins) [b]{rmse}[/b] over {reviews} reviews a day or more apart",
           "no_fit": "fit of predicted recall: no review a day or more after the previous one yet",
           "title": "Statistics", "per_day": "Reviews per day (last 14 days)",
           "forecast": "Due in the next 14 days", "topics": "Topics", "topic": "topic",
           "n_cards": "cards", "studied": "studied", "reviews": "reviews", "retention": "retention",
           "recall_now": "recall now", "weak": "← weak", "calibration": "Predicted vs actual recall",
           "predicted": "predicted", "mean_predicted": "mean predicted", "actual": "actual",
           "day": "%a %d %b",
           "true_retention": "True retention (reviews of cards in review state, as Anki counts)",
           "period": "period", "young": "young (<21 d)", "mature": "mature (≥21 d)",
           "all_cards": "all",
           "periods": {"today": "today", "yesterday": "yesterday", "week": "last 7 days",
                       "month": "last 30 days", "year": "last 365 days", "all": "all time"},
           "states": {"new": "new", "learning": "learning", "review": "review",
                      "relearning": "relearning", "removed": "removed"}},
    "zh": {"summary": "[b]{reviews}[/b] 次复习 · 记住率 [b]{retention}[/b]（未评为“忘记”的比例）",
           "cards": "卡片：{states}", "scheduler": "调度器：参数版本 {version}，{params}",
           "personal": "个人参数（dlstudy optimize）", "defaults": "FSRS 默认参数",
           "fit": "预测记忆概率与你的历史的拟合（每次复习时记录的预测；`optimize` 会重新评分）："
                  "对数损失 [b]{log_loss}[/b] · "
                  "RMSE（分箱）[b]{rmse}[/b]，基于 {reviews} 次间隔一天以上的复习",
           "no_fit": "预测记忆概率的拟合：尚无与上次复习间隔一天以上的复习",
           "title": "统计", "per_day": "每日复习次数（最近 14 天）",
           "forecast": "未来 14 天到期", "topics": "主题", "topic": "主题",
           "n_cards": "卡片", "studied": "已学", "reviews": "复习", "retention": "记住率",
           "recall_now": "当前记忆", "weak": "← 薄弱", "calibration": "预测与实际记忆率",
           "predicted": "预测", "mean_predicted": "平均预测", "actual": "实际",
           "day": "%m-%d",
           "true_retention": "真实记住率（复习状态卡片的复习，按 Anki 的算法）",
           "period": "时段", "young": "年轻（<21 天）", "mature": "成熟（≥21 天）",
           "all_cards": "全部",
           "periods": {"today": "今天", "yesterday": "昨天", "week": "最近 7 天",
                       "month": "最近 30 天", "year": "最近 365 天", "all": "全部时间"},
           "states": {"new": "新卡", "learning": "学习中", "review": "复习", "relearning": "重学",
                      "removed": "已移除"}},
}


def _bars(rows: Sequence[tuple[str, int]], title: str, style: str, day: str = "%a %d %b") -> Table:
    """A small horizontal bar chart: one row per day (ISO date), the count at the end."""
    from datetime import date

    top = max((n for _, n in rows), default=0) or 1
    from rich.cells import cell_len

    table = Table(title=title, show_header=False, box=None, expand=False, padding=(0, 1),
                  min_width=cell_len(title))  # an empty chart must not wrap its title
    table.add_column(style="dim")
    table.add_column()
    table.add_column(justify="right")
    for iso, n in rows:
        label = date.fromisoformat(iso).strftime(day)
        table.add_row(label, f"[{style}]{'█' * round(16 * n / top) or ('▏' if n else '')}[/{style}]",
                      str(n))
    return table


class SideBySide:
    """Renderables side by side when the terminal is wide enough for all of them at their
    natural width, else one under the other (squeezed side by side, a chart wraps its dates and
    cuts its bars)."""

    def __init__(self, *parts: RenderableType, gap: int = 4) -> None:
        self.parts, self.gap = parts, gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:

        widths = [Measurement.get(console, options, p).maximum for p in self.parts]
        if sum(widths) + self.gap * (len(self.parts) - 1) <= options.max_width:
            grid = Table.grid(padding=(0, self.gap))
            grid.add_row(*self.parts)
            yield grid
            return
        for i, part in enumerate(self.parts):
            if i:
                yield RichText("")
            yield part


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def stats_view(stats: Stats, lang: str = "en") -> RenderableType:
    """``dlstudy stats``: overview, reviews per day, due forecast, topics, and the scheduler's fit."""
    text = STATS_LABELS["zh" if lang == "zh" else "en"]
    names: dict[str, str] = text["states"]  # type: ignore[assignment]
    states = " · ".join(f"{names.get(name, name)} {n}" for name, n in stats.states.items()
                        if n or name in ("new", "review"))
    params = text["personal"] if stats.personal_parameters else text["defaults"]
    lines = [str(text["summary"]).format(reviews=f"{stats.reviews:,}",
                                         s="" if stats.reviews == 1 else "s",
                                         retention=_pct(stats.retention)),
             str(text["cards"]).format(states=states),
             str(text["scheduler"]).format(version=stats.parameters_version, params=params)]
    fit = stats.fit
    if fit.reviews:
        rmse = "—" if fit.rmse_bins is None else f"{fit.rmse_bins:.3f}"
        lines.append(str(text["fit"]).format(log_loss=f"{fit.log_loss:.3f}", rmse=rmse,
                                             reviews=f"{fit.reviews:,}"))
    else:
        lines.append(str(text["no_fit"]))
    parts: list[RenderableType] = [Panel("\n".join(lines), title=f"[b]{text['title']}[/b]",
                                         title_align="left", border_style="cyan")]
    day = str(text["day"])
    parts.append(SideBySide(_bars(stats.per_day[-14:], str(text["per_day"]), "green", day),
                            _bars(stats.forecast, str(text["forecast"]), "yellow", day)))
    if stats.topics:
        table = Table(title=str(text["topics"]), expand=False)
        table.add_column(str(text["topic"]), style="magenta")
        for key in ("n_cards", "studied", "reviews", "retention", "recall_now"):
            table.add_column(str(text[key]), justify="right")
        for t in stats.topics:
            weak = f" [red]{text['weak']}[/red]" if t.topic in stats.weakest else ""
            table.add_row(escape(t.topic) + weak, str(t.cards), str(t.studied), f"{t.reviews:,}",
                          _pct(t.retention), _pct(t.mean_recall))
        parts.append(table)
    if any(t.total is not None for t in stats.true_retention):
        periods: dict[str, str] = text["periods"]  # type: ignore[assignment]
        table = Table(title=str(text["true_retention"]), expand=False)
        table.add_column(str(text["period"]))
        for key in ("young", "mature", "all_cards"):
            table.add_column(str(text[key]), justify="right")

        def cell(rate: float | None, passed: int, failed: int) -> str:
            return "—" if rate is None else f"{_pct(rate)} ({passed}/{passed + failed})"

        for tr in stats.true_retention:
            table.add_row(periods.get(tr.period, tr.period),
                          cell(tr.young, tr.young_passed, tr.young_failed),
                          cell(tr.mature, tr.mature_passed, tr.mature_failed),
                          cell(tr.total, tr.young_passed + tr.mature_passed,
                               tr.young_failed + tr.mature_failed))
        parts.append(table)
    if stats.calibration:
        table = Table(title=str(text["calibration"]), expand=False)
        table.add_column(str(text["predicted"]), justify="center")
        table.add_column(str(text["reviews"]), justify="right")
        table.add_column(str(text["mean_predicted"]), justify="right")
        table.add_column(str(text["actual"]), justify="right")
        for row in stats.calibration:
            table.add_row(f"{row['from']:.1f}–{row['to']:.1f}", f"{int(row['reviews']):,}",
                          _pct(row["predicted"]), _pct(row["actual"]))
        parts.append(table)
    return Group(*parts)


DERIVATION_LABELS = {
    "en": {"claims": "Claims it checks", "cards": "Cards it proves", "run": "Run it",
           "none": "(no card links it)"},
    "zh": {"claims": "检验的论断", "cards": "它证明的卡片", "run": "运行",
           "none": "（没有卡片链接它）"},
}


def derivation_panel(info: DerivationInfo, cards: Sequence[Card], lang: str) -> Panel:
    """``dlstudy show DERIVATION_ID``: the title, the claims, the cards that link it, the command."""
    labels = DERIVATION_LABELS[lang]

    def rows(items: Iterable[tuple[RichText, RichText]]) -> Table:
        grid = Table.grid(padding=(0, 1))  # a wrapped line stays under its own column
        grid.add_column(no_wrap=True)
        grid.add_column()
        for left, right in items:
            grid.add_row(left, right)
        return grid

    claims = rows((RichText("  •"), Prose(reflow(c.get(lang)))) for c in info.claims)
    linked: RenderableType = rows((RichText(f"  {c.id}", style="cyan"), Prose(c.title.get(lang)))
                                  for c in cards) if cards else \
        RichText(f"  {labels['none']}", style="dim")
    body = Group(RichText(labels["claims"], style="bold"), claims,
                 RichText(labels["cards"], style="bold"), linked,
                 RichText(labels["run"], style="bold"),
                 RichText(f"  dlstudy prove {info.id}", style="green"))
    return Panel(body, title=f"[b]{escape(info.id)}[/b] — {escape(info.title.get(lang))}",
                 title_align="left", border_style="green")
