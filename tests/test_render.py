"""Proof output at any terminal width: numbers are never cut, wide math falls back to one line,
and the headings follow --lang."""

from __future__ import annotations

import os
import re

import pytest
from rich.console import Console, RenderableType

from dlstudy.evidence import Evidence, Result, Step
from dlstudy.render import _fmt, evidence_table, result_view, summary_table

ROWS = [
    Evidence("autograd softmax Jacobian vs diag(p) − ppᵀ (max |Δ|)", 6.938893903907228e-18, 0.0,
             "≤ 1e-15 + 1e-10·|expected|", True),
    Evidence("d_k = 1024: Var(q·k) vs d_k (±5 SE)", 989.6261, 1024, "≈ (rtol 0, atol 150.275)", True),
    Evidence("parameters of the network", 123_456_789, 123_456_789, "=", True),
    Evidence("unscaled: ‖J‖ falls at every step from d_k = 16 on", "0.285 > 0.206 > 0.129 > 0.063",
             "True", "holds", False),
    Evidence("a tiny gradient", -1.2345678e-300, 1e-5, "<", False),
]

# sympy.pretty of a sum too wide for a narrow terminal, and its one-line form
WIDE_MATH = ("   2   2                                                        2   2\n"
             "k₁ ⋅q₁  + 2⋅k₁⋅k₂⋅q₁⋅q₂ + 2⋅k₁⋅k₃⋅q₁⋅q₃ + 2⋅k₁⋅k₄⋅q₁⋅q₄ + ... + k₄ ⋅q₄ ")
WIDE_LINE = "k1**2*q1**2 + 2*k1*k2*q1*q2 + 2*k1*k3*q1*q3 + 2*k1*k4*q1*q4 + k4**2*q4**2"


