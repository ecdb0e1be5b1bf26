"""Why the parser decided an article's relevance: the trace `fm6ss explain` shows beside the candidates.

A value the parser returns and the store's explain reads (services share only the bus); never queued.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from services.bus.messages import ArticleParsed, PageRejected, ParsePage


class MentionNote(BaseModel):
    """One organization name found in the text, and whether it counts as a party where it stands."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    written: str  # as the text writes it
    key: str
    family: bool
    sentence: int  # index of its sentence
    party: bool  # False: a venue, host, guest, or named after "en présence de"
    signing: bool  # its sentence reports a signing


class RelevanceTrace(BaseModel):
    """The relevance decision and why: the sentences that made the article relevant, or the reason not."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    relevant: bool
    reason: str
    sentences: tuple[str, ...] = ()  # the article's sentences, as the parser split them
    signing_sentences: tuple[int, ...] = ()
    deciding_sentences: tuple[int, ...] = ()  # those whose parties formed an agreement
    mentions: tuple[MentionNote, ...] = ()


# How the store's API has a stored page read again: given by the composition root (`fm6ss api`), since
# the store does not import the parser.
PageExplainer = Callable[[ParsePage], tuple[ArticleParsed | PageRejected, RelevanceTrace]]
