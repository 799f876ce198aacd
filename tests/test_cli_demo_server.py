"""``confluence-task-tray demo-server``'s own command line: a port out of range, a token no
client would send, and a help text that tells how to drive the demo."""

from __future__ import annotations

import pytest

from gui.cli import main
from gui.demo.faults import FAULT_KINDS

Capsys = pytest.CaptureFixture[str]


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "eighty"])
def test_a_port_out_of_range_is_a_usage_error(capsys: Capsys, port: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo-server", "--port", port])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "confluence-task-tray demo-server: error: argument --port" in err
    assert "0 to 65535" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("token", "words"),
    [
        ("with space-in-it", "a space, a line break"),
        ("two\nlines-of-it", "a space, a line break"),
        ("short", "too short to be a Confluence token"),
    ],
)
def test_a_token_the_client_would_refuse_is_refused_by_the_demo_too(
    capsys: Capsys, monkeypatch: pytest.MonkeyPatch, token: str, words: str
) -> None:
    monkeypatch.setenv("DEMO_TOKEN", token)
    assert main(["demo-server", "--token-env", "DEMO_TOKEN"]) == 2
    out, err = capsys.readouterr()
    assert words in err and "DEMO_TOKEN" in err
    assert out == ""


def test_help_describes_the_control_endpoints(capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo-server", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for endpoint in ("/_demo/tasks", "/_demo/faults", "/_demo/requests", "/_demo/clock/advance"):
        assert endpoint in out
    assert all(kind in " ".join(out.split()) for kind in FAULT_KINDS)
    assert "-v, --verbose" in out
