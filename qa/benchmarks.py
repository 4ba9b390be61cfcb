"""Public question sets in `qa eval`: SQuAD-style JSON (DRCD, CMRC 2018) and RGB JSON lines.

    qa eval --questions ../shared/external/drcd/DRCD_dev.json --limit 300
    qa eval --questions ../shared/external/rgb/zh_refine.dev.json --json

SQuAD: every context paragraph becomes one document (`<paragraph id>.txt`) and every
question is asked against all of them. Reported: hit@1/hit@5 and MRR (a passage holds a
gold span, white space removed), src@1 (the first passage comes from the question's own
paragraph), the found rate, and answer containment (`found`, and a gold span in the answer).

RGB (Chen et al., AAAI 2024): negative rejection asks every query of an index of the
pooled negative passages (a passage that is another instance's positive left out), and
counts answers of "not in the documents"; noise robustness indexes, for each noise ratio,
the 5 passages RGB hands each instance (ratio x 5 negatives, the rest positives, pooled
over the instances) and counts answers that hold every answer element (an element that
is a list holds alternatives), as RGB's `checkanswer` does.

Corpora are written once into the evaluation cache and indexed by `qa.evaluation.evaluation_index`,
so a second run only asks the questions. RGB's six collections (the negatives, five noise
ratios) overlap, so their union is embedded once and each is searched as a subset of it
(its own vectors, and a keyword index of its own passages). The files stay outside the project.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qa.answer import answer
from qa.cache import cache_root
from qa.errors import QAError
from qa.evaluation import MRR_DEPTH, compact, is_hit, read_json_lines
from qa.index_format import VECTORS_FILE, LoadedIndex, load_index
from qa.live import shared_encoder
from qa.local_store import LocalStore
from qa.retriever import DEFAULT_MODE, Retriever, check_encoder
from qa.sparse import SparseIndex
from qa.vector_index import make_vector_index

log = logging.getLogger(__name__)

SQUAD = "squad"
RGB = "rgb"
SEEDS = "questions"
RGB_PASSAGES = 5  # documents RGB hands a model per question
NOISE_RATIOS = (0.0, 0.2, 0.4, 0.6, 0.8)
ANSWER_K = 5  # passages an answer is composed from, as in the chat
SHOWN_MISSES = 20


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    paragraph: str  # the source of the question's own paragraph document


@dataclass(frozen=True)
class SquadSet:
    name: str
    paragraphs: dict[str, str]  # source ("<paragraph id>.txt") -> context
    questions: list[SquadQuestion]


@dataclass(frozen=True)
class RgbInstance:
    id: str
    query: str
    answer: tuple[str | tuple[str, ...], ...]  # every element must appear; a tuple holds alternatives
    positive: tuple[str, ...]
    negative: tuple[str, ...]


@dataclass(frozen=True)
class BenchmarkMiss:
    id: str
    question: str
    expected: str  # a gold answer, or "not in the documents"
    got: str  # the answer text, or the first passage
    rank: int | None = None  # 1-based rank of the first passage holding a gold span


@dataclass
class SquadReport:
    name: str
    questions: int
    paragraphs: int
    passages: int
    hit_at_1: float
    hit_at_5: float
    mrr: float
    src_at_1: float
    found: float
    answer_contains: float
    retrieval_misses: list[BenchmarkMiss] = field(default_factory=list)
    answer_misses: list[BenchmarkMiss] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("questions / paragraphs / passages", f"{self.questions} / {self.paragraphs} / {self.passages}"),
            ("hit@1", f"{self.hit_at_1:.3f}"),
            ("hit@5", f"{self.hit_at_5:.3f}"),
            (f"MRR@{MRR_DEPTH}", f"{self.mrr:.3f}"),
            ("src@1", f"{self.src_at_1:.3f}"),
            ("found", f"{self.found:.1%}"),
            ("answer holds a gold span", f"{self.answer_contains:.1%}"),
        ]


@dataclass
class RgbReport:
    name: str
    instances: int
    rejection: float  # share of queries answered "not in the documents" over the negatives
    rejection_passages: int
    accuracy: dict[str, float]  # noise ratio ("0.4") -> share of answers holding every element
    rejection_misses: list[BenchmarkMiss] = field(default_factory=list)
    noise_misses: dict[str, list[BenchmarkMiss]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("instances", str(self.instances)),
            (f"negative rejection ({self.rejection_passages} passages)", f"{self.rejection:.1%}"),
        ]
        rows += [(f"accuracy at noise {ratio}", f"{value:.1%}") for ratio, value in self.accuracy.items()]
        return rows


def detect_format(path: Path) -> str:
    """SQUAD for a JSON object with "data", RGB for JSON lines with "query" and "positive", else SEEDS."""
    try:
        with open(path, encoding="utf-8") as file:
            head = file.read(4096).lstrip()
    except OSError as error:
        raise QAError(f"无法读取问题文件 {path}：{error.strerror} (Cannot read question file {path})") from error
    if head.startswith("{") and re.match(r'\{\s*"(?:version|data)"', head):
        return SQUAD
    first = head.splitlines()[0] if head else ""
    if '"query"' in first and '"positive"' in first:
        return RGB
    return SEEDS


def _read_json(path: Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise QAError(f"无法读取问题文件 {path}：{error.strerror} (Cannot read question file {path})") from error
    except ValueError as error:
        raise QAError(f"{path}: not a SQuAD-style JSON file ({error})") from error


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "paragraph"


def load_squad(path: Path) -> SquadSet:
    """Paragraphs and questions of a SQuAD-style file; questions without an answer span are left out."""
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise QAError(f'{path}: not a SQuAD-style JSON file (no "data" list)')
    paragraphs: dict[str, str] = {}
    questions: list[SquadQuestion] = []
    for article_number, article in enumerate(data["data"]):
        for paragraph_number, paragraph in enumerate(article.get("paragraphs", [])):
            paragraph_id = str(paragraph.get("id") or f"{article.get('id', article_number)}-{paragraph_number}")
            source = f"{_safe_name(paragraph_id)}.txt"
            while source in paragraphs:
                source = f"{source[:-4]}_.txt"
            paragraphs[source] = paragraph.get("context", "")
            for qa in paragraph.get("qas", []):
                answers = tuple(dict.fromkeys(a["text"] for a in qa.get("answers", []) if a.get("text", "").strip()))
                if qa.get("question") and answers:
                    questions.append(SquadQuestion(str(qa.get("id", len(questions))), qa["question"], answers, source))
    return SquadSet(Path(path).stem, paragraphs, questions)


def load_rgb(path: Path) -> list[RgbInstance]:
    """Instances of an RGB file (JSON lines); nested positives (zh_int) are flattened."""
    instances = []
    for number, item in read_json_lines(path):
        answers = tuple(tuple(a) if isinstance(a, list) else a for a in item.get("answer", []))
        instances.append(
            RgbInstance(
                str(item.get("id", number)),
                item["query"],
                answers,
                tuple(_flatten(item.get("positive", []))),
                tuple(_flatten(item.get("negative", []))),
            )
        )
    return instances


def _flatten(passages: Iterable) -> list[str]:
    flat: list[str] = []
    for passage in passages:
        flat.extend(_flatten(passage) if isinstance(passage, list) else [passage])
    return [p for p in flat if isinstance(p, str) and p.strip()]


def rgb_correct(text: str, answers: tuple[str | tuple[str, ...], ...]) -> bool:
    """RGB's checkanswer: every element in the text (lower-cased); a tuple element needs one alternative."""
    text = text.lower()
    return all(
        any(a.lower() in text for a in element) if isinstance(element, tuple) else element.lower() in text
        for element in answers
    )


