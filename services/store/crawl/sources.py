"""Store, the crawl's configuration: the sources, as stored and as the API and the CLI show them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from services.bus.checks import SourceCheck
from services.bus.messages import SourceSpec
from services.store.db.models import Source
from services.store.db.models import SourceCheck as CheckRow
from services.store.db.unit_of_work import UnitOfWork


class UnknownSource(LookupError):
    """No source has this name."""


def spec_of(source: Source) -> SourceSpec:
    return SourceSpec(
        name=source.name,
        kind=source.kind,
        url=source.url,
        interval_minutes=source.interval_minutes,
        enabled=source.enabled,
        link_pattern=source.link_pattern,
        outlet=source.outlet,
        lang=source.lang,
        delay_s=source.delay_s,
        max_concurrency=source.max_concurrency,
    )


def public_spec(source: Source) -> SourceSpec:
    """A source as anyone reading the API sees it: the user and password a URL may carry (a paid feed's
    login) replaced by `***`. Operators' own answers and the CLI show the URL as stored."""
    spec = spec_of(source)
    parts = urlsplit(spec.url)
    if "@" not in parts.netloc:
        return spec
    host = parts.netloc.rsplit("@", 1)[1]
    return spec.model_copy(update={"url": urlunsplit(parts._replace(netloc=f"***@{host}"))})


# What `fm6ss sources check` fetched and judged by: a source saved with another of these has not been
# checked as it now is.
CHECKED = ("url", "kind", "link_pattern")


def save_sources(uow: UnitOfWork, specs: Sequence[SourceSpec], replace: bool = False) -> list[Source]:
    """Add or update sources (`fm6ss sources sync|add`, `PUT /sources/{name}`). An operator's
    enabled/disabled choice is kept unless `replace`, which takes the spec's as it is. A source whose
    URL, kind or link pattern changes, or that is disabled, loses its last check (see `set_enabled`)."""
    out = []
    for spec in specs:
        values: dict[str, Any] = spec.model_dump()
        existing = uow.sources.get(spec.name)
        if existing is not None and not replace:
            values["enabled"] = existing.enabled
        changed = existing is not None and any(getattr(existing, f) != values[f] for f in CHECKED)
        if changed or (existing is not None and existing.enabled and not values["enabled"]):
            uow.sources.forget_check(spec.name)
        out.append(uow.sources.upsert(values))
    return out


@dataclass(frozen=True)
class Synced:
    """What a sync did, by source name: the file's sources added, changed and unchanged, and the store's
    sources the file does not name (left as they are)."""

    added: list[str]
    changed: list[str]
    unchanged: list[str]
    not_in_file: list[str]


def sync(uow: UnitOfWork, specs: Sequence[SourceSpec], replace: bool = False) -> Synced:
    """`save_sources`, saying what it did (`fm6ss sources sync`)."""
    before = {s.name: spec_of(s) for s in uow.sources.list_all()}
    after = {s.name: spec_of(s) for s in save_sources(uow, specs, replace)}
    return Synced(
        added=[name for name in after if name not in before],
        changed=[name for name, spec in after.items() if name in before and before[name] != spec],
        unchanged=[name for name, spec in after.items() if before.get(name) == spec],
        not_in_file=sorted(set(before) - set(after)),
    )


def seed_sources(uow: UnitOfWork, specs: Callable[[], Sequence[SourceSpec]]) -> list[Source] | None:
    """A deployment's first start (`fm6ss migrate`): a store without sources takes the file's, as the file
    says. Once it has any, they are the operators' (added, changed, disabled through the API or the CLI),
    so nothing is added back, changed or enabled again here: None, and the file is not even read.
    `fm6ss sources sync` applies a changed file."""
    if uow.sources.list_all():
        return None
    return save_sources(uow, specs(), replace=True)


def set_enabled(uow: UnitOfWork, name: str, enabled: bool) -> Source:
    """Enable or disable a source (`fm6ss sources enable|disable`, `PATCH /sources/{name}`)."""
    source = uow.sources.get(name)
    if source is None:
        raise UnknownSource(f"no source named {name!r}")
    if source.enabled and not enabled:
        # Its last check says what to change in a source no longer crawled: `fm6ss status` would keep
        # naming it failing. Checked again (`fm6ss sources check NAME`), it has one anew.
        uow.sources.forget_check(name)
    source.enabled = enabled
    uow.session.add(source)
    return source


def remove_source(uow: UnitOfWork, name: str) -> None:
    """Forget a source (`fm6ss sources remove`, `DELETE /sources/{name}`); its pages and articles stay."""
    source = uow.sources.get(name)
    if source is None:
        raise UnknownSource(f"no source named {name!r}")
    uow.sources.delete(source)
    uow.sources.forget_check(name)


def record_checks(uow: UnitOfWork, checks: Sequence[SourceCheck]) -> None:
    """`fm6ss sources check`'s findings, each in place of the source's previous check."""
    for check in checks:
        uow.sources.save_check(check.model_dump())


def check_of(row: CheckRow) -> SourceCheck:
    return SourceCheck.model_validate(row, from_attributes=True)


def checks(uow: UnitOfWork, enabled_only: bool = False) -> dict[str, SourceCheck]:
    """The latest check of each source, by name; `enabled_only`: of the sources crawled now."""
    found = {name: check_of(row) for name, row in uow.sources.checks().items()}
    if not enabled_only:
        return found
    crawled = {s.name for s in uow.sources.list_all(enabled_only=True)}
    return {name: check for name, check in found.items() if name in crawled}
