"""Serve folders of static outlet sites on 127.0.0.1, one port per site.

Used by the tests (as a subprocess, Scrapy's mockserver pattern) and by
``syndtrack demo``. Each sub-folder of the root is one site; its files are
served as they are, except that ``{{site:NAME}}`` in text files is replaced by
the base URL of site NAME (``http://127.0.0.1:PORT``), so feeds, sitemaps and
links can be absolute.

Conditional requests work like a real server's: every file has an ``ETag`` and
a ``Last-Modified``, and ``If-None-Match`` / ``If-Modified-Since`` get a 304.
A few special paths exist for testing failure handling:
``/_status/NNN`` answers with status NNN, ``/_redirect-loop`` redirects to
itself, ``/_redirect/SITE/PATH`` redirects to PATH on site SITE (another port:
another host to the crawler's domain check), ``/_slow/SECONDS`` waits before answering, ``/_huge/MB`` sends MB
megabytes. Every request is logged; ``GET /_log`` on any site returns the log
of that site as JSON lines (method, path, status, conditional), once answered.
``GET /_waiting`` returns the paths of the ``/_slow`` requests still waiting, one
per line: a test that must act while a download is in flight waits for it there.

Run it: ``python -m syndtrack.siteserver ROOT`` prints one JSON line
``{"site": "http://127.0.0.1:PORT", ...}`` then serves until killed.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import mimetypes
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TEXT_TYPES = {".html", ".htm", ".xml", ".rss", ".atom", ".txt", ".json", ".jsonl"}
CONTENT_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class SiteServer:
    """Serves every sub-folder of ``root`` on its own port; start() returns the base URLs."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1"):
        self.root = Path(root)
        self.host = host
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.bases: dict[str, str] = {}
        self.logs: dict[str, list[dict]] = {}
        self.waiting: dict[str, list[str]] = {}
        # Fixed at start so Last-Modified is stable across requests of one run.
        self.started = time.time()

    def start(self) -> dict[str, str]:
        sites = sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
        if not sites:
            raise FileNotFoundError(f"no site folders under {self.root}")
        for site in sites:
            handler = type("Handler", (_Handler,), {"site_dir": site, "owner": self, "site": site.name})
            server = ThreadingHTTPServer((self.host, 0), handler)
            server.daemon_threads = True
            self.servers[site.name] = server
            self.bases[site.name] = f"http://{self.host}:{server.server_address[1]}"
            self.logs[site.name] = []
            self.waiting[site.name] = []
        for server in self.servers.values():
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return dict(self.bases)

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def render(self, data: bytes) -> bytes:
        if b"{{site:" not in data:
            return data
        for name, base in self.bases.items():
            data = data.replace(f"{{{{site:{name}}}}}".encode(), base.encode())
        return data


class _Handler(BaseHTTPRequestHandler):
    site_dir: Path
    owner: SiteServer
    site: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep stderr quiet; we keep our own log
        pass

    def _log(self, status: int, conditional: bool = False) -> None:
        self.owner.logs[self.site].append(
            {"method": self.command, "path": self.path, "status": status, "conditional": conditional}
        )

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = unquote(urlsplit(self.path).path)
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        if path == "/_log":
            body = "".join(json.dumps(e) + "\n" for e in self.owner.logs[self.site]).encode()
            return self._send(200, body, {"Content-Type": "application/x-ndjson"})
        if path == "/_waiting":
            body = "".join(p + "\n" for p in list(self.owner.waiting[self.site])).encode()
            return self._send(200, body, {"Content-Type": "text/plain"})
        special = self._special(path)
        if special is not None:
            status, body, headers = special
            self._log(status, conditional)
            return self._send(status, body, headers)
        target = (self.site_dir / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if self.site_dir.resolve() not in target.parents or not target.is_file():
            self._log(404, conditional)
            return self._send(404, b"not found", {"Content-Type": "text/plain"})
        data = target.read_bytes()
        if target.suffix in TEXT_TYPES:
            data = self.owner.render(data)
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        mtime = min(target.stat().st_mtime, self.owner.started)
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        headers = {
            "Content-Type": CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream",
            "ETag": etag,
            "Last-Modified": last_modified,
        }
        if self._not_modified(etag, mtime):
            self._log(304, conditional)
            return self._send(304, b"", {"ETag": etag, "Last-Modified": last_modified})
        self._log(200, conditional)
        self._send(200, data, headers)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm:
            return etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return int(mtime) <= since
        return False

    def _special(self, path: str):
        parts = path.strip("/").split("/")
        if parts[0] == "_status" and len(parts) == 2 and parts[1].isdigit():
            return int(parts[1]), f"status {parts[1]}".encode(), {"Content-Type": "text/plain"}
        if parts[0] == "_redirect-loop":
            return 302, b"", {"Location": self.path}
        if parts[0] == "_redirect" and len(parts) >= 2 and parts[1] in self.owner.bases:
            return 302, b"", {"Location": self.owner.bases[parts[1]] + "/" + "/".join(parts[2:])}
        if parts[0] == "_slow" and len(parts) == 2:
            waiting = self.owner.waiting[self.site]
            waiting.append(self.path)  # list.append/remove are atomic under the GIL
            try:
                time.sleep(min(float(parts[1]), 30.0))
            finally:
                waiting.remove(self.path)
            return 200, b"<html><body><p>slow</p></body></html>", {"Content-Type": "text/html"}
        if parts[0] == "_huge" and len(parts) == 2:
            size = int(float(parts[1]) * 1024 * 1024)
            body = b"<html><body>" + b"<p>x</p>" * (size // 8) + b"</body></html>"
            return 200, body, {"Content-Type": "text/html"}
        return None


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m syndtrack.siteserver ROOT", file=sys.stderr)
        raise SystemExit(2)
    server = SiteServer(argv[0])
    print(json.dumps(server.start()), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
