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


# --- bundled cards state a misconception themselves, never through a source the reader lacks ---

UNSEEN = GOOD_CARD + """    correction:
      en: A widely copied note says BN's statistics have shape [1, L, F]; another note says so too.
      zh: 一份流传很广的笔记说 BN 的统计量形状是 [1, L, F]。
"""
STATED = GOOD_CARD.replace("user-card", "stated-card") + """    correction:
      en: It is often said that BN's statistics have shape [1, L, F]; a common mistake is to agree.
      zh: 常有人说 BN 的统计量形状是 [1, L, F]；常见的错误是照此实现。
"""


def test_a_bundled_card_that_cites_an_unseen_note_is_flagged_in_en_and_zh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dlstudy import paths
    from dlstudy.check import check_library
    from dlstudy.library import load_library

    deck = write(tmp_path, "questions/user.yaml", HEADER + UNSEEN + STATED)
    write(tmp_path, "derivations/user_proof.py", GOOD_DERIVATION)
    assert check(tmp_path) == (0, [])  # a user's own deck may quote the user's own notes
    monkeypatch.setattr(paths, "bundled_questions", lambda: tmp_path / "questions")
    problems = check_library(load_library([tmp_path]), only=[tmp_path])
    fix = ("attributes a claim to a source the reader cannot see; state the claim itself (\"It is "
           "often said that …\", \"A common mistake is …\") and cite the paper or docs that settle it")
    assert [str(p) for p in problems] == [
        f"{deck}:10: card `user-card` correction.en: `A widely copied note`, `another note` {fix}",
        f"{deck}:11: card `user-card` correction.zh: `流传`, `笔记` {fix}",
    ]
    assert problems[1].shown("zh") == (
        f"{deck}:11: 卡片 `user-card` 的 correction.zh：`流传`, `笔记` 把说法归于读者看不到的来源；"
        "请直接陈述这个说法（如“常有人说……”“常见的错误是……”），并引用能定论的论文或文档")


@pytest.mark.parametrize("text", [
    "A widely copied write-up gives the model as σ(w·x).", "A widely circulated derivation drops it.",
    "A widely repeated claim says so.", "A note says the gates are related.",
    "Another note says ReLU avoids it.", "The same note says blocks stack forever.",
    "A common summary says MLPs imitate any function.", "Many tutorials copy it unpadded.",
    "Some blog posts say otherwise.", "As many answers online put it, …", "on the internet",
    "一种流传很广的说法是……", "广为流传的写法", "一份笔记说", "网上的说法是", "有些资料把它叫作准确率",
    "许多教程照抄", "同一来源后文又说",
])
def test_unseen_source_phrasings_are_caught(text: str) -> None:
    from dlstudy.check import unseen_sources

    assert unseen_sources(text), text


@pytest.mark.parametrize("text", [
    "It is often said that the LSTM solves vanishing gradients.", "A common mistake is to write it.",
    "The online softmax keeps a running max.", "Chung et al. and colah's blog write h′ = …",
    "Note that the gradient is summed.", "准确率 is widely used for accuracy.",
    "Where do they differ from other write-ups?", "常有人说 GRU 的参数少三分之一。", "常见的笔误是写成 =。",
    "读资料时先确认哪个词指哪个比例。", "see the CS231n notes", "an online convex problem",
])
def test_plain_statements_are_not_caught(text: str) -> None:
    from dlstudy.check import unseen_sources

    assert unseen_sources(text) == [], text


def test_bundled_derivation_claims_cite_no_unseen_source() -> None:
    """``show DERIVATION`` and ``prove`` print a derivation's claims: the same rule as for cards."""
    from dlstudy.check import unseen_sources
    from dlstudy.library import load_library

    found = [(info.id, lang, unseen_sources(claim.raw(lang)))
             for info in load_library().derivations.values() for claim in info.claims
             for lang in ("en", "zh") if unseen_sources(claim.raw(lang))]
    assert found == []


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
