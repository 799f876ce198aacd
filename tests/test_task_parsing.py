"""The task model parses every shape Confluence sends, and names the field when one is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

from gui.confluence import MalformedTask, TaskState, parse_task
from gui.confluence.task import MAX_ELAPSED_MS
from gui.confluence.titles import task_title

# A copy of ../shared/spec/confluence-longtask-openapi.json (Atlassian's own schema subset), so a
# clone on its own runs these tests too.
SPEC_PATH = Path(__file__).resolve().parent / "data/confluence-longtask-openapi.json"
BASE = "https://acme.atlassian.net/wiki"


def _schema(name: str) -> dict[str, Any]:
    """A schema from Atlassian's document with its $refs resolved inline."""
    spec = json.loads(SPEC_PATH.read_text())
    schemas = spec["components"]["schemas"]

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(schemas[node["$ref"].rsplit("/", 1)[1]])
            # hypothesis-jsonschema knows JSON Schema, not OpenAPI's "nullable".
            resolved = {k: resolve(v) for k, v in node.items() if k not in {"nullable", "format"}}
            if node.get("nullable") and "type" in resolved:
                resolved["type"] = [resolved["type"], "null"]
            return resolved
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schemas[name])


# Each generated task costs ~0.2 s in hypothesis-jsonschema, which also filters many drafts away
# internally; a fixed sequence of 30 examples keeps the suite quick and the same on every run.
QUIET = [HealthCheck.too_slow, HealthCheck.filter_too_much]
FAST = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=QUIET)


@FAST
@given(from_schema(_schema("LongTaskStatusWithLinks")))
def test_every_by_id_answer_the_schema_allows_parses(payload: dict[str, Any]) -> None:
    if not payload["id"].strip():
        # The schema allows an empty id; such a task cannot be polled, so it is a clear error.
        with pytest.raises(MalformedTask, match="no usable id"):
            parse_task(payload, BASE)
        return
    task = parse_task(payload, BASE)
    assert task.task_id == payload["id"]
    assert 0 <= task.percent <= 100
    if payload["finished"]:
        assert task.state is not TaskState.RUNNING
    else:
        assert task.state is TaskState.RUNNING
    assert task.title


def _list_schema() -> dict[str, Any]:
    schema = _schema("LongTaskStatusArray")
    schema["properties"]["results"]["maxItems"] = 3  # the items are covered above; keep it quick
    return schema


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=QUIET)
@given(from_schema(_list_schema()))
def test_every_list_answer_the_schema_allows_parses(payload: dict[str, Any]) -> None:
    for item in payload["results"]:
        if item["id"].strip():
            assert parse_task(item, BASE).task_id == item["id"]
        else:
            with pytest.raises(MalformedTask):
                parse_task(item, BASE)


def cloud_task(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "1179649",
        "name": {
            "key": "com.atlassian.confluence.spaces.actions.RemoveSpaceAction.action.name",
            "args": [],
        },
        "elapsedTime": 12000,
        "percentageComplete": 40,
        "successful": False,
        "finished": False,
        "messages": [{"translation": "Deleted 160 of 400 pages", "args": []}],
    }
    payload.update(overrides)
    return payload


def test_cloud_running_task_has_title_percent_and_message() -> None:
    task = parse_task(cloud_task(), BASE)
    assert (task.state, task.percent, task.elapsed_ms) == (TaskState.RUNNING, 40, 12000)
    assert task.title == "Delete space"
    assert task.message == "Deleted 160 of 400 pages"


def test_failure_is_reported_at_any_percentage() -> None:
    payload = cloud_task(
        finished=True, percentageComplete=35, errors=[{"translation": "Lock failed", "args": []}]
    )
    task = parse_task(payload, BASE)
    assert task.state is TaskState.FAILED
    assert task.failure_reason == "Lock failed"


def test_data_center_shape_without_finished_is_done_at_100() -> None:
    payload = {
        "id": "6b1c-dc",
        "name": {"translation": "Space export"},
        "elapsedTime": 5000,
        "percentageComplete": 100,
        "successful": True,
        "messages": [{"translation": "Export complete", "args": []}],
    }
    task = parse_task(payload)
    assert task.state is TaskState.SUCCEEDED
    assert task.title == "Space export"


