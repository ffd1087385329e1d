"""Reading WARC and WARC.gz files record by record, surviving damage.

warcio parses the records (a member holding one plain record is read by
:func:`_plain_record`, which gives what warcio gives, five times faster). Gzip members are split here, not by warcio: warcio
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
CHUNK = 1 << 20  # members are inflated from a memoryview of the read: nothing is copied per member
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


def read_warc(path, start: int = 0, end: int | None = None) -> Iterator[Record | Problem]:
    """Every record of a WARC or WARC.gz file, or a :class:`Problem` where one could not be read.

    ``start``/``end`` (WARC.gz only) read one byte range of the file, so that processes can
    share a file without one reading it for all: the ranges ``[0, a)``, ``[a, b)``, ...
    give, one after the other, exactly what the whole file gives. A range starts at the
    first gzip member that inflates whole at or after ``start`` (what comes before it is
    the previous range's) and stops at the first such member at or after ``end``: a chain
    of members read from anywhere meets the chain read from the file's start at that
    member (a false gzip header inside compressed data does not inflate whole: the CRC),
    and damage is reported by the range it starts in.
    """
    with open(path, "rb") as f:
        if f.read(3) == GZIP_MAGIC:
            f.seek(start)
            synced = start == 0
            for offset, data, problem in _members(f, start):
                if problem is None and end is not None and offset >= end:
                    return
                if not synced:
                    if problem is not None:
                        continue
                    synced = True
                if problem is not None:
                    yield problem
                else:
                    plain = _plain_record(data, offset)
                    if plain is not None:
                        yield plain
                    else:
                        yield from _parse(io.BytesIO(data), offset, member=True)
        else:
            if start or end is not None:
                raise ValueError(f"{path}: byte ranges are read from WARC.gz files only")
            f.seek(0)
            yield from _parse(f, 0, member=False)


def _members(f: BinaryIO, base: int = 0) -> Iterator[tuple[int, bytes | None, Problem | None]]:
    """(offset, inflated bytes, None) per gzip member; (offset, None, Problem) for a broken one.

    The file is read in CHUNK pieces; ``buf[pos:]`` is what is not consumed yet. Members are
    inflated from a memoryview at ``pos``: nothing is copied per member (a 1 MB read holds
    dozens of CC-NEWS members), only once per read, when the unread tail is carried over.
    """
    buf, pos = b"", 0  # base: file offset of buf[0] (the file is at ``base`` when called)
    at_eof = False

    def more() -> int:
        """Read on; the number of bytes added at the end of buf (0 at the end of the file)."""
        nonlocal buf, pos, base, at_eof
        if at_eof:
            return 0
        chunk = f.read(CHUNK)
        if not chunk:
            at_eof = True
            return 0
        buf, base, pos = buf[pos:] + chunk, base + pos, 0
        return len(chunk)

    def next_magic(after: int) -> int:
        """Index in buf of the next gzip header at ``pos + after`` or later, or -1 at the end of the file.
        Between reads only the two bytes that could start a split header are kept."""
        nonlocal pos
        i = buf.find(GZIP_MAGIC, pos + after)
        while i < 0:
            pos = max(pos + after, len(buf) - 2)
            after = 0
            if not more():
                return -1
            i = buf.find(GZIP_MAGIC, pos)
        return i

    while True:
        if len(buf) - pos < 3 and not more() and pos >= len(buf):
            return
        start = base + pos
        if not buf.startswith(GZIP_MAGIC, pos):
            skip = next_magic(1)
            end = base + skip if skip >= 0 else base + len(buf)
            yield start, None, Problem(start, "unreadable", f"{end - start} bytes that are not a gzip member")
            if skip < 0:
                return
            pos = skip
            continue
        inflater = inflate_lib.decompressobj(31)
        out: list[bytes] = []
        size, problem = 0, None
        data = memoryview(buf)[pos:]
        while True:
            try:
                piece = inflater.decompress(data, MAX_RECORD + 1 - size)
            except inflate_lib.error as exc:
                problem = Problem(start, "broken_gzip", str(exc))
                break
            out.append(piece)
            size += len(piece)
            if size > MAX_RECORD:
                problem = Problem(start, "too_large", f"inflates past {MAX_RECORD} bytes")
                break
            if inflater.eof:
                break
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
                continue
            added = more()  # pos stays at the member's start: resync needs its bytes
            if not added:  # the member goes on past the end of the file
                problem = Problem(start, "truncated", "the file ends inside this gzip member")
                break
            data = memoryview(buf)[len(buf) - added :]
        if problem is None:
            pos = len(buf) - len(inflater.unused_data)
            yield start, b"".join(out), None
            continue
        yield start, None, problem
        # Resume at the next gzip header after the broken member's start.
        pos = start - base
        skip = next_magic(1)
        if skip < 0:
            return
        pos = skip


_WARC_VERSIONS = ("WARC/1.0\r\n", "WARC/1.1\r\n")
_HTTP_VERSIONS = ("HTTP/1.0 ", "HTTP/1.1 ")
_ENCODED = ("transfer-encoding", "content-encoding")


def _plain_record(data: bytes, offset: int) -> Record | None:
    """The record of a gzip member holding one plain record, as :func:`_parse` (warcio) reads it;
    None for anything else (several records, continuation lines, a payload short of its
    Content-Length, a transfer or content encoding, an odd status line), which warcio reads.

    Written here because warcio's stream machinery (line reads through buffered readers,
    limit readers) costs 0.07 ms a record against ~0.015 here: a third of reading a CC-NEWS
    record once its member is inflated (tests/test_warc_reader.py compares the two)."""
    head = _head(data, _WARC_VERSIONS)
    if head is None:
        return None
    lines, end = head
    fields = _fields(lines[1:], first_wins=True)
    if fields is None:
        return None
    try:
        length = int(fields.get("content-length", ""))
    except ValueError:
        return None
    start = end + 4
    block = data[start : start + length]
    if length <= 0 or len(block) < length or data[start + length :].strip():
        return None
    url = fields.get("warc-target-uri")
    if url is not None and (url.startswith("<") or " " in url):
        return None  # warcio rewrites these
    out = Record(offset, fields.get("warc-type", ""), url, fields.get("warc-date"))
    if out.type == "resource":
        out.content_type, out.body = fields.get("content-type"), block
    elif out.type == "response":
        if not (url or "").startswith(("http:", "https:")):
            return None
        http = _head(block, _HTTP_VERSIONS)
        if http is None:
            return None
        lines, hend = http
        headers = _fields(lines[1:], first_wins=False)
        if headers is None or any(k in headers for k in _ENCODED):
            return None
        try:
            out.status = int(lines[0][9:].strip().split(" ", 1)[0] or 0) or None
        except ValueError:
            out.status = None
        out.http_headers = headers
        out.content_type = headers.get("content-type")
        out.body = block[hend + 4 :]
    else:
        return out
    if fields.get("warc-truncated"):
        out.truncated = f"WARC-Truncated: {fields['warc-truncated']}"
    return out


def _head(data: bytes, versions: tuple[str, ...]) -> tuple[list[str], int] | None:
    """The lines of the header block ``data`` opens with (a WARC record's or an HTTP
    response's) and where the blank line after it starts; None where warcio would read it
    otherwise (no blank line, not UTF-8, another version, a bare LF)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    try:
        head = data[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not head.upper().startswith(versions) or "\n" in head.replace("\r\n", ""):
        return None
    return head.split("\r\n"), end


def _fields(lines: list[str], *, first_wins: bool) -> dict[str, str] | None:
    """Header lines as warcio splits them, names lowered; None where warcio would do more
    (continuation lines, lines without a colon)."""
    out: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or line[:1] in (" ", "\t"):
            return None
        key = name.rstrip(" \t").lower()
        if first_wins and key in out:
            continue
        out[key] = value.strip()
    return out


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
