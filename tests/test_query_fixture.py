"""A small analyst database: three real republication cases, clustered by hand.

Built the way the contract says the pipeline fills it: articles through
``syndtrack.store.articles``, outlets as the crawler registers them, and
clusters / cluster_members / matches rows as the m001 schema defines them
(matches.passages = JSON [a_start, a_end, b_start, b_end] offsets into
articles.text). The texts are real:

- the seed: a China Media Group (CGTN) commentary carried verbatim, with its
  ``[ad_1]``/``[ad_2]``/``Source link`` wrapper and credit line, by Dainik
  Savera Times, and cut down and padded, without credit, by a second site;
- a Xinhua dispatch carried by People's Daily (fundus test page) and, edited,
  by a portal that is not in the registry;
- a Reuters story reposted by the whenitson.com autoblog, and re-run by Reuters.

Other analyst tests import :func:`build_fixture_db` from here.
"""

from __future__ import annotations

import json

from syndtrack.store.articles import store_articles
from syndtrack.store.db import open_db

CMG = [
    'Recently, Japan has extensively upgraded the US-Japan security treaty, conducted joint military exercises with the US, Australia and the Philippines in the South China Sea, and sought to join “AUKUS”… Japan continues to take such dangerous steps This has led to strong opposition from all quarters. Some analysts in Japan pointed out that the Japanese government is trying to expand its military power with the help of military alliances and is walking on a “dangerous path toward war.” Regional countries should remain extremely cautious.',
    'The most controversial of Japan’s series of actions is the substantial strengthening of the US-Japan military alliance. Following its defeat in World War II in 1945, the Japanese government signed two security treaties with the US government. They are the Old Security Treaty of 1951 and the New Security Treaty of 1960. Both of these treaties established the alliance between the United States and Japan and were also the result of the Cold War.',
    'The new version of the US-Japan Security Treaty states that the US is obliged to assist in the defense of Japan if it is attacked, and US forces can use military bases in Japan. But when America is attacked, Japan does not take the responsibility of defending. In recent years, the United States has adopted the so-called “Indo-Pacific strategy,” using Japan as an important pawn and driving force. Some right-wing forces in Japan also want to use America’s power to try to break free from the shackles of the pacifist constitution, normalize the country, and make Japan a military power.',
    'Not only this, both sides also announced that they will upgrade the alliance from “ally” to “global partner”, which will focus on “joint defense cooperation” and sharing of cutting-edge technologies such as defense equipment, artificial intelligence and quantum computing. Will expand the scope of joint research and development cooperation. At the same time, the joint statement, while mentioning the East China Sea, South China Sea and Taiwan issues, also claimed to strengthen the so-called multilateral cooperation and strengthen relations with NATO. Analysts believe that these new actions show that Japan is moving away from a pacifist constitution, cooperating with America’s global strategy in many aspects, and with more explicit intentions of targeting China. Making a “small circle”.',
    'The Japanese government has undertaken a series of military and security actions to increase regional and international influence over the period, including submitting a proposal to amend the “Three Principles of Defense Equipment Transfer” to allow the export of destructive weapons. , strengthening military reforms, planning to increase the defense budget to 2% of GDP by 2027, and actively moving closer to NATO countries, etc.',
    'According to analysts, the ultimate goal of the Japanese government is to amend the pacifist constitution. However, due to opposition at home, the Japanese government has been continuously trying to break post-war military taboos without amending the constitution, including intervening in territorial disputes under the pretext of providing aid to allies and other countries, so as to gradually -Slowly achieve your goal.',
    'Several alarming steps by the Japanese government have created high alert across all sectors. The upgrading of the military alliance between the US and Japan could upset the basic balance here, and also cause concern and dissatisfaction in other countries. The Asia-Pacific region is a highland for peaceful development, not a chess game for great powers. If Japan follows the US in returning to the path of becoming a “military power” and reviving militarism, it will only put itself in a more dangerous position. Preventing militarization and establishing friendly relations with neighboring countries are the top priorities of the Japanese government.',
]

