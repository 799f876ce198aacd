"""Allow ``python -m gui.demo [--port N]``."""

import sys

from gui.demo.cli import serve_forever_cli

sys.exit(serve_forever_cli())
