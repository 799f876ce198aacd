"""The bundled icons: they load, render at every tray and window size, and the states differ."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from gui import resources
from gui.resources import ICON_SIZES, TrayState


def _image(svg: bytes, size: int) -> QImage:
    return resources.render_svg(svg, size).toImage()


def _opaque_pixels(image: QImage) -> int:
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() > 0
    )


def _blue_pixels(image: QImage) -> int:
    def is_ring_blue(color: QColor) -> bool:
        return color.alpha() > 200 and color.blue() > 180 and color.red() < 90

    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if is_ring_blue(image.pixelColor(x, y))
    )


def test_every_icon_file_is_in_the_resources_folder() -> None:
    names = {path.name for path in resources.ICONS_DIR.glob("*.svg")}
    assert {
        "confluence-task-tray.svg",
        "tray-idle.svg",
        "tray-running.svg",
        "tray-attention.svg",
    } <= names


@pytest.mark.parametrize("size", [16, 22, 32, 64])
@pytest.mark.parametrize("state", list(TrayState))
def test_tray_icon_renders_visible_pixels_at_each_size(
    qapp: QApplication, state: TrayState, size: int
) -> None:
    image = _image(resources.tray_svg(state), size)
    assert image.size().width() == size
    # A badge fills most of its square; a broken render leaves it transparent.
    assert _opaque_pixels(image) > size * size // 2


def test_tray_icon_offers_a_pixmap_for_high_dpi_sizes(qapp: QApplication) -> None:
    icon = resources.tray_icon(TrayState.IDLE)
    offered = {size.width() for size in icon.availableSizes()}
    assert set(ICON_SIZES) <= offered
    assert not icon.pixmap(44, 44).isNull()


def test_app_icon_renders_at_each_size(qapp: QApplication) -> None:
    svg = resources.app_icon_path().read_bytes()
    for size in (16, 32, 64, 128):
        assert _opaque_pixels(_image(svg, size)) > size * size // 2
    assert not resources.app_icon().isNull()


def test_tray_states_look_different(qapp: QApplication) -> None:
    pictures = [_image(resources.tray_svg(state), 32) for state in TrayState]
    for i, first in enumerate(pictures):
        for second in pictures[i + 1 :]:
            assert first != second


def test_running_ring_grows_with_the_fraction(qapp: QApplication) -> None:
    blue = [
        _blue_pixels(_image(resources.tray_svg(TrayState.RUNNING, fraction), 64))
        for fraction in (0.0, 0.25, 0.5, 1.0)
    ]
    assert blue[0] == 0
    assert blue[0] < blue[1] < blue[2] < blue[3]
    # A quarter of the ring is about a quarter of the full ring's pixels.
    assert blue[1] == pytest.approx(blue[3] / 4, rel=0.2)


def test_fraction_outside_zero_to_one_is_clamped(qapp: QApplication) -> None:
    over = _image(resources.tray_svg(TrayState.RUNNING, 1.7), 32)
    full = _image(resources.tray_svg(TrayState.RUNNING, 1.0), 32)
    assert over == full


def test_tray_icon_for_nearby_fractions_is_reused(qapp: QApplication) -> None:
    # The poller may report 50.1 % then 50.2 %: the same icon, not another eight renders.
    first = resources.tray_icon(TrayState.RUNNING, 0.501)
    second = resources.tray_icon(TrayState.RUNNING, 0.502)
    assert first.cacheKey() == second.cacheKey()


def test_missing_icon_names_the_folder() -> None:
    with pytest.raises(resources.MissingResource, match="icons"):
        resources.icon_path("no-such-icon.svg")
