"""Card text that wraps the way Chinese is typeset: between any two ideographs.

Kept apart from :mod:`dlstudy.render` so that the CLI's consoles can use it at start-up."""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, ConsoleRenderable, JustifyMethod, OverflowMethod
from rich.containers import Lines
from rich.measure import Measurement
from rich.text import Text as RichText

# Chinese wraps between any two characters, but never puts closing punctuation (，。）…) at the
# start of a line or opening punctuation at the end of one; Latin words and numbers stay whole.
_IDEOGRAPH = "\u2e80-\u2fff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CLOSING = "，。、；：？！）》」』】〉〕”’…％"
_OPENING = "（《「『【〈〔“‘"
# One word (with the spaces around it) where any ideograph may end a line; the last alternative
# takes what is left alone (an opening mark at the end of the text), so the words tile the text.
CJK_WORD = re.compile(rf"\s*[{_OPENING}]*(?:[{_IDEOGRAPH}]|[^\s{_IDEOGRAPH}{_OPENING}{_CLOSING}]+"
                      rf"|[{_CLOSING}]|\S)[{_CLOSING}]*\s*")
_HAS_CJK = re.compile(rf"[{_IDEOGRAPH}]")


def _cjk_breaks(text: str, width: int) -> list[int]:
    """Where to break ``text`` to fit ``width`` cells, as rich's ``divide_line`` does for
    words, with every ideograph a word of its own (the kinsoku rules above kept)."""
    breaks: list[int] = []
    offset = 0
    for m in CJK_WORD.finditer(text):
        start, word = m.start(), m.group(0)
        length = cell_len(word.rstrip())
        if offset + length <= width:
            offset += cell_len(word)
        elif length > width:  # a word wider than the line: fold it, as rich does
            pieces = chop_cells(word, width)
            for piece in pieces:
                if start:
                    breaks.append(start)
                start += len(piece)
            offset = cell_len(pieces[-1])
        elif start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks


class Prose(RichText):
    """Card text: wrapped like rich's ``Text``, except that a line holding Chinese may break
    between ideographs. Rich breaks only at spaces, so "… W 的梯度是每个时间步贡献之和（BPTT）。"
    moved whole to the next line and left a third of the line above empty."""

    __slots__ = ()  # as Text: ProseConsole turns a Text into Prose in place

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        # in a table, the narrowest a cell can be is its widest unbreakable piece: for Chinese
        # one ideograph, not a whole run of them (which made rich crop the cell with "…")
        measured = super().__rich_measure__(console, options)
        if not _HAS_CJK.search(self.plain):
            return measured
        pieces = [cell_len(m.group(0).strip()) for m in CJK_WORD.finditer(self.plain)]
        return Measurement(min(measured.minimum, max(pieces, default=0)), measured.maximum)

    def wrap(self, console: Console, width: int, *, justify: JustifyMethod | None = None,
             overflow: OverflowMethod | None = None, tab_size: int = 8,
             no_wrap: bool | None = None) -> Lines:
        if not _HAS_CJK.search(self.plain) or no_wrap or self.no_wrap:
            return super().wrap(console, width, justify=justify, overflow=overflow,
                                 tab_size=tab_size, no_wrap=no_wrap)
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            new_lines = line.divide(_cjk_breaks(line.plain, width))
            for piece in new_lines:
                if cell_len(piece.plain) > width:  # rstrip_end counts characters, not cells:
                    piece.rstrip()  # a space after a line of ideographs got it cropped with "…"
            new_lines.justify(console, width, justify=justify or self.justify or "default",
                              overflow=overflow or self.overflow or "fold")
            for piece in new_lines:
                piece.truncate(width, overflow=overflow or self.overflow or "fold")
            lines.extend(new_lines)
        return lines


class ProseConsole(Console):
    """A console whose printed strings (messages, prompts) wrap Chinese between ideographs too:
    rich breaks only at spaces, so "这里没有编辑器（未设置 $EDITOR，…）" broke before "$EDITOR"
    and left the line above half empty."""

    def _collect_renderables(self, *args: Any, **kwargs: Any) -> list[ConsoleRenderable]:
        renderables: list[ConsoleRenderable] = super()._collect_renderables(*args, **kwargs)
        for renderable in renderables:  # printed strings come back joined into one plain Text
            if type(renderable) is RichText:
                renderable.__class__ = Prose  # Prose adds behaviour only, no state
        return renderables