XINHUA = [
    '新华社北京4月24日电 题：促进航天技术更好惠及人民――习近平主席向首届“中国－拉美和加勒比国家航天合作论坛”致贺信为中拉深化航天合作指明方向',
    '新华社记者',
    '4月24日，习近平主席向首届“中国－拉美和加勒比国家航天合作论坛”致贺信，在会场内外引发热烈反响。大家表示，习近平主席的贺信阐明了当前建设高水平中拉航天合作伙伴关系的重要意义，为深入开展航天国际交流合作，不断增进各国人民福祉，促进经济社会发展，高质量共建“一带一路”和构建人类命运共同体进一步指明了方向。',
    '“贺信充分体现了习近平主席对建设高水平中拉航天合作伙伴关系的殷切期望。”中国国家航天局国际合作司副司长姚建廷说，航天科技是当今世界科技发展的重要领域，也是人类和平利用太空、更好造福各国人民的重要手段，我们将不断深化与拉美等地区的国际交流合作，加快航天强国建设，为持续推动构建外空领域人类命运共同体作出新的贡献。',
    '“习近平主席的贺信对中拉航天合作结出丰硕果实给予肯定，让我们倍感振奋。”中国航天科工航天三江江北公司数控车工、特级技师阎敏说，身为一线工人，我将持续学习、苦练本领，加强与拉美等地区的国际同行交流，适应新时代发展的步伐。',
    '拉美和加勒比地区是航天领域的重要力量，中国与拉美和加勒比国家已开展长期、全面、务实的合作，涵盖了空间基础设施、深空探测与空间科学、航天产业链、外空全球治理和人才培养等多个方面。不少与会的拉美和加勒比国家代表认为，此次论坛将为促进拉中航天合作、助力拉美和加勒比地区航天发展、赓续拉中合作友谊作出积极贡献。',
    '玻利维亚驻华公使衔参赞罗满月说，玻利维亚与中国在航天领域展开了诸多合作，如中国助力玻利维亚成功发射了通信卫星“图帕克・卡塔里”星。我期待玻中两国未来在航天领域开展更多交流、合作，实现共赢发展。',
    '“习主席给论坛发来贺信，这对拉美和加勒比国家而言是一个加强与中国合作、共同探索航天技术发展应用的好机会。”来自巴西的南京航空航天大学航空宇航科学与技术专业博士生泰勒斯表示，中国航天技术和航天产业发展非常快，为其他国家提供了重要经验参考。',
    '现场聆听了习近平主席的贺信，东方空间联合创始人姚颂表示，习近平主席的贺信表明，中国航天不仅在技术方向上要持续突破，更应以全球视野推动中外合作，让世界各国人民生活得更便捷、更美好。',
    '中国探月工程总设计师吴伟仁表示，贺信充分体现了习近平主席对航天事业和国际合作的高度重视，为今后的工作指明了方向。中国探月工程始终秉持“平等互利、和平利用、合作共赢”的原则，未来将继续面向包括拉美和加勒比国家在内的国际社会开放合作机遇，共同实现更多重大原创性科学发现。',
    '湖北省国防科工办负责人李金坤表示，将深入学习领会习近平主席贺信精神，坚持火箭链、卫星链、数据链、服务链“四链并举”，充分发挥武汉国家航天产业基地产业融合的载体作用，鼓励企业积极参与低轨卫星出口等国际交流合作，推动航天技术增进民生福祉、惠及中拉人民，为建设航天强国和高水平中拉航天合作伙伴关系贡献力量。',
]