def rgb_documents(instance: RgbInstance, noise_ratio: float) -> list[str]:
    """The passages RGB hands a model for one instance at a noise ratio (its processdata)."""
    negatives = math.ceil(RGB_PASSAGES * noise_ratio)
    positives = RGB_PASSAGES - negatives
    if negatives > len(instance.negative):
        negatives = len(instance.negative)
        positives = RGB_PASSAGES - negatives
    elif positives > len(instance.positive):
        positives = len(instance.positive)
        negatives = RGB_PASSAGES - positives
    return list(instance.positive[:positives]) + list(instance.negative[:negatives])


def rejection_passages(instances: list[RgbInstance]) -> list[str]:
    """Every negative passage of the set, less those that are some instance's positive."""
    positives = {compact(p) for instance in instances for p in instance.positive}
    return [p for instance in instances for p in instance.negative if compact(p) not in positives]


def sample(items: list, limit: int | None) -> list:
    """`limit` items spread evenly over the list (all of them when limit is None or larger)."""
    if not limit or limit >= len(items):
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def write_corpus(name: str, documents: dict[str, str]) -> Path:
    """A cached folder of plain-text documents, written once per content; identical texts once."""
    digest = hashlib.sha256()
    for source, text in sorted(documents.items()):
        digest.update(source.encode() + b"\0" + text.encode() + b"\0")
    folder = cache_root() / "benchmarks" / f"{_safe_name(name)}-{digest.hexdigest()[:16]}"
    if (folder / ".complete").exists():
        return folder
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for source, text in documents.items():
        (staging / source).write_text(text.strip() + "\n", encoding="utf-8")
    (staging / ".complete").touch()
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    log.info("wrote %d documents to %s", len(documents), folder)
    return folder


