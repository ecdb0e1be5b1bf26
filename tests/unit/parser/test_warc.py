"""Which records of a WARC the import keeps: HTML 200s of a listed host, or that pass the prefilter."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from services.parser.warc import NotWarc, host_set, html_pages, listed
from tests.fixtures.warc_pages import LISTED_HOST, OFF_TOPIC_LISTED, SIGNINGS, write_warc


def read(path: Path, hosts: frozenset[str], skip: int = 0) -> tuple[list[tuple[str, bool]], Counter[str]]:
    counts: Counter[str] = Counter()
    with path.open("rb") as stream:
        pages = [(p.url, p.host_listed) for p in html_pages(stream, hosts, counts, skip=skip)]
    return pages, counts


@pytest.mark.parametrize("gzipped", [True, False])
def test_keeps_the_signings_and_the_listed_hosts_pages_and_nothing_else(tmp_path: Path, gzipped: bool):
    path = write_warc(tmp_path / ("a.warc.gz" if gzipped else "a.warc"), gzipped=gzipped)
    pages, counts = read(path, host_set([LISTED_HOST]))
    assert pages == [
        (SIGNINGS[0].url, True),
        (SIGNINGS[1].url, False),  # stored gzip-encoded: read as the page
        (SIGNINGS[2].url, False),
        (OFF_TOPIC_LISTED.url, True),
    ]
    assert counts == Counter(
        responses=9,  # requests, warcinfo and metadata are no responses
        kept_for_host=2,
        kept_by_prefilter=2,
        skipped_not_html=2,  # the image and the PDF
        skipped_status=2,  # the redirect and the 404
        skipped_off_topic=1,
    )


def test_without_a_host_list_only_the_family_pages_are_kept(tmp_path: Path):
    pages, _ = read(write_warc(tmp_path / "a.warc.gz"), frozenset())
    assert [url for url, _ in pages] == [p.url for p in SIGNINGS]


def test_skip_resumes_after_the_responses_already_handled(tmp_path: Path):
    path = write_warc(tmp_path / "a.warc.gz")
    pages, counts = read(path, frozenset(), skip=2)  # the image and the French signing
    assert [url for url, _ in pages] == [SIGNINGS[1].url, SIGNINGS[2].url]
    assert counts["responses"] == 9


def test_a_file_that_is_no_warc_is_an_error(tmp_path: Path):
    path = tmp_path / "notes.warc"
    path.write_bytes(b"these are notes, not an archive\n" * 20)
    with pytest.raises(NotWarc, match="not a WARC file: record 1 reads as ARC"):
        read(path, frozenset())
    path.write_bytes(b"GET / HTTP/1.1\r\n\r\n")
    with pytest.raises(NotWarc, match="not a WARC file: Unknown archive format"):
        read(path, frozenset())


def test_a_listed_host_covers_its_subdomains_and_www():
    hosts = host_set(["https://www.Hespress.com/", " le360.ma ", ""])
    assert hosts == {"hespress.com", "le360.ma"}
    assert listed("fr.hespress.com", hosts) and listed("www.le360.ma", hosts) and listed("le360.ma", hosts)
    assert not listed("hespress.com.evil.test", hosts) and not listed("com", hosts)
    assert not listed("notle360.ma", hosts)


@pytest.mark.parametrize("gzipped", [True, False])
def test_a_file_cut_short_is_an_error_after_its_whole_pages(tmp_path: Path, gzipped: bool):
    whole = write_warc(tmp_path / ("a.warc.gz" if gzipped else "a.warc"), gzipped=gzipped).read_bytes()
    path = tmp_path / "cut.warc"
    path.write_bytes(whole[: len(whole) // 2])
    counts: Counter[str] = Counter()
    pages = []
    with path.open("rb") as stream, pytest.raises(NotWarc, match="the file ends inside the record of"):
        pages.extend(page.url for page in html_pages(stream, frozenset(), counts))
    assert pages and pages == [p.url for p in SIGNINGS][: len(pages)]
