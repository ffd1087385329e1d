"""The layers of DESIGN.md, checked on the imports themselves.

dedupe/ is pure (no syndtrack, no crawler, no Scrapy, no database); the storage
core syndtrack.store depends on nothing else of the project; the crawler reaches
syndtrack only through the storage core. An import inside a function counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("dedupe"), ids=lambda p: p.name)
def test_dedupe_is_pure(path):
    bad = {m for m in imports(path) if m.split(".")[0] in ("syndtrack", "crawler", "scrapy", "sqlite3", "sqlite_utils")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("syndtrack/store"), ids=lambda p: p.name)
def test_storage_core_depends_on_nothing_above_it(path):
    bad = {m for m in imports(path)
           if m.split(".")[0] in ("crawler", "dedupe") or (m.startswith("syndtrack") and not m.startswith("syndtrack.store"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("crawler"), ids=lambda p: p.name)
def test_crawler_reaches_syndtrack_only_through_the_storage_core(path):
    bad = {m for m in imports(path) if m.startswith("syndtrack") and not m.startswith("syndtrack.store")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_one_www_stripper():
    # The storage core's urls.strip_www/host_of; dedupe keeps its
    # own host_of because it may not import syndtrack (see test_dedupe_is_pure).
    strippers = [p for folder in ("syndtrack", "crawler", "dedupe") for p in (ROOT / folder).rglob("*.py")
                 if 'startswith("www.")' in p.read_text(encoding="utf-8")]
    assert sorted(str(p.relative_to(ROOT)) for p in strippers) == ["dedupe/credit.py", "syndtrack/store/urls.py"]


def test_dates_are_parsed_in_one_module():
    # datetime.fromisoformat is how a stored or imported date is read; only the
    # storage core's dates module does it (the rest asks it).
    readers = [str(p.relative_to(ROOT)) for folder in ("syndtrack", "crawler", "dedupe") for p in (ROOT / folder).rglob("*.py")
               if "fromisoformat(" in p.read_text(encoding="utf-8")]
    assert readers == ["syndtrack/store/dates.py"], readers
