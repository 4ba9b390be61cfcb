"""The index on Milvus: a server (standalone or cluster) that several chat servers share, or a Milvus Lite file.

Optional: `pip install -e '.[milvus]'`; pymilvus is imported only when a Milvus store is used.

Collections, for a store named `qa` (`milvus://host:19530/qa`):

    qa_meta        key -> value: "published" names the build readers see (generation, passages
                   collection, manifest chunks); "manifest/<generation>/<i>" hold its manifest
    qa_p<n>        the passages of full build n: id (the passage_id), source, title, section,
                   page, document_sha256, text (as shown), indexed (what BM25 reads), sparse (the
                   BM25 function's output), dense (the embedding), added_in, retired_in

Consistency: every row carries the generation that added it and the one that retired it.
Readers search only `added_in <= G and retired_in > G` for the published generation G, so an
incremental build adds its rows and marks the old rows of changed and removed documents
(an upsert) without readers seeing either, and then publishes G + 1 by rewriting one meta row.
A build killed before that leaves G published; the next build deletes what the killed one
added and restores what it retired. A full build (new model, settings or `--full`) fills a new
`qa_p<n>` collection and swaps it in by the same one-row publish. Rows retired at G are
deleted, and older collections dropped, by the next build, so a question running during a
publish still finds its rows.

Keywords: `indexed` holds the passage's words as `qa.sparse.tokenize` cuts them (the
project's dictionary, stopwords, NFKC), joined by spaces, read by Milvus's whitespace
analyzer, so Milvus's BM25 counts the same terms as the local bm25s index. ANALYZER = "jieba"
indexes the raw text with Milvus's own jieba instead (its default dictionary: Milvus Lite
2.5.1 refuses a custom `dict`).
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
from dataclasses import replace
from typing import Any

import numpy as np

from qa.errors import IndexMismatchError, IndexNotFoundError, StoreUnavailableError
from qa.index_format import Manifest
from qa.passage import StoredPassage
from qa.sparse import tokenize
from qa.store import CANDIDATES, KEYWORD_WEIGHT, MILVUS_LITE_SUFFIX, Hybrid, StoreLocation, fuse_lists

log = logging.getLogger(__name__)

NEVER = 2**62  # retired_in of a live row
PUBLISHED = "published"
MANIFEST_CHUNK = 15_000  # characters of manifest JSON a meta row: at most 60,000 bytes of UTF-8 (VARCHAR: 65,535)
TEXT_LIMIT = 65_535
NAME_LIMIT = 2_048
FUSIONS = ("convex", "rrf", "weighted")
FUSION = os.environ.get("QA_MILVUS_FUSION", "convex")  # measured in docs/SCALE.md
ANALYZERS = ("words", "jieba")
ANALYZER = os.environ.get("QA_MILVUS_ANALYZER", "words")
RRF_K = 60
MAX_TOPK = 16_384  # Milvus's limit on one search's results
WRITE_BATCH = 1_000
# Dense index: Milvus Lite accepts FLAT, IVF_FLAT and AUTOINDEX only; a server gets HNSW.
HNSW_PARAMS = {"M": 16, "efConstruction": 200}
HNSW_EF = 128
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}  # bm25s's defaults, as the local index uses
PASSAGE_FIELDS = ["id", "source", "title", "section", "text", "page"]


def _pymilvus():
    try:
        import pymilvus
    except ImportError as error:
        raise StoreUnavailableError("milvus", "pymilvus is not installed: pip install -e '.[milvus]'") from error
    return pymilvus


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def client(location: StoreLocation):
    """One MilvusClient per server or file in this process (Milvus Lite opens a file once)."""
    with _clients_lock:
        if location.uri not in _clients:
            pymilvus = _pymilvus()
            logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
            try:
                _clients[location.uri] = pymilvus.MilvusClient(uri=location.uri, timeout=30)
            except Exception as error:  # pymilvus raises its own and gRPC's errors
                raise StoreUnavailableError(location, f"cannot connect ({error})") from error
        return _clients[location.uri]


def close_clients() -> None:
    """Close every client of this process (tests; a Milvus Lite file is then free for another process)."""
    with _clients_lock:
        for opened in _clients.values():
            opened.close()
        _clients.clear()


def _is_lite(location: StoreLocation) -> bool:
    return location.uri.endswith(MILVUS_LITE_SUFFIX)


def _meta_name(location: StoreLocation) -> str:
    return f"{location.name}_meta"


def _ensure_meta(location: StoreLocation) -> None:
    milvus = client(location)
    name = _meta_name(location)
    if milvus.has_collection(name):
        return
    pymilvus = _pymilvus()
    schema = milvus.create_schema(auto_id=False)
    schema.add_field("key", pymilvus.DataType.VARCHAR, is_primary=True, max_length=256)
    schema.add_field("value", pymilvus.DataType.VARCHAR, max_length=TEXT_LIMIT)
    schema.add_field("unused", pymilvus.DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
    index = milvus.prepare_index_params()
    index.add_index("unused", index_type="FLAT", metric_type="L2")
    milvus.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")


def _published(location: StoreLocation) -> dict[str, Any] | None:
    """The published build's pointer: {"generation", "collection", "chunks", "next_id"}; None when none."""
    milvus = client(location)
    try:
        if not milvus.has_collection(_meta_name(location)):
            return None
        rows = milvus.query(_meta_name(location), filter=f'key == "{PUBLISHED}"', output_fields=["value"])
    except Exception as error:
        raise StoreUnavailableError(location, f"cannot read it ({error})") from error
    return json.loads(rows[0]["value"]) if rows else None


