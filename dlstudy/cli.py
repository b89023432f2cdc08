"""The ``dlstudy`` command line. Commands parse their options and delegate; the logic lives
in importable modules. Heavy libraries (torch, sympy, numpy) are imported only by ``prove``."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer
from typer import _click as click
from typer.core import TyperGroup

from dlstudy import __version__
from dlstudy.prose import ProseConsole

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

class Commands(TyperGroup):
    """dlstudy's command tree. The language is settled before any option is parsed
    (:func:`_lang_before_parsing`); in a zh run the tree gets its Chinese text and the parser's
    usage errors leave in Chinese (``dlstudy.help_zh``, imported only then). An English run goes
    through Typer untouched."""

    chinese = False

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None,
             complete_var: Optional[str] = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        if _lang_before_parsing(sys.argv[1:] if args is None else list(args)) != "zh":
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        from dlstudy import help_zh

        help_zh.localize(self)
        self.chinese = True
        try:
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        finally:
            help_zh.restore_typer_words()

    def make_context(self, info_name: Optional[str], args: list[str],
                     parent: Optional[click.Context] = None, **extra: Any) -> click.Context:
        with self._errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with self._errors():
            return super().invoke(ctx)

    def _errors(self) -> AbstractContextManager[None]:
        if not self.chinese:
            return nullcontext()
        from dlstudy.help_zh import chinese_errors

        return chinese_errors()


app = typer.Typer(
    cls=Commands,
    name="dlstudy",
    help="Deep-learning interview cards whose every claim is proved by code that runs.\n\n"
    "Start with `dlstudy list`, read a card with `dlstudy show ID`, and run its proof with "
    "`dlstudy prove ID`.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = ProseConsole()  # Chinese messages wrap between ideographs, not only at spaces
err = ProseConsole(stderr=True)

LangOpt = Annotated[Optional[str], typer.Option("--lang", "-l", help="Language: en or zh (default: "
                                                "DLSTUDY_LANG, then the locale).", show_default=False)]
TopicOpt = Annotated[Optional[str], typer.Option("--topic", "-t", help="Only this topic (see `dlstudy list`).")]
TagOpt = Annotated[Optional[str], typer.Option("--tag", help="Only cards with this tag.")]
KindOpt = Annotated[Optional[str], typer.Option(
    "--kind", help="Only cards of this kind: recall (self-graded), exercise (fresh numbers, "
    "graded by computing the answer), claim (true or false, decided by an experiment) or code "
    "(write the function; it is run against PyTorch).")]
SeedOpt = Annotated[Optional[int], typer.Option(
    "--seed", help="Draw the exercises' numbers from this seed (replays a session's draws).")]
KINDS = ("recall", "exercise", "claim", "code")


class State:
    data_dir: Optional[Path] = None
    settings: Optional[Settings] = None
    lang: Optional[str] = None  # the command's --lang, once read: messages follow it


state = State()


def _lang(lang: Optional[str]) -> str:
    from dlstudy.settings import default_lang

    if lang is None:
        if state.lang is None:  # not given before the command either (`dlstudy --lang zh quiz`)
            state.lang = default_lang(_settings().lang)
        return state.lang
    if lang not in ("en", "zh"):
        _error(f"--lang must be en or zh, not {lang!r}")
        raise typer.Exit(2)
    state.lang = lang
    return lang


def _messages_in(lang: Optional[str]) -> None:
    """A command with no cards to show still takes ``--lang`` for its messages; without it,
    they follow DLSTUDY_LANG, the settings file or the locale (read only when needed)."""
    if lang is not None:
        _lang(lang)


def _ui_lang() -> str:
    """The language of messages: the command's ``--lang`` once read, else ``DLSTUDY_LANG``,
    the settings file (when already read) or the locale."""
    if state.lang is not None:
        return state.lang
    from dlstudy.settings import default_lang

    return default_lang(state.settings.lang if state.settings is not None else _file_lang())


def _file_lang() -> Optional[str]:
    """The ``lang`` line of the settings file when the file as a whole cannot be used (so that
    the error about it is in the language it asks for); None when there is none."""
    return _lang_line(state.data_dir)


def _lang_line(data_dir: Optional[Path]) -> Optional[str]:
    """The ``lang`` line of the settings file in ``data_dir`` (None: the default data folder),
    read without reading the rest of the file; None when there is none."""
    from dlstudy import paths

    try:
        text = (paths.data_dir(data_dir) / "settings.toml").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(r'^\s*lang\s*=\s*["\'](en|zh)["\']\s*(#.*)?$', text, re.MULTILINE)
    return found.group(1) if found else None


def _lang_before_parsing(args: list[str]) -> str:
    """The language of this run's help and usage errors, known before Click parses anything:
    the last ``--lang``/``-l`` of the command line that says en or zh (``--lang zh``,
    ``--lang=zh``, ``-l zh``, ``-lzh``), else ``DLSTUDY_LANG``, the settings file's ``lang``
    line (of ``--data-dir`` when given) or the locale."""
    asked = data_dir = None
    i = 0
    while i < len(args):
        arg, value = args[i], None
        if arg == "--":
            break
        if arg in ("--lang", "-l", "--data-dir") and i + 1 < len(args):
            value = args[i + 1]
            i += 1
        elif arg.startswith(("--lang=", "--data-dir=")):
            arg, value = arg.split("=", 1)
        elif arg.startswith("-l") and not arg.startswith("--"):
            arg, value = "-l", arg[2:]
        if arg == "--data-dir":
            data_dir = value
        elif value in ("en", "zh"):
            asked = value
        i += 1
    if asked is not None:
        return asked
    from dlstudy.settings import default_lang

    return default_lang(_lang_line(Path(data_dir) if data_dir else None))


LABELS = {"en": {"error": "[red]error:[/red] ", "warning": "[yellow]warning:[/yellow] "},
          "zh": {"error": "[red]错误[/red]：", "warning": "[yellow]警告[/yellow]："}}


def _label(kind: str) -> str:
    """``error: `` or ``warning: `` (Rich markup, with the space that follows) in the language
    of messages."""
    return LABELS["zh" if _ui_lang() == "zh" else "en"][kind]


def _error(message: str) -> None:
    """Print ``error: message``, translated when the catalogue knows it (``dlstudy.messages``)."""
    _say("error", message)


def _warn(message: str) -> None:
    """Print ``warning: message``, translated when the catalogue knows it."""
    _say("warning", message)


def _say(kind: str, message: str) -> None:
    from rich.markup import escape

    from dlstudy.messages import located

    err.print(f"{_label(kind)}{escape(located(message, _ui_lang()))}", highlight=False)


def _data_dir() -> Path:
    """The data folder, created if missing; exit 2 with the reason when it cannot be."""
    from dlstudy import paths

    try:
        return paths.usable_folder(paths.data_dir(state.data_dir), "data folder",
                                   paths.data_dir_origin(state.data_dir))
    except paths.FolderError as exc:
        _fail(str(exc))


def _cache_dir() -> Path:
    """``DLSTUDY_CACHE``, else ``cache/`` in the data folder; exit 2 when it is not a folder."""
    from dlstudy import paths

    try:
        return paths.usable_folder(paths.cache_dir(_data_dir()), "cache folder",
                                   paths.cache_dir_origin())
    except paths.FolderError as exc:
        _fail(str(exc))


def _settings() -> Settings:
    """The settings file of the data dir with the environment's overrides (read once)."""
    if state.settings is None:
        from dlstudy.settings import SettingsError, load_settings

        try:
            state.settings = load_settings(_data_dir())
        except SettingsError as exc:
            _error(str(exc))
            raise typer.Exit(2) from None
    return state.settings


def _library(derivations: bool = True, quiet: bool = False, cached: bool = False) -> Library:
    from dlstudy.library import load_library

    cache = _cache_dir() / "library" if cached else None
    library = load_library(_user_folders(), derivations=derivations, cache=cache)
    if library.problems and not quiet:
        n = len(library.problems)
        if _ui_lang() == "zh":
            err.print(f"{_label('warning')}卡组中有 {n} 个问题；其余内容已载入。运行 `dlstudy check` "
                      "查看详情。", highlight=False)
        else:
            err.print(f"{_label('warning')}{_count(n, 'problem')} in the decks; "
                      "the rest loaded. Run `dlstudy check` for details.")
    return library


def _user_folders() -> list[Path]:
    """The user's deck folders (``DLSTUDY_DECKS``, then the settings file); exit 2 naming the
    one that is not a folder."""
    from dlstudy.library import extra_folders

    from_env = extra_folders()
    folders = from_env + extra_folders(_settings().extra_folders)[len(from_env):]
    for i, folder in enumerate(folders):
        if not folder.is_dir():
            origin = "DLSTUDY_DECKS" if i < len(from_env) else \
                f"extra_folders in {_data_dir() / 'settings.toml'}"
            what = "does not exist" if not folder.exists() else "is not a folder"
            _fail(f"{origin}: {folder} {what}; name a folder of decks (or remove it)")
    return folders


def _version(value: bool) -> None:
    if value:
        console.print(f"dlstudy {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    data_dir: Annotated[Optional[Path], typer.Option(
        "--data-dir", help="Where reviews, settings and the proof cache live "
        "(default: DLSTUDY_HOME, then the platform's user data folder); also accepted after "
        "the command.")] = None,
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    lang: Annotated[Optional[str], typer.Option(
        "--lang", "-l", hidden=True, help="Language: en or zh, before the command as after it "
        "(`dlstudy --lang zh quiz --help`).")] = None,
) -> None:
    """Deep-learning interview cards whose every claim is proved by code that runs."""
    state.data_dir = data_dir
    state.lang = None
    state.settings = None  # read again for this data dir (tests invoke the app repeatedly)
    if lang is not None:  # the command's own --lang, when it has one too, overrides it
        _lang(lang)


LIST_FORMATS = ("table", "tsv", "json")


