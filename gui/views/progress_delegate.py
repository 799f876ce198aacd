"""Paints the Progress column as a progress bar with its percent, one painter call per cell.

No widget per row (the way qBittorrent does it): the style draws a bar into the cell, so a
thousand rows cost a thousand paints of what is visible, not a thousand widgets.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from gui.polling.states import Phase
from gui.views.task_model import Role

# Tints for the bar chunk by outcome; running keeps the style's own highlight colour.
PHASE_COLOURS: dict[Phase, QColor] = {
    Phase.SUCCEEDED: QColor(46, 160, 67),
    Phase.FAILED: QColor(207, 34, 46),
    Phase.GONE: QColor(140, 140, 140),
    Phase.WAITING: QColor(140, 140, 140),
}


class ProgressDelegate(QStyledItemDelegate):
    """Draws ``Role.PERCENT`` as a bar tinted by ``Role.PHASE``; no text before a first answer."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The selection background first, so a selected row still looks selected.
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter)

        phase = index.data(Role.PHASE)
        known = index.data(Role.PERCENT)
        percent = int(known) if known is not None else 0
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 2, -2, -2)
        # Qt 6 has no orientation field: a bar without State_Horizontal is drawn vertically.
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.direction = option.direction
        bar.fontMetrics = option.fontMetrics
        bar.minimum = 0
        bar.maximum = 100
        bar.progress = percent
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.text = "" if known is None else f"{percent} %"
        palette = QPalette(option.palette)
        colour = PHASE_COLOURS.get(phase) if isinstance(phase, Phase) else None
        if colour is not None:
            palette.setColor(QPalette.ColorRole.Highlight, colour)
        bar.palette = palette
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)

    def sizeHint(  # noqa: N802 - Qt API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(120, max(option.fontMetrics.height() + 8, 22))