def published_key(location: StoreLocation) -> object:
    """Changes when a build is published (what `qa.retriever.LiveRetriever` watches)."""
    pointer = _published(location)
    return None if pointer is None else (pointer["collection"], pointer["generation"])


def published_manifest(location: StoreLocation) -> Manifest | None:
    """The manifest of the published build, None when nothing is published."""
    pointer = _published(location)
    return None if pointer is None else _read_manifest(location, pointer)


def _manifest_key(generation: int, chunk: int) -> str:
    return f"manifest/{generation}/{chunk}"


def _read_manifest(location: StoreLocation, pointer: dict[str, Any]) -> Manifest:
    keys = [_manifest_key(pointer["generation"], i) for i in range(pointer["chunks"])]
    rows = client(location).query(_meta_name(location), filter=f"key in {json.dumps(keys)}", output_fields=["value"])
    by_key = {row["key"]: row["value"] for row in rows}
    if set(by_key) != set(keys):
        raise IndexMismatchError(location, "its manifest is incomplete")
    return Manifest.from_json(json.loads("".join(by_key[key] for key in keys)))


def _visible(generation: int) -> str:
    return f"added_in <= {generation} and retired_in > {generation}"


def _quoted(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)


def _indexed_text(text: str, analyzer: str) -> str:
    """What the `indexed` field holds for a passage's indexed text, or is searched for a question."""
    if analyzer == "jieba":
        return text
    return " ".join(tokenize(text))


