"""`fm6ss archive copy` and `check`: move the page archive between a folder and an S3 bucket, and find the
bodies the store names that the archive lacks."""

from __future__ import annotations

from typing import Annotated

import typer

from services.bus.archive import (
    Archive,
    ArchiveError,
    FileArchive,
    archive_at,
    check_archive,
    open_archive,
    verified,
)
from services.bus.settings import Settings
from services.cli.common import CliError, handled, load_settings
from services.cli.console import err, progress_bar
from services.cli.group import PLAIN

app = typer.Typer(**PLAIN)
archive_cli = typer.Typer(
    no_args_is_help=True,
    help="The page archive: copy it to another backend, check it against the store.",
    **PLAIN,
)
app.add_typer(archive_cli, name="archive")


def _at(url: str | None, settings: Settings, option: str) -> Archive:
    try:
        archive = archive_at(url, settings) if url else open_archive(settings)
        if url and not url.startswith("s3://"):
            return archive
        probe = settings.model_copy(update={"archive_url": url}) if url else settings
        check_archive(probe)
    except ValueError as exc:
        raise CliError(f"{option}: {exc}") from None
    return archive


@archive_cli.command("copy")
@handled
def copy_cmd(
    to: Annotated[str, typer.Option("--to", help="file:///PATH or s3://BUCKET/PREFIX")],
    source: Annotated[
        str | None, typer.Option("--from", help="default: the archive FM6SS_ARCHIVE_URL names")
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Copy every body of one archive into another (a folder, an S3 bucket), checking each body against its
    key. Bodies already there are skipped, so an interrupted copy is resumed by running it again."""
    settings = load_settings()
    origin, target = _at(source, settings, "--from"), _at(to, settings, "--to")
    if isinstance(origin, FileArchive) and not origin.root.is_dir():
        raise CliError(f"--from: no archive folder at {origin.root}")
    if origin.describe() == target.describe():
        raise CliError(f"--from and --to are the same archive: {origin.describe()}")
    err.print(f"listing {origin.describe()}", highlight=False, soft_wrap=True)
    keys = list(origin.keys())
    copied = present = 0
    damaged: list[str] = []
    with progress_bar(progress, len(keys)) as bar:
        task = bar.add_task("copying", total=len(keys))
        for key in keys:
            bar.advance(task)
            if key in target:
                present += 1
                continue
            raw = origin.get_raw(key)
            try:
                verified(key, raw)
            except ArchiveError as exc:
                err.print(f"skipped: {exc}", highlight=False, soft_wrap=True)
                damaged.append(key)
                continue
            target.put_raw(key, raw)
            copied += 1
    err.print(
        f"copied {copied} body(ies) to {target.describe()}; {present} already there; {len(damaged)} damaged "
        "(not copied)",
        highlight=False,
        soft_wrap=True,
    )
    if damaged:
        raise typer.Exit(1)


@archive_cli.command("check")
@handled
def check_cmd(
    verify: Annotated[bool, typer.Option(help="also read each body and check it against its key")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Report the bodies the store refers to (articles, pages, rejections) that the archive does not hold,
    one `missing KEY URL` line each on standard output; exit status 1 if any."""
    from services.cli.database import ready_engine
    from services.store.operations.archived import referenced_keys

    settings = load_settings()
    archive = _at(None, settings, "FM6SS_ARCHIVE_URL")
    refs = referenced_keys(ready_engine(settings))
    missing = damaged = 0
    with progress_bar(progress, len(refs)) as bar:
        task = bar.add_task("checking", total=len(refs))
        for key, url in sorted(refs.items()):
            bar.advance(task)
            if key not in archive:
                missing += 1
                typer.echo(f"missing {key} {url}")
            elif verify:
                try:
                    verified(key, archive.get_raw(key))
                except ArchiveError as exc:
                    damaged += 1
                    typer.echo(f"damaged {key} {url}: {exc}")
    err.print(
        f"{len(refs)} body(ies) referenced by the store; {missing} missing from {archive.describe()}"
        + (f"; {damaged} damaged" if verify else ""),
        highlight=False,
        soft_wrap=True,
    )
    if missing or damaged:
        raise typer.Exit(1)
