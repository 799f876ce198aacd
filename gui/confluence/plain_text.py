"""Server text made fit to show as plain text: no control characters, no bidi overrides, and,
where space is short, a bounded length.

Qt-free and free of any view, so the window (gui/views) and the desktop notifications
(gui/platform) clean server text the same way.
"""

from __future__ import annotations

ELLIPSIS = "…"


def _display_table(multiline: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # C0, DEL and C1 controls draw as empty boxes (or nothing) and mean nothing to a reader.
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)):
        table[code] = "\ufffd"
    for code in (0x09, 0x0A, 0x0D):
        table[code] = " "
    if multiline:
        del table[0x09], table[0x0A]  # tab and line feed kept as they are
        table[0x0D] = "\n"  # a lone CR reads as a line break (CRLF is collapsed before)
    # Bidi embeddings, overrides and isolates would let server text reorder what the user reads
    # (a file name that displays backwards, a message that hides its end).
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        table[code] = None
    return table


_ONE_LINE = _display_table(multiline=False)
_MULTILINE = _display_table(multiline=True)
# Every character display_text changes on one line: what a window would not show as it is.
NOT_SHOWN_AS_IS = frozenset(chr(code) for code in _ONE_LINE)


def display_text(text: str, *, multiline: bool = False) -> str:
    """Server text made safe to show: controls become spaces or U+FFFD, bidi controls go.

    ``multiline`` keeps line breaks and tabs (for the details pane and tooltips).
    """
    if multiline:
        return text.replace("\r\n", "\n").translate(_MULTILINE)
    return text.translate(_ONE_LINE)


def shortened(text: str, limit: int, *, count_rest: bool = False) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when it was cut; with
    ``count_rest``, its first ``limit`` characters and then how many were left out."""
    if len(text) <= limit:
        return text
    if count_rest:
        return f"{text[:limit]}{ELLIPSIS} ({len(text) - limit} more characters)"
    return text[: limit - 1].rstrip() + ELLIPSIS
