"""Runs every benchmark in tests/benchmarks and prints all their figures, then a summary table.

    .venv/bin/python tests/benchmarks/run.py            # full: a few minutes on 2 cores
    .venv/bin/python tests/benchmarks/run.py --short    # CI form, about a minute

Each ``bench_*.py`` runs in its own process; ``--short`` is passed on, and a benchmark without a
``--short`` option is left out of the short form.
Goals are reported as met or not met, never asserted: timing on a shared machine flakes. The exit
status is non-zero only when a benchmark crashed or overran its time, so the CI form cannot rot.
The last line is JSON with every figure; ``--markdown`` also prints the table for the README.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Ours first, in the order of issue 7; any other bench_*.py after them.
FIRST = ["bench_process.py", "bench_thousand.py", "bench_notify_delay.py"]


def benchmarks() -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    order = {name: i for i, name in enumerate(FIRST)}
    return sorted(found, key=lambda path: (order.get(path.name, len(FIRST)), path.name))


def run_one(path: Path, short: bool, timeout: float) -> tuple[int, list[dict[str, Any]], float]:
    """Stream one benchmark's output; returns its exit status, figures and duration."""
    argv = [sys.executable, str(path)]
    if short:
        argv.append("--short")
    print(f"\n=== {path.name} {' '.join(argv[2:])}".rstrip(), flush=True)
    started = time.monotonic()
    figures: list[dict[str, Any]] = []
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE.parents[1]
    )
    assert process.stdout is not None
    for line in process.stdout:
        text = line.rstrip("\n")
        parsed = _figures_of(text)
        if parsed is None:
            print(f"  {text}", flush=True)
        else:
            figures += parsed
        if time.monotonic() - started > timeout:
            process.kill()
            print(f"  ({path.name} overran {timeout:.0f} s: stopped)", flush=True)
            process.wait()
            return -9, figures, time.monotonic() - started
    try:
        code = process.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    return code, figures, time.monotonic() - started


def _figures_of(line: str) -> list[dict[str, Any]] | None:
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("figures"), list):
        return None
    return [{"benchmark": data.get("benchmark", ""), **item} for item in data["figures"]]


def _value(figure: dict[str, Any], key: str = "value") -> str:
    value = figure.get(key)
    if value is None:
        return ""
    unit = figure.get("unit", "")
    return f"{value:.3g} {unit}" if isinstance(value, float) else f"{value} {unit}"


def markdown(figures: list[dict[str, Any]]) -> str:
    rows = ["| figure | value | baseline | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for figure in figures:
        ratio = figure.get("ratio")
        met = figure.get("goal_met")
        rows.append(
            f"| {figure['name']} | {_value(figure)} | {_value(figure, 'baseline')} "
            f"| {'' if ratio is None else f'{ratio:.2f}'} | {figure.get('goal', '')} "
            f"| {'' if met is None else ('yes' if met else 'no')} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI form (about a minute)")
    parser.add_argument("--markdown", action="store_true", help="also print the README table")
    parser.add_argument("--only", action="append", default=[], help="run only this bench file")
    args = parser.parse_args()
    timeout = 120.0 if args.short else 900.0
    chosen = [p for p in benchmarks() if not args.only or p.name in args.only]
    every: list[dict[str, Any]] = []
    crashed: list[str] = []
    for path in chosen:
        if args.short and "--short" not in path.read_text():
            # A benchmark without a CI form could blow the CI time budget: full runs only.
            print(f"\n=== {path.name}: skipped in --short (it has no --short form)", flush=True)
            continue
        code, figures, seconds = run_one(path, args.short, timeout)
        every += figures
        print(f"--- {path.name}: exit {code} after {seconds:.1f} s", flush=True)
        if code != 0:
            crashed.append(path.name)
    print("\n=== summary")
    for figure in every:
        met = figure.get("goal_met")
        mark = {None: "    ", True: "met ", False: "MISS"}[met]
        print(f"{mark} {figure['benchmark']}: {figure['name']}: {_value(figure)}")
    if args.markdown:
        print("\n" + markdown(every))
    if crashed:
        print(f"crashed or overran: {', '.join(crashed)}")
    mode = "short" if args.short else "full"
    print(json.dumps({"mode": mode, "crashed": crashed, "figures": every}))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
