"""Words and numbers as the window, the tray and tooltips show them."""

from __future__ import annotations

from gui.confluence import plain_text
from gui.confluence.plain_text import display_text
from gui.polling.states import Phase, SiteState, TaskView

# Server text is shown up to this many characters at a time: a message can be megabytes (the
# client accepts bodies of a few MB), and laying out, comparing and cleaning that on every poll
# and every paint would stall the window for a second per megabyte.
SHOWN_CHARACTERS = 2000
_TITLE_CHARACTERS = 200


def shortened(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """Server text as the window shows it: at most about ``limit`` characters, saying how many
    more there were."""
    return plain_text.shortened(text, limit, count_rest=True)


def duration_text(seconds: float | None) -> str:
    """``42 s``, ``3:07``, ``1:02:05``; blank when unknown."""
    if seconds is None or seconds < 0:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def state_text(view: TaskView) -> str:
    """The State column: the phase in words, with "possibly stalled" for a task that sits still."""
    if view.phase is Phase.RUNNING and view.stalled:
        return "running (possibly stalled)"
    return view.phase.value


def message_text(view: TaskView, site_problem: str = "", limit: int = SHOWN_CHARACTERS) -> str:
    """The server's latest word on a task, or why it ended, as plain text of at most about
    ``limit`` characters; a task still waiting for its first answer shows ``site_problem`` (why
    its site gives none), when there is one."""
    return display_text(shortened(_message(view, site_problem), limit), multiline=True)


def _message(view: TaskView, site_problem: str) -> str:
    if view.phase is Phase.GONE:
        return view.last_error or "The site no longer knows this task."
    if view.last_error and not view.phase.ended:
        return view.last_error  # its latest answer could not be read: that is the news
    if view.status is None:
        return site_problem or "Waiting for the first answer"
    if view.phase is Phase.FAILED:
        return view.status.failure_reason
    return view.status.message


def title_text(view: TaskView) -> str:
    if view.status is None:
        return f"Task {shortened(view.task_id, _TITLE_CHARACTERS)}"
    return display_text(shortened(view.status.title, _TITLE_CHARACTERS))


_SITE_STATE_WORDS = {
    SiteState.IDLE: "idle",
    SiteState.OK: "ok",
    SiteState.NEEDS_SIGN_IN: "needs sign-in",
    SiteState.UNREACHABLE: "unreachable",
    SiteState.RATE_LIMITED: "rate limited",
    SiteState.PAUSED: "paused",
}


def site_state_text(state: SiteState, reason: str = "") -> str:
    """``needs sign-in: <reason>``; the reason is server or network text, shown as plain text."""
    words = _SITE_STATE_WORDS[state]
    return f"{words}: {display_text(reason)}" if reason and state is not SiteState.OK else words


def rich_tooltip(text: str) -> str:
    """Plain text made safe for a tooltip, which Qt renders as rich text when it looks like it.

    Escaping alone is not enough: escaped text that no longer looks like markup is shown with
    its entities, so the text is always wrapped as rich text with everything escaped.
    """
    # Imported here, not at the top: html loads html.entities (about 1.5 ms), and no tooltip
    # is set before the window's first paint.
    import html

    escaped = html.escape(display_text(text, multiline=True), quote=False).replace("\n", "<br>")
    return f"<qt>{escaped}</qt>"
