"""Layout repair on real excerpts of the seed pages."""

from __future__ import annotations

import pytest

from qa.layout import Block, clean_line, is_complete, split_articles
from tests.conftest import DOCUMENTS


def page(name_part: str) -> str:
    (path,) = [p for p in DOCUMENTS.glob("*.txt") if name_part in p.name]
    return path.read_text(encoding="utf-8")


def paragraphs(articles) -> list[str]:
    return [b.text for a in articles for b in a.blocks if b.kind == "paragraph"]


def test_sentence_split_by_a_photo_caption_comes_out_whole():
    articles = split_articles(page("2024-04-30"))
    whole = "旭鼎光电是去年8月注册成立、10月开始调试设备试产的新企业。该企业由清镇企业贵州南凡半导体科技有限公司与贵阳市商贸学校合作打造"
    assert any(p.startswith(whole) for p in paragraphs(articles))
    caption = "贵州华锦铝业有限公司车间内，工人将氧化铝成品装车。"
    blocks = [b for a in articles for b in a.blocks]
    assert Block(caption, "工业企业发展壮大", "caption") in blocks
    assert not any(caption in p for p in paragraphs(articles))


@pytest.mark.parametrize(
    "joined",
    [
        "今年一季度，清镇市坚持“培育一批、扶持一批、入库一批”，切实做好企业“上规”的指导服务工作",  # page break
        "及时共享上下游、左右岸雨情、水情信息",  # blank line mid-sentence
        "助推一个产业、推动人才集聚，促进产业发展。",  # two blank lines mid-sentence
        "感谢你们的默默奉献，换来了整洁优美的城市环境。",  # a word split across the break
    ],
)
def test_sentences_broken_by_blank_lines_are_rejoined(joined):
    assert any(joined in p for p in paragraphs(split_articles(page("2024-04-30"))))


def test_unit_line_headings_and_rejoined_breaks_on_the_second_page():
    articles = split_articles(page("2022-06"))
    titles = [a.title for a in articles]
    assert "清镇市政务服务中心——抓牢“定、看、听、找、评”强化作风建设" in titles
    assert "流长乡凹河村——“五治”助力乡村振兴 村民生活更舒心" in titles
    assert titles[0].endswith("——清镇市全力打造百万人口区域中心城市")
    text = paragraphs(articles)
    assert any("推进农村“五治”并大力实施农村宜居农房改造" in p for p in text)
    assert any("单警装备的使用等。" in p for p in text)  # a short line that continues a sentence


def test_markdown_headings_titles_subtitles_and_sections():
    articles = split_articles(page("2024-04-30"))
    first = articles[0]
    assert first.title == "抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后"
    assert {b.section for b in first.blocks} >= {"工业项目稳步建设", "工业企业发展壮大", "工业生产“火力全开”"}
    assert "明起全面入汛——贵州六方面做好防汛抗旱工作" in [a.title for a in articles]
    assert ("贵州发布", []) in [(a.title, a.blocks) for a in articles]  # a column label: no passages


def test_plain_text_section_headings_are_recognised():
    (article,) = [a for a in split_articles(page("2022-06")) if "百万人口" in a.title]
    assert "打造高品质城市生活空间" in {b.section for b in article.blocks}
    assert not any(b.text == "打造高品质城市生活空间" for b in article.blocks)


def test_text_before_any_heading_gets_the_default_title():
    (article,) = split_articles("第一句。\n\n第二句。", default_title="note")
    assert article.title == "note"
    assert [b.text for b in article.blocks] == ["第一句。", "第二句。"]


@pytest.mark.parametrize("text", ["", "\n\n \u3000\n", "## 只有标题", "清镇市公安局——\n\n标题"])
def test_pages_without_body_text_have_no_blocks(text):
    assert all(not article.blocks for article in split_articles(text))


