"""`fm6ss import --warc`: WARC files or URLs, one parser task each, down the crawled pages' parse path.

Embedded, each file is read here in turn; with a broker each becomes one task, so that the parser
workers of many machines share a month of files (deploy/README.md). A local path must then be one
every parser worker can read (a shared folder); a URL is read by the worker itself.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from services.bus.archive import check_archive
from services.bus.celery_app import publish
from services.bus.messages import WARC_LIMIT_S, ImportWarc
from services.bus.routing import IMPORT_WARC
from services.bus.streams import is_url
from services.cli.broker import is_broker_failure, sending_app
from services.cli.common import CliError, load_settings
from services.cli.console import err
from services.cli.database import ready_engine
from services.cli.errors import broker_down


def locations(given: list[str]) -> list[str]:
    """URLs as given, paths made absolute (a worker's working folder is not this one); a missing file
    is refused before anything is sent."""
    out = []
    for item in given:
        if is_url(item):
            out.append(item)
            continue
        path = Path(item)
        if not path.is_file():
            raise CliError(f"no such WARC file: {item}" if not path.exists() else f"{item} is not a file")
        out.append(str(path.resolve()))
    return out


def host_list(hosts: list[str]) -> tuple[str, ...]:
    """`--hosts a.ma,b.ma --hosts c.ma`: every name, once, in the order given."""
    names = (h.strip() for text in hosts for h in text.split(","))
    return tuple(dict.fromkeys(h for h in names if h))


def import_warcs(given: list[str], hosts: list[str]) -> None:
    settings = load_settings()
    files = locations(given)
    if settings.embedded:  # the pages are archived by this process: an S3 archive is checked first
        ready_engine(settings)
        check_archive(settings)
    elif settings.visibility_timeout_s <= WARC_LIMIT_S:
        raise CliError(
            f"FM6SS_VISIBILITY_TIMEOUT_S is {settings.visibility_timeout_s}: a WARC task may run"
            f" {WARC_LIMIT_S} s, and the broker would hand a file still being read to a second worker;"
            f" set it above {WARC_LIMIT_S} (the default is 3600)"
        )
    celery_app = sending_app(settings)
    listed = host_list(hosts)
    totals: Counter[str] = Counter()
    failed = 0
    for number, location in enumerate(files, 1):
        command = ImportWarc(location=location, hosts=listed)
        try:
            result = publish(celery_app, IMPORT_WARC, command)
        except Exception as exc:  # one bad file must not stop the others
            if is_broker_failure(exc) and not settings.embedded:
                raise CliError(
                    f"{broker_down(exc)}; stopped at {location}: {number - 1} file(s) queued"
                ) from exc
            err.print(f"{location}: failed: {exc}", highlight=False, soft_wrap=True)
            failed += 1
            continue
        if isinstance(result, dict):
            totals.update(result)
            err.print(f"{location}: {_said(result)}", highlight=False, soft_wrap=True)
    if settings.embedded:
        said = f"read {len(files) - failed} WARC file(s): {_said(totals)}; {failed} failed"
        err.print(said, highlight=False, soft_wrap=True)
    else:
        err.print(f"queued {len(files)} WARC file(s) for the parser workers", highlight=False)
    if failed:
        raise typer.Exit(1)


def _said(counts: dict[str, int]) -> str:
    kept = counts.get("kept_for_host", 0) + counts.get("kept_by_prefilter", 0)
    skipped = ", ".join(
        f"{n} {key.removeprefix('skipped_').replace('_', ' ')}"
        for key, n in sorted(counts.items())
        if key.startswith("skipped_")
    )
    return (
        f"{counts.get('responses', 0)} response(s), {kept} page(s) sent to the parser "
        f"({counts.get('kept_for_host', 0)} for their host, {counts.get('kept_by_prefilter', 0)} by the "
        f"family prefilter); skipped: {skipped or 'none'}"
    )
