"""The ``dlstudy`` command line. Commands parse their options and delegate; the logic lives
in importable modules. Heavy libraries (torch, sympy, numpy) are imported only by ``prove``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console

from dlstudy import __version__

if TYPE_CHECKING:
    from dlstudy.card import Card
    from dlstudy.derivation import DerivationInfo
    from dlstudy.evidence import Result
    from dlstudy.library import Library
    from dlstudy.runner import ProofCache
    from dlstudy.scheduler import Scheduler
    from dlstudy.session import Session
    from dlstudy.settings import Settings
    from dlstudy.store import Store

app = typer.Typer(
    name="dlstudy",
    help="Deep-learning interview cards whose every claim is proved by code that runs.\n\n"
    "Start with `dlstudy list`, read a card with `dlstudy show ID`, and run its proof with "
    "`dlstudy prove ID`.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
err = Console(stderr=True)

LangOpt = Annotated[Optional[str], typer.Option("--lang", "-l", help="Language: en or zh (default: "
                                                "DLSTUDY_LANG, then the locale).", show_default=False)]
TopicOpt = Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic (see `dlstudy list`).")]
TagOpt = Annotated[Optional[str], typer.Option("--tag", help="Only cards with this tag.")]
KindOpt = Annotated[Optional[str], typer.Option(
    "--kind", help="Only cards of this kind: recall (self-graded), exercise (fresh numbers, "
    "graded by computing the answer) or claim (true or false, decided by an experiment).")]
SeedOpt = Annotated[Optional[int], typer.Option(
    "--seed", help="Draw the exercises' numbers from this seed (replays a session's draws).")]
KINDS = ("recall", "exercise", "claim")


class State:
    data_dir: Optional[Path] = None
    settings: Optional[Settings] = None


state = State()


def _lang(lang: Optional[str]) -> str:
    from dlstudy.settings import default_lang

    if lang is None:
        return default_lang(_settings().lang)
    if lang not in ("en", "zh"):
        err.print(f"[red]error:[/red] --lang must be en or zh, not {lang!r}")
        raise typer.Exit(2)
    return lang


def _data_dir() -> Path:
    from dlstudy import paths

    return paths.data_dir(state.data_dir)


def _settings() -> Settings:
    """The settings file of the data dir with the environment's overrides (read once)."""
    if state.settings is None:
        from dlstudy.settings import SettingsError, load_settings

        try:
            state.settings = load_settings(_data_dir())
        except SettingsError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
    return state.settings


def _library(derivations: bool = True, quiet: bool = False, cached: bool = False) -> Library:
    from dlstudy import paths
    from dlstudy.library import extra_folders, load_library

    cache = paths.cache_dir(state.data_dir) / "library" if cached else None
    library = load_library(extra_folders(_settings().extra_folders), derivations=derivations,
                           cache=cache)
    if library.problems and not quiet:
        err.print(f"[yellow]warning:[/yellow] {len(library.problems)} problem(s) in the decks; "
                  "the rest loaded. Run `dlstudy check` for details.")
    return library


