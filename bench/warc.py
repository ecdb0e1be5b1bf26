"""WARC reading per worker: warcio against FastWARC, and `fm6ss import --warc`'s own work.

    uv run python bench/warc.py [--pages 2000] [--page-kb 80] [--repeat 3]

Writes one gzipped WARC shaped like a CC-NEWS file (warcinfo, then a request and a response a page;
about 1 in 20 responses an image, 1 in 30 a redirect, 1 in 100 a page naming FM6SS, the rest news
pages). Pages are the 181 real news pages of the extraction benchmark (../shared/data, read at run
time), a family paragraph added to 1 in 100; `--synthetic` writes invented pages of `--page-kb` KB
instead. Then, each in a fresh process (so its peak RSS is its own):

- read: every response's HTTP headers and whole body, nothing else (the reader alone);
- select: what the import does before parsing: HTML 200s kept by host list or family prefilter,
  with the reader in question (the warcio one is services/parser/warc.py itself);
- import: `select` plus each kept body written to a file archive, as the import task does.

Figures are records/s (every WARC record: warcinfo, requests, responses), compressed MB/s of the file
(wall clock, best of `--repeat`), the CPU seconds of that work (least of the runs; on a shared machine
MB per CPU second is the steadier figure of what one worker process does) and peak RSS. Parsing of
the kept pages is not counted: it is the parser's ordinary work, measured by bench/extraction.py, and
only the pages that pass the prefilter get there.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VOCABULARY = (
    "le gouvernement a annoncé mardi une nouvelle réforme du secteur agricole dans plusieurs régions "
    "du royaume les prix des carburants ont encore augmenté selon les chiffres publiés par l'office "
    "national la saison touristique s'annonce record à marrakech et agadir avec des arrivées en hausse "
    "the central bank kept its key rate unchanged as inflation eased across the region while exports of "
    "phosphate rose sharply in the third quarter according to official figures released on monday "
    "قال مسؤولون إن الموسم الفلاحي سيشهد تحسنا ملحوظا بفضل التساقطات المطرية الأخيرة في عدة جهات"
)
WORDS = tuple(VOCABULARY.split(" "))
FAMILY = (
    "La Fondation Mohammed VI des Sciences et de la Santé a signé une convention de partenariat avec "
    "l'université pour la formation des médecins."
)


def page_html(rng: random.Random, kb: int, family: bool) -> bytes:
    paras = []
    size = 0
    while size < kb * 1024:
        para = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120)))
        paras.append(f"<p>{para}</p>")
        size += len(para) + 7
    if family:
        paras.insert(len(paras) // 2, f"<p>{FAMILY}</p>")
    nav = "".join(f'<li><a href="/rubrique/{i}">{rng.choice(WORDS)}</a></li>' for i in range(60))
    return (
        f"<!doctype html><html><head><title>{' '.join(rng.choice(WORDS) for _ in range(8))}</title>"
        f"<script>var cfg={{'id':{rng.randint(1, 10**6)}}};</script></head><body><nav><ul>{nav}</ul></nav>"
        f"<article>{''.join(paras)}</article></body></html>"
    ).encode()


REAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-benchmark" / "html"


def real_pages() -> list[bytes]:
    """The 181 real news pages of the extraction benchmark (../shared), read here, never copied."""
    return [gzip.decompress(p.read_bytes()) for p in sorted(REAL_PAGES.glob("*.html.gz"))]


def news_page(rng: random.Random, real: list[bytes], page_kb: int, family: bool) -> bytes:
    if not real:
        return page_html(rng, page_kb, family)
    body = rng.choice(real)
    if family:
        at = body.rfind(b"</body>")
        at = at if at >= 0 else len(body)
        body = body[:at] + f"<p>{FAMILY}</p>".encode() + body[at:]
    return body


def write_warc(path: Path, pages: int, page_kb: int, seed: int = 7, synthetic: bool = False) -> Counter[str]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng, kinds = random.Random(seed), Counter[str]()
    real = [] if synthetic else real_pages()
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "bench/warc.py"}))
        for i in range(pages):
            url = f"https://news{i % 40}.example.ma/2026/12/{i}.html"
            roll = rng.random()
            if roll < 0.05:
                kind, status, ctype, body = "image", "200 OK", "image/jpeg", rng.randbytes(30_000)
            elif roll < 0.05 + 1 / 30:
                kind, status, ctype, body = "redirect", "301 Moved Permanently", "text/html", b""
            else:
                family = rng.random() < 0.01
                kind, status, ctype = ("family" if family else "html"), "200 OK", "text/html; charset=utf-8"
                body = news_page(rng, real, page_kb, family)
            kinds[kind] += 1
            request = StatusAndHeaders(
                f"GET /2026/12/{i}.html HTTP/1.1", [("Host", "x")], is_http_request=True
            )
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            headers = StatusAndHeaders(
                status, [("Content-Type", ctype), ("Content-Length", str(len(body)))], protocol="HTTP/1.1"
            )
            payload = io.BytesIO(body)
            record = writer.create_warc_record(
                url, "response", payload=payload, length=len(body), http_headers=headers
            )
            writer.write_record(record)
    return kinds


# ------------------------------------------------------------------------- one measurement (child)


def read_warcio(path: Path) -> Counter[str]:
    from warcio.archiveiterator import ArchiveIterator

    counts = Counter[str]()
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            counts["records"] += 1
            if record.rec_type == "response":
                record.http_headers.get_header("Content-Type")
                counts["bytes"] += len(record.content_stream().read())
    return counts


def read_fastwarc(path: Path) -> Counter[str]:
    from fastwarc import ArchiveIterator

    counts = Counter[str]()
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, parse_http=True, auto_decode="all"):
            counts["records"] += 1
            if record.is_http:
                record.http_content_type  # noqa: B018  (read as the import does)
                counts["bytes"] += len(record.reader.read())
    return counts


def select_warcio(path: Path, archive: object | None) -> Counter[str]:
    """The import's own selection (services/parser/warc.py reads with warcio)."""
    from services.parser.warc import html_pages

    counts = Counter[str]()
    with path.open("rb") as stream:
        for page in html_pages(stream, frozenset(), counts):
            counts["kept"] += 1
            if archive is not None:
                archive.put(page.body)  # type: ignore[attr-defined]
    return counts


