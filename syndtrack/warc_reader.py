"""Reading WARC and WARC.gz files record by record, surviving damage.

warcio parses the records. Gzip members are split here, not by warcio: warcio
stops at the first broken member, and a 1 GB CC-NEWS file with one bad member
would then lose every record after it. Each member (CC-NEWS and every
well-formed WARC.gz writer put one record per member) is inflated on its own, so
a broken one is reported at its offset and reading resumes at the next gzip
header. Memory holds one member at a time, however large the file.
"""

from __future__ import annotations

import io
import zlib

try:  # ISA-L's inflate: zlib's API, 2x as fast on CC-NEWS-sized members (pyproject.toml)
    from isal import isal_zlib as inflate_lib
except ImportError:  # pragma: no cover - an install without the wheel
    inflate_lib = zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 16  # small reads: what follows a member is copied once per member
# A member inflating past this is not a news page (a crawl of a video, a zip bomb):
# it is skipped as too large instead of being held in memory.
MAX_RECORD = 64 << 20


@dataclass
class Record:
    offset: int  # of the record (or its gzip member) in the file
    type: str  # WARC-Type
    url: str | None
    date: str | None  # WARC-Date
    status: int | None = None
    content_type: str | None = None
    http_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: str | None = None  # why the payload is incomplete, if it is


@dataclass
class Problem:
    offset: int
    kind: str  # broken_gzip, truncated, unreadable, too_large
    detail: str

    def __str__(self) -> str:
        return f"offset {self.offset}: {self.kind}: {self.detail}"


def is_gzip(path) -> bool:
    with open(path, "rb") as f:
        return f.read(3) == GZIP_MAGIC


def read_warc(path) -> Iterator[Record | Problem]:
    """Every record of a WARC or WARC.gz file, or a :class:`Problem` where one could not be read."""
    with open(path, "rb") as f:
        if f.read(3) == GZIP_MAGIC:
            f.seek(0)
            for offset, data, problem in _members(f):
                if problem is not None:
                    yield problem
                else:
                    yield from _parse(io.BytesIO(data), offset, member=True)
        else:
            f.seek(0)
            yield from _parse(f, 0, member=False)


def _members(f: BinaryIO) -> Iterator[tuple[int, bytes | None, Problem | None]]:
    """(offset, inflated bytes, None) per gzip member; (offset, None, Problem) for a broken one."""
    buf, base = b"", 0  # base: file offset of buf[0]
    at_eof = False

    def more() -> bool:
        nonlocal buf, at_eof
        if at_eof:
            return False
        chunk = f.read(CHUNK)
        if not chunk:
            at_eof = True
            return False
        buf += chunk
        return True

    while True:
        if len(buf) < 3 and not more() and not buf:
            return
        if not buf.startswith(GZIP_MAGIC):
            skip = _resync(buf, 1)
            while skip is None and more():
                skip = _resync(buf, 1)
            yield base, None, Problem(base, "unreadable", f"{skip if skip is not None else len(buf)} bytes "
                                      "that are not a gzip member")
            if skip is None:
                return
            buf, base = buf[skip:], base + skip
            continue
        inflater = inflate_lib.decompressobj(31)
        raw = buf  # every byte fed to this member, to resync from if it breaks
        out: list[bytes] = []
        size, fed, problem = 0, 0, None
        data = buf
        while True:
            try:
                piece = inflater.decompress(data, MAX_RECORD + 1 - size)
            except inflate_lib.error as exc:
                problem = Problem(base, "broken_gzip", str(exc))
                break
            fed += len(data) - len(inflater.unconsumed_tail)
            out.append(piece)
            size += len(piece)
            if size > MAX_RECORD:
                problem = Problem(base, "too_large", f"inflates past {MAX_RECORD} bytes")
                break
            if inflater.eof:
                break
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
                continue
            chunk = f.read(CHUNK) if not at_eof else b""
            if not chunk:
                at_eof = True
                problem = Problem(base, "truncated", "the file ends inside this gzip member")
                break
            raw += chunk
            data = chunk
        if problem is None:
            used = len(raw) - len(inflater.unused_data)
            yield base, b"".join(out), None
            buf, base = raw[used:], base + used
            continue
        yield base, None, problem
        # Resume at the next gzip header after the broken member's start; a header
        # split across two reads is found once the next read is appended.
        skip = _resync(raw, 1)
        while skip is None and not at_eof:
            chunk = f.read(CHUNK)
            if not chunk:
                at_eof = True
                break
            # Keep only the tail that could hold the start of a split header.
            drop = max(0, len(raw) - 2)
            base, raw = base + drop, raw[drop:] + chunk
            skip = _resync(raw, 1)
        if skip is None:
            return
        buf, base = raw[skip:], base + skip


def _resync(data: bytes, start: int) -> int | None:
    i = data.find(GZIP_MAGIC, start)
    return None if i < 0 else i


def _parse(stream: BinaryIO, base: int, *, member: bool) -> Iterator[Record | Problem]:
    it = ArchiveIterator(stream, no_record_parse=False, arc2warc=True, ensure_http_headers=False)
    offset = base
    try:
        for rec in it:
            # The start of this record (get_record_offset() would read it to its end first).
            offset = base + (0 if member else it.offset)
            yield _record(rec, offset)
    except ArchiveLoadFailed as exc:
        yield Problem(offset, "unreadable", str(exc).splitlines()[0][:200])
    except (EOFError, ValueError, zlib.error) as exc:
        yield Problem(offset, "truncated", f"{type(exc).__name__}: {exc}"[:200])


def _record(rec, offset: int) -> Record:
    h = rec.rec_headers
    out = Record(offset, h.get_header("WARC-Type") or "", h.get_header("WARC-Target-URI"), h.get_header("WARC-Date"))
    if out.type not in ("response", "resource"):
        return out
    if rec.http_headers is not None:
        hh = rec.http_headers
        try:
            out.status = int(hh.get_statuscode() or 0) or None
        except ValueError:
            out.status = None
        out.http_headers = {k.lower(): v for k, v in hh.headers}
        out.content_type = out.http_headers.get("content-type")
    else:
        out.content_type = h.get_header("Content-Type")
    encoded = "chunked" in (out.http_headers.get("transfer-encoding") or "").lower() or (
        out.http_headers.get("content-encoding") or "identity").lower() not in ("identity", "")
    try:
        # Pages archived with their transfer/content encoding: the content stream undoes it.
        out.body = rec.content_stream().read() if encoded else rec.raw_stream.read()
    except Exception as exc:  # noqa: BLE001 - a broken encoding is an unreadable payload
        out.truncated = f"undecodable body: {type(exc).__name__}"
        return out
    if h.get_header("WARC-Truncated"):
        out.truncated = f"WARC-Truncated: {h.get_header('WARC-Truncated')}"
    elif getattr(rec.raw_stream, "limit", 0) > 0:
        # The stream ended before the record's Content-Length: cut short.
        out.truncated = f"{rec.raw_stream.limit} bytes short of its Content-Length"
    return out
