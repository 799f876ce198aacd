"""Add or edit one site: its fields, "Test connection", and saving the token in the keyring
(or, when the keyring is missing or refuses and the user agrees, in memory for this session)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.confluence.checks import ConnectionReport
from gui.confluence.errors import InvalidInput
from gui.confluence.site import Credentials, SiteConfig
from gui.platform.secrets import NoKeyringError, Secrets, SecretsError
from gui.platform.store import Store
from gui.views.settings_connection import (
    BackgroundCall,
    check_connection_in_background,
    lookup_cloud_id_in_background,
)
from gui.views.settings_site_form import SiteForm, plain_label

log = logging.getLogger(__name__)


class SiteDialog(QDialog):
    """Edits ``site`` (or a new one when None); on Save writes the store and the keyring."""

    siteSaved = Signal(str)  # noqa: N815 - the site id
    connectionTested = Signal(object)  # noqa: N815 - a ConnectionReport
    cloudIdLookedUp = Signal(object)  # noqa: N815 - the cloudId, or the error

    def __init__(
        self,
        store: Store,
        secrets: Secrets,
        site: SiteConfig | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit site" if site else "Add site")
        self._store = store
        self._secrets = secrets
        self.site_id = site.site_id if site else store.new_site_id()
        # Only an existing site may go on with the token it has: a new one has none to use,
        # whatever the keyring holds under its id.
        self._editing = site is not None
        # The checks in flight: a call dropped early would lose its answer.
        self._test_call: BackgroundCall | None = None
        self._lookup_call: BackgroundCall | None = None
        # Closed with a check in flight: its requests are cut instead of left to their timeout.
        self.finished.connect(self._cancel_checks)

        self.form = SiteForm()
        if site is not None:
            self.form.load(site)
        self.form.token.setPlaceholderText(self._token_placeholder(site))
        self.form.lookupRequested.connect(self._look_up_cloud_id)
        self.error = plain_label()
        self.error.setStyleSheet("color: #b00020")
        self.keyring_banner = plain_label()
        self.keep_for_session = QPushButton("Keep the token for this session only")
        self.keep_for_session.clicked.connect(self._save_for_session)
        banner = QFrame()
        banner.setFrameShape(QFrame.Shape.StyledPanel)
        banner_layout = QVBoxLayout(banner)
        banner_layout.addWidget(self.keyring_banner)
        banner_layout.addWidget(self.keep_for_session, 0, Qt.AlignmentFlag.AlignLeft)
        self._banner = banner
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = plain_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_result, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(test_row)
        layout.addWidget(banner)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._show_keyring_problem(secrets.keyring_problem())

    def _token_placeholder(self, site: SiteConfig | None) -> str:
        if site is None:
            return "Paste the token"
        if self._secrets.is_session_only(site.site_id):
            return "Kept for this session only (leave empty to keep)"
        try:
            stored = self._secrets.token(site.site_id)
        except SecretsError as error:
            return f"Keyring unavailable: {error}"[:120]
        return "Stored in keyring (leave empty to keep)" if stored else "No token stored"

    def _show_keyring_problem(self, problem: SecretsError | None, note: str = "") -> None:
        self._banner.setVisible(problem is not None)
        self.keyring_banner.setText(f"{problem} {note}".strip() if problem else "")
        # Whatever kept the token out of the keyring, the user may still use it for this run.
        self.keep_for_session.setVisible(problem is not None)

    # Saving

    def _checked_site(self) -> SiteConfig | None:
        try:
            site = self.form.build_site(self.site_id)
        except InvalidInput as error:
            self.error.setText(str(error))
            return None
        token = self.form.entered_token()
        if token is None and not self._has_token():
            self.error.setText("Enter the token for this site.")
            return None
        if token is not None:
            try:
                Credentials(site.auth_kind, token, site.user)
            except InvalidInput as error:
                self.error.setText(str(error))
                return None
        self.error.setText("")
        return site

    def _has_token(self) -> bool:
        if self._secrets.is_session_only(self.site_id):
            return True
        if not self._editing:
            return False
        try:
            return self._secrets.token(self.site_id) is not None
        except SecretsError:
            return False

    def save(self) -> None:
        """Store the token in the keyring, then the site; stays open to explain any failure."""
        site = self._checked_site()
        if site is None:
            return
        token = self.form.entered_token()
        if token is not None:
            try:
                self._secrets.store(self.site_id, token)
            except NoKeyringError as error:
                self._show_keyring_problem(error)
                return
            except SecretsError as error:
                # A locked or failing keyring: keep what can be kept (the site, in the store) and
                # leave the dialog open with the token, so nothing the user typed is lost unseen.
                self._save_site(site)
                self._show_keyring_problem(
                    error,
                    "The site was saved without its token. Unlock the keyring and press "
                    "Save again, or keep the token for this session only.",
                )
                return
        self._finish(site)

    def _save_for_session(self) -> None:
        site = self._checked_site()
        if site is None:
            return
        token = self.form.entered_token()
        if token is not None:
            self._secrets.keep_for_session(self.site_id, token)
        self._finish(site)

    def _finish(self, site: SiteConfig) -> None:
        self._save_site(site)
        self.accept()

    def _save_site(self, site: SiteConfig) -> None:
        # In effect for this run even when the disk refuses; the store tells the user then.
        self._store.put_site(site)
        log.info("Site %s (%s) saved", site.site_id, site.address.host)
        self.siteSaved.emit(site.site_id)

    # Checks that talk to the site, off the GUI thread

    def test_connection(self) -> None:
        """Check the site with the fields as they are now; the answer arrives later."""
        try:
            site = self.form.build_site(self.site_id)
        except InvalidInput as error:
            self._report(ConnectionReport(False, str(error)))
            return
        token = self.form.entered_token()
        if token is None and (self._editing or self._secrets.is_session_only(self.site_id)):
            try:
                token = self._secrets.token(self.site_id)
            except SecretsError as error:
                self._report(ConnectionReport(False, str(error)))
                return
        try:
            credentials = Credentials(site.auth_kind, token, site.user) if token else None
        except InvalidInput as error:
            self._report(ConnectionReport(False, str(error)))
            return
        self.test_button.setEnabled(False)
        self.test_result.setText(f"Contacting {site.address.host}…")
        self._test_call = check_connection_in_background(site, credentials, self._tested)

    def _tested(self, result: object) -> None:
        self._test_call = None
        self.test_button.setEnabled(True)
        if not isinstance(result, ConnectionReport):
            result = ConnectionReport(False, f"The check failed: {result}")
        self._report(result)

    def _report(self, report: ConnectionReport) -> None:
        self.test_result.setText(("✔ " if report.ok else "✖ ") + report.text)
        self.connectionTested.emit(report)

    def _cancel_checks(self) -> None:
        for call in (self._test_call, self._lookup_call):
            if call is not None:
                call.cancel()

    def _look_up_cloud_id(self) -> None:
        typed = self.form.url.text()
        ca_bundle = self.form.ca_bundle.text().strip() or None
        self.form.lookup.setEnabled(False)
        self.form.base_preview.setText("Looking up the cloudId…")
        self._lookup_call = lookup_cloud_id_in_background(typed, ca_bundle, self._looked_up)

    def _looked_up(self, result: object) -> None:
        self._lookup_call = None
        self.form.lookup.setEnabled(True)
        if isinstance(result, str):
            self.form.cloud_id.setText(result)
        else:
            self.form.base_preview.setText(f"Could not look up the cloudId: {result}")
        self.cloudIdLookedUp.emit(result)
