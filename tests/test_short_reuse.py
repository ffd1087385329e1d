"""Short carried excerpts (issue 12, item 4): a lead of 200-250 characters carried alone is
found; templates filed again and recycled background sentences stay apart.

All texts are real (tests/dedupe_fixtures/short_reuse.json, copies of ../shared/data);
the short pages are cut out of them here.
"""

from __future__ import annotations

import json
import re

import pytest

from dedupe import align, clean
from dedupe.align import judge
from syndtrack.clustering import cluster
from syndtrack.store.db import open_db

from test_clustering import ids_by_label, import_records, members
from test_dedupe import FIXTURES

DATA = json.loads((FIXTURES / "short_reuse.json").read_text(encoding="utf-8"))


def helsinki(i: int) -> list[str]:
    return [p.strip() for p in DATA["helsinki"][str(i)]["text"].split(" ### ") if p.strip()]


def whole(i: int) -> str:
    return "\n\n".join(helsinki(i))


def culturax(k: int) -> str:
    return DATA["culturax"][str(k)]


def zh_sentences(text: str) -> list[str]:
    return re.findall(r"[^。！？]+[。！？]", text)


def zh_lead(text: str) -> str:
    """The longest run of whole first sentences of 200-250 characters: a regional edition's lead."""
    ends = [m.end() for m in re.finditer("[。！？]", text)]
    return text[: [e for e in ends if 200 <= e <= 250][-1]]


def test_yahoo_video_page_carrying_the_ap_lead_alone_is_a_carried_lead():
    # Yahoo News Video carries the first paragraph of AP's "Trump lowers expectations"
    # (lightly edited), which SFGate prints below a photo gallery.
    v = judge(clean(whole(13015)), clean(whole(3894)))
    assert v.accepted and v.short_reuse and v.carried_lead and not v.one_side_covered
    assert align(clean(whole(13015)), clean(whole(3894))).coverage_b > 0.8


@pytest.mark.parametrize("k", [9, 26])
def test_xinhua_lead_of_200_to_250_characters_carried_alone_is_found(k):
    lead = zh_lead(culturax(k))
    assert 200 <= len(lead) <= 250
    v = judge(clean(culturax(k)), clean(lead))
    # Over 125 characters (SHORT_REUSE, CJK-scaled): a Chinese lead of this size is no
    # short reuse, and half of one side is enough.
    assert v.accepted and not v.short_reuse and v.one_side_covered
    # Its first two sentences alone (under 125 characters) are a short reuse: the lead rule.
    two = "".join(zh_sentences(lead)[:2])
    if len(two) < 125:
        w = judge(clean(culturax(k)), clean(two))
        assert w.accepted and w.short_reuse and w.carried_lead


def test_a_short_lead_with_another_date_is_a_template_not_a_carried_lead():
    # The same opening filed on another day: the numbers differ.
    lead = "".join(zh_sentences(culturax(26))[:2])
    assert "12月31日" in lead and len(lead) < 125
    assert judge(clean(culturax(26)), clean(lead)).carried_lead
    v = judge(clean(culturax(26)), clean(lead.replace("12月31日", "12月30日")))
    # The sentence with the other date is not reused text at all (align._figures_changed).
    assert v is None or not (v.accepted or v.carried_lead)


@pytest.mark.parametrize("i, k, j", [(3698, 32, 10043), (9375, 37, 13352)])
def test_different_stories_recycling_one_background_sentence_stay_apart(i, k, j):
    # One 210-230 character wire background sentence, printed in two different stories.
    sentence = helsinki(i)[k]
    assert sentence in helsinki(j) and 200 <= len(sentence) <= 250
    brief = "\n\n".join(helsinki(i)[k : k + 2])  # the sentence and the paragraph after it
    for short in (brief, sentence):
        v = judge(clean(short), clean(whole(j)))
        assert v is not None and v.short_reuse and not v.accepted
    # The verdict before the short-reuse rule: half of the brief, one side covered.
    assert max(v.evidence_coverage_a, v.evidence_coverage_b) >= 0.5


@pytest.mark.parametrize("brief_of, other", [(44, 42), (44, 45), (42, 45)])
def test_xinhua_discipline_template_briefs_of_different_officials_stay_apart(brief_of, other):
    # Xinhua files every discipline case with one template ("经中共中央批准，中共中央纪委对...
    # 立案审查"; "经中央纪委常委会议研究并报中共中央政治局会议审议，决定给予...开除党籍"), dates
    # and names changed. A brief of one case's template sentences against another case:
    sentences = zh_sentences(culturax(brief_of))
    brief = sentences[0] + sentences[-2]
    v = judge(clean(brief), clean(culturax(other)))
    assert v.short_reuse and max(v.evidence_coverage_a, v.evidence_coverage_b) > 0.5
    assert v.score < 95 and not v.carried_lead and not v.accepted