REUTERS = [
    "BEIJING French luxury goods firm Louis Vuitton is seeking damages from three people convicted of offering counterfeit versions of its clothing, shoes and handbags on Alibaba Group Holding Ltd's popular Taobao shopping website, a Beijing court said.",
    "A district court in Beijing accepted the lawsuit filed by Louis Vuitton, owned by LVMH, the world's biggest luxury group, last Monday, according to a statement on the court's website.",
    'The company is taking the three defendants, two of them surnamed Liang and the other surnamed Han, to court, "asking them to stop infringing on its trademark and is seeking compensation of economic losses of 250,000 yuan ($37,900)", according to the court statement.',
    'Louis Vuitton could not be reached for comment. It was not possible to reach the three defendants for comment.',
    'The three defendants were selling the goods on Taobao, an online shopping site similar to eBay and Amazon that brings together buyers and sellers, according to the court. Alibaba Group did not immediately respond to a request for comment.',
    'The lawsuit comes three months after a U.S. clothing industry group urged the United States Trade Representative (USTR) to blacklist the Taobao website for persistent intellectual property rights violations despite pledges by the e-commerce firm to curb the problem.',
    'The three defendants were given unspecified criminal sentences in 2014 for selling counterfeit versions of Louis Vuitton goods, the court said.',
    '(Reporting by Sui-Lee Wee, Additional reporting by John Ruwitch in SHANGHAI; Editing by Keith Weir)',
]

OUTLETS = [
    {"slug": "cgtn", "name": "CGTN", "url": "https://news.cgtn.com/", "country": "CN", "language": "en",
     "state_media": 1, "owner": "China Media Group", "domains": ["cgtn.com", "news.cgtn.com"]},
    {"slug": "xinhua", "name": "Xinhua", "url": "http://www.news.cn/", "country": "CN", "language": "zh",
     "state_media": 1, "owner": "Xinhua News Agency", "domains": ["news.cn", "xinhuanet.com"]},
    {"slug": "peoplesdaily", "name": "People's Daily", "url": "http://www.people.com.cn/", "country": "CN",
     "language": "zh", "state_media": 1, "owner": "People's Daily", "domains": ["people.com.cn", "politics.people.com.cn"]},
    {"slug": "dainiksavera", "name": "Dainik Savera Times", "url": "https://dainiksaveratimes.com/", "country": "IN",
     "language": "en", "state_media": 0, "owner": None, "domains": ["dainiksaveratimes.com"]},
    {"slug": "reuters", "name": "Reuters", "url": "https://www.reuters.com/", "country": "GB", "language": "en",
     "state_media": 0, "owner": "Thomson Reuters", "domains": ["reuters.com"]},
    {"slug": "whenitson", "name": "When It's On", "url": "https://www.whenitson.com/", "country": "US",
     "language": "en", "state_media": 0, "owner": None, "domains": ["whenitson.com"]},
]

CREDIT = "(Courtesy-China Media Group, Beijing)"


def _join(paras):
    return "\n\n".join(paras)


ADDED = (
    "Observers in South Asia say the region should watch these developments closely, "
    "as Tokyo's choices will shape security well beyond the East China Sea."
)

