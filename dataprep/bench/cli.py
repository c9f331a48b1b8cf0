"""``dataprep bench``: evidence that selected data is better. One subcommand per harness; each
writes OUT/results.json, OUT/report.md and its plots."""

from __future__ import annotations

import importlib.util
import shlex
import sys

import click

from dataprep.bench.coreset import DEFAULT_FRACTIONS, METHODS
from dataprep.bench.curriculum import CurriculumBench
from dataprep.bench.train import DEFAULT_ARMS, TrainBench
from dataprep.bench.train_arms import ARMS
from dataprep.bench.train_jobs import ModelSettings
from dataprep.errors import DataprepError
from dataprep.schedule.curriculum import PACINGS

DEFAULTS = CurriculumBench()


@click.group("bench")
def bench() -> None:
    """Benchmark data selection: coreset quality, dedup precision/recall, curriculum effect."""


def _floats(option: str, text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise click.ClickException(
            f"{option} must be comma-separated numbers. Got {text!r} instead."
        ) from None


def _command() -> str:
    return "dataprep " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])


@bench.command("coreset")
@click.option("--train", "train", required=True, help="Train JSONL(.gz) file.")
@click.option("--test", "test", default=None, help="Test JSONL(.gz) file (else --test-fraction).")
@click.option(
    "--test-fraction",
    default=0.2,
    show_default=True,
    help="Without --test: share of --train held out by a seeded permutation.",
)
@click.option("--split-seed", default=0, show_default=True, help="Seed of that permutation.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option(
    "--score-column",
    default=None,
    help="Numeric field for score_topk, and the difficulty (higher = harder) of ccs and "
    "d2_pruning (without it they use a held-out probe margin).",
)
@click.option(
    "--methods",
    default=",".join(METHODS),
    show_default=True,
    help="Comma-separated selector names.",
)
@click.option(
    "--fractions",
    default=",".join(f"{f:g}" for f in DEFAULT_FRACTIONS),
    show_default=True,
    help="Comma-separated fractions of the train rows, each in (0, 1].",
)
@click.option("--seeds", default=5, show_default=True, help="Seeds 0..N-1 per method/fraction.")
@click.option(
    "--model",
    default=None,
    help="Embedding model folder: sentence-transformers, or a static model from "
    "'dataprep distill-static' (default: the packaged all-MiniLM-L6-v2).",
)
@click.option(
    "--cache-dir",
    default=None,
    help="Embedding cache folder (default $DATAPREP_CACHE/embeddings or "
    "~/.cache/dataprep/embeddings); reruns on the same texts and model read it back.",
)
@click.option("-o", "--output", required=True, help="Output folder.")
def coreset(
    train,
    test,
    test_fraction,
    split_seed,
    text_column,
    label_column,
    score_column,
    methods,
    fractions,
    seeds,
    model,
    cache_dir,
    output,
) -> None:
    """Probe accuracy of coreset selectors vs random at several fractions (results.json,
    report.md, coreset.png)."""
    from dataprep.bench.coreset import run_coreset_bench

    try:
        run_coreset_bench(
            train,
            output,
            test_path=test,
            test_fraction=test_fraction,
            split_seed=split_seed,
            text_column=text_column,
            label_column=label_column,
            score_column=score_column,
            methods=[m.strip() for m in methods.split(",") if m.strip()],
            fractions=_floats("--fractions", fractions),
            seeds=seeds,
            model=model,
            cache_dir=cache_dir,
            command=_command(),
            log=click.echo,
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None


@bench.command("dedup")
@click.option("--pairs", default=None, help="Pairs JSONL(.gz): two texts and a 0/1 label.")
@click.option("--corpus", default=None, help="Or a corpus JSONL(.gz) with --cluster-column.")
@click.option("--cluster-column", default=None, help="Field naming each row's true cluster.")
@click.option("--text-column", default="text", show_default=True, help="Text field (--corpus).")
@click.option("--text1-field", default=None, help="First text field (default: detected).")
@click.option("--text2-field", default=None, help="Second text field (default: detected).")
@click.option(
    "--label-field",
    default="label",
    show_default=True,
    help="Duplicate label field; absent from the records = every pair is a duplicate.",
)
@click.option(
    "--thresholds",
    default="0.5,0.6,0.7,0.8,0.9",
    show_default=True,
    help="Jaccard thresholds for minhash_dedup and datasketch.",
)
@click.option(
    "--eps", default="0.02,0.05,0.1,0.15,0.2,0.3", show_default=True, help="semantic_dedup margins."
)
@click.option("--num-perm", default=128, show_default=True)
@click.option("--ngram", default=5, show_default=True)
@click.option("--no-datasketch", is_flag=True, help="Skip the datasketch MinHashLSH baseline.")
@click.option("--no-semantic", is_flag=True, help="Skip semantic_dedup (no embedding).")
@click.option("-o", "--output", required=True, help="Output folder.")
def dedup(
    pairs,
    corpus,
    cluster_column,
    text_column,
    text1_field,
    text2_field,
    label_field,
    thresholds,
    eps,
    num_perm,
    ngram,
    no_datasketch,
    no_semantic,
    output,
) -> None:
    """Precision / recall / F1 of exact, MinHash and semantic dedup plus datasketch's
    MinHashLSH (results.json, report.md, dedup_pr.png)."""
    from dataprep.bench.dedup import run_dedup_bench

    if not no_datasketch and importlib.util.find_spec("datasketch") is None:
        raise click.ClickException(
            "the datasketch baseline needs the bench extra: pip install -e '.[bench]' "
            "(or pass --no-datasketch)"
        )
    try:
        run_dedup_bench(
            output,
            pairs_path=pairs,
            corpus_path=corpus,
            cluster_column=cluster_column,
            text_column=text_column,
            text1_field=text1_field,
            text2_field=text2_field,
            label_field=label_field,
            thresholds=_floats("--thresholds", thresholds),
            eps=_floats("--eps", eps),
            num_perm=num_perm,
            ngram=ngram,
            datasketch=not no_datasketch,
            semantic=not no_semantic,
            command=_command(),
            log=click.echo,
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None


@bench.command("curriculum")
@click.option("--data", required=True, help="Corpus with a text column (JSONL, Parquet, Arrow).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--steps", default=DEFAULTS.steps, show_default=True, type=click.IntRange(1))
@click.option(
    "--batch-size", default=DEFAULTS.batch_size, show_default=True, type=click.IntRange(1)
)
@click.option(
    "--orders",
    default=",".join(PACINGS),
    show_default=True,
    help="Comma-separated pacing functions (random is always run as the reference).",
)
@click.option(
    "--adaptive", default="odm", show_default=True, help="Comma-separated rules: odm, doremi."
)
@click.option(
    "--eval-every", default=DEFAULTS.eval_every, show_default=True, type=click.IntRange(1)
)
@click.option("--context", default=DEFAULTS.context, show_default=True, type=click.IntRange(2))
@click.option("--width", default=DEFAULTS.width, show_default=True, type=click.IntRange(8))
@click.option("--layers", default=DEFAULTS.layers, show_default=True, type=click.IntRange(1))
@click.option("--limit", default=None, type=click.IntRange(10), help="First N documents only.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0))
@click.option(
    "--valid-limit", default=DEFAULTS.valid_limit, show_default=True, type=click.IntRange(1)
)
@click.option("-o", "--output", required=True, help="Output folder.")
def curriculum(data, text_column, orders, adaptive, output, **settings) -> None:
    """Train the tiny byte-level LM once per data order (random, each pacing function, adaptive
    mixing) at the same step budget; compare validation-loss curves (results.json, report.md,
    curriculum.png)."""
    from dataprep.bench.curriculum import run_curriculum_bench

    bench_settings = CurriculumBench(
        orders=tuple(o.strip() for o in orders.split(",") if o.strip()),
        adaptive=tuple(r.strip() for r in adaptive.split(",") if r.strip()),
        **settings,
    )
    try:
        results = run_curriculum_bench(
            data, output, bench_settings, text_column=text_column, command=_command()
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    loss = results["random_final_loss"]
    click.echo(f"random order: final validation loss {loss:.4f}; see {output}/report.md")


TRAIN = TrainBench()


@bench.command("train")
@click.option("--pool", required=True, help="The raw pool (JSONL, Parquet, Arrow) with a group.")
@click.option("--valid", required=True, help="Held-out target set to evaluate on.")
@click.option("--target", default=None, help="A sample of the target distribution (DSIR).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--group-column", default=TRAIN.group_column, show_default=True)
@click.option(
    "--arms",
    default=",".join(DEFAULT_ARMS),
    show_default=True,
    help=f"Comma-separated arms among {', '.join(ARMS)} (random is always run).",
)
@click.option("--seeds", default=TRAIN.seeds, show_default=True, type=click.IntRange(1))
@click.option("--steps", default=TRAIN.steps, show_default=True, type=click.IntRange(1))
@click.option("--batch-size", default=TRAIN.batch_size, show_default=True, type=click.IntRange(1))
@click.option(
    "--fraction",
    default=TRAIN.fraction,
    show_default=True,
    type=click.FloatRange(0, 1, min_open=True),
    help="Selection budget as a share of the pool.",
)
@click.option("--eval-every", default=TRAIN.eval_every, show_default=True, type=click.IntRange(1))
@click.option("--valid-limit", default=TRAIN.valid_limit, show_default=True, type=click.IntRange(1))
@click.option("--context", default=TRAIN.model.context, show_default=True, type=click.IntRange(2))
@click.option("--width", default=TRAIN.model.width, show_default=True, type=click.IntRange(8))
@click.option("--layers", default=TRAIN.model.layers, show_default=True, type=click.IntRange(1))
@click.option("--learning-rate", default=TRAIN.model.learning_rate, show_default=True, type=float)
@click.option(
    "--workers",
    default=TRAIN.workers,
    show_default=True,
    type=click.IntRange(0),
    help="Training processes (0: in this process).",
)
@click.option("-o", "--output", required=True, help="Output folder.")
def train(
    pool,
    valid,
    target,
    text_column,
    arms,
    context,
    width,
    layers,
    learning_rate,
    output,
    **settings,
) -> None:
    """Train the same small LM from scratch on each arm's data (random subset, filter recipe,
    DSIR, perplexity bands, SemDeDup, D4, pacing functions, ODM, DoReMi) at several seeds;
    report final losses and steps to random's final loss with intervals (results.json,
    report.md, train.png)."""
    from dataprep.bench.train import run_train_bench
    from dataprep.bench.train_report import verdict

    bench_settings = TrainBench(
        arms=tuple(a.strip() for a in arms.split(",") if a.strip()),
        model=ModelSettings(
            context=context, width=width, layers=layers, learning_rate=learning_rate
        ),
        **settings,
    )
    try:
        results = run_train_bench(
            pool,
            valid,
            output,
            bench_settings,
            target=target,
            text_column=text_column,
            command=_command(),
            log=click.echo,
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    click.echo(verdict(results))
    click.echo(f"see {output}/report.md")
