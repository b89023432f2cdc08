"""The review store: one SQLite file in the data dir.

* ``reviews`` is the log — card, rating, time, duration, the parameters version it was
  scheduled with, and the recall FSRS predicted just before. It is only ever appended to
  (``undo`` takes back a session's own latest grade, and nothing else deletes). It is the
  source of truth.
* ``card_state`` is a cache of what replaying the log gives; ``rebuild`` replays it, and
  opening the store does so by itself when the cache is missing, behind the log, or unreadable.
* Each grade is one ``BEGIN IMMEDIATE`` transaction that appends the review and updates the
  cache, committed with ``synchronous=FULL`` in WAL mode before the caller shows anything
  else: a process killed at any moment leaves every acknowledged grade on disk and a
  database that passes ``PRAGMA integrity_check``. Two processes wait for each other's
  write lock (``busy_timeout``) instead of failing or losing a write.
* The schema is versioned with ``PRAGMA user_version``; ``MIGRATIONS[n]`` takes a database
  from version n to n + 1.

Cards are keyed by their stable deck id (``cards.id``); the integer ``cards.number`` is the
id FSRS and its optimizer know the card by. A card gone from the decks keeps its rows.

A new database is built under a temporary name and linked into place, so no process ever
sees a half-made (zero-length) one; a zero-length file found in its place (truncated by a
sync tool, made by ``touch``) is kept aside as ``reviews.sqlite3.empty-<time>`` rather than
silently reused (``set_aside`` says where). :func:`backup_database` copies a database with
SQLite's online backup, the newest grades in the ``-wal`` file included.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dlstudy.scheduler import CardState, Scheduler, SchedulerConfig, to_us, utcnow

DAY_US = 86_400_000_000  # a day in microseconds

DB_FILE = "reviews.sqlite3"
BUSY_TIMEOUT_S = 30.0

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema.
    """
    CREATE TABLE cards (
        number INTEGER PRIMARY KEY,          -- the id FSRS knows the card by
        id     TEXT NOT NULL UNIQUE          -- the card's stable id in the decks
    );
    CREATE TABLE schedulers (                -- one row per parameters version
        version INTEGER PRIMARY KEY,
        config  TEXT NOT NULL UNIQUE,        -- SchedulerConfig as canonical JSON
        created INTEGER NOT NULL,            -- epoch microseconds, UTC
        origin  TEXT NOT NULL                -- 'default', 'settings' or 'optimizer'
    );
    CREATE TABLE reviews (                   -- the log: append-only, the source of truth
        id          INTEGER PRIMARY KEY,     -- append order; replay follows it
        card        INTEGER NOT NULL REFERENCES cards(number),
        rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        at          INTEGER NOT NULL,        -- epoch microseconds, UTC
        duration_ms INTEGER,                 -- time from question shown to grade
        version     INTEGER NOT NULL REFERENCES schedulers(version),
        predicted   REAL,                    -- FSRS's recall probability just before
        mode        TEXT NOT NULL            -- 'review' or 'quiz'
    );
    -- Covering indexes for what reads the log: a card's history and per-card counts; the
    -- reviews of a day; the scored predictions (stats' fit and calibration, without a sort).
    CREATE INDEX reviews_by_card ON reviews(card, rating);
    CREATE INDEX reviews_by_time ON reviews(at);
    CREATE INDEX reviews_scored ON reviews(predicted, rating) WHERE predicted IS NOT NULL;
    CREATE TABLE card_state (                -- a cache: what replaying the log gives
        card           INTEGER PRIMARY KEY REFERENCES cards(number),
        state          INTEGER NOT NULL,
        step           INTEGER,
        stability      REAL,
        difficulty     REAL,
        due            INTEGER NOT NULL,
        last_review    INTEGER,
        first_review   INTEGER NOT NULL,
        last_review_id INTEGER NOT NULL
    );
    CREATE INDEX card_state_by_due ON card_state(due);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 1 -> 2: auto-graded cards (exercises, claims) record how the grade came about.
    """
    ALTER TABLE reviews ADD COLUMN seed INTEGER;         -- an exercise's draw, to replay it
    ALTER TABLE reviews ADD COLUMN auto_rating INTEGER;  -- the grade dlstudy worked out (NULL: self-graded)
    ALTER TABLE reviews ADD COLUMN answer TEXT;          -- what the user typed for an exercise or claim
    """,
    # 2 -> 3: answers given with `quiz --no-schedule`, kept apart from the log FSRS replays.
    """
    CREATE TABLE cram (                      -- kept (nothing answered is lost), never scheduled
        id          INTEGER PRIMARY KEY,
        card        INTEGER NOT NULL REFERENCES cards(number),
        rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        at          INTEGER NOT NULL,        -- epoch microseconds, UTC
        duration_ms INTEGER,
        predicted   REAL,                    -- FSRS's recall probability then (state untouched)
        seed        INTEGER,
        auto_rating INTEGER,
        answer      TEXT
    );
    CREATE INDEX cram_by_card ON cram(card);
    """,
    # 3 -> 4: coding cards log how the user's code fared (their code is the `answer`).
    """
    ALTER TABLE reviews ADD COLUMN outcome TEXT;         -- a code card's graded outcome, as JSON
    """,
    # 4 -> 5: what the user decided about a card (Anki's suspend, bury, flag) and leeches.
    """
    CREATE TABLE card_marks (                -- the user's, not a cache: never rebuilt from the log
        card         INTEGER PRIMARY KEY REFERENCES cards(number),
        suspended    TEXT CHECK (suspended IN ('user', 'leech')),  -- NULL: not suspended
        buried_until INTEGER,                -- epoch µs; skipped by review and quiz until then
        flag         INTEGER NOT NULL DEFAULT 0 CHECK (flag BETWEEN 0 AND 7),
        leech        INTEGER                 -- when it became a leech (epoch µs), NULL if not
    );
    """,
    # 5 -> 6: what the metrics of `stats` need of each review, written when it is logged (older
    # rows are filled by `backfill_before`): Anki's true retention counts reviews of cards in
    # review state, young (interval < 21 days) or mature; the FSRS benchmark's RMSE (bins)
    # groups scored reviews by days since the previous review, review number and lapses.
    """
    ALTER TABLE reviews ADD COLUMN state_before INTEGER;  -- 0 new, 1 learning, 2 review, 3 relearning
    ALTER TABLE reviews ADD COLUMN interval_before REAL;  -- days from the previous review to the due date then
    ALTER TABLE reviews ADD COLUMN elapsed_days INTEGER;  -- whole days since the card's previous review
    ALTER TABLE reviews ADD COLUMN review_no INTEGER;     -- 1 for a card's first review, 2 …
    ALTER TABLE reviews ADD COLUMN lapses_before INTEGER; -- Again on reviews a day or more apart, before
    CREATE INDEX reviews_binned ON reviews(elapsed_days, review_no, lapses_before, predicted, rating)
        WHERE predicted IS NOT NULL;
    CREATE INDEX reviews_in_review ON reviews(at, rating, interval_before) WHERE state_before = 2;
    INSERT OR REPLACE INTO meta (key, value) SELECT 'before_filled', '1' WHERE NOT EXISTS (SELECT 1 FROM reviews);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
CARD_STATE_TABLE = MIGRATIONS[0][MIGRATIONS[0].index("CREATE TABLE card_state"):
                                 MIGRATIONS[0].index("CREATE TABLE meta")]


class StoreError(RuntimeError):
    """The database cannot be used (made by a newer dlstudy, or damaged beyond the cache)."""


class BackupError(ValueError):
    """A backup that cannot be made as asked (no database yet, the target exists…)."""


def _set_aside_if_empty(path: Path) -> Path | None:
    """Move a zero-length database file out of the way (kept, renamed); where it went, or None.

    A zero-length file with a non-empty ``-wal`` is left alone: SQLite recovers from the WAL."""
    try:
        if path.stat().st_size != 0:
            return None
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return None
    except FileNotFoundError:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.empty-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.empty-{stamp}-{number}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:  # another process moved it first
        return None
    return aside


def _create(path: Path) -> None:
    """Make a new, non-empty WAL database at ``path`` unless one is already there: built under a
    temporary name and linked into place, so nobody opens it while it is zero bytes long."""
    temporary = path.with_name(f"{path.name}.new-{os.getpid()}-{threading.get_ident()}")
    try:
        conn = sqlite3.connect(temporary, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # writes the header: the file is not empty
        finally:
            conn.close()
        try:
            os.link(temporary, path)  # atomic, and never replaces a database another process made
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: a rename, unless one appeared
            if not path.exists():
                os.replace(temporary, path)
    finally:
        for leftover in (temporary, temporary.with_name(temporary.name + "-wal"),
                         temporary.with_name(temporary.name + "-shm")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass


def backup_database(source: Path, target: Path, timeout: float = BUSY_TIMEOUT_S) -> int:
    """Copy the database ``source`` to the new file ``target`` with SQLite's online backup API
    (consistent even while sessions write to it; the grades still in ``-wal`` included), check
    the copy's integrity, and return the number of reviews in it."""
    if not source.exists() or source.stat().st_size == 0:
        raise BackupError(f"there is no review database to back up yet: {source} "
                          f"{'is empty' if source.exists() else 'does not exist'}")
    if target.is_dir():
        raise BackupError(f"cannot write {target} — it is a folder; give a file name")
    if target.exists():
        raise BackupError(f"{target} already exists; a backup never overwrites a file: give a new name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        src = sqlite3.connect(source, timeout=timeout)
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # the copy is one self-contained file
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy of {source} fails SQLite's integrity check ({check}); "
                                  "the database itself is damaged")
            has_log = dst.execute("SELECT 1 FROM sqlite_master WHERE name = 'reviews'").fetchone()
            reviews = int(dst.execute("SELECT count(*) FROM reviews").fetchone()[0]) if has_log else 0
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return reviews


@dataclass(frozen=True)
class Review:
    """One entry of the log.

    Attributes:
        id: position in the log.
        card: the card's stable id.
        rating: 1 Again, 2 Hard, 3 Good, 4 Easy.
        at: when, in epoch microseconds (UTC).
        duration_ms: how long the answer took, None if unknown.
        version: the parameters version that scheduled it.
        predicted: FSRS's probability of recall just before (None for a new card or a same-day review).
        mode: ``review`` or ``quiz`` (``cram``: an answer kept in the ``cram`` table, given with
            ``quiz --no-schedule``, which FSRS never sees).
        seed: the seed an exercise was drawn with (``dlstudy show CARD --seed N`` replays it).
        auto_rating: the grade dlstudy worked out for an exercise or a claim (None when the
            user graded themselves); ``rating != auto_rating`` means the user overrode it.
        answer: what the user typed for an exercise or a claim; the code they wrote for a
            coding card.
        outcome: a coding card's outcome as JSON (each case passed or not, what failed and
            how); ``seed`` draws the same cases again.
    """

    id: int
    card: str
    rating: int
    at: int
    duration_ms: int | None
    version: int
    predicted: float | None
    mode: str
    seed: int | None = None
    auto_rating: int | None = None
    answer: str | None = None
    outcome: str | None = None

    @property
    def overridden(self) -> bool:
        """The user changed the grade dlstudy worked out."""
        return self.auto_rating is not None and self.auto_rating != self.rating

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "card": self.card, "rating": self.rating, "at": self.at,
                "duration_ms": self.duration_ms, "version": self.version,
                "predicted": self.predicted, "mode": self.mode, "seed": self.seed,
                "auto_rating": self.auto_rating, "answer": self.answer, "outcome": self.outcome}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Review:
        return cls(**data)  # type: ignore[arg-type]


