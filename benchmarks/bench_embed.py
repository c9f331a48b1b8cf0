"""Embedding throughput: dataprep's Encoder (cold cache) against calling the model's ``encode``
directly on the same texts, and a fully cached rerun, all in one run on one device.

    python benchmarks/bench_embed.py --docs 2000 --out benchmarks/results/embed.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _auc(scores, labels) -> float:
    scores, labels = np.asarray(scores), np.asarray(labels)
    pos, neg = scores[labels == 1], scores[labels == 0]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def measure_static(texts: list[str], model, device: str) -> dict:
    """The fast CPU path: distill a model2vec model from the default one, then compare speed on
    the same texts and agreement on paraphrase pairs (600 MRPC and 600 PAN test pairs)."""
    from dataprep.embed.encoder import Encoder, distill_static_model

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        distill_static_model(f"{folder}/static")
        distill_seconds = time.perf_counter() - start
        static = Encoder(model=f"{folder}/static", use_cache=False)
        static.encode(texts[:64])
        start = time.perf_counter()
        static.encode(texts)
        static_seconds = time.perf_counter() - start
        default = Encoder(use_cache=False, device=device)
        agreement = {}
        for corpus, name in [
            ("mrpc", "mrpc_test.jsonl.gz"),
            ("pan_paraphrase", "pan_test.jsonl.gz"),
        ]:
            with gzip.open(SHARED / corpus / name, "rt") as f:
                records = [json.loads(line) for line in f]
            records = records[:: max(1, len(records) // 600)][:600]  # both labels
            labels = [r["label"] for r in records]
            cosines = {}
            for label, encoder in [("default", default), ("static", static)]:
                left = encoder.encode([r["text1"] for r in records])
                right = encoder.encode([r["text2"] for r in records])
                cosines[label] = (left * right).sum(axis=1)
            agreement[corpus] = {
                "auc_default": _auc(cosines["default"], labels),
                "auc_static": _auc(cosines["static"], labels),
                "cosine_correlation": float(
                    np.corrcoef(cosines["default"], cosines["static"])[0, 1]
                ),
            }
    return {
        "distill_seconds": distill_seconds,
        "seconds": static_seconds,
        "texts_per_s": len(texts) / static_seconds,
        "agreement": agreement,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=2000, help="AG News texts to encode")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto (cuda if present)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each measurement")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = parser.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    from dataprep.embed.encoder import Encoder, default_model_path

    with gzip.open(SHARED / "ag_news" / "ag_news_test.jsonl.gz", "rt") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.docs), f, strict=False)]
    device = (
        args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    )
    model = SentenceTransformer(default_model_path(), device=device)
    model.encode(texts[:64], batch_size=64)  # warm-up
    # Alternate the two measurements and keep each one's best of ``repeats``, so that drift in
    # machine load does not favour either side.
    direct, cold, cached = [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        direct.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as cache:
            encoder = Encoder(cache_dir=cache, device=device)
            encoder._load()  # model loading is not part of the encoding time
            start = time.perf_counter()
            encoder.encode(texts)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            Encoder(cache_dir=cache, device=device).encode(texts)
            cached.append(time.perf_counter() - start)
    direct, cold, cached = min(direct), min(cold), min(cached)
    static = measure_static(texts, model, device)
    report = {
        "command": "python benchmarks/bench_embed.py " + " ".join(sys.argv[1:]),
        "machine": {
            "device": device,
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
        },
        "docs": len(texts),
        "direct_model_encode": {"seconds": direct, "texts_per_s": len(texts) / direct},
        "encoder_cold_cache": {"seconds": cold, "texts_per_s": len(texts) / cold},
        "encoder_fully_cached": {"seconds": cached, "texts_per_s": len(texts) / cached},
        "cold_vs_direct_time": cold / direct,
        "cached_speedup_vs_cold": cold / cached,
        "static_model": static,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
