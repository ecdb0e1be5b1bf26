"""`fm6ss explain`: why one article is, or is not, a report of a signing, and which record it feeds.

The composition root of explain: the parser reads the page (archived body, or an import line), the store
weighs its candidates in a transaction that is rolled back. Nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.bus.archive import ArchiveError, MemoryArchive, open_archive
from services.bus.urls import InvalidUrl, canonical_url
from services.cli.common import CliError, handled, load_settings, open_lines, say
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.import_lines import BadLine, read_lines, to_command
from services.parser.reasons import explain_page
from services.store.db.models import Article
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.explain import ArticleExplanation, Candidate, Person, command_of, explain

app = typer.Typer(**PLAIN)


@app.command("explain")
@handled
def explain_cmd(
    url: Annotated[str | None, typer.Argument(help="a stored article: its URL or its id")] = None,
    file: Annotated[
        str | None, typer.Option("--file", help="JSON lines as `fm6ss import` reads them, or - for stdin")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per article")] = False,
) -> None:
    """Why an article is relevant or not, the signings it reports, and the record each joins or starts.

    With --file, each line is parsed and weighed against the current store without storing anything.
    """
    if (url is None) == (file is None):
        raise CliError("give either a stored article's URL (or id) or --file F.jsonl")
    engine = ready_engine(load_settings())
    out = list(_from_file(engine, file) if file is not None else [_stored(engine, url or "")])
    for e in out:
        typer.echo(e.model_dump_json() if as_json else render(e))
    if file is not None and not out:
        raise CliError("no line to explain")


def _stored(engine: Engine, ref: str) -> ArticleExplanation:
    settings = load_settings()
    with Session(engine) as session:
        uow = UnitOfWork(session)
        article = uow.articles.get(int(ref)) if ref.isdigit() else _by_url(uow, ref)
        if article is None:
            raise CliError(f"no stored article {ref}")
        try:
            parsed, trace = explain_page(command_of(article), open_archive(settings))
        except ArchiveError as exc:
            raise CliError(f"the archived body of {article.url} is missing: {exc}") from exc
        try:
            return explain(uow, parsed, trace, article)
        finally:
            session.rollback()


def _by_url(uow: UnitOfWork, url: str) -> Article | None:
    try:
        key = canonical_url(url)
    except InvalidUrl as exc:
        raise CliError(f"not a URL: {url} ({exc})") from exc
    return uow.articles.with_original(key, "")[0]


def _from_file(engine: Engine, file: str) -> list[ArticleExplanation]:
    archive = MemoryArchive()
    out = []
    for number, item in read_lines(open_lines(file)):
        if isinstance(item, BadLine):
            say(f"line {number}: skipped: {item.reason}")
            continue
        parsed, trace = explain_page(to_command(item, archive), archive)
        with Session(engine) as session:
            try:
                out.append(explain(UnitOfWork(session), parsed, trace))
            finally:
                session.rollback()
    return out


def render(e: ArticleExplanation) -> str:
    """The explanation as an operator reads it."""
    lines = [f"{e.url}", f"  title: {e.title or '-'}  published: {e.published or '-'}  lang: {e.lang or '-'}"]
    if e.stored is not None:
        s = e.stored
        copy = f", a copy of article {s.duplicate_of}" if s.duplicate_of else ""
        feeds = ", ".join(f"#{a}" for a in s.feeds) or "no record"
        lines.append(f"  stored as article {s.article_id} (relevant: {s.relevant}{copy}); feeds {feeds}")
    else:
        lines.append("  not stored: a dry run against the current store")
    r = e.relevance
    lines.append(f"RELEVANCE: {r.reason}")
    for m in r.mentions:
        role = "party" if m.party else "not a party here"
        who = "FM6SS family" if m.family else "partner"
        where = "signing sentence" if m.signing else "sentence"
        lines.append(f"  {who} {m.written!r} -> {m.key}: {role} ({where} {m.sentence})")
    for i in r.deciding_sentences or r.signing_sentences:
        tag = "decided" if i in r.deciding_sentences else "signing"
        lines.append(f"  [{tag} {i}] {_cut(r.sentences[i])}")
    for n, c in enumerate(e.candidates, 1):
        lines += _candidate_lines(n, c)
    lines += [f"note: {note}" for note in e.notes]
    return "\n".join(lines) + "\n"


def _candidate_lines(n: int, c: Candidate) -> list[str]:
    parties = "; ".join(
        p.name
        + "".join(f" [{x}]" for x in (p.acronym, p.kind, p.country) if x)
        + (" (FM6SS)" if p.family else "")
        for p in c.parties
    )
    date = (
        f"{c.signed_on} ({c.signed_on_precision})"
        if c.signed_on
        else "none in the text (publication date, inferred)"
    )
    lines = [
        f"CANDIDATE {n}: {parties}",
        f"  party key: {c.party_set}",
        f"  kind: {c.kind or '-'}  date: {date}  place: {c.place or '-'}  event: {c.event or '-'}"
        + ("  (recalls an earlier signing)" if c.recalled else ""),
        "  signatories: " + (", ".join(_person(p) for p in c.signatories) or "-"),
        "  other people: " + (", ".join(_person(p) for p in c.people) or "-"),
    ]
    lines += [f"  {s.field} = {s.value}: {_cut(s.sentence)}" for s in c.sources]
    res = c.resolution
    target = f"record #{res.agreement_id}" if res.agreement_id else "no record"
    lines.append(f"  RESOLUTION ({res.how}): {target}: {res.reason}")
    for k in res.considered:
        scores = f"dates {_num(k.date_score)}, content {_num(k.content_score)}, score {_num(k.score)}"
        lines.append(
            f"    #{k.agreement_id} [{k.party_set}] {scores} (threshold {k.threshold:.2f}): {k.reason}"
        )
        lines += [f"      {x}" for x in k.compared]
    return lines


def _person(p: Person) -> str:
    extra = ", ".join(x for x in (p.role, p.org_key) if x)
    return p.name + (f" ({extra})" if extra else "")


def _num(x: float | None) -> str:
    return "ruled out" if x is None else f"{x:.2f}"


def _cut(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["app", "render"]
