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
