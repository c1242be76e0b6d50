"""Run the speed benchmarks and write BENCHMARKS.md.

Each `benchmarks/bench_<name>.py` has a `TITLE` and a `run() -> str` that returns a
Markdown section. Targets are ratios against a baseline measured in the same run, so
they hold on any machine. `python benchmarks/run.py [name ...]` runs some and keeps the
other sections of BENCHMARKS.md as they were.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "BENCHMARKS.md"
HEADER = """# Benchmarks

Written by `make bench` (`python benchmarks/run.py [name ...]`). Each target is a ratio
against a baseline measured in the same run on the same machine, so the ratios hold
where the absolute times do not. Speed is never asserted in unit tests.
"""


def timed(function, repeat: int = 3) -> float:
    """Best wall time of `repeat` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def one_thread(function):
    """`function` run with roi drawing on one thread (ROI_THREADS=1), for comparison
    with its default of one thread per core."""

    def run():
        before = os.environ.get("ROI_THREADS")
        os.environ["ROI_THREADS"] = "1"
        try:
            return function()
        finally:
            if before is None:
                del os.environ["ROI_THREADS"]
            else:
                os.environ["ROI_THREADS"] = before

    return run


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _sections(text: str) -> dict[str, str]:
    pattern = re.compile(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->", re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(text)}


def main(names: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))
    available = sorted(p.stem[len("bench_") :] for p in HERE.glob("bench_*.py"))
    chosen = names or available
    unknown = set(chosen) - set(available)
    if unknown:
        print(f"unknown benchmarks: {sorted(unknown)}; available: {available}", file=sys.stderr)
        return 2
    sections = _sections(OUTPUT.read_text()) if OUTPUT.exists() else {}
    for name in chosen:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {module.TITLE}", flush=True)
        body = module.run().strip()
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        sections[name] = (
            f"## {module.TITLE}\n\n_Measured {stamp} on {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}._\n\n"
            f"{body}\n"
        )
        print(body, flush=True)
    text = HEADER + "".join(
        f"\n<!-- bench:{name} -->\n{sections[name]}<!-- /bench:{name} -->\n"
        for name in available
        if name in sections
    )
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
