"""Find and read the source documents: `.txt` and `.md` files, recursively, as UTF-8.

This module does not interpret the text; `qa.layout` turns a document into articles.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from qa.errors import DocumentReadError, NoDocumentsError

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the documents folder, with "/" separators
    text: str
    sha256: str  # of the file's bytes


def find_document_paths(documents_dir: Path) -> list[Path]:
    """Every supported file below `documents_dir`, sorted, hidden files and folders skipped."""
    paths = []
    for path in sorted(documents_dir.rglob("*")):
        relative = path.relative_to(documents_dir)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
            paths.append(path)
    return paths


def read_document(path: Path, documents_dir: Path) -> Document:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DocumentReadError(path, error.strerror or str(error)) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentReadError(path, f"not valid UTF-8 at byte {error.start}") from error
    source = path.relative_to(documents_dir).as_posix()
    return Document(source=source, text=text, sha256=hashlib.sha256(data).hexdigest())


def read_documents(documents_dir: Path) -> list[Document]:
    """Read every supported document; unreadable files are skipped with a warning.

    Raises NoDocumentsError when nothing readable is found.
    """
    if not documents_dir.is_dir():
        raise NoDocumentsError(documents_dir)
    documents = []
    for path in find_document_paths(documents_dir):
        try:
            documents.append(read_document(path, documents_dir))
        except DocumentReadError as error:
            log.warning("skipped %s: %s", path, error.reason)
    if not any(document.text.strip() for document in documents):
        raise NoDocumentsError(documents_dir)
    return documents
