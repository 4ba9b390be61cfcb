"""Encoding speed of each embedding path on the same real passages, against the machine's ceiling.

    python -m bench.encoders --passages 256 --rounds 3

Paths: sentence-transformers (float32, the model itself), the float ONNX graph, and the graph
the verified export serves (`qa.onnx_export`). Rounds interleave the paths, so that load from
other processes falls on all of them alike; the table gives the median chars/s, the ratio to
sentence-transformers and the cosine to it. The ceiling is the machine's measured float32 GEMM
rate divided by the model's FLOPs per character (int8 roughly doubles it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.documents import read_documents
from qa.index import IndexSettings, passages_of
from qa.models import resolve_model_path
from qa.onnx_export import GRAPH_FILE, ensure_export, export_float
from qa.onnx_graph import OnnxGraph

ROOT = Path(__file__).resolve().parent.parent


def real_passages(count: int) -> list[str]:
    """Passages as the index embeds them (title + section + text), repeated up to `count`."""
    settings = IndexSettings()
    texts = [p.indexed_text(True) for d in read_documents(ROOT / "documents") for p in passages_of(d, settings, 0)[1]]
    return (texts * (count // len(texts) + 1))[:count]


def gemm_gflops(size: int = 512, repeats: int = 20) -> float:
    """Measured float32 matrix-multiply rate of this process (numpy, all its threads)."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a
    started = time.perf_counter()
    for _ in range(repeats):
        a @ a
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e9


def flops_per_token(config: dict) -> float:
    """Forward FLOPs of a BERT encoder per token (weights only; attention scores add a little)."""
    hidden, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    return 2 * layers * (4 * hidden * hidden + 2 * hidden * inner)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.encoders", description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path("m3e-small")
    texts = real_passages(args.passages)
    chars = sum(len(t) for t in texts)
    folder, check = ensure_export(path)
    model = SentenceTransformer(path, device="cpu")
    scratch = Path(tempfile.mkdtemp(prefix="qa-bench-encoders-"))
    export_float(path, check.pooling, scratch / "float.onnx")
    paths = {
        "sentence-transformers (float32)": lambda batch: model.encode(batch, normalize_embeddings=True),
        "ONNX float32 graph": OnnxGraph(scratch / "float.onnx", folder / "tokenizer.json").encode,
    }
    served = OnnxGraph(folder / GRAPH_FILE, folder / "tokenizer.json")
    paths[f"ONNX served: {check.recipe}"] = served.encode
    reference = paths["sentence-transformers (float32)"](texts)
    timings: dict[str, list[float]] = {name: [] for name in paths}
    cosine: dict[str, float] = {}
    for name, encode in paths.items():
        cosine[name] = float((encode(texts) * reference).sum(axis=1).min())  # also the warm-up
    for _ in range(args.rounds):
        for name, encode in paths.items():
            started = time.perf_counter()
            encode(texts)
            timings[name].append(time.perf_counter() - started)
    config = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    tokens_per_char = np.mean([len(e) for e in served._tokenizer.encode_batch(texts)]) / np.mean(
        [len(t) for t in texts]
    )
    flops_char = flops_per_token(config) * tokens_per_char
    ceiling = gemm_gflops() * 1e9 / flops_char
    print(f"{args.passages} passages, {chars} characters, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"model: {flops_char / 1e6:.0f} MFLOP per character; float32 GEMM {ceiling * flops_char / 1e9:.0f} GFLOP/s")
    print(f"ceiling: {ceiling:,.0f} chars/s in float32 (about {2 * ceiling:,.0f} in int8)")
    print("| path | chars/s (median) | vs sentence-transformers | min cosine to it |")
    print("|---|---|---|---|")
    base = chars / statistics.median(timings["sentence-transformers (float32)"])
    for name, seconds in timings.items():
        speed = chars / statistics.median(seconds)
        print(f"| {name} | {speed:,.0f} | {speed / base:.2f}x | {cosine[name]:.4f} |")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
