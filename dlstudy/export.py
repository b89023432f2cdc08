"""Export: the decks as an Anki package (``.apkg``), the review log as the FSRS optimizer's CSV.

Anki package (through ``genanki``): one note per card and language. A note's GUID is derived
from the card id and the language only, so editing a card's text and exporting again makes
Anki *update* the note it already has (its review history in Anki is kept) instead of adding a
second one. Decks are ``dlstudy::<topic>``; tags name the topic, the level and the kind.

- recall cards: question → answer, the misconception it corrects, the derivations;
- claim cards: the statement → its verdict (true/false) and the deciding evidence row, read from
  the derivation's recorded quick snapshot (``derivations/_evidence/quick/``: nothing runs);
- exercise cards: a few fixed-seed instances, each with the expected answer and the worked
  solution (drawing one computes it with torch);
- code cards: the task and its stub → a reference solution;
- every card: the plots its derivations record, drawn from their quick CPU results (the proof
  cache's, else a run) as PNG media ``dlstudy-<derivation>-<n>.png``. The names never change,
  so importing a newer export finds the same file instead of adding a second one.

Text is HTML-escaped (a card's ``<`` and ``&`` stay text) and math stays Unicode.

Review log CSV: the columns of the FSRS optimizer's input (``card_id, review_time,
review_rating, review_state, review_duration``, time and duration in milliseconds, state 0 New,
1 Learning, 2 Review, 3 Relearning: the card's state when it was reviewed, as logged with the
review), then dlstudy's own.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlstudy.card import Card
from dlstudy.derivation import DerivationInfo, read_source
from dlstudy.evidence import Result

LANG_CHOICES = ("en", "zh", "both")
EXERCISE_SEEDS = (1, 2, 3)  # fixed: the same instances on every export
MODEL_ID = 1_607_392_319  # fixed forever: Anki matches notes to their note type by it
CSV_COLUMNS = ("card_id", "review_time", "review_rating", "review_state", "review_duration",
               "card", "mode", "predicted", "auto_rating", "seed", "parameters_version")
_CSS = """.card { font-family: -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
  sans-serif; font-size: 18px; text-align: left; line-height: 1.45; }
pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 14px;
  white-space: pre-wrap; background: #f4f4f4; padding: 6px; }
