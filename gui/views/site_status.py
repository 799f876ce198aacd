"""The status bar part that shows each site's state, its reason and when it was last polled."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from gui.polling.states import SiteEvent, SiteState
from gui.views import formatting


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


class SiteStatusBar(QWidget):
    """One plain-text label per site; ``changed`` fires when any site's state changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines: dict[str, SiteLine] = {}
        self._labels: dict[str, QLabel] = {}
        self._paused = False
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(18)

    def set_site(self, site_id: str, name: str) -> None:
        line = self._lines.get(site_id)
        if line is None:
            self._lines[site_id] = SiteLine(name)
            label = QLabel(self)
            label.setTextFormat(Qt.TextFormat.PlainText)
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
            self._labels[site_id].setText(line.text(self._paused))

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        for site_id in self._lines:
            self._refresh(site_id)

    def line(self, site_id: str) -> SiteLine | None:
        return self._lines.get(site_id)

    def lines(self) -> dict[str, SiteLine]:
        return dict(self._lines)

    def label_text(self, site_id: str) -> str:
        return self._labels[site_id].text()

    def sites_needing_sign_in(self) -> list[str]:
        return [sid for sid, line in self._lines.items() if line.state is SiteState.NEEDS_SIGN_IN]

    def _refresh(self, site_id: str) -> None:
        line = self._lines[site_id]
        label = self._labels[site_id]
        label.setText(line.text(self._paused))
        label.setToolTip(formatting.rich_tooltip(line.text(self._paused)))
        self.changed.emit()
