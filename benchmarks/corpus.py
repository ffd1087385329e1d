"""A labelled republication corpus, generated from the real texts in ``../shared/data``.

Nobody publishes a labelled corpus of news republication (METER, COUNTER, PAN and
NEWS-COPY are not available here), so we build one from real article texts and
label it by construction: every origin is a real article that no other article in
the corpus reuses, and every copy is made from its origin by the transformations
that republishers apply in the wild (see ``TRANSFORMS``), in every combination.
The hard negatives are real too: real articles about the same event (the Helsinki
summit news day), real quotations spliced into different real articles, and the
outlet's own articles that share only its boilerplate.

The pool of base texts is filtered first so that no two of them already share
text (the raw data is full of natural wire copies, and an unlabelled real copy
would count as a false merge against the system).

Usage::

    python benchmarks/corpus.py --size 2000 --seed 0 --out corpus.jsonl

Each JSONL line is an article record that ``syndtrack import`` accepts, plus a
``label`` object: ``story`` (articles with the same story are one cluster),
``role`` (origin/copy/excerpt/edited/single/roundup), ``credited``, ``same_outlet``,
``kind`` and ``transforms``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import itertools
import json
import math
import os
import random
import re
import sys
import tarfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("SYNDTRACK_DATA", REPO.parent / "shared" / "data"))
if not DATA_DIR.exists():  # the checkout may live elsewhere than next to shared/
    DATA_DIR = Path("/work/shared/data")

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w+", re.UNICODE)


# --------------------------------------------------------------------------- sources


@dataclass
class Source:
    key: str  # where the text came from, e.g. "autoblog:_posts/2016-...md"
    title: str
    paragraphs: list[str]
    language: str
    kind: str  # autoblog / helsinki / fundus / aeb / culturax / split
    topic: str | None = None  # shared by real articles about the same event
    domain: str | None = None  # where the original was published

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def is_cjk(text: str) -> bool:
    sample = text[:400]
    return len(CJK.findall(sample)) > len(sample) * 0.3


def size_of(text: str) -> int:
    """Words, or characters / 2 for CJK text (a rough word equivalent)."""
    return len(CJK.findall(text)) // 2 + len(WORD.findall(CJK.sub(" ", text)))


def _html_paragraphs(html: str) -> list[str]:
    import lxml.html

    tree = lxml.html.fromstring(f"<div>{html}</div>")
    for bad in tree.xpath("//script|//style|//figure|//iframe"):
        bad.drop_tree()
    paras = [" ".join(p.text_content().split()) for p in tree.xpath("//p")]
    return [p for p in paras if p]


def autoblog_posts(data_dir: Path):
    """``(index row, paragraphs)`` of every post the whenitson.com autoblog saved, its wrapper removed."""
    index = {}
    with open(data_dir / "autoblog-whenitson-2016" / "index.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            index[row["file"]] = row
    with tarfile.open(data_dir / "autoblog-whenitson-2016" / "posts.tar.gz") as tar:
        for member in tar:
            if not member.isfile() or member.name not in index:
                continue
            raw = tar.extractfile(member).read().decode("utf-8", "replace")
            body = raw.split("---", 2)[-1]
            if "[ad_1]" in body:
                body = body.split("[ad_1]", 1)[1]
            body = body.split("[ad_2]", 1)[0]
            yield index[member.name], _html_paragraphs(body)


def autoblog_title(row: dict) -> str:
    return _unescape(row["original_title"] or row["post_title"])


def load_autoblog(data_dir: Path) -> list[Source]:
    """The articles the whenitson.com autoblog copied, without its wrapper."""
    return [
        Source(f"autoblog:{row['file']}", autoblog_title(row), paras, "en", "autoblog",
               domain=row["source_domain"].replace("feeds.", "www."))
        for row, paras in autoblog_posts(data_dir)
    ]


def _unescape(s: str) -> str:
    import html

    return html.unescape(s).strip()


def load_provenance(data_dir: Path) -> list[Source]:
    """Real US news articles of single news days (helsinki/census/spotify)."""
    out = []
    for name in ("helsinki", "census", "spotify"):
        path = data_dir / "provenance-news-day-samples" / f"{name}_articles.csv"
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                paras = [" ".join(p.split()) for p in row["text"].split(" ### ")]
                paras = [p for p in paras if p]
                if not paras:
                    continue
                out.append(Source(f"{name}:{row['id']}", paras[0][:200], paras[1:], "en", "provenance",
                                  topic=f"{name}-news-day", domain=row["publisher"].split("/")[0]))
    # Site chrome ("Enter City and State or Zip Code", share prompts) recurs
    # across a publisher's pages; it is not article text, so drop paragraphs
    # seen in 3+ articles before the pool is deduplicated.
    seen = Counter(p for s in out for p in set(s.paragraphs))
    for s in out:
        s.paragraphs = [p for p in s.paragraphs if seen[p] < 3 and len(p) > 25]
    return out


COUNTRY_LANGUAGE = {
    "us": "en", "uk": "en", "ca": "en", "au": "en", "za": "en", "ind": "en", "my": "en", "tw": "en",
    "de": "de", "at": "de", "ch": "de", "li": "de", "lu": "de", "fr": "fr", "be": "fr", "es": "es",
    "mx": "es", "py": "es", "it": "it", "pt": "pt", "no": "no", "se": "sv", "dk": "da", "pl": "pl",
    "cz": "cs", "tr": "tr", "ru": "ru", "ua": "uk", "jp": "ja", "kr": "ko", "vn": "vi", "id": "id",
}


def load_fundus(data_dir: Path) -> list[Source]:
    base = data_dir / "fundus-publisher-pages"
    out, cache = [], {}
    with open(base / "index.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            path = base / rec["country"] / f"{rec['publisher']}.json"
            if path not in cache:
                cache[path] = json.loads(path.read_text(encoding="utf-8"))
            item = cache[path].get(rec["version"]) or {}
            body = item.get("body") or {}
            paras = list(body.get("summary") or [])
            for sec in body.get("sections") or []:
                paras.extend(sec.get("paragraphs") or [])
            paras = [" ".join(p.split()) for p in paras if p and p.strip()]
            text = " ".join(paras)
            lang = "zh" if is_cjk(text) else COUNTRY_LANGUAGE.get(rec["country"])
            out.append(Source(f"fundus:{rec['html_file']}:{rec['version']}", rec.get("title") or paras[0][:120],
                              paras, lang, "fundus", domain=rec["url"].split("/")[2]))
    return out


def load_aeb(data_dir: Path) -> list[Source]:
    gt = json.loads((data_dir / "article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for key, item in gt.items():
        paras = [" ".join(p.split()) for p in (item.get("articleBody") or "").split("\n")]
        paras = [p for p in paras if p]
        if paras:
            lang = "zh" if is_cjk(" ".join(paras)) else "en"
            out.append(Source(f"aeb:{key[:16]}", paras[0][:120], paras, lang, "aeb", domain=item["url"].split("/")[2]))
    return out


def _cjk_paragraphs(text: str, target: int = 160) -> list[str]:
    """CulturaX flattened the paragraphs; cut at sentence ends near ``target`` chars."""
    sentences = [s for s in re.split(r"(?<=[。！？])", text) if s.strip()]
    paras, cur = [], ""
    for s in sentences:
        cur += s.strip()
        if len(cur) >= target:
            paras.append(cur)
            cur = ""
    if cur:
        paras.append(cur)
    return paras


def load_culturax(data_dir: Path) -> list[Source]:
    items = json.loads((data_dir / "state-media-culturax-sample" / "examples_raw.json").read_text(encoding="utf-8"))
    out = []
    for i, item in enumerate(items):
        text = item["culturax_text"].replace("\u25a1", "").strip()
        paras = _cjk_paragraphs(text)
        out.append(Source(f"culturax:{i}", paras[0][:40], paras, "zh", "culturax", topic=f"culturax-{item['keyword']}"))
    return out


def load_sources(data_dir: Path = DATA_DIR) -> list[Source]:
    return load_culturax(data_dir) + load_fundus(data_dir) + load_aeb(data_dir) + load_provenance(data_dir) + load_autoblog(data_dir)


def shingles(text: str) -> set[int]:
    """Word 5-grams (character 8-grams for CJK), hashed: enough to see shared text."""
    text = text.lower()
    if is_cjk(text):
        chars = "".join(CJK.findall(text))
        grams = (chars[i : i + 8] for i in range(max(1, len(chars) - 7)))
    else:
        words = WORD.findall(text)
        grams = (" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4)))
    # Not hash(): it is salted per process, and set order (so tie-breaks) would
    # then differ between runs; crc32 is deterministic and fast enough.
    return {zlib.crc32(g.encode()) for g in grams}


def distinct_sources(sources: list[Source], *, max_shared: float = 0.05, min_size: int = 100) -> list[Source]:
    """Keep texts of at least ``min_size`` words that share at most ``max_shared``
    of their shingles with any text kept before them.

    Real wire copies, updates of one story and pages scraped twice would
    otherwise enter the corpus as "different stories".
    """
    kept: list[Source] = []
    owner: dict[int, int] = {}
    for src in sources:
        # Pages repeat paragraphs (print versions, pull quotes); keep the first.
        src.paragraphs = list(dict.fromkeys(src.paragraphs))
        if size_of(src.text) < min_size:
            continue
        sh = shingles(src.text)
        hits = Counter(owner[h] for h in sh if h in owner)
        if hits:
            other, n = hits.most_common(1)[0]
            if n / min(len(sh), kept[other]._n) > max_shared:
                continue
        src._n = len(sh)  # type: ignore[attr-defined]
        for h in sh:
            owner.setdefault(h, len(kept))
        kept.append(src)
    return kept


@lru_cache(maxsize=2)
def pool(data_dir: str = str(DATA_DIR)) -> tuple[Source, ...]:
    return tuple(split_long(distinct_sources(load_sources(Path(data_dir)))))




def split_long(sources: list[Source], *, min_part: int = 350) -> list[Source]:
    """Cut long articles into independent parts: different text on one event.

    The parts share no text, only their topic, so they make same-topic hard
    negatives, and they stretch the pool far enough for the 20k corpus.
    """
    out = []
    for src in sources:
        n = size_of(src.text)
        parts = min(3, n // min_part) if src.language != "zh" else 1
        if parts < 2 or len(src.paragraphs) < 2 * parts:
            out.append(src)
            continue
        per = math.ceil(len(src.paragraphs) / parts)
        chunks = [c for c in (src.paragraphs[i * per : (i + 1) * per] for i in range(parts)) if c]
        sh = [shingles("\n".join(c)) for c in chunks]
        if any(len(x & y) > 0.02 * min(len(x), len(y)) for x, y in itertools.combinations(sh, 2)):
            out.append(src)  # the page says the same thing twice: its parts would not be different stories
            continue
        for i, chunk in enumerate(chunks):
            if chunk:
                out.append(Source(f"{src.key}#part{i + 1}", f"{src.title} ({i + 1})" if i else src.title, chunk,
                                  src.language, src.kind, topic=f"split:{src.key}", domain=src.domain))
    return out


# --------------------------------------------------------------------------- outlets

# (slug, name, owner, home, language, country, utc offset in hours)
STATE_MEDIA = [
    ("cgtn", "CGTN", "China Media Group", "https://news.cgtn.com", "en", "CN", 8),
    ("cri-english", "CRI English", "China Media Group", "https://english.cri.cn", "en", "CN", 8),
    ("xinhua", "Xinhua", "Xinhua News Agency", "https://english.news.cn", "en", "CN", 8),
    ("peoples-daily", "People's Daily Online", "People's Daily", "https://en.people.cn", "en", "CN", 8),
    ("global-times", "Global Times", "People's Daily", "https://www.globaltimes.cn", "en", "CN", 8),
    ("china-daily", "China Daily", "China Daily", "https://www.chinadaily.com.cn", "en", "CN", 8),
    ("rt", "RT", "TV-Novosti", "https://www.rt.com", "en", "RU", 3),
    ("sputnik", "Sputnik", "Rossiya Segodnya", "https://sputnikglobe.com", "en", "RU", 3),
]
STATE_MEDIA_ZH = [
    ("xinhuanet-zh", "新华网", "Xinhua News Agency", "http://www.xinhuanet.com", "zh", "CN", 8),
    ("people-cn", "人民网", "People's Daily", "http://www.people.com.cn", "zh", "CN", 8),
    ("cctv-zh", "央视网", "China Media Group", "https://news.cctv.com", "zh", "CN", 8),
]
# How copies credit each owner, as seen in the wild.
CREDIT_TEMPLATES = {
    "en": ["({owner_courtesy})", "Source: {name}", "(With inputs from {name})", "Courtesy: {name}", "This article first appeared on {name}."],
    "zh": ["来源：{name}", "（来源：{name}）", "本文转载自{name}"],
}
KNOWN_NAMES = {
    "reuters": "Reuters", "upi": "UPI", "cnn": "CNN", "nytimes": "The New York Times", "wired": "Wired",
    "washingtonpost": "The Washington Post", "apnews": "AP", "foxnews": "Fox News", "bbc": "BBC",
    "nbcnews": "NBC News", "abcnews": "ABC News", "usatoday": "USA Today", "latimes": "Los Angeles Times",
    "bloomberg": "Bloomberg", "theguardian": "The Guardian", "dailymail": "Daily Mail", "yahoo": "Yahoo News",
    "cbsnews": "CBS News", "politico": "Politico", "aljazeera": "Al Jazeera", "npr": "NPR", "time": "Time",
    "businessinsider": "Business Insider", "cnbc": "CNBC", "theatlantic": "The Atlantic", "vox": "Vox",
}
# Other names an owner goes by in the copies' own text (datelines, bylines).
ALIASES = {
    "Xinhua News Agency": ["Xinhua", "新华社", "新华网"], "People's Daily": ["人民日报", "人民网"],
    "China Media Group": ["CCTV", "CGTN", "CRI", "China Media Group", "央视", "中央广播电视总台"],
}
SECTIONS = ["Home", "India", "World", "Business", "Sports", "Entertainment", "Lifestyle", "Tech", "Opinion",
            "Videos", "Health", "Education", "Politics", "Markets", "Auto", "Travel", "Astrology", "Cricket"]
BOILERPLATE = [
    "Share this article: Facebook Twitter WhatsApp Telegram Email",
    "Subscribe to the {name} newsletter to get the day's top stories delivered to your inbox every morning.",
    "Follow {name} on Google News, Facebook and X for the latest updates from around the world.",
    "Disclaimer: This story has not been edited by {name} staff and is auto-generated from a syndicated feed. "
    "The views and opinions expressed in this article are those of the original author and do not reflect the "
    "policy or position of {name}.",
    "Download the {name} app for Android and iOS to read breaking news, live updates and exclusive stories on the go.",
    "Click here to join our WhatsApp channel and never miss an update from {name}.",
    "Copyright {year} {name}. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
    "We value your feedback. Write to the editors of {name} with corrections, tips and comments.",
]
BOILERPLATE_ZH = ["分享到：微信 微博 QQ空间", "欢迎关注{name}微信公众号，获取更多资讯。", "【版权声明】本网站所刊载信息，不代表{name}观点。转载请注明出处。",
                  "责任编辑：{editor}", "下载{name}客户端，随时随地看新闻。"]
REPUB_NAMES = ["Dainik", "Savera", "Morning", "Daily", "Global", "Metro", "Capital", "Frontier", "Coastal", "Valley",
               "Northern", "Eastern", "Western", "Southern", "Central", "National", "People's", "City", "Prime", "Star"]
REPUB_SUFFIX = ["Times", "Herald", "Post", "Express", "Mirror", "Tribune", "Chronicle", "News", "Observer", "Gazette",
                "Journal", "Bulletin", "Today", "Update", "Insider", "Wire"]

# Light edits: the substitutions copy editors and spinners make.
SYNONYMS_EN = {
    "said": "stated", "says": "states", "told": "informed", "big": "large", "help": "assist", "start": "begin",
    "buy": "purchase", "show": "demonstrate", "people": "individuals", "also": "additionally", "about": "around",
    "many": "numerous", "need": "require", "get": "obtain", "use": "utilise", "important": "significant",
    "however": "but", "month": "months", "week": "weeks", "before": "prior to", "after": "following",
    "because": "since", "plan": "proposal", "country": "nation", "government": "administration",
    "company": "firm", "increase": "rise", "expected": "anticipated", "announced": "revealed",
}
SYNONYMS_ZH = {"表示": "指出", "认为": "觉得", "今天": "今日", "已经": "已", "进行": "开展", "重要": "关键", "发展": "推进",
               "国家": "国", "工作": "事业", "同时": "此外", "目前": "当前", "我们": "咱们", "希望": "期望"}

CONTENT = ["excerpt", "intro_outro", "light_edit"]
# Every combination of the content transforms (incl. none = verbatim) with the
# wrappers, which must not change what is compared.
COMBOS = [
    tuple(t for t, on in zip(CONTENT, bits) if on) + tuple(w for w, on in zip(("autoblog", "credit", "boilerplate"), wraps) if on)
    for bits in itertools.product((0, 1), repeat=3)
    for wraps in itertools.product((0, 1), repeat=3)
]
TRANSFORMS = ("verbatim",) + tuple(CONTENT) + ("autoblog", "credit", "boilerplate")


def expected_relation(transforms) -> str:
    """The relation a copy made by ``transforms`` should get.

    The relation says what happened to the origin's text: carried in part
    (excerpt, whatever else was done to it), carried whole but with its words
    changed (edited), or carried whole and unchanged (copy). Text added around
    it (a new intro and outro, an autoblog wrapper, a credit line, outlet
    boilerplate) does not change the origin's text, so it leaves a copy a copy.
    """
    if "excerpt" in transforms:
        return "excerpt"
    if "light_edit" in transforms:
        return "edited"
    return "copy"


# --------------------------------------------------------------------------- generation


@dataclass
class Corpus:
    articles: list[dict]
    outlets: list[dict]
    stats: dict = field(default_factory=dict)

    def labels(self) -> dict[str, dict]:
        return {a["url"]: a["label"] for a in self.articles}


def _sentences(text: str) -> list[str]:
    if is_cjk(text):
        return [s for s in re.split(r"(?<=[。！？])", text) if s.strip()]
    return [s for s in SENTENCE_END.split(text) if s.strip()]


SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])")


# Curly quotes say which end is which; straight ones only pair up in order, so they
# are matched as consecutive pairs and filtered by length afterwards.
QUOTES = (re.compile(r"“([^“”]*)”"), re.compile(r'"([^"]*)"'))
SPEAKER = re.compile(r"(?:said|says|told|wrote|added)\s+((?:[A-Z][\w.'-]+\s?){1,3})|((?:[A-Z][\w.'-]+\s){1,3})(?:said|says|told|wrote|added)")
ATTRIBUTIONS = ["“{q},” {s} said.", "{s} said: “{q}”", "Speaking to reporters, {s} added: “{q}”",
                "“{q},” {s} told reporters.", "In a statement, {s} said: “{q}”", "As {s} put it, “{q}”"]


def _quotes(src: Source) -> list[tuple[str, str]]:
    """(quotation, speaker) pairs of a real article, for shared-quotation distractors."""
    out = []
    for p in src.paragraphs:
        for m in (m for rx in QUOTES for m in rx.finditer(p)):
            q = m.group(1).strip().rstrip(",.")
            if len(q.split()) < 7 or not 40 <= len(q) <= 300 or not q[:1].isupper():
                continue
            sp = SPEAKER.search(p)
            speaker = (sp.group(1) or sp.group(2)).strip() if sp else "a spokesman"
            out.append((q, speaker))
    return out


def _mentions(text: str, outlet: dict) -> str | None:
    """How the carried text itself names the origin's outlet or owner, if it does.

    "dateline" (a dateline "(UPI) --" or "新华社北京1月9日电", a byline "By X, CNN"):
    a verbatim copy then credits its origin without adding anything. "incidental"
    ("officials told Reuters"): whether that is credit is a matter of opinion,
    so such copies are left out of the credited score.
    """
    names = {outlet["name"], *ALIASES.get(outlet.get("owner") or "", [])}
    if outlet.get("owner"):
        names.add(outlet["owner"])
    found = None
    for n in filter(None, names):
        e = re.escape(n)
        # (UPI) / By X, CNN / 新华社北京1月9日电 / 新华社记者 / （文/图新华社）
        if re.search(rf"\({e}\)|^By [^\n]{{0,80}}\b{e}\b|{e}[^。\n]{{0,12}}电|{e}记者|[（(][文图/]*{e}[）)]",
                     text, re.M):
            return "dateline"
        if re.search(rf"(?<!\w){e}(?!\w)", text, re.I):
            found = "incidental"
    # "a reporter for BuzzFeed News ... emily@buzzfeed.com": the origin's site named in passing.
    for host in json.loads(outlet.get("domains") or "[]"):
        if re.search(re.escape(re.sub(r"^www\.", "", host)), text, re.I):
            found = found or "incidental"
    return found


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:8]
    return "-".join(words) or "story"


class _Generator:
    def __init__(self, size: int, seed: int, sources: tuple[Source, ...]):
        self.size = size
        self.rng = random.Random(seed)
        self.seed = seed
        self.sources = list(sources)
        self.articles: list[dict] = []
        self.outlets: dict[str, dict] = {}
        self.stats: Counter = Counter()
        self.url_n = 0
        self.base = datetime(2024, 3, 1, tzinfo=timezone.utc)

    def when(self) -> datetime:
        return (self.base + timedelta(days=self.rng.uniform(0, 90))).replace(microsecond=0)

    # ---- outlets
    def add_outlet(self, slug, name, *, url, state_media=0, owner=None, language="en", country=None, tz=0, **extra):
        if slug not in self.outlets:
            self.outlets[slug] = {"slug": slug, "name": name, "url": url, "state_media": state_media, "owner": owner,
                                  "language": language, "country": country,
                                  "domains": json.dumps([url.split("/")[2]]), "_tz": tz, **extra}
        return self.outlets[slug]

    def make_republishers(self, n: int, language: str) -> list[dict]:
        out = []
        rng = self.rng
        for i in range(n):
            if language == "zh":
                name = f"{rng.choice(['华夏', '东方', '南方', '北方', '都市', '环球', '中原', '海峡'])}{rng.choice(['资讯网', '新闻网', '在线', '头条', '日报网'])}{i}"
                lines = [t.format(name=name, editor=rng.choice(["王明", "李华", "张伟"])) for t in rng.sample(BOILERPLATE_ZH, 3)]
                top = []
            else:
                name = f"{rng.choice(REPUB_NAMES)} {rng.choice(REPUB_SUFFIX)} {i}" if i >= 20 else f"{REPUB_NAMES[i]} {rng.choice(REPUB_SUFFIX)}"
                lines = [t.format(name=name, year=2024) for t in rng.sample(BOILERPLATE, rng.randint(2, 4))]
                top = [" | ".join(rng.sample(SECTIONS, rng.randint(5, 9)))]
            slug = f"repub-{language}-{i:03d}"
            o = self.add_outlet(slug, name, url=f"https://www.{slug}.example.com", language=language,
                                country=rng.choice(["IN", "PK", "NG", "KE", "PH", "US"]) if language == "en" else "CN",
                                tz=rng.choice([5.5, 5, 1, 3, 8, -5]))
            o["_boiler_top"], o["_boiler_bottom"] = top, lines
            o["_autoblog"] = i % 3 == 0  # a third of republishers are autoblogs
            out.append(o)
        return out

    def origin_outlet(self, src: Source, state: bool) -> dict:
        if src.language == "zh":
            return self.add_outlet_row(self._outlet_args(self.rng.choice(STATE_MEDIA_ZH)))
        if state:
            return self.add_outlet_row(self._outlet_args(self.rng.choice(STATE_MEDIA)))
        domain = (src.domain or "www.example.org").lower()
        slug = re.sub(r"^www\.", "", domain)
        labels = slug.split(".")
        # "o.canada.com" is not "O": the longest label before the TLD names the outlet.
        fallback = max(labels[:-1] or labels, key=len).capitalize()
        if len(fallback) < 3 or fallback == "Com":  # "Al", "Dw": the host says it better
            fallback = slug
        name = next((KNOWN_NAMES[x] for x in labels if x in KNOWN_NAMES), fallback)
        return self.add_outlet(slug, name, url=f"https://{domain}", language=src.language or "en", tz=-4)

    @staticmethod
    def _outlet_args(row):
        slug, name, owner, url, lang, country, tz = row
        return (slug, name), dict(url=url, state_media=1, owner=owner, language=lang, country=country, tz=tz)

    def add_outlet_row(self, args):
        (slug, name), kw = args
        return self.add_outlet(slug, name, **kw)

    # ---- articles
    def url_for(self, outlet: dict, title: str, when: datetime | None) -> str:
        self.url_n += 1
        day = (when or self.base).strftime("%Y/%m/%d")
        return f"{outlet['url']}/{day}/{_slug(title)}-{self.url_n}.html"

    def stamp(self, outlet: dict, when: datetime | None, *, date_only: bool = False) -> str | None:
        if when is None:
            return None
        local = when.astimezone(timezone(timedelta(hours=outlet["_tz"])))
        return local.date().isoformat() if date_only else local.isoformat()

    def emit(self, outlet, title, text, when, label, *, date_only=False, **extra):
        rec = {"url": self.url_for(outlet, title, when), "outlet": outlet["slug"], "title": title, "text": text,
               "published": self.stamp(outlet, when, date_only=date_only), "language": outlet["language"],
               **{k: v for k, v in extra.items() if v}, "label": label}
        self.articles.append(rec)
        return rec

    # ---- transformations
    def filler(self, lang: str, n_sentences: int) -> str:
        lang = "zh" if lang == "zh" else "en"
        pool = self.filler_zh if lang == "zh" else self.filler_en
        if not pool:
            return ""
        out = []
        for _ in range(n_sentences):
            if self.filler_pos[lang] < len(pool):
                out.append(pool[self.filler_pos[lang]])
                self.filler_pos[lang] += 1
            else:
                # Pool used up: reuse single sentences at random, never a run of them,
                # so two copies of different stories share at most a stray sentence.
                out.append(self.rng.choice(pool))
                self.stats[f"filler_reused_{lang}"] += 1
        return ("" if lang == "zh" else " ").join(out)

    def excerpt(self, paras: list[str], *, top: bool = False) -> list[str]:
        """A contiguous third of the article, usually its top; by sentences when it has few paragraphs."""
        total = size_of("\n".join(paras))
        if len(paras) >= 4:
            units = list(enumerate(paras))
        else:
            units = [(i, s) for i, p in enumerate(paras) for s in _sentences(p)]
        start = 0 if top or self.rng.random() < 0.7 else self.rng.randrange(max(1, len(units) // 2))
        out: dict[int, list[str]] = {}
        n = 0
        for i, u in units[start:]:
            out.setdefault(i, []).append(u)
            n += size_of(u)
            if n >= total / 3:
                break
        return [("" if is_cjk(parts[0]) else " ").join(parts) for parts in out.values()]

    def light_edit(self, paras: list[str], lang: str) -> list[str]:
        rng = self.rng
        syn = SYNONYMS_ZH if lang == "zh" else SYNONYMS_EN
        out = []
        sentences_total = sum(len(_sentences(p)) for p in paras)
        drops = max(1, sentences_total // 10) if sentences_total >= 6 else 0
        drop_at = set(rng.sample(range(sentences_total), drops)) if drops else set()
        k = 0
        for p in paras:
            kept = []
            for s in _sentences(p):
                if k not in drop_at:
                    kept.append(s)
                k += 1
            p = ("" if lang == "zh" else " ").join(kept)
            if lang == "zh":
                for a, b in syn.items():
                    if a in p and rng.random() < 0.5:
                        p = p.replace(a, b, 1)
            else:
                p = re.sub(r"\b(\w+)\b", lambda m: syn.get(m.group(1), m.group(1)) if m.group(1) in syn and rng.random() < 0.6 else m.group(1), p)
            if p:
                out.append(p)
        return out or paras[:1]

    def credit_line(self, origin_outlet: dict, lang: str) -> str:
        tpl = self.rng.choice(CREDIT_TEMPLATES["zh" if lang == "zh" else "en"])
        owner = origin_outlet.get("owner")
        name = origin_outlet["name"]
        if lang != "zh" and owner and self.rng.random() < 0.5:
            name = owner  # "Courtesy-China Media Group": the owner, not the channel
        courtesy = f"Courtesy-{name}, Beijing" if origin_outlet.get("country") == "CN" else f"Courtesy: {name}"
        return tpl.format(name=name, owner_courtesy=courtesy)

    def make_copy(self, origin: dict, src: Source, o_outlet: dict, o_when, story: str, transforms: tuple, outlet: dict,
                  *, rerun: bool = False):
        rng, lang = self.rng, src.language
        paras = list(src.paragraphs)
        if "excerpt" in transforms:
            paras = self.excerpt(paras)
        if "light_edit" in transforms:
            paras = self.light_edit(paras, lang)
        carried = "\n\n".join(paras)
        if "intro_outro" in transforms:
            intro, outro = self.filler(lang, rng.randint(1, 2)), self.filler(lang, rng.randint(1, 2))
            paras = [p for p in (intro,) if p] + paras + [p for p in (outro,) if p]
        credit = None
        if "credit" in transforms:
            credit = self.credit_line(o_outlet, lang)
            if rng.random() < 0.8:
                paras = paras + [credit]
            else:
                paras = [credit] + paras
        title = origin["title"]
        if "boilerplate" in transforms:
            paras = outlet["_boiler_top"] + paras + outlet["_boiler_bottom"]
        source_url = None
        if "autoblog" in transforms:
            paras = [title, "[ad_1]"] + paras + ["[ad_2]", "Source link"]
            title = f"{title} – {outlet['name']}"
            source_url = origin["url"]
        # Lags: most copies follow within hours, a tail takes days; a few carry
        # the origin's own timestamp (feeds), a few have no date or only a day.
        if o_when is None:
            when = self.when()
        elif rng.random() < 0.04 and o_outlet["state_media"] and not rerun:
            when = o_when
            self.stats["lag_zero"] += 1
        else:
            lag = min(21 * 86400, max(60, math.exp(rng.gauss(math.log(4 * 3600), 1.6))))
            when = o_when + timedelta(seconds=int(lag * (10 if rerun else 1)))
        date_only = False
        # An undated re-run by the origin's own outlet would make the origin undecidable.
        if rng.random() < 0.05 and not rerun:
            when = None
            self.stats["copy_no_date"] += 1
        elif o_when is not None and rng.random() < 0.04 and when.date() > o_when.date() + timedelta(days=1):
            date_only = True
            self.stats["copy_date_only"] += 1
        mention = _mentions(carried, o_outlet)
        credit_by = ("credit_line" if "credit" in transforms else "source_link" if "autoblog" in transforms
                     else f"{mention}_in_text" if mention else None)
        if rerun:  # an outlet re-running its own piece: credit does not apply
            credit_by = None
        credited = None if credit_by == "incidental_in_text" else int(credit_by is not None)
        label = {"story": story, "role": expected_relation(transforms), "credited": credited,
                 "credit_by": credit_by,
                 "same_outlet": int(rerun), "kind": "rerun" if rerun else "copy",
                 "transforms": list(transforms) or ["verbatim"]}
        self.emit(outlet, title, "\n\n".join(paras), when, label, date_only=date_only, credit=credit,
                  source_url=source_url)

    def run(self) -> Corpus:
        rng, size = self.rng, self.size
        srcs = list(self.sources)
        rng.shuffle(srcs)
        zh = [s for s in srcs if s.language == "zh"]
        other = [s for s in srcs if s.language != "zh"]
        # Reserve texts that only feed filler (intros/outros) and quotations.
        # Quotations: real quotes of real speakers (news-day articles first: they
        # quote the same people), taken out of their sources, 2-3 per group.
        n_single, n_quote, n_bp = round(size * 0.05), round(size * 0.04), round(size * 0.03)
        quote_groups, taken = [], set()
        for src in sorted((s for s in other if s.language == "en"), key=lambda s: s.kind != "provenance"):
            if len(quote_groups) * 2.5 >= n_quote:
                break
            found = _quotes(src)
            if len(found) >= 2:
                taken.add(src.key)
                for j in range(0, len(found) - 1, 3):
                    quote_groups.append(found[j : j + 3])
        other = [s for s in other if s.key not in taken]
        n_filler_en = max(20, len(other) // 6)
        filler_en_src = [s for s in other if s.language == "en"][:n_filler_en]
        taken = {s.key for s in filler_en_src}
        other = [s for s in other if s.key not in taken]
        filler_zh_src, zh = zh[:12], zh[12:]
        self.filler_en = [s for src in filler_en_src for s in _sentences(src.text) if 6 <= size_of(s) <= 45]
        self.filler_zh = [s for src in filler_zh_src for s in _sentences(src.text) if 10 <= len(s) <= 80]
        rng.shuffle(self.filler_en)
        self.filler_pos = {"en": 0, "zh": 0}

        n_rep = max(12, size // 120)
        rep_en = self.make_republishers(n_rep, "en")
        rep_zh = self.make_republishers(max(3, n_rep // 10), "zh")

        # Distractor budget: singles (same-topic when they come from one news
        # day or one split article), quotation groups, boilerplate-only singles.
        singles = [s for s in other if s.topic][: n_single] + [s for s in other if not s.topic][: max(0, n_single - len([s for s in other if s.topic][: n_single]))]
        used = {s.key for s in singles}
        other = [s for s in other if s.key not in used]
        other.sort(key=lambda s: size_of(s.text))
        bp_src = [s for s in other if size_of(s.text) >= 100][:n_bp]  # short texts: boilerplate weighs most
        used = {s.key for s in bp_src}
        other = [s for s in other if s.key not in used]
        rng.shuffle(other)
        quote_bases = [s for s in other if s.language == "en" and size_of(s.text) >= 250][:n_quote]
        taken = {s.key for s in quote_bases}
        other = [s for s in other if s.key not in taken]
        rng.shuffle(other)
        # Chinese texts are few (Xinhua copy is what the tool is for): all of them
        # become stories, even in the small corpus.
        bases = zh + other

        story_n = 0

        def new_story():
            nonlocal story_n
            story_n += 1
            return f"s{story_n:05d}"

        # Singles: real articles nobody reuses (origin outlets, no copies).
        for src in singles:
            self.emit_origin(src, new_story(), state=rng.random() < 0.3, kind="topic-single" if src.topic else "single")
        # Boilerplate-only: a republisher's own short articles with its chrome.
        for i, src in enumerate(bp_src):
            outlet = rep_en[i % min(6, len(rep_en))] if src.language != "zh" else rep_zh[0]
            when = self.when()
            paras = outlet["_boiler_top"] + list(src.paragraphs) + outlet["_boiler_bottom"]
            self.emit(outlet, src.title, "\n\n".join(paras), when,
                      {"story": new_story(), "role": "single", "credited": 0, "same_outlet": 0,
                       "kind": "boilerplate-single", "transforms": [], "source": src.key})
        # Shared quotations: the same real quotes spliced into different real texts.
        # Each article words the attribution its own way; only the quotes are shared.
        qi = 0
        for gi, group in enumerate(quote_groups, 1):
            k = min(rng.randint(2, 4), len(quote_bases) - qi)
            if k < 2:
                break
            for src in quote_bases[qi : qi + k]:
                paras = list(src.paragraphs)
                for quote, speaker in group:
                    paras.insert(rng.randint(1, max(1, len(paras))), rng.choice(ATTRIBUTIONS).format(q=quote, s=speaker))
                spliced = Source(src.key, src.title, paras, src.language, src.kind, topic=f"quotes:{gi}", domain=src.domain)
                if rng.random() < 0.3:
                    bases.insert(0, spliced)  # it gets copies of its own
                else:
                    self.emit_origin(spliced, new_story(), state=rng.random() < 0.3, kind="quote-distractor")
            qi += k

        # Stories: an origin and its copies, until the corpus is full (but for the roundups).
        n_roundup = max(2, round(size * 0.01))
        story_target = size - n_roundup
        remaining = story_target - len(self.articles)
        mean_copies = max(3.0, remaining / max(1, len(bases)) - 1)
        combo_cycle = itertools.cycle(rng.sample(COMBOS, len(COMBOS)))
        stories = []
        for src in bases:
            remaining = story_target - len(self.articles)
            if remaining <= 0:
                break
            k = 1 + round(rng.expovariate(1 / max(0.5, mean_copies - 1)))
            k = min(k, 40, remaining - 1)
            story = new_story()
            state = src.language == "zh" or rng.random() < 0.5
            origin, o_outlet, o_when = self.emit_origin(src, story, state=state, kind="origin" if k else "single",
                                                        allow_missing_date=True)
            reps = rep_zh if src.language == "zh" else rep_en
            stories.append((origin, src, o_outlet, o_when, story, reps))
            for _ in range(k):
                self.add_copy(next(combo_cycle), *stories[-1])
            if k == 0:
                origin["label"]["role"] = "single"
        # Out of base texts before the corpus is full: more copies of the stories.
        while stories and len(self.articles) < story_target:
            self.add_copy(next(combo_cycle), *rng.choice(stories))
            self.stats["top_up_copies"] += 1
        # Roundups ("News in brief"): the top third of two or three stories in one
        # article. Each matches several stories; joining it to one of them is fine,
        # merging those stories through it is the chaining error. Not in any story.
        dated = [st for st in stories if st[1].language == "en" and st[3] is not None]
        while len(dated) >= 3 and len(self.articles) < size:
            picks = rng.sample(dated, rng.randint(2, 3))
            paras = []
            for origin, src, *_ in picks:
                paras += [origin["title"]] + self.excerpt(list(src.paragraphs), top=True)
            when = max(st[3] for st in picks) + timedelta(seconds=int(rng.uniform(3600, 86400)))
            outlet = rng.choice(rep_en)
            self.emit(outlet, f"News in brief, {when:%d %B %Y}", "\n\n".join(paras), when,
                      {"story": None, "role": "roundup", "credited": None, "same_outlet": 0, "kind": "roundup",
                       "transforms": [], "contains": [st[4] for st in picks]})
            self.stats["roundups"] += 1
        self.stats.update(articles=len(self.articles), outlets=len(self.outlets), stories=story_n,
                          mean_copies=round(mean_copies, 2), pool=len(srcs))
        outlets = [{k: v for k, v in o.items() if not k.startswith("_")} for o in self.outlets.values()]
        return Corpus(self.articles, outlets, dict(self.stats))

    def add_copy(self, combo, origin, src, o_outlet, o_when, story, reps):
        rng = self.rng
        origin["label"]["role"] = "origin"
        rerun = o_when is not None and rng.random() < 0.02
        if rerun:
            combo = tuple(t for t in combo if t in ("light_edit", "boilerplate"))
            outlet = o_outlet
            if "boilerplate" in combo and not o_outlet.get("_boiler_bottom"):
                combo = tuple(t for t in combo if t != "boilerplate")
        else:
            want_auto = "autoblog" in combo
            choices = [o for o in reps if o["_autoblog"] == want_auto] or reps
            outlet = rng.choice(choices)
        self.make_copy(origin, src, o_outlet, o_when, story, combo, outlet, rerun=rerun)
        self.stats["copies"] += 1

    def emit_origin(self, src: Source, story: str, *, state: bool, kind: str, allow_missing_date: bool = False):
        outlet = self.origin_outlet(src, state)
        when = self.when()
        # A state-media origin without a date: the tie-break must still find it.
        if allow_missing_date and outlet["state_media"] and self.rng.random() < 0.04:
            when = None
            self.stats["origin_no_date"] += 1
        role = "origin" if kind == "origin" else "single"
        label = {"story": story, "role": role, "credited": 0, "same_outlet": 0, "kind": kind, "transforms": [],
                 "source": src.key, "topic": src.topic}
        rec = self.emit(outlet, src.title, src.text, when, label)
        return rec, outlet, when


def generate(size: int = 2000, seed: int = 0, data_dir: Path | str = DATA_DIR) -> Corpus:
    """Build a labelled corpus of ``size`` articles; the same seed gives the same corpus."""
    return _Generator(size, seed, pool(str(data_dir))).run()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write JSONL here (default: print stats only)")
    args = parser.parse_args(argv)
    corpus = generate(args.size, args.seed)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for a in corpus.articles:
                f.write(json.dumps(a, ensure_ascii=False) + "\n")
    kinds = Counter(a["label"]["kind"] for a in corpus.articles)
    roles = Counter(a["label"]["role"] for a in corpus.articles)
    print(json.dumps({"stats": corpus.stats, "kinds": kinds, "roles": roles}, indent=1))


if __name__ == "__main__":
    main()
