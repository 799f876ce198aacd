"""The client against the simulated Confluence over loopback: every answer becomes one kind."""

from __future__ import annotations

from typing import Any

import pytest

from gui.confluence import (
    ConfluenceClient,
    ConfluenceError,
    Credentials,
    CredentialsRejected,
    NotConfluence,
    RateLimited,
    ServerTrouble,
    SiteUnreachable,
    TaskNotFound,
    TaskState,
    normalise_site_url,
)
from gui.demo import DemoTask, Fault


def client_for(base: str, token: str, user: str | None = None, **kwargs: Any) -> ConfluenceClient:
    return ConfluenceClient(normalise_site_url(base), Credentials.for_token(token, user), **kwargs)


def test_cloud_task_progresses_to_success(demo: Any) -> None:
    task_id = demo.add_task(DemoTask(kind="delete_space", duration=20))
    with client_for(demo.cloud_base, demo.token) as client:
        first = client.get_task(task_id)
        demo.advance(10)
        middle = client.get_task(task_id)
        demo.advance(15)
        last = client.get_task(task_id)
    assert first.state is TaskState.RUNNING and first.title == "Delete space"
    assert 0 < middle.percent < 100 and middle.elapsed_ms >= 10_000
    assert (last.state, last.percent) == (TaskState.SUCCEEDED, 100)


def test_basic_auth_with_email_works_on_cloud(demo: Any) -> None:
    task_id = demo.add_task(DemoTask())
    with client_for(demo.cloud_base, demo.token, user=demo.user_email) as client:
        assert client.get_task(task_id).task_id == task_id


def test_data_center_failure_is_read_without_finished_field(demo: Any) -> None:
    task_id = demo.add_task(
        DemoTask(kind="export_space", dialect="dc", outcome="failure", fail_at=40)
    )
    demo.advance(60)
    with client_for(demo.dc_base, demo.token) as client:
        task = client.get_task(task_id)
    assert "finished" not in task.raw
    assert task.state is TaskState.FAILED


def test_list_follows_every_page(demo: Any) -> None:
    ids = {demo.add_task(DemoTask(duration=100)) for _ in range(7)}
    with client_for(demo.cloud_base, demo.token) as client:
        listed = client.list_active_tasks(page_size=3)
        assert {task.task_id for task in listed} == ids
        assert client.stats.requests == 3


def test_current_user_names_the_demo_user(demo: Any) -> None:
    with client_for(demo.cloud_base, demo.token) as client:
        user = client.current_user()
    assert user.display_name == "Demo User" and not user.anonymous


def test_missing_task_is_not_found(demo: Any) -> None:
    with client_for(demo.cloud_base, demo.token) as client, pytest.raises(TaskNotFound):
        client.get_task("999999")


def test_wrong_site_path_for_list_is_not_confluence(demo: Any) -> None:
    with client_for(demo.url + "/nothing-here", demo.token) as client, pytest.raises(NotConfluence):
        client.list_active_tasks()


FAULTS = [
    (Fault("unauthorized"), CredentialsRejected, "refused the credentials"),
    (Fault("unauthorized_html"), CredentialsRejected, "refused the credentials"),
    (Fault("unauthorized_json"), CredentialsRejected, "refused the credentials"),
    (Fault("login_page"), CredentialsRejected, "sign-in page"),
    (Fault("redirect"), CredentialsRejected, "redirected to a sign-in page"),
    (Fault("not_found"), TaskNotFound, "404"),
    (Fault("rate_limited", retry_after=7), RateLimited, "asks to wait 7 s. Will try again then."),
    (Fault("server_error"), ServerTrouble, "500"),
    (Fault("server_error", status=503, retry_after=4), ServerTrouble, "503"),
    (Fault("malformed_json"), NotConfluence, "malformed JSON"),
    (Fault("wrong_types"), NotConfluence, "should be"),
    (Fault("not_json"), NotConfluence, "not JSON"),
    (Fault("oversized"), NotConfluence, "larger than"),
    (Fault("disconnect"), SiteUnreachable, "connect"),
]


