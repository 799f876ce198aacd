"""Ask an X window to close the way a window manager's close button does: WM_DELETE_WINDOW.

Xvfb runs no window manager and ``xdotool windowclose`` destroys the window outright (the app
never hears of it), so the desktop tests send the WM_PROTOCOLS client message themselves through
libX11 (installed with Xvfb and xdotool). The app then gets a real close event.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_CLIENT_MESSAGE = 33  # X.h ClientMessage
_CURRENT_TIME = 0


class _ClientMessageEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    ]


class _XEvent(ctypes.Union):
    # Xlib's XEvent is a union padded to 24 longs; XSendEvent copies that much.
    _fields_ = [("xclient", _ClientMessageEvent), ("pad", ctypes.c_long * 24)]


class X11Unavailable(Exception):
    """libX11 is missing or the display cannot be opened."""


def _libx11() -> ctypes.CDLL:
    name = ctypes.util.find_library("X11")
    if name is None:
        raise X11Unavailable("libX11 is not installed")
    lib = ctypes.CDLL(name)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XSendEvent.restype = ctypes.c_int
    lib.XSendEvent.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_int,
        ctypes.c_long,
        ctypes.POINTER(_XEvent),
    ]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return lib


def request_close(window_id: int, display_name: str | None = None) -> None:
    """Send WM_DELETE_WINDOW to ``window_id`` on ``display_name`` (default: $DISPLAY)."""
    lib = _libx11()
    name = display_name or os.environ.get("DISPLAY", "")
    display = lib.XOpenDisplay(name.encode())
    if not display:
        raise X11Unavailable(f"cannot open display {name!r}")
    try:
        event = _XEvent()
        message = event.xclient
        message.type = _CLIENT_MESSAGE
        message.window = window_id
        message.message_type = lib.XInternAtom(display, b"WM_PROTOCOLS", 0)
        message.format = 32
        message.data[0] = lib.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
        message.data[1] = _CURRENT_TIME
        if not lib.XSendEvent(display, window_id, 0, 0, ctypes.byref(event)):
            raise X11Unavailable(f"XSendEvent to window {window_id} failed")
        lib.XFlush(display)
    finally:
        lib.XCloseDisplay(display)
