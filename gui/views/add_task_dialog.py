"""The "Add task" dialog: paste a task id, a task URL or the JSON answer that started a task,
pick the site (chosen for you when the URL names one you have), and watch it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.confluence.errors import InvalidInput
from gui.confluence.site import SiteAddress, SiteConfig
from gui.confluence.task_ref import TaskRef, parse_task_ref
from gui.views.settings_site_form import plain_label


def matching_site(sites: list[SiteConfig], address: SiteAddress) -> SiteConfig | None:
    """The configured site an address belongs to: same base URL, or same Cloud id."""
    wanted = address.base_url.lower().rstrip("/")
    for site in sites:
        if site.base_url.lower().rstrip("/") == wanted:
            return site
    if address.cloud_id:
        return next((s for s in sites if s.address.cloud_id == address.cloud_id), None)
    return None


class AddTaskDialog(QDialog):
    """Returns ``(site_id, task_id)`` from ``chosen()`` once accepted; see ``ask()``."""

    addSiteRequested = Signal(str)  # noqa: N815 - the base URL of a site the user does not have

    def __init__(self, sites: list[SiteConfig], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add task")
        self._ref: TaskRef | None = None
        self._unknown_site: SiteAddress | None = None

        self.input = QPlainTextEdit()
        self.input.setPlaceholderText(
            "A task id, a task URL (…/rest/api/longtask/<id>), "
            "or the JSON answer that started the task"
        )
        self.input.setTabChangesFocus(True)
        self.site = QComboBox()
        self.feedback = plain_label()
        self.add_site_button = QPushButton("Add this site…")
        self.add_site_button.clicked.connect(self._request_site)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Watch")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # Enter starts a new line of the text box (a 202 body spans several): Ctrl+Enter watches.
        self.watch_action = QAction("Watch", self)
        self.watch_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.watch_action.triggered.connect(
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).click
        )
        self.addAction(self.watch_action)

        form = QFormLayout()
        form.addRow("Task", self.input)
        form.addRow("Site", self.site)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.feedback)
        layout.addWidget(self.add_site_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)

        self.input.textChanged.connect(self._parse)
        self.site.currentIndexChanged.connect(self._update)
        self.set_sites(sites)

    @classmethod
    def ask(cls, sites: list[SiteConfig], parent: QWidget | None = None) -> tuple[str, str] | None:
        """Run the dialog; ``(site_id, task_id)`` to watch, or None when cancelled."""
        dialog = cls(sites, parent)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def set_sites(self, sites: list[SiteConfig]) -> None:
        """Offer these sites (call again after the user added one)."""
        self._sites = list(sites)
        self.site.clear()
        for site in self._sites:
            self.site.addItem(site.name, site.site_id)
        self._parse()

    def chosen(self) -> tuple[str, str] | None:
        """The site and task to watch, when the input is valid and a site is chosen."""
        site_id = self.site.currentData()
        if self._ref is None or self._unknown_site is not None or not site_id:
            return None
        return str(site_id), self._ref.task_id

    def _parse(self) -> None:
        text = self.input.toPlainText()
        # Forget the previous text's task before reading this one, so that nothing can leave
        # Watch offering a task the box no longer shows.
        self._ref = None
        self._unknown_site = None
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        try:
            self._ref = parse_task_ref(text) if text.strip() else None
        except InvalidInput as error:
            self._ref = None
            self._show(str(error), valid=False)
            return
        if self._ref is not None and self._ref.site is not None:
            site = matching_site(self._sites, self._ref.site)
            if site is None:
                self._unknown_site = self._ref.site
            else:
                self.site.setCurrentIndex(self.site.findData(site.site_id))
        self._update()

    def _update(self) -> None:
        if not self._sites:
            self._show("Add a site first: there is no site to watch the task on.", valid=False)
            self.add_site_button.setVisible(True)
            return
        if self._ref is None:
            if not self.input.toPlainText().strip():
                self._show("", valid=False)
            return
        if self._unknown_site is not None:
            self._show(
                f"That URL is on {self._unknown_site.base_url}, which is not one of your sites. "
                "Add it first, then watch the task.",
                valid=False,
            )
            self.add_site_button.setVisible(True)
            return
        self._show(f"Task {self._ref.task_id} on {self.site.currentText()}", valid=True)

    def _show(self, text: str, *, valid: bool) -> None:
        self.feedback.setText(text)
        self.feedback.setStyleSheet("" if valid or not text else "color: #b00020")
        self.add_site_button.setVisible(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(valid)

    def _request_site(self) -> None:
        self.addSiteRequested.emit(self._unknown_site.base_url if self._unknown_site else "")
