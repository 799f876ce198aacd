"""Paints the Progress column as a progress bar with its percent, one painter call per cell.

No widget per row (the way qBittorrent does it): the delegate draws a bar into the cell, so a
thousand rows cost a thousand paints of what is visible, not a thousand widgets.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyledItemDelegate

from gui.polling.states import Phase, TaskView
from gui.views.task_model import Role

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

# Tints for the bar chunk by outcome; running keeps the palette's own highlight colour.
PHASE_COLOURS: dict[Phase, QColor] = {
    Phase.SUCCEEDED: QColor(46, 160, 67),
    Phase.FAILED: QColor(207, 34, 46),
    Phase.GONE: QColor(140, 140, 140),
    Phase.WAITING: QColor(140, 140, 140),
}
_RADIUS = 2.0
_TEXT_ALIGN = Qt.AlignmentFlag.AlignCenter


class ProgressDelegate(QStyledItemDelegate):
    """Draws a task's percent as a bar tinted by its phase; no text before a first answer.

    The bar is drawn here, in the shape of the Fusion style's, rather than by the style's
    CE_ProgressBar: that costs about twice as much per cell, and the visible rows of a large
    table are painted on every scroll step.
    """

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The selection background first, so a selected row still looks selected.
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawPrimitive(_panel_element(), option, painter)

        view = index.data(Role.VIEW)
        if not isinstance(view, TaskView):
            return
        known = view.status.percent if view.status is not None else None
        percent = min(100, max(0, known or 0))
        palette = option.palette
        chunk_colour = PHASE_COLOURS.get(view.phase) or palette.color(QPalette.ColorRole.Highlight)

        bar = QRectF(option.rect.adjusted(2, 2, -2, -2)).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(bar, _RADIUS, _RADIUS)
        chunk = QRectF(bar)
        chunk.setWidth(bar.width() * percent / 100)
        if percent > 0:
            painter.setPen(chunk_colour.darker(125))
            painter.setBrush(chunk_colour)
            painter.drawRoundedRect(chunk, _RADIUS, _RADIUS)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

        if known is not None:
            text = f"{percent} %"
            text_rect = option.rect.adjusted(2, 2, -2, -2)
            filled = chunk.toAlignedRect()
            # The text changes colour where the chunk ends, as the style's own bar does.
            rest = QRect(text_rect)
            rest.setLeft(filled.right() + 1)
            painter.setClipRect(rest)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(text_rect, _TEXT_ALIGN, text)
            painter.setClipRect(filled)
            painter.setPen(palette.color(QPalette.ColorRole.HighlightedText))
            painter.drawText(text_rect, _TEXT_ALIGN, text)
        painter.restore()

    def sizeHint(  # noqa: N802 - Qt API
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(120, max(option.fontMetrics.height() + 8, 22))


@functools.cache
def _panel_element() -> QStyle.PrimitiveElement:
    """The item-view panel primitive, looked up on the first paint of a cell: PySide6 builds the
    Python enums of QStyle (about 10 ms) when the class is first touched, and the window's
    first paint (an empty table) should not wait for them."""
    from PySide6.QtWidgets import QStyle

    return QStyle.PrimitiveElement.PE_PanelItemViewItem
