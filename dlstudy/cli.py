"""The ``dlstudy`` command line. Commands parse their options and delegate; the logic lives
in importable modules. Heavy libraries (torch, sympy, numpy) are imported only by ``prove``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from rich.console import Console

from dlstudy import __version__

if TYPE_CHECKING:
    from dlstudy.derivation import DerivationInfo
    from dlstudy.evidence import Result
    from dlstudy.library import Library
    from dlstudy.runner import ProofCache

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


class State:
    data_dir: Optional[Path] = None


state = State()


def _lang(lang: Optional[str]) -> str:
    from dlstudy.settings import default_lang

    if lang is None:
        return default_lang()
    if lang not in ("en", "zh"):
        err.print(f"[red]error:[/red] --lang must be en or zh, not {lang!r}")
        raise typer.Exit(2)
    return lang


def _library(derivations: bool = True, quiet: bool = False) -> Library:
    from dlstudy.library import extra_folders, load_library

    library = load_library(extra_folders(), derivations=derivations)
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


@app.command("list")
def list_cards(
    topic: TopicOpt = None,
    tag: TagOpt = None,
    kind: Annotated[Optional[str], typer.Option(help="Only cards of this kind: recall, exercise, claim.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    lang: LangOpt = None,
) -> None:
    """List cards (id, topic, title, linked derivations), optionally filtered."""
    lang = _lang(lang)
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


@app.command()
def show(
    card_id: Annotated[str, typer.Argument(metavar="CARD_ID", help="A card id from `dlstudy list`.")],
    lang: LangOpt = None,
) -> None:
    """Show a card: the question, then the answer, then the derivations that prove it."""
    lang = _lang(lang)
    library = _library()
    card = library.cards.get(card_id)
    if card is None:
        _unknown(card_id, library)
    from dlstudy.render import answer_panel, question_panel

    console.print(question_panel(card, lang))
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
    results = _run_with_progress(run_proofs, chosen, resolved, scale, lang, n_jobs, cache,
                                 no_cache, show=not as_json and sys.stderr.isatty())
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
                       jobs: int, cache: ProofCache, refresh: bool, show: bool) -> list[Result]:
    if not show or len(chosen) < 2:
        return run(chosen, device, scale, lang, jobs, cache, refresh)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("proving"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("", total=len(chosen))

        def advance(result: Result) -> None:
            progress.update(task, advance=1, description=f"{result.id}: {result.verdict}")

        return run(chosen, device, scale, lang, jobs, cache, refresh, on_result=advance)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