# key: (record for syndtrack.store.articles, ...). Outlets are slugs for crawled pages
# and hosts for imported ones, as the pipeline stores them.
ARTICLES = {
    "cmg": {"url": "https://news.cgtn.com/news/2023-07-12/What-is-the-purpose-of-Japan-s-series-of-dangerous-actions-1lmWVnL0k4o/index.html",
            "outlet": "cgtn", "title": "What is the purpose of Japan's series of dangerous actions?",
            "text": _join(CMG), "published": "2023-07-12T03:10:00+00:00", "language": "en"},
    "dainik": {"url": "https://dainiksaveratimes.com/world/what-is-the-purpose-of-japans-series-of-dangerous-actions/",
               "title": "What is the purpose of Japan’s series of dangerous actions? – Dainik Savera Times",
               "text": _join(["[ad_1]", *CMG, CREDIT, "[ad_2]", "Source link"]),
               "published": "2023-07-12T11:40:00+00:00", "credit": CREDIT, "language": "en"},
    "monitor": {"url": "https://southasia-monitor.example/2023/07/13/japan-dangerous-path/",
                "outlet": "southasia-monitor.example", "title": "Japan on a dangerous path",
                "text": _join([CMG[0], CMG[1], ADDED, CMG[5]]), "published": "2023-07-13T09:10:00+00:00"},
    "xinhua": {"url": "http://www.news.cn/politics/2024-04/24/c_1130131024.htm", "outlet": "xinhua",
               "title": "促进航天技术更好惠及人民", "text": _join(XINHUA[2:]), "published": "2024-04-24T06:00:00+00:00",
               "language": "zh"},
    "people": {"url": "http://politics.people.com.cn/n1/2024/0424/c1001-40223222.html", "outlet": "peoplesdaily",
               "title": "促进航天技术更好惠及人民――习近平主席向首届“中国－拉美和加勒比国家航天合作论坛”致贺信",
               "text": _join(XINHUA), "published": "2024-04-24T13:48:58+00:00", "credit": "新华社北京4月24日电",
               "language": "zh"},
    "portal": {"url": "https://news.portal.example/a/20240425/space.html", "title": "航天技术惠及人民",
               "text": _join(XINHUA[2:7]), "published": "2024-04-25T02:00:00+00:00", "language": "zh"},
    "reuters": {"url": "https://www.reuters.com/article/us-china-lvmh-lawsuit-idUSKCN0UO0AS20160110", "outlet": "reuters",
                "title": "France's Louis Vuitton sues counterfeit online sellers in China", "text": _join(REUTERS),
                "published": "2016-01-10T10:00:00+00:00"},
    "whenitson": {"url": "https://www.whenitson.com/frances-louis-vuitton-sues-counterfeit-online-sellers-in-china/",
                  "title": "France's Louis Vuitton sues counterfeit online sellers in China",
                  "text": _join(["[ad_1]", *REUTERS, "[ad_2]", "Source"]), "published": "2016-01-10T20:43:09+00:00"},
    "reuters_rerun": {"url": "https://www.reuters.com/article/china-lvmh-lawsuit-idUSL3N14V0AS", "outlet": "reuters",
                      "title": "UPDATE 1-France's Louis Vuitton sues counterfeit online sellers in China",
                      "text": _join(REUTERS), "published": "2016-01-11T01:00:00+00:00"},
    # In nobody's cluster: search and trace must still find it.
    "lonely": {"url": "https://news.cgtn.com/news/2023-07-20/lunar-new-rover.html", "outlet": "cgtn",
               "title": "Chang'e rover team publishes lunar soil findings",
               "text": "Scientists working on the Chang'e mission published new findings about lunar soil samples "
                       "returned to Earth, describing glass beads that may hold water.",
               "published": "2023-07-20T08:00:00+00:00"},
}

# cluster key -> (origin key, [(copy key, relation, credited, lag known?)])
CLUSTERS = {
    "cmg": ("cmg", [("dainik", "copy", 1, True), ("monitor", "excerpt", 0, True)]),
    "xinhua": ("xinhua", [("people", "copy", 1, True), ("portal", "edited", 0, False)]),
    "reuters": ("reuters", [("whenitson", "copy", 0, True), ("reuters_rerun", "copy", 0, True)]),
}


def aligned_passages(a_text: str, b_text: str) -> list[list[int]]:
    """[a_start, a_end, b_start, b_end] for each paragraph of ``a`` found verbatim in ``b``."""
    spans, pos = [], 0
    for para in a_text.split("\n\n"):
        a0 = a_text.index(para, pos)
        pos = a0 + len(para)
        b0 = b_text.find(para)
        if b0 >= 0:
            spans.append([a0, a0 + len(para), b0, b0 + len(para)])
    return spans


