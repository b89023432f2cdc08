"""The review store: the log is the truth, the card states are a cache that replay rebuilds."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dlstudy.scheduler import CardState, Scheduler, SchedulerConfig
from dlstudy.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError
from tests.studykit import Clock, states


def open_store(home: Path, clock: Clock | None = None) -> Store:
    return Store.open(home, clock=(clock or Clock()).us)


def test_new_database_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.integrity() == "ok"


def test_grade_appends_to_the_log_and_updates_the_state(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock) as store:
        scheduler = store.scheduler(SchedulerConfig())
        review, state = store.grade("card-a", 3, scheduler, duration_ms=4200, mode="quiz")
        assert (review.card, review.rating, review.duration_ms, review.mode) == ("card-a", 3, 4200, "quiz")
        assert review.at == clock.us() and review.version == scheduler.version
        assert review.predicted is None  # a new card: nothing was predicted
        assert store.state("card-a") == state
        assert state.last_review == clock.us() and state.due > clock.us()
        assert [r.to_dict() for r in store.reviews()] == [review.to_dict()]


def test_a_review_days_later_logs_the_recall_fsrs_predicted(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock) as store:
        scheduler = store.scheduler(SchedulerConfig())
        store.grade("card-a", 4, scheduler)
        clock.advance(days=9)
        before = store.state("card-a")
        assert before is not None
        review, _ = store.grade("card-a", 3, scheduler)
        assert review.predicted == pytest.approx(scheduler.recall(before.last_review, before.stability,
                                                                  clock.dt()))
        assert 0 < review.predicted < 1


def test_undo_removes_the_grade_and_restores_the_state(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock) as store:
        scheduler = store.scheduler(SchedulerConfig())
        store.grade("card-a", 3, scheduler)
        clock.advance(minutes=12)
        before = store.state("card-a")
        review, _ = store.grade("card-a", 1, scheduler)
        assert store.undo(review.id) == before
        assert store.state("card-a") == before
        assert [r.rating for r in store.reviews()] == [3]
        first = next(store.reviews())
        assert store.undo(first.id) is None  # no grade left: the card is new again
        assert store.state("card-a") is None and store.count() == 0
        assert store.cache_ok()


def test_same_log_gives_the_same_fuzzed_due_dates(tmp_path: Path) -> None:
    scheduler = Scheduler(SchedulerConfig())
    state = CardState(2, None, 30.0, 5.0, 0, 0)
    at = 40 * 86_400_000_000
    dues = {scheduler.review(7, state, 3, at).due for _ in range(5)}
    assert len(dues) == 1  # fuzz is seeded by card and time: replay cannot drift
    others = {scheduler.review(n, state, 3, at).due for n in range(8, 40)}
    assert len(others) > 1  # …and it still spreads cards apart


def random_history(store: Store, clock: Clock, rng: random.Random, grades: int = 300) -> None:
    """Grades over months across a few cards, with undos and a change of desired retention."""
    cards = [f"card-{i}" for i in range(8)]
    scheduler = store.scheduler(SchedulerConfig())
    for n in range(grades):
        if n == grades // 2:
            scheduler = store.scheduler(SchedulerConfig(desired_retention=0.85))
        review, _ = store.grade(rng.choice(cards), rng.choice((1, 2, 3, 3, 3, 4)), scheduler,
                                duration_ms=rng.randrange(1000, 20000))
        if rng.random() < 0.1:
            store.undo(review.id)
        clock.advance(minutes=rng.choice((1, 5, 15, 60 * 20, 60 * 24 * 3, 60 * 24 * 11)))


def test_state_rebuilt_from_the_log_equals_the_live_state(tmp_path: Path) -> None:
    clock = Clock()
    with open_store(tmp_path, clock) as store:
        random_history(store, clock, random.Random(7), grades=200)
        live = states(tmp_path)
        assert len(live) == 8
        assert len({r.version for r in store.reviews()}) == 2
        replayed = store.rebuild()
        assert replayed == store.count()
        assert states(tmp_path) == live


@pytest.mark.parametrize("damage", [
    "DROP TABLE card_state",
    "DELETE FROM card_state",
    "DELETE FROM card_state WHERE card = 1",
    "DROP TABLE card_state; CREATE TABLE card_state (garbage TEXT)",
])
def test_a_missing_or_damaged_cache_is_rebuilt_on_open(tmp_path: Path, damage: str) -> None:
    clock = Clock()
    with open_store(tmp_path, clock) as store:
        random_history(store, clock, random.Random(3), grades=30)
        live = states(tmp_path)
    with sqlite3.connect(tmp_path / "reviews.sqlite3") as conn:
        conn.executescript(damage)
    with open_store(tmp_path, clock) as store:
        assert store.cache_ok()
    assert states(tmp_path) == live


def test_migrations_run_in_order_and_keep_the_log(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.grade("card-a", 3, store.scheduler(SchedulerConfig()))
    later = (*MIGRATIONS, "ALTER TABLE reviews ADD COLUMN note TEXT;")
    with open_store(tmp_path) as store:
        store._migrate(later)
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(later)
        assert store.conn.execute("SELECT rating, note FROM reviews").fetchall() == [(3, None)]


def test_a_database_from_a_newer_dlstudy_is_refused(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "reviews.sqlite3") as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer dlstudy"):
        open_store(tmp_path)


def test_a_parameters_version_is_kept_per_distinct_config(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        a = store.scheduler(SchedulerConfig())
        b = store.scheduler(SchedulerConfig(desired_retention=0.8))
        assert a.version != b.version
        assert store.scheduler(SchedulerConfig()).version == a.version
        assert [v for v, *_ in store.versions()] == [a.version, b.version]


def test_two_connections_never_lose_a_grade_on_the_same_card(tmp_path: Path) -> None:
    """Each grade reads the card's state inside its write transaction, so none is lost."""
    clock = Clock()
    first, second = open_store(tmp_path, clock), open_store(tmp_path, clock)
    scheduler_1 = first.scheduler(SchedulerConfig())
    scheduler_2 = second.scheduler(SchedulerConfig())
    for i in range(10):
        (first if i % 2 else second).grade("shared", 3, scheduler_1 if i % 2 else scheduler_2)
        clock.advance(days=2)
    assert first.count() == second.count() == 10
    live = states(tmp_path)
    first.rebuild()
    assert states(tmp_path) == live
    first.close()
    second.close()


