"""The documents folder as a library an editor manages: list, add uploaded files, remove.

    >>> saved = save_uploads(Path("documents"), [Upload("新闻.txt", data)])   # cleaned, checked, saved
    >>> report = update_index(Path("documents"), Path("index"))              # incremental, behind the build lock
    >>> [entry.status for entry in list_documents(Path("documents"), Path("index"))]
    ['indexed', 'skipped', ...]

Safety, whatever the caller sends:
- a file name is reduced to its last component and cleaned; hidden names, names without a
  supported suffix and names that already exist (unless `replace`) are refused;
- each file and each upload has a size limit (`Limits`);
- the bytes must read as a document with the project's own readers (`qa.documents`) and
  hold body text, else the file is refused with the reason;
- files are written only inside the documents folder: staged in its hidden `.uploads/`
  folder (which scans ignore) and moved into place atomically, so a half-written file is
  never indexed; a removed file moves to the hidden `.removed/` folder, so it can be restored.

Saving and indexing are separate steps: files are saved first, then `update_index` runs an
incremental build behind the index's build lock (`qa.lock`). A second upload arriving
while a build runs saves its files and waits for the lock; its build then indexes them, so
nothing uploaded is lost. This module does not know Gradio (`qa.web_documents` does).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.documents import SUPPORTED_SUFFIXES, read_document, scan_documents
from qa.embedding import configured_model
from qa.errors import DocumentReadError, QAError
from qa.index import NO_BODY_TEXT, BuildReport, build_index, has_body_text
from qa.index_format import MANIFEST_FILE, Manifest, read_manifest

log = logging.getLogger(__name__)

STAGING_DIR = ".uploads"  # hidden: scan_documents and `qa watch` ignore it
REMOVED_DIR = ".removed"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_FILES = 20
MAX_NAME_BYTES = 200  # in UTF-8; file systems allow 255 bytes a name, and a Chinese character takes 3
BUILD_WAIT = 30 * 60.0  # seconds an upload's build waits behind another build before it gives up
# characters Windows or a shell would trip over, and control characters
UNSAFE_NAME_CHARACTERS = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')

INDEXED = "indexed"
SKIPPED = "skipped"
PENDING = "pending"  # in the folder, not indexed yet (a build is due)

_builds = threading.Lock()  # one build at a time in this process; the file lock keeps other processes out


class LibraryError(QAError):
    """A request on the library that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Limits:
    file_bytes: int = MAX_FILE_BYTES
    upload_bytes: int = MAX_UPLOAD_BYTES
    upload_files: int = MAX_UPLOAD_FILES


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: the name the user's computer gave it, and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | Path, name: str | None = None) -> Upload:
        """An upload read from a temporary file (Gradio saves uploads to one), named `name` or as the file."""
        return cls(name or Path(path).name, Path(path).read_bytes())


