"""Build syndtrack's default outlet registry and docs/outlets.md.

    python contrib/build_registry.py            # rewrite both
    python contrib/build_registry.py --check    # exit 1 if either is out of date

Inputs, both committed:
  syndtrack/data/outlets/curated.toml       hand-kept outlets: crawl keys, credit aliases, owners
  contrib/state-media-profiles/State_Media_Matrix.csv
                                            the ASD State Media Matrix (MIT), 1,157 rows
Outputs, both committed:
  syndtrack/data/outlets/outlets.toml       the default registry (Registry.load())
  docs/outlets.md                           every outlet, grouped by country

How the list becomes outlets:
- Rows with the same country, company and asset are one outlet; their URLs'
  hosts (without "www.") are its domains. Assets that share a host stay
  outlets of their own (sb.by carries Respublika and Narodnya Gazeta, irib.ir
  both IRIB TV and Tehran Radio); a URL on a shared host resolves to the one
  listed first. A row without a URL is an outlet without url or domains
  (crawl = false): known by name only, for credits and imported articles.
- A row whose host is a domain or the home-page host of a hand-kept outlet
  belongs to that outlet: the hand-kept keys win, the list adds its typology,
  country and further hosts. A row on a subdomain of one stays an outlet of
  its own (espanol.cgtn.com is CGTN Español), and the longest domain wins
  when a URL is resolved.
- state_media is true for every typology except IP (independent public
  media: no state funding, governance or editorial control, by the list's own
  methodology); the typology is carried so analysts can draw the line elsewhere.
- Outlets only on the list are not crawled by default (crawl = false).
The output depends only on the inputs: running it twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from syndtrack.store.registry import (  # noqa: E402
    TYPOLOGY, RegistryError, is_public_suffix, parse_toml, strip_www, validate_registry,
)

CURATED = ROOT / "syndtrack" / "data" / "outlets" / "curated.toml"
MATRIX = ROOT / "contrib" / "state-media-profiles" / "State_Media_Matrix.csv"
OUT = ROOT / "syndtrack" / "data" / "outlets" / "outlets.toml"
DOC = ROOT / "docs" / "outlets.md"

# The list's country names -> ISO 3166-1 alpha-2 (EU and XK are the customary user codes).
COUNTRIES = {
    "Afghanistan": "AF", "Albania": "AL", "Algeria": "DZ", "Angola": "AO", "Argentina": "AR", "Armenia": "AM",
    "Australia": "AU", "Austria": "AT", "Azerbaijan": "AZ", "Bahrain": "BH", "Bangladesh": "BD", "Belarus": "BY",
    "Belgium": "BE", "Benin": "BJ", "Bhutan": "BT", "Bolivia": "BO", "Bosnia and Herzegovina": "BA",
    "Botswana": "BW", "Brazil": "BR", "Brunei": "BN", "Bulgaria": "BG", "Burkina Faso": "BF", "Burundi": "BI",
    "Cambodia": "KH", "Cameroon": "CM", "Canada": "CA", "Central African Republic": "CF", "Chad": "TD",
    "Chile": "CL", "China": "CN", "Colombia": "CO", "Congo": "CG", "Costa Rica": "CR", "Croatia": "HR",
    "Cuba": "CU", "Cyprus": "CY", "Czechia": "CZ", "Côte d'Ivoire": "CI", "DR Congo": "CD", "Denmark": "DK",
    "Djibouti": "DJ", "Dominican Republic": "DO", "Ecuador": "EC", "Egypt": "EG", "El Salvador": "SV",
    "Eritrea": "ER", "Estonia": "EE", "Ethiopia": "ET", "Europen Union": "EU", "Finland": "FI", "France": "FR",
    "Gabon": "GA", "Georgia": "GE", "Germany": "DE", "Ghana": "GH", "Greece": "GR", "Guatemala": "GT",
    "Haiti": "HT", "Honduras": "HN", "Hong Kong": "HK", "Hungary": "HU", "Iceland": "IS", "India": "IN",
    "Indonesia": "ID", "Iran": "IR", "Iraq": "IQ", "Ireland": "IE", "Israel": "IL", "Italy": "IT",
    "Jamaica": "JM", "Japan": "JP", "Jordan": "JO", "Kazakhstan": "KZ", "Kenya": "KE", "Kuwait": "KW",
    "Laos": "LA", "Latvia": "LV", "Lebanon": "LB", "Lesotho": "LS", "Liberia": "LR", "Libya": "LY",
    "Liechtenstein": "LI", "Lithuania": "LT", "Macao": "MO", "Madagascar": "MG", "Malawi": "MW",
    "Malaysia": "MY", "Malta": "MT", "Mauritania": "MR", "Mexico": "MX", "Moldova": "MD", "Mongolia": "MN",
    "Montenegro": "ME", "Morocco": "MA", "Mozambique": "MZ", "Myanmar": "MM", "Namibia": "NA", "Nepal": "NP",
    "Netherlands": "NL", "New Zealand": "NZ", "Nicaragua": "NI", "Niger": "NE", "Nigeria": "NG",
    "North Korea": "KP", "North Macedonia": "MK", "Norway": "NO", "Oman": "OM", "Pakistan": "PK",
    "Palestine territories": "PS", "Panama": "PA", "Paraguay": "PY", "Peru": "PE", "Philippines": "PH",
    "Poland": "PL", "Portugal": "PT", "Qatar": "QA", "Romania": "RO", "Russia": "RU", "Rwanda": "RW",
    "Saudi Arabia": "SA", "Senegal": "SN", "Serbia": "RS", "Singapore": "SG", "Slovakia": "SK",
    "Slovenia": "SI", "Somalia": "SO", "South Africa": "ZA", "South Korea": "KR", "South Sudan": "SS",
    "Spain": "ES", "Sri Lanka": "LK", "Sudan": "SD", "Sweden": "SE", "Switzerland": "CH", "Syria": "SY",
    "Taiwan": "TW", "Tajikistan": "TJ", "Tanzania": "TZ", "Thailand": "TH", "The Gambia": "GM", "Togo": "TG",
    "Tunisia": "TN", "Turkey": "TR", "Turkmenistan": "TM", "UAE": "AE", "Uganda": "UG", "Ukraine": "UA",
    "United Kingdom": "GB", "United States of America": "US", "Uruguay": "UY", "Uzbekistan": "UZ",
    "Vatican City": "VA", "Venezuela": "VE", "Vietnam": "VN", "Yemen": "YE", "Zambia": "ZM", "Zimbabwe": "ZW",
}
COUNTRY_NAMES = {code: name for name, code in COUNTRIES.items()} | {"EU": "European Union"}

# One media group under one name: the list spells some groups several ways, or
# names a channel where the owner is meant. Owners stay distinct where they are
# distinct (RT is ANO TV-Novosti; Sputnik and RIA are Rossiya Segodnya; TASS is TASS).
OWNERS = {
    "Xinhua (New China News Agency)": "Xinhua News Agency",
    "China Central Television (CCTV)": "China Media Group",
    "Global Times or Huanqiu Shibao": "People's Daily",
    "Legal Daily Media Group": "Legal Daily",
    "RT": "ANO TV-Novosti",
    "Sputnik News": "Rossiya Segodnya",
    "Rossiya Segodnya (Russia Today)": "Rossiya Segodnya",
    "Türkiye Radyo ve Televizyon Kurumu (TRT)": "Turkish Radio and Television Corporation (TRT)",
}
# "Print: Jiefang Daily" is the newspaper Jiefang Daily.
ASSET_PREFIX = re.compile(r"^(?:print(?: media)?|television|radio|online|news agency|tv)\s*:\s*", re.I)


def clean_company(name: str) -> str:
    name = re.sub(r"\*+$", "", " ".join(name.split())).strip()  # "Gazprom Media**": the list's footnote marks
    return OWNERS.get(name, name)


def clean_asset(name: str) -> str:
    name = " ".join(name.split())
    name = ASSET_PREFIX.sub("", name).strip()
    # "Yicai Media Group (Television: Yicai TV": the list split one cell at a comma.
    if name.count("(") > name.count(")"):
        name = name[: name.rindex("(")].strip() or name
    return name.strip(" )") or name


def host_and_url(raw: str) -> tuple[str, str] | None:
    raw = raw.strip()
    if not raw:
        return None
    url = raw if "//" in raw else "http://" + raw
    host = (urlsplit(url).hostname or "").lower()
    if not host or "." not in host:
        return None
    parts = urlsplit(url)
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    url = f"{parts.scheme}://{host}{path}" + (f"?{parts.query}" if parts.query else "")
    return strip_www(host), url


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_matrix(path: Path) -> list[dict]:
    """One dict per (country, company, asset), in the list's order, with its hosts and URLs."""
    groups: dict[tuple, dict] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            country = row["Country"].strip()
            asset = clean_asset(row["Main assets"]) or clean_company(row["Media company"])
            if not country or not asset:
                continue
            company = clean_company(row["Media company"])
            key = (country, company, asset)
            group = groups.setdefault(key, {
                "country": country, "owner": company, "name": asset, "aliases": [], "hosts": [], "urls": [],
                "typology": row["Typology"].strip().rstrip("?"),  # "ISFM?": the list's own doubt, kept as ISFM
            })
            found = host_and_url(row["URL"])
            if found and found[0] not in group["hosts"] and not is_public_suffix(found[0]):
                group["hosts"].append(found[0])
                group["urls"].append(found[1])
    return list(groups.values())


