import gzip

import pytest

from services.bus.archive import ArchiveError, FileArchive, MemoryArchive, key_of


@pytest.mark.parametrize("make", [lambda p: FileArchive(p), lambda p: MemoryArchive()])
def test_put_get_is_content_addressed(tmp_path, make):
    archive = make(tmp_path)
    key = archive.put("<p>Fès, مرحبا</p>".encode())
    assert key == key_of("<p>Fès, مرحبا</p>".encode())
    assert archive.put("<p>Fès, مرحبا</p>".encode()) == key
    assert archive.get(key) == "<p>Fès, مرحبا</p>".encode()
    assert key in archive


def test_file_archive_compresses_and_refuses_bad_keys(tmp_path):
    archive = FileArchive(tmp_path)
    body = b"convention " * 1000
    archive.put(body)
    stored = next(tmp_path.rglob("*.gz"))
    assert stored.stat().st_size < len(body) / 10
    assert gzip.decompress(stored.read_bytes()) == body
    with pytest.raises(ArchiveError, match="not an archive key"):
        archive.get("../../etc/passwd")
    with pytest.raises(ArchiveError, match="has no body"):
        archive.get("0" * 64)
    assert not list(tmp_path.rglob(".tmp-*"))
