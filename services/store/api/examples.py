"""Store, API: an example of every body the API takes or gives, by the name of its schema in the OpenAPI
description (openapi.py puts them there). The texts are made up; a test checks each against its schema.
"""

from __future__ import annotations

from typing import Any

SEEN = "2026-03-14T09:12:05.204000Z"
LATER = "2026-03-15T18:40:51.006000Z"

FM6SS = {
    "key": "fm6ss",
    "name": "Fondation Mohammed VI des Sciences et de la Santé",
    "acronym": "FM6SS",
    "kind": "foundation",
    "country": "MA",
    "family": True,
}
PARTNER = {
    "key": "zephyr-pharma",
    "name": "Zephyr Pharma",
    "acronym": None,
    "kind": "company",
    "country": "FR",
    "family": False,
}
ALIASES = {"fm6ss": ["FM6SS", "مؤسسة محمد السادس للعلوم والصحة"], "zephyr-pharma": ["زيفير فارما"]}
PARTIES = [{**p, "aliases": ALIASES[str(p["key"])]} for p in (FM6SS, PARTNER)]
SOURCE = {
    "url": "https://actu.example.ma/sante/fm6ss-zephyr-oncologie",
    "canonical_url": "https://actu.example.ma/sante/fm6ss-zephyr-oncologie",
    "outlet": "Actu Santé",
    "published": "2026-03-12",
    "lang": "fr",
    "title": "La FM6SS et Zephyr Pharma s'associent contre le cancer",
    "duplicate": False,
    "recalled": False,
}
SIGNATORY = {"name": "Salma Bennani", "role": "directrice générale", "org": "Zephyr Pharma"}
SENTENCE = "La FM6SS et Zephyr Pharma ont signé mercredi à Rabat une convention de partenariat en oncologie."
AGREEMENT = {
    "id": 42,
    "parties": PARTIES,
    "kind": "convention",
    "signed_on": "2026-03-11",
    "signed_on_precision": "day",
    "place": "Rabat",
    "event": None,
    "themes": ["oncology", "training"],
    "signatories": [SIGNATORY],
    "people": [],
    "sources": [SOURCE],
    "alternatives": {"place": [{"value": "Casablanca", "reports": 1, "precision": None}]},
    "version": 3,
    "first_seen": SEEN,
    "updated_at": LATER,
}
EVIDENCE = {
    "field": "place",
    "value": "Rabat",
    "precision": None,
    "sentence": SENTENCE,
    "confidence": 1.0,
    "source_url": SOURCE["url"],
}
ORGANIZATION = {"id": 1, **PARTIES[0]}
ARTICLE = {
    "id": 7,
    "url": SOURCE["url"],
    "canonical_url": SOURCE["canonical_url"],
    "relevant": True,
    "duplicate_of": None,
    "lang": "fr",
    "published": "2026-03-12",
    "title": SOURCE["title"],
    "outlet": "Actu Santé",
    "agreements": [42],
}
REJECTION = {
    "id": 3,
    "url": "https://actu.example.ma/sport/derby",
    "reason": "off_topic: names neither FM6SS nor any of its institutions",
    "run_id": 12,
    "created_at": SEEN,
}
RUN = {
    "id": 12,
    "trigger": "schedule",
    "scope": {"all": True},
    "force": False,
    "started_at": SEEN,
    "status": "finished",
    "in_flight": 0,
    "counts": {"pages_fetched": 118, "pages_off_topic": 97, "articles_new": 21, "agreements_new": 1},
    "failures": [
        {"url": "https://actu.example.ma/archives", "reason": "http_404", "detail": "404 Not Found"}
    ],
}
SOURCE_SPEC = {
    "name": "actu-sante",
    "kind": "rss",
    "url": "https://actu.example.ma/sante/feed",
    "interval_minutes": 60,
    "enabled": True,
    "link_pattern": None,
    "outlet": "Actu Santé",
    "lang": "fr",
    "delay_s": None,
    "max_concurrency": None,
}
SOURCE_CHECK = {
    "name": "actu-sante",
    "checked_at": LATER,
    "ok": False,
    "status": 200,
    "found_kind": "html",
    "items": 0,
    "newest": None,
    "problem": "html_not_feed",
    "advice": "the URL answers a web page, not a feed or sitemap: the page names its feed "
    "https://actu.example.ma/sante/rss.xml: set url to it",
}
EXPLANATION = {
    "url": SOURCE["url"],
    "title": SOURCE["title"],
    "published": "2026-03-12",
    "lang": "fr",
    "rejected": None,
    "relevance": {
        "relevant": True,
        "reason": "a signing sentence names FM6SS and a partner as parties",
        "sentences": [SENTENCE],
        "signing_sentences": [0],
        "deciding_sentences": [0],
        "mentions": [
            {
                "written": "FM6SS",
                "key": "fm6ss",
                "family": True,
                "sentence": 0,
                "party": True,
                "signing": True,
            },
            {
                "written": "Zephyr Pharma",
                "key": "zephyr-pharma",
                "family": False,
                "sentence": 0,
                "party": True,
                "signing": True,
            },
        ],
    },
    "stored": {"article_id": 7, "relevant": True, "duplicate_of": None, "feeds": [42]},
    "candidates": [
        {
            "party_set": "zephyr-pharma",
            "parties": [FM6SS, PARTNER],
            "kind": "convention",
            "signed_on": "2026-03-11",
            "signed_on_precision": "day",
            "place": "Rabat",
            "event": None,
            "themes": ["oncology"],
            "signatories": [],
            "people": [],
            "recalled": False,
            "sources": [{"field": "place", "value": "Rabat", "sentence": SENTENCE, "confidence": 1.0}],
            "resolution": {
                "agreement_id": 42,
                "how": "previous",
                "reason": "the record this article fed before",
                "considered": [],
            },
        }
    ],
    "notes": [],
}

