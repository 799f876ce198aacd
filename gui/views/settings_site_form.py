"""The fields that describe one site, with the base URL it will use shown as the user types."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from gui.confluence.errors import InvalidInput
from gui.confluence.site import (
    AuthKind,
    Deployment,
    SiteAddress,
    SiteConfig,
    gateway_address,
    normalise_site_url,
)

AUTO = "auto"


def plain_label(text: str = "") -> QLabel:
    """A label that shows text exactly as given (never markup), wrapped and selectable."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SiteForm(QWidget):
    """Name, address, deployment, credentials, discovery and CA bundle of one site."""

    changed = Signal()
    lookupRequested = Signal()  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Acme wiki")
        self.url = QLineEdit()
        self.url.setPlaceholderText(
            "https://acme.atlassian.net or https://wiki.example.org/confluence"
        )
        self.base_preview = plain_label()
        # Room for two lines whatever it says (or nothing), so the fields below never move
        # while the user types the address.
        self.base_preview.setMinimumHeight(2 * self.base_preview.fontMetrics().lineSpacing())
        self.base_preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.deployment = QComboBox()
        self.deployment.addItem("Detect from the address", AUTO)
        for kind in Deployment:
            self.deployment.addItem(kind.label, kind.value)
        self.cloud_id = QLineEdit()
        self.cloud_id.setPlaceholderText("cloudId of the site")
        self.lookup = QPushButton("Look up")
        self.lookup.setToolTip("Ask the site for its cloudId (needs the site address above)")
        self.auth_kind = QComboBox()
        self.auth_kind.addItem("Email + API token (Basic)", AuthKind.BASIC.value)
        self.auth_kind.addItem("Personal or OAuth access token (Bearer)", AuthKind.BEARER.value)
        self.user = QLineEdit()
        self.user.setPlaceholderText("you@example.com")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Paste the token")
        self.discover = QCheckBox("Watch every active task on this site")
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("Optional: PEM file of your company's CA")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca_bundle)
        self.allow_plain_http = QCheckBox(
            "Send my token over plain http:// anyway (anyone on the network path can read it)"
        )
        # Shown only for plain http:// addresses, but its place is kept: no jump as it comes.
        # (QFormLayout drops hidden rows whatever their size policy; a box layout keeps them.)
        policy = self.allow_plain_http.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.allow_plain_http.setSizePolicy(policy)
        plain_http_place = QWidget()
        plain_http_row = QHBoxLayout(plain_http_place)
        plain_http_row.setContentsMargins(0, 0, 0, 0)
        plain_http_row.addWidget(self.allow_plain_http)

        gateway_row = QHBoxLayout()
        gateway_row.addWidget(self.cloud_id)
        gateway_row.addWidget(self.lookup)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle)
        ca_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Site address", self.url)
        form.addRow("", self.base_preview)
        form.addRow("Deployment", self.deployment)
        form.addRow("Cloud ID", gateway_row)
        form.addRow("Sign in with", self.auth_kind)
        form.addRow("Email", self.user)
        form.addRow("Token", self.token)
        form.addRow("", self.discover)
        form.addRow("CA bundle", ca_row)
        form.addRow("", plain_http_place)
        self._form = form

        for edit in (self.name, self.user, self.token, self.ca_bundle):
            edit.textChanged.connect(self._refresh)
        self.url.textChanged.connect(self._address_changed)
        self.cloud_id.textChanged.connect(self._address_changed)
        self.deployment.currentIndexChanged.connect(self._address_changed)
        self.auth_kind.currentIndexChanged.connect(self._refresh)
        # Until the user picks a kind, follow the deployment: Cloud takes email + API token,
        # Data Center and the gateway take an access token.
        self._auth_chosen = False
        self.auth_kind.activated.connect(self._remember_auth_choice)
        self.lookup.clicked.connect(self.lookupRequested)
        self._refresh()

    def load(self, site: SiteConfig) -> None:
        """Show an existing site; the token field stays empty (the token is in the keyring)."""
        self.name.setText(site.name)
        self.url.setText(site.base_url)
        self.deployment.setCurrentIndex(self.deployment.findData(site.address.deployment.value))
        self.cloud_id.setText(site.address.cloud_id or "")
        self.auth_kind.setCurrentIndex(self.auth_kind.findData(site.auth_kind.value))
        self._auth_chosen = True
        self.user.setText(site.user or "")
        self.discover.setChecked(site.discover)
        self.ca_bundle.setText(site.ca_bundle or "")
        # The user confirmed plain http when the site was added.
        self.allow_plain_http.setChecked(site.address.is_plain_http)
        self._refresh()

    def address(self) -> SiteAddress:
        """The address the site will use; raises InvalidInput saying what is wrong."""
        typed = normalise_site_url(self.url.text())
        chosen = self.deployment.currentData()
        if chosen == AUTO:
            return typed
        deployment = Deployment(chosen)
        if deployment is Deployment.GATEWAY:
            cloud_id = self.cloud_id.text().strip() or typed.cloud_id
            if not cloud_id:
                raise InvalidInput(
                    "The API gateway needs the site's cloudId: press Look up, or paste it."
                )
            return gateway_address(typed, cloud_id)
        return SiteAddress(typed.base_url, deployment)

    def build_site(self, site_id: str) -> SiteConfig:
        """The SiteConfig the fields describe; raises InvalidInput saying what is missing."""
        address = self.address()
        kind = AuthKind(self.auth_kind.currentData())
        user = self.user.text().strip() or None
        if kind is AuthKind.BASIC and not user:
            raise InvalidInput("Enter the email address you sign in to the site with.")
        if (
            address.is_plain_http
            and not address.is_loopback
            and not self.allow_plain_http.isChecked()
        ):
            raise InvalidInput(
                f"{address.host} uses plain http://, so the token would travel unencrypted. "
                "Use https://, or tick the box below to send it anyway."
            )
        return SiteConfig(
            site_id=site_id,
            name=self.name.text().strip() or address.host,
            address=address,
            auth_kind=kind,
            user=user if kind is AuthKind.BASIC else None,
            discover=self.discover.isChecked(),
            ca_bundle=self.ca_bundle.text().strip() or None,
        )

    def entered_token(self) -> str | None:
        """The token typed in this dialog, or None to keep the stored one."""
        return self.token.text().strip() or None

    def _remember_auth_choice(self) -> None:
        self._auth_chosen = True

    def _follow_deployment(self, address: SiteAddress) -> None:
        if self._auth_chosen:
            return
        kind = AuthKind.BASIC if address.deployment is Deployment.CLOUD else AuthKind.BEARER
        self.auth_kind.blockSignals(True)
        self.auth_kind.setCurrentIndex(self.auth_kind.findData(kind.value))
        self.auth_kind.blockSignals(False)

    def _address_changed(self) -> None:
        try:
            self._follow_deployment(self.address())
        except InvalidInput:
            pass  # _refresh explains it where the address is shown
        self._refresh()

    def _refresh(self) -> None:
        basic = self.auth_kind.currentData() == AuthKind.BASIC.value
        self.user.setEnabled(basic)
        gateway = self.deployment.currentData() == Deployment.GATEWAY.value
        self.cloud_id.setEnabled(gateway)
        self.lookup.setEnabled(gateway)
        try:
            address = self.address()
        except InvalidInput as error:
            self.base_preview.setText(str(error) if self.url.text().strip() else "")
            self.allow_plain_http.setVisible(False)
        else:
            self.base_preview.setText(f"Will use {address.base_url} ({address.deployment.label})")
            self.allow_plain_http.setVisible(address.is_plain_http and not address.is_loopback)
        self.changed.emit()

    def _browse_ca_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a CA bundle", "", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_bundle.setText(path)