class MilvusStore:
    """The published build of a Milvus store, for searching. Passage ids are the rows' primary keys."""

    def __init__(self, location: StoreLocation, pointer: dict[str, Any], manifest: Manifest) -> None:
        self.location = location
        self.manifest = manifest
        self.generation = int(pointer["generation"])
        self.collection = pointer["collection"]
        self._client = client(location)
        self._filter = _visible(self.generation)
        self._idf_cache: dict[str, float] = {}
        self._analyzer = (manifest.store or {}).get("analyzer", "words")

    @classmethod
    def open(cls, location: StoreLocation, *, expected_model: str | None = None) -> MilvusStore:
        pointer = _published(location)
        if pointer is None:
            raise IndexNotFoundError(location)
        manifest = _read_manifest(location, pointer)
        if expected_model is not None and manifest.model != expected_model:
            raise IndexMismatchError(location, f"it was built with model {manifest.model!r}, not {expected_model!r}")
        client(location).load_collection(pointer["collection"])
        return cls(location, pointer, manifest)

    @property
    def size(self) -> int:
        return int(self.manifest.counts.passages)

    def _search(self, data: list[Any], field: str, depth: int) -> list[tuple[int, float]]:
        if depth <= 0:
            return []
        params = {"ef": max(HNSW_EF, depth)} if field == "dense" and self.manifest.index_type == "HNSW" else {}
        hits = self._client.search(
            self.collection,
            data=data,
            anns_field=field,
            limit=min(depth, MAX_TOPK),
            filter=self._filter,
            search_params={"params": params},
            output_fields=[],
        )
        return [(int(hit["id"]), float(hit["distance"])) for hit in hits[0]]

    def dense(self, vector: np.ndarray, depth: int) -> list[tuple[int, float]]:
        return self._search([np.asarray(vector, dtype=np.float32).tolist()], "dense", depth)

    def _keyword_query(self, question: str) -> str:
        return _indexed_text(question, self._analyzer)

    def keyword(self, question: str, depth: int) -> list[tuple[int, float]]:
        query = self._keyword_query(question)
        if not query.strip():
            return []
        return [(i, score) for i, score in self._search([query], "sparse", depth) if score > 0]

    def hybrid(self, question: str, vector: np.ndarray, depth: int) -> Hybrid:
        depth = max(depth, CANDIDATES)
        query = self._keyword_query(question)
        if FUSION == "convex" or not query.strip():
            dense = self.dense(vector, depth)
            keyword = self.keyword(question, depth) if query.strip() else []
            return Hybrid(fuse_lists(dense, keyword, KEYWORD_WEIGHT), dense, keyword)
        pymilvus = _pymilvus()
        requests = [
            pymilvus.AnnSearchRequest(
                data=[np.asarray(vector, dtype=np.float32).tolist()],
                anns_field="dense",
                param={},
                limit=depth,
                expr=self._filter,
            ),
            pymilvus.AnnSearchRequest(data=[query], anns_field="sparse", param={}, limit=depth, expr=self._filter),
        ]
        ranker = (
            pymilvus.RRFRanker(RRF_K)
            if FUSION == "rrf"
            else pymilvus.WeightedRanker(1 - KEYWORD_WEIGHT, KEYWORD_WEIGHT)
        )
        hits = self._client.hybrid_search(self.collection, requests, ranker, limit=depth, output_fields=[])
        return Hybrid([(int(hit["id"]), float(hit["distance"])) for hit in hits[0]], None, None)

    def passages(self, ids: list[int]) -> list[StoredPassage]:
        if not ids:
            return []
        rows = self._client.query(self.collection, filter=f"id in {list(map(int, ids))}", output_fields=PASSAGE_FIELDS)
        by_id = {int(row["id"]): _stored(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def all_passages(self) -> list[StoredPassage]:
        iterator = self._client.query_iterator(
            self.collection, batch_size=WRITE_BATCH, filter=self._filter, output_fields=PASSAGE_FIELDS
        )
        rows: list[dict[str, Any]] = []
        while batch := iterator.next():
            rows.extend(batch)
        iterator.close()
        return sorted((_stored(row) for row in rows), key=lambda p: p.passage_id)

    def idf(self, token: str) -> float:
        """log(1 + (N − df + 0.5) / (df + 0.5)), df counted by a keyword search (at most 16,384)."""
        if token not in self._idf_cache:
            frequency = len(self.keyword(token, min(self.size, MAX_TOPK))) if self.size else 0
            self._idf_cache[token] = math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))
        return self._idf_cache[token]


def _stored(row: dict[str, Any]) -> StoredPassage:
    page = int(row["page"])
    return StoredPassage(int(row["id"]), row["source"], row["title"], row["section"], row["text"], page or None)