FLAG_NAMES = {0: "none", 1: "red", 2: "orange", 3: "green", 4: "blue", 5: "pink",
              6: "turquoise", 7: "purple"}  # Anki's flag numbers and colours


@dataclass(frozen=True)
class Marks:
    """What the user (or the leech rule) decided about a card.

    Attributes:
        suspended: None, ``user`` (``dlstudy suspend``) or ``leech`` (``leech_action = "suspend"``).
        buried_until: epoch µs until which ``review`` and ``quiz`` skip the card (None: not buried).
        flag: 0 (none) to 7, Anki's flag numbers (1 red … 7 purple).
        leech: when the card became a leech (epoch µs), None if it is not one.
    """

    suspended: str | None = None
    buried_until: int | None = None
    flag: int = 0
    leech: int | None = None

    def buried(self, now: int) -> bool:
        return self.buried_until is not None and self.buried_until > now

    def hidden(self, now: int) -> bool:
        """Skipped by ``review`` and ``quiz``: suspended, or buried until later than ``now``."""
        return self.suspended is not None or self.buried(now)

    def to_dict(self) -> dict[str, object]:
        return {"suspended": self.suspended, "buried_until": self.buried_until,
                "flag": self.flag, "leech": self.leech}


_REVIEW_COLUMNS = ("r.id, c.id, r.rating, r.at, r.duration_ms, r.version, r.predicted, r.mode, "
                   "r.seed, r.auto_rating, r.answer, r.outcome")
