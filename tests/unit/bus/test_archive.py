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


def test_file_archive_write_is_atomic(tmp_path, monkeypatch):
    archive = FileArchive(tmp_path)

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("services.bus.archive.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        archive.put(b"<p>half written</p>")
    assert key_of(b"<p>half written</p>") not in archive
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # neither the body nor its temp file


def test_file_archive_makes_a_directory_only_for_its_first_body(tmp_path, monkeypatch):
    first, second = b"page 232", b"page 312"  # their keys share the first four digits: one directory
    assert key_of(first)[:4] == key_of(second)[:4]
    made = []
    mkdir = type(tmp_path).mkdir

    def counted(self, *args, **kwargs):
        made.append(self.relative_to(tmp_path).as_posix())
        return mkdir(self, *args, **kwargs)

    monkeypatch.setattr(type(tmp_path), "mkdir", counted)
    archive = FileArchive(tmp_path)
    archive.put(first)
    assert "51/11" in made
    made.clear()
    archive.put(second)
    assert made == []
    assert archive.get(key_of(first)) == first and archive.get(key_of(second)) == second
