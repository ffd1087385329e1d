"""Wire datelines ("LAGOS, Oct. 31 (Xinhua) --") are the agency's label, not the story's text
(dedupe.normalize._WIRE_DATELINE): a copy that drops it still carries the lead word for word.

The texts are written for these tests (a made-up port handover), on the pattern of the
held-out set's Xinhua Lekki port dispatch, whose lead a category page carried with its
dateline and a Ghanaian site without it.
"""

from __future__ import annotations

import pytest

from dedupe import clean
from dedupe.align import judge

LEAD = ("China Harbour Works on Monday handed over the country's first deep-water container terminal "
        "to the port authority after three years of construction at the mouth of the Calabar river.")
DISPATCH = ("Chinese company hands over first deep-water terminal\n\n"
            f"CALABAR, Oct. 31 (Xinhua) -- {LEAD}\n\n"
            "The terminal will meet the needs of the region's trade, the Chinese consul said at the handing-over ceremony.")
REWRITE = "\n\n".join([
    LEAD,
    "The ceremony at the terminal brought together officials of both countries, shipping lines and the contractors' staff.",
    "In his address the state governor thanked the company and said the terminal would create thousands of jobs in the "
    "coming years, most of them for young people from the river towns.",
    "Dredging of the approach channel began in early 2019 and was completed last spring, two months ahead of schedule, "
    "according to the port authority's chief engineer.",
    "The terminal can handle 1.5 million standard containers a year and has berths for ships of up to 14,000 units.",
    "Traders in the city said they hoped the new terminal would cut the waiting times that have long pushed cargo to "
    "ports in neighbouring countries.",
])


@pytest.mark.parametrize("dateline", [
    "CALABAR, Oct. 31 (Xinhua) -- ", "UNITED NATIONS, July 16 (Xinhua) -- ", "WASHINGTON (AP) \u2014 ",
    "HELSINKI, Finland (AP) \u2014 ", "(MENAFN) ", "MOSCOW, July 16 /TASS/. ", "MOSCOW, July 16. /TASS/. ",
])
def test_a_wire_dateline_is_left_out_of_the_sentence(dateline):
    text = dateline + LEAD
    c = clean(text)
    (i,) = [k for k, u in enumerate(c.units) if "harbour" in u]
    assert c.units[i].startswith("china harbour works on monday")
    assert text[c.spans[i][0]:].startswith("China Harbour Works")  # offsets still point into the text
    assert not any(w in u for u in c.units for w in ("xinhua", "(ap)", "menafn", "tass"))


@pytest.mark.parametrize("sentence", [
    "The minister said (Reuters) - that nothing would change in the coming weeks at all.",
    "NATO (the alliance) said on Monday that it would meet again in the coming weeks.",
    "US officials told the Xinhua reporter on Monday that the talks had gone well.",
])
def test_other_sentences_keep_their_opening(sentence):
    assert clean(sentence).units[0] == sentence.lower()


def test_a_lead_carried_without_its_dateline_is_a_carried_lead():
    v = judge(clean(DISPATCH, title="Chinese company hands over first deep-water terminal"), clean(REWRITE))
    assert v is not None and v.accepted and v.carried_lead and v.score == 100


# The Persian attribution that opens nearly every news item, each carrier writing its own
# (sentences written for the test).
FA_LEAD = "بالگرد حامل رئيس جمهور در منطقه عمومي ورزقان دچار سانحه فرود سخت شده است."


@pytest.mark.parametrize("label, lead", [
    ("به گزارش گلستان رسا از گرگان؛ ", FA_LEAD), ("به گزارش خبرگزاري صدا و سيما، ", FA_LEAD),
])
def test_a_persian_attribution_is_left_out_of_the_sentence(label, lead):
    text = label + lead
    c = clean(text)
    assert c.units == [clean(lead).units[0]]
    assert text[c.spans[0][0]:] == lead  # offsets still point into the text


@pytest.mark.parametrize("sentence", [
    "新华社北京11月25日电 11月25日,国家主席致电对方,祝贺他当选总统。",  # a Chinese dateline stays
    "به گزارش رسانه ها اين حادثه روز گذشته در جنگل رخ داد و گروه هاي امدادي به محل اعزام شدند",  # no comma: not cut
])
def test_sentences_that_only_open_like_a_source_label_keep_their_opening(sentence):
    assert clean(sentence).spans[0][0] == 0