def select_fastwarc(path: Path, archive: object | None) -> Counter[str]:
    """The same selection with FastWARC as the reader."""
    from fastwarc import ArchiveIterator, WarcRecordType
    from pydantic import TypeAdapter

    from services.bus.limits import WebUrl
    from services.parser.pipeline import decode
    from services.parser.prefilter import may_concern_family
    from services.parser.warc import HTML_TYPES

    url_type, counts = TypeAdapter(WebUrl), Counter[str]()
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, record_types=WarcRecordType.response, auto_decode="all"):
            if record.http_headers.status_code != 200:
                continue
            if not (record.http_content_type or "").lower().startswith(HTML_TYPES):
                continue
            url_type.validate_python(record.headers.get("WARC-Target-URI"))
            body = record.reader.read()
            if may_concern_family(decode(body)):
                counts["kept"] += 1
                if archive is not None:
                    archive.put(body)  # type: ignore[attr-defined]
    return counts


def child(mode: str, reader: str, path: Path) -> None:
    from services.bus.archive import FileArchive

    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "read":
        counts = read_warcio(path) if reader == "warcio" else read_fastwarc(path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            archive = FileArchive(Path(tmp)) if mode == "import" else None
            run = select_warcio if reader == "warcio" else select_fastwarc
            counts = run(path, archive)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": rss_mb, "counts": dict(counts)}))


def measure(mode: str, reader: str, path: Path, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, reader, str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    cpu = min(r["cpu"] for r in runs)
    return {
        "seconds": best["seconds"],
        "cpu": cpu,
        "rss_mb": max(r["rss_mb"] for r in runs),
        **best["counts"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--page-kb", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true", help="invented pages instead of ../shared's")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "READER", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], Path(args.child[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.warc.gz"
        kinds = write_warc(path, args.pages, args.page_kb, synthetic=args.synthetic)
        mb = path.stat().st_size / 1e6
        records = 1 + 2 * args.pages
        print(f"WARC: {mb:.1f} MB gzipped, {records} records; responses {dict(sorted(kinds.items()))}")
        head = f"{'step':<8} {'reader':<9} {'seconds':>8} {'records/s':>10} {'MB/s':>7} {'CPU s':>6}"
        print(f"{head} {'MB/CPU-s':>9} {'peak RSS MB':>12}  kept")
        for mode in ("read", "select", "import"):
            for reader in ("warcio", "fastwarc"):
                r = measure(mode, reader, path, args.repeat)
                seconds, cpu = r["seconds"], r["cpu"]
                print(
                    f"{mode:<8} {reader:<9} {seconds:8.2f} {records / seconds:10.0f} {mb / seconds:7.1f} "
                    f"{cpu:6.2f} {mb / cpu:9.1f} {r['rss_mb']:12.0f}  {int(r.get('kept', 0))}"
                )


if __name__ == "__main__":
    main()