@app.command("list")
def list_cards(
    topic: TopicOpt = None,
    tag: TagOpt = None,
    kind: KindOpt = None,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", "-f", help="table (the default on a terminal); tsv (the default when piped: "
        "one card a line, tab-separated: id, topic, kind, level, title, derivations); json.",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    lang: LangOpt = None,
) -> None:
    """List cards (id, topic, kind, title, linked derivations), optionally filtered."""
    lang = _lang(lang)
    _check_kind(kind)
    if fmt is not None and fmt not in LIST_FORMATS:
        _error(f"--format must be one of {', '.join(LIST_FORMATS)}, not {fmt!r}")
        raise typer.Exit(2)
    if as_json and fmt not in (None, "json"):
        _error(f"--json and --format {fmt} ask for different output; give one")
        raise typer.Exit(2)
    fmt = "json" if as_json else fmt or ("table" if console.is_terminal else "tsv")
    library = _library(quiet=fmt == "json")
    topic = _topic(library, topic, lang)
    cards = [c for c in library.select(topic, tag) if kind is None or c.kind == kind]
    marks = _list_marks(lang) if fmt != "tsv" else {}
    if fmt == "json":
        rows = [{"id": c.id, "topic": c.topic, "kind": c.kind, "level": c.level, "tags": c.tags,
                 "title": c.title.get(lang), "derivations": c.derivations,
                 "marks": marks.get(c.id, [])} for c in cards]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from dlstudy.render import cards_table, cards_tsv

    if fmt == "tsv":
        sys.stdout.write(cards_tsv(cards, lang))
        return
    console.print(cards_table(cards, library.derivations, lang, console.width, marks))


def _check_kind(kind: Optional[str]) -> None:
    if kind is not None and kind not in KINDS:
        _error(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
        raise typer.Exit(2)


@app.command()
def show(
    card_id: Annotated[str, typer.Argument(metavar="ID", help="A card id from `dlstudy list`, or a "
                                           "derivation id (its claims and the cards it proves).")],
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help="For an exercise card: draw its numbers from this seed and show the task, "
        "the answer and the worked solution; for a code card: the cases this seed draws and the "
        "attempts logged with it (the seed of each review is in the log).")] = None,
    lang: LangOpt = None,
) -> None:
    """Show a card: the question, then the answer, then the derivations that prove it.

    Given a derivation id: its title, claims, the cards it proves and the command that runs it."""
    lang = _lang(lang)
    library = _library()
    card = library.cards.get(card_id)
    if card is None and card_id in library.derivations:
        from dlstudy.render import derivation_panel

        if seed is not None:
            _fail(f"--seed is for exercise cards; {card_id} is a derivation")
        linking = [c for c in library.cards.values() if card_id in c.derivations]
        console.print(derivation_panel(library.derivations[card_id], linking, lang))
        return
    if card is None:
        _unknown(card_id, library, lang)
    from dlstudy.render import answer_panel, exercise_result, question_panel

    if seed is not None and card.exercise is None and card.code is None:
        _error(f"--seed is for exercise and code cards; {card_id} is a {card.kind} card")
        raise typer.Exit(2)
    if card.code is not None:
        _show_code(card, library, lang, seed)
        if seed is None:
            _show_memory(card.id, lang)
        return
    if seed is None:
        console.print(question_panel(card, lang))
        console.print(answer_panel(card, library.derivations, lang))
        _show_memory(card.id, lang)
        return
    from dlstudy import exercises

    assert card.exercise is not None
    try:
        exercise = exercises.draw(card.exercise.generator, seed)
    except KeyError as exc:
        _error(f"{exc.args[0]}; run `dlstudy check`")
        raise typer.Exit(2) from None
    console.print(question_panel(card, lang, task=exercise.prompt.get(lang)))
    console.print(exercise_result(exercise.solution.get(lang), exercise.shown(), None, False, lang,
                                  attempted=False))
    console.print(answer_panel(card, library.derivations, lang))


def _show_memory(card_id: str, lang: str) -> None:
    """Card info: the card's memory state, marks and history (nothing when no database yet)."""
    from dlstudy.store import DB_FILE

    if not (_data_dir() / DB_FILE).exists():
        return
    from dlstudy.cardinfo import card_info, info_view
    from dlstudy.scheduler import Scheduler, SchedulerConfig

    with _store() as store, _readable(store):
        plan = _active_plan(store)
        fitted = store.parameters()  # the recall FSRS predicts with the weights in force
        config = SchedulerConfig(desired_retention=_settings().desired_retention) if fitted is None \
            else SchedulerConfig(parameters=fitted, desired_retention=_settings().desired_retention)
        # A Scheduler of its own, not the store's: showing a card writes nothing.
        info = card_info(store, card_id, Scheduler(config),
                         plan_date=None if plan is None else plan.until)
    console.print(info_view(info, lang))


def _list_marks(lang: str) -> dict[str, list[str]]:
    """The marks of each marked card, in words, for `list` (none when no database yet)."""
    from dlstudy.store import DB_FILE

    if not (_data_dir() / DB_FILE).exists():
        return {}
    from dlstudy.render import marks_words
    from dlstudy.scheduler import to_us, utcnow

    now = to_us(utcnow())
    with _store() as store, _readable(store):
        return {cid: words for cid, m in store.marks().items()
                if (words := marks_words(m, now, lang))}


def _show_code(card: Card, library: Library, lang: str, seed: Optional[int]) -> None:
    """A coding card: the task, the stub, the answer and a reference solution; with a seed, the
    cases that seed draws (computed with torch) and every logged attempt made with it: the code,
    the grade and what the grader said."""
    import json

    from dlstudy import coding
    from dlstudy.coding import report
    from dlstudy.render import answer_panel, question_panel

    assert card.code is not None
    try:
        task = coding.get(card.code.task)
    except KeyError as exc:
        err.print(f"[red]error:[/red] {exc.args[0]}; run `dlstudy check`")
        raise typer.Exit(2) from None
    console.print(question_panel(card, lang))
    console.print(report.stub_view(task.stub_in(lang), lang, console.width))
    if seed is not None:
        from dlstudy.coding.grade import cases_for

        console.print(report.cases_view(cases_for(task, seed), seed, lang))
    console.print(answer_panel(card, library.derivations, lang))
    console.print(report.solution_view(task.solution, lang, console.width))
    if seed is None:
        return
    from dlstudy.store import DB_FILE

    if not (_data_dir() / DB_FILE).exists():
        return
    with _store() as store:
        attempts = [r for r in store.reviews(card.id) if r.seed == seed]
    for review in attempts:
        outcome = json.loads(review.outcome) if review.outcome else None
        console.print(report.attempt_view(review, outcome, lang, task.cases_version))


def _unknown(name: str, library: Library, lang: str = "en") -> NoReturn:
    # ids only when they are close (at 0.4, "nosuchcard" got three unrelated ones); a word
    # typed for an id is what `search` is for
    near = library.closest(name, cutoff=0.5)
    words = " ".join(name.replace("_", " ").replace("-", " ").split())
    search = f"`dlstudy search {words}`" if words and all(c.isalnum() or c == " " for c in words) \
        else "`dlstudy search WORDS`"
    if lang == "zh":
        hint = f"您是指：{', '.join(near)}？" if near else ""
        _fail(f"没有名为 {name!r} 的卡片或推导。{hint}{search} 会在卡片文字中查找。")
    hint = f" Did you mean: {', '.join(near)}?" if near else ""
    _fail(f"no card or derivation named {name!r}.{hint} {search} looks for it in the cards' text.")


@app.command()
def check(
    paths: Annotated[Optional[list[Path]], typer.Argument(
        help="Deck files, derivation modules or folders to check (default: everything).")] = None,
    lang: LangOpt = None,
) -> None:
    """Validate decks and derivations: YAML, schema, ids, links. Prints `path:line: problem`.

    Exit 0 when clean, 1 when there are problems. Folders given here are checked together
    with the bundled content, so links between them resolve.
    """
    from dlstudy.check import check_library, summary
    from dlstudy.library import load_library

    lang = _lang(lang)
    given = [p for p in (paths or [])]
    missing = [p for p in given if not p.exists()]
    if missing:
        _error(f"no such file or folder: {missing[0]}")
        raise typer.Exit(2)
    odd = [p for p in given if not p.is_dir() and p.suffix.lower() not in (".yaml", ".yml", ".py")]
    if odd:
        _fail(f"{odd[0]} is not a deck (.yaml) or a derivation module (.py), nor a folder of them")
    extra = _user_folders() + [p for p in given if p.is_dir() or p.suffix in (".yaml", ".yml", ".py")]
    library = load_library(extra)
    problems = check_library(library, only=given)
    for problem in problems:
        print(problem.shown(lang))
    err.print(summary(library, problems, lang), highlight=False)
    if problems:
        raise typer.Exit(1)


PLOT_FORMATS = (".png", ".svg", ".pdf", ".jpg", ".jpeg")

MESSAGES = {
    "en": {
        "timeout": "--timeout must be a number of seconds ≥ 0 (0 or inf: no limit), not {value}",
        "jobs": "--jobs must be 1 or more (default: the number of cores), not {value}",
        "jobs_capped": "-j {asked}: running at most {cap} workers ({why})",
        "json_summary": "--json and --summary do not go together: --json prints every result "
                        "in full, --summary one line each; choose one",
        "all_and_more": "--all already means every derivation; drop --topic and the ids, "
                        "or drop --all",
        "plot_ext": "--plot {path}: unsupported file type {ext!r}; use one of {formats}",
        "plot_folder": "--plot {path}: the folder {folder} does not exist; create it first",
        "plot_not_folder": "--plot {path}: {folder} is not a folder",
        "starting": "starting {workers} for {todo} (each imports torch first)…",
        "proving": "proving",
        "interrupted": "interrupted: {done} of {total} finished and cached; run the same "
                       "command again to continue",
        "wrote": "wrote {files}",
        "no_plots": "no plots to write",
        "what": "say what to prove: an id, --topic T or --all (see `dlstudy prove --help`)",
        "no_topic": "no topic {topic!r}; topics are: {topics}",
        "no_topic_near": "no topic {topic!r} — did you mean {near!r}? Topics are: {topics}",
        "missing_link": "linked derivation {id!r} does not exist; run `dlstudy check`",
        "broken_link": "linked derivation {id!r} did not load (its module has a problem); run "
                       "`dlstudy check`",
        "scale": "--scale must be quick or full, not {value!r}",
        "rebuilt": "rebuilt the card states from {n:,} review{s}; integrity check: {check}",
        "replaying": "replaying {n:,} reviews…",
        "backfilling": "adding each old review's card state to the log (once): replaying "
                       "{n:,} reviews…",
    },
    "zh": {
        "timeout": "--timeout 必须是 ≥ 0 的秒数（0 或 inf：不限时），而不是 {value}",
        "jobs": "--jobs 必须 ≥ 1（默认：CPU 核数），而不是 {value}",
        "jobs_capped": "-j {asked}：最多运行 {cap} 个工作进程（{why}）",
        "json_summary": "--json 与 --summary 不能同时使用：--json 输出每个结果的全部内容，"
                        "--summary 每个一行；请选择其一",
        "all_and_more": "--all 已表示全部推导；请去掉 --topic 和 id，或去掉 --all",
        "plot_ext": "--plot {path}：不支持的文件类型 {ext!r}；请使用 {formats} 之一",
        "plot_folder": "--plot {path}：文件夹 {folder} 不存在；请先创建它",
        "plot_not_folder": "--plot {path}：{folder} 不是文件夹",
        "starting": "正在启动 {workers} 个工作进程，运行 {todo} 个推导（各自先导入 torch）…",
        "proving": "证明中",
        "interrupted": "已中断：{total} 个中已完成 {done} 个并已缓存；再次运行同一命令即可继续",
        "wrote": "已写入 {files}",
        "no_plots": "没有可写入的图",
        "what": "请指定要证明的内容：一个 id、--topic T 或 --all（见 `dlstudy prove --help`）",
        "no_topic": "没有主题 {topic!r}；现有主题：{topics}",
        "no_topic_near": "没有主题 {topic!r} —— 是不是 {near!r}？现有主题：{topics}",
        "missing_link": "链接的推导 {id!r} 不存在；请运行 `dlstudy check`",
        "broken_link": "链接的推导 {id!r} 没有载入（它的模块有问题）；请运行 `dlstudy check`",
        "scale": "--scale 必须是 quick 或 full，而不是 {value!r}",
        "rebuilt": "已从 {n:,} 条复习记录重建卡片状态；完整性检查：{check}",
        "replaying": "正在重放 {n:,} 条复习记录…",
        "backfilling": "正在为旧的复习记录补上复习时卡片的状态（只需一次）：重放 {n:,} 条复习记录…",
    },
}


