"""The documents tab in headless Chromium, as an editor uses it: upload a real file, ask, remove it.

Served with the real model over a copy of the real documents, with uploads on (as `qa serve`
on 127.0.0.1 runs it). The conversation started before an upload goes on after it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.index import build_index
from qa.library import update_index
from tests.conftest import DOCUMENTS
from tests.test_app import running_app
from tests.test_app_browser import REPLY_TIMEOUT_MS, ask

pytestmark = pytest.mark.integration

# Facts no shipped document holds, so only this file can answer the question.
UPLOADED = """# 红枫湖镇新建观鸟台

本报讯 红枫湖镇在湖畔新建了一座观鸟台，高十八米，可同时容纳一百二十名游客。
观鸟台于今年三月投入使用，每天上午八点开放。
"""
QUESTION = "红枫湖镇新建的观鸟台有多高？"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("documents-browser")
    documents = root / "documents"
    shutil.copytree(DOCUMENTS, documents)
    build_index(documents, root / "index")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        with running_app(root / "index", documents, manage_documents=True) as url:
            yield url, documents


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def upload(page, path: Path) -> str:
    """Choose a file in the documents tab; return the status once the index is updated or the file refused."""
    open_tab(page, "文档库 Documents")
    page.locator("#documents-upload input[type=file]").set_input_files(str(path))
    status = page.locator("#documents-status")
    status.locator("text=/索引已更新|未保存|索引未更新/").first.wait_for(timeout=REPLY_TIMEOUT_MS)
    return status.inner_text()


def test_an_uploaded_file_answers_and_the_conversation_goes_on(page, served, tmp_path: Path):
    first = ask(page, "凹河村种了多少亩樱桃？")
    assert "樱桃600亩" in first
    assert "观鸟台" not in ask(page, QUESTION).splitlines()[0]  # not in the documents yet
    source = tmp_path / "红枫湖观鸟台.txt"
    source.write_bytes(UPLOADED.encode("gb18030"))  # an editor's file saved in GB18030
    status = upload(page, source)
    assert "索引已更新" in status and "已保存 红枫湖观鸟台.txt" in status, status
    table = page.locator("#documents-table").inner_text()
    assert "红枫湖观鸟台.txt" in table and "已索引" in table
    assert (served[1] / "红枫湖观鸟台.txt").read_bytes() == UPLOADED.encode("gb18030")
    open_tab(page, "对话 Chat")
    reply = ask(page, QUESTION)
    assert "十八米" in reply.splitlines()[0], reply
    assert "红枫湖观鸟台.txt" in reply
    assert page.locator("#chat .user").first.inner_text().strip() == "凹河村种了多少亩樱桃？"  # still there

    open_tab(page, "文档库 Documents")
    page.locator("#documents-remove-choice input").fill("红枫湖观鸟台.txt")
    page.get_by_role("option", name="红枫湖观鸟台.txt").click()
    page.locator("#documents-remove").click()
    page.locator("#documents-status", has_text="已移除").wait_for(timeout=REPLY_TIMEOUT_MS)
    assert "红枫湖观鸟台.txt" not in page.locator("#documents-table").inner_text()
    assert not (served[1] / "红枫湖观鸟台.txt").exists()
    open_tab(page, "对话 Chat")
    assert "十八米" not in ask(page, QUESTION).splitlines()[0]


def test_a_file_that_is_not_a_document_is_refused_with_the_reason(page, served, tmp_path: Path):
    fake = tmp_path / "照片.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    status = upload(page, fake)
    assert "未保存 照片.pdf" in status and "不是可读的文档" in status, status
    assert not (served[1] / "照片.pdf").exists()
    assert "Traceback" not in page.content()


# --- reading a reply and its sources ---------------------------------------------------------

SCREENSHOTS = os.environ.get("QA_SCREENSHOTS")  # e.g. docs/screenshots: where the layout screenshots go


def chat_box(page):
    return page.locator("#chat [role=log], #chat .bubble-wrap").first


def inside(inner: dict, outer: dict) -> bool:
    return inner["y"] >= outer["y"] - 1 and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1


@pytest.mark.parametrize(("name", "viewport"), [("desktop", (1280, 800)), ("phone", (390, 844))])
def test_a_reply_reads_from_the_top_and_a_cited_passage_opens_its_article(browser, served, name, viewport):
    width, height = viewport
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.goto(served[0])
    page.locator("#question textarea").wait_for()
    chat = page.locator("#chat").bounding_box()
    assert chat["height"] >= 0.55 * height  # the chat uses the window's height
    ask(page, "凹河村种了多少亩樱桃？")
    ask(page, "2024年一季度清镇市规上工业增加值同比增长多少？")
    reply = page.locator("#chat .bot").last
    answer_line = reply.locator("p", has_text="答：").first
    assert inside(answer_line.bounding_box(), chat_box(page).bounding_box())  # not scrolled past the answer
    summaries = reply.locator("details.cited > summary")
    assert summaries.count() == 5
    for index in range(5):  # one line each
        assert summaries.nth(index).bounding_box()["height"] < 40
    assert "[1] 《抓项目 强企业 兴产业" in summaries.first.inner_text()
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/reply-{width}x{height}.png")

    summaries.first.click()
    expanded = reply.locator("details.cited").first
    assert "同比增长29%" in expanded.inner_text()
    expanded.locator("a.open-source").click()
    view = page.locator("#source-view")
    view.locator("#cited-passage").wait_for(timeout=REPLY_TIMEOUT_MS)
    text = view.inner_text()
    assert "抓项目 强企业 兴产业" in text and "贵阳日报_2024-04-30_清镇工业经济与贵州防汛.txt" in text
    assert "2024-04-30" in text and "工业项目稳步建设" in text  # the whole article, its sections
    assert "同比增长29%" in view.locator("#cited-passage").inner_text()
    page.wait_for_timeout(500)
    cited, window = view.locator("#cited-passage").bounding_box(), {"y": 0, "height": height}
    assert inside(cited, window) or cited["height"] > height  # scrolled into view
    assert page.evaluate("location.hash") == ""  # the link opened the article, it did not navigate
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/source-{width}x{height}.png")
    page.close()


def test_a_source_link_from_before_its_document_changed_says_so(page, served):
    documents, index = served[1], served[1].parent / "index"
    (documents / "观鸟.md").write_text(UPLOADED, encoding="utf-8")
    update_index(documents, index)
    try:
        assert "观鸟.md" in ask(page, QUESTION)
        (documents / "观鸟.md").write_text(UPLOADED.replace("十八米", "二十米"), encoding="utf-8")
        update_index(documents, index)
        citation = page.locator("#chat .bot").last.locator("details.cited", has_text="观鸟.md").first
        citation.locator("summary").click()
        citation.locator("a.open-source").click()
        page.locator("#source-view", has_text="已不在索引中").wait_for(timeout=REPLY_TIMEOUT_MS)
    finally:
        (documents / "观鸟.md").unlink()
        update_index(documents, index)
