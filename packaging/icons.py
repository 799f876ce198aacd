"""Build-time helpers for the PyInstaller spec: native icon files and Windows version info.

Qt renders the SVG and writes .ico / .icns through its own image plugins, so no extra tool
(Pillow, iconutil) is needed on the build machine. ``python packaging/icons.py png OUTDIR SIZE...``
renders the PNG sizes that build.sh puts into the archive for the icon theme.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# Render without a display, whatever machine builds.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_NATIVE_SIZE = {"ico": 256, "icns": 512, "png": 256}
_qt_app: Any = None  # painting needs an application object; one for the whole build


def _render(root: str, size: int) -> Any:
    from PySide6.QtCore import QByteArray, QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    global _qt_app
    _qt_app = QGuiApplication.instance() or QGuiApplication([])
    svg = (Path(root) / "resources" / "icons" / "confluence-task-tray.svg").read_bytes()
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(QByteArray(svg)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def render_native_icon(root: str, workdir: str, fmt: str, size: int | None = None) -> str:
    """Write the app icon as ``fmt`` (ico, icns or png) into ``workdir``; return its path."""
    size = size or _NATIVE_SIZE[fmt]
    out = Path(workdir) / f"confluence-task-tray-{size}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if not _render(root, size).save(str(out), fmt):
        raise RuntimeError(f"Qt could not write {out} (is its {fmt} image plugin missing?)")
    return str(out)


def windows_version_info(app_name: str, app_id: str, version: str) -> Any:
    """The Windows file version resource (Explorer's Properties > Details tab)."""
    from PyInstaller.utils.win32 import versioninfo as vi

    numbers = [int(part) for part in version.split(".")[:4] if part.isdigit()]
    numbers += [0] * (4 - len(numbers))
    strings = [
        vi.StringStruct("ProductName", app_name),
        vi.StringStruct("FileDescription", app_name),
        vi.StringStruct("InternalName", app_id),
        vi.StringStruct("OriginalFilename", f"{app_id}.exe"),
        vi.StringStruct("FileVersion", version),
        vi.StringStruct("ProductVersion", version),
    ]
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=tuple(numbers), prodvers=tuple(numbers)),
        kids=[
            vi.StringFileInfo([vi.StringTable("040904B0", strings)]),
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )


if __name__ == "__main__":
    # python packaging/icons.py FORMAT OUTDIR SIZE...  -> prints one written path per line
    fmt, outdir, *sizes = sys.argv[1:]
    root = str(Path(__file__).resolve().parent.parent)
    for size in sizes:
        print(render_native_icon(root, outdir, fmt, int(size)))