def _msg(lang: str, key: str, **values: object) -> str:
    return MESSAGES["zh" if lang == "zh" else "en"][key].format(**values)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _fail(message: str) -> NoReturn:
    """An error in the command line: say so and exit 2."""
    _error(message)
    raise typer.Exit(2)


def _topic(library: Library, topic: Optional[str], lang: Optional[str] = None) -> Optional[str]:
    """The topic as the decks spell it (topics are case-insensitive); exit 2 if there is none
    (in ``lang``, else the language of messages)."""
    if topic is None:
        return None
    lang = lang or _ui_lang()
    topics = library.topics()
    found = next((t for t in topics if t.casefold() == topic.strip().casefold()), None)
    if found is None:
        import difflib

        near = difflib.get_close_matches(topic.strip().casefold(), topics, n=1, cutoff=0.6)
        if near:  # `--topic rnnn`, `--topic mien`
            _fail(_msg(lang, "no_topic_near", topic=topic, near=near[0], topics=", ".join(topics)))
        _fail(_msg(lang, "no_topic", topic=topic, topics=", ".join(topics)))
    return found


def _timeout(value: Optional[float], scale: str, lang: str) -> float:
    """Seconds a derivation may run: 0 (and inf) mean no limit."""
    import math

    if value is None:
        return 120.0 if scale == "quick" else 1800.0
    if math.isnan(value) or value < 0:
        _fail(_msg(lang, "timeout", value=value))
    return 0.0 if math.isinf(value) else value


def _jobs(value: Optional[int], lang: str) -> int:
    """Worker processes: the cores by default, never more than the cores and memory hold."""
    from dlstudy.runner import worker_cap

    if value is not None and value < 1:
        _fail(_msg(lang, "jobs", value=value))
    cap, why = worker_cap()
    if value is None:
        return cap
    if value > cap:
        err.print(_msg(lang, "jobs_capped", asked=value, cap=cap, why=why), highlight=False)
    return min(value, cap)


def _plot_target(plot: Optional[str], lang: str) -> None:
    """Check ``--plot`` before any work: a supported extension, an existing folder."""
    if plot is None:
        return
    target = Path(plot).expanduser()
    ext = target.suffix.lower()
    if ext and ext not in PLOT_FORMATS:
        _fail(_msg(lang, "plot_ext", path=plot, ext=target.suffix, formats=", ".join(PLOT_FORMATS)))
    folder = target.parent
    if not folder.exists():
        _fail(_msg(lang, "plot_folder", path=plot, folder=folder))
    if not folder.is_dir():
        _fail(_msg(lang, "plot_not_folder", path=plot, folder=folder))


def _proof_cache() -> ProofCache:
    """The proof cache (``DLSTUDY_CACHE``, else ``cache/`` in the data folder), created."""
    from dlstudy import paths
    from dlstudy.runner import ProofCache

    try:
        return ProofCache(paths.usable_folder(_cache_dir() / "proofs", "proof cache",
                                              paths.cache_dir_origin()))
    except paths.FolderError as exc:
        _fail(str(exc))


@app.command()
def prove(
    targets: Annotated[Optional[list[str]], typer.Argument(
        metavar="[TARGET]...", help="Derivation ids or card ids (a card means all its derivations).")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Every derivation.")] = False,
    topic: TopicOpt = None,
    device: Annotated[str, typer.Option(help="auto (cuda → mps → cpu), cpu, cuda or mps.")] = "auto",
    scale: Annotated[str, typer.Option(help="quick: seconds on a laptop CPU; full: paper-sized, for a GPU.")] = "quick",
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Derivations run in parallel "
                    "(default and most: the number of cores, and what memory holds at ~300 MB "
                    "a worker).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Run again even when a cached result exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array of results.")] = False,
    summary: Annotated[bool, typer.Option("--summary", "-s", help="One line per derivation instead of the full proof.")] = False,
    plot: Annotated[Optional[str], typer.Option("--plot", help="Also write the plots to this file "
                    "(.png, .svg, .pdf, .jpg; several plots: FILE-<id>-<n>.png).")] = None,
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Do not draw plots in the terminal.")] = False,
    timeout: Annotated[Optional[float], typer.Option(
        help="Stop a derivation after this many seconds (default: 120 quick, 1800 full; "
        "0 or inf: never).")] = None,
    record: Annotated[bool, typer.Option(
        "--record", help="Record the rows with ids as the derivation's evidence snapshot "
        "(_evidence/SCALE/ID.json beside it), which cards quote as {{derivation.row}}. "
        "Quick scale records the CPU run the tests compare against.")] = False,
    lang: LangOpt = None,
) -> None:
    """Run derivations: sympy steps, an evidence table and a verdict for each claim.

    Exit 0 when every claim holds, 1 when any fails, 2 on bad arguments, 130 when
    interrupted (what finished is cached).
    """
    lang = _lang(lang)
    if scale not in ("quick", "full"):
        _fail(_msg(lang, "scale", value=scale))
    if as_json and summary:
        _fail(_msg(lang, "json_summary"))
    if all_ and (topic or targets):
        _fail(_msg(lang, "all_and_more"))
    limit = _timeout(timeout, scale, lang)
    _plot_target(plot, lang)
    from dlstudy.device import DeviceUnavailable, resolve

    try:
        resolved = resolve(device)
    except DeviceUnavailable as exc:
        _fail(str(exc))
    if record and scale == "quick" and resolved != "cpu":
        _fail("quick-scale snapshots are of the CPU run (the one the tests and claim cards "
              "use): add --device cpu")
    library = _library(quiet=as_json)
    chosen = _targets(library, targets or [], all_, topic, lang)
    cache = _proof_cache()
    n_jobs = _jobs(jobs, lang)
    from dlstudy.runner import Interrupted, leave_on_second_interrupt
    from dlstudy.runner import prove as run_proofs

    try:
        results = _run_with_progress(run_proofs, chosen, resolved, scale, lang, n_jobs, cache,
                                     no_cache, limit, show=not as_json and sys.stderr.isatty())
    except Interrupted as stop:
        leave_on_second_interrupt()
        done = sum(r.verdict != "error" for r in stop.finished)
        err.print(_msg(lang, "interrupted", done=done, total=stop.total), highlight=False)
        raise typer.Exit(130) from None
    if cache.problem:
        _warn(cache.problem)
    if as_json:
        print(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1))
    else:
        from dlstudy.render import result_view, summary_table

        if not summary:
            for result in results:
                claims = [c.get(lang) for c in library.derivations[result.id].claims]
                console.print(result_view(result, claims, plots=not no_plot, lang=lang))
        if summary or len(results) > 1:
            console.print(summary_table(results, lang))
    if plot:
        from dlstudy.render import save_plots

        try:
            written = save_plots(results, str(Path(plot).expanduser()))
        except (OSError, ValueError) as exc:
            _fail(f"--plot {plot}: {exc}")
        err.print(_msg(lang, "wrote", files=", ".join(written)) if written
                  else _msg(lang, "no_plots"), highlight=False)
    if record:
        _record(library, results)
    if any(r.verdict != "pass" for r in results):
        raise typer.Exit(1)


def _record(library: Library, results: list[Result]) -> None:
    """Write each result's snapshot; a derivation that did not run is not recorded."""
    import datetime

    from dlstudy import bind
    from dlstudy.runner import _versions as versions

    for result in results:
        if result.verdict == "error":
            err.print(f"未记录：{result.id} 没有运行" if _ui_lang() == "zh" else
                      f"not recorded: {result.id} did not run")
            continue
        info = library.derivations[result.id]
        extra = {"recorded": datetime.date.today().isoformat(), "versions": versions()}
        try:
            target = bind.write_snapshot(info.path, result, extra)
        except OSError as exc:
            _error(f"cannot write the snapshot of {result.id}: {exc}")
            raise typer.Exit(1) from None
        rows = len(bind.snapshot_of(result)["rows"])
        err.print(f"已记录 {result.id} 的 {rows} 行 → {target}" if _ui_lang() == "zh" else
                  f"recorded {rows} rows of {result.id} → {target}")


def _targets(library: Library, targets: list[str], all_: bool,
             topic: Optional[str], lang: str = "en") -> list[DerivationInfo]:
    if not (targets or all_ or topic):
        _fail(_msg(lang, "what"))
    ids: list[str] = []
    if all_:
        ids = sorted(library.derivations)
    if topic:
        ids += [d for c in library.select(_topic(library, topic, lang)) for d in c.derivations]
    cards = library.cards
    for name in targets:
        if name in library.derivations:
            ids.append(name)
        elif name in cards:
            ids += cards[name].derivations
        else:
            _unknown(name, library, lang)
    unique = list(dict.fromkeys(ids))
    missing = [i for i in unique if i not in library.derivations]
    if missing:
        broken = missing[0] in library.broken_derivations()
        _fail(_msg(lang, "broken_link" if broken else "missing_link", id=missing[0]))
    return [library.derivations[i] for i in unique]


