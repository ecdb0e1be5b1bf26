"""The processes a benchmark watches: a process tree, its memory (PSS, RSS) and the CPU it spends.

Read from /proc; shared by bench/crawl.py and bench/footprint.py.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlalchemy as sa


def tree(pid: int) -> list[int]:
    """The process and its descendants."""
    out = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for child in children:
        out += tree(int(child))
    return out


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_mib(pid: int) -> tuple[float, list[float]]:
    """PSS of the whole tree, and of each process in it (the main process first)."""
    each = [pss_kib(p) / 1024 for p in tree(pid)]
    return round(sum(each), 1), [round(e, 1) for e in each]


class Memory:
    """Peak resident memory of each worker's process tree, sampled twice a second."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.peak = pids, dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], sum(_kib(p, "VmRSS") for p in tree(pid)))

    def stop(self) -> dict[int, dict[str, float]]:
        self._stop.set()
        self._thread.join()
        return {
            pid: {
                "peak_tree_rss_mib": round(self.peak[pid] / 1024, 1),
                "vmhwm_mib_by_process": [round(_kib(p, "VmHWM") / 1024, 1) for p in tree(pid)],
            }
            for pid in self.pids
        }


class Cpu:
    """CPU seconds spent during the pipeline by who spent them: the worker trees, the bench's redis-server,
    the PostgreSQL backends of the system's connections (tagged with `application_name`, sampled twice a
    second so backends that end are counted to their last reading), the whole PostgreSQL cluster (other
    users of the server included), this process (the fixture site and the run's polling), and the machine's
    busy and idle time (from /proc/stat), so the figures show whether the cores were saturated and by what.

    `system` is what the system itself spends: workers, its Redis and its PostgreSQL backends."""

    def __init__(self, workers: list[int], redis_pid: int, pg_admin: sa.Engine, application: str) -> None:
        self.workers, self.redis_pid = workers, redis_pid
        self.pg_admin, self.application = pg_admin, application
        self.tick = os.sysconf("SC_CLK_TCK")
        self.backends: dict[int, list[float]] = {}  # pid: [seconds at first sight or 0 if new, last seen]
        self.start = self._sample()
        self._backends(first=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self._backends()

    def _backends(self, first: bool = False) -> None:
        with self.pg_admin.connect() as conn:
            query = sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :a")
            pids = conn.execute(query, {"a": self.application}).scalars()
            for pid in pids:
                seconds = _cpu_seconds(pid, self.tick)
                if seconds is not None:
                    self.backends.setdefault(pid, [seconds if first else 0.0, seconds])[1] = seconds

    def _sample(self) -> dict[str, float]:
        out = dict.fromkeys(("workers", "postgres_cluster", "redis", "bench"), 0.0)
        in_trees = {p for w in self.workers for p in tree(w)}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm, seconds = stat[stat.index("(") + 1 : stat.rindex(")")], _stat_seconds(stat, self.tick)
            if pid in in_trees:
                out["workers"] += seconds
            elif comm == "postgres":
                out["postgres_cluster"] += seconds
            elif pid == self.redis_pid:
                out["redis"] += seconds
            elif pid == os.getpid():
                out["bench"] += seconds
        cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        ticks = [int(x) / self.tick for x in cpu]
        out["machine_idle"] = ticks[3] + ticks[4]
        out["machine_busy"] = sum(ticks[:8]) - out["machine_idle"]
        return out

    def stop(self) -> dict[str, float]:
        """Seconds since the start (the cluster's backends that ended in between are not counted in it)."""
        self._stop.set()
        self._thread.join()
        self._backends()
        end = self._sample()
        out = {k: end[k] - self.start[k] for k in end}
        out["postgres_backends"] = sum(last - first for first, last in self.backends.values())
        out["system"] = out["workers"] + out["redis"] + out["postgres_backends"]
        return {k: round(v, 2) for k, v in out.items()}


def _stat_seconds(stat: str, tick: int) -> float:
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime


def _cpu_seconds(pid: int, tick: int) -> float | None:
    try:
        return _stat_seconds(Path(f"/proc/{pid}/stat").read_text(), tick)
    except OSError:
        return None


def _kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