# --- backups, an empty file, a damaged file ----------------------------------------------------

def grade_many(store: Store, n: int) -> None:
    scheduler = store.scheduler(SchedulerConfig())
    for i in range(n):
        store.grade(f"card-{i % 7}", 1 + i % 4, scheduler, 1000, "quiz")


def test_backup_holds_the_grades_still_in_the_wal(tmp_path: Path, isolated_home: Path) -> None:
    from tests.studykit import invoke

    with Store.open(isolated_home) as store:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # every grade stays in -wal
        grade_many(store, 80)
        main_only = tmp_path / "main-only.sqlite3"  # what copying the one file gives
        main_only.write_bytes((isolated_home / "reviews.sqlite3").read_bytes())
        target = tmp_path / "backup.sqlite3"
        result = invoke(["backup", str(target)])  # while the store is open, as in a session
        assert result.exit_code == 0, result.output
        assert "backed up 80 reviews" in result.output and "integrity check: ok" in result.output
        # a -wal left beside the restored file would be replayed onto it: the advice says so
        assert "delete reviews.sqlite3-wal and reviews.sqlite3-shm" in " ".join(
            result.output.split())
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM reviews").fetchone()[0] == 80
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    with sqlite3.connect(main_only) as copy:
        try:
            copied = copy.execute("SELECT count(*) FROM reviews").fetchone()[0]
        except sqlite3.Error:
            copied = 0
    assert copied < 80  # the reason for `dlstudy backup`
    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "reviews.sqlite3").write_bytes(target.read_bytes())
    with Store.open(restored) as store:
        assert store.count() == 80 and store.integrity() == "ok"


def test_backup_refuses_to_overwrite_and_says_what_is_missing(tmp_path: Path, isolated_home: Path) -> None:
    from tests.studykit import invoke

    nothing = invoke(["backup", str(tmp_path / "b.sqlite3")])
    assert nothing.exit_code == 2 and "no review database to back up yet" in " ".join(nothing.output.split())
    with Store.open(isolated_home) as store:
        grade_many(store, 3)
    (tmp_path / "exists.sqlite3").write_text("keep me", encoding="utf-8")
    taken = invoke(["backup", str(tmp_path / "exists.sqlite3")])
    assert taken.exit_code == 2 and "already exists" in " ".join(taken.output.split())
    assert (tmp_path / "exists.sqlite3").read_text(encoding="utf-8") == "keep me"
    nowhere = invoke(["backup", str(tmp_path / "missing" / "b.sqlite3")])
    assert nowhere.exit_code == 2 and "does not exist" in " ".join(nowhere.output.split())


