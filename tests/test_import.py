import gzip
import json
import os
import subprocess
import sys
import time

import psutil
import pytest
from click.testing import CliRunner

from syndtrack.cli import cli
from syndtrack.store.db import open_db

GOOD = [
    {"url": "https://www.cgtn.com/a?utm_source=tw", "text": "Japan continues to take dangerous steps.",
     "title": "Japan", "published": "2023-07-10T08:00:00+08:00", "outlet": "cgtn"},
    {"url": "https://dainiksaveratimes.com/b", "text": "[ad_1] Japan continues to take dangerous steps. [ad_2]",
     "html": "<html><body><p>Japan</p></body></html>"},
]
BAD = [
    "{broken json",
    json.dumps({"text": "no url"}),
    json.dumps({"url": "https://x.example/1"}),
    json.dumps({"url": "https://x.example/2", "text": "t", "published": "last tuesday"}),
]


def write_jsonl(path, lines):
    path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines) + "\n", encoding="utf-8")
    return path


def test_import_good_and_bad_lines(tmp_path, db_path):
    src = write_jsonl(tmp_path / "in.jsonl", [GOOD[0], BAD[0], BAD[1], GOOD[1], BAD[2], BAD[3]])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(src)])
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated, 0 unchanged, 4 bad" in result.output
    for lineno, reason in [(2, "invalid JSON"), (3, "missing 'url'"), (5, "missing or empty 'text'"), (6, "published is not an ISO 8601 date")]:
        assert f"line {lineno}: {reason}" in result.output
    db = open_db(db_path)
    rows = {r["url"]: r for r in db["articles"].rows}
    cgtn = rows["https://www.cgtn.com/a"]
    assert cgtn["outlet"] == "cgtn"
    assert cgtn["published"] == "2023-07-10T00:00:00+00:00"
    # No "outlet" given: the registry knows the host.
    assert rows["https://dainiksaveratimes.com/b"]["outlet"] == "dainik-savera-times"
    page = db.execute("select html_gz from pages").fetchone()[0]
    assert gzip.decompress(page).startswith(b"<html>")


def test_import_twice_changes_nothing(tmp_path, db_path):
    src = write_jsonl(tmp_path / "in.jsonl", GOOD)
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(db_path), "import", str(src)])
    before = open_db(db_path).execute("select * from articles order by id").fetchall()
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(src)])
    assert "0 new, 0 updated, 2 unchanged, 0 bad" in result.output
    db = open_db(db_path)
    assert db.execute("select * from articles order by id").fetchall() == before
    assert db["pages"].count == 1


def test_changed_text_updates_and_keeps_revision(tmp_path, db_path):
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(db_path), "import", str(write_jsonl(tmp_path / "a.jsonl", GOOD[:1]))])
    edited = dict(GOOD[0], text="Japan continues to take steps. Edited.")
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(write_jsonl(tmp_path / "b.jsonl", [edited]))])
    assert "0 new, 1 updated" in result.output
    db = open_db(db_path)
    assert db["articles"].get(1)["text"] == edited["text"]
    revs = list(db["article_revisions"].rows)
    assert [r["text"] for r in revs] == [GOOD[0]["text"]]


def test_import_from_stdin(db_path):
    data = "\n".join(json.dumps(g) for g in GOOD) + "\n"
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", "-"], input=data)
    assert result.exit_code == 0, result.output
    assert open_db(db_path)["articles"].count == 2


def test_strict_lands_nothing(tmp_path, db_path):
    src = write_jsonl(tmp_path / "in.jsonl", [GOOD[0], BAD[0], GOOD[1]])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", "--strict", str(src)])
    assert result.exit_code == 1
    assert "line 2: invalid JSON" in result.output
    assert open_db(db_path)["articles"].count == 0


def test_all_bad_exits_nonzero_and_keeps_rows(tmp_path, db_path):
    runner = CliRunner()
    runner.invoke(cli, ["--db", str(db_path), "import", str(write_jsonl(tmp_path / "a.jsonl", GOOD))])
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(write_jsonl(tmp_path / "b.jsonl", BAD))])
    assert result.exit_code == 1
    assert open_db(db_path)["articles"].count == 2


def test_error_is_one_line_without_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "missing-dir" / "x.db"), "import", "-"], input="")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "does not exist" in result.output


@pytest.mark.slow
def test_large_import_streams_in_flat_memory(tmp_path):
    """100k lines through the real CLI in a subprocess: peak RSS must not track file size."""
    src = tmp_path / "big.jsonl"
    body = "State media commentary paragraph with enough words to matter. " * 17  # ~1 KB
    with src.open("w") as fh:
        for i in range(100_000):
            fh.write(json.dumps({"url": f"https://example.com/a/{i}", "text": f"{i} {body}"}) + "\n")
    assert src.stat().st_size > 100_000_000
    db_path = tmp_path / "big.db"
    proc = psutil.Popen([sys.executable, "-m", "syndtrack", "--db", str(db_path), "import", str(src)],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, proc.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "100000 new" in out
    # Holding the >100 MB file (as dicts, several times its size) would blow
    # far past this; a streaming import stays near the interpreter's baseline.
    assert peak < 100 * 1024 * 1024, f"peak RSS {peak / 1e6:.0f} MB"
    assert "imported 100000 lines" in err or "imported 90000 lines" in err
