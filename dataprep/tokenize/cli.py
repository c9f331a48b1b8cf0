"""``dataprep tokenize``: the command line of dataprep.tokenize.run (loaded when invoked)."""

from __future__ import annotations

import sys

import click

from dataprep.cli_options import setting_option
from dataprep.errors import DataprepError
from dataprep.settings import RunSettings
from dataprep.tokenize.run import DEFAULT_SHARD_TOKENS, TokenizeRun
from dataprep.tokenize.shards import REMAINDERS


@click.command("tokenize")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", required=True, type=click.Path(), help="Output folder.")
@click.option(
    "--tokenizer",
    required=True,
    type=click.Path(),
    help="Local Hugging Face fast tokenizer folder or tokenizer.json (nothing is downloaded).",
)
@click.option(
    "--eos-token",
    default=None,
    help="Token appended after every document [the tokenizer's eos_token, else its sep_token].",
)
@click.option(
    "--seq-len", type=click.IntRange(1), default=None, help="Tokens per fixed-length sequence."
)
@click.option(
    "--remainder",
    type=click.Choice(REMAINDERS),
    default="pad",
    show_default=True,
    help="A shard's last partial sequence: padded with EOS, or dropped (with --seq-len).",
)
@click.option(
    "--shard-tokens",
    type=click.IntRange(1),
    default=DEFAULT_SHARD_TOKENS,
    show_default=True,
    help="Tokens per shard (cut at the next document boundary).",
)
@click.option(
    "--group-column",
    "group_columns",
    multiple=True,
    help="Column whose values stats.json counts documents and tokens for (repeatable).",
)
@click.option("--text-column", default="text", show_default=True, help="Column holding the text.")
@click.option("--id-column", default="id", show_default=True, help="Column of row ids.")
@setting_option("batch_rows")
@setting_option("num_proc")
@setting_option("max_text_bytes")
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run of the same command.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def tokenize(
    inputs, output, tokenizer, text_column, id_column, overwrite, resume, quiet, **options
):
    """Tokenize INPUT into packed token shards (Megatron .bin/.idx) in row order.

    INPUT: JSONL[.gz|.zst], Parquet, Arrow, a datasets.save_to_disk folder, or the data/ folder
    of a dataprep output (e.g. a scheduled dataset). A local fast tokenizer encodes every row,
    EOS after each; OUT/tokens/part-NNNNN.bin holds the flat uint16 or int32 tokens (a
    nanoGPT-style memmap), .idx the Megatron-LM index and .docs.arrow each document's input row
    and id."""
    settings = RunSettings(
        **{
            name: options[name]
            for name in ("batch_rows", "num_proc", "max_text_bytes")
            if options[name] is not None
        },
        progress=not quiet,
    )
    run = TokenizeRun(
        tokenizer,
        eos_token=options["eos_token"],
        seq_len=options["seq_len"],
        remainder=options["remainder"],
        shard_tokens=options["shard_tokens"],
        group_columns=options["group_columns"],
        settings=settings,
    )
    try:
        result = run.run(
            list(inputs),
            output,
            text_column=text_column,
            id_column=id_column,
            overwrite=overwrite,
            resume=resume,
        )
    except DataprepError as error:
        raise click.ClickException(error.for_cli()) from None
    except KeyboardInterrupt:
        click.echo(
            f"Interrupted; the complete shards are kept beside {output}: rerun the same command "
            "with --resume to continue.",
            err=True,
        )
        sys.exit(130)
    if quiet:
        return
    rate = result.tokens / result.seconds if result.seconds else 0.0
    line = (
        f"{result.rows_in:,} documents: {result.tokens:,} tokens ({result.dtype}) in "
        f"{result.shards:,} shards in {result.out_dir / 'tokens'} ({rate:,.0f} tokens/s)"
    )
    if result.sequences is not None:
        line += (
            f"; {result.sequences:,} sequences of {options['seq_len']:,} tokens, "
            f"{result.padding:,} padding and {result.dropped:,} dropped tokens"
        )
    click.echo(line)
