"""Organizations and people: created the first time a report names them, shared by every agreement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from services.bus.messages import OrgRef
from services.store.db import statements as sql
from services.store.db.listing import folded_name, naming, paged
from services.store.db.models import Organization, Person, utcnow
from services.store.db.repository import Repository


def search_names(key: str, name: str, acronym: str | None, aliases: Iterable[str]) -> str:
    """Every name of an organization folded, between bars (`Organization.search_names`)."""
    folded = sorted({folded_name(n) for n in (key, name, acronym, *aliases) if n} - {""})
    return "|" + "".join(f"{n}|" for n in folded)


def _organization_values(ref: OrgRef) -> dict[str, Any]:
    """A new organization's row, as a reference names it."""
    aliases = sorted(set(ref.aliases))
    return {
        "key": ref.key,
        "name": ref.name,
        "acronym": ref.acronym,
        "aliases": aliases,
        "kind": ref.kind,
        "country": ref.country,
        "family": ref.family,
        "search_names": search_names(ref.key, ref.name, ref.acronym, aliases),
        "created_at": utcnow(),
    }


class Organizations(Repository):
    def upsert(self, refs: Sequence[OrgRef]) -> list[Organization]:
        """The organizations of these references, in their order: read in one query, then each created,
        or given the reference's new aliases."""
        keys = list({r.key for r in refs})
        found = (
            {o.key: o for o in self.session.exec(sql.ORGANIZATIONS_BY_KEY, params={"keys": keys})}
            if keys
            else {}
        )
        # In key order, so two workers creating the same new ones never wait on each other crosswise; a key
        # named twice is created once: the second finds the first.
        for ref in sorted(refs, key=lambda r: r.key):
            found[ref.key] = self._upsert_one(ref, found.get(ref.key))
        return [found[ref.key] for ref in refs]

    def _upsert_one(self, ref: OrgRef, org: Organization | None) -> Organization:
        if org is None:
            values = _organization_values(ref)
            if not self.postgres:  # SQLite runs one writer at a time: no one else can be creating it
                org = Organization(**values)
                self.session.add(org)
                self.session.flush()
                return org
            org = self._create(values)
        aliases = sorted(set(org.aliases) | set(ref.aliases) | ({ref.name} - {org.name}))
        if aliases != org.aliases:
            org.aliases = aliases
            org.search_names = search_names(org.key, org.name, org.acronym, aliases)
            self.session.add(org)
        return org

    def _create(self, values: dict[str, Any]) -> Organization:
        """A new organization on PostgreSQL, where two workers may name it at once: the second waits for the
        first to commit, then finds the first's row (and adds its own aliases to it) instead of failing on
        the unique key and being retried."""
        self.session.execute(sql.INSERT_ORGANIZATION_IF_NEW, values)
        return self.session.exec(sql.ORGANIZATIONS_BY_KEY, params={"keys": [values["key"]]}).one()

    def many(self, ids: Iterable[int]) -> list[Organization]:
        ids = list(ids)
        if not ids:
            return []
        return list(self.session.exec(select(Organization).where(col(Organization.id).in_(ids))))

    def listed(self, q: str | None, after: int, limit: int, newest: bool = False) -> list[Organization]:
        """Those with a name (name, acronym, key or alias, in any script) containing `q`, folded."""
        stmt = select(Organization)
        if q:
            stmt = stmt.where(naming(Organization.search_names, q))
        return list(self.session.exec(paged(stmt, col(Organization.id), after, limit, newest)))

    def ids(self, keys: Iterable[str]) -> dict[str, int]:
        keys = list(keys)
        if not keys:
            return {}
        stmt = sa_select(col(Organization.key), col(Organization.id)).where(col(Organization.key).in_(keys))
        return {k: i for k, i in self.session.execute(stmt)}

    def upsert_people(self, names: dict[str, str]) -> dict[str, Person]:
        """The people with these keys, created with the given names where missing; one query to read."""
        if not names:
            return {}
        found = {p.key: p for p in self.session.exec(select(Person).where(col(Person.key).in_(list(names))))}
        missing = sorted(key for key in names if key not in found)
        if not missing:
            return found
        if self.postgres:
            # Two workers may name a new person at once (two partners' reports, one signatory): the second
            # waits for the first's commit and finds its row, instead of failing on the unique key. In key
            # order, so two such inserts never wait on each other crosswise.
            self.session.execute(sql.INSERT_PEOPLE_IF_NEW, [{"key": k, "name": names[k]} for k in missing])
            created = self.session.exec(select(Person).where(col(Person.key).in_(missing)))
            found.update((p.key, p) for p in created)
        else:  # SQLite runs one writer at a time
            rows = [Person(key=key, name=names[key]) for key in missing]
            self.session.add_all(rows)
            self.session.flush()
            found.update((p.key, p) for p in rows)
        return found