def _version(value: bool) -> None:
    if value:
        console.print(f"dlstudy {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    data_dir: Annotated[Optional[Path], typer.Option(
        "--data-dir", help="Where reviews, settings and the proof cache live "
        "(default: DLSTUDY_HOME, then the platform's user data folder).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Deep-learning interview cards whose every claim is proved by code that runs."""
    state.data_dir = data_dir
    state.settings = None  # read again for this data dir (tests invoke the app repeatedly)


@app.command("list")
def list_cards(
    topic: TopicOpt = None,
    tag: TagOpt = None,
    kind: KindOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lang: LangOpt = None,
) -> None:
    """List cards (id, topic, title, linked derivations), optionally filtered."""
    lang = _lang(lang)
    _check_kind(kind)
    library = _library(quiet=as_json)
    if topic is not None and topic not in library.topics():
        err.print(f"[red]error:[/red] no topic {topic!r}; topics are: {', '.join(library.topics())}")
        raise typer.Exit(2)
    cards = [c for c in library.select(topic, tag) if kind is None or c.kind == kind]
    if as_json:
        rows = [{"id": c.id, "topic": c.topic, "kind": c.kind, "level": c.level, "tags": c.tags,
                 "title": c.title.get(lang), "derivations": c.derivations} for c in cards]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from dlstudy.render import cards_table

    console.print(cards_table(cards, library.derivations, lang))


def _check_kind(kind: Optional[str]) -> None:
    if kind is not None and kind not in KINDS:
        err.print(f"[red]error:[/red] --kind must be one of {', '.join(KINDS)}, not {kind!r}")
        raise typer.Exit(2)


@app.command()
def show(
    card_id: Annotated[str, typer.Argument(metavar="CARD_ID", help="A card id from `dlstudy list`.")],
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help="For an exercise card: draw its numbers from this seed and show the task, "
        "the answer and the worked solution (the seed of each review is in the log).")] = None,
    lang: LangOpt = None,
) -> None:
    """Show a card: the question, then the answer, then the derivations that prove it."""
    lang = _lang(lang)
    library = _library()
    card = library.cards.get(card_id)
    if card is None:
        _unknown(card_id, library)
    from dlstudy.render import answer_panel, exercise_result, question_panel

    if seed is not None and card.exercise is None:
        err.print(f"[red]error:[/red] --seed is for exercise cards; {card_id} is a {card.kind} card")
        raise typer.Exit(2)
    if seed is None:
        console.print(question_panel(card, lang))
        console.print(answer_panel(card, library.derivations, lang))
        return
    from dlstudy import exercises

    assert card.exercise is not None
    try:
        exercise = exercises.draw(card.exercise.generator, seed)
    except KeyError as exc:
        err.print(f"[red]error:[/red] {exc.args[0]}; run `dlstudy check`")
        raise typer.Exit(2) from None
    console.print(question_panel(card, lang, task=exercise.prompt.get(lang)))
    console.print(exercise_result(exercise.solution.get(lang), exercise.shown(), None, False, lang,
                                  attempted=False))
    console.print(answer_panel(card, library.derivations, lang))


def _unknown(name: str, library: Library) -> NoReturn:
    near = library.closest(name)
    hint = f" Did you mean: {', '.join(near)}?" if near else " See `dlstudy list`."
    err.print(f"[red]error:[/red] no card or derivation named {name!r}.{hint}")
    raise typer.Exit(2)


@app.command()
def check(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Deck files, derivation modules or folders to check (default: everything).")] = None,
) -> None:
    """Validate decks and derivations: YAML, schema, ids, links. Prints `path:line: problem`.

    Exit 0 when clean, 1 when there are problems. Folders given here are checked together
    with the bundled content, so links between them resolve.
    """
    from dlstudy.check import check_library
    from dlstudy.library import extra_folders, load_library

    given = [p for p in (paths or [])]
    missing = [p for p in given if not p.exists()]
    if missing:
        err.print(f"[red]error:[/red] no such file or folder: {missing[0]}")
        raise typer.Exit(2)
    extra = extra_folders() + [p for p in given if p.is_dir() or p.suffix in (".yaml", ".yml", ".py")]
    library = load_library(extra)
    problems = check_library(library, only=given)
    for problem in problems:
        print(problem)
    if problems:
        err.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    n_cards = len(library.cards)
    err.print(f"[green]ok[/green]: {n_cards} cards in {len(library.decks)} decks, "
              f"{len(library.derivations)} derivations, all links resolve")


