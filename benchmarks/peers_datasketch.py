"""datasketch's per-document MinHash loop over a JSONL corpus, signatures only: one
``MinHash(num_perm=128)`` per document, ``update`` per distinct lowercased word 5-gram (the
shingles of dataprep's kernel, ``minhash_methods.shingles``), datasketch's default SHA-1.

No banding, no LSH, no output: the peer does strictly less work than the dataprep command it
is compared with. ``bench_peers.py`` times this script as a whole (interpreter and imports
included, as for dataprep) in one process.

    python benchmarks/peers_datasketch.py CORPUS.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from minhash_methods import NUM_PERM, SEED, byte_shingles


def main(corpus: Path) -> None:
    from datasketch import MinHash

    signed = 0
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
            for shingle in byte_shingles(json.loads(line)["text"]):
                minhash.update(shingle)
            signed += 1
    print(json.dumps({"signatures": signed}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