# Response bodies, by schema name.
RESPONSES: dict[str, Any] = {
    "AgreementDetail": {**AGREEMENT, "evidence": [EVIDENCE]},
    "AgreementPage": {
        "items": [{**AGREEMENT, "parties": [FM6SS, PARTNER]}],
        "next_cursor": "bmV3OjQy",
        "organizations": None,
    },
    "ArticleDetail": {
        **ARTICLE,
        "decision": "relevant",
        "text": SENTENCE,
        "content_kind": "html",
        "hints": {"outlet": "Actu Santé"},
        "parser_version": "2",
        "first_seen": SEEN,
        "updated_at": SEEN,
        "rejections": [],
        "explain": "/articles/7/explain",
    },
    "ArticleExplanation": EXPLANATION,
    "Changes": {
        "items": [
            {
                "seq": 318,
                "entity": "agreement",
                "entity_id": 42,
                "action": "updated",
                "version": 3,
                "payload": AGREEMENT,
                "created_at": LATER,
            },
            {
                "seq": 319,
                "entity": "agreement",
                "entity_id": 57,
                "action": "deleted",
                "version": 2,
                "payload": {"merged_into": 42},
                "created_at": LATER,
            },
        ],
        "next_after": 319,
    },
    "DeadLetterPage": {
        "items": [
            {
                "id": 1,
                "task": "store.ingest_article",
                "error": "ArchiveError: archive has no body 5e0c…",
                "retries": 5,
                "created_at": SEEN,
                "retried_at": None,
                "payload": {"url": SOURCE["url"]},
            }
        ],
        "next_cursor": None,
    },
    "Health": {"status": "ok", "database": "ok"},
    "Moved": {"detail": "agreement 57 was merged into 42", "merged_into": 42},
    "Page_ArticleOut_": {"items": [ARTICLE], "next_cursor": None},
    "Page_OrganizationOut_": {"items": [ORGANIZATION], "next_cursor": "bmV3OjE"},
    "Page_RejectionOut_": {"items": [REJECTION], "next_cursor": None},
    "Queued": {"run_id": 13, "queued": 1},
    "RunOut": RUN,
    "RunPage": {"items": [RUN], "next_cursor": None},
    "SourceSpec": SOURCE_SPEC,
    "ListedSource": {**SOURCE_SPEC, "check": SOURCE_CHECK},
    "SplitResult": {"id": 58},
    "HTTPValidationError": {
        "detail": [
            {
                "loc": ["query", "colour"],
                "msg": "unknown query parameter 'colour'; this operation takes: cursor, limit, order",
                "type": "value_error",
                "input": "blue",
            }
        ]
    },
}

PROBLEMS = {
    400: "There was an error parsing the body",
    401: "missing or wrong operator token",
    403: "operator endpoints are disabled: set FM6SS_API_TOKEN",
    404: "no agreement 7",
    409: "a split must leave at least one report on the original agreement",
    503: "database unavailable: OperationalError",
}

# Request bodies, by schema name (and the body of a webhook delivery).
REQUESTS: dict[str, Any] = {
    "Correction": {"place": "Rabat", "signed_on": "2026-03-11", "signed_on_precision": "day"},
    "MergeRequest": {"other_id": 57},
    "SplitRequest": {"article_ids": [9, 11]},
    "Recrawl": {"source": "actu-sante", "force": False},
    "SourceBody": SOURCE_SPEC,
    "SourceState": {"enabled": False},
    "Reparse": {"since": "2026-03-01T00:00:00Z"},
    "ChangeDelivery": {
        "type": "changes",
        "timestamp": LATER,
        "data": {"changes": RESPONSES["Changes"]["items"]},
    },
}


def problem(status: int) -> dict[str, str]:
    return {"detail": PROBLEMS.get(status, "the request cannot be answered")}
