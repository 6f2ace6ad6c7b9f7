"""Benchmark data: deterministic demo inputs per scale, and a timed build of their store."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.timing import peak_rss_bytes
from shelfwatch.demo import write_demo

REPO = Path(__file__).resolve().parent.parent
DATA_ROOT = REPO / "bench" / "data"
# Fixed, so the generated files (and every figure derived from them) do not drift with the
# calendar; data/ is reused across runs while these parameters stay the same.
DATA_TODAY = dt.date(2026, 6, 30)


@dataclass(frozen=True)
class Scale:
    name: str
    retailers: int
    brands: int
    observations: int
    seed: int = 20211026
    today: dt.date = DATA_TODAY

    def params(self) -> dict[str, object]:
        return {**asdict(self), "today": self.today.isoformat()}


SCALES: dict[str, Scale] = {
    "100k": Scale("100k", retailers=200, brands=500, observations=100_000),
    "1m": Scale("1m", retailers=1_000, brands=2_000, observations=1_000_000),
    "10m": Scale("10m", retailers=2_000, brands=5_000, observations=10_000_000),
}
# Opt-in: never in the default set (`make bench`), only where asked for by name (the build
# growth table, bench/build_growth.py). About a dozen observations per active pair, as above,
# with enough retailers x brands for the demo's "at most a quarter of all pairs active" rule.
# Disk: 30m ~4.3 GB of CSV, 100m ~14 GB, plus the store and its spill while building.
OPT_IN_SCALES: dict[str, Scale] = {
    "30m": Scale("30m", retailers=3_000, brands=8_000, observations=30_000_000),
    "100m": Scale("100m", retailers=5_000, brands=12_000, observations=100_000_000),
}
ALL_SCALES: dict[str, Scale] = {**SCALES, **OPT_IN_SCALES}
# Equality only (make test): small enough to build and check in seconds.
TINY = Scale("tiny", retailers=30, brands=60, observations=5_000)


@dataclass
class Dataset:
    scale: Scale
    input_dir: Path
    store_dir: Path
    generated: bool  # False: reused from an earlier run
    generate_seconds: float | None
    input_bytes: int


@dataclass
class BuildResult:
    seconds: float
    peak_rss_bytes: int  # of the build process itself: its VmHWM (PeakWatch)
    store_bytes: int
    output: str
    cpu_seconds: float = 0.0  # user + system of that child
    # With phases=True: the publish's own split, [{"phase", "seconds", "peak_rss_bytes"}].
    phases: list[dict[str, object]] = field(default_factory=list)


# The CLI exactly as `python -m shelfwatch`, with Python's logging on at INFO, so the publish
# logs each phase (shelfwatch.store.log_phase) into the build log.
_CLI_WITH_PHASES = (
    "import logging, runpy; "
    "logging.basicConfig(level=logging.INFO, format='%(message)s'); "
    "runpy.run_module('shelfwatch', run_name='__main__', alter_sys=True)"
)
_PHASE_LINE = re.compile(
    r"^phase (?P<phase>.+): (?P<seconds>[\d.]+) s, peak RSS (?P<gib>[\d.]+) GiB$"
)


def parse_phases(output: str) -> list[dict[str, object]]:
    """The ``phase NAME: S s, peak RSS G GiB`` lines of a build log, in order."""
    found = []
    for line in output.splitlines():
        match = _PHASE_LINE.match(line.strip())
        if match:
            found.append(
                {
                    "phase": match["phase"],
                    "seconds": float(match["seconds"]),
                    "peak_rss_bytes": int(float(match["gib"]) * 2**30),
                }
            )
    return found


def prepare(scale: Scale, root: Path = DATA_ROOT, say=print) -> Dataset:
    """The scale's CSV inputs under ``root/<scale>/input``, generated unless already there."""
    base = root / scale.name
    input_dir = base / "input"
    marker = base / "params.json"
    wanted = scale.params()
    current = json.loads(marker.read_text()) if marker.exists() else None
    generated, seconds = False, None
    if current != wanted or not (input_dir / "observations.csv").exists():
        shutil.rmtree(input_dir, ignore_errors=True)
        marker.unlink(missing_ok=True)
        say(f"[{scale.name}] generating demo data {wanted}")
        started = time.perf_counter()
        write_demo(
            input_dir,
            retailers=scale.retailers,
            brands=scale.brands,
            observations=scale.observations,
            seed=scale.seed,
            today=scale.today,
        )
        seconds = time.perf_counter() - started
        # Written last: a half-generated directory never passes for a complete one.
        marker.write_text(json.dumps(wanted, indent=2) + "\n")
        generated = True
    else:
        say(f"[{scale.name}] reusing demo data in {input_dir}")
    size = sum(p.stat().st_size for p in input_dir.iterdir())
    return Dataset(scale, input_dir, base / "store", generated, seconds, size)


PEAK_POLL_S = 0.1


class PeakWatch:
    """The VmHWM of a running process, read from /proc every ``PEAK_POLL_S`` while in the
    ``with`` block (leave it once the process has exited, before reaping it).

    Not ``ru_maxrss``: Linux carries the parent's high-water mark into a child across fork or
    vfork and exec, so a build started by a harness that once held 10 GiB (the pandas
    reference at 10M) reports 10 GiB whatever it used. VmHWM belongs to the child's own
    memory after exec; it only grows, so the last reading before exit is the peak, short of
    growth in the final poll interval."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            # An exited, unreaped process has no VmHWM line: it reads as 0.
            self.peak = max(self.peak, peak_rss_bytes(self.pid))
            self._stop.wait(PEAK_POLL_S)


def build_store(
    dataset: Dataset,
    *,
    log: Path | None = None,
    phases: bool = False,
) -> BuildResult:
    """A fresh store from the CSVs through the real CLI, timed with the wall clock.

    os.wait4 gives the CPU time of exactly this child (RUSAGE_CHILDREN would report every
    child the harness ever waited for); its peak RSS is the child's own VmHWM (PeakWatch).
    ``log``: where the build's output goes (default ``build.log`` beside the store);
    ``phases``: the publish logs the seconds and peak RSS of each phase there (parsed into
    ``BuildResult.phases``).
    """
    shutil.rmtree(dataset.store_dir, ignore_errors=True)
    command = [
        sys.executable,
        *(["-c", _CLI_WITH_PHASES] if phases else ["-m", "shelfwatch"]),
        "build",
        "--data",
        str(dataset.input_dir),
        "--store",
        str(dataset.store_dir),
    ]
    log = log or dataset.store_dir.parent / "build.log"
    with open(log, "w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        with PeakWatch(process.pid) as peak:
            os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        raise RuntimeError(f"build failed ({process.returncode}):\n{output[-4000:]}")
    store_bytes = sum(p.stat().st_size for p in dataset.store_dir.glob("v*.duckdb"))
    return BuildResult(
        seconds,
        peak.peak,
        store_bytes,
        output.strip(),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        phases=parse_phases(output),
    )
