"""Choose, build and search the FAISS structure that holds the passage vectors.

Today every index is exact (`IndexFlatIP` over unit vectors, so scores are cosine
similarities). This module does not know about passages or files.
"""

from __future__ import annotations

import faiss
import numpy as np

EXACT = "flat-ip"


def make_vector_index(vectors: np.ndarray, dimension: int) -> tuple[faiss.Index, str]:
    """(FAISS index holding `vectors`, its type name for the manifest)."""
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, EXACT


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids), each of shape (len(queries), k); ids are -1 where fewer than k exist."""
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
