"""import-warc on a real local Dask cluster: a scheduler and two worker processes on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from syndtrack.cli import cli  # noqa: E402
from syndtrack.store.db import open_db  # noqa: E402
from syndtrack.store.registry import Registry  # noqa: E402
from syndtrack.warc import CopyFilter, import_warc  # noqa: E402
from syndtrack.warc_dask import file_ranges, import_warc_dask, process_range  # noqa: E402
from syndtrack.warc_reader import read_warc  # noqa: E402

from test_warc import COPY_URL, STATE_PAGE, SOURCE_URL, firehose, response, write_warc  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` + two `dask worker` processes, one thread each, on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("dask")
    sfile = tmp / "scheduler.json"
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
         "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(sfile)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.time() + 60
    while not sfile.exists() and time.time() < deadline:
        time.sleep(0.2)
    for i in range(2):
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(sfile), "--nthreads", "1",
             "--nworkers", "1", "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--name", f"w{i}",
             "--local-directory", str(tmp / f"w{i}")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    try:
        with Client(scheduler_file=str(sfile), timeout="60s") as client:
            client.wait_for_workers(2, timeout=90)
        yield sfile
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _files(tmp_path, offsets: dict | None = None) -> tuple[Path, list[Path]]:
    source = tmp_path / "source.warc.gz"
    write_warc(source, [response(SOURCE_URL, STATE_PAGE.read_bytes())])
    fire, at = firehose(tmp_path)
    if offsets is not None:
        offsets.update(at)
    # A second file that shares a URL with the first: the merge must keep one article.
    seed = (Path(__file__).parent / "extraction/dainik_seed.html").read_bytes()
    other = tmp_path / "other.warc.gz"
    write_warc(other, [response(COPY_URL, seed), response("https://www.second-mirror.org/2023/05/japan/", seed)])
    return source, [fire, other]


def _state(db_path: Path) -> dict:
    db = open_db(db_path)
    try:
        return {
            "articles": sorted(tuple((k, v) for k, v in r.items() if k not in ("id", "first_seen", "updated"))
                               for r in db.query("select * from articles")),
            "pages": sorted((r["url"], gzip.decompress(r["html_gz"]), r["status"], r["fetched"])
                            for r in db.query("select * from pages")),
            "warc_hosts": sorted(tuple(r.values()) for r in db.query("select * from warc_hosts")),
            "warc_files": sorted(tuple((k, v) for k, v in r.items() if k != "first_imported")
                                 for r in db.query("select * from warc_files")),
        }
    finally:
        db.close()


def test_cluster_import_equals_single_machine_and_retries_do_not_duplicate(cluster, tmp_path):
    from distributed import Client

    offsets: dict[str, int] = {}
    source, files = _files(tmp_path, offsets)
    registry = Registry.load()
    single, multi = tmp_path / "single.db", tmp_path / "multi.db"
    for path in (single, multi):
        db = open_db(path)
        import_warc(db, [source], registry=registry)
        db.close()
    db = open_db(single)
    import_warc(db, files, registry=registry, copy_filter=CopyFilter.load(db, registry))
    db.close()

    marker = tmp_path / "failed-once"
    marker.mkdir()

    def flaky(path, start, end, registry, copy_filter):
        # Each range's first attempt dies after doing the work, as a worker lost mid-task would.
        flag = marker / f"{Path(path).name}-{start}"
        if not flag.exists():
            flag.write_text("x")
            process_range(path, start, end, registry, copy_filter)
            raise RuntimeError("worker lost")
        return process_range(path, start, end, registry, copy_filter)

    # The firehose file in three tasks, a range boundary inside its broken member.
    size = offsets["broken"] + 40
    ranges = file_ranges(files[0], size)
    assert len(ranges) == 3 and file_ranges(files[1], size) == [(0, None)]
    db = open_db(multi)
    with Client(scheduler_file=str(cluster), timeout="60s") as client:
        result = import_warc_dask(db, files, client, registry=registry, copy_filter=CopyFilter.load(db, registry),
                                  task=flaky, retries=2, range_bytes=size)
        assert len(list(marker.iterdir())) == len(ranges) + 1  # every task failed once
        assert result.records == sum(1 for _ in read_warc(files[0])) + 2
        assert result.counts.new == 3 and result.files == 2
        workers = {w["name"] for w in client.scheduler_info()["workers"].values()}
        assert workers == {"w0", "w1"}
        # A result delivered twice (a writer restarted after a crash) changes nothing either.
        again = import_warc_dask(db, files, client, registry=registry, copy_filter=CopyFilter.load(db, registry))
        assert again.counts.new == 0 and again.counts.updated == 0
    db.close()
    assert _state(multi) == _state(single)


def test_cli_scheduler_option(cluster, tmp_path):
    source, files = _files(tmp_path)
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    assert runner.invoke(cli, ["--db", db, "import-warc", str(source)]).exit_code == 0
    out = runner.invoke(cli, ["--db", db, "import-warc", "--filter", "copies", "--scheduler", str(cluster),
                              *map(str, files)])
    assert out.exit_code == 0, out.output
    assert "cluster: 2 worker(s)" in out.output and "3 new" in out.output
    assert "broken_gzip" in out.output  # damage found on a worker is still reported with its offset