@pytest.mark.parametrize(
    ("line", "complete"),
    [
        ("项目进展顺利。", True),
        ("“我们能火速‘上规’。”旭鼎光电总经理江涛说。", True),
        ("生态宜居的湖城清镇。(资料图片)", True),
        ("(通讯员 冯煜珺)", True),
        ("通讯员 陈勇 陈忠林", True),
        ("旭鼎光电是新企业。该企业", False),
        ("近年来,清镇市抢抓实施乡村振兴战略机遇,推进农村“五治”", False),
        ("实施巢凤片区、", False),
    ],
)
def test_is_complete(line, complete):
    assert is_complete(line) is complete


@pytest.mark.parametrize(
    "line",
    [
        "#北京冬奥会#2022年2月4日，第二十四届冬季奥林匹克运动会在北京开幕。",
        "#清镇#",
        "#1 号楼今天交付。",
        "####### 七个井号不是标题",
        "#",
        "##",
        "■■■",
        "★ ★ ★",
        "……",
        "——",
    ],
)
def test_lines_that_are_not_headings_stay_body_text(line):
    (article,) = split_articles(f"{line}\n\n正文一句，接着写下去。", default_title="doc")
    assert article.title == "doc"
    kept = "".join(b.text for b in article.blocks) + "".join(article.sections)  # a short line may head a section
    assert line.replace(" ", "") in kept.replace(" ", "")


def test_a_one_line_document_is_one_paragraph():
    (article,) = split_articles("#北京冬奥会#2022年2月4日，冬奥会开幕。", default_title="weibo")
    assert [b.text for b in article.blocks] == ["#北京冬奥会#2022年2月4日，冬奥会开幕。"]


@pytest.mark.parametrize(
    ("line", "title"),
    [("# 标题", "标题"), ("## 标题 ##", "标题"), ("### C#", "C#"), ("##\u3000全角空格", "全角空格")],
)
def test_markdown_headings_need_white_space_after_the_hashes(line, title):
    articles = split_articles(f"{line}\n\n正文一句。")
    assert title in [a.title for a in articles] + [s for a in articles for s in a.sections]


@pytest.mark.parametrize("line", ["■■■", "★ ★ ★", "……", "#"])
def test_a_symbol_line_is_body_text_not_a_section_heading(line):
    (article,) = split_articles(f"{line}\n\n正文一句，接着写下去。")
    assert article.sections == [] and line in [b.text for b in article.blocks]


def test_layout_white_space_is_collapsed():
    assert clean_line(" 清镇\u3000\u3000市\xa0 工业\t投资 ") == "清镇 市 工业 投资"


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("GDP", "5亿元", "GDP 5亿元"),  # two ASCII words across a line break keep a space
        ("镇8", "GB", "镇8 GB"),
        ("中文a", "b", "中文a b"),
        ("a", "b，c", "a b，c"),
        ("增长8", "亿元", "增长8亿元"),  # Chinese joins without one
        ("清镇", "LED", "清镇LED"),
        ("LED", "光源", "LED光源"),
    ],
)
def test_lines_are_joined_with_a_space_only_between_ascii_words(left, right, joined):
    # "据统计，" keeps the first line an unfinished sentence, so the next one continues it
    assert split_articles(f"据统计，{left}\n{right}")[0].blocks[0].text == f"据统计，{joined}"


@pytest.mark.parametrize(
    ("line", "complete"),
    [
        ("他说：“今年增产。”", True),  # closing quotes after the full stop
        ("（记者 王静，通讯员 冯煜珺）", True),  # a bracketed note
        ("（记者王静，通讯员冯煜珺 说明其", False),  # opened, never closed
        ("据介绍，这是今年第一次（试点）", False),  # a closing bracket alone ends nothing
        ("甲" * 30, True),  # a label up to 30 characters without punctuation
        ("甲" * 31, False),
    ],
)
def test_is_complete_at_the_edges(line, complete):
    assert is_complete(line) is complete


def test_a_first_line_after_two_blank_lines_is_no_caption():
    (article,) = split_articles("\n\n贵州华锦铝业有限公司车间内，工人将氧化铝成品装车。\n")
    assert [block.kind for block in article.blocks] == ["paragraph"]


