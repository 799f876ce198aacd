"""The showcase seeded by `--demo` and `demo-server`: tasks of every kind over about a minute."""

from __future__ import annotations

from dataclasses import dataclass, field

from gui.demo.server import DemoConfluence
from gui.demo.tasks import DemoTask

# A token no demo server ever accepts, for the demo site that shows a refused sign-in.
REFUSED_TOKEN = "demo-refused-token"  # noqa: S105 - a deliberately wrong, public value


@dataclass(frozen=True)
class DemoScenario:
    """The ids of the seeded tasks, by site and by the role they play in the showcase."""

    cloud_task_ids: list[str]
    dc_task_ids: list[str]
    roles: dict[str, str] = field(default_factory=dict)  # role -> task id
    refused_token: str = REFUSED_TOKEN


def demo_scenario(server: DemoConfluence, speed: float = 1.0) -> DemoScenario:
    """Seed the showcase; ``speed`` above 1 runs it faster (2.0 ends in about half a minute)."""

    def at(seconds: float) -> float:
        return seconds / speed

    cloud = {
        "delete_space": DemoTask(
            kind="delete_space", duration=at(45), space_key="OLDWIKI", total_items=400
        ),
        "copy": DemoTask(
            kind="copy_page_hierarchy", duration=at(30), total_items=40, page_title="Release plan"
        ),
        "failing": DemoTask(
            kind="delete_page_tree",
            duration=at(40),
            total_items=120,
            outcome="failure",
            fail_at=60,
            error="Page 'Meeting notes 2021' is being edited by another user",
        ),
        "vanishing": DemoTask(kind="archive_pages", duration=at(50), vanish_at=at(25)),
        "queued": DemoTask(kind="import_space", queued_for=at(20), duration=at(35)),
        "legacy": DemoTask(kind="export_space", shape="cloud-legacy", duration=at(55)),
    }
    dc = {
        "dc_export": DemoTask(kind="export_space", dialect="dc", duration=at(40)),
        "dc_import_failing": DemoTask(
            kind="import_space",
            dialect="dc",
            duration=at(50),
            outcome="failure",
            fail_at=70,
            error="The import file was made by a newer Confluence version",
        ),
    }
    roles = {role: server.add_task(task) for role, task in {**cloud, **dc}.items()}
    return DemoScenario(
        cloud_task_ids=[roles[role] for role in cloud],
        dc_task_ids=[roles[role] for role in dc],
        roles=roles,
    )
