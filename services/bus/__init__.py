"""What the services share: messages, task names and queues, the Celery app, the page archive, settings."""

from services.bus.archive import Archive, ArchiveError, FileArchive, MemoryArchive, key_of
from services.bus.celery_app import create_app, publish
from services.bus.messages import (
    SCHEMA_VERSION,
    AgreementCandidate,
    ArticleParsed,
    Evidence,
    OrgRef,
    PageHints,
    PageRejected,
    ParsePage,
    PersonRole,
)
from services.bus.settings import Settings

__all__ = [
    "SCHEMA_VERSION",
    "AgreementCandidate",
    "Archive",
    "ArchiveError",
    "ArticleParsed",
    "Evidence",
    "FileArchive",
    "MemoryArchive",
    "OrgRef",
    "PageHints",
    "PageRejected",
    "ParsePage",
    "PersonRole",
    "Settings",
    "create_app",
    "key_of",
    "publish",
]
