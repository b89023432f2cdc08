"""Export: an Anki package that the real ``anki`` library imports, and the review log as CSV."""

from __future__ import annotations

import csv
import json
import time
import zipfile
from pathlib import Path

import msgspec
import pytest

from dlstudy.card import Card, Text
from dlstudy.export import (
    CSV_COLUMNS,
    PlotFile,
    guid,
    media_name,
    note_text,
    notes,
    write_apkg,
    write_reviews_csv,
)
from dlstudy.library import load_library
from dlstudy.scheduler import SchedulerConfig
from dlstudy.store import Store
from tests.conftest import write
from tests.studykit import Clock, invoke, shared_cache


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    shared_cache(tmp_path_factory, monkeypatch)


def one_of_each_kind() -> list[Card]:
    """A recall, a claim, an exercise and a code card of the bundled decks, and a second card
    of the recall card's topic."""
    cards = list(load_library().cards.values())
    chosen = [next(c for c in cards if c.kind == kind)
              for kind in ("recall", "claim", "exercise", "code")]
    chosen.append(next(c for c in cards if c.topic == chosen[0].topic and c not in chosen))
    return chosen


def imported(collection_path: Path, packages: list[Path]):  # type: ignore[no-untyped-def]
    """A fresh Anki collection with ``packages`` imported in turn, as Anki's File → Import does."""
    anki_collection = pytest.importorskip("anki.collection")
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = anki_collection.Collection(str(collection_path))
    for package in packages:
        col.import_anki_package(ImportAnkiPackageRequest(
            package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=False)))
    return col


def test_anki_imports_every_note_into_topic_decks_with_tags(tmp_path: Path) -> None:
    cards = one_of_each_kind()
    apkg = tmp_path / "cards.apkg"
    decks = write_apkg(apkg, notes(cards, ("en", "zh")))
    assert sum(decks.values()) == 2 * len(cards)
    col = imported(tmp_path / "c.anki2", [apkg])
    try:
        assert col.note_count() == 2 * len(cards)
        names = {d.name for d in col.decks.all_names_and_ids()}
        assert {f"dlstudy::{c.topic}" for c in cards} <= names
        for card in cards:
            found = col.find_notes(f'"deck:dlstudy::{card.topic}" CardId:{card.id}')
            assert len(found) == 2, card.id
            for nid in found:
                note = col.get_note(nid)
                assert note.guid == guid(card.id, note["Lang"])
                assert {card.topic, f"level::{card.level}", f"kind::{card.kind}",
                        f"lang::{note['Lang']}"} <= set(note.tags)
                assert "{{" not in note["Front"] + note["Back"]  # placeholders filled
    finally:
        col.close()


def test_note_text_by_kind() -> None:
    claim, exercise, code = (next(c for c in load_library().cards.values() if c.kind == k)
                             for k in ("claim", "exercise", "code"))
    back = note_text(claim, "en").back
    assert ("TRUE" in back) != ("FALSE" in back)
    assert claim.claim is not None and f"{claim.claim.derivation}.{claim.claim.row}" in back
    assert "measured" in back and "<table>" in back
    ex = note_text(exercise, "zh")
    assert ex.front.count("种子") == 3 and ex.back.count("解题过程") == 3
    assert note_text(exercise, "en").back == note_text(exercise, "en").back  # fixed seeds
    assert "<pre>" in note_text(code, "en").back  # the reference solution, as code


def test_text_is_escaped_and_math_kept() -> None:
    text = Text(en="Is a<b & ∂L/∂W = δ·xᵀ?\nyes", zh="对吗？")
    card = Card(id="esc", title=text, question=text, answer=text, topic="t")
    front = note_text(card, "en").front
    assert "a&lt;b &amp; ∂L/∂W = δ·xᵀ?<br>yes" in front


def test_reexport_after_an_edit_updates_the_note_instead_of_adding_one(tmp_path: Path) -> None:
    cards = one_of_each_kind()[:2]
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    write_apkg(first, notes(cards, ("en",)))
    edited = msgspec.structs.replace(cards[0], answer=Text(en="An edited answer.", zh="改过的答案。"))
    write_apkg(second, notes([edited, cards[1]], ("en",)), timestamp=time.time() + 60)
    col = imported(tmp_path / "c.anki2", [first, second])
    try:
        assert col.note_count() == 2
        (nid,) = col.find_notes(f"CardId:{cards[0].id}")
        assert "An edited answer." in col.get_note(nid)["Back"]
    finally:
        col.close()


