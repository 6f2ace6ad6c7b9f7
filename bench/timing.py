"""Repeated wall-clock measurements and their summary; machine facts for the results file."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path


@dataclass
class Timing:
    """Seconds of ``runs`` measured calls (after the warm-ups, which are not kept)."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    @property
    def max(self) -> float:
        return max(self.runs)

    def quantile(self, q: float) -> float:
        """Linear interpolation between closest ranks (numpy's default)."""
        ordered = sorted(self.runs)
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    def summary(self) -> dict[str, object]:
        return {
            "median_s": self.median,
            "min_s": self.min,
            "max_s": self.max,
            "p25_s": self.quantile(0.25),
            "p75_s": self.quantile(0.75),
            "runs_s": self.runs,
        }


def measure(call: Callable[[], object], runs: int, warmup: int = 1) -> tuple[Timing, object]:
    """Time ``call`` ``runs`` times after ``warmup`` untimed calls; returns the last result."""
    result = None
    for _ in range(warmup):
        result = call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return Timing(times), result


def peak_rss_bytes(pid: int | str = "self") -> int:
    """VmHWM (peak resident set) of a live process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (via /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:  # the task ended meanwhile
                pass
    return found


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except OSError:
        return "unavailable"


def _chromium_version() -> str:
    if not Path("/usr/bin/chromium").exists():
        return "not installed"
    lines = _command_output(["/usr/bin/chromium", "--version"]).splitlines()
    return lines[-1] if lines else "unknown"


@dataclass
class Machine:
    cpus: int
    cpus_usable: int
    cpu_model: str
    memory_bytes: int
    kernel: str
    python: str
    packages: dict[str, str]
    chromium: str
    git_commit: str
    git_dirty: bool
    load_average_at_start: tuple[float, float, float]

    def describe(self) -> dict[str, object]:
        return asdict(self)


def machine(repo: Path) -> Machine:
    packages = {}
    for name in ("duckdb", "pandas", "polars", "pyarrow", "numpy", "streamlit", "playwright"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "not installed"
    status = _command_output(["git", "-C", str(repo), "status", "--porcelain"])
    return Machine(
        cpus=os.cpu_count() or 0,
        cpus_usable=len(os.sched_getaffinity(0)),
        cpu_model=_cpu_model(),
        memory_bytes=_memory_bytes(),
        kernel=platform.release(),
        python=platform.python_version(),
        packages=packages,
        chromium=_chromium_version(),
        git_commit=_command_output(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"]),
        git_dirty=bool(status),
        load_average_at_start=load_average(),
    )