def _run_with_progress(run: Any, chosen: list[DerivationInfo], device: str, scale: str, lang: str,
                       jobs: int, cache: ProofCache, refresh: bool, timeout: float,
                       show: bool) -> list[Result]:
    if not show or len(chosen) < 2:
        return run(chosen, device, scale, lang, jobs, cache, refresh, timeout)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(_msg(lang, "proving")), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  TextColumn("{task.description}"), console=err, transient=True) as progress:
        task = progress.add_task("", total=len(chosen))

        def advance(result: Result) -> None:
            progress.update(task, advance=1, description=f"{result.id}: {result.verdict}")

        def starting(workers: int, todo: int) -> None:
            # Workers take seconds to import torch before the first result: say so. The bar
            # restarts over what runs, so the cached results do not make the ETA optimistic.
            counts = ({"workers": workers, "todo": todo} if lang == "zh" else
                      {"workers": _count(workers, "worker"), "todo": _count(todo, "derivation")})
            progress.reset(task, total=todo, completed=0,
                           description=_msg(lang, "starting", **counts))

        return run(chosen, device, scale, lang, jobs, cache, refresh, timeout, on_result=advance,
                   on_start=starting)


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
            err.print("卡片状态缺失或已过时：正在重放复习记录…" if _ui_lang() == "zh" else
                      "the card states are missing or out of date: replaying the review log…")

    try:
        store = Store.open(data, progress=rebuilding)
    except (StoreError, sqlite3.DatabaseError, OSError) as exc:
        # a folder dlstudy cannot write to is not a damaged database: say which it is, so that
        # nobody moves a good database aside on our advice
        unwritable = None if isinstance(exc, StoreError) else _cannot_write_in(data)
        if unwritable is not None:
            _error(f"cannot use the review database {data / DB_FILE}: its folder is not writable "
                   f"({unwritable}); set DLSTUDY_HOME (or --data-dir) to a folder you can write to")
        elif isinstance(exc, OSError):
            _error(f"cannot use the review database {data / DB_FILE}: {exc.strerror or exc}.")
        else:
            hint = "" if isinstance(exc, StoreError) else f" {DAMAGED_HINT}"
            _error(f"cannot use the review database {data / DB_FILE}: {exc}.{hint}")
        raise typer.Exit(2) from None
    if store.set_aside is not None:
        _warn(f"the review database {data / DB_FILE} was empty (0 bytes: no review in it); it is "
              f"kept as {store.set_aside.name} and a new one was started.")
    if fresh:
        write_default_settings(data)
    return store