@dataclass(frozen=True)
class Saved:
    name: str  # the file name as given
    source: str  # as saved, relative to the documents folder ("" when refused)
    reason: str = ""  # why it was refused; "" when saved
    replaced: bool = False

    @property
    def ok(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class LibraryEntry:
    """One file of the documents folder, as the documents panel lists it."""

    source: str  # path relative to the documents folder
    status: str  # INDEXED, SKIPPED or PENDING
    articles: int
    passages: int
    added_at: str  # when the file was saved (its modification time), ISO 8601, UTC
    size: int  # bytes
    reason: str = ""  # why it was skipped


def clean_name(name: str) -> str:
    """A safe file name for the documents folder, or LibraryError with the reason.

    '../../etc/新闻.TXT' -> '新闻.TXT'; 'C:\\\\Users\\\\ana\\\\报告.docx' -> '报告.docx';
    '.bashrc', 'a.exe', '' -> refused.
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", str(name)))[-1].strip()
    if base.startswith(".") and base not in (".", ".."):
        raise LibraryError(f"不接受隐藏文件 {base} (hidden files are not accepted)")
    base = UNSAFE_NAME_CHARACTERS.sub("_", base).rstrip(". ")  # Windows drops trailing dots and spaces
    if not base:
        raise LibraryError(f"文件名为空 (empty file name: {name!r})")
    if Path(base).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise LibraryError(
            f"不支持的文件类型 {Path(base).suffix or '（无扩展名）'}，只接受 {' '.join(SUPPORTED_SUFFIXES)} "
            f"(unsupported file type; accepted: {' '.join(SUPPORTED_SUFFIXES)})"
        )
    stem, suffix = Path(base).stem, Path(base).suffix
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def _inside(path: Path, folder: Path) -> bool:
    return folder in path.parents


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_document(data: bytes, name: str, staging: Path) -> str | None:
    """Why `data` is not a readable document with body text (as the index would read it); None when it is."""
    staging.mkdir(parents=True, exist_ok=True)
    probe = staging / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    try:
        probe.write_bytes(data)
        document = read_document(probe, staging)
    except DocumentReadError as error:
        return error.reason
    finally:
        probe.unlink(missing_ok=True)
    if not has_body_text(document):
        return NO_BODY_TEXT
    return None


def save_uploads(
    documents_dir: Path, uploads: Sequence[Upload], *, replace: bool = False, limits: Limits = Limits()
) -> list[Saved]:
    """Check and save each upload into the documents folder; one `Saved` per upload, in order.

    A refused file does not stop the others, except that an upload over the total limit or
    the file count is refused whole (nothing saved), since the user must choose what to send.
    """
    documents_dir = Path(documents_dir)
    documents_dir.mkdir(parents=True, exist_ok=True)
    total = sum(len(upload.data) for upload in uploads)
    if len(uploads) > limits.upload_files:
        reason = f"一次最多上传 {limits.upload_files} 个文件，收到 {len(uploads)} 个 (too many files in one upload)"
        return [Saved(upload.name, "", reason) for upload in uploads]
    if total > limits.upload_bytes:
        reason = (
            f"一次上传合计不能超过 {_size_text(limits.upload_bytes)}，收到 {_size_text(total)} "
            "(the upload is over the total size limit)"
        )
        return [Saved(upload.name, "", reason) for upload in uploads]
    root = documents_dir.resolve()
    staging = root / STAGING_DIR
    results: list[Saved] = []
    names_taken: set[str] = set()
    for upload in uploads:
        try:
            name = clean_name(upload.name)
        except LibraryError as error:
            results.append(Saved(upload.name, "", str(error)))
            continue
        results.append(_save_one(root, staging, upload, name, names_taken, replace=replace, limits=limits))
    return results


def _save_one(
    root: Path, staging: Path, upload: Upload, name: str, names_taken: set[str], *, replace: bool, limits: Limits
) -> Saved:
    if len(upload.data) > limits.file_bytes:
        return Saved(
            upload.name,
            "",
            f"文件大小 {_size_text(len(upload.data))} 超过单个文件上限 {_size_text(limits.file_bytes)} "
            "(the file is over the size limit)",
        )
    if not upload.data:
        return Saved(upload.name, "", "空文件 (empty file, 0 bytes)")
    if name.lower() in names_taken:
        return Saved(upload.name, "", f"同一次上传里有两个 {name} (the same name twice in one upload)")
    target = root / name
    if not _inside(target.resolve(), root) or target.is_symlink():
        return Saved(upload.name, "", f"文件名 {name} 不安全 (unsafe file name)")
    exists = target.exists()
    if exists and not target.is_file():
        return Saved(upload.name, "", f"{name} 是一个文件夹 (a folder has that name)")
    if exists and not replace:
        if target.read_bytes() == upload.data:
            return Saved(upload.name, name, "", replaced=False)  # the very same bytes: nothing to do
        return Saved(
            upload.name,
            "",
            f"已有同名文件 {name}；勾选“替换同名文件”才会覆盖 (a file of that name exists; tick replace to overwrite it)",
        )
    problem = check_document(upload.data, name, staging)
    if problem is not None:
        return Saved(upload.name, "", f"不是可读的文档：{problem} (not a readable document: {problem})")
    staged = staging / f"{uuid.uuid4().hex}.part"
    staged.write_bytes(upload.data)
    os.replace(staged, target)  # atomic: a scan sees the old file or the whole new one
    names_taken.add(name.lower())
    log.info("saved upload %s (%d bytes)%s", name, len(upload.data), " replacing the old file" if exists else "")
    return Saved(upload.name, name, "", replaced=exists)


def _source_path(documents_dir: Path, source: str) -> Path:
    """The file of a listed document, or LibraryError when `source` names none inside the folder."""
    root = Path(documents_dir).resolve()
    path = root / source
    parts = Path(source).parts
    if (
        not source
        or Path(source).is_absolute()
        or any(part in ("..", ".") or part.startswith(".") for part in parts)
        or not _inside(path.resolve(), root)
        or not path.is_file()
    ):
        raise LibraryError(f"文档库里没有 {source} (no document {source!r} in the documents folder)")
    return path


def remove_document(documents_dir: Path, source: str) -> Path:
    """Move a document out of the folder into its hidden `.removed/` folder; returns where it went.

    The index forgets it at the next build (`update_index`). Raises LibraryError for a name
    that is not a document of the folder.
    """
    path = _source_path(documents_dir, source)
    root = Path(documents_dir).resolve()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    kept = root / REMOVED_DIR / f"{stamp}-{uuid.uuid4().hex[:6]}-{path.name}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, kept)
    log.info("removed %s (kept as %s)", source, kept.relative_to(root))
    return kept


def update_index(
    documents_dir: Path,
    index_dir: Path,
    *,
    store: str | None = None,
    show_progress: bool = False,
    lock_wait: float = BUILD_WAIT,
    build: Callable[..., BuildReport] = build_index,
) -> BuildReport:
    """An incremental build after files were added or removed, queued behind any build running.

    Raises IndexLockedError when another process held the build lock for `lock_wait` seconds
    (the saved files stay in the folder and the next build indexes them), NoDocumentsError
    when the folder has no readable document left.
    """
    with _builds:
        return build(
            Path(documents_dir),
            Path(index_dir),
            model=configured_model(),
            show_progress=show_progress,
            lock_wait=lock_wait,
            store=store,
        )


def index_manifest(index_dir: Path, store: str | None = None) -> Manifest | None:
    """The manifest of the index (folder or Milvus store), None when there is none or it cannot be read."""
    try:
        if store:
            from qa.milvus_store import published_manifest as store_manifest
            from qa.store import parse_location

            location = parse_location(store)
            if not location.is_local:
                return store_manifest(location)
            index_dir = Path(location.uri)
        if not (Path(index_dir) / MANIFEST_FILE).is_file():
            return None
        return read_manifest(Path(index_dir))
    except (QAError, OSError) as error:
        log.warning("cannot read the index manifest: %s", error)
        return None


def list_documents(documents_dir: Path, index_dir: Path, *, store: str | None = None) -> list[LibraryEntry]:
    """Every document file in the folder with what the index holds of it, sorted by name.

    A file whose bytes differ from what the index read is PENDING until the next build.
    """
    documents_dir = Path(documents_dir)
    if not documents_dir.is_dir():
        return []
    manifest = index_manifest(index_dir, store)
    indexed = manifest.documents if manifest else {}
    skipped = manifest.skipped if manifest else {}
    scan = scan_documents(documents_dir)
    entries = []
    for found in scan.files:
        entry, reason = indexed.get(found.source), ""
        if entry is not None and entry.get("sha256") == found.sha256:
            status = INDEXED
        elif skipped.get(found.source, {}).get("sha256") == found.sha256:
            status, entry, reason = SKIPPED, None, skipped[found.source]["reason"]
        else:
            status, entry = PENDING, None
        entries.append(_entry(found.path, found.source, status, entry or {}, reason))
    for item in scan.skipped:
        entries.append(_entry(documents_dir / item.source, item.source, SKIPPED, {}, item.reason))
    return sorted(entries, key=lambda entry: entry.source)


def _entry(path: Path, source: str, status: str, counts: dict[str, Any], reason: str) -> LibraryEntry:
    try:
        info = path.lstat()
        added_at = datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="seconds")
        size = info.st_size
    except OSError:
        added_at, size = "", 0
    return LibraryEntry(
        source=source,
        status=status,
        articles=int(counts.get("articles", 0)),
        passages=int(counts.get("passages", 0)),
        added_at=added_at,
        size=size,
        reason=reason,
    )