def test_export_command_writes_a_package_and_refuses_an_unwritable_path(tmp_path: Path) -> None:
    target = tmp_path / "rnn.apkg"
    result = invoke(["export", "anki", str(target), "--topic", "normalization", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0 and "notes" in result.output
    (tmp_path / "file").write_text("x")
    for lang, words in (("en", "cannot write"), ("zh", "无法写入")):
        bad = invoke(["export", "anki", str(tmp_path / "file" / "x.apkg"), "--lang", lang])
        assert bad.exit_code == 2 and words in bad.output, bad.output
        bad = invoke(["export", "reviews", str(tmp_path / "nowhere" / "r.csv")]
                     ) if lang == "en" else invoke(["export", "reviews", str(tmp_path)])
        assert bad.exit_code == 2 and "cannot write" in bad.output
    bad = invoke(["export", "anki", str(target), "--lang", "fr"])
    assert bad.exit_code == 2 and "en, zh or both" in bad.output
    bad = invoke(["export", "anki", str(target), "--topic", "no-such-topic"])
    assert bad.exit_code == 2 and "no-such-topic" in bad.output


def test_reviews_csv_has_the_fsrs_optimizer_columns_and_states(tmp_path: Path,
                                                               isolated_home: Path) -> None:
    clock = Clock()
    with Store.open(isolated_home, clock=clock.us) as store:
        scheduler = store.scheduler(SchedulerConfig())
        for rating, minutes in ((3, 0), (3, 15), (1, 60 * 24 * 3), (3, 10)):
            clock.advance(minutes=minutes)
            store.grade("some-card", rating, scheduler, duration_ms=4200)
        path = tmp_path / "log.csv"
        assert write_reviews_csv(path, store) == 4
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["review_rating"] for r in rows] == ["3", "3", "1", "3"]
    assert [r["review_state"] for r in rows] == ["0", "1", "2", "3"]  # new, learning, review, relearning
    times = [int(r["review_time"]) for r in rows]
    assert times[1] - times[0] == 15 * 60 * 1000  # milliseconds
    assert {r["review_duration"] for r in rows} == {"4200"} and rows[0]["card"] == "some-card"
    result = invoke(["export", "reviews", str(tmp_path / "cli.csv")])
    assert result.exit_code == 0 and "4 reviews" in " ".join(result.output.split())


def test_a_failed_write_leaves_neither_half_a_file_nor_a_temporary_one(tmp_path: Path) -> None:
    from dlstudy.export import ExportError, _replace

    target = tmp_path / "cards.apkg"
    target.write_bytes(b"the previous export")

    def full_disk(tmp: str) -> None:
        Path(tmp).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left on device"):
        _replace(target, full_disk)
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["cards.apkg"]


# -- plots as media ---------------------------------------------------------------------------

PLOTTED_DECK = """
topic: plotted
title: {en: Plotted, zh: 有图}
cards:
  - id: plotted-squares
    title: {en: Squares, zh: 平方}
    question: {en: How does x² grow?, zh: x² 怎样增长？}
    answer: {en: Quadratically., zh: 二次增长。}
    derivations: [user_squares]
  - id: plotted-broken
    title: {en: Broken, zh: 坏了}
    question: {en: Does it hold?, zh: 成立吗？}
    answer: {en: No., zh: 不成立。}
    derivations: [user_broken]
  - id: plotted-none
    title: {en: No proof, zh: 无证明}
    question: {en: Plain?, zh: 普通？}
    answer: {en: Yes., zh: 是。}
"""

SQUARES = '''
"""x² against x, with a plot."""
TITLE = {"en": "Squares", "zh": "平方"}
CLAIMS = [{"en": "3² = 9", "zh": "3² = 9"}]


def derive(p):
    pass


def experiment(p):
    xs = [0.0, 1.0, 2.0, 3.0]
    p.close("3²", 3.0 ** 2, 9.0, id="nine")
    p.plot("x² against x (∂y/∂x = 2x)", {"x²": (xs, [x * x for x in xs])}, xlabel="x", ylabel="y")
    p.plot("2x against x", {"2x": (xs, [2 * x for x in xs])}, xlabel="x", ylabel="dy/dx")
'''

BROKEN = '''
"""A claim that fails, with a plot."""
TITLE = {"en": "Broken", "zh": "坏了"}
CLAIMS = [{"en": "1 = 2", "zh": "1 = 2"}]


def derive(p):
    pass


def experiment(p):
    p.close("one", 1.0, 2.0, id="one")
    p.plot("a line", {"y": ([0.0, 1.0], [0.0, 1.0])})
'''


@pytest.fixture
def plotted_deck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user deck whose cards link a derivation with two plots, a failing one, and none; and
    an empty cache (library and proofs)."""
    folder = tmp_path / "mine"
    write(folder, "questions/plotted.yaml", PLOTTED_DECK)
    write(folder, "derivations/user_squares.py", SQUARES)
    write(folder, "derivations/user_broken.py", BROKEN)
    monkeypatch.setenv("DLSTUDY_DECKS", str(folder))
    monkeypatch.setenv("DLSTUDY_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def media_in(apkg: Path) -> dict[str, bytes]:
    """The media files of a package by name (genanki stores them as 0, 1, … with a map)."""
    with zipfile.ZipFile(apkg) as z:
        names = json.loads(z.read("media"))
        return {name: z.read(number) for number, name in names.items()}


def test_plots_travel_as_media_that_anki_imports_and_reexport_reuses(
        tmp_path: Path, plotted_deck: Path) -> None:
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    result = invoke(["export", "anki", str(first), "--topic", "plotted", "--lang", "both"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "running 2 of 2 derivations" in out and "2 plots as media" in out
    assert "plots of user_broken are left out" in out  # its claim fails: no plot of it
    media = media_in(first)
    squares = [media_name("user_squares", n) for n in (1, 2)]
    assert sorted(media) == squares == ["dlstudy-user_squares-1.png", "dlstudy-user_squares-2.png"]
    assert all(data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
               for data in media.values())

    result = invoke(["export", "anki", str(second), "--topic", "plotted", "--lang", "both"])
    assert result.exit_code == 0 and "running" not in result.output  # the proof cache's results
    assert media_in(second) == media  # the same names and the same bytes

    col = imported(tmp_path / "c.anki2", [first, second])
    try:
        assert col.note_count() == 6
        assert sorted(Path(col.media.dir()).iterdir()) == [Path(col.media.dir()) / n for n in squares]
        assert all(col.media.have(n) for n in squares)
        for lang in ("en", "zh"):
            (nid,) = col.find_notes(f"CardId:plotted-squares Lang:{lang}")
            back = col.get_note(nid)["Back"]
            assert [f'<img class="plot" src="{n}"' in back for n in squares] == [True, True]
            assert "∂y/∂x = 2x" in back  # the title, as the image's alt text
        for card in ("plotted-broken", "plotted-none"):
            assert all("<img" not in col.get_note(nid)["Back"]
                       for nid in col.find_notes(f"CardId:{card}"))
        check = col.media.check()
        assert not check.missing and not check.unused  # every reference resolves, none is spare
    finally:
        col.close()


def test_no_plots_leaves_them_out_and_runs_nothing(tmp_path: Path, plotted_deck: Path) -> None:
    apkg = tmp_path / "np.apkg"
    result = invoke(["export", "anki", str(apkg), "--topic", "plotted", "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "running" not in result.output and "media" not in result.output
    assert media_in(apkg) == {}
    assert not (plotted_deck / "proofs").exists() or not any((plotted_deck / "proofs").iterdir())
    col = imported(tmp_path / "c.anki2", [apkg])
    try:
        assert col.note_count() == 3
        assert not any("<img" in col.get_note(nid)["Back"] for nid in col.find_notes("deck:*"))
        assert not list(Path(col.media.dir()).iterdir())
    finally:
        col.close()


def test_a_card_shows_only_its_own_derivations_plots_escaped() -> None:
    text = Text(en="Q", zh="问")
    card = Card(id="c", title=text, question=text, answer=text, topic="t",
                derivations=["a", "b"])
    plots = {"a": [PlotFile(media_name("a", 1), 'x<y & "z"', Path("unused"))],
             "other": [PlotFile(media_name("other", 1), "o", Path("unused"))]}
    back = note_text(card, "en", plots=plots).back
    assert '<img class="plot" src="dlstudy-a-1.png" alt="x&lt;y &amp; &quot;z&quot;">' in back
    assert "dlstudy-other-1.png" not in back and "Plots (quick run of a)" in back
    assert "<img" not in note_text(card, "zh").back  # no plots given: none shown


def test_a_link_is_kept_and_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    """`export reviews log.csv` through a symbolic link updates the file it names; into a pipe
    or a device (`/dev/stdout`) it streams the CSV and leaves the path alone (it once renamed a
    regular file over them, which as root replaced /dev/stdout itself)."""
    import os
    import threading

    real = tmp_path / "synced" / "log.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "log.csv"
    link.symlink_to(real)
    assert invoke(["export", "reviews", str(link)]).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("card_id,review_time")

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = invoke(["export", "reviews", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert got and got[0].startswith(b"card_id,review_time")
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "pipe",
                                                                             "synced"]


def test_export_anki_to_a_folder_is_refused_not_renamed(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`export anki ~/Desktop` wrote ~/Desktop.apkg beside the folder, `export anki ..` a file
    named `...apkg`, and `export anki .` died with a ValueError traceback; a folder is refused
    (exit 2) and nothing is written. A bare name still gets `.apkg`."""
    folder = tmp_path / "Desktop"
    (folder / "sub").mkdir(parents=True)
    monkeypatch.chdir(folder / "sub")
    for given in (str(folder), ".", ".."):
        result = invoke(["export", "anki", given, "--topic", "attention", "--no-plots",
                         "--lang", "en"])
        assert result.exit_code == 2, result.output
        assert "it is a folder; give a file name" in " ".join(result.output.split())
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["Desktop", "sub"]
    result = invoke(["export", "anki", "cards", "--topic", "attention", "--no-plots",
                     "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (folder / "sub" / "cards.apkg").is_file()
    words = " ".join(result.output.split())
    assert " notes in 1 deck (en)" in words and "(s)" not in words
