"""Answers no real Confluence sends, from a small hostile server on loopback: each becomes one
clear error, never a hang, a crash or a leaked credential."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

from gui.confluence import (
    ConfluenceClient,
    Credentials,
    CredentialsRejected,
    InvalidInput,
    MalformedTask,
    NotConfluence,
    ServerTrouble,
    SiteUnreachable,
    normalise_site_url,
)
from gui.confluence.http import MAX_RETRY_AFTER, retry_after_seconds

TOKEN = "s3cret-Token-0123456789"
USER = "me@example.com"

Answer = Callable[[socket.socket, bytes], None]


def _serve(answer: Answer) -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    request = conn.recv(65536)
                    answer(conn, request)
                except OSError:
                    pass

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/wiki"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def _json(body: bytes, status: str = "200 OK", extra: str = "") -> Answer:
    def answer(conn: socket.socket, request: bytes) -> None:
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(head.encode() + body)

    return answer


@pytest.fixture
def serve() -> Iterator[Callable[[Answer], str]]:
    servers: list[Iterator[str]] = []

    def start(answer: Answer) -> str:
        server = _serve(answer)
        servers.append(server)
        return next(server)

    yield start
    for server in servers:
        next(server, None)


def client(base: str, **kwargs: object) -> ConfluenceClient:
    return ConfluenceClient(
        normalise_site_url(base),
        Credentials.for_token(TOKEN, USER),
        **kwargs,  # type: ignore[arg-type]
    )


def test_an_endless_trickle_ends_at_the_total_deadline(serve: Callable[[Answer], str]) -> None:
    def trickle(conn: socket.socket, request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n1\r\n[\r\n")
        for _ in range(100):
            time.sleep(0.2)
            conn.sendall(b"1\r\n \r\n")

    base = serve(trickle)
    started = time.monotonic()
    with (
        client(base, timeout=(1.0, 1.0), total_timeout=2.0) as c,
        pytest.raises(SiteUnreachable) as caught,
    ):
        c.get_task("1")
    assert time.monotonic() - started < 5
    assert "kept sending" in str(caught.value)


def test_json_nested_beyond_the_stack_is_not_confluence(serve: Callable[[Answer], str]) -> None:
    base = serve(_json(b"[" * 100_000 + b"]" * 100_000))
    with client(base) as c, pytest.raises(NotConfluence, match="malformed JSON"):
        c.get_task("1")


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_percentage_that_is_not_finite_is_malformed(
    serve: Callable[[Answer], str], number: bytes
) -> None:
    body = (
        b'{"id": "1", "percentageComplete": ' + number + b', "elapsedTime": 1, "successful": false}'
    )
    with client(serve(_json(body))) as c, pytest.raises(MalformedTask, match="finite"):
        c.get_task("1")


def test_an_answer_about_another_task_is_malformed(serve: Callable[[Answer], str]) -> None:
    body = b'{"id": "999", "percentageComplete": 5, "elapsedTime": 1, "successful": false}'
    with (
        client(serve(_json(body))) as c,
        pytest.raises(MalformedTask, match="answered with task 999"),
    ):
        c.get_task("1")


def test_credentials_echoed_by_a_refusing_server_are_masked_in_every_form(
    serve: Callable[[Answer], str],
) -> None:
    def echo(conn: socket.socket, request: bytes) -> None:
        header = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"authorization:")
        )
        body = b'{"message": "bad auth ' + header + b" token " + TOKEN.encode() + b'"}'
        _json(body, "401 Unauthorized", f"X-Echo-Auth: {header.decode()}\r\n")(conn, request)

    base = serve(echo)
    credentials = Credentials.for_token(TOKEN, USER)
    encoded = credentials.authorization_header().split(" ", 1)[1]
    with client(base) as c:
        with pytest.raises(CredentialsRejected) as caught:
            c.get_task("1")
        raw = c.fetch_raw(c.task_url("1"))
    shown = f"{caught.value} {caught.value.detail} {raw.body!r} {raw.headers}"
    assert "[redacted]" in str(caught.value)
    assert TOKEN not in shown and encoded not in shown


def test_a_token_percent_encoded_in_a_result_link_is_masked(
    serve: Callable[[Answer], str],
) -> None:
    token = "NjM2ODg4+ab/cdXYZ0123=="  # Data Center personal tokens are base64, with + and /
    link = "/login.action?token=" + quote(token, safe="")
    body = json.dumps(
        {"id": "1", "percentageComplete": 100, "successful": True, "finished": True,
         "additionalDetails": {"destinationUrl": link}}
    ).encode()  # fmt: skip
    address = normalise_site_url(serve(_json(body)))
    with ConfluenceClient(address, Credentials.for_token(token)) as c:
        task = c.get_task("1")
    assert task.result_url == address.base_url + "/login.action?token=[redacted]"
    assert quote(token, safe="") not in repr(task.raw)


def test_a_token_across_the_end_of_an_excerpt_leaves_no_piece_in_it(
    serve: Callable[[Answer], str],
) -> None:
    head = b'{"message": "'
    padding = b"x" * (300 - len(head) - 6)  # the 300-character excerpt ends 6 characters in
    body = head + padding + TOKEN.encode() + b' was the token"}'
    with client(serve(_json(body, "500 Internal Server Error"))) as c:
        with pytest.raises(ServerTrouble) as caught:
            c.get_task("1")
    assert TOKEN[:6] not in caught.value.detail
    assert caught.value.detail.endswith("x[redac")


@pytest.mark.parametrize(
    "token", ["two\nlines", "tab\there", "spa ce", "tök€n", "emoji-🙂-token", ""]
)
def test_tokens_that_cannot_travel_in_a_header_are_refused_without_echo(token: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Credentials.for_token(token)
    if token:
        assert token not in str(caught.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("999999999", float(MAX_RETRY_AFTER)),
        ("Fri, 31 Dec 2037 23:59:59 GMT", float(MAX_RETRY_AFTER)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("-5", 0.0),
    ],
)
def test_retry_after_is_read_and_kept_within_reason(header: str, expected: float | None) -> None:
    assert retry_after_seconds({"Retry-After": header}) == expected
