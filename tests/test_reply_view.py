"""The page's compact reply and the article view of a cited passage (qa.reply_view)."""

from __future__ import annotations

import re

from qa.answer import Answer
from qa.passage import Passage, StoredPassage
from qa.reply_view import (
    compact_answer,
    document_date,
    find_passage,
    open_source,
    passage_key,
)

STORED = [
    StoredPassage(0, "贵阳日报_2024-04-30_工业.txt", "工业开门红", "", "清镇市一季度完成工业投资8.4亿元。"),
    StoredPassage(1, "贵阳日报_2024-04-30_工业.txt", "工业开门红", "项目建设", "铝产业园主体完工。\n第二段。"),
    StoredPassage(2, "贵阳日报_2024-04-30_工业.txt", "防汛", "", "贵州省5月1日起全面入汛。"),
    StoredPassage(3, "村庄.md", "凹河村", "", "凹河村共种植樱桃600亩。"),
]


def cited(stored: StoredPassage, score: float = 0.5) -> Passage:
    return Passage.from_stored(stored, score)


def test_each_cited_passage_is_one_line_that_expands_to_its_text_and_a_link():
    result = Answer("投资8.4亿元。[1]", [cited(STORED[0]), cited(STORED[3])], True, "工业投资多少", "工业投资多少")
    text = compact_answer(result)
    answer_line, heading, passages = text.split("\n\n", 2)
    assert answer_line == "**答：** 投资8\\.4亿元。\\[1\\]"
    assert heading.startswith("**引用段落**")
    summaries = re.findall(r"<summary>(.*?)</summary>", text)
    assert summaries == [
        "<strong>[1]</strong> 《工业开门红》 · 贵阳日报&#95;2024&#45;04&#45;30&#95;工业&#46;txt",
        "<strong>[2]</strong> 《凹河村》 · 村庄&#46;md",
    ]
    assert text.count('<details class="cited">') == 2 and "<mark>工业</mark>" in passages
    assert f'href="#passage-{passage_key(3, STORED[3].text)}"' in text


def test_document_markup_stays_text_in_the_compact_reply():
    evil = StoredPassage(0, "<b>x</b>.md", "<script>alert(1)</script>", "", '<img src=x onerror="y()">[点我](http://e/)')
    text = compact_answer(Answer("无。", [cited(evil)], False, "点我", "点我"))
    own = ("<details class=\"cited\">", "<summary>", "</summary>", "</details>", "<strong>[1]</strong>", "<mark>", "</mark>")
    for tag in own:
        text = text.replace(tag, "")
    text = re.sub(r'<a class="open-source" href="#passage-\d+-[0-9a-f]{8}">阅读原文</a>', "", text)
    assert "<" not in text and "](http" not in text
    assert "**最接近的段落（证据不足，仅供参考）**" in text


def test_no_passages_says_so():
    assert compact_answer(Answer("", [], False, "问", "问")) == "没有找到相关段落。"


def test_a_link_opens_the_whole_article_with_the_passage_marked():
    view = open_source(STORED, "#passage-" + passage_key(1, STORED[1].text), ["铝产业"])
    assert view is not None
    assert (view.title, view.source, view.date, view.page) == ("工业开门红", STORED[1].source, "2024-04-30", None)
    assert "清镇市一季度完成工业投资" in view.html and "入汛" not in view.html  # its article, not the next one
    marked = re.search(r'<div id="cited-passage" class="cited-passage">(.*?)</div>', view.html).group(1)
    assert marked == "<p><mark>铝产业</mark>园主体完工。</p><p>第二段。</p>"
    assert "<h4>项目建设</h4>" in view.html


def test_a_link_from_before_a_rebuild_finds_its_passage_or_says_it_is_gone():
    moved = [StoredPassage(p.passage_id + 5, p.source, p.title, p.section, p.text) for p in STORED]
    assert find_passage(moved, passage_key(3, STORED[3].text)).passage_id == 8  # same text, new id
    assert find_passage(STORED, passage_key(3, "改过的文字")) is None
    assert open_source(STORED, "#passage-3-00000000") is None
    assert open_source(STORED, "javascript:alert(1)") is None


def test_article_text_and_title_are_escaped():
    evil = [StoredPassage(0, "a.md", "<script>x</script>", "", "<img src=x onerror=y()>")]
    view = open_source(evil, passage_key(0, evil[0].text))
    assert "<script>" not in view.html and "<img" not in view.html and "&lt;img" in view.html


def test_the_date_comes_from_the_file_name_or_title():
    assert document_date("贵阳日报_2024-04-30_x.txt") == "2024-04-30"
    assert document_date("notes.md", "2023年5月1日 会议纪要") == "2023-05-01"
    assert document_date("贵阳日报_2022-06_x.txt", "无日期") == ""
    assert document_date("report-2024-13-45.txt") == ""