def _seconds(a: str, b: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def build_fixture_db(path) -> dict[str, int]:
    """Create the database at ``path``; return article ids by key (and cluster ids as ``cluster:<key>``)."""
    db = open_db(path)
    for outlet in OUTLETS:
        db["outlets"].insert({**outlet, "domains": json.dumps(outlet["domains"])})
    store_articles(db, ARTICLES.values())
    ids = {key: db.execute("SELECT id FROM articles WHERE url = ?", [rec["url"]]).fetchone()[0]
           for key, rec in ARTICLES.items()}
    with db.atomic():
        for ckey, (okey, copies) in CLUSTERS.items():
            origin = ARTICLES[okey]
            # Each cluster a story of one version, as clustering writes them.
            sid = db["stories"].insert({"origin_id": ids[okey], "versions": 1, "size": 1 + len(copies),
                                        "created": "2024-05-01T00:00:00+00:00",
                                        "updated": "2024-05-01T00:00:00+00:00"}).last_pk
            cid = db["clusters"].insert({"origin_id": ids[okey], "size": 1 + len(copies), "story_id": sid,
                                          "created": "2024-05-01T00:00:00+00:00",
                                          "updated": "2024-05-01T00:00:00+00:00"}).last_pk
            ids[f"cluster:{ckey}"] = cid
            db["cluster_members"].insert({"cluster_id": cid, "article_id": ids[okey], "relation": "origin",
                                          "score": 100.0, "coverage": 1.0, "credited": None,
                                          "lag_seconds": 0.0, "same_outlet": 0})
            for key, relation, credited, lag_known in copies:
                copy = ARTICLES[key]
                spans = aligned_passages(origin["text"], copy["text"])
                coverage = sum(a1 - a0 for a0, a1, _, _ in spans) / len(origin["text"])
                a_id, b_id = ids[okey], ids[key]
                if a_id > b_id:
                    # Stored with the smaller id first, as a pair key should be.
                    a_id, b_id = b_id, a_id
                    spans = [[b0, b1, a0, a1] for a0, a1, b0, b1 in spans]
                db["matches"].insert({"a_id": a_id, "b_id": b_id, "score": round(100 * coverage, 1),
                                      "coverage_a": coverage, "coverage_b": coverage,
                                      "passages": json.dumps(spans), "created": "2024-05-01T00:00:00+00:00"})
                same = int(copy.get("outlet") == origin.get("outlet"))
                db["cluster_members"].insert({
                    "cluster_id": cid, "article_id": ids[key], "relation": relation,
                    "score": round(100 * coverage, 1), "coverage": round(coverage, 3), "credited": credited,
                    "lag_seconds": _seconds(origin["published"], copy["published"]) if lag_known else None,
                    "same_outlet": same,
                })
        db.execute("UPDATE stories SET outlets = (SELECT COUNT(DISTINCT a.outlet) FROM clusters c JOIN cluster_members m "
                   "ON m.cluster_id = c.id JOIN articles a ON a.id = m.article_id WHERE c.story_id = stories.id)")
    db.close()
    return ids


def test_fixture_follows_the_schema(tmp_path):
    ids = build_fixture_db(tmp_path / "f.db")
    db = open_db(tmp_path / "f.db")
    assert db["clusters"].count == 3
    assert db["cluster_members"].count == 9
    # Every stored passage points at the same text in both articles.
    for m in db.query("SELECT a.text AS at, b.text AS bt, passages FROM matches JOIN articles a ON a.id = a_id "
                      "JOIN articles b ON b.id = b_id"):
        for a0, a1, b0, b1 in json.loads(m["passages"]):
            assert m["at"][a0:a1] == m["bt"][b0:b1]
    assert ids["dainik"] != ids["cmg"]


def set_gone(path, key: str, when: str | None) -> None:
    """Stamp (or, with None, clear) ``articles.gone`` of one fixture article, as the crawler's
    re-check does when its URL answers 404/410 (or answers again)."""
    db = open_db(path)
    with db.atomic():
        db.execute("update articles set gone = ? where url = ?", [when, ARTICLES[key]["url"]])
    db.close()