def test_captions_are_short_single_sentences_behind_three_blank_lines():
    caption = "甲" * 58 + "。"  # 59 characters, one sentence
    two_sentences = "工人将成品装车。车间很忙。"
    text = f"开头的句子没有说完，\n\n\n\n{caption}\n接着说完。\n\n\n\n{two_sentences}\n"
    (article,) = split_articles(text)
    assert [(block.kind, block.text) for block in article.blocks] == [
        ("caption", caption),
        ("paragraph", "开头的句子没有说完，接着说完。"),
        ("paragraph", two_sentences),
    ]


@pytest.mark.parametrize(
    ("heading", "following", "is_section"),
    [
        ("打造高品质城市生活空间", "清镇市新建口袋公园12个。", True),  # short, but a sentence follows
        ("城市更新", "甲乙丙丁戊己庚辛", False),  # twice as long, no full stop: not longer than twice
        ("城市更新", "甲乙丙丁戊己庚辛壬", True),
        ("城市更新", "甲乙丙", False),
        ("城" * 30, "清镇市新建口袋公园12个。", True),  # up to 30 characters
        ("城" * 31, "清镇市新建口袋公园12个。", False),
    ],
)
def test_plain_section_headings_need_a_longer_line_or_a_sentence_after_them(heading, following, is_section):
    (article,) = split_articles(f"# 标题\n\n{heading}\n{following}\n")
    assert article.sections == ([heading] if is_section else [])
    if is_section:
        assert [(block.section, block.text) for block in article.blocks] == [(heading, following)]


def test_a_unit_line_takes_the_next_line_as_title_only_when_it_looks_like_one():
    text = "前文很长的一句话说完了。\n清镇市政务服务中心——\n优化营商环境\n正文从这里开始。\n"
    assert [a.title for a in split_articles(text)] == ["", "清镇市政务服务中心——优化营商环境"]
    text = "清镇市政务服务中心——\n今天办理业务的群众很多。\n"
    (article,) = split_articles(text)
    assert (article.title, article.blocks[0].text) == ("清镇市政务服务中心——", "今天办理业务的群众很多。")
    (article,) = split_articles("这是为什么？——\n正文。\n")  # a question ending in a dash is body text
    assert article.title == ""
    long_unit = "甲" * 38 + "——"  # 40 characters: still a unit line
    assert [a.title for a in split_articles(f"{long_unit}\n正文。\n")] == [long_unit]
    title = "乙" * 80  # up to 80 characters a title line
    assert [a.title for a in split_articles(f"单位——\n{title}\n正文。\n")] == [f"单位——{title}"]


def test_a_unit_line_at_the_end_is_an_article_without_blocks():
    articles = split_articles("正文说完了。\n清镇市政务服务中心——\n")
    assert [(a.title, a.blocks) for a in articles] == [("", articles[0].blocks), ("清镇市政务服务中心——", [])]


def test_blocks_outside_sections_have_an_empty_section_and_untitled_text_the_default_title():
    (article,) = split_articles("正文。\n")
    assert (article.title, article.blocks) == ("", [Block("正文。", "", "paragraph")])
    (article,) = split_articles("### 小节\n\n正文。\n")
    assert (article.title, article.sections, article.blocks) == ("", ["小节"], [Block("正文。", "小节", "paragraph")])
    (article,) = split_articles("打造高品质城市生活空间\n清镇市新建口袋公园12个，方便群众休闲。\n")
    assert article.sections == ["打造高品质城市生活空间"]  # a plain section heading as the very first line


def test_an_unfinished_sentence_before_a_closing_caption_is_kept():
    (article,) = split_articles("## 标题\n\n### 车间\n\n开头的句子没有说完，\n\n\n\n工人将氧化铝成品装车。\n")
    assert article.blocks == [
        Block("工人将氧化铝成品装车。", "车间", "caption"),
        Block("开头的句子没有说完，", "车间", "paragraph"),
    ]
