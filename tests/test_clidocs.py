from pathlib import Path

from syndtrack.clidocs import render

DOCS = Path(__file__).parent.parent / "docs" / "cli.md"


def test_cli_docs_match_help():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is out of date: run `python -m syndtrack.clidocs > docs/cli.md`"
    )
