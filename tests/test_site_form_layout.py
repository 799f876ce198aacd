"""The Add site dialog keeps still while the user types: no field moves under the cursor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLineEdit, QWidget

from gui.platform.secrets import Secrets
from gui.platform.store import Store
from gui.views.settings_site_dialog import SiteDialog


def geometry_of(dialog: SiteDialog) -> list[QRect]:
    form = dialog.form
    widgets: list[QWidget] = [form.deployment, form.auth_kind, form.token, form.discover, dialog]
    return [widget.geometry() for widget in widgets]


def test_typing_an_address_moves_no_field(qtbot: Any) -> None:
    dialog = SiteDialog(Store(), Secrets())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    url: QLineEdit = dialog.form.url
    seen = {tuple(map(QRect.getRect, geometry_of(dialog)))}

    # Through nothing, a short preview, a two-line error, plain http (its confirmation box
    # appears), https (it goes) and an error again.
    steps = ("http:", "//wiki.example.org", "\b" * 23, "https://acme.atlassian.net", "\b" * 26)
    for typed in (*steps, "x y"):
        for key in typed:
            if key == "\b":
                url.backspace()
            else:
                qtbot.keyClicks(url, key)
            qtbot.wait(0)
            seen.add(tuple(map(QRect.getRect, geometry_of(dialog))))

    assert dialog.form.base_preview.text().startswith("A site address cannot contain spaces")
    assert len(seen) == 1, seen