.label { color: #777; font-size: 14px; }
.verdict { font-weight: bold; font-size: 22px; }
table { border-collapse: collapse; font-size: 15px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
img.plot { max-width: 100%; height: auto; display: block; margin: 6px 0; }
"""


class ExportError(Exception):
    """An export that cannot be written (the path, the folder); the message says why."""


WORDS = {
    "en": {"answer": "Answer", "correction": "Common misconception", "proved": "Proved by",
           "true": "TRUE", "false": "FALSE", "row": "Deciding evidence (quick run)",
           "passed": "passed", "failed": "failed",
           "no_row": "no recorded evidence for this row: run `dlstudy prove {d} --record`",
           "statement": "True or false?", "instance": "Instance {i} (seed {seed})",
           "expected_answer": "Answer", "solution": "Worked solution", "task": "Write this function",
           "reference": "A reference solution", "sources": "Sources", "colon": ": ",
           "plots": "Plots (quick run of {d})"},
    "zh": {"answer": "答案", "correction": "常见误解", "proved": "证明见", "true": "正确",
           "false": "错误", "row": "决定性证据（quick 运行）", "passed": "通过", "failed": "未通过",
           "no_row": "这一行还没有记录的证据：运行 `dlstudy prove {d} --record`",
           "statement": "判断对错：", "instance": "实例 {i}（种子 {seed}）",
           "expected_answer": "答案", "solution": "解题过程", "task": "写出这个函数",
           "reference": "参考解答", "sources": "来源", "colon": "：",
           "plots": "图（{d} 的 quick 运行）"},
}


def _h(text: str) -> str:
    """Card text as HTML: escaped, line breaks kept."""
    return html.escape(text).replace("\n", "<br>")


def _pre(code: str) -> str:
    return f"<pre>{html.escape(code)}</pre>"


def stable_id(*parts: str) -> int:
    """A stable 31-bit id (Anki deck ids) derived from ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return 1 << 30 | int.from_bytes(digest[:4], "big") >> 2


def guid(card_id: str, lang: str) -> str:
    """The note's GUID: the card id and the language, nothing of its text (so an edit updates)."""
    import genanki

    return str(genanki.guid_for("dlstudy", card_id, lang))


@dataclass(frozen=True)
class NoteText:
    """What one exported note says."""

    card_id: str
    lang: str
    front: str
    back: str
    deck: str
    tags: tuple[str, ...]


def tags_of(card: Card, lang: str) -> tuple[str, ...]:
    """Anki tags: the topic, ``level::N``, ``kind::K``, the language and the card's own tags."""
    found = ["dlstudy", card.topic or "untopiced", f"level::{card.level}", f"kind::{card.kind}",
             f"lang::{lang}", *card.tags]
    return tuple(dict.fromkeys(found))


def _claim_back(card: Card, lang: str) -> str:
    from dlstudy import bind

    w = WORDS[lang]
    spec = card.claim
    assert spec is not None
    row = bind.current().row(bind.Ref("quick", spec.derivation, spec.row))
    if row is None:
        return f'<div class="label">{_h(w["no_row"].format(d=spec.derivation))}</div>'
    passed = bool(row.get("passed"))
    truth = passed != (spec.statement == "denies")
    from dlstudy.render import EVIDENCE_HEADINGS, _fmt, _relation

    heads = EVIDENCE_HEADINGS[lang]
    measured, expected = row.get("measured"), row.get("expected")
    cells = [str(row.get("quantity", spec.row)), "" if measured is None else _fmt(measured),
             _relation(str(row.get("relation") or ""), lang),
             "" if expected is None else _fmt(expected)]
    table = ("<table><tr>" + "".join(f"<th>{_h(h)}</th>" for h in heads) + "<th></th></tr><tr>"
             + "".join(f"<td>{_h(c)}</td>" for c in cells)
             + f"<td>{'✓' if passed else '✗'} {w['passed'] if passed else w['failed']}</td>"
             "</tr></table>")
    return (f'<div class="verdict">{w["true" if truth else "false"]}</div>'
            f'<div class="label">{w["row"]} · {_h(spec.derivation)}.{_h(spec.row)}</div>'
            f"{table}")


def _exercise_parts(card: Card, lang: str, seeds: Sequence[int]) -> tuple[str, str]:
    from dlstudy import exercises

    w = WORDS[lang]
    assert card.exercise is not None
    front, back = [], []
    for i, seed in enumerate(seeds, 1):
        ex = exercises.draw(card.exercise.generator, seed)
        head = f'<div class="label">{_h(w["instance"].format(i=i, seed=seed))}</div>'
        front.append(f"{head}<div>{_h(ex.prompt.get(lang))}</div>")
        back.append(f"{head}<div><b>{w['expected_answer']}{w['colon']}{_h(ex.shown())}</b></div>"
                    f'<div class="label">{w["solution"]}</div>'
                    f"<div>{_h(ex.solution.get(lang))}</div>")
    return "<hr>".join(front), "<hr>".join(back)


@dataclass(frozen=True)
class PlotFile:
    """One plot drawn as a media file: its name in the package, its title, where it lies."""

    name: str
    title: str
    path: Path


def media_name(derivation: str, n: int) -> str:
    """The media file of a derivation's ``n``-th plot (from 1): the same on every export."""
    return f"dlstudy-{derivation}-{n}.png"


def may_plot(info: DerivationInfo) -> bool:
    """Whether the derivation can record a plot: its source mentions ``plot`` (``p.plot(…)``).
    Those that cannot are never run for an export. An unreadable module counts as plotting
    (running it reports the problem)."""
    try:
        return "plot" in read_source(info.path)
    except (OSError, ValueError):
        return True


def draw_plots(results: Iterable[Result], folder: Path) -> dict[str, list[PlotFile]]:
    """Draw each result's plots as PNG files in ``folder``; derivation id → its plot files."""
    from dlstudy.render import draw_plot

    drawn: dict[str, list[PlotFile]] = {}
    for result in results:
        for n, plot in enumerate(result.plots, 1):
            name = media_name(result.id, n)
            draw_plot(plot, str(folder / name), stable=True)
            drawn.setdefault(result.id, []).append(PlotFile(name, plot.title, folder / name))
    return drawn


def _plots_html(card: Card, lang: str, plots: Mapping[str, Sequence[PlotFile]]) -> str:
    parts = []
    for derivation in dict.fromkeys(card.derivations):
        files = plots.get(derivation, ())
        if files:
            parts.append(f'<div class="label">{_h(WORDS[lang]["plots"].format(d=derivation))}</div>'
                         + "".join(f'<img class="plot" src="{html.escape(f.name)}" '
                                   f'alt="{html.escape(f.title)}">' for f in files))
    return "".join(parts)


def note_text(card: Card, lang: str, seeds: Sequence[int] = EXERCISE_SEEDS,
              plots: Mapping[str, Sequence[PlotFile]] | None = None) -> NoteText:
    """The front and back of ``card``'s note in ``lang``; ``plots`` (derivation id → its plot
    files) adds the plots of the card's derivations to the back."""
    w = WORDS[lang]
    title = f"<b>{_h(card.title.get(lang))}</b>"
    question = _h(card.question.get(lang))
    answer = f'<div class="label">{w["answer"]}</div><div>{_h(card.answer.get(lang))}</div>'
    if card.kind == "claim":
        front = f'{title}<div class="label">{w["statement"]}</div><div>{question}</div>'
        back = _claim_back(card, lang) + "<hr>" + answer
    elif card.kind == "exercise":
        shown, solved = _exercise_parts(card, lang, seeds)
        front = f"{title}<div>{question}</div><hr>{shown}"
        back = f"{answer}<hr>{solved}"
    elif card.kind == "code":
        from dlstudy import coding

        assert card.code is not None
        task = coding.get(card.code.task)
        front = (f'{title}<div>{question}</div><div class="label">{w["task"]}</div>'
                 f"{_pre(task.stub_in(lang))}")
        back = f'{answer}<div class="label">{w["reference"]}</div>{_pre(task.solution)}'
    else:
        front = f"{title}<div>{question}</div>"
        back = answer
    if card.correction is not None:
        back += (f'<hr><div class="label">{w["correction"]}</div>'
                 f"<div>{_h(card.correction.get(lang))}</div>")
    if card.derivations:
        back += (f'<div class="label">{w["proved"]}{w["colon"]}'
                 f'{_h(", ".join(card.derivations))}</div>')
    sources = [s.label() for s in card.sources if s.label()]
    if sources:
        back += (f'<div class="label">{w["sources"]}{w["colon"]}'
                 + "<br>".join(_h(s) for s in sources) + "</div>")
    if plots:
        shown = _plots_html(card, lang, plots)
        if shown:
            back += "<hr>" + shown
    deck = f"dlstudy::{card.topic or 'cards'}"
    return NoteText(card.id, lang, front, back, deck, tags_of(card, lang))


def _model() -> Any:
    import genanki

    return genanki.Model(
        MODEL_ID, "dlstudy",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "CardId"}, {"name": "Lang"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                    "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'}],
        css=_CSS, sort_field_index=2)


def is_stream(path: Path) -> bool:
    """A path that is neither a file nor a folder: a device or a pipe (``/dev/stdout``)."""
    return path.exists() and not path.is_file() and not path.is_dir()


def check_target(path: Path) -> None:
    if is_stream(path):
        if not os.access(path, os.W_OK):
            raise ExportError(f"cannot write {path} — it is not writable")
        return
    if path.is_dir():
        raise ExportError(f"cannot write {path} — it is a folder; give a file name")
    real = Path(os.path.realpath(path))  # a symbolic link: the file it names is written
    folder = real.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"cannot write {path} — {folder} is a file, not a folder")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path} — the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"cannot write {path} — the folder {folder} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"cannot write {path} — the file is not writable")


