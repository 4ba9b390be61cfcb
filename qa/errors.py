"""Narrow error classes, each with a message that says how to fix the problem.

The CLI and the web chat turn these into one-line messages; anything else is a bug.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error a user can act on."""


class UsageError(QAError):
    """The input itself is wrong (an empty question, a bad k or mode): the CLI exits 2 for these, 1 for the rest."""


class EmptyQuestionError(UsageError):
    def __init__(self) -> None:
        super().__init__("问题为空：请输入一个问题。 (The question is empty: type a question.)")


class InvalidKError(UsageError):
    def __init__(self, k: object) -> None:
        super().__init__(f"k 必须是不小于 1 的整数，收到 {k!r}。 (k must be an integer >= 1, got {k!r}.)")


class InvalidModeError(UsageError):
    def __init__(self, mode: object, modes: tuple[str, ...]) -> None:
        super().__init__(
            f"检索模式必须是 {'/'.join(modes)} 之一，收到 {mode!r}。 (mode must be one of {', '.join(modes)}.)"
        )


class IndexNotFoundError(QAError):
    def __init__(self, index_dir: object) -> None:
        super().__init__(
            f"找不到索引 {index_dir}：请先运行 `qa build` 建立索引。 "
            f"(No index at {index_dir}: run `qa build` to build it.)"
        )


class IndexMismatchError(QAError):
    """The index on disk was built with another format version or model, or is damaged."""

    def __init__(self, index_dir: object, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"索引 {index_dir} 不可用：{problem}。请运行 `qa build` 重建索引。 "
            f"(The index at {index_dir} cannot be used: {problem}. Run `qa build` to rebuild it.)"
        )


class NoDocumentsError(QAError):
    def __init__(self, documents_dir: object) -> None:
        super().__init__(
            f"文档目录 {documents_dir} 中没有可读的文档（.txt .md .html .docx .pdf）。 "
            f"(No readable documents (.txt .md .html .docx .pdf) in {documents_dir}.)"
        )


class DocumentReadError(QAError):
    def __init__(self, path: object, reason: str, *, sha256: str | None = None) -> None:
        super().__init__(f"无法读取文件 {path}：{reason} (Cannot read {path}: {reason})")
        self.path = path
        self.reason = reason
        self.sha256 = sha256  # of the bytes read, None when they could not be read


class IndexLockedError(QAError):
    """Another process is building the same index."""

    def __init__(self, index_dir: object, lock_file: object, holder: str) -> None:
        who = f" (process {holder})" if holder else ""
        super().__init__(
            f"另一个进程{who}正在更新索引 {index_dir}，请等它完成后再试。 "
            f"(Another build{who} is updating the index at {index_dir}; wait for it to finish and try again. "
            f"Lock file: {lock_file})"
        )


class ModelLoadError(QAError):
    def __init__(self, model: str, reason: str) -> None:
        super().__init__(
            f"无法加载嵌入模型 {model!r}：{reason}。可用 --model 或环境变量 QA_MODEL 指定模型名或路径。 "
            f"(Cannot load embedding model {model!r}: {reason}. "
            f"Pass --model or set QA_MODEL to a sentence-transformers name or path.)"
        )


class StoreUnavailableError(QAError):
    """The store named by --store / QA_STORE cannot be used: its client is missing or its server is unreachable."""

    def __init__(self, store: object, reason: str) -> None:
        self.reason = reason
        super().__init__(f"无法使用索引存储 {store}：{reason}。 (Cannot use the store {store}: {reason}.)")
