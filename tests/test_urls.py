import pytest

from syndtrack.store.urls import BadURL, canonical_url, url_host


@pytest.mark.parametrize(
    "url,expected",
    [
        ("HTTPS://WWW.Example.COM:443/a/b?utm_source=x&id=3&fbclid=zz#frag", "https://www.example.com/a/b?id=3"),
        ("http://example.com/news/?b=2&a=1&utm_medium=y", "http://example.com/news/?a=1&b=2"),
        ("https://news.cgtn.com/news/2023-05-01/abc/index.html#comments", "https://news.cgtn.com/news/2023-05-01/abc/index.html"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", ["", "ftp://example.com/x", "/relative/path", "not a url"])
def test_canonical_url_rejects(url):
    with pytest.raises(BadURL):
        canonical_url(url)


def test_url_host_drops_www():
    assert url_host("https://www.dainiksaveratimes.com/x") == "dainiksaveratimes.com"