def _text(renderable: RenderableType, width: int) -> str:
    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_evidence_numbers_are_never_cut(width: int) -> None:
    text = _text(evidence_table(ROWS), width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    for row in ROWS:
        for value in (row.measured, row.expected):
            if not isinstance(value, str):
                assert re.search(rf"(?<![\w.+-]){re.escape(_fmt(value))}(?![\w.])", text), (value, text)


def test_numbers_are_compact() -> None:
    assert (_fmt(1e-05), _fmt(6.938893903907228e-18), _fmt(1.5e300), _fmt(123_456_789)) == \
        ("1e-5", "6.93889e-18", "1.5e+300", "123_456_789")


def _result(lang_title: str = "Attention") -> Result:
    return Result("attn_scaling_variance", lang_title, "pass", "cpu", "quick", 1.25,
                  steps=[Step("(q·k)² for d_k = 4", WIDE_MATH, WIDE_LINE),
                         Step("E[q·k] = 0  ✓", "0 = 0", "0 = 0")],
                  evidence=ROWS[:2], cached=True)


def test_wide_math_falls_back_to_its_one_line_form() -> None:
    wide = _text(result_view(_result(), plots=False), 120)
    assert "k₁ ⋅q₁  + 2⋅k₁⋅k₂" in wide and "k1**2" not in wide  # fits: the pretty form
    narrow = _text(result_view(_result(), plots=False), 60)
    assert "k₁ ⋅q₁" not in narrow  # does not fit: one line, folded at the panel's edge
    folded = "".join(line.strip("│ ") for line in narrow.splitlines())
    assert WIDE_LINE.replace(" ", "") in folded.replace(" ", "")
    assert all(len(line) <= 60 for line in narrow.splitlines())


def test_proof_records_a_one_line_form_of_each_expression() -> None:
    sympy = pytest.importorskip("sympy")
    from dlstudy.proof import Proof

    q, k = sympy.symbols("q k")
    proof = Proof()
    proof.step("a matrix", sympy.Matrix([[q, k], [k, q]]))
    proof.identity("(q + k)² expands", (q + k) ** 2, q**2 + 2 * q * k + k**2)
    assert proof.steps[0].line == "Matrix([[q, k], [k, q]])"
    assert proof.steps[1].line == "(k + q)**2 = k**2 + 2*k*q + q**2"
    assert "\n" in proof.steps[1].math


def test_headings_and_verdicts_in_chinese() -> None:
    zh = _text(result_view(_result("注意力"), plots=False, lang="zh"), 120)
    for word in ("量", "测得值", "关系", "预期值", "通过", "设备 cpu", "规模 quick", "秒", "缓存结果"):
        assert word in zh
    assert "quantity" not in zh and "PASS" not in zh
    table = _text(summary_table([_result()], "zh"), 80)
    assert "1/1 个推导成立" in table and "结论" in table and "通过" in table
    assert "1/1 derivations hold" in _text(summary_table([_result()]), 80)


def test_control_characters_from_a_derivation_are_written_out() -> None:
    result = Result("x", "t\x1b]0;title\x07", "error", "cpu", "quick", 0.1,
                    steps=[Step("step \x1b[2J", "\x1b[31m", "")],
                    evidence=[Evidence("row \x9b2J", "\x1b[5m", 0, "=", False)],
                    error="Traceback \x1b]52;c;aGk=\x07")
    text = _text(result_view(result, plots=False), 120)
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "\\x1b[2J" in text


def test_reflow_joins_a_wrapped_line_that_starts_with_a_number() -> None:
    """A hard-wrapped answer line that begins with a measured value ("0.666 of …", "0), while",
    "-1.5 …") continues the sentence; "1. item", "2) item" and "- item" still start a new line."""
    from dlstudy.render import reflow

    text = ("copies every token back (max error\n0), while any code loses\n0.666 of the variance;"
            "\nthe step is\n-1.5e-3 here.")
    assert reflow(text) == ("copies every token back (max error 0), while any code loses 0.666 of "
                            "the variance; the step is -1.5e-3 here.")
    assert reflow("Two steps:\n1. forward\n2) backward\n- done") == \
        "Two steps:\n1. forward\n2) backward\n- done"
    assert reflow("first\n1. second\n• third") == "first\n1. second\n• third"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_answer_footer_lines_keep_their_indent_on_a_narrow_terminal(lang: str) -> None:
    """A derivation title, a claim's rule or a source too long for 60 columns wrapped back to
    column 0 ("  attn2_seq2seq  Seq2seq attention removes the\\nbottleneck …"); each continuation
    now stays under the text it continues."""
    from dlstudy.library import load_library
    from dlstudy.render import answer_panel

    library = load_library()
    console = Console(width=60, color_system=None, record=True)
    for card_id in ("attn2-claim-bottleneck", "attn2-exercise-additive-params"):
        card = library.cards[card_id]
        console.print(answer_panel(card, library.derivations, lang))
    text = console.export_text()
    footer = text[text.index("Proved by" if lang == "en" else "证明\n"):]
    lines = [line for line in footer.splitlines() if line.strip()]
    headings = {"Proved by", "Sources", "Decided by the evidence row", "证明", "出处",
                "由以下证据行判定"}
    assert any(line.startswith("       ") for line in lines)  # a wrapped title or source
    for line in lines:
        if line.startswith(("╭", "│", "╰")) or line.strip() in headings:
            continue
        assert line.startswith("  "), line


def test_stats_charts_stack_on_a_narrow_terminal_and_sit_side_by_side_on_a_wide_one() -> None:
    """At 60 columns the two 14-day charts of `stats`, squeezed side by side, wrapped each date
    ("Tue 17" / "Nov") and cut the bars ("████…"); they now go one under the other there."""
    from datetime import date, timedelta

    from dlstudy.render import SideBySide, _bars

    days = [((date(2026, 11, 17) + timedelta(days=i)).isoformat(), i % 5 * 3) for i in range(14)]
    charts = SideBySide(_bars(days, "Reviews per day (last 14 days)", "green"),
                        _bars(days, "Due in the next 14 days", "yellow"))
    for width, side_by_side in ((60, False), (100, True)):
        console = Console(width=width, color_system=None, record=True)
        console.print(charts)
        lines = console.export_text().splitlines()
        assert ("Reviews per day" in lines[0] and "Due in the next" in lines[0]) == side_by_side
        assert all("…" not in line for line in lines), lines
        dated = [line for line in lines if re.search(r"\d\d (Nov|Dec)", line)]
        assert len(dated) == (14 if side_by_side else 28), lines


def test_chinese_card_text_wraps_between_ideographs_and_keeps_punctuation_off_line_starts() -> None:
    # rich breaks only at spaces: "W 的梯度…（BPTT）。" went whole to the next line and left the
    # line above a third empty; Chinese may break between any two ideographs
    from rich.cells import cell_len
    from rich.text import Text as RichText

    from dlstudy.render import Prose

    text = ("按 T 步展开就是一个 T 层网络，各层共享 W、U、b，所以同一个模块可以处理任意长度的序列而参数"
            "不变。由于权重共享，W 的梯度是每个时间步贡献之和（BPTT）。MLP 需要固定长度的输入。")
    console = Console(width=30, color_system=None)
    lines = [line.plain.rstrip() for line in Prose(text).wrap(console, 30)]
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(line) >= 27 for line in lines[:-1]), lines
    assert not any(line[:1] in "，。、）；" for line in lines), lines
    assert all(cell_len(line) <= 30 for line in lines)
    english = "Exactly what one linear layer computes, because a product of matrices is a matrix. " * 3
    assert [str(line) for line in Prose(english).wrap(console, 30)] == [
        str(line) for line in RichText(english).wrap(console, 30)]


