"""Mutation testing of the core modules with their fast tests (mutmut 3): `make mutate`.

    python tests/mutate.py [GROUP ...]       # default: every group in GROUPS
    python tests/mutate.py --list

Each group (a module or two, and the fast test files that exercise them) runs in a scratch copy of
the working tree with its own mutmut configuration, so that a mutant is judged only by the tests
of its module and a run of one group never disturbs another. The scores go to
`mutation-results/<group>.json` (killed, survived, timeouts, and the surviving mutants with their
diffs); docs/TESTING.md holds the figures and why each survivor is acceptable. Slow (minutes per
module on two cores) and not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "mutation-results"

# group -> (modules mutated, fast test files that judge them)
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "answer": (
        ("qa/answer.py",),
        (
            "tests/test_answer.py",
            "tests/test_question.py",
            "tests/test_followup.py",
            "tests/test_chat.py",
            "tests/test_answer_evaluation.py",
            "tests/test_generation.py",
        ),
    ),
    "retrieval": (
        ("qa/retriever.py", "qa/live.py", "qa/local_store.py"),
        ("tests/test_retriever.py", "tests/test_question.py", "tests/test_encoder_fingerprint.py"),
    ),
    "keyword": (("qa/sparse.py",), ("tests/test_sparse.py",)),
    "layout": (("qa/layout.py",), ("tests/test_layout.py",)),
    "chunking": (("qa/chunking.py", "qa/documents.py"), ("tests/test_chunking.py", "tests/test_readers.py")),
    "index": (
        ("qa/index.py", "qa/index_format.py", "qa/swap.py"),
        (
            "tests/test_index.py",
            "tests/test_index_format.py",
            "tests/test_swap.py",
            "tests/test_incremental.py",
            "tests/test_integrity.py",
            "tests/test_encoder_fingerprint.py",
            "tests/test_readers.py",
        ),
    ),
    "serving": (("qa/serving.py",), ("tests/test_serving.py", "tests/test_app.py")),
}
# test files that start servers or subprocesses are left out of every group: mutmut forks a child per
# mutant, and they would multiply its time without judging these modules any better
MARKS = "not integration and not load and not slow"


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # -z: names unquoted (中文)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return [name for name in listed if not name.startswith(("index/", "mutation-results/")) and (ROOT / name).is_file()]


def scratch_copy(group: str, modules: tuple[str, ...], tests: tuple[str, ...]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"qa-mutate-{group}-"))
    for name in tracked_files():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name)
    (folder / "index").mkdir(exist_ok=True)
    lines = [
        "[mutmut]",
        "source_paths=qa",
        "only_mutate=" + "\n    ".join(modules),
        "pytest_add_cli_args_test_selection=" + "\n    ".join(tests),
        "also_copy=documents\n    eval\n    app.py\n    README.md",
        "pytest_add_cli_args=\n    -p\n    no:randomly\n    -p\n    no:cacheprovider\n    -m\n    " + MARKS,
        "",
    ]
    (folder / "setup.cfg").write_text("\n".join(lines), encoding="utf-8")
    # mutmut reads [tool.mutmut] from pyproject.toml first: there is none, so setup.cfg rules
    return folder


def run_group(group: str) -> dict:
    modules, tests = GROUPS[group]
    folder = scratch_copy(group, modules, tests)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = str(Path(sys.executable).parent / "mutmut")
    try:
        with open(RESULTS / f"{group}.log", "w", encoding="utf-8") as log:  # progress lines, as they come
            run = subprocess.run(
                [mutmut, "run", "--max-children", "2"],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        listed = subprocess.run(
            [mutmut, "results", "--all", "true"], cwd=folder, env=env, capture_output=True, text=True, check=False
        ).stdout
        statuses: dict[str, str] = {}
        for line in listed.splitlines():
            name, _, status = line.strip().rpartition(": ")
            if name:
                statuses[name] = status
        survivors = {}
        for name, status in statuses.items():
            if status in ("survived", "no tests"):
                shown = subprocess.run(
                    [mutmut, "show", name], cwd=folder, env=env, capture_output=True, text=True, check=False
                )
                survivors[name] = {"status": status, "diff": shown.stdout}
        counts: dict[str, int] = {}
        for status in statuses.values():
            counts[status] = counts.get(status, 0) + 1
        judged = sum(counts.values()) - counts.get("skipped", 0) - counts.get("not checked", 0)
        killed = counts.get("killed", 0) + counts.get("timeout", 0)
        summary = {
            "group": group,
            "modules": list(modules),
            "tests": list(tests),
            "counts": counts,
            "score": round(killed / judged, 3) if judged else None,
            "survivors": survivors,
            "mutmut_exit": run.returncode,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    (RESULTS / f"{group}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=f"default: all of {', '.join(GROUPS)}")
    parser.add_argument("--list", action="store_true", help="print the groups, their modules and tests")
    args = parser.parse_args(argv)
    if args.list:
        for group, (modules, tests) in GROUPS.items():
            print(f"{group}: {' '.join(modules)} <- {' '.join(tests)}")
        return 0
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown groups {', '.join(unknown)}; --list shows them")
    RESULTS.mkdir(exist_ok=True)
    for group in args.groups or GROUPS:
        summary = run_group(group)
        counts = ", ".join(f"{count} {status}" for status, count in sorted(summary["counts"].items()))
        score = "n/a" if summary["score"] is None else f"{summary['score']:.0%}"
        print(f"{group}: {score} killed ({counts})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
