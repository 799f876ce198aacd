"""The HTTP plumbing: a threading server on loopback and a handler that writes Reply objects."""

from __future__ import annotations

import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gui.demo.server import DemoConfluence

log = logging.getLogger(__name__)

MAX_REQUEST_BODY = 1024 * 1024
_CHUNK = 256 * 1024


class DemoHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that remembers its open connections so stop() can cut them."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], demo: DemoConfluence) -> None:
        self.demo = demo
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, DemoRequestHandler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        """Note a connection opening or closing."""
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request instead of printing a traceback to stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            log.debug("demo connection from %s failed: %s", client_address, error)
        else:
            log.error("demo request from %s crashed", client_address, exc_info=True)

    def drop_connections(self) -> None:
        """Shut every open connection, waking handlers blocked on a kept-alive socket."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError as error:
                log.debug("demo connection already closed: %s", error)


class DemoRequestHandler(BaseHTTPRequestHandler):
    """Reads a request, asks the DemoConfluence for a Reply, and sends it (or drops the line)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real server and requests.Session use
    # Without it each small answer waits on delayed ACKs: ~40 ms per request on loopback.
    disable_nagle_algorithm = True
    server_version = "DemoConfluence/1.0"
    server: DemoHTTPServer
    timeout = 60  # an idle kept-alive connection ends its thread after this

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        try:
            super().finish()
        except OSError as error:
            log.debug("demo connection closed early: %s", error)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BODY:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        demo = self.server.demo
        reply = demo.dispatch(self.command, self.path, self.headers.get("Authorization", ""), body)

        if reply.delay > 0 and demo.stopping.wait(reply.delay):
            self.close_connection = True
            return
        if reply.disconnect:
            self.close_connection = True
            return

        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            for offset in range(0, len(reply.body), _CHUNK):
                self.wfile.write(reply.body[offset : offset + _CHUNK])
        except OSError as error:
            # The client may hang up mid-answer (oversized bodies): that is its right.
            self.close_connection = True
            log.debug("demo client went away: %s", error)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo http: " + format, *args)
