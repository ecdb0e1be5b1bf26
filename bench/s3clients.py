"""S3 clients compared on the real server: boto3, obstore and minio against SeaweedFS on loopback.

    uv run --frozen --with boto3 --with obstore --with minio python -m bench.s3clients [--ops 200] [--runs 3]

Starts `weed server` (tests/seaweed.py) in a temp folder, then, for each client in a fresh interpreter
(alternated, `--runs` times): the import of the client and the building of one client object (seconds,
and the resident memory they add), then `--ops` archive writes of distinct gzip bodies of ~20 KB as the
archive does them (a HEAD, then the PUT), `--ops` writes of keys already there (the HEAD alone), and
`--ops` reads: milliseconds per operation (median and 95th percentile), and the resident memory at the
end. Prints one JSON object; bench/RESULTS.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.seaweed import ACCESS_KEY, REGION, SECRET_KEY, Seaweed

CLIENTS = ("boto3", "obstore", "minio")

# Runs in a fresh interpreter: argv is client, endpoint, bucket, ops.
PROBE = r"""
import gzip, json, os, statistics, sys, time

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

name, endpoint, bucket, ops = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
key_id, secret, region = os.environ["BENCH_KEY"], os.environ["BENCH_SECRET"], os.environ["BENCH_REGION"]
before = rss()
t0 = time.perf_counter()
if name == "boto3":
    import boto3, botocore.exceptions
    c = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key_id, aws_secret_access_key=secret,
                     region_name=region)
    def head(k):
        try:
            c.head_object(Bucket=bucket, Key=k); return True
        except botocore.exceptions.ClientError:
            return False
    def put(k, b): c.put_object(Bucket=bucket, Key=k, Body=b)
    def get(k): return c.get_object(Bucket=bucket, Key=k)["Body"].read()
elif name == "obstore":
    import obstore
    from obstore.store import S3Store
    c = S3Store(bucket, endpoint=endpoint, access_key_id=key_id, secret_access_key=secret, region=region,
                client_options={"allow_http": True})
    def head(k):
        try:
            obstore.head(c, k); return True
        except FileNotFoundError:
            return False
    def put(k, b): obstore.put(c, k, b)
    def get(k): return obstore.get(c, k).bytes().to_bytes()
else:
    import minio, minio.error
    host = endpoint.split("://")[1]
    c = minio.Minio(host, access_key=key_id, secret_key=secret, secure=False, region=region)
    def head(k):
        try:
            c.stat_object(bucket, k); return True
        except minio.error.S3Error:
            return False
    def put(k, b):
        import io
        c.put_object(bucket, k, io.BytesIO(b), len(b))
    def get(k):
        r = c.get_object(bucket, k)
        try:
            return r.read()
        finally:
            r.close(); r.release_conn()
import_s = time.perf_counter() - t0
after_import = rss()
words = open("/usr/share/dict/words").read().split() if os.path.exists("/usr/share/dict/words") else None
bodies = []
for i in range(ops):
    text = " ".join(f"mot{(i * 7919 + j * 104729) % 50000} texte{j % 97}" for j in range(3000))
    bodies.append(gzip.compress(f"<html><body><p>{name} {i} {text}</p></body></html>".encode(), 4, mtime=0))
keys = [f"bench/{name}/{os.getpid()}/{i:05d}.gz" for i in range(ops)]

def timed(fn, items):
    out = []
    for item in items:
        t = time.perf_counter(); fn(item); out.append((time.perf_counter() - t) * 1000)
    return out

def write_new(i):
    if not head(keys[i]):
        put(keys[i], bodies[i])

new = timed(write_new, range(ops))
again = timed(write_new, range(ops))
read = timed(lambda i: get(keys[i]), range(ops))
assert all(get(keys[i]) == bodies[i] for i in (0, ops - 1))

def summary(ms):
    ms = sorted(ms)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 2)}

print(json.dumps({
    "client": name, "import_and_client_s": round(import_s, 3),
    "rss_added_by_import_mib": round(after_import - before, 1), "rss_end_mib": round(rss(), 1),
    "body_kib": round(statistics.mean(len(b) for b in bodies) / 1024, 1),
    "write_new": summary(new), "write_existing": summary(again), "read": summary(read),
}))
"""


def probe(name: str, server: Seaweed, bucket: str, ops: int) -> dict[str, Any]:
    env = {"BENCH_KEY": ACCESS_KEY, "BENCH_SECRET": SECRET_KEY, "BENCH_REGION": REGION, "PATH": "/usr/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, name, server.endpoint, bucket, str(ops)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s3clients-") as tmp:
        server = Seaweed(Path(tmp))
        server.start()
        try:
            server.create_bucket("bench")
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in CLIENTS}
            for _ in range(args.runs):
                for name in CLIENTS:
                    runs[name].append(probe(name, server, "bench", args.ops))
        finally:
            server.stop()
    result = {}
    for name, items in runs.items():
        result[name] = {
            "import_and_client_s": statistics.median(r["import_and_client_s"] for r in items),
            "rss_added_by_import_mib": statistics.median(r["rss_added_by_import_mib"] for r in items),
            "rss_end_mib": statistics.median(r["rss_end_mib"] for r in items),
            "body_kib": items[0]["body_kib"],
            **{
                op: {k: round(statistics.median(r[op][k] for r in items), 2) for k in ("median_ms", "p95_ms")}
                for op in ("write_new", "write_existing", "read")
            },
        }
    print(json.dumps({"ops": args.ops, "runs": args.runs, "clients": result}, indent=1))


if __name__ == "__main__":
    main()
