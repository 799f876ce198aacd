"""The simulated Confluence: real HTTP on loopback for `--demo`, `demo-server` and the tests."""

from gui.demo.api import DEMO_CLOUD_ID
from gui.demo.clock import Clock, ManualClock
from gui.demo.faults import FAULT_KINDS, Fault
from gui.demo.kinds import KINDS, TaskKind
from gui.demo.records import RequestRecord
from gui.demo.server import DEMO_USER_EMAIL, DemoConfluence
from gui.demo.tasks import DemoTask, TaskSnapshot

__all__ = [
    "DEMO_CLOUD_ID",
    "DEMO_USER_EMAIL",
    "FAULT_KINDS",
    "KINDS",
    "Clock",
    "DemoConfluence",
    "DemoTask",
    "Fault",
    "ManualClock",
    "RequestRecord",
    "TaskKind",
    "TaskSnapshot",
]