@app.command()
def prove(
    targets: Annotated[Optional[list[str]], typer.Argument(
        metavar="[TARGET]...", help="Derivation ids or card ids (a card means all its derivations).")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Every derivation.")] = False,
    topic: TopicOpt = None,
    device: Annotated[str, typer.Option(help="auto (cuda → mps → cpu), cpu, cuda or mps.")] = "auto",
    scale: Annotated[str, typer.Option(help="quick: seconds on a laptop CPU; full: paper-sized, for a GPU.")] = "quick",
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Derivations run in parallel (default: the number of cores).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Run again even when a cached result exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of results.")] = False,
    summary: Annotated[bool, typer.Option("--summary", "-s", help="One line per derivation instead of the full proof.")] = False,
    plot: Annotated[Optional[str], typer.Option("--plot", help="Also write the plots to this PNG file.")] = None,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Do not draw plots in the terminal.")] = False,
    timeout: Annotated[Optional[float], typer.Option(
        help="Stop a derivation after this many seconds (default: 120 quick, 1800 full; 0: never).")] = None,
    lang: LangOpt = None,
) -> None:
    """Run derivations: sympy steps, an evidence table and a verdict for each claim.

    Exit 0 when every claim holds, 1 when any fails, 2 on bad arguments.
    """
    lang = _lang(lang)
    if scale not in ("quick", "full"):
        err.print(f"[red]error:[/red] --scale must be quick or full, not {scale!r}")
        raise typer.Exit(2)
    from dlstudy.device import DeviceUnavailable, resolve

    try:
        resolved = resolve(device)
    except DeviceUnavailable as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    library = _library(quiet=as_json)
    chosen = _targets(library, targets or [], all_, topic)
    from dlstudy import paths as dlpaths
    from dlstudy.runner import ProofCache
    from dlstudy.runner import prove as run_proofs

    cache = ProofCache(dlpaths.cache_dir(state.data_dir) / "proofs")
    n_jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    limit = timeout if timeout is not None else (120.0 if scale == "quick" else 1800.0)
    results = _run_with_progress(run_proofs, chosen, resolved, scale, lang, n_jobs, cache,
                                 no_cache, limit, show=not as_json and sys.stderr.isatty())
    if as_json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1))
    else:
        from dlstudy.render import result_view, summary_table

        if not summary:
            for result in results:
                claims = [c.get(lang) for c in library.derivations[result.id].claims]
                console.print(result_view(result, claims, plots=not no_plot))
        if summary or len(results) > 1:
            console.print(summary_table(results))
    if plot:
        from dlstudy.render import save_plots

        written = save_plots(results, plot)
        err.print(f"wrote {', '.join(written)}" if written else "no plots to write")
    if any(r.verdict != "pass" for r in results):
        raise typer.Exit(1)


def _targets(library: Library, targets: list[str], all_: bool,
             topic: Optional[str]) -> list[DerivationInfo]:
    if not (targets or all_ or topic):
        err.print("[red]error:[/red] say what to prove: an id, --topic T or --all "
                  "(see `dlstudy prove --help`)")
        raise typer.Exit(2)
    ids: list[str] = []
    if all_:
        ids = sorted(library.derivations)
    if topic:
        if topic not in library.topics():
            err.print(f"[red]error:[/red] no topic {topic!r}; topics are: {', '.join(library.topics())}")
            raise typer.Exit(2)
        ids += [d for c in library.select(topic) for d in c.derivations]
    cards = library.cards
    for name in targets:
        if name in library.derivations:
            ids.append(name)
        elif name in cards:
            ids += cards[name].derivations
        else:
            _unknown(name, library)
    unique = list(dict.fromkeys(ids))
    missing = [i for i in unique if i not in library.derivations]
    if missing:
        err.print(f"[red]error:[/red] linked derivation {missing[0]!r} does not exist; run `dlstudy check`")
        raise typer.Exit(2)
    return [library.derivations[i] for i in unique]