def build(curated_text: str, matrix: Path) -> tuple[dict[str, dict], dict]:
    curated = parse_toml(curated_text, str(CURATED))
    groups = read_matrix(matrix)
    claimed: dict[str, str] = {}  # host -> curated slug
    for slug, t in curated.items():
        for d in t.get("domains") or []:
            claimed[d.lower()] = slug
        claimed.setdefault(strip_www((urlsplit(t["url"]).hostname or "").lower()), slug)
    outlets: dict[str, dict] = {slug: dict(t) for slug, t in curated.items()}
    stats = {"rows_to_curated": 0, "without_url": 0}
    generated: list[tuple[str, str, dict]] = []
    for g in groups:
        slug = next((claimed[h] for h in g["hosts"] if h in claimed), None)
        code = COUNTRIES[g["country"]]
        if slug:
            o = outlets[slug]
            stats["rows_to_curated"] += 1
            o.setdefault("typology", g["typology"])
            o.setdefault("owner", g["owner"])
            o.setdefault("country", code)
            if "domains" not in o:
                o["domains"] = [strip_www((urlsplit(o["url"]).hostname or "").lower())]
            for h in g["hosts"]:
                if not any(h == d or h.endswith("." + d) for d in o["domains"]):
                    o["domains"].append(h)
            continue
        if not g["hosts"]:
            stats["without_url"] += 1
        entry = {
            "name": g["name"],
            "aliases": g["aliases"],
            "url": g["urls"][0] if g["urls"] else None,
            "domains": g["hosts"],
            "country": code,
            "state_media": g["typology"] != "IP",
            "typology": g["typology"],
            "owner": g["owner"],
            "crawl": False,
        }
        generated.append((g["country"], g["name"], entry))
    taken = set(outlets)
    for country, name, entry in generated:
        base = slugify(name) or (slugify(entry["domains"][0]) if entry["domains"] else "") or "outlet"
        slug = base
        if slug in taken:
            slug = f"{base}-{entry['country'].lower()}"
        n = 2
        while slug in taken:
            slug = f"{base}-{entry['country'].lower()}-{n}"
            n += 1
        taken.add(slug)
        outlets[slug] = entry
    return outlets, stats