def passage_documents(passages: Iterable[str]) -> dict[str, str]:
    """One document per distinct passage, named by its position."""
    unique = list(dict.fromkeys(p.strip() for p in passages if p.strip()))
    return {f"{number:05d}.txt": text for number, text in enumerate(unique, 1)}


IndexFor = Callable[[Path], Path]  # corpus folder -> the folder of its cached, current index


def load_retriever(index_dir: Path, mode: str = DEFAULT_MODE, sources: set[str] | None = None) -> Retriever:
    """A retriever over an index, or over the passages of some of its documents only."""
    index = load_index(index_dir)
    encoder = shared_encoder(index.manifest.model, index.manifest.encoder)
    if sources is not None:
        rows = [p.passage_id for p in index.passages if p.source in sources]
        passages = [replace(index.passages[row], passage_id=i) for i, row in enumerate(rows)]
        vectors = np.load(index_dir / VECTORS_FILE)[rows]
        with_titles = index.manifest.settings.get("embed_titles", True)
        index = LoadedIndex(
            index_dir,
            index.manifest,
            make_vector_index(vectors, vectors.shape[1])[0],
            SparseIndex.build([p.indexed_text(with_titles) for p in passages]),
            passages,
        )
    return Retriever(check_encoder(LocalStore(index), encoder), encoder, mode)


def evaluate_squad(dataset: SquadSet, retriever: Retriever, limit: int | None = None) -> SquadReport:
    questions = sample(dataset.questions, limit)
    ranks: list[int | None] = []
    source_hits = found = contained = 0
    retrieval_misses, answer_misses = [], []
    for item in questions:
        passages = retriever.retrieve(item.question, k=MRR_DEPTH)
        rank = next((i for i, p in enumerate(passages, 1) if is_hit(p.text, item.answers)), None)
        ranks.append(rank)
        source_hits += bool(passages) and passages[0].source == item.paragraph
        result = answer(item.question, k=ANSWER_K, retriever=retriever)
        found += result.found
        holds = result.found and is_hit(result.text, item.answers)
        contained += holds
        if rank != 1:
            top = passages[0].text[:80] if passages else ""
            retrieval_misses.append(BenchmarkMiss(item.id, item.question, item.answers[0], top, rank))
        if not holds:
            answer_misses.append(BenchmarkMiss(item.id, item.question, item.answers[0], result.text[:120], rank))
    count = max(len(questions), 1)
    return SquadReport(
        name=dataset.name,
        questions=len(questions),
        paragraphs=len(dataset.paragraphs),
        passages=len(retriever.passages),
        hit_at_1=sum(r == 1 for r in ranks) / count,
        hit_at_5=sum(r is not None and r <= 5 for r in ranks) / count,
        mrr=sum(1 / r for r in ranks if r is not None) / count,
        src_at_1=source_hits / count,
        found=found / count,
        answer_contains=contained / count,
        retrieval_misses=retrieval_misses,
        answer_misses=answer_misses,
    )