def test_pipeline_finds_carried_leads_and_keeps_the_traps_apart(fresh_db):
    def rec(label, url, outlet, text, published):
        return {"url": url, "outlet": outlet, "title": "", "text": text, "published": published, "label": label}

    records = [
        rec("ap", "https://www.sfgate.com/news/ap-expectations", "sfgate.com", whole(13015), "2018-07-15T20:38:00Z"),
        rec("ap-lead", "https://news.yahoo.com/video/expectations", "yahoo.com", whole(3894), "2018-07-15T21:00:00Z"),
        rec("xinhua", "https://www.news.cn/2019-12/31/speech.htm", "xinhua", culturax(26), "2019-12-31T19:00:00+08:00"),
        rec("xinhua-lead", "https://regional.example.cn/2019-12/31/lead.htm", "regional.example.cn",
            zh_lead(culturax(26)), "2019-12-31T21:00:00+08:00"),
        rec("recycled", "https://www.sfgate.com/news/other-story", "sfgate.com", whole(10043), "2018-07-16T10:00:00Z"),
        rec("recycled-brief", "https://brief.example.com/1", "brief.example.com", "\n\n".join(helsinki(3698)[32:34]),
            "2018-07-16T12:00:00Z"),
        rec("case-42", "https://www.news.cn/2016-10/16/case.htm", "xinhua", culturax(42), "2016-10-16T18:00:00+08:00"),
        rec("case-44-brief", "https://brief.example.cn/2013/04/29/case.htm", "brief.example.cn",
            zh_sentences(culturax(44))[0] + zh_sentences(culturax(44))[-2], "2013-04-29T18:00:00+08:00"),
    ]
    import_records(fresh_db, records)
    cluster(fresh_db)
    ids = ids_by_label(fresh_db, records)
    m = members(fresh_db)
    for origin, lead in (("ap", "ap-lead"), ("xinhua", "xinhua-lead")):
        assert m[ids[lead]]["origin_id"] == ids[origin] and m[ids[lead]]["relation"] == "excerpt"
    for a, b in (("recycled", "recycled-brief"), ("case-42", "case-44-brief")):
        row = fresh_db.execute("select count(*) from matches where a_id in (?, ?) and b_id in (?, ?)",
                               [ids[a], ids[b], ids[a], ids[b]]).fetchone()
        assert row[0] == 0
        assert ids[b] not in m or m[ids[b]]["origin_id"] != m.get(ids[a], {}).get("origin_id")


# -- a lead behind lines that are not sentences (web_copies_heldout2.csv: RT's pages) -----------

CHROME = " ".join(f"{w}icon" for w in ("bookmark", "camera", "check", "chevron", "close", "download", "edit",
                                        "expand", "file", "filter", "flag", "mail", "move", "music", "muted",
                                        "pause", "play", "search", "share", "sign", "swipe", "tag", "trash",
                                        "upload", "volume", "zoom", "arrow", "basket", "bell", "calendar",
                                        "chart", "clock", "cloud", "compass", "copy", "crop", "cut", "dial",
                                        "eject", "eye", "fast", "forward", "globe", "grid", "heart", "home"))
TITLE = "Grain deliveries to Asia and Africa revealed"
SUBTITLE = "More than ten million tonnes have already been shipped, according to the foreign minister"
LEDE = ("Grain shipments to African and Asian countries have gone on despite obstacles that break the "
        "food shipments deal reached in July, the foreign minister said on Tuesday at a summit in Bali.")
BODY = [
    "Speaking on the sidelines of the summit, he said that in total 10.5 million tonnes of grain, mainly "
    "wheat, had been supplied, with 60% going to Asia and about 40% to Africa.",
    "According to the minister, the United Nations had informed him of written promises to remove the "
    "obstacles to the export of grain and fertiliser from the country.",
    "The minister stressed that it was important to implement all those promises in practice and not only "
    "on paper, as the talks in the past months had shown.",
    "The deal was reached between the two exporters with mediation by the United Nations and Turkey, and "
    "it aimed to unlock exports that had come to a halt because of the conflict.",
]


def test_a_lead_behind_a_title_a_subtitle_and_a_line_of_page_chrome_is_a_carried_lead():
    # The origin's page opens with 500 letters of icon names, its title, its subtitle and its
    # title again, each without an end mark; a teaser carries the title, subtitle and lede.
    origin = "\n".join([CHROME, TITLE, "", SUBTITLE, TITLE, "", LEDE, "", *BODY])
    teaser = "\n\n".join([TITLE, SUBTITLE + ".", LEDE, "Continue reading"])
    v = judge(clean(origin), clean(teaser))
    assert v.accepted and v.short_reuse and v.carried_lead

    # What comes first counts when it reads as sentences: the shared one then comes after the
    # story's own, as a recycled background sentence does, and is no lead.
    front = [p[:-1] for p in BODY[1:]]  # three lines of ~140 letters, end marks taken off
    teaser = "\n\n".join([TITLE, LEDE])
    headings = "\n\n".join([*front, LEDE, BODY[0]])
    assert judge(clean(headings), clean(teaser)).carried_lead
    sentences = "\n\n".join([*(p + "." for p in front), LEDE, BODY[0]])
    w = judge(clean(sentences), clean(teaser))
    assert not w.carried_lead and not w.accepted


def test_a_title_line_is_not_joined_to_the_paragraph_under_it_but_hard_wrapped_lines_are():
    page = clean(TITLE + "\n" + LEDE)
    assert page.units[0] == TITLE.lower() and page.units[1].startswith("grain shipments to african")
    # Hard-wrapped at ~70 characters: the line goes on in lower case, or in a capitalised word
    # on a line no longer than the one before.
    wrapped = ("Grain shipments to African and Asian countries have gone on despite\n"
               "obstacles that break the food shipments deal, said Foreign Minister\n"
               "Sergey Lavrov on Tuesday at the summit in Bali, Indonesia.")
    assert clean(wrapped).units == [" ".join(wrapped.lower().split())]
