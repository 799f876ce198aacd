"""A strip at the top of the window for something the user must read once (e.g. the saved
settings had to be set aside): plain text, selectable, closed with its own button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class NoticeBanner(QFrame):
    """Hidden until ``show_notice``; a new notice replaces the one shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice-banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # A warm background that reads as "note this", in light and dark themes alike.
        self.setStyleSheet(
            "#notice-banner { background: #fff4ce; border: 1px solid #e0b000; }"
            "#notice-banner QLabel { color: #3a2e00; }"
        )
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_notice(self, text: str) -> None:
        self.label.setText(text)
        self.show()
