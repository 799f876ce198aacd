"""Keeps PySide6 from holding the source text of every module the app imports.

PySide6 replaces ``__import__`` so that ``from __feature__ import snake_case`` can apply to one
module and not another. After each import it decides whether the new module "uses PySide6" by
reading the module's whole source with ``inspect.getsource``, and ``linecache`` then keeps those
lines for the life of the process: about 8 MB of this app's memory, and part of its start-up
time, for an answer the app never needs (it selects no feature).

``lighten_pyside_imports`` swaps that check for one that looks at what the module holds (a PySide6
module, class or function) instead of its text. It touches a private part of PySide6, so it
checks the part is there and otherwise changes nothing; ``tests/test_qt_runtime.py`` tells when a
PySide6 release no longer needs it.
"""

from __future__ import annotations

import logging
import sys
from types import ModuleType

log = logging.getLogger(__name__)

_FEATURE_MODULE = "shibokensupport.feature"
_PREFIXES = ("PySide6", "shiboken6")


def lighten_pyside_imports() -> bool:
    """Install the cheaper check; True when PySide6's hook was found and replaced."""
    import PySide6.QtCore  # noqa: F401 - importing Qt is what installs PySide6's hook

    feature = sys.modules.get(_FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        log.debug("PySide6 has no per-module source check here; nothing to replace")
        return False
    feature._mod_uses_pyside = uses_pyside  # type: ignore[attr-defined]
    return True


def uses_pyside(module: ModuleType) -> bool:
    """Whether ``module`` is part of PySide6 or holds something of it, judged without its text."""
    if str(getattr(module, "__name__", "")).startswith(_PREFIXES):
        return True
    try:
        values = list(vars(module).values())
    except TypeError:
        return False
    for value in values:
        try:
            owner = value.__name__ if isinstance(value, ModuleType) else value.__module__
        except Exception:  # noqa: S112 - any object can sit in a module; none may break an import
            continue
        if isinstance(owner, str) and owner.startswith(_PREFIXES):
            return True
    return False