def _run_with_progress(run: Any, chosen: list[DerivationInfo], device: str, scale: str, lang: str,
                       jobs: int, cache: ProofCache, refresh: bool, timeout: float,
                       show: bool) -> list[Result]:
    if not show or len(chosen) < 2:
        return run(chosen, device, scale, lang, jobs, cache, refresh, timeout)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("proving"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("", total=len(chosen))

        def advance(result: Result) -> None:
            progress.update(task, advance=1, description=f"{result.id}: {result.verdict}")

        return run(chosen, device, scale, lang, jobs, cache, refresh, timeout, on_result=advance)


# --- study sessions: quiz, review, stats, optimize ----------------------------------------------
# Nothing here imports torch, sympy or numpy: `p` in a session and `optimize` import them lazily.


def _store() -> Store:
    """The review database of the data dir (created, migrated and checked on first use)."""
    import sqlite3

    from dlstudy.settings import write_default_settings
    from dlstudy.store import DB_FILE, Store, StoreError

    data = _data_dir()
    fresh = not (data / DB_FILE).exists()

    def rebuilding(done: int) -> None:  # only a long log gets here: every 10,000 reviews
        if done == 10_000:
            err.print("the card states are missing or out of date: replaying the review log…")

    try:
        store = Store.open(data, progress=rebuilding)
    except (StoreError, sqlite3.DatabaseError) as exc:
        hint = "" if isinstance(exc, StoreError) else f" {DAMAGED_HINT}"
        err.print(f"[red]error:[/red] cannot use the review database {data / DB_FILE}: {exc}."
                  f"{hint}", highlight=False)
        raise typer.Exit(2) from None
    if store.set_aside is not None:
        err.print(f"[yellow]warning:[/yellow] the review database {data / DB_FILE} was empty "
                  f"(0 bytes: no review in it); it is kept as {store.set_aside.name} and a new "
                  "one was started.", highlight=False)
    if fresh:
        write_default_settings(data)
    return store


DAMAGED_HINT = ("If it is damaged, move it aside (with its -wal file) and restore your last "
                "`dlstudy backup` in its place; sqlite3's `.recover` can save what is still readable.")


@contextmanager
def _readable(store: Store) -> Iterator[None]:
    """A damaged database met while reading is a clear error (exit 1), not a traceback."""
    import sqlite3

    try:
        yield
    except sqlite3.DatabaseError as exc:
        err.print(f"[red]error:[/red] cannot read the review database {store.path}: {exc}. "
                  f"{DAMAGED_HINT}", highlight=False)
        raise typer.Exit(1) from None


def _scheduler(store: Store) -> Scheduler:
    """The parameters version in force: fitted weights (if any) and the desired retention."""
    from dlstudy.scheduler import SchedulerConfig

    retention = _settings().desired_retention
    fitted = store.parameters()
    if fitted is None:
        return store.scheduler(SchedulerConfig(desired_retention=retention), origin="settings")
    return store.scheduler(SchedulerConfig(parameters=fitted, desired_retention=retention),
                           origin="optimizer")


def _selection(library: Library, topic: Optional[str], tag: Optional[str],
               kind: Optional[str] = None) -> list[Card]:
    _check_kind(kind)
    if topic is not None and topic not in library.topics():
        err.print(f"[red]error:[/red] no topic {topic!r}; topics are: {', '.join(library.topics())}")
        raise typer.Exit(2)
    return [c for c in library.select(topic, tag) if kind is None or c.kind == kind]


def _study(session: Session, library: Library, lang: str, selection: list[Card],
           seed: Optional[int] = None) -> None:
    import random

    from dlstudy import paths
    from dlstudy.terminal import Keys, Study, summary_text

    settings = _settings()
    study = Study(session, library.derivations, lang, console, Keys(),
                  proofs=paths.cache_dir(state.data_dir) / "proofs",
                  easy_within=settings.easy_within, hard_after=settings.hard_after,
                  seeds=random.Random(seed))
    summary = study.run(selection={c.id for c in selection})
    console.print(summary_text(summary, lang), highlight=False)
    if study.failure is not None:  # a grade could not be saved: the session stopped there
        raise typer.Exit(1)
    if study.interrupted:
        raise typer.Exit(130)  # Ctrl-C, as shells expect (128 + SIGINT), after saving as always


SESSION_KEYS = (
    "Keys: Enter answer · 1-4 grade (Again, Hard, Good, Easy) · p prove · s skip · u undo · q quit."
    "\n\nExercise and claim cards grade themselves: type the answer (a number, a shape, t or f), "
    "then Enter accepts the grade or 1-4 changes it."
    "\n\nWith piped input, one key per line (an empty line shows the answer; an exercise's or a "
    "claim's answer is the line read)."
)


@app.command(epilog=SESSION_KEYS)
def quiz(
    topic: TopicOpt = None,
    tag: TagOpt = None,
    number: Annotated[Optional[int], typer.Option("-n", "--number", min=1,
                                                  help="Ask at most N cards.")] = None,
    kind: KindOpt = None,
    seed: SeedOpt = None,
    lang: LangOpt = None,
) -> None:
    """Quiz yourself on any matching cards, due or not; every answer is still recorded."""
    lang = _lang(lang)
    library = _library(cached=True)
    cards = _selection(library, topic, tag, kind)
    if not cards:
        err.print("[yellow]no cards match[/yellow]; see `dlstudy list`")
        raise typer.Exit(1)
    from dlstudy.session import Session, plural, quiz_queue

    with _store() as store, _readable(store):
        queue = quiz_queue(store, cards, number)
        if lang == "zh":
            console.print(f"[b]测验[/b] · {len(queue)} 张卡片 · 答案照样记录并重新安排", highlight=False)
        else:
            console.print(f"[b]Quiz[/b] · {plural(len(queue), 'card')} · answers are recorded and "
                          "rescheduled", highlight=False)
        session = Session(store, lambda: _scheduler(store), queue, "quiz", again_returns=True)
        _study(session, library, lang, cards, seed)


@app.command(epilog=SESSION_KEYS)
def review(
    new: Annotated[Optional[int], typer.Option("--new", min=0, help="New cards per day at most "
                                               "(default: the settings file, else 10).")] = None,
    topic: TopicOpt = None,
    tag: TagOpt = None,
    kind: KindOpt = None,
    seed: SeedOpt = None,
    lang: LangOpt = None,
) -> None:
    """Review the cards FSRS says are due now, plus today's new cards."""
    lang = _lang(lang)
    library = _library(cached=True)
    cards = _selection(library, topic, tag, kind)
    from dlstudy.session import Session, describe_due, review_queue, review_refill

    per_day = _settings().new_per_day if new is None else new
    zh = lang == "zh"
    with _store() as store, _readable(store):
        plan = review_queue(store, cards, per_day)
        if not plan.cards:
            console.print("[b]现在没有到期的卡片。[/b]" if zh else "[b]Nothing is due now.[/b]",
                          highlight=False)
            if plan.next_due is not None:
                due = describe_due(plan.next_due, lang=lang)
                console.print(f"下一张到期：{due}。" if zh else f"Next card due {due}.",
                              highlight=False)
            studied = len(store.introduced_since(0) & {c.id for c in cards})
            if studied >= len(cards):
                console.print("每张卡片都已学过；`dlstudy quiz` 现在就能考任何卡片。" if zh else
                              "Every card has been studied; `dlstudy quiz` asks any card now.")
            elif zh:
                console.print(f"今天的新卡上限（{per_day}）已到；`dlstudy review --new N` 可以提高，"
                              "`dlstudy quiz` 可考任何卡片。")
            else:
                console.print(f"The new-card limit for today ({per_day}) is reached; "
                              "`dlstudy review --new N` raises it, `dlstudy quiz` asks any card.")
            return
        if zh:
            console.print(f"[b]复习[/b] · {len(plan.due)} 张到期 · {len(plan.new)} 张新卡", highlight=False)
        else:
            console.print(f"[b]Review[/b] · {len(plan.due)} due · {len(plan.new)} new", highlight=False)
        session = Session(store, lambda: _scheduler(store), plan.cards, "review",
                          refill=review_refill(cards))
        _study(session, library, lang, cards, seed)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="First rebuild every card's state by "
                                          "replaying the review log.")] = False,
) -> None:
    """Reviews per day, retention, cards by state, due forecast, weakest topics, scheduler fit."""
    library = _library(cached=True, quiet=as_json)
    from dlstudy.stats import compute

    with _store() as store, _readable(store):
        if rebuild:
            if store.count() > 10_000:
                err.print(f"replaying {store.count():,} reviews…")
            replayed = store.rebuild()
            err.print(f"rebuilt the card states from {replayed:,} reviews; "
                      f"integrity check: {store.integrity()}")
        result = compute(store, list(library.cards.values()), _scheduler(store),
                         personal=store.parameters() is not None)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    from dlstudy.render import stats_view

    console.print(stats_view(result))


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy "
                                           "(a new file).")],
) -> None:
    """Copy the review database to FILE, safely, even while a session is running.

    SQLite's online backup: the copy holds every grade, the newest ones in the -wal file too.

    To restore, put the copy in the data folder as reviews.sqlite3 while no session runs.
    """
    import sqlite3

    from dlstudy.store import DB_FILE, BackupError, backup_database

    source = _data_dir() / DB_FILE
    try:
        reviews = backup_database(source, target)
    except BackupError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except (OSError, sqlite3.Error) as exc:
        err.print(f"[red]error:[/red] could not back up {source} to {target}: {exc}. "
                  f"{DAMAGED_HINT}", highlight=False)
        raise typer.Exit(1) from None
    from dlstudy.session import plural

    size = target.stat().st_size
    console.print(f"backed up {plural(reviews, 'review')} from {source} to {target} "
                  f"({size / 1024:,.0f} KB; integrity check: ok). To restore, put it in the data "
                  f"folder as {DB_FILE} while no session is running.", highlight=False)


