"""The outlet registry: which sites to crawl and how, read from TOML.

One table per outlet under ``[outlets.<slug>]`` (see DESIGN.md and
docs/crawler.md). The default registry ships in this package as
``outlets.toml``; a user's file is laid over it, key by key, or replaces it.
Every problem is reported with the outlet and the key it concerns, all at
once, so a user can fix a file in one go.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

import tomllib

LIST_KEYS = ("feeds", "sitemaps", "start_urls")
KEYS = {
    "name": str,
    "url": str,
    "feeds": list,
    "sitemaps": list,
    "start_urls": list,
    "article_pattern": str,
    "language": str,
    "country": str,
    "state_media": bool,
    "owner": str,
    "domains": list,
    "download_delay": (int, float),
    "max_age_days": (int, float),
}
REQUIRED = ("name", "url")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class RegistryError(ValueError):
    """A registry that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def default_registry_text() -> str:
    # Next to this module: package data (pyproject: crawler = ["*.toml"]).
    return (Path(__file__).parent / "outlets.toml").read_text(encoding="utf-8")


def parse_toml(text: str, source: str) -> dict[str, dict[str, Any]]:
    """The raw ``outlets`` tables of one TOML document (not yet validated)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError([f"{source}: not valid TOML: {exc}"]) from None
    extra = sorted(set(data) - {"outlets"})
    if extra:
        raise RegistryError([f"{source}: unknown top-level key {k!r} (outlets go under [outlets.<slug>])" for k in extra])
    outlets = data.get("outlets", {})
    if not isinstance(outlets, dict) or any(not isinstance(v, dict) for v in outlets.values()):
        raise RegistryError([f"{source}: 'outlets' must hold one table per outlet: [outlets.<slug>]"])
    return outlets


def load_registry(outlets_file: str | Path | None = None, use_default: bool = True) -> dict[str, dict[str, Any]]:
    """The validated registry: slug -> outlet dict with every key filled in.

    ``outlets_file`` is laid over the default registry (a key it sets wins, an
    outlet it adds is added); ``use_default=False`` leaves the default out.
    Raises :class:`RegistryError` naming each outlet and key that is wrong.
    """
    raw: dict[str, dict[str, Any]] = {}
    if use_default:
        raw = parse_toml(default_registry_text(), "default registry")
    if outlets_file is not None:
        path = Path(outlets_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RegistryError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
        for slug, table in parse_toml(text, str(path)).items():
            raw[slug] = {**raw.get(slug, {}), **table}
    return validate_registry(raw)


def validate_registry(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    errors: list[str] = []
    registry = {}
    for slug, table in raw.items():
        outlet = validate_outlet(slug, table, errors)
        if outlet is not None:
            registry[slug] = outlet
    if errors:
        raise RegistryError(errors)
    return registry


def validate_outlet(slug: str, table: Mapping[str, Any], errors: list[str]) -> dict[str, Any] | None:
    before = len(errors)

    def bad(key: str, message: str) -> None:
        errors.append(f"outlet {slug!r}, key {key!r}: {message}")

    if not SLUG_RE.match(slug):
        errors.append(f"outlet {slug!r}: slug must be lowercase letters, digits, '-' or '_'")
    for key in table:
        if key not in KEYS:
            bad(key, f"unknown key (known keys: {', '.join(KEYS)})")
    for key in REQUIRED:
        if not table.get(key):
            bad(key, "missing (required)")
    for key, kind in KEYS.items():
        if key not in table:
            continue
        value = table[key]
        # TOML has no bool subclass issue, but Python does: True is an int.
        if not isinstance(value, kind) or (kind != bool and isinstance(value, bool)):
            want = kind.__name__ if isinstance(kind, type) else "number"
            bad(key, f"must be a {want}, got {type(value).__name__} {value!r}")
            continue
        if key == "url" and not is_http_url(value):
            bad(key, f"not an absolute http(s) URL: {value!r}")
        if key in LIST_KEYS:
            for i, item in enumerate(value):
                if not isinstance(item, str) or not is_http_url(item):
                    bad(key, f"item {i} is not an absolute http(s) URL: {item!r}")
        if key == "domains":
            for i, item in enumerate(value):
                if not isinstance(item, str) or not item or "/" in item or " " in item:
                    bad(key, f"item {i} is not a host name (like 'example.com' or 'host:port'): {item!r}")
        if key == "article_pattern":
            try:
                re.compile(value)
            except re.error as exc:
                bad(key, f"bad regular expression {value!r}: {exc}")
        if key in ("download_delay", "max_age_days") and value < 0:
            bad(key, f"must not be negative, got {value!r}")
    if len(errors) > before:
        return None
    url = table["url"]
    domains = [d.lower() for d in table.get("domains") or []] or [strip_www(urlsplit(url).netloc.lower())]
    return {
        "slug": slug,
        "name": table["name"],
        "url": url,
        "feeds": list(table.get("feeds", [])),
        "sitemaps": list(table.get("sitemaps", [])),
        "start_urls": list(table.get("start_urls", [])),
        "article_pattern": table.get("article_pattern"),
        "language": table.get("language"),
        "country": table.get("country"),
        "state_media": bool(table.get("state_media", False)),
        "owner": table.get("owner"),
        "domains": domains,
        "download_delay": table.get("download_delay"),
        "max_age_days": table.get("max_age_days"),
    }


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def in_domains(url: str, domains: list[str]) -> bool:
    """Whether ``url`` belongs to one of an outlet's domains.

    A domain with a port ("127.0.0.1:8001") matches that host and port only; a
    bare host matches itself and its subdomains. Scrapy's
    ``url_is_from_any_domain`` ignores ports, which would let one fixture site
    (or one outlet on a shared host) wander into another's pages.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    for domain in domains:
        if ":" in domain:
            if netloc == domain or netloc == "www." + domain:
                return True
        elif host == domain or host.endswith("." + domain):
            return True
    return False


def outlet_row(outlet: Mapping[str, Any], updated: str) -> dict[str, Any]:
    """The ``outlets`` table row of a registry entry."""
    return {
        "slug": outlet["slug"],
        "name": outlet["name"],
        "url": outlet["url"],
        "country": outlet["country"],
        "language": outlet["language"],
        "state_media": int(outlet["state_media"]),
        "owner": outlet["owner"],
        "domains": json.dumps(outlet["domains"]),
        "feeds": json.dumps(outlet["feeds"]),
        "sitemaps": json.dumps(outlet["sitemaps"]),
        "start_urls": json.dumps(outlet["start_urls"]),
        "article_pattern": outlet["article_pattern"],
        "updated": updated,
    }


def sync_outlets(db, registry: Mapping[str, Mapping[str, Any]]) -> None:
    """Upsert the registry into the ``outlets`` table (outlets no longer listed stay)."""
    from syndtrack.db import utcnow, write_transaction

    now = utcnow()
    with write_transaction(db):
        db["outlets"].upsert_all([outlet_row(o, now) for o in registry.values()], pk="slug")
