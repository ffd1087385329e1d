import urllib.error
import urllib.request


def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_serves_files_with_site_placeholders(sites):
    status, headers, body = fetch(sites.url("example", "/"))
    assert status == 200
    assert sites.bases["example"].encode() + b"/robots.txt" in body
    assert b"{{site:" not in body


def test_conditional_requests_get_304(sites):
    status, headers, _ = fetch(sites.url("example", "/robots.txt"))
    status2, _, body2 = fetch(sites.url("example", "/robots.txt"), {"If-None-Match": headers["ETag"]})
    status3, _, _ = fetch(sites.url("example", "/robots.txt"), {"If-Modified-Since": headers["Last-Modified"]})
    assert (status, status2, status3) == (200, 304, 304)
    assert body2 == b""
    log = sites.log("example")
    assert [e["status"] for e in log] == [200, 304, 304]
    assert [e["conditional"] for e in log] == [False, True, True]


def test_special_paths(sites):
    assert fetch(sites.url("example", "/_status/503"))[0] == 503
    assert fetch(sites.url("example", "/nothing-here"))[0] == 404
    status, headers, _ = fetch(sites.url("example", "/_huge/1"))
    assert status == 200 and int(headers["Content-Length"]) > 1_000_000


def test_a_slow_request_is_listed_as_waiting_until_answered(sites):
    import threading
    import time

    done = threading.Event()
    thread = threading.Thread(target=lambda: (fetch(sites.url("example", "/_slow/1.5")), done.set()))
    assert sites.waiting("example") == []
    thread.start()
    deadline = time.monotonic() + 5
    while not sites.waiting("example") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sites.waiting("example") == ["/_slow/1.5"] and not done.is_set()
    thread.join(10)
    assert done.is_set() and sites.waiting("example") == []
    assert [e["path"] for e in sites.log("example")] == ["/_slow/1.5"]