@pytest.mark.parametrize(
    ("fault", "kind", "says"), FAULTS, ids=[f[0].kind + str(f[0].status or "") for f in FAULTS]
)
def test_each_fault_becomes_one_error_kind_without_the_token(
    demo: Any, fault: Fault, kind: type[ConfluenceError], says: str
) -> None:
    task_id = demo.add_task(DemoTask())
    demo.set_fault(fault)
    with client_for(demo.cloud_base, demo.token) as client, pytest.raises(kind) as caught:
        client.get_task(task_id)
    text = f"{caught.value} {caught.value.detail!r} {caught.value!r}"
    assert says in str(caught.value)
    assert demo.token not in text


def test_retry_after_is_carried_on_rate_limit_and_503(demo: Any) -> None:
    task_id = demo.add_task(DemoTask())
    with client_for(demo.cloud_base, demo.token) as client:
        demo.set_fault(Fault("rate_limited", count=1, retry_after=3))
        with pytest.raises(RateLimited) as limited:
            client.get_task(task_id)
        demo.set_fault(Fault("server_error", count=1, status=503, retry_after=9))
        with pytest.raises(ServerTrouble) as trouble:
            client.get_task(task_id)
    assert limited.value.retry_after == 3
    assert (trouble.value.status, trouble.value.retry_after) == (503, 9)


def test_gateway_scope_mismatch_is_a_refusal_with_its_reason(demo: Any) -> None:
    task_id = demo.add_task(DemoTask())
    demo.set_fault(Fault("gateway_scope"))
    with (
        client_for(demo.gateway_base, demo.token) as client,
        pytest.raises(CredentialsRejected) as caught,
    ):
        client.get_task(task_id)
    assert "scope" in str(caught.value).lower()


def test_wrong_token_is_refused_and_not_echoed(demo: Any) -> None:
    task_id = demo.add_task(DemoTask())
    with (
        client_for(demo.cloud_base, "wrong-token-xyz") as client,
        pytest.raises(CredentialsRejected) as caught,
    ):
        client.get_task(task_id)
    assert "wrong-token-xyz" not in str(caught.value) + caught.value.detail


def test_slow_answer_times_out_as_unreachable(demo: Any) -> None:
    task_id = demo.add_task(DemoTask())
    demo.set_fault(Fault("slow", delay=3))
    with client_for(demo.cloud_base, demo.token, timeout=(1.0, 0.5)) as client:
        with pytest.raises(SiteUnreachable, match="did not answer"):
            client.get_task(task_id)


def test_closed_port_is_unreachable() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        client_for(f"http://127.0.0.1:{port}/wiki", "closed-port-token") as client,
        pytest.raises(SiteUnreachable),
    ):
        client.get_task("1")


def test_fetch_raw_redacts_credential_headers(demo: Any) -> None:
    with client_for(demo.cloud_base, demo.token) as client:
        answer = client.fetch_raw(client.task_url("404404"))
    assert answer.status == 404
    assert all(demo.token not in value for value in answer.headers.values())


def test_https_to_a_plain_http_port_says_so_rather_than_blaming_a_certificate(demo: Any) -> None:
    address = normalise_site_url(demo.cloud_base.replace("http://", "https://"))
    with (
        ConfluenceClient(address, Credentials.for_token(demo.token)) as client,
        pytest.raises(SiteUnreachable) as caught,
    ):
        client.get_task("1")
    message = str(caught.value)
    assert f"does not speak HTTPS on port {demo.port}" in message
    assert "starts with http://" in message
    assert "certificate" not in message


def test_an_error_says_what_polling_does_next_apart_from_its_message(demo: Any) -> None:
    task_id = demo.add_task(DemoTask())
    demo.set_fault(Fault("server_error"))
    with client_for(demo.cloud_base, demo.token) as client, pytest.raises(ServerTrouble) as caught:
        client.get_task(task_id)
    error = caught.value
    assert error.retrying == "Will try again."
    assert "try again" not in error.message.lower()
    assert str(error) == f"{error.message} Will try again."  # what polling shows