KEY_ORDER = ["name", "aliases", "url", "domains", "feeds", "sitemaps", "start_urls", "article_pattern", "language",
             "country", "state_media", "typology", "owner", "crawl", "download_delay", "max_age_days"]


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if "'" not in value and "\n" not in value and ("\\" in value or '"' in value):
        return "'" + value + "'"  # regexes stay readable as literal strings
    return json.dumps(value, ensure_ascii=False)


def render_toml(outlets: dict[str, dict], curated: set[str]) -> str:
    lines = [
        "# The default outlet registry of syndtrack. GENERATED: do not edit by hand.",
        "#",
        "# Built by contrib/build_registry.py from syndtrack/data/outlets/curated.toml (hand-kept:",
        "# crawl keys, credit aliases) and the State Media Matrix of the Alliance for Securing",
        "# Democracy (German Marshall Fund), seed data from the State Media Monitor (MJRC):",
        "# https://github.com/ASD-at-GMF/state-media-profiles, commit d878fee (2024-02-07).",
        "# State Media Matrix: MIT License, Copyright (c) 2023 ASD-at-GMF; the licence text is in",
        "# contrib/state-media-profiles/LICENSE. Edit curated.toml and re-run the script.",
        "#",
        "# typology (the State Media Monitor's): " + ", ".join(f"{k} {v}" for k, v in TYPOLOGY.items()) + ".",
        "# state_media is true for every typology but IP.",
        "",
    ]
    section = None
    for slug, o in outlets.items():
        here = "curated" if slug in curated else COUNTRY_NAMES.get(o["country"], o["country"])
        if here != section:
            section = here
            title = "hand-kept (curated.toml)" if here == "curated" else here
            lines.append(f"# --- {title} " + "-" * max(3, 76 - len(title)))
            lines.append("")
        lines.append(f"[outlets.{slug}]")
        for key in KEY_ORDER:
            if key in o and o[key] not in (None, [], ""):
                lines.append(f"{key} = {toml_value(o[key])}")
        lines.append("")
    return "\n".join(lines)


