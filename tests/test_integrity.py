"""A damaged index is refused with one message naming the problem and the fix, before FAISS reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import cli
from qa.errors import IndexMismatchError, IndexNotFoundError
from qa.index import FAISS_FILE, MANIFEST_FILE, PASSAGES_FILE, build_index, load_index


@pytest.fixture
def index_dir(documents_dir: Path, tmp_path: Path, encoder) -> Path:
    build_index(documents_dir, tmp_path / "index", encoder=encoder)
    return tmp_path / "index"


def flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_manifest_keeps_a_checksum_of_every_file(index_dir: Path):
    files = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))["files"]
    assert {FAISS_FILE, PASSAGES_FILE, "vectors.npy"} <= set(files)
    assert any(name.startswith("bm25/") for name in files)
    assert MANIFEST_FILE not in files and "README.md" not in files


def test_a_flipped_byte_in_the_faiss_file_is_caught_before_faiss_reads_it(index_dir: Path, monkeypatch):
    flip_middle_byte(index_dir / FAISS_FILE)
    monkeypatch.setattr("qa.index_format.faiss.read_index", lambda *a: pytest.fail("faiss.read_index was called"))
    with pytest.raises(IndexMismatchError, match=f"{FAISS_FILE} is damaged.*qa build"):
        load_index(index_dir)


@pytest.mark.parametrize("name", [PASSAGES_FILE, "bm25/vocab.index.json", "bm25/data.csc.index.npy"])
def test_a_truncated_or_altered_file_is_refused(index_dir: Path, name):
    path = index_dir / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexMismatchError, match=f"{name} is damaged"):
        load_index(index_dir)


def test_a_missing_file_is_named(index_dir: Path):
    (index_dir / PASSAGES_FILE).unlink()
    with pytest.raises(IndexMismatchError, match=f"{PASSAGES_FILE} is missing"):
        load_index(index_dir)


@pytest.mark.parametrize("state", ["missing", "empty", "manifest only garbage"])
def test_missing_or_empty_index_folders_say_what_to_run(tmp_path: Path, state):
    folder = tmp_path / "index"
    if state != "missing":
        folder.mkdir()
    if state == "manifest only garbage":
        (folder / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises((IndexNotFoundError, IndexMismatchError), match="qa build"):
        load_index(folder)


def test_the_cli_prints_the_problem_and_the_fix_in_one_line(index_dir: Path, capsys):
    flip_middle_byte(index_dir / FAISS_FILE)
    assert cli.main(["ask", "樱桃", "--index", str(index_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{FAISS_FILE} is damaged" in err and "qa build" in err and err.count("\n") == 1


def test_a_rebuild_repairs_a_damaged_index(index_dir: Path, documents_dir: Path, encoder):
    flip_middle_byte(index_dir / FAISS_FILE)
    report = build_index(documents_dir, index_dir, encoder=encoder)
    assert report.passages == len(load_index(index_dir).passages)


def test_a_manifest_whose_passage_count_disagrees_with_faiss_is_refused(index_dir: Path):
    manifest_path = index_dir / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["counts"]["passages"] += 1
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="the manifest lists .* passages.*qa build"):
        load_index(index_dir)
