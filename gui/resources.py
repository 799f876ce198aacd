"""The app and tray icons, found in the same way from a source checkout and from the frozen app.

The SVG files live in the top-level ``resources/`` folder. PyInstaller copies that folder into
the bundle (``packaging/confluence-task-tray.spec``), where ``sys._MEIPASS`` points at the
bundle's root; in a checkout (or an editable install) it sits next to the ``gui`` package. Either
way the folder is ``<root>/resources``, so there is a single lookup below.

Limitation: a plain (non-editable) wheel install does not carry ``resources/``; the app then runs
with Qt's blank icons. The supported ways to run are the frozen app and a checkout.
"""

from __future__ import annotations

import enum
import logging
import math
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap

from gui import APP_ID

if TYPE_CHECKING:
    from PySide6.QtSvg import QSvgRenderer

log = logging.getLogger(__name__)

_ROOT = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
RESOURCES_DIR = _ROOT / "resources"
ICONS_DIR = RESOURCES_DIR / "icons"

# Tray hosts ask for 16-24 px (and twice that on high-DPI screens); windows and task switchers
# for up to 128. Pre-rendering them lets QIcon pick an exact size instead of scaling a bitmap.
ICON_SIZES = (16, 22, 24, 32, 44, 48, 64, 128)

# The ring is redrawn for fractions in steps of 1/_RING_STEPS: finer steps are invisible at tray
# size, and the step keeps the icon cache small while a task creeps forward one percent at a time.
_RING_STEPS = 40
_SVG_NS = "http://www.w3.org/2000/svg"


class MissingResource(Exception):
    """A bundled icon is not where it should be: the checkout or the build is incomplete."""


class TrayState(enum.StrEnum):
    """What the tray icon says at a glance."""

    IDLE = "idle"
    RUNNING = "running"
    ATTENTION = "attention"


def icon_path(name: str) -> Path:
    """The path of one bundled icon file, e.g. ``icon_path("tray-idle.svg")``."""
    path = ICONS_DIR / name
    if not path.is_file():
        raise MissingResource(f"icon {name!r} is missing from {ICONS_DIR}; reinstall the app")
    return path


def app_icon_path() -> Path:
    """The application icon's SVG (also what the installer copies into the icon theme)."""
    return icon_path(f"{APP_ID}.svg")


def render_svg(svg: bytes, size: int) -> QPixmap:
    """Render SVG data into a transparent square pixmap of ``size`` pixels."""
    return _render(_renderer(svg), size)


def icon_from_svg(svg: bytes) -> QIcon:
    """A QIcon holding ``svg`` pre-rendered at every size in ``ICON_SIZES``."""
    # One parse for every size: the tray renders a new ring while tasks run, in the GUI thread.
    renderer = _renderer(svg)
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(_render(renderer, size))
    return icon


def _renderer(svg: bytes) -> QSvgRenderer:
    # Imported here: the app renders its first icon once its window has painted.
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise MissingResource("an icon's SVG could not be parsed")
    return renderer


def _render(renderer: QSvgRenderer, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The application icon for windows, dialogs and the task switcher."""
    return icon_from_svg(app_icon_path().read_bytes())


def tray_svg(state: TrayState, fraction: float | None = None) -> bytes:
    """The tray SVG for ``state``; for RUNNING with a ``fraction`` (0..1) the ring shows it."""
    data = icon_path(f"tray-{TrayState(state).value}.svg").read_bytes()
    if state != TrayState.RUNNING or fraction is None:
        return data
    return _with_ring_fraction(data, fraction)


def tray_icon(state: TrayState, fraction: float | None = None) -> QIcon:
    """The tray icon for ``state``; RUNNING draws ``fraction`` (0..1) of the progress ring."""
    state = TrayState(state)
    if state != TrayState.RUNNING or fraction is None:
        return _cached_tray_icon(state, None)
    return _cached_tray_icon(state, ring_step(fraction))


def ring_step(fraction: float) -> int:
    """The step of the ring drawn for ``fraction`` (0..1): equal steps give the same icon."""
    return round(min(max(fraction, 0.0), 1.0) * _RING_STEPS)


@lru_cache(maxsize=_RING_STEPS + 8)
def _cached_tray_icon(state: TrayState, step: int | None) -> QIcon:
    fraction = None if step is None else step / _RING_STEPS
    return icon_from_svg(tray_svg(state, fraction))


def _with_ring_fraction(svg: bytes, fraction: float) -> bytes:
    """Set the dash of the ``progress`` path so that ``fraction`` of the ring is drawn."""
    import xml.etree.ElementTree as ET  # only when a ring is drawn

    ET.register_namespace("", _SVG_NS)
    root = ET.fromstring(svg)  # noqa: S314 - our own bundled file, not outside input
    ring = root.find(f".//{{{_SVG_NS}}}path[@id='progress']")
    track = root.find(f".//{{{_SVG_NS}}}circle[@id='track']")
    if ring is None or track is None:
        raise MissingResource("tray-running.svg has no 'progress' path or 'track' circle")

    circumference = 2 * math.pi * float(track.get("r", "0"))
    fraction = min(max(fraction, 0.0), 1.0)
    if fraction <= 0.0:
        ring.set("stroke-opacity", "0")
    else:
        # The gap is longer than the whole ring so the dash never repeats.
        ring.set("stroke-dasharray", f"{fraction * circumference:.2f} {circumference + 1:.2f}")
    return ET.tostring(root)
