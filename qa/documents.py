"""Find the source documents and read them as text: .txt .md .html .htm .docx .pdf, recursively.

Finding is cheap and separate from reading: `scan_documents` hashes every file (the
index compares hashes to decide what to embed again); `read_document` decodes one,
with the readers of `qa.readers`. Files that cannot be used (empty, binary, undecodable,
unreadable, a PDF without text, a link pointing outside the folder) are skipped with
a reason. Hidden files and folders are ignored. This module does not interpret the
text; `qa.layout` turns a document into articles.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from qa import readers
from qa.errors import DocumentReadError, NoDocumentsError

log = logging.getLogger(__name__)

DEFAULT_DOCUMENTS_DIR = "documents"
DOCUMENTS_ENV = "QA_DOCUMENTS"
TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".docx", ".pdf")


def default_documents_dir() -> Path:
    """The folder named by QA_DOCUMENTS, else `documents/`."""
    return Path(os.environ.get(DOCUMENTS_ENV) or DEFAULT_DOCUMENTS_DIR)


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the documents folder, with "/" separators
    text: str
    sha256: str  # of the file's bytes
    pages: tuple[str, ...] = ()  # a PDF's text page by page, page 1 first; () for other formats


@dataclass(frozen=True)
class FoundFile:
    source: str  # path relative to the documents folder, with "/" separators
    path: Path
    sha256: str  # of the file's bytes when scanned


@dataclass(frozen=True)
class SkippedFile:
    source: str
    reason: str  # one line, for the warning
    sha256: str | None = None  # None when the bytes could not be read


@dataclass(frozen=True)
class Scan:
    files: list[FoundFile]  # sorted by source
    skipped: list[SkippedFile]  # files skipped before reading: links, permissions, empty files


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _hash(path: Path) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def _check_link(path: Path, root: Path) -> str | None:
    """Why a symbolic link is skipped, None when it points to a file inside the folder."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link"
    if not _inside(target, root):
        return f"symbolic link pointing outside the documents folder (to {target})"
    return None


def scan_documents(documents_dir: Path) -> Scan:
    """Every supported file below `documents_dir` with its sha256, and the files skipped.

    Raises NoDocumentsError when the folder does not exist.
    """
    documents_dir = Path(documents_dir)
    if not documents_dir.is_dir():
        raise NoDocumentsError(documents_dir)
    root = documents_dir.resolve()
    files: list[FoundFile] = []
    skipped: list[SkippedFile] = []
    for folder, dirnames, filenames in os.walk(documents_dir, followlinks=False):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in dirnames:  # os.walk does not descend into linked folders; say so when they lead outside
            path = Path(folder) / name
            if path.is_symlink() and (reason := _check_link(path, root)) is not None:
                skipped.append(SkippedFile(path.relative_to(documents_dir).as_posix(), reason))
        for name in filenames:
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            source = path.relative_to(documents_dir).as_posix()
            if path.is_symlink() and (reason := _check_link(path, root)) is not None:
                skipped.append(SkippedFile(source, reason))
                continue
            try:
                if not stat.S_ISREG(path.stat().st_mode):
                    skipped.append(SkippedFile(source, "not a regular file"))
                    continue
                data, sha256 = _hash(path)
            except OSError as error:
                skipped.append(SkippedFile(source, f"cannot read ({error.strerror or error})"))
                continue
            if not data:
                skipped.append(SkippedFile(source, "empty file (0 bytes)", sha256))
                continue
            files.append(FoundFile(source, path, sha256))
    files.sort(key=lambda found: found.source)
    skipped.sort(key=lambda item: item.source)
    return Scan(files, skipped)


def find_document_paths(documents_dir: Path) -> list[Path]:
    """Every supported, readable, non-empty file below `documents_dir`, sorted."""
    return [found.path for found in scan_documents(documents_dir).files]


def read_document(path: Path, documents_dir: Path) -> Document:
    """Read and decode one file. Raises DocumentReadError with the reason it cannot be used."""
    source = Path(path).relative_to(documents_dir).as_posix()
    try:
        data, sha256 = _hash(Path(path))
    except OSError as error:
        raise DocumentReadError(path, f"cannot read ({error.strerror or error})") from error
    suffix = Path(path).suffix.lower()
    pages: tuple[str, ...] = ()
    try:
        if not data:
            raise readers.UnreadableError("empty file (0 bytes)")
        if suffix in HTML_SUFFIXES:
            text = readers.html_text(data)
        elif suffix == ".docx":
            text = readers.docx_text(data)
        elif suffix == ".pdf":
            pages = tuple(readers.pdf_pages(data))
            if not any(page.strip() for page in pages):
                raise readers.UnreadableError("PDF without a text layer (a scan?)")
            text = "\n\n".join(pages)
        else:
            text = readers.decode_text(data)
    except readers.UnreadableError as error:
        raise DocumentReadError(path, error.reason, sha256=sha256) from error
    if not text.strip():
        raise DocumentReadError(path, "no text", sha256=sha256)
    return Document(source=source, text=text, sha256=sha256, pages=pages)


def read_documents(documents_dir: Path) -> list[Document]:
    """Read every supported document; files that cannot be used are skipped with a warning.

    Raises NoDocumentsError when nothing readable is found.
    """
    scan = scan_documents(documents_dir)
    documents = []
    skipped = list(scan.skipped)
    for found in scan.files:
        try:
            documents.append(read_document(found.path, documents_dir))
        except DocumentReadError as error:
            skipped.append(SkippedFile(found.source, error.reason, error.sha256))
    for item in sorted(skipped, key=lambda item: item.source):
        log.warning("skipped %s: %s", item.source, item.reason)
    if not documents:
        raise NoDocumentsError(documents_dir)
    return documents
