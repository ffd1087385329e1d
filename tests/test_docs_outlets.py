"""fundus-style: the docs list every outlet of the default registry."""

from pathlib import Path

from syndtrack.crawl import load_registry

DOC = (Path(__file__).parent.parent / "docs" / "outlets.md").read_text(encoding="utf-8")


def test_docs_list_every_default_outlet():
    registry = load_registry()
    assert len(registry) >= 1000
    missing = [slug for slug in registry if f"| `{slug}` | {registry[slug]['name'].replace('|', chr(92) + '|')} |" not in DOC]
    assert not missing, f"docs/outlets.md lacks: {missing}"


def test_docs_list_no_outlet_that_is_gone():
    registry = load_registry()
    listed = [line.split("`")[1] for line in DOC.splitlines() if line.startswith("| `")]
    assert sorted(listed) == sorted(registry)