@app.command()
def optimize() -> None:
    """Fit FSRS's parameters to your own review log; keep them only if they predict it better."""
    from dlstudy.optimize import MIN_SCORED_REVIEWS, fit

    with _store() as store:
        current = store.parameters()
        from dlstudy.scheduler import SchedulerConfig

        try:
            outcome = fit(store, current or SchedulerConfig().parameters,
                          progress=lambda text: err.print(text, highlight=False),
                          verbose=sys.stderr.isatty())
        except ImportError as exc:
            err.print(f"[red]error:[/red] the optimizer needs torch, pandas and tqdm: "
                      f"pip install 'fsrs[optimizer]' ({exc})")
            raise typer.Exit(2) from None
        if outcome.fitted is None:
            console.print(f"Not enough history yet: {outcome.scored} review(s) a day or more after "
                          f"the card's previous one; the optimizer needs {MIN_SCORED_REVIEWS} "
                          f"({MIN_SCORED_REVIEWS - outcome.scored} more).", highlight=False)
            return
        from rich.table import Table

        table = Table(title=f"Fit to {outcome.before.reviews:,} reviews (lower is better)")
        table.add_column("parameters")
        table.add_column("log loss", justify="right")
        table.add_column("RMSE", justify="right")
        for name, f in (("in use" + (" (personal)" if current else " (FSRS defaults)"), outcome.before),
                        ("fitted now", outcome.after)):
            if f is not None and f.log_loss is not None and f.rmse is not None:
                table.add_row(name, f"{f.log_loss:.4f}", f"{f.rmse:.4f}")
        console.print(table)
        if outcome.kept:
            version = _scheduler(store).version
            console.print(f"[green]Kept the fitted parameters[/green] (parameters version {version}); "
                          "they schedule your next reviews.")
        else:
            console.print("Kept the parameters in use: the fitted ones do not fit your history better.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
