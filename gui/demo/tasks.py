"""A simulated long-running task: what it is, and where it stands at any moment of the clock."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field, fields
from typing import Any

from gui.demo.kinds import KINDS

DIALECTS = ("cloud", "dc")
SHAPES = ("cloud", "cloud-legacy", "dc")
OUTCOMES = ("success", "failure")


@dataclass
class DemoTask:
    """A task the demo reports on; times are seconds of the server clock after it was added.

    ``progress`` scripts the percent exactly as (seconds after the queue, percent) steps, which may
    go down; without it the percent follows a deterministic uneven curve seeded by ``seed``.
    """

    kind: str = "delete_space"
    dialect: str = "cloud"
    shape: str | None = None  # None: the dialect's own; "cloud-legacy" is Cloud before `finished`
    duration: float = 20.0
    queued_for: float = 0.0
    outcome: str = "success"
    fail_at: int = 100  # percent at which a failing task gives up
    error: str | None = None  # why it failed; None: the kind's usual reason
    vanish_at: float | None = None  # from then on the task answers 404 for good
    # How long the list endpoint still shows the task after it ended, as a cluster node that
    # lags behind the others does; 0: it leaves the list when it ends.
    listed_after_end: float = 0.0
    total_items: int = 400
    progress: list[tuple[float, int]] | None = None
    seed: int | None = None  # None: derived from the id
    space_key: str = "DEMO"
    page_title: str = "Project plan"
    id: str | None = None
    added_at: float | None = None  # set by the server when the task is added
    _knots: list[tuple[float, float]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown task kind {self.kind!r}; one of {sorted(KINDS)}")
        if self.dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r}; one of {DIALECTS}")
        if self.shape is None:
            self.shape = self.dialect
        if self.shape not in SHAPES or (self.dialect == "dc") != (self.shape == "dc"):
            raise ValueError(f"shape {self.shape!r} does not fit dialect {self.dialect!r}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        if self.duration <= 0 or self.queued_for < 0 or not 0 <= self.fail_at <= 100:
            raise ValueError("duration must be > 0, queued_for >= 0, fail_at within 0..100")
        if self.listed_after_end < 0:
            raise ValueError("listed_after_end must be >= 0")
        if self.progress is not None:
            self.progress = sorted((float(t), int(p)) for t, p in self.progress)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DemoTask:
        """Build a task from the JSON a control request sends; unknown fields are an error."""
        allowed = {f.name for f in fields(cls) if f.init and f.name != "added_at"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown task fields: {sorted(unknown)}")
        return cls(**data)

    @property
    def error_text(self) -> str:
        """The failure reason the server reports."""
        return self.error or KINDS[self.kind].default_error

    def at(self, now: float) -> TaskSnapshot:
        """Where the task stands at server time ``now``."""
        if self.added_at is None or self.id is None:
            raise RuntimeError("the task has not been added to a server yet")
        age = max(0.0, now - self.added_at)
        end = self.queued_for + self._run_time_to_end()
        finished = age >= end
        clamped = min(age, end)
        run = clamped - self.queued_for
        if finished:
            percent = 100 if self.outcome == "success" else self.fail_at
        elif run < 0:
            percent = 0
        else:
            percent = min(99, self._percent_after(run))
        return TaskSnapshot(
            task=self,
            percent=percent,
            elapsed_ms=int(clamped * 1000),
            queued=run < 0,
            finished=finished,
            successful=finished and self.outcome == "success",
            vanished=self.vanish_at is not None and age >= self.vanish_at,
            items_done=self.total_items * percent // 100,
            listed=age < end + self.listed_after_end,
        )

    def _run_time_to_end(self) -> float:
        """Seconds of running (after the queue) until the task ends, by success or by failure."""
        if self.outcome == "success" or self.fail_at >= 100:
            return self.duration
        if self.progress is not None:
            for seconds, percent in self.progress:
                if percent >= self.fail_at:
                    return min(seconds, self.duration)
            return self.duration
        target = self.fail_at / 100
        previous = (0.0, 0.0)
        for x, y in self._curve():
            if y >= target:
                x0, y0 = previous
                share = 0.0 if y == y0 else (target - y0) / (y - y0)
                return (x0 + share * (x - x0)) * self.duration
            previous = (x, y)
        return self.duration

    def _percent_after(self, run: float) -> int:
        if self.progress is not None:
            percent = 0
            for seconds, step in self.progress:
                if seconds <= run:
                    percent = step
            return max(0, min(100, percent))
        fraction = min(1.0, run / self.duration)
        previous = (0.0, 0.0)
        for x, y in self._curve():
            if fraction <= x:
                x0, y0 = previous
                share = 0.0 if x == x0 else (fraction - x0) / (x - x0)
                value = y0 + share * (y - y0)
                # Whole steps of 5 make the bar jump the way batch-processing servers report it.
                return int(value * 100) // 5 * 5
            previous = (x, y)
        return 100

    def _curve(self) -> list[tuple[float, float]]:
        """Knots of a rising, uneven progress curve from (0, 0) to (1, 1), with one flat stretch."""
        if not self._knots:
            seed = self.seed if self.seed is not None else zlib.crc32(str(self.id).encode())
            rng = random.Random(seed)  # noqa: S311 - a repeatable shape, not a secret
            xs = sorted(rng.uniform(0.05, 0.95) for _ in range(4))
            ys = sorted(rng.uniform(0.05, 0.95) for _ in range(4))
            ys[2] = ys[1]  # the flat stretch: a batch that takes long before the count moves
            self._knots = [*zip(xs, ys, strict=True), (1.0, 1.0)]
        return self._knots


@dataclass(frozen=True)
class TaskSnapshot:
    """The state of a task at one moment, from which every dialect's payload is drawn."""

    task: DemoTask
    percent: int
    elapsed_ms: int
    queued: bool
    finished: bool
    successful: bool
    vanished: bool
    items_done: int
    listed: bool = False  # still in the list after it ended (see DemoTask.listed_after_end)

    @property
    def active(self) -> bool:
        """Whether the list endpoint shows the task: started or queued and not gone, and not
        ended unless the list is slow to drop it."""
        return (not self.finished or self.listed) and not self.vanished
