"""The Settings dialog: the list of sites (add, edit, remove) and the global preferences.

Site changes are saved as soon as the site's own dialog is saved (``siteSaved``/``siteRemoved``,
then ``sitesChanged``); preferences are saved on OK (``preferencesChanged``).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.confluence.site import SiteConfig
from gui.platform.secrets import Secrets, SecretsError
from gui.platform.store import Store
from gui.platform.store_schema import DISCOVERY_INTERVAL_RANGE, POLL_INTERVAL_RANGE, Preferences
from gui.views.settings_site_dialog import SiteDialog
from gui.views.settings_site_form import plain_label

log = logging.getLogger(__name__)

NOTIFICATION_LABELS = {
    "succeeded": "A task finished successfully",
    "failed": "A task failed",
    "sign-in": "A site refused the credentials",
    "gone": "A task disappeared (lasting 404)",
}


class SettingsDialog(QDialog):
    """Sites and preferences; open with ``SettingsDialog(store, secrets, parent).exec()``."""

    sitesChanged = Signal()  # noqa: N815
    siteSaved = Signal(str)  # noqa: N815 - added or edited: re-read its config and credentials
    siteRemoved = Signal(str)  # noqa: N815
    preferencesChanged = Signal(object)  # noqa: N815 - the new Preferences

    def __init__(self, store: Store, secrets: Secrets, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._store = store
        self._secrets = secrets
        self.site_dialog: SiteDialog | None = None

        self.site_list = QListWidget()
        self.site_list.itemDoubleClicked.connect(lambda _item: self.edit_site())
        self.site_list.currentRowChanged.connect(self._update_buttons)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        # clicked passes ``checked``; it must not become the address.
        self.add_button.clicked.connect(lambda: self.add_site())
        self.edit_button.clicked.connect(self.edit_site)
        self.remove_button.clicked.connect(self.remove_site)
        self.message = plain_label(store.problem or "")
        buttons = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        sites_row = QHBoxLayout()
        sites_row.addWidget(self.site_list, 1)
        sites_row.addLayout(buttons)
        sites_tab = QWidget()
        sites_layout = QVBoxLayout(sites_tab)
        sites_layout.addLayout(sites_row)

        tabs = QTabWidget()
        tabs.addTab(sites_tab, "Sites")
        tabs.addTab(self._general_tab(store.preferences), "General")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.apply_preferences)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._fill_sites()

    def _general_tab(self, prefs: Preferences) -> QWidget:
        self.poll_interval = QDoubleSpinBox()
        self.poll_interval.setRange(*POLL_INTERVAL_RANGE)
        self.poll_interval.setDecimals(1)  # "5.0 s": tenths are as fine as polling needs
        self.poll_interval.setSingleStep(0.5)
        self.poll_interval.setSuffix(" s")
        self.poll_interval.setValue(prefs.poll_interval)
        self.discovery_interval = QSpinBox()
        self.discovery_interval.setRange(*map(round, DISCOVERY_INTERVAL_RANGE))
        self.discovery_interval.setSuffix(" s")
        self.discovery_interval.setValue(round(prefs.discovery_interval))
        self.notify_boxes: dict[str, QCheckBox] = {}
        self.start_on_login = QCheckBox("Start Confluence Task Tray when I log in")
        self.start_on_login.setChecked(prefs.start_on_login)

        tab = QWidget()
        form = QFormLayout(tab)
        form.addRow("Check running tasks every", self.poll_interval)
        form.addRow("Look for new tasks every", self.discovery_interval)
        for kind, label in NOTIFICATION_LABELS.items():
            box = QCheckBox(label)
            box.setChecked(prefs.notifies(kind))
            self.notify_boxes[kind] = box
            form.addRow("Notify when" if kind == "succeeded" else "", box)
        form.addRow("", self.start_on_login)
        return tab

    # Sites

    def _fill_sites(self) -> None:
        self.site_list.clear()
        for site in self._store.sites:
            item = QListWidgetItem(f"{site.name} — {site.base_url}")
            item.setData(Qt.ItemDataRole.UserRole, site.site_id)
            if self._secrets.is_session_only(site.site_id):
                item.setToolTip("Token kept for this session only")
            self.site_list.addItem(item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self._current_site() is not None
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def _current_site(self) -> SiteConfig | None:
        item = self.site_list.currentItem()
        return self._store.site(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def open_site_dialog(self, site: SiteConfig | None) -> SiteDialog:
        """The dialog for one site, shown (not run): tests drive it, ``add_site`` waits on it."""
        dialog = SiteDialog(self._store, self._secrets, site, self)
        dialog.siteSaved.connect(self._site_saved)
        self.site_dialog = dialog
        return dialog

    def add_site(self, address: str = "") -> None:
        """Open an empty site dialog, with ``address`` filled in when given."""
        dialog = self.open_site_dialog(None)
        if address:
            dialog.form.url.setText(address)
        self._run(dialog)

    def edit_site(self) -> None:
        site = self._current_site()
        if site is not None:
            self._run(self.open_site_dialog(site))

    def _run(self, dialog: SiteDialog) -> None:
        try:
            dialog.exec()
        finally:
            # A child of this dialog: one long Settings session must not pile them up. A check
            # still in flight is safe: its answer's connection ends with the dialog.
            self.site_dialog = None
            dialog.deleteLater()

    def _site_saved(self, site_id: str) -> None:
        self._fill_sites()
        self.siteSaved.emit(site_id)
        self.sitesChanged.emit()

    def confirm_removal(self, site: SiteConfig) -> bool:
        """Ask before removing; a separate method so tests can answer for the user."""
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        question = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove site",
            f"Stop watching {site.name} and delete its token from the keyring?",
            yes | no,
            self,
        )
        # The name is whatever the user typed: "<b>" or "&amp;" in it is text, and a message
        # box would otherwise guess it is rich text.
        question.setTextFormat(Qt.TextFormat.PlainText)
        question.exec()
        return question.standardButton(question.clickedButton()) == yes

    def remove_site(self) -> None:
        site = self._current_site()
        if site is None or not self.confirm_removal(site):
            return
        self._store.remove_site(site.site_id)
        try:
            self._secrets.forget(site.site_id)
            self.message.setText("")
        except SecretsError as error:
            self.message.setText(
                f"{site.name} was removed, but its token is still in the keyring: {error}"
            )
        self._fill_sites()
        self.siteRemoved.emit(site.site_id)
        self.sitesChanged.emit()

    # Preferences

    def preferences(self) -> Preferences:
        """The preferences as the General tab shows them now."""
        return replace(
            self._store.preferences,
            poll_interval=self.poll_interval.value(),
            discovery_interval=float(self.discovery_interval.value()),
            notify={kind: box.isChecked() for kind, box in self.notify_boxes.items()},
            start_on_login=self.start_on_login.isChecked(),
        )

    def apply_preferences(self) -> None:
        """Save the preferences (and the login entry) and close; stays open when the login
        entry cannot be changed. A store that cannot be written says so itself (Store)."""
        prefs = self.preferences()
        if prefs.start_on_login != self._store.preferences.start_on_login:
            problem = _set_autostart(prefs.start_on_login)
            if problem:
                self.message.setText(problem)
                return
        if prefs != self._store.preferences:
            self._store.set_preferences(prefs)
            self.preferencesChanged.emit(prefs)
        self.accept()


def _set_autostart(enabled: bool) -> str | None:
    from gui.platform.autostart import AutostartError, for_this_platform

    try:
        for_this_platform().set_enabled(enabled)
    except AutostartError as error:
        log.warning("Start on login could not be changed: %s", error)
        return f"Start on login could not be changed: {error}"
    return None