def render_doc(registry: dict[str, dict]) -> str:
    state = [o for o in registry.values() if o["state_media"]]
    countries = {o["country"] for o in state if o["country"]}
    lines = [
        "# Outlets in the default registry",
        "",
        "GENERATED by `contrib/build_registry.py` from the registry it writes",
        "(`syndtrack/data/outlets/outlets.toml`); do not edit by hand. `syndtrack outlets list` lists",
        "it, `syndtrack outlets check FILE` validates your own; add outlets with `--outlets FILE` (laid",
        "over this list) or replace it with `--no-default-outlets`. See [crawler.md](crawler.md) for the keys.",
        "",
        f"{len(registry)} outlets, {len(state)} of them state media from {len(countries)} countries. The",
        "hand-kept outlets carry crawl keys and credit aliases and are crawled by `syndtrack crawl`;",
        "the others come from the [State Media Matrix](https://github.com/ASD-at-GMF/state-media-profiles)",
        "(Alliance for Securing Democracy, MIT; seed data from the State Media Monitor) and serve to",
        "recognise outlets and their credits: they are crawled only when named (`crawl --outlet SLUG`).",
        "",
        "Typology (State Media Monitor): " + "; ".join(f"**{k}** {v}" for k, v in TYPOLOGY.items()) + ".",
        "`state media` is yes for every typology but IP.",
        "",
        "## Hand-kept (crawled)",
        "",
        "| slug | name | state media | typology | owner | country | language | home page |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def cell(v) -> str:
        return str(v or "").replace("|", "\\|")

    for o in registry.values():
        if o["crawl"]:
            lines.append(f"| `{o['slug']}` | {cell(o['name'])} | {'yes' if o['state_media'] else 'no'} | "
                         f"{cell(o['typology'])} | {cell(o['owner'])} | {cell(o['country'])} | {cell(o['language'])} | {cell(o['url'])} |")
    lines += ["", "## From the State Media Matrix, by country", ""]
    by_country: dict[str, list[dict]] = {}
    for o in registry.values():
        if not o["crawl"]:
            by_country.setdefault(o["country"] or "", []).append(o)
    for code in sorted(by_country, key=lambda c: COUNTRY_NAMES.get(c, c)):
        lines += [f"### {COUNTRY_NAMES.get(code, code)} ({code})", "",
                  "| slug | name | typology | owner | domains |", "|---|---|---|---|---|"]
        for o in by_country[code]:
            lines.append(f"| `{o['slug']}` | {cell(o['name'])} | {cell(o['typology'])} | {cell(o['owner'])} | "
                         f"{cell(', '.join(o['domains'])) or '(no website listed)'} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def outputs() -> tuple[str, str, dict]:
    curated_text = CURATED.read_text(encoding="utf-8")
    outlets, stats = build(curated_text, MATRIX)
    text = render_toml(outlets, set(parse_toml(curated_text, str(CURATED))))
    registry = validate_registry(parse_toml(text, str(OUT)))  # the full check the loader skips for the default
    return text, render_doc(registry), {**stats, "outlets": len(registry)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files are out of date")
    args = parser.parse_args(argv)
    try:
        text, doc, stats = outputs()
    except RegistryError as exc:
        print("\n".join(exc.errors), file=sys.stderr)
        return 1
    stale = [p for p, want in ((OUT, text), (DOC, doc)) if not p.exists() or p.read_text(encoding="utf-8") != want]
    if args.check:
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run python contrib/build_registry.py", file=sys.stderr)
        return 1 if stale else 0
    OUT.write_text(text, encoding="utf-8")
    DOC.write_text(doc, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {stats['outlets']} outlets ({stats['rows_to_curated']} list entries folded into "
          f"hand-kept outlets, {stats['without_url']} known by name only); {DOC.relative_to(ROOT)} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
