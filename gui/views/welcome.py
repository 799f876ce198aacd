"""What the window shows before any site is configured: add a site, or try the demo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePanel(QWidget):
    """Two ways in for a first start: a real site, or the built-in simulated Confluence."""

    def __init__(self, add_site: QAction, try_demo: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)

        heading = QLabel("No Confluence site yet")
        heading.setTextFormat(Qt.TextFormat.PlainText)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)

        hint = QLabel(
            "Add your site to watch its long-running tasks (space exports, imports, page "
            "copies and deletions), or try the demo to see the app at work on a simulated site."
        )
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)

        self.add_site_button = QPushButton("Add a site…")
        self.add_site_button.setDefault(True)
        self.add_site_button.clicked.connect(add_site.trigger)
        self.demo_button = QPushButton("Try the demo")
        self.demo_button.clicked.connect(try_demo.trigger)
        for button in (self.add_site_button, self.demo_button):
            button.setMinimumWidth(180)
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
