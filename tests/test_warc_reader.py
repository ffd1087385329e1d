"""syndtrack.warc_reader: gzip members split and inflated one by one, damage reported at its offset."""

from __future__ import annotations

import gzip
import io
import random
import zlib

import pytest

from syndtrack import warc_reader
from syndtrack.warc_reader import Problem, _members


def _payload(i: int) -> bytes:
    rng = random.Random(i)
    return b"WARC/1.0\r\n" + bytes(rng.randrange(256) for _ in range(rng.randrange(50, 3000)))


def _file() -> tuple[bytes, list[tuple[int, object]]]:
    """A file of members, garbage, a broken member and a truncated last one; what reading it must give."""
    parts: list[tuple[bytes, object]] = []
    for i in range(4):
        parts.append((gzip.compress(_payload(i)), _payload(i)))
    parts.append((b"not a gzip member at all", "unreadable"))
    for i in range(4, 8):
        parts.append((gzip.compress(_payload(i)), _payload(i)))
    bad = bytearray(gzip.compress(_payload(8) * 4))
    bad[len(bad) // 2 : len(bad) // 2 + 64] = b"\xff" * 64
    parts.append((bytes(bad), "broken_gzip"))
    parts.append((gzip.compress(_payload(9)), _payload(9)))
    last = gzip.compress(_payload(10))
    parts.append((last[: len(last) // 2], "truncated"))
    data, expected, pos = b"", [], 0
    for raw, what in parts:
        expected.append((pos, what))
        data += raw
        pos += len(raw)
    return data, expected


@pytest.mark.parametrize("inflate", ["isal", "zlib"])
@pytest.mark.parametrize("chunk", [3, 5, 7, 64, 1000, 1 << 20])
def test_members_and_damage_at_every_read_size(monkeypatch, chunk, inflate):
    # Small reads split members and gzip headers across reads; the result must not depend on
    # it, nor on the inflate library (ISA-L when installed, zlib otherwise).
    monkeypatch.setattr(warc_reader, "CHUNK", chunk)
    if inflate == "zlib":
        monkeypatch.setattr(warc_reader, "inflate_lib", zlib)
    data, expected = _file()
    got = []
    for offset, inflated, problem in _members(io.BytesIO(data)):
        got.append((offset, inflated if problem is None else problem.kind))
        assert problem is None or (isinstance(problem, Problem) and problem.offset == offset)
    assert got == expected


def test_trailing_bytes_and_an_empty_file(monkeypatch):
    member = gzip.compress(b"WARC/1.0\r\n")
    got = [(o, d, p and p.kind) for o, d, p in _members(io.BytesIO(member + b"\x1f"))]
    assert got == [(0, b"WARC/1.0\r\n", None), (len(member), None, "unreadable")]
    assert list(_members(io.BytesIO(b""))) == []


def _member(warc_headers: str, block: bytes) -> bytes:
    head = warc_headers.format(n=len(block)).replace("\n", "\r\n").encode("utf-8")
    return head + b"\r\n\r\n" + block + b"\r\n\r\n"


_RESPONSE = ("WARC/1.0\nWARC-Type: response\nWARC-Target-URI: {url}\nWARC-Date: 2024-03-01T00:00:00Z\n"
             "Content-Type: application/http; msgtype=response\nContent-Length: {n}")


@pytest.mark.parametrize("url,http,plain", [
    ("https://a.example/x", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX: 1\r\nx:  2 \r\n\r\n<p>hi</p>", True),
    ("https://a.example/x", b"HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n", True),
    ("https://a.example/x", b"HTTP/1.1 200\r\n\r\n<p>no headers</p>", True),
    ("https://a.example/x", b"HTTP/1.1 abc OK\r\n\r\nbody", True),  # warcio: no status
    ("https://a.example/x", "HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\n\r\n\u00e9".encode(), True),
    ("https://a.example/x", b"HTTP/1.1 200 OK\r\nX-Long: a\r\n  continued\r\n\r\nbody", False),
    ("https://a.example/x", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n", False),
    ("https://a.example/x", b"HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n\r\nbody", False),
    ("https://a.example/x", b"HTTP/2 200\r\n\r\nbody", False),
    ("https://a.example/x", b"HTTP/1.1 200 OK\r\nLatin: caf\xe9\r\n\r\nbody", False),
    ("<https://a.example/x>", b"HTTP/1.1 200 OK\r\n\r\nbody", False),
    ("https://a.example/x y", b"HTTP/1.1 200 OK\r\n\r\nbody", False),
])
def test_plain_records_read_as_warcio_reads_them(tmp_path, url, http, plain):
    """The fast reading of a one-record member gives warcio's Record, or leaves it to warcio."""
    data = _member(_RESPONSE.replace("{url}", url), http)
    fast = warc_reader._plain_record(data, 7)
    slow = list(warc_reader._parse(io.BytesIO(data), 7, member=True))
    assert (fast is not None) == plain
    if fast is not None:
        assert slow == [fast]
    path = tmp_path / "one.warc.gz"
    path.write_bytes(gzip.compress(data))
    at_start = list(warc_reader._parse(io.BytesIO(data), 0, member=True))
    assert list(warc_reader.read_warc(path)) == at_start  # either way, what warcio reads


@pytest.mark.parametrize("headers,block,plain", [
    ("WARC/1.0\nWARC-Type: resource\nWARC-Target-URI: file:///a.txt\nContent-Type: text/plain\nContent-Length: {n}",
     b"text", True),
    ("WARC/1.1\nWARC-Type: warcinfo\nWARC-Type: response\nContent-Length: {n}", b"software: x\r\n", True),
    ("WARC/1.0\nWARC-Type: request\nWARC-Target-URI: https://a.example/\nContent-Length: {n}",
     b"GET / HTTP/1.1\r\n\r\n", True),
    ("WARC/1.0\nWARC-Type: resource\nWARC-Target-URI: file:///a.txt\nWARC-Truncated: length\nContent-Length: {n}",
     b"part", True),
    ("WARC/1.0\nWARC-Type: resource\nWARC-Target-URI: file:///a.txt\nContent-Length: 99", b"short", False),
    ("WARC/1.0\nWARC-Type: resource\nWARC-Target-URI: file:///a.txt", b"no length", False),
    ("WARC/0.18\nWARC-Type: resource\nContent-Length: {n}", b"old", False),
])
def test_other_records_read_as_warcio_reads_them(headers, block, plain):
    data = _member(headers, block)
    fast = warc_reader._plain_record(data, 0)
    assert (fast is not None) == plain
    if fast is not None:
        assert list(warc_reader._parse(io.BytesIO(data), 0, member=True)) == [fast]


def test_a_member_of_two_records_is_read_by_warcio():
    one = _member(_RESPONSE.replace("{url}", "https://a.example/1"), b"HTTP/1.1 200 OK\r\n\r\none")
    two = _member(_RESPONSE.replace("{url}", "https://a.example/2"), b"HTTP/1.1 200 OK\r\n\r\ntwo")
    assert warc_reader._plain_record(one + two, 0) is None
    assert [r.body for r in warc_reader._parse(io.BytesIO(one + two), 0, member=True)] == [b"one", b"two"]


def _records_file() -> bytes:
    """Records of random pages (incompressible: false gzip headers occur inside them), with
    garbage, a broken member, a member larger than a range and a truncated end."""
    rng = random.Random(5)
    members = []
    for i in range(40):
        page = bytes(rng.randrange(256) for _ in range(rng.randrange(200, 6000)))
        if i == 20:
            page *= 8  # spans several ranges
        members.append(gzip.compress(_member(_RESPONSE.replace("{url}", f"https://a.example/{i}"),
                                             b"HTTP/1.1 200 OK\r\n\r\n" + page)))
    members[7] = b"\x00garbage between members" + members[7]
    bad = bytearray(members[13])
    bad[len(bad) // 2 : len(bad) // 2 + 64] = b"\xff" * 64
    members[13] = bytes(bad)
    data = b"".join(members)
    return data + members[0][:100]  # the writer stopped inside the last member


@pytest.mark.parametrize("size", [1, 997, 4096, 20_000, 1 << 20])
def test_byte_ranges_give_the_whole_file(tmp_path, size):
    """Ranges read one after the other give exactly what the whole file gives, whatever the
    range size: every record and every problem once, at its offset, with its body."""
    path = tmp_path / "r.warc.gz"
    path.write_bytes(_records_file())
    whole = list(warc_reader.read_warc(path))
    assert {p.kind for p in whole if isinstance(p, Problem)} == {"unreadable", "broken_gzip", "truncated"}
    assert sum(not isinstance(r, Problem) for r in whole) == 39
    n = path.stat().st_size
    ranged = [item for start in range(0, n, size) for item in warc_reader.read_warc(path, start, start + size)]
    assert ranged == whole


def test_a_plain_warc_has_no_byte_ranges(tmp_path):
    path = tmp_path / "plain.warc"
    path.write_bytes(_member(_RESPONSE.replace("{url}", "https://a.example/"), b"HTTP/1.1 200 OK\r\n\r\nx"))
    assert len(list(warc_reader.read_warc(path))) == 1
    with pytest.raises(ValueError, match="WARC.gz files only"):
        list(warc_reader.read_warc(path, 10, 20))
