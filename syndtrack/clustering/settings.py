"""The thresholds of ``syndtrack cluster`` and ``PARAMS``, the version of what it computes."""

from __future__ import annotations

from dedupe import fingerprint as fp
from syndtrack.xlang_stage import VERSION as XLANG_VERSION

# A short line found on this many of an outlet's articles is that outlet's boilerplate.
BOILERPLATE_MIN = 4
# A long line (dedupe.normalize.LONG_LINE: at the top or bottom of the body) needs this many:
# a disclaimer or rights notice recurs on most of an outlet's articles, a re-run story's
# paragraph on a few.
BOILERPLATE_LONG_MIN = 10
# A candidate pair is aligned only when the fingerprints it shares are at least this
# share of the smaller article's: copies share most of theirs, articles that merely
# quote the same sentence share a handful. Edited copies (a word in twenty changed)
# still keep about 70% of their fingerprints.
MIN_SHARED_SHARE = 0.08
# Two articles of about the same length (the smaller at least SPUN_LENGTH_RATIO of the larger's
# fingerprints) are a candidate pair with SPUN_MIN_SHARED shared fingerprints, whatever the
# share: heavily synonym-spun copies of whole articles keep too few for MIN_SHARED_SHARE
# (benchmarks/paraphrase_eval.py, spun level: 124 of 494 were no candidate pair). On the
# dense 20k corpus this adds 1.8% candidate pairs and no aligned pair (linear verification
# aligns representatives only). One, since the sixth held-out set (web_copies_heldout6.csv):
# machine rewrites of CGTN's pieces and a paraphrase of its press release keep one 32-letter
# run of their origin (a name, a title), and `dedupe.align` accepts them when they are
# aligned. Over the labelled real sets, the pairs of about the same length sharing exactly one
# fingerprint add 8 same-story pairs that align and 1 of different stories (a pair labelled in
# doubt); on the news days 805 such pairs, none accepted. On the dense 20k corpus: +5%
# candidate pairs (158,198 -> 166,205), +17 aligned, the same matches and clusters.
SPUN_MIN_SHARED = 1
SPUN_LENGTH_RATIO = 0.75
FINGERPRINT_CHUNK = 20  # articles hashed per numpy batch: small batches stay in the CPU caches (20 beat 100 by a third)
WRITE_CACHE_KIB = -262144  # SQLite page cache while writing (negative: KiB), 256 MB
SCAN_TASK = 100  # articles scanned and fingerprinted per worker task
VERIFY_WINDOW = 2000  # candidate pairs whose sentence units are held in memory at once
POSTINGS_SLICE = 200_000  # fingerprint postings converted to Python and inserted at once
# A full run of this many articles or more has its index rows written ahead by a forked process
# (syndtrack.clustering.staged_index); smaller runs write them in the write stage.
STAGED_INDEX_MIN = 20_000
# An incremental run adds its postings to dedupe_fingerprints_recent, a small table: added to
# the big one, a thousand articles' 43k postings of random hashes dirtied 86% of its leaf pages
# (at 100k articles an 89 MB WAL, 0.9 s of the +1k run's 3 s to write, commit and checkpoint).
# The recent table is merged into the big one, in key order, by the run that takes it past
# RECENT_POSTINGS_SHARE of the big one's postings (and past RECENT_POSTINGS_MIN).
RECENT_POSTINGS_SHARE = 0.1
RECENT_POSTINGS_MIN = 50_000
# Anything that changes which fingerprints or matches are computed: a stored index
# built with other values is rebuilt.
# Version 6: obfuscation undone in normalisation (Traditional Chinese, injected
# romanisation, look-alike letters, keyword headers) and the 200,000-character cap.
# Version 7: stories and the credit status of every member, filled by the rebuild.
# Version 8: headline members (syndtrack.headline_stage), round-ups apart (dedupe.roundup).
# Version 9: short reuse accepted only as a carried lead or passage (dedupe.align.SHORT_REUSE);
# paraphrased copies (dedupe.align.PARA_TOKEN).
# Version 10: each article is aligned against the versions before it only (stage_verify), so
# `matches` holds those pairs, not every candidate pair that aligns.
# Version 11: candidate pairs of about the same length sharing SPUN_MIN_SHARED fingerprints.
# Version 12: sentences whose figures changed are not reused text, templates filed twice
# apart, reworded rewrites (dedupe.align.REWORD_TOKEN).
# Version 13: wire datelines left out of the sentences compared (dedupe.normalize._WIRE_DATELINE).
# Version 14: pieces reporting different news (dedupe.quotations) make no member and no story.
# Version 15: a title line is not joined to the paragraph under it (dedupe.normalize._blocks); a
# carried lead may follow lines that are not sentences, however long (dedupe.align._carried_lead).
# Version 16: the rewrite rule counts only sentence pairs quoted on neither side (dedupe.align,
# REWORD_SENTENCES).
# Version 17: Persian letter forms and Arabic spelling variants folded (dedupe.normalize._ARABIC_FOLD).
# Version 18: toneless pinyin injected on its own stripped (dedupe.normalize.TONELESS_MIN); between
# two Chinese texts, sentences of 15 characters and up are paired fuzzily (dedupe.align.FUZZY_MIN).
# Version 19: two articles of about the same length sharing one fingerprint are a candidate pair.
# Version 20: the Persian "به گزارش ...،" left out of the sentence (dedupe.normalize._SOURCE_LEAD);
# each sentence of a quotation of several is quotation (dedupe.normalize._quoted_flags), and a
# text nearly whole inside the other or a long run of consecutive sentences is carried, quotation
# or not (dedupe.align.CARRIED_WHOLE, CARRIED_RUN).
# Version 21: another outlet's later commentary, in the first person, quoting a page makes no member
# of its story (dedupe.commentary).
PARAMS = {"version": 21, "k": fp.K, "w": fp.W, "w_cjk": fp.W_CJK, "max_links": fp.MAX_LINKS, "stop": fp.STOP,
          "min_shared": fp.MIN_SHARED, "boilerplate_min": BOILERPLATE_MIN, "boilerplate_long_min": BOILERPLATE_LONG_MIN,
          "min_shared_share": MIN_SHARED_SHARE, "spun_min_shared": SPUN_MIN_SHARED,
          "spun_length_ratio": SPUN_LENGTH_RATIO, "xlang": XLANG_VERSION}