ROW_FIELDS = ("id", "source", "title", "section", "page", "document_sha256", "text", "indexed", "dense")


class MilvusWriter:
    """One build of a Milvus store; nothing is visible to readers before `publish`.

    `previous` is the published manifest when this build updates it in place (incremental),
    None for a full build into a new collection.
    """

    def __init__(
        self, location: StoreLocation, previous: Manifest | None, dimension: int, *, embed_titles: bool = True
    ) -> None:
        self.location = location
        self.dimension = dimension
        self.embed_titles = embed_titles
        self._client = client(location)
        _ensure_meta(location)
        pointer = _published(location)
        self.base = int(pointer["generation"]) if pointer else 0
        self.generation = self.base + 1
        self._pointer = pointer
        incremental = previous is not None and pointer is not None
        self.collection = pointer["collection"] if incremental else f"{location.name}_p{self.generation}"
        self.next_id = int(pointer["next_id"]) if incremental else 0
        self._drop_other_collections(keep={self.collection, pointer["collection"] if pointer else ""})
        self.index_type = (previous.index_type if previous is not None else None) or "FLAT"
        # an update keeps its collection's analyzer; a full build takes the configured one
        self.analyzer = (previous.store or {}).get("analyzer", ANALYZER) if incremental and previous else ANALYZER
        if incremental:
            self._clean_up_killed_builds()
        else:
            if self._client.has_collection(self.collection):
                self._client.drop_collection(self.collection)
            self._create_collection()

    def _drop_other_collections(self, keep: set[str]) -> None:
        prefix = f"{self.location.name}_p"
        for name in self._client.list_collections():
            if name.startswith(prefix) and name[len(prefix) :].isdigit() and name not in keep:
                log.info("dropping %s, a collection no build uses any more", name)
                self._client.drop_collection(name)

    def _clean_up_killed_builds(self) -> None:
        """Delete rows retired before the published build and rows a killed build added; restore what it retired."""
        self._client.delete(self.collection, filter=f"retired_in <= {self.base} or added_in > {self.base}")
        retired = self._rows(f"retired_in > {self.base} and retired_in < {NEVER}")
        if retired:
            log.warning("restoring %d passages retired by a build that was killed", len(retired))
            self._upsert([{**row, "retired_in": NEVER} for row in retired])

    def _create_collection(self) -> None:
        pymilvus = _pymilvus()
        data_type = pymilvus.DataType
        schema = self._client.create_schema(auto_id=False)
        schema.add_field("id", data_type.INT64, is_primary=True)
        for name in ("source", "title", "section"):
            schema.add_field(name, data_type.VARCHAR, max_length=NAME_LIMIT)
        schema.add_field("page", data_type.INT64)  # 0 when the document has no pages
        schema.add_field("document_sha256", data_type.VARCHAR, max_length=64)
        schema.add_field("text", data_type.VARCHAR, max_length=TEXT_LIMIT)
        analyzer = {"tokenizer": "jieba"} if self.analyzer == "jieba" else {"tokenizer": "whitespace"}
        schema.add_field(
            "indexed", data_type.VARCHAR, max_length=TEXT_LIMIT, enable_analyzer=True, analyzer_params=analyzer
        )
        schema.add_field("sparse", data_type.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", data_type.FLOAT_VECTOR, dim=self.dimension)
        schema.add_field("added_in", data_type.INT64)
        schema.add_field("retired_in", data_type.INT64)
        schema.add_function(
            pymilvus.Function(
                name="bm25",
                function_type=pymilvus.FunctionType.BM25,
                input_field_names=["indexed"],
                output_field_names=["sparse"],
            )
        )
        self._client.create_collection(self.collection, schema=schema, consistency_level="Strong")
        index = self._client.prepare_index_params()
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
        self._client.create_index(self.collection, index)
        self.index_type = self._create_dense_index()
        self._client.load_collection(self.collection)

    def _create_dense_index(self) -> str:
        """HNSW on a server; FLAT where Milvus Lite refuses HNSW (it runs FLAT, IVF_FLAT and AUTOINDEX only)."""
        pymilvus = _pymilvus()
        for index_type, params in (("HNSW", HNSW_PARAMS), ("FLAT", {})):
            if index_type == "HNSW" and _is_lite(self.location):
                continue
            index = self._client.prepare_index_params()
            index.add_index("dense", index_type=index_type, metric_type="IP", params=params)
            try:
                self._client.create_index(self.collection, index)
                return index_type
            except pymilvus.MilvusException as error:
                if "local mode" not in str(error):
                    raise
                log.info("this Milvus is Milvus Lite: the dense index is FLAT, not HNSW")
        raise AssertionError("unreachable: FLAT is always accepted")

    def _rows(self, condition: str) -> list[dict[str, Any]]:
        fields = [*ROW_FIELDS, "added_in", "retired_in"]
        iterator = self._client.query_iterator(
            self.collection, batch_size=WRITE_BATCH, filter=condition, output_fields=fields
        )
        rows: list[dict[str, Any]] = []
        while batch := iterator.next():
            rows.extend({**row, "dense": [float(x) for x in row["dense"]]} for row in batch)
        iterator.close()
        return rows

    def _upsert(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), WRITE_BATCH):
            self._client.upsert(self.collection, rows[start : start + WRITE_BATCH])

    def add_document(self, source: str, passages: list[StoredPassage], vectors: np.ndarray, sha256: str = "") -> None:
        rows = []
        for passage, vector in zip(passages, np.asarray(vectors, dtype=np.float32)):
            rows.append(
                {
                    "id": self.next_id,
                    "source": source,
                    "title": passage.title,
                    "section": passage.section,
                    "page": passage.page or 0,
                    "document_sha256": sha256,
                    "text": passage.text,
                    "indexed": _indexed_text(passage.indexed_text(self.embed_titles), self.analyzer),
                    "dense": vector.tolist(),
                    "added_in": self.generation,
                    "retired_in": NEVER,
                }
            )
            self.next_id += 1
        for start in range(0, len(rows), WRITE_BATCH):
            self._client.insert(self.collection, rows[start : start + WRITE_BATCH])

    def replace_document(
        self, source: str, passages: list[StoredPassage], vectors: np.ndarray, sha256: str = ""
    ) -> None:
        self.delete_document(source)
        self.add_document(source, passages, vectors, sha256)

    def delete_document(self, source: str) -> None:
        live = self._rows(f"source == {json.dumps(source, ensure_ascii=False)} and {_visible(self.base)}")
        self._upsert([{**row, "retired_in": self.generation} for row in live])

    def publish(self, manifest: Manifest) -> Manifest:
        if _published(self.location) != self._pointer:
            raise IndexMismatchError(self.location, "another build published while this one ran; run `qa build` again")
        manifest = replace(
            manifest,
            index_type=self.index_type,
            store={"collection": self.collection, "generation": self.generation, "analyzer": self.analyzer},
        )
        text = json.dumps(manifest.to_json(), ensure_ascii=False)
        chunks = [text[i : i + MANIFEST_CHUNK] for i in range(0, len(text), MANIFEST_CHUNK)] or [""]
        meta = _meta_name(self.location)
        rows = [
            {"key": _manifest_key(self.generation, i), "value": chunk, "unused": [0.0, 0.0]}
            for i, chunk in enumerate(chunks)
        ]
        self._client.upsert(meta, rows)
        pointer = {
            "generation": self.generation,
            "collection": self.collection,
            "chunks": len(chunks),
            "next_id": self.next_id,
        }
        # The one write that makes the build visible.
        self._client.upsert(meta, [{"key": PUBLISHED, "value": json.dumps(pointer), "unused": [0.0, 0.0]}])
        # The manifest before the previous one: no reader can still be reading it.
        self._client.delete(meta, filter=f'key like "manifest/{self.base - 1}/%"')
        return manifest