def test_data_center_shape_below_100_is_running() -> None:
    payload = {
        "id": "dc-1",
        "name": {"translation": "Import"},
        "elapsedTime": 1,
        "percentageComplete": 99,
        "successful": False,
        "messages": [],
    }
    assert parse_task(payload).state is TaskState.RUNNING


def test_pre_2022_cloud_finished_unsuccessfully_at_100_failed() -> None:
    payload = cloud_task(percentageComplete=100)
    del payload["finished"]
    assert parse_task(payload, BASE).state is TaskState.FAILED


def test_copy_status_key_becomes_message_and_result_link() -> None:
    payload = cloud_task(
        name={"key": "com.atlassian.confluence.pages.actions.CopyPageHierarchyAction", "args": []},
        messages=[],
        status=json.dumps({"key": "STATUS_COPYING_PAGES", "args": []}),
        additionalDetails={"destinationId": "9", "destinationUrl": "/spaces/DEMO/pages/9/Plan"},
    )
    task = parse_task(payload, BASE)
    assert task.title == "Copy page hierarchy"
    assert task.message == "Copying pages"
    assert task.result_url == BASE + "/spaces/DEMO/pages/9/Plan"


def test_copy_error_status_key_is_the_failure_reason() -> None:
    payload = cloud_task(
        finished=True,
        successful=False,
        messages=[],
        status=json.dumps({"key": "ERROR_LOCK_FAILED"}),
    )
    assert parse_task(payload, BASE).failure_reason == "Lock failed"


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("percentageComplete", "fifty", "percentageComplete"),
        ("elapsedTime", [1], "elapsedTime"),
        ("finished", "yes", "finished"),
        ("successful", 1, "successful"),
        ("messages", "oops", "messages"),
        ("name", 7, "name"),
        ("status", {"key": "x"}, "status"),
        ("additionalDetails", "x", "additionalDetails"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_parse_error_naming_it(
    field: str, value: object, named: str
) -> None:
    with pytest.raises(MalformedTask, match=named):
        parse_task(cloud_task(**{field: value}), BASE)


@pytest.mark.parametrize("payload", [None, [], "task", 3, {"percentageComplete": 3}, {"id": True}])
def test_something_that_is_not_a_task_is_a_parse_error(payload: object) -> None:
    with pytest.raises(MalformedTask):
        parse_task(payload)


def test_message_placeholders_are_filled_from_args() -> None:
    payload = cloud_task(messages=[{"translation": "Copied {0} of {1} pages", "args": ["3", 10]}])
    assert parse_task(payload, BASE).message == "Copied 3 of 10 pages"


@pytest.mark.parametrize(
    ("key", "title"),
    [
        ("com.atlassian.confluence.spaces.actions.RemoveSpaceAction.action.name", "Delete space"),
        (
            "com.atlassian.confluence.pages.actions.RemovePageTreeLongRunningTask",
            "Delete page tree",
        ),
        ("com.atlassian.confluence.content.archive.ArchivePagesTask", "Archive pages"),
        ("com.atlassian.confluence.importexport.ImportSpaceTask", "Import space"),
        ("com.atlassian.confluence.importexport.actions.ExportSpaceAction", "Export space"),
        ("com.example.plugin.FrobnicateWidgetsAction.name", "Frobnicate widgets"),
        (None, "Long-running task"),
    ],
)
def test_titles_are_human_even_for_unknown_keys(key: str | None, title: str) -> None:
    assert task_title(key) == title


def test_the_spec_copy_matches_the_shared_one_when_it_is_beside_the_repo() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared/spec/confluence-longtask-openapi.json"
    if not shared.exists():
        pytest.skip("../shared is not beside this clone")
    assert json.loads(shared.read_text()) == json.loads(SPEC_PATH.read_text())


def test_an_absurd_elapsed_time_is_held_to_a_century() -> None:
    task = parse_task({"id": "1", "elapsedTime": 10**400, "percentageComplete": 5})
    assert task.elapsed_ms == MAX_ELAPSED_MS
    assert task.elapsed_ms / 1000 > 0  # float arithmetic works on it