def _cannot_write_in(folder: Path) -> Optional[str]:
    """Why a file cannot be created in ``folder`` (SQLite needs its -wal and -shm files there),
    or None when one can."""
    import os
    import tempfile

    try:
        handle, name = tempfile.mkstemp(prefix=".dlstudy-probe-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(handle)
    os.unlink(name)
    return None


DAMAGED_HINT = ("If it is damaged, move it aside (with its -wal file) and restore your last "
                "`dlstudy backup` in its place; sqlite3's `.recover` can save what is still readable.")


@contextmanager
def _readable(store: Store) -> Iterator[None]:
    """A damaged database met while reading is a clear error (exit 1), not a traceback."""
    import sqlite3

    try:
        yield
    except sqlite3.DatabaseError as exc:
        _error(f"cannot read the review database {store.path}: {exc}. {DAMAGED_HINT}")
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
    topic = _topic(library, topic)
    return [c for c in library.select(topic, tag) if kind is None or c.kind == kind]


def _code_limits() -> object:
    """A coding card's sandbox limits: DLSTUDY_CODE_SECONDS, DLSTUDY_CODE_MEMORY_MB, else the
    defaults (10 s, 1024 MB)."""
    from dlstudy.coding.sandbox import Limits

    try:
        return Limits.from_env()
    except ValueError as exc:
        _fail(str(exc))


def _study(session: Session, library: Library, lang: str, selection: list[Card],
           seed: Optional[int] = None) -> None:
    import random

    from dlstudy.terminal import Keys, Study, summary_text

    settings = _settings()
    study = Study(session, library.derivations, lang, console, Keys(),
                  proofs=_cache_dir() / "proofs",
                  easy_within=settings.easy_within, hard_after=settings.hard_after,
                  seeds=random.Random(seed), code_limits=_code_limits())
    summary = study.run(selection={c.id for c in selection})
    if study.hung_up:
        raise typer.Exit(129)  # 128 + SIGHUP; every grade (and an answer on screen) is saved
    console.print(summary_text(summary, lang), highlight=False)
    if study.failure is not None:  # a grade could not be saved: the session stopped there
        raise typer.Exit(1)
    if study.interrupted:
        raise typer.Exit(130)  # Ctrl-C, as shells expect (128 + SIGINT), after saving as always


SESSION_KEYS = (
    "Keys: Enter answer · 1-4 grade (Again, Hard, Good, Easy) · p prove · s skip · u undo · "
    "@ suspend · - bury until tomorrow · f then 0-7 flag (0 clears) · q quit."
    "\n\nExercise and claim cards grade themselves: type the answer (a number, a shape, t or f), "
    "then Enter accepts the grade or 1-4 changes it. Instead of an answer, the words suspend, "
    "bury and flag N (or @ and -) act on the card."
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
    no_schedule: Annotated[bool, typer.Option(
        "--no-schedule", help="Cram: keep the answers (in a separate log) but leave every "
        "card's schedule as it was.")] = False,
    include_suspended: Annotated[bool, typer.Option(
        "--include-suspended", help="Ask suspended and buried cards too (they are left out "
        "otherwise).")] = False,
    lang: LangOpt = None,
) -> None:
    """Quiz yourself on any matching cards, due or not; every answer is still recorded.

    A card not yet due is scheduled as FSRS intends for an early review (it gains less
    stability than on its due date); with --no-schedule nothing is rescheduled."""
    lang = _lang(lang)
    library = _library(cached=True)
    cards = _selection(library, topic, tag, kind)
    if not cards:
        err.print("[yellow]没有匹配的卡片[/yellow]；见 `dlstudy list`" if lang == "zh" else
                  "[yellow]no cards match[/yellow]; see `dlstudy list`")
        raise typer.Exit(1)
    from dlstudy.session import Session, plural, quiz_queue

    with _store() as store, _readable(store):
        queue = quiz_queue(store, cards, number, include_hidden=include_suspended)
        if not queue:  # every matching card is suspended or buried: say so, and what asks them
            hidden = len(cards)
            err.print(f"[yellow]匹配的 {hidden} 张卡片都已暂停或搁置[/yellow]；"
                      "`--include-suspended` 照样考它们，`dlstudy unsuspend CARD` 恢复" if lang == "zh"
                      else f"[yellow]{'the matching card is' if hidden == 1 else f'all {hidden} matching cards are'}"
                      " suspended or buried[/yellow]; `--include-suspended` asks them anyway, "
                      "`dlstudy unsuspend CARD` brings one back", highlight=False)
            raise typer.Exit(1)
        if lang == "zh":
            what = "答案照样记录，复习安排不变" if no_schedule else "答案照样记录并重新安排"
            console.print(f"[b]测验[/b] · {len(queue)} 张卡片 · {what}", highlight=False)
        else:
            what = "answers are kept, schedules left as they are" if no_schedule else \
                "answers are recorded and rescheduled"
            console.print(f"[b]Quiz[/b] · {plural(len(queue), 'card')} · {what}", highlight=False)
        settings = _settings()
        session = Session(store, lambda: _scheduler(store), queue, "quiz", again_returns=True,
                          schedule=not no_schedule, leech_lapses=settings.leech_lapses,
                          leech_action=settings.leech_action)
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
    from dataclasses import replace

    from dlstudy.session import Session, describe_due, review_queue, review_refill

    per_day = _settings().new_per_day if new is None else new
    zh = lang == "zh"
    with _store() as store, _readable(store):
        active = _active_plan(store) if new is None else None
        if active is not None:
            in_scope = [c for c in library.select(active.topic, active.tag)
                        if active.level is None or c.level <= active.level]
            scope = {c.id for c in in_scope}
            planned = [c for c in cards if c.id in scope]
            plan = review_queue(store, planned, per_day, plan=active, scheduler=_scheduler(store),
                                scope=in_scope)
            rest = review_queue(store, [c for c in cards if c.id not in scope], 0)
            if rest.due:  # cards outside the plan's scope that FSRS says are due
                plan = replace(plan, due=plan.due + rest.due)
            console.print(f"计划：面试日期 {active.until.isoformat()} · 提前 {len(plan.forward)} 张"
                          if zh else f"Plan: interview on {active.until.isoformat()} · "
                          f"{len(plan.forward)} brought forward", highlight=False)
        else:
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
            elif active is not None:
                console.print("今天的计划已完成（含今天的新卡份额）；`dlstudy plan` 显示之后的安排。"
                              if zh else "Today's share of the plan is done, new cards included; "
                              "`dlstudy plan` shows the days ahead.")
            elif per_day == 0:  # asked for none: no "limit is reached"
                why = "--new 0" if new == 0 else "new_per_day = 0"
                console.print(f"不学新卡（{why}）；`dlstudy quiz` 可考任何卡片。" if zh else
                              f"No new cards ({why}); `dlstudy quiz` asks any card.")
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
        settings = _settings()
        session = Session(store, lambda: _scheduler(store), plan.cards, "review",
                          refill=review_refill(cards), leech_lapses=settings.leech_lapses,
                          leech_action=settings.leech_action)
        _study(session, library, lang, cards, seed)


SEARCH_TEXT = {
    "en": {"empty": "give some words to search for, e.g. `dlstudy search layer norm` "
                    "(or `dlstudy search 梯度`)",
           "none": "no card contains all of: {terms}", "found": "{n} cards match {terms}",
           "rank": "#", "score": "score"},
    "zh": {"empty": "请给出要搜索的词，例如 `dlstudy search layer norm`（或 `dlstudy search 梯度`）",
           "none": "没有卡片同时包含：{terms}", "found": "{n} 张卡片匹配 {terms}",
           "rank": "#", "score": "得分"},
}


@app.command()
def search(
    words: Annotated[Optional[list[str]], typer.Argument(
        metavar="WORDS...", help="Words to find (all of them), in English or Chinese.")] = None,
    topic: TopicOpt = None,
    number: Annotated[int, typer.Option("-n", "--number", min=1, help="Show at most N cards.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="The matches as JSON.")] = False,
    lang: LangOpt = None,
) -> None:
    """Search every card's text in both languages (id, title, tags, question, answer,
    correction), best match first (BM25). Piped, one card a line, tab-separated: id, topic,
    kind, score, title, snippet."""
    lang = _lang(lang)
    from dlstudy.search import query_terms, snippet
    from dlstudy.search import search as find

    words_text = " ".join(words or [])
    terms = query_terms(words_text)
    text = SEARCH_TEXT["zh" if lang == "zh" else "en"]
    if not terms:
        _fail(text["empty"])
    library = _library(derivations=False, quiet=as_json, cached=True)
    topic = _topic(library, topic, lang)
    hits = find(library.select(topic, None), words_text)[:number]
    if as_json:
        print(json.dumps([{"id": h.card.id, "topic": h.card.topic, "kind": h.card.kind,
                           "score": round(h.score, 3), "fields": list(h.fields),
                           "title": h.card.title.get(lang), "snippet": snippet(h.card, terms, lang)}
                          for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        err.print(text["none"].format(terms=" ".join(terms)), highlight=False)
        raise typer.Exit(1)
    if not console.is_terminal:
        for h in hits:
            cells = (h.card.id, h.card.topic, h.card.kind, f"{h.score:.2f}",
                     h.card.title.get(lang), snippet(h.card, terms, lang))
            sys.stdout.write("\t".join(" ".join(c.split()) for c in cells) + "\n")
        return
    from rich.markup import escape
    from rich.table import Table

    found = text["found"].format(n=len(hits), terms=" ".join(terms))
    if console.width - max(len(h.card.id) for h in hits) - 18 < 30:  # 18: rank, score, borders
        from rich.console import Group
        from rich.text import Text

        from dlstudy.render import Indented

        parts: list[Any] = [Text(found, style="italic")]  # too narrow for a table: lines
        for rank, h in enumerate(hits, 1):
            head = Text(f"{rank}. ", style="dim", overflow="fold")
            head.append(h.card.id, style="cyan")
            head.append(f"  {h.card.topic} · {h.score:.1f}", style="dim")
            body = Text(h.card.title.get(lang) + "\n", overflow="fold")
            body.append(snippet(h.card, terms, lang), style="dim")
            parts += [head, Indented(body)]
        console.print(Group(*parts))
        return
    table = Table(title=found, title_justify="left", show_lines=True)
    table.add_column(text["rank"], justify="right", style="dim")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column(text["score"], justify="right")
    table.add_column(LIST_TITLE["zh" if lang == "zh" else "en"], overflow="fold", ratio=1)
    for rank, h in enumerate(hits, 1):
        table.add_row(str(rank), h.card.id, f"{h.score:.1f}",
                      f"{escape(h.card.title.get(lang))} [dim]({h.card.topic})[/dim]\n"
                      f"[dim]{escape(snippet(h.card, terms, lang))}[/dim]")
    console.print(table)


LIST_TITLE = {"en": "title and text", "zh": "标题与内容"}


NEW_TEXT = {
    "en": {"no_folder": "there is no deck folder of your own to write to. Make a folder and name "
                        "it in DLSTUDY_DECKS (export DLSTUDY_DECKS=~/my-decks) or in extra_folders "
                        "in {file} (extra_folders = [\"~/my-decks\"]), then run `dlstudy new` again",
           "wrote": "new card {card} in {deck}", "module": "its derivation skeleton: {path}",
           "next": "Edit them, then `dlstudy check {deck}` and `dlstudy show {card}`.",
           "next_one": "Edit it, then `dlstudy check {deck}` and `dlstudy show {card}`."},
    "zh": {"no_folder": "没有你自己的卡组文件夹可写入。请新建一个文件夹，并在 DLSTUDY_DECKS"
                        "（export DLSTUDY_DECKS=~/my-decks）或 {file} 的 extra_folders"
                        "（extra_folders = [\"~/my-decks\"]）中指定它，然后再运行 `dlstudy new`",
           "wrote": "新卡片 {card} 已写入 {deck}", "module": "它的推导框架：{path}",
           "next": "编辑它们，然后运行 `dlstudy check {deck}` 和 `dlstudy show {card}`。",
           "next_one": "编辑它，然后运行 `dlstudy check {deck}` 和 `dlstudy show {card}`。"},
}


@app.command()
def new(
    topic: Annotated[str, typer.Option("--topic", "-t", help="The deck (topic) to add the card "
                                       "to: <topic>.yaml in your deck folder.")] = "my-cards",
    kind: Annotated[str, typer.Option("--kind", help="recall (self-graded) or claim (true or "
                                      "false, decided by a derivation's evidence row).")] = "recall",
    with_derivation: Annotated[bool, typer.Option(
        "--with-derivation", help="Also write a derivation module skeleton (TITLE, CLAIMS, "
        "derive, experiment with an evidence row id) and link it.")] = False,
    lang: LangOpt = None,
) -> None:
    """Scaffold a card of your own (and, if asked, its derivation) in your deck folder, with
    a fresh id, then check it. Cards of your own may stay unproved (no derivation)."""
    lang = _lang(lang)
    text = NEW_TEXT["zh" if lang == "zh" else "en"]
    folders = _user_folders()
    if not folders:
        _fail(text["no_folder"].format(file=_data_dir() / "settings.toml"))
    from dlstudy.check import check_library
    from dlstudy.library import load_library
    from dlstudy.scaffold import ScaffoldError, scaffold

    library = _library(quiet=True)
    try:
        deck = next((d for d in library.decks if d.topic == topic), None)  # a bundled topic
        made = scaffold(folders[0], topic, kind, with_derivation, set(library.cards),
                        set(library.derivations),
                        (deck.title.en, deck.title.zh) if deck is not None else None)
    except ScaffoldError as exc:
        from dlstudy.messages import tr

        _fail(tr(str(exc), _ui_lang()))  # whole: it quotes a `path:line: problem` inside
    except OSError as exc:
        _fail(f"cannot write {exc.filename or folders[0]} — {exc.strerror or exc}")
    console.print(text["wrote"].format(card=made.card_id, deck=made.deck), highlight=False)
    if made.derivation is not None:
        console.print(text["module"].format(path=made.derivation), highlight=False)
    library = load_library(folders)
    only = [made.deck] + ([made.derivation] if made.derivation else [])
    problems = check_library(library, only=only)
    for problem in problems:
        print(problem)
    console.print(text["next" if made.derivation else "next_one"].format(
        deck=made.deck, card=made.card_id), highlight=False)
    if problems:
        raise typer.Exit(1)


CardsArg = Annotated[list[str], typer.Argument(metavar="CARD...", help="Card ids (see `dlstudy list`).")]
MARK_TEXT = {
    "en": {"suspend": "suspended {cards}: `review` and `quiz` skip them (`dlstudy unsuspend` "
                      "brings them back; `quiz --include-suspended` asks them anyway)",
           "suspend_one": "suspended {cards}: `review` and `quiz` skip it (`dlstudy unsuspend` "
                          "brings it back; `quiz --include-suspended` asks it anyway)",
           "unsuspend": "unsuspended {cards}", "bury": "buried {cards} until {until}",
           "flag": "flagged {cards} {flag}", "unflag": "cleared the flag of {cards}",
           "flag_range": "the flag must be a number from 0 to 7 or its colour (0 or none clears it; "
                         "1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple), "
                         "not {value!r}"},
    "zh": {"suspend": "已暂停 {cards}：`review` 和 `quiz` 会跳过（`dlstudy unsuspend` 可恢复；"
                      "`quiz --include-suspended` 仍会考）",
           "suspend_one": "已暂停 {cards}：`review` 和 `quiz` 会跳过（`dlstudy unsuspend` 可恢复；"
                          "`quiz --include-suspended` 仍会考）",
           "unsuspend": "已恢复 {cards}", "bury": "已搁置 {cards} 到 {until}",
           "flag": "已给 {cards} 加标记 {flag}", "unflag": "已清除 {cards} 的标记",
           "flag_range": "标记必须是 0 到 7 的数字或其颜色名（0 或 none 为清除；1 red 红、2 orange 橙、"
                         "3 green 绿、4 blue 蓝、5 pink 粉、6 turquoise 青、7 purple 紫），而不是 {value!r}"},
}


def _mark_text(lang: str, key: str, **values: object) -> str:
    return MARK_TEXT["zh" if lang == "zh" else "en"][key].format(**values)


def _card_ids(library: Library, ids: list[str], lang: str) -> list[str]:
    """The cards named, each checked (an unknown one: exit 2 with "did you mean")."""
    for card_id in ids:
        if card_id not in library.cards:
            _unknown(card_id, library, lang)
    return list(dict.fromkeys(ids))


@app.command()
def suspend(cards: CardsArg, lang: LangOpt = None) -> None:
    """Suspend cards: `review` and `quiz` skip them until `dlstudy unsuspend`."""
    lang = _lang(lang)
    ids = _card_ids(_library(derivations=False, quiet=True, cached=True), cards, lang)
    with _store() as store:
        store.mark(ids, suspended="user")
    console.print(_mark_text(lang, "suspend" if len(ids) > 1 else "suspend_one",
                             cards=", ".join(ids)), highlight=False)


@app.command()
def unsuspend(cards: CardsArg, lang: LangOpt = None) -> None:
    """Bring suspended (and buried) cards back into `review` and `quiz`."""
    lang = _lang(lang)
    ids = _card_ids(_library(derivations=False, quiet=True, cached=True), cards, lang)
    with _store() as store:
        store.mark(ids, suspended=None, buried_until=None)
    console.print(_mark_text(lang, "unsuspend", cards=", ".join(ids)), highlight=False)


@app.command()
def bury(cards: CardsArg, lang: LangOpt = None) -> None:
    """Bury cards until tomorrow: `review` and `quiz` skip them for the rest of the day."""
    lang = _lang(lang)
    ids = _card_ids(_library(derivations=False, quiet=True, cached=True), cards, lang)
    from dlstudy.scheduler import to_us, utcnow
    from dlstudy.session import local_day_start

    until = local_day_start(utcnow(), 1)
    with _store() as store:
        store.mark(ids, buried_until=to_us(until))
    console.print(_mark_text(lang, "bury", cards=", ".join(ids),
                             until=until.strftime("%Y-%m-%d %H:%M")), highlight=False)


@app.command()
def flag(
    number: Annotated[str, typer.Argument(metavar="N", help="0 (or none) clears; 1 red, 2 orange, "
                                          "3 green, 4 blue, 5 pink, 6 turquoise, 7 purple (Anki's "
                                          "flags; the number or the colour).")],
    cards: CardsArg,
    lang: LangOpt = None,
) -> None:
    """Flag cards with a colour, as in Anki: `dlstudy flag 1 CARD…` (red); 0 clears the flag."""
    lang = _lang(lang)
    from dlstudy.store import FLAG_NAMES

    by_name = {name: n for n, name in FLAG_NAMES.items()}
    word = number.strip().lower()
    if word in by_name:
        value = by_name[word]
    elif word.isdigit() and 0 <= int(word) <= 7:
        value = int(word)
    else:
        _fail(_mark_text(lang, "flag_range", value=number))
    ids = _card_ids(_library(derivations=False, quiet=True, cached=True), cards, lang)

    with _store() as store:
        store.mark(ids, flag=value)
    key = "flag" if value else "unflag"
    from dlstudy.render import FLAG_COLOURS_ZH

    colour = (FLAG_COLOURS_ZH if lang == "zh" else FLAG_NAMES).get(value)
    shown = f"{value}（{colour}）" if lang == "zh" else f"{value} ({colour})"
    console.print(_mark_text(lang, key, cards=", ".join(ids), flag=shown), highlight=False)


PLAN_TEXT = {
    "en": {
        "date": "--until must be a date written YYYY-MM-DD (e.g. 2026-12-20), not {value!r}",
        "past": "the interview date {date} is not after today ({today}): plan for a later day",
        "no_date": "say when the interview is: --until YYYY-MM-DD, or interview_date in {file}",
        "budget": "--minutes-per-day must be at least 1 (minutes a day you can study), not {value}",
        "level": "--level must be 1, 2 or 3, not {value}",
        "no_cards": "no cards match the plan's scope; see `dlstudy list`",
        "title": "Plan until {date} ({days} day{s}) · {minutes} min a day · {cards} card{cs} · "
                 "target recall {target:.0%}",
        "day": "day", "reviews": "reviews", "new": "new", "minutes": "minutes",
        "waiting": "left for lack of time",
        "topic": "topic", "recall": "predicted recall on {date}", "all": "all cards",
        "costs": "Minutes come from a simulation with FSRS's memory model: {costs}.",
        "measured": "your median answer time", "default": "default",
        "short": "warning: {minutes} min a day cannot cover these {cards} cards by {date}: "
                 "{left} would be unlearned or waiting on the day. About {needed} min a day "
                 "would cover them (`--minutes-per-day {needed}`).",
        "saved": "Saved: `dlstudy review` follows this plan until {date} "
                 "(`dlstudy plan --clear` stops it).",
        "cleared": "The plan is cleared: `dlstudy review` schedules as usual.",
        "none": "There was no saved plan.",
    },
    "zh": {
        "date": "--until 必须是 YYYY-MM-DD 格式的日期（例如 2026-12-20），而不是 {value!r}",
        "past": "面试日期 {date} 不晚于今天（{today}）：请为以后的日期制定计划",
        "no_date": "请说明面试日期：--until YYYY-MM-DD，或在 {file} 中设置 interview_date",
        "budget": "--minutes-per-day 必须至少为 1（每天可学习的分钟数），而不是 {value}",
        "level": "--level 必须是 1、2 或 3，而不是 {value}",
        "no_cards": "没有卡片符合计划范围；见 `dlstudy list`",
        "title": "计划至 {date}（{days} 天）· 每天 {minutes} 分钟 · {cards} 张卡片 · "
                 "目标记忆率 {target:.0%}",
        "day": "日期", "reviews": "复习", "new": "新卡", "minutes": "分钟",
        "waiting": "因时间不足而推迟",
        "topic": "主题", "recall": "{date} 的预测记忆率", "all": "全部卡片",
        "costs": "分钟数来自基于 FSRS 记忆模型的模拟：{costs}。",
        "measured": "你的答题时间中位数", "default": "默认值",
        "short": "警告：每天 {minutes} 分钟不足以在 {date} 前学完这 {cards} 张卡片："
                 "届时将有 {left} 张未学或仍待复习。每天约 {needed} 分钟才够"
                 "（`--minutes-per-day {needed}`）。",
        "saved": "已保存：`dlstudy review` 将按此计划安排到 {date}（`dlstudy plan --clear` 可停止）。",
        "cleared": "计划已清除：`dlstudy review` 恢复常规安排。",
        "none": "没有已保存的计划。",
    },
}
KIND_NAMES = {"en": {"recall": "recall", "exercise": "exercise", "claim": "claim", "code": "code"},
              "zh": {"recall": "回忆", "exercise": "练习", "claim": "判断", "code": "编程"}}


def _plan_text(lang: str, key: str, **values: object) -> str:
    return PLAN_TEXT["zh" if lang == "zh" else "en"][key].format(**values)


def _active_plan(store: Store) -> Any:
    """The plan ``review`` follows now: the one ``dlstudy plan`` saved, if its date is still
    ahead, else one for ``interview_date`` in the settings (target: the desired retention)."""
    import datetime as dt

    from dlstudy.plan import ActivePlan

    today = dt.date.today()
    text = store.get_meta("plan")
    if text is not None:
        try:
            saved = ActivePlan.from_dict(json.loads(text))
        except (ValueError, KeyError, TypeError):
            saved = None
        if saved is not None and saved.until > today:
            return saved
    settings = _settings()
    if settings.interview_date is not None:
        until = dt.date.fromisoformat(settings.interview_date)
        if until > today:
            return ActivePlan(until, settings.desired_retention, settings.minutes_per_day)
    return None


@app.command("plan")
def plan_command(
    until: Annotated[Optional[str], typer.Option(
        "--until", help="The interview date, YYYY-MM-DD (default: interview_date in the "
        "settings).", show_default=False)] = None,
    topic: TopicOpt = None,
    tag: TagOpt = None,
    level: Annotated[Optional[int], typer.Option(
        "--level", help="Only cards of this level or below (1 = every interview, 2, 3).")] = None,
    minutes: Annotated[Optional[int], typer.Option(
        "--minutes-per-day", help="Minutes a day you can study (default: minutes_per_day in "
        "the settings, else 30).", show_default=False)] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Stop following the saved plan.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    lang: LangOpt = None,
) -> None:
    """Plan the days until an interview: the highest recall on the date your daily time allows.

    Simulates the days ahead with FSRS's memory model and prints the forecast (reviews and
    minutes a day) and the predicted recall per topic on the date; then `review` follows the
    plan: new cards early enough, and cards brought forward that would be below the target on
    the day. Exit 2 on a date not in the future, a budget of 0 or an unknown topic.
    """
    import datetime as dt

    lang = _lang(lang)
    if clear:
        with _store() as store:
            had = store.get_meta("plan") is not None
            store.write(lambda conn: conn.execute("DELETE FROM meta WHERE key = 'plan'"))
        console.print(_plan_text(lang, "cleared" if had else "none"), highlight=False)
        return
    settings = _settings()
    text = until
    if text is None:
        # the plan `review` follows now (the saved one, else interview_date): `dlstudy plan`
        # alone shows it again from today, as `review` says it does
        with _store() as store:
            active = _active_plan(store)
        if active is None:
            _fail(_plan_text(lang, "no_date", file=_data_dir() / "settings.toml"))
        text = active.until.isoformat()
        minutes = active.minutes if minutes is None else minutes
        if topic is None and tag is None and level is None:
            topic, tag, level = active.topic, active.tag, active.level
    try:
        date = dt.date.fromisoformat(text.strip())
    except ValueError:
        _fail(_plan_text(lang, "date", value=text))
    today = dt.date.today()
    if date <= today:
        _fail(_plan_text(lang, "past", date=date.isoformat(), today=today.isoformat()))
    budget = settings.minutes_per_day if minutes is None else minutes
    if budget < 1:
        _fail(_plan_text(lang, "budget", value=budget))
    if level is not None and level not in (1, 2, 3):
        _fail(_plan_text(lang, "level", value=level))
    library = _library(cached=True, quiet=as_json)
    chosen = [c for c in library.select(_topic(library, topic, lang), tag)
              if level is None or c.level <= level]
    if not chosen:
        _fail(_plan_text(lang, "no_cards"))
    from dlstudy.plan import ActivePlan, PlanCard, costs_from_log, make_plan
    from dlstudy.scheduler import utcnow

    with _store() as store, _readable(store):
        states = store.states()
        kinds = {c.id: c.kind for c in library.cards.values()}
        rows = store.conn.execute(
            "SELECT c.id, r.at = s.first_review, r.duration_ms, r.rating FROM reviews r "
            "JOIN cards c ON c.number = r.card JOIN card_state s ON s.card = r.card "
            "ORDER BY r.id DESC LIMIT 20000").fetchall()
        costs = costs_from_log((kinds[cid], bool(first), ms, rating)
                               for cid, first, ms, rating in rows if cid in kinds)
        suspended = {cid for cid, m in store.marks().items() if m.suspended is not None}
        cards = [PlanCard(c.id, c.topic, c.level, c.kind, states.get(c.id)) for c in chosen
                 if c.id not in suspended]  # review never asks them: the plan leaves them out
        if not cards:
            _fail(_plan_text(lang, "no_cards"))
        made = make_plan(cards, _scheduler(store).config, utcnow(), date, budget, costs)
        active = ActivePlan(date, made.target, budget, topic and _topic(library, topic, lang),
                            tag, level)
        store.set_meta("plan", json.dumps(active.to_dict()))
    if as_json:
        print(json.dumps(made.to_dict(), ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    days = (date - today).days
    console.print(_plan_text(lang, "title", date=date.isoformat(), days=days, minutes=budget,
                             cards=len(cards), target=made.target, s="" if days == 1 else "s",
                             cs="" if len(cards) == 1 else "s"), highlight=False, style="bold")
    table = Table(show_edge=False, pad_edge=False)
    for name in ("day", "reviews", "new", "minutes", "waiting"):
        table.add_column(_plan_text(lang, name), justify="left" if name == "day" else "right")
    for day in made.forecast.days:
        table.add_row(day.day.isoformat(), str(day.reviews), str(day.new),
                      f"{day.minutes:.0f}", str(day.left) if day.left else "")
    console.print(table)
    topics = Table(show_edge=False, pad_edge=False)
    topics.add_column(_plan_text(lang, "topic"))
    topics.add_column(_plan_text(lang, "recall", date=date.isoformat()), justify="right")
    for name, recall in sorted(made.topics.items(), key=lambda t: t[1]):
        topics.add_row(name, f"{recall:.0%}")
    topics.add_row(_plan_text(lang, "all"), f"{made.forecast.mean():.0%}", style="bold")
    console.print(topics)
    names = KIND_NAMES["zh" if lang == "zh" else "en"]
    used = {c.kind for c in cards}
    unit, left_paren, right_paren, comma = (" 秒", "（", "）", "，") if lang == "zh" else \
        (" s", " (", ")", ", ")
    costs_text = comma.join(
        f"{names.get(k, k)} {made.costs.review[k]:.0f}{unit}{left_paren}"
        f"{_plan_text(lang, 'measured' if k in made.costs.measured else 'default')}{right_paren}"
        for k in sorted(used) if k in made.costs.review)
    console.print(_plan_text(lang, "costs", costs=costs_text), highlight=False)
    if not made.covered:
        err.print(f"[yellow]{_plan_text(lang, 'short', minutes=budget, cards=len(cards), date=date.isoformat(), left=made.forecast.left, needed=made.needed_minutes)}[/yellow]",
                  highlight=False)
    console.print(_plan_text(lang, "saved", date=date.isoformat()), highlight=False)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="First rebuild every card's state by "
                                          "replaying the review log.")] = False,
    lang: LangOpt = None,
) -> None:
    """Reviews per day, retention, cards by state, due forecast, weakest topics, scheduler fit."""
    lang = _lang(lang)
    library = _library(cached=True, quiet=as_json)
    from dlstudy.stats import compute

    with _store() as store, _readable(store):
        if rebuild:
            if store.count() > 10_000:
                err.print(_msg(lang, "replaying", n=store.count()), highlight=False)
            replayed = store.rebuild()
            check = store.integrity()
            err.print(_msg(lang, "rebuilt", n=replayed, s="" if replayed == 1 else "s",
                           check="通过" if lang == "zh" and check == "ok" else check),
                      highlight=False)
        if store.get_meta("before_filled") is None and store.count() > 10_000:
            err.print(_msg(lang, "backfilling", n=store.count()), highlight=False)
        result = compute(store, list(library.cards.values()), _scheduler(store),
                         personal=store.parameters() is not None)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    from dlstudy.render import stats_view

    console.print(stats_view(result, lang))


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy "
                                           "(a new file).")],
    lang: LangOpt = None,
) -> None:
    """Copy the review database to FILE, safely, even while a session is running.

    SQLite's online backup: the copy holds every grade, the newest ones in the -wal file too.

    To restore, while no session runs: put the copy in the data folder as reviews.sqlite3 and
    delete reviews.sqlite3-wal and reviews.sqlite3-shm beside it (SQLite would replay a leftover
    -wal onto the restored file).
    """
    import sqlite3

    from dlstudy.store import DB_FILE, BackupError, backup_database

    _messages_in(lang)
    source = _data_dir() / DB_FILE
    try:
        reviews = backup_database(source, target)
    except BackupError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    except (OSError, sqlite3.Error) as exc:
        if _cannot_write_in(target.parent) is not None:  # the target's folder, not the database
            _error(f"cannot write {target} — the folder {target.parent} is not writable")
            raise typer.Exit(2) from None
        _error(f"could not back up {source} to {target}: {exc}. {DAMAGED_HINT}")
        raise typer.Exit(1) from None
    from dlstudy.session import plural

    size = target.stat().st_size
    if _ui_lang() == "zh":
        console.print(f"已把 {reviews:,} 条复习记录从 {source} 备份到 {target}（{size / 1024:,.0f} KB；"
                      f"完整性检查：通过）。恢复时，请在没有学习会话运行时把它放进数据文件夹，"
                      f"命名为 {DB_FILE}，并删除那里的 {DB_FILE}-wal 和 {DB_FILE}-shm"
                      f"（否则 SQLite 会把旧的 -wal 重放到恢复的文件上）。", highlight=False)
        return
    # a -wal left beside the restored file is replayed onto it by SQLite: the "restored"
    # database then holds the newer grades again (or worse), so the advice names it
    console.print(f"backed up {plural(reviews, 'review')} from {source} to {target} "
                  f"({size / 1024:,.0f} KB; integrity check: ok). To restore, put it in the data "
                  f"folder as {DB_FILE} and delete {DB_FILE}-wal and {DB_FILE}-shm there, while "
                  "no session is running.", highlight=False)


@app.command()
def optimize(lang: LangOpt = None) -> None:
    """Fit FSRS's parameters to your own review log; keep them only if they predict it better.

    Uses fsrs-rs-python, the FSRS engine Anki runs; then the simulator's advice on the desired
    retention for your parameters.
    """
    from dlstudy.optimize import FALLBACK, FALLBACK_NOTE, MIN_SCORED_REVIEWS, fit

    _messages_in(lang)
    ui = "zh" if _ui_lang() == "zh" else "en"
    words = OPTIMIZE_TEXT[ui]
    with _store() as store:
        current = store.parameters()
        from dlstudy.scheduler import SchedulerConfig

        def progress(text: str) -> None:
            found = re.fullmatch(r"fitting FSRS to ([\d,]+) reviews \(([\d,]+) scored\)…", text)
            if found:
                err.print(words["fitting"].format(*found.groups()), highlight=False)
            elif text == FALLBACK_NOTE:
                _warn(words["fallback"])
            else:
                err.print(text, highlight=False)

        settings = _settings()
        deck_size = len(_library(cached=True, quiet=True, derivations=False).cards)
        try:
            outcome = fit(store, current or SchedulerConfig().parameters, progress=progress,
                          verbose=sys.stderr.isatty(), deck_size=deck_size,
                          new_per_day=settings.new_per_day)
        except ImportError as exc:
            _fail(words["missing"].format(exc=exc))
        if outcome.fitted is None:
            console.print(words["short"].format(scored=outcome.scored, needed=MIN_SCORED_REVIEWS,
                                                s="" if outcome.scored == 1 else "s",
                                                more=MIN_SCORED_REVIEWS - outcome.scored),
                          highlight=False)
            return
        from rich.table import Table

        table = Table(title=words["title"].format(n=outcome.before.reviews,
                                                  engine=outcome.engine))
        table.add_column(words["parameters"])
        table.add_column(words["log_loss"], justify="right")
        table.add_column(words["rmse"], justify="right")
        for name, f in ((words["personal" if current else "defaults"], outcome.before),
                        (words["fitted"], outcome.after)):
            if f is not None and f.log_loss is not None:
                table.add_row(name, f"{f.log_loss:.4f}",
                              "—" if f.rmse_bins is None else f"{f.rmse_bins:.4f}")
        console.print(table)
        if outcome.kept:
            version = _scheduler(store).version
            console.print(words["kept"].format(version=version))
        else:
            console.print(words["not_kept"])
        if outcome.workload:
            sim = Table(title=words["workload"].format(cards=outcome.workload[0].cards,
                                                       new=settings.new_per_day))
            sim.add_column(words["desired"], justify="right")
            sim.add_column(words["minutes"], justify="right")
            sim.add_column(words["remembered"], justify="right")
            for w in outcome.workload:
                mark = " ←" if abs(w.retention - settings.desired_retention) < 1e-9 else ""
                sim.add_row(f"{w.retention:.0%}{mark}", f"{w.minutes_per_day:.1f}",
                            f"{w.remembered:,.0f} / {w.cards:,}")
            console.print(sim)
        if outcome.advice is not None:
            console.print(words["advice"].format(advice=outcome.advice,
                                                 desired=settings.desired_retention),
                          highlight=False)
        elif outcome.engine == FALLBACK:
            console.print(words["no_advice"], highlight=False)


OPTIMIZE_TEXT = {
    "en": {"fitting": "fitting FSRS to {} reviews ({} scored)…",
           "fallback": "fsrs-rs-python (the FSRS engine Anki uses) is not installed: using "
                       "py-fsrs's optimizer instead (slower; needs torch and pandas). "
                       "`pip install fsrs-rs-python` to use the reference engine.",
           "missing": "no FSRS optimizer is installed: `pip install fsrs-rs-python` (the engine "
                      "Anki uses) — or py-fsrs's, `pip install 'fsrs[optimizer]'` ({exc})",
           "short": "Not enough history yet: {scored} review{s} a day or more after the card's "
                    "previous one; the optimizer needs {needed} ({more} more).",
           "title": "Fit to {n:,} reviews by {engine} (lower is better)",
           "parameters": "parameters",
           "log_loss": "log loss", "rmse": "RMSE (bins)", "personal": "in use (personal)",
           "defaults": "in use (FSRS defaults)", "fitted": "fitted now",
           "kept": "[green]Kept the fitted parameters[/green] (parameters version {version}); "
                   "they schedule your next reviews.",
           "not_kept": "Kept the parameters in use: the fitted ones do not fit your history "
                       "better.",
           "advice": "Desired retention: the FSRS simulator's minimum recommended retention for "
                     "your parameters is {advice:.0%} (below it, reviews cost more time per card "
                     "remembered); yours is {desired:.0%} (`desired_retention` in the settings). "
                     "Before an interview, aiming higher is a fair trade of time for recall.",
           "no_advice": "(The desired-retention advice needs fsrs-rs-python's simulator.)",
           "workload": "The FSRS simulator, a year with your parameters: {cards:,} cards, "
                       "{new} new a day",
           "desired": "desired retention", "minutes": "review min/day",
           "remembered": "remembered after a year"},
    "zh": {"fitting": "正在用 {} 条复习记录（其中 {} 条可评分）拟合 FSRS…",
           "fallback": "未安装 fsrs-rs-python（Anki 使用的 FSRS 引擎）：改用 py-fsrs 的优化器"
                       "（较慢；需要 torch 和 pandas）。运行 `pip install fsrs-rs-python` 以使用参考引擎。",
           "missing": "没有安装任何 FSRS 优化器：`pip install fsrs-rs-python`（Anki 使用的引擎）"
                      "—— 或 py-fsrs 的优化器 `pip install 'fsrs[optimizer]'`（{exc}）",
           "short": "历史记录还不够：与该卡片上次复习相隔一天以上的复习有 {scored} 次；优化器需要 "
                    "{needed} 次（还差 {more} 次）。",
           "title": "{engine} 对 {n:,} 条复习记录的拟合（越低越好）", "parameters": "参数",
           "log_loss": "对数损失", "rmse": "RMSE（分箱）", "personal": "在用（个人）", "defaults": "在用（FSRS 默认）",
           "fitted": "本次拟合",
           "kept": "[green]已采用拟合出的参数[/green]（参数版本 {version}）；之后的复习按它们安排。",
           "not_kept": "保留在用的参数：拟合出的参数并不更符合你的历史记录。",
           "advice": "目标记住率：按你的参数，FSRS 模拟器建议的最低记住率为 {advice:.0%}"
                     "（低于它，每记住一张卡片要花更多复习时间）；你设置的是 {desired:.0%}"
                     "（设置中的 `desired_retention`）。面试前设得更高，是用时间换记忆，值得。",
           "no_advice": "（目标记住率的建议需要 fsrs-rs-python 的模拟器。）",
           "workload": "FSRS 模拟器：按你的参数模拟一年，{cards:,} 张卡片，每天 {new} 张新卡",
           "desired": "目标记住率", "minutes": "每天复习分钟", "remembered": "一年后记住"},
}


export_app = typer.Typer(help="Export the decks to Anki, or the review log to CSV.",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")

EXPORT_TEXT = {
    "en": {"anki": "wrote {path}: {notes} in {decks} ({langs}); import it in Anki "
                   "(File → Import); exporting again updates the notes already imported",
           "reviews": "wrote {path}: {n:,} review{s} (the FSRS optimizer's columns, then "
                      "dlstudy's)",
           "drawing": "drawing {n} exercise instances (torch)…",
           "running": "plots: running {n} of {total} derivations (quick, on the CPU; cached for "
                      "the next export; --no-plots skips them)…",
           "left_out": "the plots of {id} are left out: its quick CPU run {verdict}",
           "fail": "failed", "error": "did not finish",
           "media": "{n} plots as media"},
    "zh": {"anki": "已写入 {path}：{notes} 条笔记，{decks} 个牌组（{langs}）；在 Anki 中导入"
                   "（文件 → 导入）；再次导出会更新已导入的笔记，不会重复",
           "reviews": "已写入 {path}：{n:,} 条复习记录（先是 FSRS 优化器的列，然后是 dlstudy 的列）",
           "drawing": "正在生成 {n} 个练习实例（torch）…",
           "running": "图：正在运行 {total} 个推导中的 {n} 个（quick，CPU；结果会缓存，下次导出不再运行；"
                      "--no-plots 可跳过）…",
           "left_out": "{id} 的图未导出：它的 quick CPU 运行{verdict}",
           "fail": "未通过", "error": "没有完成",
           "media": "{n} 张图（媒体文件）"},
}


@export_app.command("anki")
def export_anki(
    target: Annotated[Path, typer.Argument(metavar="FILE.apkg", help="The Anki package to write.")],
    langs: Annotated[str, typer.Option("--lang", "-l", help="Language of the notes: en, zh or "
                                       "both (one note per card and language).")] = "",
    topic: TopicOpt = None,
    tag: TagOpt = None,
    no_plots: Annotated[bool, typer.Option(
        "--no-plots", help="Leave out the plots (otherwise drawn from the derivations' quick CPU "
        "results: the proof cache's, else a run, minutes the first time).")] = False,
) -> None:
    """Write the cards as an Anki package: decks dlstudy::TOPIC, one note per card and language.

    Each note keeps its GUID across exports (it is made of the card id and the language), so
    importing a newer export updates the notes instead of adding copies. The plots of a card's
    derivations come along as images (dlstudy-DERIVATION-N.png) unless --no-plots.
    """
    import tempfile

    from dlstudy.export import (
        LANG_CHOICES,
        ExportError,
        check_target,
        draw_plots,
        is_stream,
        langs_of,
        media_of,
        notes,
        write_apkg,
    )

    choice = langs or _lang(None)
    if choice not in LANG_CHOICES:
        _fail(f"--lang must be en, zh or both, not {choice!r}")
    if choice != "both":
        state.lang = choice
    ui = "zh" if _ui_lang() == "zh" else "en"
    library = _library(cached=True)
    topic = _topic(library, topic, ui)
    selection = library.select(topic, tag)
    if not selection:
        given = " ".join(f"{option} {value}" for option, value in (("--topic", topic), ("--tag", tag))
                         if value is not None)
        _fail(f"no card matches {given}")
    # `cards` → cards.apkg; a folder (`.`, `..`, `~/Desktop`) is not a name to add it to: the
    # check below refuses it ("it is a folder; give a file name")
    if not target.suffix and not is_stream(target) and not target.is_dir() \
            and target.name not in ("", ".", ".."):
        target = target.with_suffix(".apkg")
    try:
        check_target(target)  # before drawing the exercises, which takes a while
    except ExportError as exc:
        _fail(str(exc))
    results = [] if no_plots else _plot_results(library, selection, ui)
    exercises = sum(1 for c in selection if c.kind == "exercise")
    if exercises:
        err.print(EXPORT_TEXT[ui]["drawing"].format(n=3 * exercises * len(langs_of(choice))),
                  highlight=False)
    with tempfile.TemporaryDirectory(prefix="dlstudy-plots-") as folder:
        try:
            plots = draw_plots(results, Path(folder))
        except (OSError, ValueError) as exc:
            _fail(f"cannot draw the plots: {exc}")
        texts = notes(selection, langs_of(choice), plots=plots)
        media = media_of(texts, plots)
        try:
            decks = write_apkg(target, texts, media=media)
        except ExportError as exc:
            _fail(str(exc))
    notes_n = sum(decks.values())
    said = EXPORT_TEXT[ui]["anki"].format(
        path=target, langs=choice,
        notes=notes_n if ui == "zh" else _count(notes_n, "note"),
        decks=len(decks) if ui == "zh" else _count(len(decks), "deck"))
    if media:
        said += ("，" if ui == "zh" else ", ") + EXPORT_TEXT[ui]["media"].format(n=len(media))
    (err if is_stream(target) else console).print(said, highlight=False)  # not into a piped package


def _plot_results(library: Library, cards: list[Card], ui: str) -> list[Result]:
    """The quick CPU results of the derivations of ``cards`` that can record a plot: from the
    proof cache, else run now (with a progress bar) and cached. Ctrl-C exits 130."""
    from dlstudy.export import may_plot
    from dlstudy.runner import Interrupted, leave_on_second_interrupt
    from dlstudy.runner import prove as run_proofs

    ids = dict.fromkeys(d for c in cards for d in c.derivations if d in library.derivations)
    infos = [library.derivations[d] for d in ids if may_plot(library.derivations[d])]
    if not infos:
        return []
    cache = _proof_cache()
    todo = sum(cache.get(info, "cpu", "quick") is None for info in infos)
    if todo:
        err.print(EXPORT_TEXT[ui]["running"].format(n=todo, total=len(infos)), highlight=False)
    try:
        results = _run_with_progress(run_proofs, infos, "cpu", "quick", ui, _jobs(None, ui),
                                     cache, False, _timeout(None, "quick", ui),
                                     show=sys.stderr.isatty())
    except Interrupted as stop:
        leave_on_second_interrupt()
        done = sum(r.verdict != "error" for r in stop.finished)
        err.print(_msg(ui, "interrupted", done=done, total=stop.total), highlight=False)
        raise typer.Exit(130) from None
    if cache.problem:
        _warn(cache.problem)
    for result in results:
        if result.verdict != "pass":
            _warn(EXPORT_TEXT[ui]["left_out"].format(id=result.id,
                                                     verdict=EXPORT_TEXT[ui][result.verdict]))
    return [r for r in results if r.verdict == "pass"]


@export_app.command("reviews")
def export_reviews(
    target: Annotated[Path, typer.Argument(metavar="FILE.csv", help="The CSV file to write.")],
    lang: LangOpt = None,
) -> None:
    """Write the review log as CSV in the FSRS optimizer's format.

    Columns: card_id, review_time (ms since 1970, UTC), review_rating (1-4), review_state (the
    card's state when reviewed: 0 new, 1 learning, 2 review, 3 relearning), review_duration
    (ms); then dlstudy's: card, mode, predicted, auto_rating, seed, parameters_version.
    """
    from dlstudy.export import ExportError, is_stream, write_reviews_csv

    _messages_in(lang)
    ui = "zh" if _ui_lang() == "zh" else "en"
    with _store() as store, _readable(store):
        try:
            n = write_reviews_csv(target, store)
        except ExportError as exc:
            _fail(str(exc))
    (err if is_stream(target) else console).print(  # not into the CSV piped to stdout
        EXPORT_TEXT[ui]["reviews"].format(path=target, n=n, s="" if n == 1 else "s"),
        highlight=False)


@app.command("help")
def help_(ctx: typer.Context, command: Annotated[Optional[list[str]], typer.Argument(
        help="A command to explain (default: all of them).")] = None,
          lang: LangOpt = None) -> None:
    """Show this help (the same as --help); `dlstudy help COMMAND` explains one command."""
    _messages_in(lang)  # the help itself is in that language already: see Commands.main
    group: Any = ctx.parent  # the `dlstudy` group's context (click's, as typer vendors it)
    if not command:
        typer.echo(group.get_help(), nl=False)
        return
    known: list[str] = []
    for word in command:  # `help export anki`: a command of a command group
        if hasattr(group.command, "get_command"):
            known = group.command.list_commands(group)
            sub = group.command.get_command(group, word)
        else:
            sub = None  # `help quiz x`: quiz has no commands of its own
        if sub is None:
            _fail(f"no command {' '.join(command)!r}; commands: {', '.join(known)}")
        group = sub.context_class(sub, info_name=word, parent=group)
    typer.echo(group.get_help(), nl=False)


def _global_options_first(args: list[str]) -> list[str]:
    """``--data-dir PATH`` is an option of ``dlstudy`` itself; accept it after the subcommand
    too (``dlstudy stats --data-dir D``) by moving it to the front."""
    moved: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--data-dir" and i + 1 < len(args):
            moved += args[i:i + 2]
            i += 2
            continue
        if arg.startswith("--data-dir="):
            moved.append(arg)
        else:
            rest.append(arg)
        i += 1
    return moved + rest


def main() -> None:
    app(args=_global_options_first(sys.argv[1:]), prog_name="dlstudy")


if __name__ == "__main__":
    main()
