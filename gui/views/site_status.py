"""The status bar part that shows each site's state, its reason and when it was last polled.

A few sites get a label each; more get one summary line naming the sites that need attention.
Text that does not fit ends in "…" and the tooltip always holds every site's whole line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from gui.polling.states import SiteEvent, SiteState
from gui.views import formatting

# Up to this many sites, each has its own label; beyond, one summary line says which need care.
MAX_SITE_LABELS = 3
_TROUBLED = (SiteState.NEEDS_SIGN_IN, SiteState.UNREACHABLE, SiteState.RATE_LIMITED)
_KEPT_WHOLE_PX = 320
_SHORTEST_PX = 60


@dataclass
class SiteLine:
    """What the status bar knows about one site."""

    name: str
    state: SiteState = SiteState.IDLE
    reason: str = ""
    last_polled: float | None = None  # wall-clock time

    def text(self, paused: bool) -> str:
        state = SiteState.PAUSED if paused else self.state
        words = formatting.site_state_text(state, self.reason if not paused else "")
        polled = (
            time.strftime("%H:%M:%S", time.localtime(self.last_polled))
            if self.last_polled is not None
            else "never"
        )
        return f"{self.name}: {words} · last polled {polled}"

    @property
    def troubled(self) -> bool:
        # A site paused on its own (its token could not be read) carries a reason; the user's
        # global pause does not.
        return self.state in _TROUBLED or (self.state is SiteState.PAUSED and bool(self.reason))


class ElidedLabel(QLabel):
    """A plain-text label that ends its text in "…" when narrower than it, instead of cutting
    it off mid-letter; ``text()`` stays the whole text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        # A short line (a healthy site: name, "ok", last poll) is never cut; long ones (a
        # problem's reason) give way and end in "…".
        hint = super().minimumSizeHint()
        keep = hint.width() if hint.width() <= _KEPT_WHOLE_PX else _SHORTEST_PX
        return QSize(keep, hint.height())

    def displayed_text(self) -> str:
        """What the label shows at its current width."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(self.contentsRect(), int(flags), self.displayed_text())


class SiteStatusBar(QWidget):
    """One plain-text label per site, or a summary; ``changed`` fires when a site's state does."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: dict[str, SiteLine] = {}
        self._labels: dict[str, ElidedLabel] = {}
        self._paused = False
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(18)
        self.summary = ElidedLabel(self)
        self.summary.setObjectName("site-summary")
        self.summary.hide()
        self._layout.addWidget(self.summary, 1)

    def set_site(self, site_id: str, name: str) -> None:
        line = self._lines.get(site_id)
        if line is None:
            self._lines[site_id] = SiteLine(name)
            label = ElidedLabel(self)
            label.setObjectName(f"site-{site_id}")
            self._labels[site_id] = label
            self._layout.addWidget(label)
        else:
            line.name = name
        self._refresh(site_id)

    def remove_site(self, site_id: str) -> None:
        self._lines.pop(site_id, None)
        label = self._labels.pop(site_id, None)
        if label is not None:
            label.deleteLater()
        self._refresh_summary()
        self.changed.emit()

    def on_site_event(self, event: object) -> None:
        if not isinstance(event, SiteEvent):
            raise TypeError(f"expected a SiteEvent, got {type(event).__name__}")
        line = self._lines.get(event.site_id)
        if line is None:
            return  # a site removed while its last answer was on its way
        line.state, line.reason = event.state, event.reason
        self._refresh(event.site_id)

    def on_polled(self, site_id: str, wall_time: float) -> None:
        line = self._lines.get(site_id)
        if line is not None:
            line.last_polled = wall_time
            self._show_line(site_id)
            self._refresh_summary()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        for site_id in self._lines:
            self._refresh(site_id)

    @property
    def paused(self) -> bool:
        return self._paused

    def line(self, site_id: str) -> SiteLine | None:
        return self._lines.get(site_id)

    def lines(self) -> dict[str, SiteLine]:
        return dict(self._lines)

    def label_text(self, site_id: str) -> str:
        return self._labels[site_id].text()

    def problem(self, site_id: str) -> str:
        """Why a site gets no answers right now (its state and reason), or "" when it does."""
        line = self._lines.get(site_id)
        if self._paused:
            return "Polling is paused" if line is not None else ""
        if line is None or not line.troubled:
            return ""
        return f"Site {formatting.site_state_text(line.state, line.reason)}"

    def sites_needing_sign_in(self) -> list[str]:
        return [sid for sid, line in self._lines.items() if line.state is SiteState.NEEDS_SIGN_IN]

    def _refresh(self, site_id: str) -> None:
        self._show_line(site_id)
        self._refresh_summary()
        self.changed.emit()

    def _show_line(self, site_id: str) -> None:
        text = self._lines[site_id].text(self._paused)
        label = self._labels[site_id]
        label.setText(text)
        label.setToolTip(formatting.rich_tooltip(text))

    def _refresh_summary(self) -> None:
        compact = len(self._lines) > MAX_SITE_LABELS
        for label in self._labels.values():
            label.setVisible(not compact)
        self.summary.setVisible(compact)
        if not compact:
            return
        lines = list(self._lines.values())
        self.summary.setText(self._summary_text(lines))
        self.summary.setToolTip(
            formatting.rich_tooltip("\n".join(line.text(self._paused) for line in lines))
        )

    def _summary_text(self, lines: list[SiteLine]) -> str:
        count = f"{len(lines)} sites"
        if self._paused:
            return f"{count}: polling paused"
        troubled = [line for line in lines if line.troubled]
        if not troubled:
            polled = [line.last_polled for line in lines if line.last_polled is not None]
            last = time.strftime("%H:%M:%S", time.localtime(max(polled))) if polled else "never"
            return f"{count}: no problems · last polled {last}"
        verb = "needs" if len(troubled) == 1 else "need"
        names = ", ".join(
            f"{line.name} ({formatting.site_state_text(line.state)})" for line in troubled
        )
        return f"{count}: {len(troubled)} {verb} attention: {names}"
