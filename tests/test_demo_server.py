"""The simulated Confluence, exercised over real HTTP: dialects, progress, faults, controls."""

from __future__ import annotations

import itertools
import json
import logging
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from gui.demo import DemoConfluence, DemoTask, Fault, ManualClock
from gui.demo.scenario import demo_scenario

SPEC = Path(__file__).parent / "data" / "confluence-longtask-openapi.json"


def _schema(name: str) -> dict[str, Any]:
    """A component schema of the OpenAPI subset, with its siblings for the references."""
    document = json.loads(SPEC.read_text())
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def _bearer(server: DemoConfluence) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def get(server: DemoConfluence, path: str, base: str | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("headers", _bearer(server))
    kwargs.setdefault("allow_redirects", False)
    kwargs.setdefault("timeout", 10)
    return requests.get((base or server.cloud_base) + path, **kwargs)


def task_json(server: DemoConfluence, task_id: str, base: str | None = None) -> dict[str, Any]:
    response = get(server, f"/rest/api/longtask/{task_id}", base)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# Payload shapes


@pytest.mark.parametrize("kind", ["delete_space", "copy_page_hierarchy", "import_space"])
def test_cloud_task_by_id_conforms_to_the_openapi_schema(
    demo: DemoConfluence, demo_clock: ManualClock, kind: str
) -> None:
    task_id = demo.add_task(DemoTask(kind=kind, duration=10, queued_for=2))
    schema = _schema("LongTaskStatusWithLinks")
    for _ in range(8):
        jsonschema.validate(task_json(demo, task_id), schema)
        demo_clock.advance(2)


def test_failed_cloud_task_conforms_and_carries_its_reason(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(
        DemoTask(duration=10, outcome="failure", fail_at=40, error="Space is locked")
    )
    demo_clock.advance(20)
    body = task_json(demo, task_id)
    jsonschema.validate(body, _schema("LongTaskStatusWithLinks"))
    assert body["finished"] is True
    assert body["successful"] is False
    assert body["percentageComplete"] == 40
    assert body["errors"][0]["translation"] == "Space is locked"
    assert body["messages"][0]["translation"] == "Space is locked"


def test_cloud_list_conforms_to_the_openapi_schema(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    for kind in ("delete_space", "copy_page_hierarchy", "archive_pages"):
        demo.add_task(DemoTask(kind=kind, duration=30))
    demo_clock.advance(5)
    body = get(demo, "/rest/api/longtask").json()
    jsonschema.validate(body, _schema("LongTaskStatusArray"))
    assert body["size"] == 3
    assert all("_links" not in item for item in body["results"])


def test_cloud_by_id_links_name_base_context_and_self(demo: DemoConfluence) -> None:
    task_id = demo.add_task(DemoTask())
    links = task_json(demo, task_id)["_links"]
    assert links == {
        "base": demo.cloud_base,
        "context": "/wiki",
        "self": f"{demo.cloud_base}/rest/api/longtask/{task_id}",
    }
    assert task_id.isdigit()


def test_copy_task_reports_json_status_and_destination(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(DemoTask(kind="copy_page_hierarchy", duration=10, total_items=40))
    demo_clock.advance(5)
    running = task_json(demo, task_id)
    assert json.loads(running["status"])["key"] == "STATUS_COPYING_PAGES"
    demo_clock.advance(10)
    done = task_json(demo, task_id)
    assert json.loads(done["status"])["key"] == "STATUS_COPIED_PAGES"
    details = done["additionalDetails"]
    assert details["totalPageNeedToCopy"] == 40
    assert details["destinationUrl"].startswith("/spaces/DEMO/pages/" + details["destinationId"])


def test_data_center_payload_has_no_finished_status_errors_or_key(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(
        DemoTask(kind="export_space", dialect="dc", duration=10, outcome="failure", fail_at=30)
    )
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", task_id)
    running = task_json(demo, task_id, demo.dc_base)
    assert running["name"] == {"translation": "Export space"}
    assert not {"finished", "status", "errors"} & set(running)
    assert running["_links"]["context"] == "/confluence"

    demo_clock.advance(10)
    ended = task_json(demo, task_id, demo.dc_base)
    # Without `finished` the only sign of the end is 100 %; the outcome is in `successful`.
    assert ended["percentageComplete"] == 100
    assert ended["successful"] is False


def test_legacy_cloud_shape_has_no_finished_and_ends_at_100(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(
        DemoTask(shape="cloud-legacy", duration=10, outcome="failure", fail_at=50)
    )
    assert "finished" not in task_json(demo, task_id)
    demo_clock.advance(10)
    ended = task_json(demo, task_id)
    assert ended["percentageComplete"] == 100
    assert ended["successful"] is False
    assert ended["name"]["key"].endswith("RemoveSpaceAction.action.name")


def test_task_shape_must_fit_its_dialect() -> None:
    with pytest.raises(ValueError, match="shape"):
        DemoTask(dialect="dc", shape="cloud")
    with pytest.raises(ValueError, match="kind"):
        DemoTask(kind="make_coffee")


# Progress over the clock


def test_progress_follows_the_manual_clock_to_the_end(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(DemoTask(duration=20, total_items=400))
    seen = []
    messages = set()
    for _ in range(11):
        body = task_json(demo, task_id)
        seen.append((body["elapsedTime"], body["percentageComplete"], body["finished"]))
        messages.add(body["messages"][0]["translation"])
        demo_clock.advance(2)
    assert [elapsed for elapsed, _, _ in seen] == list(range(0, 22000, 2000))
    percents = [percent for _, percent, _ in seen]
    assert percents[0] == 0
    assert percents[-1] == 100
    assert all(p < 100 for p in percents[:-1])
    assert seen[-1][2] is True
    assert len(set(percents)) > 3  # it moves during the run
    assert "Deleted 0 of 400 pages" in messages
    assert "Space removed" in messages


def test_same_seed_gives_same_uneven_progress(demo: DemoConfluence) -> None:
    first = DemoTask(duration=10, seed=7)
    second = DemoTask(duration=10, seed=7)
    demo.add_task(first)
    demo.add_task(second)
    start = first.added_at or 0.0
    curve = [first.at(start + t / 2).percent for t in range(20)]
    assert curve == [second.at(start + t / 2).percent for t in range(20)]
    steps = {b - a for a, b in itertools.pairwise(curve)}
    assert len(steps) > 1  # not one smooth slope


def test_scripted_progress_may_go_down(demo: DemoConfluence, demo_clock: ManualClock) -> None:
    task_id = demo.add_task(DemoTask(duration=10, progress=[(0, 0), (2, 60), (4, 30)]))
    demo_clock.advance(2)
    assert task_json(demo, task_id)["percentageComplete"] == 60
    demo_clock.advance(2)
    assert task_json(demo, task_id)["percentageComplete"] == 30


def test_queued_task_sits_at_zero_then_starts(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(DemoTask(duration=10, queued_for=15, progress=[(0, 0), (1, 20)]))
    demo_clock.advance(14)
    queued = task_json(demo, task_id)
    assert queued["percentageComplete"] == 0
    assert queued["elapsedTime"] == 14000
    assert queued["messages"][0]["translation"] == "Waiting for another task to finish"
    demo_clock.advance(2)
    assert task_json(demo, task_id)["percentageComplete"] == 20


def test_vanished_task_answers_404_for_good(demo: DemoConfluence, demo_clock: ManualClock) -> None:
    task_id = demo.add_task(DemoTask(duration=60, vanish_at=10))
    assert get(demo, f"/rest/api/longtask/{task_id}").status_code == 200
    demo_clock.advance(10)
    for _ in range(3):
        assert get(demo, f"/rest/api/longtask/{task_id}").status_code == 404
        demo_clock.advance(30)
    assert get(demo, "/rest/api/longtask").json()["size"] == 0


def test_vanish_task_now(demo: DemoConfluence) -> None:
    task_id = demo.add_task(DemoTask(duration=60))
    demo.vanish_task(task_id)
    assert get(demo, f"/rest/api/longtask/{task_id}").status_code == 404


def test_finished_task_leaves_the_list_but_stays_fetchable(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    short = demo.add_task(DemoTask(duration=5))
    long = demo.add_task(DemoTask(duration=50))
    demo_clock.advance(6)
    listed = [item["id"] for item in get(demo, "/rest/api/longtask").json()["results"]]
    assert listed == [long]
    assert task_json(demo, short)["finished"] is True


def test_unknown_task_is_404_with_the_error_envelope(demo: DemoConfluence) -> None:
    response = get(demo, "/rest/api/longtask/424242")
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


# The list endpoint


def test_list_pages_follow_next_links_until_the_last(demo: DemoConfluence) -> None:
    ids = [demo.add_task(DemoTask(duration=60)) for _ in range(5)]
    collected: list[str] = []
    path = "/rest/api/longtask?limit=2"
    sizes = []
    while path:
        body = get(demo, path).json()
        sizes.append(body["size"])
        collected += [item["id"] for item in body["results"]]
        path = body["_links"].get("next", "")
    assert sizes == [2, 2, 1]
    assert collected == ids


def test_list_start_and_size_page_without_links(demo: DemoConfluence) -> None:
    ids = [demo.add_task(DemoTask(duration=60)) for _ in range(3)]
    body = get(demo, "/rest/api/longtask", params={"start": 2, "limit": 2}).json()
    assert (body["start"], body["limit"], body["size"]) == (2, 2, 1)
    assert [item["id"] for item in body["results"]] == ids[2:]
    assert "next" not in body["_links"]


def test_list_defaults_to_100_and_caps_the_limit(demo_clock: ManualClock) -> None:
    with DemoConfluence(clock=demo_clock, max_page_size=3) as server:
        for _ in range(4):
            server.add_task(DemoTask(duration=60))
        capped = get(server, "/rest/api/longtask?limit=1000").json()
        assert (capped["limit"], capped["size"]) == (3, 3)
        assert capped["_links"]["next"] == "/rest/api/longtask?start=3&limit=3"
    with DemoConfluence(clock=demo_clock) as server:
        assert get(server, "/rest/api/longtask").json()["limit"] == 100


def test_list_rejects_a_negative_start(demo: DemoConfluence) -> None:
    assert get(demo, "/rest/api/longtask?start=-1").status_code == 400


def test_each_site_lists_and_finds_only_its_own_tasks(demo: DemoConfluence) -> None:
    cloud = demo.add_task(DemoTask(duration=60))
    dc = demo.add_task(DemoTask(dialect="dc", duration=60))
    assert [t["id"] for t in get(demo, "/rest/api/longtask").json()["results"]] == [cloud]
    dc_list = get(demo, "/rest/api/longtask", demo.dc_base).json()
    assert [t["id"] for t in dc_list["results"]] == [dc]
    assert get(demo, f"/rest/api/longtask/{dc}").status_code == 404
    assert get(demo, f"/rest/api/longtask/{cloud}", demo.dc_base).status_code == 404


# Authentication and the current user


def _basic(user: str, token: str) -> tuple[str, str]:
    return (user, token)


def test_cloud_accepts_basic_email_and_token(demo: DemoConfluence) -> None:
    response = get(demo, "/rest/api/user/current", headers={}, auth=(demo.user_email, demo.token))
    assert response.status_code == 200
    assert response.json()["email"] == demo.user_email
    assert response.json()["displayName"] == "Demo User"
    assert response.json()["accountId"]
    assert demo.requests[-1].authorized is True


def test_cloud_refuses_a_wrong_token_with_the_json_envelope(demo: DemoConfluence) -> None:
    for headers in ({"Authorization": "Bearer nope"}, {}):
        response = get(demo, "/rest/api/longtask", headers=headers)
        assert response.status_code == 401
        assert response.json()["data"]["authorized"] is False
    wrong_basic = get(demo, "/rest/api/longtask", headers={}, auth=(demo.user_email, "nope"))
    assert wrong_basic.status_code == 401
    assert [r.authorized for r in demo.requests] == [False, False, False]


def test_data_center_takes_bearer_only_and_refuses_with_html(demo: DemoConfluence) -> None:
    user = get(demo, "/rest/api/user/current", demo.dc_base).json()
    assert user["username"] == "demo"
    assert "accountId" not in user
    refused = get(
        demo, "/rest/api/user/current", demo.dc_base, headers={}, auth=(demo.user_email, demo.token)
    )
    assert refused.status_code == 401
    assert refused.headers["Content-Type"].startswith("text/html")


def test_gateway_answers_like_cloud_and_refuses_basic(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    task_id = demo.add_task(DemoTask(duration=10))
    demo_clock.advance(3)
    body = task_json(demo, task_id, demo.gateway_base)
    jsonschema.validate(body, _schema("LongTaskStatusWithLinks"))
    assert body["_links"]["base"] == demo.cloud_base

    refused = get(
        demo,
        f"/rest/api/longtask/{task_id}",
        demo.gateway_base,
        headers={},
        auth=(demo.user_email, demo.token),
    )
    assert refused.status_code == 401
    assert refused.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    assert refused.headers["X-Failure-Category"]
    assert demo.requests[-1].dialect == "gateway"


def test_tenant_info_gives_the_cloud_id(demo: DemoConfluence) -> None:
    cloud_id = requests.get(demo.url + "/_edge/tenant_info", timeout=5).json()["cloudId"]
    assert demo.gateway_base.endswith(f"/ex/confluence/{cloud_id}/wiki")


# Starting long tasks


def _start(server: DemoConfluence, method: str, path: str, body: Any = None) -> Any:
    return requests.request(
        method, server.cloud_base + path, headers=_bearer(server), json=body, timeout=5
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "kind"),
    [
        ("DELETE", "/rest/api/space/OLD", None, "delete_space"),
        (
            "POST",
            "/rest/api/content/42/pagehierarchy/copy",
            {"destinationPageId": "7"},
            "copy_page_hierarchy",
        ),
        ("DELETE", "/rest/api/content/42/pageTree", None, "delete_page_tree"),
        ("POST", "/rest/api/content/archive", {"pages": [{"id": 1}, {"id": 2}]}, "archive_pages"),
    ],
)
def test_starters_answer_202_with_a_context_relative_status_link(
    demo: DemoConfluence, method: str, path: str, body: Any, kind: str
) -> None:
    response = _start(demo, method, path, body)
    assert response.status_code == 202
    answer = response.json()
    jsonschema.validate(answer, _schema("LongTask"))
    assert answer["links"]["status"] == f"/rest/api/longtask/{answer['id']}"
    assert demo.task(answer["id"]).kind == kind
    assert task_json(demo, answer["id"])["finished"] is False
    # Followed as a host-relative URL, the link misses /wiki and finds nothing, as on real Cloud.
    lost = requests.get(demo.url + answer["links"]["status"], headers=_bearer(demo), timeout=5)
    assert lost.status_code == 404


def test_starter_on_data_center_makes_a_data_center_task(demo: DemoConfluence) -> None:
    response = requests.delete(
        demo.dc_base + "/rest/api/space/OLD", headers=_bearer(demo), timeout=5
    )
    task_id = response.json()["id"]
    assert "finished" not in task_json(demo, task_id, demo.dc_base)


def test_starters_check_their_body_and_credentials(demo: DemoConfluence) -> None:
    assert _start(demo, "POST", "/rest/api/content/42/pagehierarchy/copy", {}).status_code == 400
    assert _start(demo, "POST", "/rest/api/content/archive", {"pages": []}).status_code == 400
    anonymous = requests.delete(demo.cloud_base + "/rest/api/space/OLD", timeout=5)
    assert anonymous.status_code == 401
    assert demo.all_snapshots() == []


# Faults


@pytest.fixture
def running_task(demo: DemoConfluence) -> str:
    return demo.add_task(DemoTask(duration=60))


def test_unauthorized_fault_is_a_bare_401(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="unauthorized", count=1))
    response = get(demo, f"/rest/api/longtask/{running_task}")
    assert (response.status_code, response.content) == (401, b"")
    assert get(demo, f"/rest/api/longtask/{running_task}").status_code == 200
    assert [r.fault for r in demo.requests] == ["unauthorized", None]
    # The credentials were fine: the record tells a fault from a wrong token.
    assert demo.requests[0].authorized is True


def test_unauthorized_html_fault(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="unauthorized_html"))
    response = get(demo, f"/rest/api/longtask/{running_task}")
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text


def test_unauthorized_json_fault_uses_the_confluence_envelope(
    demo: DemoConfluence, running_task: str
) -> None:
    demo.set_fault(Fault(kind="unauthorized_json"))
    body = get(demo, "/rest/api/longtask").json()
    assert body["statusCode"] == 401
    assert body["data"]["authorized"] is False
    assert body["reason"] == "Unauthorized"


def test_gateway_scope_fault(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="gateway_scope", dialect="gateway"))
    assert get(demo, f"/rest/api/longtask/{running_task}").status_code == 200
    response = get(demo, f"/rest/api/longtask/{running_task}", demo.gateway_base)
    assert response.status_code == 401
    assert response.json()["message"] == "Unauthorized; scope does not match"
    assert response.headers["X-Failure-Category"] == "FAILURE_CLIENT_SCOPE_CHECK"


def test_login_page_fault_is_html_with_status_200(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="login_page"))
    response = get(demo, f"/rest/api/longtask/{running_task}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "os_password" in response.text


def test_redirect_fault_points_to_a_sign_in_page(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="redirect", count=1))
    response = get(demo, f"/rest/api/longtask/{running_task}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(demo.url + "/login.action?os_destination=")
    assert "longtask" in location
    followed = requests.get(location, timeout=5)
    assert followed.status_code == 200
    assert "os_password" in followed.text


def test_not_found_fault_flickers_once(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="not_found", count=1, task_id=running_task))
    statuses = [get(demo, f"/rest/api/longtask/{running_task}").status_code for _ in range(3)]
    assert statuses == [404, 200, 200]


def test_fault_for_one_task_spares_the_others(demo: DemoConfluence, running_task: str) -> None:
    other = demo.add_task(DemoTask(duration=60))
    demo.set_fault(Fault(kind="not_found", task_id=running_task))
    assert get(demo, f"/rest/api/longtask/{other}").status_code == 200
    assert get(demo, "/rest/api/longtask").status_code == 200
    assert get(demo, f"/rest/api/longtask/{running_task}").status_code == 404


def test_fault_with_a_duration_ends_on_the_server_clock(
    demo: DemoConfluence, demo_clock: ManualClock, running_task: str
) -> None:
    demo.set_fault(Fault(kind="server_error", duration=10))
    assert get(demo, "/rest/api/longtask").status_code == 500
    demo_clock.advance(9)
    assert get(demo, "/rest/api/longtask").status_code == 500
    demo_clock.advance(1)
    assert get(demo, "/rest/api/longtask").status_code == 200
    assert demo.faults == []


def test_fault_without_limits_lasts_until_cleared(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="not_json"))
    assert [get(demo, "/rest/api/longtask").status_code for _ in range(3)] == [200] * 3
    assert get(demo, "/rest/api/longtask").headers["Content-Type"].startswith("text/plain")
    demo.clear_faults()
    assert get(demo, "/rest/api/longtask").json()["size"] == 1


def test_faults_apply_in_the_order_they_were_set(demo: DemoConfluence) -> None:
    demo.set_fault(Fault(kind="rate_limited", count=1, retry_after=3))
    demo.set_fault(Fault(kind="server_error", count=1, status=503, retry_after=2))
    first = get(demo, "/rest/api/longtask")
    second = get(demo, "/rest/api/longtask")
    assert (first.status_code, first.headers["Retry-After"]) == (429, "3")
    assert (second.status_code, second.headers["Retry-After"]) == (503, "2")
    assert get(demo, "/rest/api/longtask").status_code == 200


def test_server_error_defaults_to_500_without_retry_after(demo: DemoConfluence) -> None:
    demo.set_fault(Fault(kind="server_error", count=1, status=None))
    response = get(demo, "/rest/api/longtask")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_malformed_json_fault_does_not_parse(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="malformed_json"))
    response = get(demo, f"/rest/api/longtask/{running_task}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()


def test_wrong_types_fault_sends_a_percent_in_words(
    demo: DemoConfluence, running_task: str
) -> None:
    demo.set_fault(Fault(kind="wrong_types"))
    body = get(demo, f"/rest/api/longtask/{running_task}").json()
    assert body["id"] == running_task
    assert body["percentageComplete"] == "fifty"
    listed = get(demo, "/rest/api/longtask").json()
    assert listed["results"][0]["percentageComplete"] == "fifty"


def test_oversized_fault_sends_about_ten_megabytes(demo: DemoConfluence) -> None:
    demo.set_fault(Fault(kind="oversized", count=1))
    response = get(demo, "/rest/api/longtask")
    assert int(response.headers["Content-Length"]) >= 10 * 1024 * 1024
    assert len(response.json()["padding"]) >= 10 * 1024 * 1024


def test_client_may_hang_up_on_an_oversized_answer(demo: DemoConfluence) -> None:
    demo.set_fault(Fault(kind="oversized", count=1))
    with get(demo, "/rest/api/longtask", stream=True) as response:
        assert len(response.raw.read(1000)) == 1000
    assert get(demo, "/rest/api/longtask").status_code == 200


def test_slow_fault_delays_then_answers_normally(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="slow", delay=0.3, count=1))
    began = time.monotonic()
    response = get(demo, f"/rest/api/longtask/{running_task}")
    assert time.monotonic() - began >= 0.3
    assert response.json()["id"] == running_task


def test_disconnect_fault_drops_the_connection(demo: DemoConfluence, running_task: str) -> None:
    demo.set_fault(Fault(kind="disconnect", count=1))
    with pytest.raises(requests.ConnectionError):
        get(demo, "/rest/api/longtask")
    assert demo.requests[-1].status == 0
    assert get(demo, "/rest/api/longtask").status_code == 200


def test_faults_spare_the_starters_work(demo: DemoConfluence) -> None:
    demo.set_fault(Fault(kind="server_error", count=1))
    assert _start(demo, "DELETE", "/rest/api/space/OLD").status_code == 500
    assert demo.all_snapshots() == []


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="fault kind"):
        Fault(kind="gremlins")


# The request log


def test_request_log_records_method_path_query_status_and_clock_time(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    get(demo, "/rest/api/longtask?start=0&limit=5")
    demo_clock.advance(3)
    get(demo, "/rest/api/longtask/77", headers={})
    first, second = demo.requests
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        "/wiki/rest/api/longtask",
        "start=0&limit=5",
        200,
    )
    assert (second.status, second.authorized) == (401, False)
    assert second.time - first.time == 3
    assert second.real_time >= first.real_time
    demo.clear_requests()
    assert demo.requests == []


def test_token_never_reaches_the_log(
    demo: DemoConfluence, running_task: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    get(demo, f"/rest/api/longtask/{running_task}")
    get(demo, "/rest/api/user/current", headers={}, auth=(demo.user_email, demo.token))
    assert caplog.records  # the demo does log each request at debug
    assert demo.token not in caplog.text


# Control endpoints for other processes


def _control(server: DemoConfluence, method: str, path: str, body: Any = None) -> Any:
    return requests.request(method, server.url + path, json=body, timeout=5)


def test_control_endpoints_drive_tasks_faults_log_and_clock(demo: DemoConfluence) -> None:
    created = _control(demo, "POST", "/_demo/tasks", {"kind": "export_space", "duration": 10})
    assert created.status_code == 201
    task_id = created.json()["id"]

    assert _control(demo, "POST", "/_demo/faults", {"kind": "not_found", "count": 1}).ok
    assert get(demo, f"/rest/api/longtask/{task_id}").status_code == 404
    assert _control(demo, "POST", "/_demo/faults", {"kind": "server_error"}).ok
    assert _control(demo, "DELETE", "/_demo/faults").json() == {"faults": []}

    advanced = _control(demo, "POST", "/_demo/clock/advance", {"seconds": 10})
    assert advanced.json()["now"] == demo.now()
    assert task_json(demo, task_id)["finished"] is True
    listing = _control(demo, "GET", "/_demo/tasks").json()["tasks"]
    assert listing[0]["id"] == task_id
    assert listing[0]["successful"] is True

    logged = _control(demo, "GET", "/_demo/requests").json()["requests"]
    assert [entry["status"] for entry in logged] == [404, 200]  # control calls are not logged
    assert _control(demo, "DELETE", "/_demo/requests").ok
    assert demo.requests == []


def test_control_endpoints_refuse_bad_input(demo: DemoConfluence) -> None:
    assert _control(demo, "POST", "/_demo/tasks", {"colour": "red"}).status_code == 400
    assert _control(demo, "POST", "/_demo/tasks", {"kind": "nap"}).status_code == 400
    assert _control(demo, "POST", "/_demo/faults", {"kind": "nope"}).status_code == 400
    assert _control(demo, "POST", "/_demo/faults", [1, 2]).status_code == 400
    assert _control(demo, "GET", "/_demo/nothing").status_code == 404


def test_clock_advance_needs_a_manual_clock() -> None:
    with DemoConfluence() as server:
        response = _control(server, "POST", "/_demo/clock/advance", {"seconds": 1})
        assert response.status_code == 409


# Lifecycle and threads


def test_stop_is_prompt_with_a_slow_request_in_flight() -> None:
    server = DemoConfluence().start()
    server.set_fault(Fault(kind="slow", delay=30))
    outcome: list[Any] = []

    def ask() -> None:
        try:
            outcome.append(get(server, "/rest/api/longtask", timeout=20).status_code)
        except requests.RequestException as error:
            outcome.append(error)

    caller = threading.Thread(target=ask)
    caller.start()
    while not server.requests:
        time.sleep(0.01)
    began = time.monotonic()
    server.stop()
    caller.join(timeout=5)
    assert time.monotonic() - began < 2
    assert not caller.is_alive()
    assert isinstance(outcome[0], requests.ConnectionError)


def test_stopped_server_refuses_kept_alive_connections(demo_clock: ManualClock) -> None:
    server = DemoConfluence(clock=demo_clock).start()
    session = requests.Session()
    session.headers.update(_bearer(server))
    assert session.get(server.cloud_base + "/rest/api/longtask", timeout=5).ok
    server.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(server.cloud_base + "/rest/api/longtask", timeout=5)
    server.start()  # same port again: an outage and a recovery
    try:
        assert session.get(server.cloud_base + "/rest/api/longtask", timeout=5).ok
    finally:
        server.stop()


def test_concurrent_requests_and_mutations_all_get_answers(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def poll() -> None:
        with requests.Session() as session:
            session.headers.update(_bearer(demo))
            for _ in range(15):
                status = session.get(demo.cloud_base + "/rest/api/longtask", timeout=5).status_code
                with lock:
                    statuses.append(status)

    pollers = [threading.Thread(target=poll) for _ in range(6)]
    for thread in pollers:
        thread.start()
    for _ in range(30):
        demo.add_task(DemoTask(duration=5))
        demo.set_fault(Fault(kind="rate_limited", count=1))
        demo_clock.advance(0.5)
    for thread in pollers:
        thread.join(timeout=10)
    assert len(statuses) == 90
    assert set(statuses) <= {200, 429}
    assert len(demo.requests) == 90


# The showcase and the command line


def test_scenario_runs_every_showcase_role_to_its_end(
    demo: DemoConfluence, demo_clock: ManualClock
) -> None:
    scenario = demo_scenario(demo)
    assert len(scenario.cloud_task_ids) >= 5
    assert len({demo.task(i).kind for i in scenario.cloud_task_ids}) >= 5
    assert len(scenario.dc_task_ids) >= 2
    roles = scenario.roles

    demo_clock.advance(10)
    assert task_json(demo, roles["queued"])["percentageComplete"] == 0
    demo_clock.advance(60)
    assert get(demo, "/rest/api/longtask").json()["size"] == 0
    failed = task_json(demo, roles["failing"])
    assert (failed["finished"], failed["successful"]) == (True, False)
    assert failed["errors"]
    assert get(demo, f"/rest/api/longtask/{roles['vanishing']}").status_code == 404
    copied = task_json(demo, roles["copy"])
    assert copied["additionalDetails"]["destinationUrl"]
    assert task_json(demo, roles["delete_space"])["successful"] is True
    refused = get(
        demo, "/rest/api/longtask", headers={"Authorization": "Bearer " + scenario.refused_token}
    )
    assert refused.status_code == 401


def test_demo_server_command_prints_sites_and_token_and_exits_0_on_ctrl_c() -> None:
    command = [sys.executable, "-m", "gui.demo", "--json", "--manual-clock"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        details = json.loads(process.stdout.readline())
        assert details["cloud_site"].endswith("/wiki")
        assert details["dc_site"].endswith("/confluence")
        assert details["user"] == "demo@example.com"
        headers = {"Authorization": f"Bearer {details['token']}"}
        task_id = details["cloud_task_ids"][0]
        response = requests.get(
            f"{details['cloud_site']}/rest/api/longtask/{task_id}", headers=headers, timeout=5
        )
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
