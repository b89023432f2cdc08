"""Placeholders, snapshots and the hand-typed-number check (dlstudy.bind, dlstudy check)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlstudy import bind
from dlstudy.check import check_library
from dlstudy.library import load_library
from tests.conftest import write


@pytest.mark.parametrize(("value", "fmt", "shown"), [
    (15312.4, "", "1.53·10⁴"), (0.000272, "", "0.000272"), (1e-11, "", "10⁻¹¹"), (3, "", "3"),
    (0.1234, ".1%", "12.3%"), (-2.5e-5, ".2e", "−2.50·10⁻⁵"), ("8×64", "", "8×64"),
    (float("inf"), "", "∞"), (0.5, ".2f", "0.50"), (44140544, ",", "44,140,544"), (3, ".2f", "3.00"),
    (44140544, ".3g", "4.41·10⁷"),
])
def test_values_print_as_a_card_shows_them(value: object, fmt: str, shown: str) -> None:
    assert bind.show(value, fmt) == shown


def test_placeholders_parse_or_say_what_is_wrong() -> None:
    ref = bind.parse("full/rnn_adding_problem.gru_mse_ratio.expected|.2g")
    assert (ref.scale, ref.derivation, ref.row, ref.field, ref.format) == \
        ("full", "rnn_adding_problem", "gru_mse_ratio", "expected", ".2g")
    assert bind.parse(ref.text[2:-2]) == ref
    with pytest.raises(ValueError, match="not of the form"):
        bind.parse("Rnn.row")
    with pytest.raises(ValueError, match="not a format spec"):
        bind.parse("a.b|.2q")


@pytest.mark.parametrize(("text", "loose"), [
    ("ratio 1.3 at 64 blocks, 27 at 512", ["1.3"]),
    ("≈ 139 and 23 % and 1.8e5", ["139", "23 %", "1.8e5"]),
    ("grows to 1.53·10⁴ or 10⁻³", ["1.53·10⁴", "10⁻³"]),
    ("W = 0.9·I", []),  # declared below
    ("`nn.Dropout(0.5)` and {{a.b|.2f}} and 64 units", []),  # code, a placeholder, an integer
])
def test_measured_looking_numbers_are_found(text: str, loose: list[str]) -> None:
    assert bind.loose_numbers(text, constants=["0.9"]) == loose


def _user(tmp_path: Path, answer: str, constants: str = "[]", snapshot: dict | None = None) -> Path:
    folder = tmp_path / "user"
    write(folder, "derivations/user_proof.py", '''
        """A user's derivation."""
        TITLE = {"en": "User proof", "zh": "用户证明"}
        CLAIMS = [{"en": "1 + 1 = 2", "zh": "1 + 1 = 2"}]


        def derive(p):
            pass


        def experiment(p):
            p.close("one plus one", 1 + 1, 2, id="sum")
        ''')
    if snapshot is not None:
        target = folder / "derivations" / "_evidence" / "quick" / "user_proof.json"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(snapshot), encoding="utf-8")
    return write(folder, "questions/user.yaml", f"""
        topic: user
        title: {{en: User, zh: 用户}}
        cards:
          - id: user-card
            title: {{en: A user card, zh: 用户卡片}}
            question: {{en: What is measured?, zh: 测到什么？}}
            answer: {{en: "{answer}", zh: "{answer}"}}
            derivations: [user_proof]
            constants: {constants}
        """)


def _problems(tmp_path: Path, deck: Path) -> list[str]:
    library = load_library([tmp_path / "user"])
    return [f"{p.line}: {p.message}" for p in check_library(library, only=[deck])]


def test_check_flags_a_typed_measurement_with_its_line(tmp_path: Path) -> None:
    deck = _user(tmp_path, "It measured 2.0 exactly.")
    found = _problems(tmp_path, deck)
    assert len(found) == 2 and all(p.startswith("7: ") for p in found)  # en and zh, line 7
    assert "`2.0` looks measured but is typed by hand" in found[0]
    assert _problems(tmp_path, _user(tmp_path, "It measured 2.0 exactly.", '["2.0"]')) == []


def test_check_wants_a_recorded_row_behind_a_placeholder(tmp_path: Path) -> None:
    deck = _user(tmp_path, "It measured {{user_proof.sum}}.")
    assert any("no recorded quick-scale value" in p for p in _problems(tmp_path, deck))
    deck = _user(tmp_path, "It measured {{user_proof.summ}}.")
    assert any("records no row with id `summ` — did you mean `sum`?" in p
               for p in _problems(tmp_path, deck))
    snapshot = {"id": "user_proof", "scale": "quick", "rows": {"sum": {
        "quantity": "one plus one", "measured": 2.0, "expected": 2.0, "relation": "≈",
        "passed": True}}}
    deck = _user(tmp_path, "It measured {{user_proof.sum|.1f}}.", snapshot=snapshot)
    assert _problems(tmp_path, deck) == []
    card = load_library([tmp_path / "user"]).cards["user-card"]
    assert card.answer.get("en") == "It measured 2.0."


@pytest.mark.parametrize(("value", "spec", "shown"), [
    (9.96, ".2g↓", "9.9"), (99.6, ".2g↓", "99"), (9.96, ".1e↓", "9.9·10⁰"),
    (-9.96, ".2g↑", "−9.9"), (0.0996, ".2g↓", "0.099"), (5967, ".2g↓", "5.9·10³"),
    (0.996, ".2f↓", "0.99"), (0.9996, ".1%↓", "99.9%"), (10.04, ".2g↑", "11"),
])
def test_a_directed_bound_keeps_the_digits_asked_for_across_a_power_of_ten(
        value: float, spec: str, shown: str) -> None:
    # 9.96 rounds to "10" at two figures; rounding down must step back by the unit of 9.96's
    # last figure (0.1 → "9.9"), not of 10's (1 → "9", a bound needlessly loose by 10×)
    assert bind.show(value, spec) == shown


def test_a_placeholder_that_does_not_parse_is_shown_as_a_gap_not_as_template_text() -> None:
    # `{{d.row|.2q}}` (a bad format spec) was printed raw in `show` and in the Anki note, while
    # every other broken reference reads ⟨d.row?⟩
    assert bind.fill("at most {{d.row|.2q}} here", lambda ref: 1.0) == "at most ⟨d.row|.2q?⟩ here"
    assert bind.fill("at most {{d.row|.2f}}", lambda ref: 1.0) == "at most 1.00"
