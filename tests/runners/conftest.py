"""Fixtures for the Ray runner's tests: one local Ray instance (2 CPUs) for the whole session,
and a real multi-file corpus with real exact and near duplicates."""

from __future__ import annotations

import glob
import itertools
import json
import random
from pathlib import Path

import pyarrow as pa
import pytest

from dataprep.testing import same_column
from tests.conftest import load_shared


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray instance with 2 CPUs, shared by every test that runs on Ray."""
    pytest.importorskip("ray")
    from dataprep.runners.ray_session import RaySession

    session = RaySession(num_cpus=2)
    session.__enter__()
    yield session
    session.__exit__(None, None, None)


def _lightly_edited(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    del words[rng.randrange(len(words))]
    return " ".join(words)


@pytest.fixture(scope="session")
def real_corpus(tmp_path_factory) -> list[str]:
    """Three JSONL files of real documents (DCLM pages, web samples, article bodies, AG News):
    2,080 records, of which 40 are exact copies and 60 near copies (one word deleted) of
    earlier long documents, placed in later files."""
    docs = [
        r["text"] for r in load_shared("dclm_quality_annotations/dclm_quality_majority.jsonl.gz")
    ]
    docs += [r["text"] for r in load_shared("web_samples/web_samples.jsonl.gz")]
    docs += [
        r["article_body"]
        for r in load_shared("article_extraction_benchmark/article_extraction.jsonl.gz")
    ]
    docs = [d for d in docs if d and d.strip()]
    docs += [r["text"] for r in load_shared("ag_news/ag_news_test.jsonl.gz")][: 1980 - len(docs)]
    rng = random.Random(0)
    long_docs = [d for d in docs if len(d.split()) > 120]
    copies = [rng.choice(long_docs) for _ in range(40)]
    near = [_lightly_edited(rng.choice(long_docs), rng) for _ in range(60)]
    records = [{"id": f"doc-{i}", "text": t} for i, t in enumerate(docs + copies + near)]
    folder = tmp_path_factory.mktemp("real_corpus")
    cuts = [0, 900, 1500, len(records)]
    paths = []
    for number, (start, end) in enumerate(itertools.pairwise(cuts)):
        path = folder / f"part-{number}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for record in records[start:end]:
                f.write(json.dumps(record) + "\n")
        paths.append(str(path))
    return paths


def read_output(folder: Path, part: str) -> pa.Table:
    """OUT/<part> (data or rejected) as one table, shards in order."""
    files = sorted(glob.glob(str(Path(folder) / part / "*.arrow")))
    return pa.concat_tables([pa.ipc.open_stream(f).read_all() for f in files])


def assert_same_rows(local: Path, ray: Path) -> None:
    """Same kept and rejected rows (all columns) sorted by id, and the same stats apart from
    seconds and the runner."""
    for part in ("data", "rejected"):
        a = read_output(local, part).sort_by("id")
        b = read_output(ray, part).sort_by("id")
        assert a.schema.equals(b.schema), part
        for name in a.column_names:
            assert same_column(a.column(name), b.column(name)), f"{part}: column {name} differs"
    local_stats = json.loads((Path(local) / "stats.json").read_text())
    ray_stats = json.loads((Path(ray) / "stats.json").read_text())
    for stats in (local_stats, ray_stats):
        stats.pop("runner", None)
        for stage in stats.get("stages", {}).values():
            stage.pop("seconds", None)
    assert local_stats == ray_stats


def run_both(stages: list[dict], inputs: list[str], folder: Path, encoder=None):
    """Run ``stages`` (recipe entries) with the local and the Ray runner into folder/local and
    folder/ray, with the run's ``encoder`` settings (an EncoderSettings; default: the
    defaults); returns the Ray run's RunResult after checking both wrote the same rows."""
    from dataprep.config import build_stages
    from dataprep.embed.settings import EncoderSettings
    from dataprep.pipeline import Pipeline
    from dataprep.settings import RunSettings

    encoder = encoder or EncoderSettings()
    local = Pipeline(build_stages(stages), settings=RunSettings(), encoder=encoder)
    local.run(inputs, folder / "local")
    ray = Pipeline(build_stages(stages), settings=RunSettings(runner="ray"), encoder=encoder)
    result = ray.run(inputs, folder / "ray")
    assert_same_rows(folder / "local", folder / "ray")
    return result


def with_quality_column(inputs: list[str], folder: Path) -> list[str]:
    """Copies of the JSONL ``inputs`` with a seeded random float column ``quality``."""
    rng = random.Random(1)
    paths = []
    for number, path in enumerate(inputs):
        target = folder / f"q-{number}.jsonl"
        with open(path) as source, open(target, "w") as sink:
            for line in source:
                record = json.loads(line)
                record["quality"] = rng.random()
                sink.write(json.dumps(record) + "\n")
        paths.append(str(target))
    return paths
