"""Parser, step 5 seen from outside: why an article is relevant or not, for `fm6ss explain`.

Pure. Runs the same steps as agreements.py (sentences, mentions, parties, groups) and says what each
found; the verdict itself is the extraction's, so the trace can only add words to it.
"""

from __future__ import annotations

from services.bus.archive import Archive
from services.bus.explanation import MentionNote, RelevanceTrace
from services.bus.messages import ArticleParsed, PageRejected, ParsePage
from services.parser.kinds import is_signing
from services.parser.matcher import find_mentions
from services.parser.pipeline import parse_page
from services.parser.relevance import find_groups, parties_of
from services.parser.text import split_sentences, strip_boilerplate


def explain_page(message: ParsePage, archive: Archive) -> tuple[ArticleParsed | PageRejected, RelevanceTrace]:
    """The page parsed as the parser worker parses it, and the reasons of its relevance decision."""
    parsed = parse_page(message, archive)
    if isinstance(parsed, PageRejected):
        return parsed, RelevanceTrace(relevant=False, reason=f"page rejected: {parsed.reason}")
    return parsed, relevance_trace(parsed.text, parsed.title, parsed.relevant)


def relevance_trace(text: str, title: str | None, relevant: bool) -> RelevanceTrace:
    # The body as extract_agreements reads it: boilerplate cut, a headline not in the text put first.
    body = strip_boilerplate(text)
    titled = bool(title and title.strip() and title.strip()[:60] not in body[:400])
    if titled and title:
        body = f"{title.strip()}\n{body}"
    sentences = split_sentences(body)
    mentions = find_mentions(body)
    signing = tuple(s.index for s in sentences if is_signing(s.text))
    notes: list[MentionNote] = []
    for s in sentences:
        parties = {id(m) for m in parties_of(s, mentions)}
        for m in mentions:
            if s.start <= m.start < s.start + len(s.text):
                notes.append(
                    MentionNote(
                        written=body[m.start : m.end],
                        key=m.org.key,
                        family=m.org.family,
                        sentence=s.index,
                        party=id(m) in parties,
                        signing=s.index in signing,
                    )
                )
    deciding = sorted({i for g in find_groups(sentences, mentions, titled) for i in g.sentences})
    return RelevanceTrace(
        relevant=relevant,
        reason=_reason(relevant, notes, signing, deciding),
        sentences=tuple(s.text for s in sentences),
        signing_sentences=signing,
        deciding_sentences=tuple(deciding),
        mentions=tuple(notes),
    )


def _reason(relevant: bool, notes: list[MentionNote], signing: tuple[int, ...], deciding: list[int]) -> str:
    family = [n for n in notes if n.family]
    if relevant:
        return f"relevant: a signing with an FM6SS entity as a party, told in sentence(s) {_list(deciding)}"
    if not family:
        return "not relevant: the text names no FM6SS entity"
    if not signing:
        return "not relevant: no sentence reports a signing (an instrument word and a signing verb)"
    if not any(n.party and n.signing for n in family):
        return (
            "not relevant: no signing sentence has an FM6SS entity as a party "
            "(named as venue, host, guest or after 'en présence de', or not in those sentences)"
        )
    if deciding:
        return (
            f"not relevant, although sentence(s) {_list(deciding)} form a signing: the extraction dropped it"
        )
    return "not relevant: the signing sentences naming an FM6SS entity name no partner"


def _list(indexes: list[int]) -> str:
    return ", ".join(str(i) for i in indexes) or "none"