def _replace(path: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file.
    Through a symbolic link, the file it names is replaced and the link kept; a device or a
    pipe (``/dev/stdout``) gets the finished file streamed into it, and is never replaced."""
    check_target(path)
    special = is_stream(path)
    target = path if special else Path(os.path.realpath(path))
    mask = os.umask(0)
    os.umask(mask)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=None if special else target.parent)
        os.close(fd)
        write(tmp)
        if special:
            with open(tmp, "rb") as finished, open(path, "wb") as out:
                shutil.copyfileobj(finished, out)
        else:
            os.chmod(tmp, 0o666 & ~mask)  # as an ordinary new file (mkstemp makes it private)
            os.replace(tmp, target)
    except OSError as exc:
        raise ExportError(f"cannot write {path} — {exc.strerror or exc}") from None
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def notes(cards: Iterable[Card], langs: Sequence[str], seeds: Sequence[int] = EXERCISE_SEEDS,
          plots: Mapping[str, Sequence[PlotFile]] | None = None) -> list[NoteText]:
    return [note_text(card, lang, seeds, plots) for card in cards for lang in langs]


def media_of(texts: Iterable[NoteText], plots: Mapping[str, Sequence[PlotFile]]) -> list[Path]:
    """The plot files the notes reference (each once): what the package must carry."""
    wanted = "".join(t.back for t in texts)
    return [f.path for files in plots.values() for f in files if f'src="{f.name}"' in wanted]


def write_apkg(path: Path, texts: Sequence[NoteText], timestamp: float | None = None,
               media: Sequence[Path] = ()) -> dict[str, int]:
    """Write the notes to ``path`` as an Anki package; returns the number of notes per deck.

    ``timestamp`` (default: now) is the notes' modification time: Anki updates a note it already
    has when the imported one is newer. ``media``: files the notes reference by their name
    (``<img src="NAME">``), carried in the package."""
    check_target(path)
    import genanki

    model = _model()
    decks: dict[str, Any] = {}
    for t in texts:
        deck = decks.get(t.deck)
        if deck is None:
            deck = decks[t.deck] = genanki.Deck(stable_id("deck", t.deck), t.deck)
        deck.add_note(genanki.Note(model=model, fields=[t.front, t.back, t.card_id, t.lang],
                                   tags=list(t.tags), guid=guid(t.card_id, t.lang)))
    package = genanki.Package(list(decks.values()), media_files=[str(m) for m in media])
    _replace(path, lambda tmp: package.write_to_file(tmp, timestamp=timestamp))
    return {name: len(deck.notes) for name, deck in decks.items()}


def langs_of(choice: str) -> tuple[str, ...]:
    return ("en", "zh") if choice == "both" else (choice,)


# -- the review log ---------------------------------------------------------------------------

def review_rows(store: Any) -> list[tuple[Any, ...]]:
    """The log as CSV rows (``CSV_COLUMNS``); the state is the one logged with each review."""
    if store.get_meta("before_filled") is None:  # a log from before the state was logged
        store.backfill_before()
        store.set_meta("before_filled", "1")
    rows = []
    for number, card_id, rating, at, duration, version, predicted, mode, auto, seed, state in \
            store.conn.execute(
                "SELECT r.card, c.id, r.rating, r.at, r.duration_ms, r.version, r.predicted, "
                "r.mode, r.auto_rating, r.seed, r.state_before FROM reviews r "
                "JOIN cards c ON c.number = r.card ORDER BY r.id"):
        rows.append((number, at // 1000, rating, state, "" if duration is None else duration,
                     card_id, mode, "" if predicted is None else round(predicted, 6),
                     "" if auto is None else auto, "" if seed is None else seed, version))
    return rows


def write_reviews_csv(path: Path, store: Any) -> int:
    """Write the review log to ``path``; returns the number of reviews."""
    rows = review_rows(store)

    def write(target: str) -> None:
        with open(target, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(CSV_COLUMNS)
            out.writerows(rows)

    _replace(path, write)
    return len(rows)