def test_a_zero_length_database_is_kept_aside_and_a_fresh_one_started(
        tmp_path: Path, isolated_home: Path) -> None:
    from tests.studykit import drill_deck, invoke

    (isolated_home / "reviews.sqlite3").write_bytes(b"")
    drill_deck(tmp_path / "decks", n=1)
    import os

    os.environ["DLSTUDY_DECKS"] = str(tmp_path / "decks")
    try:
        result = invoke(["quiz", "--topic", "drill"], "\n3\n")
    finally:
        del os.environ["DLSTUDY_DECKS"]
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "was empty (0 bytes: no review in it); it is kept as reviews.sqlite3.empty-" in out
    kept = list(isolated_home.glob("reviews.sqlite3.empty-*"))
    assert len(kept) == 1 and kept[0].stat().st_size == 0
    with Store.open(isolated_home) as store:
        assert store.count() == 1 and store.set_aside is None


def test_two_stores_opening_a_new_database_at_once_share_it(tmp_path: Path) -> None:
    import threading

    errors: list[BaseException] = []

    def open_and_grade() -> None:
        try:
            with Store.open(tmp_path) as store:
                assert store.set_aside is None
                grade_many(store, 5)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_grade) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert not list(tmp_path.glob("reviews.sqlite3.*"))  # nothing set aside, no temporary left
    with Store.open(tmp_path) as store:
        assert store.count() == 20


def damage(path: Path) -> None:
    """Overwrite the pages after the first two with junk (the header stays readable)."""
    data = bytearray(path.read_bytes())
    for i in range(8192, len(data)):
        data[i] = (i * 7919) % 251
    path.write_bytes(bytes(data))


def test_stats_on_a_damaged_database_is_a_clear_error(isolated_home: Path) -> None:
    from tests.studykit import invoke

    with Store.open(isolated_home) as store:
        grade_many(store, 200)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(isolated_home / "reviews.sqlite3")
    result = invoke(["stats"])  # CliRunner(catch_exceptions=False): a traceback fails the test
    assert result.exit_code in (1, 2), result.output
    out = " ".join(result.output.split())
    assert "review database" in out and "reviews.sqlite3" in out and "dlstudy backup" in out
    assert "Traceback" not in result.output


def _read_only_folder(folder: Path) -> Any:
    """Make ``folder`` unwritable (chmod for a user; root ignores modes, so `chattr +i`);
    returns how to undo it, or skips when neither works here."""
    import os
    import shutil
    import subprocess

    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)],
                                                 capture_output=True).returncode == 0:
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    pytest.skip("cannot make a folder read-only here")


@pytest.mark.parametrize("existing", [True, False])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_read_only_data_folder_is_a_clear_error_not_a_damaged_database(
        isolated_home: Path, existing: bool, lang: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty read-only data folder gave a traceback (OSError: Read-only file system); with a
    database in it, "unable to open database file. If it is damaged, move it aside…" — advice
    to move a good database aside. Both now say the folder is not writable."""
    from tests.studykit import invoke

    monkeypatch.setenv("DLSTUDY_CACHE", str(tmp_path / "cache"))  # the caches can be written
    if existing:
        with Store.open(isolated_home) as store:
            grade_many(store, 3)
        for extra in isolated_home.glob("reviews.sqlite3-*"):
            extra.unlink()
    undo = _read_only_folder(isolated_home)
    try:
        result = invoke(["review", "--lang", lang], "q\n")
    finally:
        undo()
    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    wanted = "its folder is not writable" if lang == "en" else "它所在的文件夹不可写"
    assert wanted in (out if lang == "en" else "".join(out.split())), out
    assert "dlstudy backup" not in out and "Traceback" not in result.output


def test_a_backup_into_a_read_only_folder_blames_the_folder_not_the_database(
        isolated_home: Path, tmp_path: Path) -> None:
    """`dlstudy backup /read-only/b.sqlite3` said "unable to open database file. If it is
    damaged, move it aside…" about the user's good database; the target's folder is named."""
    from tests.studykit import invoke

    with Store.open(isolated_home) as store:
        grade_many(store, 3)
    folder = tmp_path / "backups"
    folder.mkdir()
    undo = _read_only_folder(folder)
    try:
        result = invoke(["backup", str(folder / "b.sqlite3")])
    finally:
        undo()
    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    # without spaces: an 80-column console may fold a long temporary path at any "/"
    said = f"cannot write {folder / 'b.sqlite3'} — the folder {folder} is not writable"
    assert "".join(said.split()) in "".join(out.split()), out
    assert "damaged" not in out and not (folder / "b.sqlite3").exists()


def test_a_backup_onto_a_folder_says_it_is_a_folder(isolated_home: Path, tmp_path: Path) -> None:
    """`dlstudy backup /tmp` said "/tmp already exists; a backup never overwrites a file"."""
    from tests.studykit import invoke

    with Store.open(isolated_home) as store:
        grade_many(store, 1)
    result = invoke(["backup", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "it is a folder; give a file name" in " ".join(result.output.split()), result.output