def test_a_derivation_stopped_by_its_time_limit_says_so_in_chinese() -> None:
    result = Result("d", "D", "error", "cpu", "quick", 2.0, error="stopped after 2 s (--timeout)")
    console = Console(width=80, record=True, color_system=None)
    console.print(result_view(result, lang="zh"))
    shown = console.export_text()
    assert "运行 2 秒后被停止（--timeout）" in shown and "stopped after" not in shown


def test_a_chinese_claim_in_a_table_cell_is_not_cropped() -> None:
    # `show rnn_gradient_flow --lang zh` printed "…0.9 的非正规 …": the line ended in "W " (73
    # cells in 72) and rich's rstrip_end counts characters, not cells, so the W became "…"
    from pathlib import Path

    from dlstudy.card import Text
    from dlstudy.derivation import DerivationInfo
    from dlstudy.render import derivation_panel

    claim = ("增长需要 σ_max(W) > 1，而不是谱半径大于 1：所有特征值都为 0.9 的非正规 W 也让 "
             "‖∂h_40/∂h_0‖ 增长；元素都小于 1 也挡不住。")
    info = DerivationInfo("d", Path("d.py"), Text(en="D", zh="推导"), (Text(en="c", zh=claim),))
    console = Console(width=80, record=True, color_system=None)
    console.print(derivation_panel(info, [], "zh"))
    shown = "".join(line.strip("│ ") for line in console.export_text().splitlines())
    assert "…" not in shown and "非正规 W" in shown.replace("\n", "")


def test_a_chinese_derivation_title_under_proved_by_is_not_cropped() -> None:
    # "rnn_adding_problem   T = 30 与 120 的加法问题：tanh RNN 停在随机水平附近，LST…" at 80
    # columns (12 cards at 60): the title column was cut with "…" instead of wrapping
    from dlstudy.library import load_library
    from dlstudy.render import answer_panel

    library = load_library()
    for card_id in ("rnn-long-range-task", "grad-remedies", "rnn-gru-vs-lstm",
                    "tf-learned-positions-extrapolation"):
        card = library.cards[card_id]
        for width in (80, 60):
            console = Console(width=width, record=True, color_system=None)
            console.print(answer_panel(card, library.derivations, "zh"))
            written = "".join(t.get("zh") for t in (card.answer, card.correction) if t) + "".join(
                library.derivations[d].title.get("zh") for d in card.derivations)
            shown = console.export_text()
            assert shown.count("…") == written.count("…"), (card_id, width, shown)


def test_printed_chinese_messages_wrap_between_ideographs() -> None:
    # "…请输入写有你的函数的文件路径后按回车" came out as "这里没有编辑器（未设置 \n$EDITOR，…"
    # (rich breaks a printed string only at spaces); the CLI's consoles wrap Chinese like cards
    import io

    from dlstudy.prose import ProseConsole

    out = io.StringIO()
    console = ProseConsole(file=out, width=40, color_system=None)
    console.print("这里没有编辑器（未设置 $EDITOR，或不是终端）：请输入写有你的函数的文件路径后按回车",
                  highlight=False)
    lines = out.getvalue().splitlines()
    from rich.cells import cell_len
    assert cell_len(lines[0]) >= 38, lines
    console.print("an English message is wrapped as rich wraps it, at spaces only " * 2)