def run_squad(path: Path, index_for: IndexFor, limit: int | None = None, mode: str = DEFAULT_MODE) -> SquadReport:
    dataset = load_squad(path)
    corpus = write_corpus(f"squad-{dataset.name}", dataset.paragraphs)
    return evaluate_squad(dataset, load_retriever(index_for(corpus), mode), limit)


def run_rgb(
    path: Path,
    index_for: IndexFor,
    limit: int | None = None,
    mode: str = DEFAULT_MODE,
    ratios: tuple[float, ...] = NOISE_RATIOS,
) -> RgbReport:
    instances = sample(load_rgb(path), limit)
    name = Path(path).stem
    pool = rejection_passages(instances)
    handed = {ratio: [p for instance in instances for p in rgb_documents(instance, ratio)] for ratio in ratios}
    documents = passage_documents([*pool, *(p for passages in handed.values() for p in passages)])
    source_of = {text: source for source, text in documents.items()}
    index_dir = index_for(write_corpus(f"rgb-{name}", documents))

    def subset(passages: list[str]) -> Retriever:
        return load_retriever(index_dir, mode, {source_of[p.strip()] for p in passages if p.strip()})

    retriever = subset(pool)
    rejected = 0
    rejection_misses = []
    for instance in instances:
        result = answer(instance.query, k=ANSWER_K, retriever=retriever)
        if result.found:
            rejection_misses.append(
                BenchmarkMiss(instance.id, instance.query, "not in the documents", result.text[:120])
            )
        else:
            rejected += 1
    accuracy: dict[str, float] = {}
    noise_misses: dict[str, list[BenchmarkMiss]] = {}
    for ratio in ratios:
        retriever = subset(handed[ratio])
        correct = 0
        misses = []
        for instance in instances:
            result = answer(instance.query, k=ANSWER_K, retriever=retriever)
            if rgb_correct(result.text, instance.answer):
                correct += 1
            else:
                expected = "、".join("/".join(e) if isinstance(e, tuple) else e for e in instance.answer)
                misses.append(BenchmarkMiss(instance.id, instance.query, expected, result.text[:120]))
        accuracy[f"{ratio:g}"] = correct / max(len(instances), 1)
        noise_misses[f"{ratio:g}"] = misses
    return RgbReport(
        name=name,
        instances=len(instances),
        rejection=rejected / max(len(instances), 1),
        rejection_passages=len(set(pool)),
        accuracy=accuracy,
        rejection_misses=rejection_misses,
        noise_misses=noise_misses,
    )


def format_report(report: SquadReport | RgbReport, shown: int = SHOWN_MISSES) -> str:
    """The summary table (markdown) and the first misses of each kind."""
    lines = [f"## {report.name}", "", "| measure | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in report.rows()]
    if isinstance(report, SquadReport):
        groups = {
            "retrieval misses (no gold span first)": report.retrieval_misses,
            "answers without a gold span": report.answer_misses,
        }
    else:
        groups = {"not rejected over the negatives": report.rejection_misses}
        groups |= {f"wrong at noise {ratio}": misses for ratio, misses in report.noise_misses.items()}
    for label, misses in groups.items():
        lines += ["", f"{label}: {len(misses)}" + (f" (first {shown})" if len(misses) > shown else "")]
        for miss in misses[:shown]:
            where = f" [first hit at {miss.rank}]" if miss.rank else ""
            lines.append(f"  {miss.id} {miss.question} -> expected {miss.expected}{where}")
            lines.append(f"       got: {miss.got}")
    return "\n".join(lines)