_STATE_COLUMNS = "state, step, stability, difficulty, due, last_review"


class Store:
    """The SQLite database of one data dir. Not thread-safe; one per process is the idea."""

    def __init__(self, path: Path, timeout: float = BUSY_TIMEOUT_S,
                 clock: Callable[[], int] | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.clock = clock or (lambda: to_us(utcnow()))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.set_aside = _set_aside_if_empty(path)  # where a zero-length file was moved, if any
        if not path.exists():
            _create(path)
        self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        self._retry(lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
        # FULL: a commit is on disk before the grade is acknowledged, even across a power cut.
        self.conn.execute("PRAGMA synchronous = FULL")
        self._schedulers: dict[int, Scheduler] = {}
        self._migrate(MIGRATIONS)
        self.ensure_cache(progress)

    @classmethod
    def open(cls, data_dir: Path, **kwargs: object) -> Store:
        return cls(data_dir / DB_FILE, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ---------------------------------------------------------------------

    def _retry(self, action: Callable[[], object], tries: int = 5) -> object:
        """Run ``action``, retrying when another process holds the lock past the busy timeout."""
        for attempt in range(tries):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == tries - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def write(self, body: Callable[[sqlite3.Connection], object]) -> object:
        """Run ``body`` in one write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``)."""

        def attempt() -> object:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(self.conn)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            return result

        return self._retry(attempt)

    def read(self, body: Callable[[sqlite3.Connection], object]) -> object:
        """Run ``body`` on one consistent snapshot (a deferred read transaction)."""
        self.conn.execute("BEGIN")
        try:
            return body(self.conn)
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def _migrate(self, migrations: Sequence[str]) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == len(migrations):
            return
        if version > len(migrations):
            raise StoreError(f"{self.path} was written by a newer dlstudy (schema {version}, "
                             f"this one knows {len(migrations)}); upgrade dlstudy")

        def run(conn: sqlite3.Connection) -> None:
            current = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
            for number in range(current, len(migrations)):
                for statement in _statements(migrations[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")

        self.write(run)

    # --- the cache ------------------------------------------------------------------------

    def cache_ok(self) -> bool:
        """Whether ``card_state`` reflects the whole log: one row per card with a history, and
        the latest review named by some row (each row names its card's last review)."""

        def check(conn: sqlite3.Connection) -> bool:
            last = conn.execute("SELECT max(id) FROM reviews").fetchone()[0]
            reviewed = conn.execute("SELECT count(*) FROM cards WHERE EXISTS "
                                    "(SELECT 1 FROM reviews WHERE card = number)").fetchone()[0]
            rows, cached = conn.execute("SELECT count(*), max(last_review_id) "
                                        "FROM card_state").fetchone()
            return bool(last == cached and rows == reviewed)

        try:
            return bool(self.read(check))
        except sqlite3.DatabaseError:
            return False

    def ensure_cache(self, progress: Callable[[int], None] | None = None) -> bool:
        """Rebuild the cache when it is missing, behind the log or unreadable; True if it did."""
        if self.cache_ok():
            return False
        self.rebuild(progress)
        return True

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Replace ``card_state`` with what replaying the whole log gives. Returns the reviews replayed."""

        def run(conn: sqlite3.Connection) -> int:
            conn.execute("DROP TABLE IF EXISTS card_state")
            for statement in _statements(CARD_STATE_TABLE + ";"):
                conn.execute(statement)
            conn.execute("CREATE INDEX IF NOT EXISTS card_state_by_due ON card_state(due)")
            # In log order, every card's state folded along: a dict of 10k states beats sorting
            # a million rows by card.
            folded: dict[int, tuple[CardState, int, int]] = {}
            count = 0
            for rid, card, rating, at, duration, version in conn.execute(
                    "SELECT id, card, rating, at, duration_ms, version FROM reviews ORDER BY id"):
                previous = folded.get(card)
                state = self._scheduler(version).review(
                    card, previous[0] if previous else None, rating, at, duration)
                folded[card] = (state, previous[1] if previous else at, rid)
                count += 1
                if progress and count % 10_000 == 0:
                    progress(count)
            conn.executemany("INSERT INTO card_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (_state_row(card, state, first, last_id)
                              for card, (state, first, last_id) in folded.items()))
            return count

        return int(self.write(run))  # type: ignore[call-overload]

    def _replay_card(self, conn: sqlite3.Connection, number: int) -> None:
        """Recompute one card's cached state from its log entries."""
        state: CardState | None = None
        first = last_id = 0
        for rid, rating, at, duration, version in conn.execute(
                "SELECT id, rating, at, duration_ms, version FROM reviews WHERE card = ? ORDER BY id",
                (number,)):
            first = first or at
            state = self._scheduler(version).review(number, state, rating, at, duration)
            last_id = rid
        conn.execute("DELETE FROM card_state WHERE card = ?", (number,))
        if state is not None:
            conn.execute("INSERT INTO card_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          _state_row(number, state, first, last_id))

    def backfill_before(self) -> int:
        """Fill the columns of schema 5 (``state_before`` … ``lapses_before``) of reviews logged
        before they existed, by replaying the cards that have such reviews. Returns the reviews
        filled."""
        if self.conn.execute("SELECT 1 FROM reviews WHERE state_before IS NULL LIMIT 1"
                             ).fetchone() is None:
            return 0

        def run(conn: sqlite3.Connection) -> int:
            cards = [c for (c,) in conn.execute(
                "SELECT DISTINCT card FROM reviews WHERE state_before IS NULL")]
            filled = []
            for number in cards:
                state: CardState | None = None
                lapses = 0
                for n, (rid, rating, at, duration, version) in enumerate(conn.execute(
                        "SELECT id, rating, at, duration_ms, version FROM reviews WHERE card = ? "
                        "ORDER BY id", (number,)).fetchall(), 1):
                    before = _before(state, at)
                    filled.append((*before, n, lapses, rid))
                    lapses += rating == 1 and (before[2] or 0) > 0
                    state = self._scheduler(version).review(number, state, rating, at, duration)
            conn.executemany("UPDATE reviews SET state_before = ?, interval_before = ?, "
                             "elapsed_days = ?, review_no = ?, lapses_before = ? WHERE id = ?",
                             filled)
            return len(filled)

        return int(self.write(run))  # type: ignore[call-overload]

    # --- parameters versions --------------------------------------------------------------

    def scheduler(self, config: SchedulerConfig, origin: str = "settings") -> Scheduler:
        """The scheduler for ``config``, giving it a new parameters version the first time."""
        key = config.key()
        row = self.conn.execute("SELECT version FROM schedulers WHERE config = ?", (key,)).fetchone()
        if row is None:

            def add(conn: sqlite3.Connection) -> None:
                conn.execute("INSERT OR IGNORE INTO schedulers (config, created, origin) "
                             "VALUES (?, ?, ?)", (key, self.clock(), origin))

            self.write(add)
            row = self.conn.execute("SELECT version FROM schedulers WHERE config = ?",
                                    (key,)).fetchone()
        version = int(row[0])
        if version not in self._schedulers:
            self._schedulers[version] = Scheduler(config, version)
        return self._schedulers[version]

    def _scheduler(self, version: int) -> Scheduler:
        if version not in self._schedulers:
            import json

            row = self.conn.execute("SELECT config FROM schedulers WHERE version = ?",
                                    (version,)).fetchone()
            if row is None:
                raise StoreError(f"review log names parameters version {version}, which is missing")
            self._schedulers[version] = Scheduler(SchedulerConfig.from_dict(json.loads(row[0])),
                                                  version)
        return self._schedulers[version]

    def versions(self) -> list[tuple[int, SchedulerConfig, int, str]]:
        import json

        return [(v, SchedulerConfig.from_dict(json.loads(c)), created, origin)
                for v, c, created, origin in self.conn.execute(
                    "SELECT version, config, created, origin FROM schedulers ORDER BY version")]

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.write(lambda conn: conn.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value)))

    def parameters(self) -> tuple[float, ...] | None:
        """The user's fitted FSRS weights (``dlstudy optimize``), None for fsrs's defaults."""
        text = self.get_meta("parameters")
        if text is None:
            return None
        import json

        return tuple(float(p) for p in json.loads(text))

    def set_parameters(self, parameters: Sequence[float]) -> None:
        import json

        self.set_meta("parameters", json.dumps(list(parameters)))

    # --- cards and grades -----------------------------------------------------------------

    def _number(self, conn: sqlite3.Connection, card_id: str) -> int:
        row = conn.execute("SELECT number FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is not None:
            return int(row[0])
        return int(conn.execute("INSERT INTO cards (id) VALUES (?)", (card_id,)).lastrowid or 0)

    def grade(self, card_id: str, rating: int, scheduler: Scheduler, duration_ms: int | None = None,
              mode: str = "review", *, seed: int | None = None, auto_rating: int | None = None,
              answer: str | None = None, outcome: str | None = None) -> tuple[Review, CardState]:
        """Append a grade to the log and update the card's state, in one committed transaction.

        ``seed``, ``auto_rating``, ``answer`` and ``outcome`` record an auto-graded card (see
        :class:`Review`).
        """
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1-4, not {rating!r}")
        if auto_rating not in (None, 1, 2, 3, 4):
            raise ValueError(f"auto_rating must be 1-4 or None, not {auto_rating!r}")

        def run(conn: sqlite3.Connection) -> tuple[Review, CardState]:
            number = self._number(conn, card_id)
            row = conn.execute(f"SELECT {_STATE_COLUMNS}, first_review FROM card_state "
                               "WHERE card = ?", (number,)).fetchone()
            before = None if row is None else CardState(*row[:6])
            # The time is read under the write lock, so log order is time order across processes.
            at = self.clock()
            predicted = scheduler.predicted_recall(number, before, at)
            after = scheduler.review(number, before, rating, at, duration_ms)
            done, lapses = conn.execute(
                "SELECT count(*), coalesce(sum(rating = 1 AND elapsed_days > 0), 0) FROM reviews "
                "WHERE card = ?", (number,)).fetchone()
            rid = conn.execute(
                "INSERT INTO reviews (card, rating, at, duration_ms, version, predicted, mode, "
                "seed, auto_rating, answer, outcome, state_before, interval_before, elapsed_days, "
                "review_no, lapses_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (number, rating, at, duration_ms, scheduler.version, predicted, mode, seed,
                 auto_rating, answer, outcome, *_before(before, at), done + 1, lapses)).lastrowid
            assert rid is not None
            conn.execute("INSERT OR REPLACE INTO card_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         _state_row(number, after, at if row is None else row[6], rid))
            return Review(rid, card_id, rating, at, duration_ms, scheduler.version, predicted,
                          mode, seed, auto_rating, answer, outcome), after

        return self.write(run)  # type: ignore[return-value]

    def cram(self, card_id: str, rating: int, scheduler: Scheduler, duration_ms: int | None = None,
             *, seed: int | None = None, auto_rating: int | None = None,
             answer: str | None = None) -> tuple[Review, CardState | None]:
        """Keep an answer given without scheduling (``quiz --no-schedule``): it goes to the
        ``cram`` table, committed like a grade, and the card's FSRS state is left as it was.
        Returns the entry (``mode`` ``cram``) and the card's unchanged state."""
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1-4, not {rating!r}")

        def run(conn: sqlite3.Connection) -> tuple[Review, CardState | None]:
            number = self._number(conn, card_id)
            row = conn.execute(f"SELECT {_STATE_COLUMNS} FROM card_state WHERE card = ?",
                               (number,)).fetchone()
            before = None if row is None else CardState(*row)
            at = self.clock()
            predicted = scheduler.predicted_recall(number, before, at)
            rid = conn.execute(
                "INSERT INTO cram (card, rating, at, duration_ms, predicted, seed, auto_rating, "
                "answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (number, rating, at, duration_ms, predicted, seed, auto_rating, answer)).lastrowid
            assert rid is not None
            return Review(rid, card_id, rating, at, duration_ms, scheduler.version, predicted,
                          "cram", seed, auto_rating, answer), before

        return self.write(run)  # type: ignore[return-value]

    def undo_cram(self, cram_id: int) -> None:
        """Take back a ``--no-schedule`` answer (a session's own latest)."""
        self.write(lambda conn: conn.execute("DELETE FROM cram WHERE id = ?", (cram_id,)))

    def crammed(self, card_id: str | None = None) -> Iterator[Review]:
        """The ``--no-schedule`` answers, oldest first (``mode`` ``cram``), optionally of one card."""
        where, args = ("WHERE c.id = ?", (card_id,)) if card_id is not None else ("", ())
        for row in self.conn.execute(
                "SELECT r.id, c.id, r.rating, r.at, r.duration_ms, 0, r.predicted, 'cram', r.seed, "
                f"r.auto_rating, r.answer FROM cram r JOIN cards c ON c.number = r.card {where} "
                "ORDER BY r.id", args):
            yield Review(*row)

    def undo(self, review_id: int) -> CardState | None:
        """Take a grade back: remove it from the log and restore the card's state from the rest."""

        def run(conn: sqlite3.Connection) -> CardState | None:
            row = conn.execute("SELECT card FROM reviews WHERE id = ?", (review_id,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM reviews WHERE id = ?", (review_id,))
            self._replay_card(conn, row[0])
            state = conn.execute(f"SELECT {_STATE_COLUMNS} FROM card_state WHERE card = ?",
                                 (row[0],)).fetchone()
            return None if state is None else CardState(*state)

        return self.write(run)  # type: ignore[return-value]

    # --- reading --------------------------------------------------------------------------

    def state(self, card_id: str) -> CardState | None:
        row = self.conn.execute(f"SELECT {_STATE_COLUMNS} FROM card_state s JOIN cards c "
                                "ON c.number = s.card WHERE c.id = ?", (card_id,)).fetchone()
        return None if row is None else CardState(*row)

    def states(self) -> dict[str, CardState]:
        """Every card with a history, by card id (including cards gone from the decks)."""
        return {row[0]: CardState(*row[1:]) for row in self.conn.execute(
            f"SELECT c.id, {_STATE_COLUMNS} FROM card_state s JOIN cards c ON c.number = s.card")}

    def numbers(self) -> dict[str, int]:
        return {cid: num for num, cid in self.conn.execute("SELECT number, id FROM cards")}

    def due_times(self) -> dict[str, int]:
        """When each card with a history is due (epoch µs), by card id: all a queue needs."""
        return dict(self.conn.execute(
            "SELECT c.id, s.due FROM card_state s JOIN cards c ON c.number = s.card"))

    def due(self, until: int) -> list[tuple[str, int, int]]:
        """``(card id, due, state)`` of cards due by ``until`` (epoch µs), soonest first."""
        return [(cid, due, st) for cid, due, st in self.conn.execute(
            "SELECT c.id, s.due, s.state FROM card_state s JOIN cards c ON c.number = s.card "
            "WHERE s.due <= ? ORDER BY s.due", (until,))]

    def recall_inputs(self) -> list[tuple[str, int, int, int | None, float | None]]:
        """``(card id, number, state, last review, stability)`` of every card with a history."""
        return self.conn.execute(
            "SELECT c.id, c.number, s.state, s.last_review, s.stability FROM card_state s "
            "JOIN cards c ON c.number = s.card").fetchall()

    def next_due(self, card_ids: set[str] | None = None) -> int | None:
        """The earliest due time among ``card_ids`` (all cards if None)."""
        for cid, due in self.conn.execute(
                "SELECT c.id, s.due FROM card_state s JOIN cards c ON c.number = s.card "
                "ORDER BY s.due"):
            if card_ids is None or cid in card_ids:
                return int(due)
        return None

    def introduced_since(self, since: int, mode: str | None = None) -> set[str]:
        """Cards whose first review is at or after ``since`` (and, given ``mode``, was made in
        that mode: ``review`` counts against the day's new cards, a quiz does not)."""
        if mode is None:
            return {cid for (cid,) in self.conn.execute(
                "SELECT c.id FROM card_state s JOIN cards c ON c.number = s.card "
                "WHERE s.first_review >= ?", (since,))}
        return {cid for (cid,) in self.conn.execute(
            "SELECT DISTINCT c.id FROM card_state s JOIN cards c ON c.number = s.card "
            "JOIN reviews r ON r.card = s.card AND r.at = s.first_review "
            "WHERE s.first_review >= ? AND r.mode = ?", (since, mode))}

    def seconds_since(self, since: int, cap_s: float = 300.0) -> float:
        """Seconds spent answering since ``since`` (each answer counted at most ``cap_s``)."""
        row = self.conn.execute("SELECT sum(min(duration_ms, ?)) FROM reviews WHERE at >= ?",
                                (int(cap_s * 1000), since)).fetchone()
        return float(row[0] or 0) / 1000

    def reviews(self, card_id: str | None = None) -> Iterator[Review]:
        """The log in append order, optionally of one card."""
        where, args = ("WHERE c.id = ?", (card_id,)) if card_id is not None else ("", ())
        for row in self.conn.execute(f"SELECT {_REVIEW_COLUMNS} FROM reviews r JOIN cards c "
                                     f"ON c.number = r.card {where} ORDER BY r.id", args):
            yield Review(*row)

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM reviews").fetchone()[0])

    # --- marks: suspend, bury, flag, leech ----------------------------------------------------

    def marks(self) -> dict[str, Marks]:
        """Every card with a mark, by card id (cards with none are absent)."""
        return {row[0]: Marks(*row[1:]) for row in self.conn.execute(
            "SELECT c.id, m.suspended, m.buried_until, m.flag, m.leech FROM card_marks m "
            "JOIN cards c ON c.number = m.card")}

    def card_marks(self, card_id: str) -> Marks:
        row = self.conn.execute(
            "SELECT m.suspended, m.buried_until, m.flag, m.leech FROM card_marks m "
            "JOIN cards c ON c.number = m.card WHERE c.id = ?", (card_id,)).fetchone()
        return Marks() if row is None else Marks(*row)

    def hidden(self, now: int) -> set[str]:
        """Cards ``review`` and ``quiz`` skip at ``now``: suspended, or buried until later."""
        return {cid for (cid,) in self.conn.execute(
            "SELECT c.id FROM card_marks m JOIN cards c ON c.number = m.card "
            "WHERE m.suspended IS NOT NULL OR m.buried_until > ?", (now,))}

    _MARK_COLUMNS = ("suspended", "buried_until", "flag", "leech")

    def mark(self, card_ids: Sequence[str], **changes: object) -> None:
        """Set marks (``suspended``, ``buried_until``, ``flag``, ``leech``) of some cards, in
        one transaction; the marks not named keep their values."""
        unknown = set(changes) - set(self._MARK_COLUMNS)
        if unknown:
            raise ValueError(f"unknown marks: {sorted(unknown)}")
        flag = changes.get("flag")
        if flag is not None and flag not in FLAG_NAMES:
            raise ValueError(f"flag must be 0-7, not {flag!r}")
        sets = ", ".join(f"{k} = ?" for k in changes)

        def run(conn: sqlite3.Connection) -> None:
            for card_id in card_ids:
                number = self._number(conn, card_id)
                conn.execute("INSERT OR IGNORE INTO card_marks (card) VALUES (?)", (number,))
                if changes:
                    conn.execute(f"UPDATE card_marks SET {sets} WHERE card = ?",
                                 (*changes.values(), number))

        self.write(run)

    def lapses(self, card_id: str) -> int:
        """How often the card was forgotten once learned (Anki's lapses): grades Again given
        while it was in the review state, counted by replaying its log."""
        count = 0
        state: CardState | None = None
        for rating, at, duration, version, number in self.conn.execute(
                "SELECT r.rating, r.at, r.duration_ms, r.version, r.card FROM reviews r "
                "JOIN cards c ON c.number = r.card WHERE c.id = ? ORDER BY r.id", (card_id,)):
            if rating == 1 and state is not None and state.state == 2:
                count += 1
            state = self._scheduler(version).review(number, state, rating, at, duration)
        return count

    def integrity(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])


def _before(state: CardState | None, at: int) -> tuple[int, float | None, int | None]:
    """``state_before``, ``interval_before`` and ``elapsed_days`` of a review at ``at`` of a card
    in ``state``."""
    if state is None:
        return 0, None, None
    if state.last_review is None:
        return state.state, None, None
    return (state.state, (state.due - state.last_review) / DAY_US,
            (at - state.last_review) // DAY_US)


def _state_row(number: int, state: CardState, first: int, last_id: int) -> tuple[object, ...]:
    return (number, state.state, state.step, state.stability, state.difficulty, state.due,
            state.last_review, first, last_id)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit on its own)."""
    parts: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line.split("--", 1)[0].rstrip() + "\n"
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                parts.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        parts.append(buffer.strip())
    return parts
