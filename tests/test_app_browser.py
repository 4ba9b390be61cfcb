"""The real page in headless Chromium, served with the real model over the real documents.

Needs Debian's `chromium` (the Makefile's test set-up installs it) and the Playwright
Python package; no browser is downloaded. With QA_SCREENSHOT=docs/chat.png the answer
test also saves the README's screenshot there.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.answer import answer
from qa.evaluation import is_hit, load_questions
from qa.index import build_index
from qa.question import truncation_notice
from qa.retriever import Retriever
from tests.conftest import DOCUMENTS, OWN_QUESTIONS
from tests.test_app import running_app

pytestmark = pytest.mark.integration

REPLY_TIMEOUT_MS = 120_000
INJECTION = """# 注入测试文档

这是一篇注入测试文档，正文里有脚本<script>window.__pwned = 1;</script>和图片<img src=x onerror="window.__pwned = 2">。
请勿点击[注入链接](http://evil.example/)，也不要访问 http://evil.example/bare 。
质能方程写作$$E=mc^2$$，行内公式写作$x^2$，价格写作$5和$6。
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(URL, documents folder) of the chat over the real documents plus one hostile document."""
    root = tmp_path_factory.mktemp("browser")
    documents = root / "documents"
    shutil.copytree(DOCUMENTS, documents)
    (documents / "注入测试.md").write_text(INJECTION, encoding="utf-8")
    build_index(documents, root / "index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        with running_app(root / "index", documents) as url:
            yield url, documents


def ask(page, question: str) -> str:
    """Type a question, send it, and return the text of the bot's reply."""
    replies = page.locator("#chat .bot")
    before = replies.count()
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    replies.nth(before).wait_for(timeout=REPLY_TIMEOUT_MS)
    reply = replies.nth(before)
    deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
    while "Loading content" in reply.inner_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # the bubble exists before its markdown is rendered
    return reply.inner_text()


def test_the_page_answers_an_example_question_with_answer_line_and_citation(page):
    assert page.title() == "清镇文档问答"
    assert "documents" in page.locator("#index-info").inner_text()
    text = ask(page, "2024年一季度清镇市规上工业增加值同比增长多少？")  # one of the page's example questions
    answer_line = text.splitlines()[0]
    assert answer_line.startswith("答：") and "[1]" in answer_line and answer_line.endswith("]")  # cited
    assert "同比增长29%" in answer_line, answer_line
    assert "[1] 《抓项目 强企业 兴产业——清镇市实现工业经济“开门红”背后》 · 贵阳日报_2024-04-30" in text
    assert page.locator("#chat .bot mark").count() > 0  # the question's words, highlighted
    screenshot = os.environ.get("QA_SCREENSHOT")
    if screenshot:
        page.locator("#chat [role=log], #chat .bubble-wrap").first.evaluate("node => node.scrollTo(0, 0)")
        page.screenshot(path=screenshot)


def test_a_hostile_document_is_shown_as_text(page):
    ask(page, "注入测试文档里写了什么？")
    text = page.locator("#chat .bot").last.text_content()  # folded passages included
    assert "<script>window.__pwned = 1;</script>" in text
    assert "[注入链接](http://evil.example/)" in text
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat a[href*='evil.example']").count() == 0
    assert page.locator("#chat .bot script, #chat .bot img").count() == 0
    assert "$$E=mc^2$$" in text and "$x^2$" in text and "$5和$6" in text  # dollars are text, not LaTeX
    assert page.locator("#chat .katex, #chat math").count() == 0


def test_a_question_with_html_is_shown_as_text(page):
    question = (
        '<img src=x onerror="window.__pwned = 3"><b>粗体</b>[链接](http://evil.example/)贵州省2024年从哪天起全面入汛？'
    )
    text = ask(page, question)
    assert text.startswith("答：")  # answered (retrieval may well prefer the hostile document)
    user = page.locator("#chat .user").last.inner_text()
    assert user.strip() == question
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat img, #chat b, #chat a[href*='evil.example']").count() == 0


def test_a_question_with_a_script_tag_runs_nothing(page):
    question = "<script>window.__pwned = 4;</script>[点我](http://evil.example/q)凹河村种了多少亩樱桃？"
    assert ask(page, question).startswith("答：")  # answered (retrieval may well prefer the hostile document)
    assert page.locator("#chat .user").last.inner_text().strip() == question
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat script, #chat a[href*='evil.example']").count() == 0


def test_a_follow_up_in_the_page_uses_the_conversation(page):
    assert "樱桃600亩" in ask(page, "凹河村种了多少亩樱桃？").splitlines()[0]
    reply = ask(page, "枇杷呢？")
    assert reply.startswith("检索：凹河村种了多少亩樱桃? 枇杷")
    assert "枇杷456亩" in reply


def test_a_long_question_is_cut_with_a_notice(page):
    text = ask(page, "贵州省从哪天起全面入汛？" + "啊" * 10_000)
    assert text.startswith(truncation_notice())
    assert "5月1日起全面入汛" in text


def test_an_empty_question_is_answered_in_the_chat(page):
    text = ask(page, "   ")
    assert "问题为空" in text


def test_rebuilding_from_the_page_is_used_without_a_restart(page, served):
    (served[1] / "新增.md").write_text("# 新增文档\n\n卫城镇新建了一座紫藤花博物馆。\n", encoding="utf-8")
    page.get_by_role("button", name="重建索引").click()
    page.locator("#rebuild-status", has_text="索引已重建").wait_for(timeout=REPLY_TIMEOUT_MS)
    assert "4 个文档" in page.locator("#rebuild-status").inner_text()
    assert "紫藤花博物馆" in ask(page, "卫城镇新建了什么博物馆？").splitlines()[0]


def test_the_hostile_document_does_not_cost_answers(served):
    """The served index (documents plus the hostile one) answers our own questions as well as the documents alone."""
    retriever = Retriever.load(Path(served[1]).parent / "index")
    items = load_questions(OWN_QUESTIONS)
    hits = sum(is_hit(answer(item.question, retriever=retriever).text, item.answers) for item in items)
    assert hits / len(items) >= 0.55
