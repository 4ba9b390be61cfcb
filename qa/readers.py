"""Turn a file's bytes into text, one reader a format, each with a library made for it.

    .txt .md     UTF-8 (with or without BOM), GB18030/GBK, ...: detected by charset-normalizer
    .html .htm   the visible text (BeautifulSoup); headings become markdown headings
    .docx        paragraphs and tables (python-docx); heading styles become markdown headings
    .pdf         the text layer, page by page (pypdf)

A reader raises `UnreadableError(reason)` when the bytes hold no usable text. This
module does not walk folders or hash files; `qa.documents` does.
"""

from __future__ import annotations

import io
import logging
import re

log = logging.getLogger(__name__)

CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
MAX_CONTROL_SHARE = 0.01  # more control bytes than this and a "text" file is binary
HTML_HEADINGS = {"h1": "#", "h2": "##", "h3": "###"}
HTML_BLOCKS = ("p", "div", "li", "br", "tr", "section", "article", "blockquote", "pre", "h4", "h5", "h6")


class UnreadableError(Exception):
    """The file holds no text this program can use; `reason` says why, for a warning line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_text(data: bytes) -> str:
    """Plain text in whatever encoding it was saved in.

    b"\\xef\\xbb\\xbf\\xe4\\xbd\\xa0" -> "你" (UTF-8 with BOM); "你好".encode("gb18030") -> "你好".
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and len(CONTROL.findall(data)) > MAX_CONTROL_SHARE * len(data):
        raise UnreadableError("binary file, not text")  # NUL and other control bytes; UTF-16 has a BOM
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableError("undecodable bytes: not UTF-8, GB18030 or another known text encoding")
    # GBK and GB2312 are subsets of GB18030; decoding with the superset never loses a character.
    encoding = "gb18030" if best.encoding in ("gbk", "gb2312", "hz") else best.encoding
    log.debug("decoded as %s", encoding)
    return data.decode(encoding)


def html_text(data: bytes) -> str:
    """The text a browser shows, without tags, scripts or styles; h1-h3 as markdown headings."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template", "head"]):
        hidden.decompose()
    for tag, marks in HTML_HEADINGS.items():
        for heading in soup.find_all(tag):
            heading.insert_before(f"\n\n{marks} ")
            heading.insert_after("\n\n")
    for block in soup.find_all(HTML_BLOCKS):
        block.insert_after("\n")
    return soup.get_text()


def docx_text(data: bytes) -> str:
    """Paragraphs and table rows of a Word document; Heading 1-3 styles as markdown headings."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zipfile, KeyError and its own errors
        raise UnreadableError(f"not a readable .docx file ({type(error).__name__})") from error
    lines = []
    for paragraph in document.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        level = {"Title": 1, "Heading 1": 1, "Heading 2": 2, "Heading 3": 3}.get(style)
        lines.append(f"{'#' * level} {paragraph.text}" if level and paragraph.text.strip() else paragraph.text)
    for table in document.tables:
        for row in table.rows:
            lines.append("　".join(cell.text.strip() for cell in row.cells))
    return "\n\n".join(lines)


def pdf_pages(data: bytes) -> list[str]:
    """The text layer of each page, page 1 first ("" for a page without text)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableError("encrypted PDF")
        return [page.extract_text() or "" for page in reader.pages]
    except UnreadableError:
        raise
    except Exception as error:  # damaged PDFs make pypdf raise many kinds: PdfReadError, struct.error, ...
        raise UnreadableError(f"not a readable PDF ({type(error).__name__}: {error})") from error
