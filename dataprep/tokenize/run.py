"""``dataprep tokenize``: packed token shards for pretraining, in the input's row order.

Output (atomic and resumable, like every command)::

    OUT/tokens/part-NNNNN.bin         token ids, flat (uint16 or int32), documents in input
                                      order, each followed by EOS (dataprep.tokenize.indexed)
    OUT/tokens/part-NNNNN.idx         the Megatron-LM index of the shard's documents
    OUT/tokens/part-NNNNN.docs.arrow  per document: input row number, id, token offset, tokens
    OUT/stats.json                    documents and tokens in all, per shard and per group
                                      value; sequences, padding and dropped tokens (--seq-len)
    OUT/manifest.json                 version, tokenizer (path, sha256, EOS), layout, inputs
                                      with fingerprints, shards

Texts are read in record batches, encoded by ``num_proc`` worker processes (one tokenizer
thread each, ``TASK_ROWS`` texts a task) and written in input order, so the output does not
depend on ``num_proc``. When a shard is complete a checkpoint records it and where the next one
starts (input batch and row); ``--resume`` keeps the complete shards and rewrites the rest,
byte-identical to an uninterrupted run. Memory: the batches in flight plus the open shard's
per-document lengths.
"""

from __future__ import annotations

import os
import pickle
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dataprep.errors import ConfigError, DataprepError, InputError
from dataprep.io.readers import Corpus, open_corpus
from dataprep.output import OutputFolder, write_json
from dataprep.progress import progress_bar
from dataprep.runners.worker_pool import WorkerPool
from dataprep.settings import RunSettings, resolve_processes
from dataprep.stage import ROW_COLUMN
from dataprep.tokenize.shards import REMAINDERS, ShardLayout, ShardWriter, shard_name
from dataprep.tokenize.stats import TokenStats
from dataprep.tokenize.tokenizer import Encoder, TokenizerInfo, encode_texts, load_encoder

DEFAULT_SHARD_TOKENS = 1 << 28  # 512 MiB of uint16 tokens a shard
TASK_ROWS = 1024  # texts a worker process encodes at once (a batch is split into such tasks)
FORMAT = "megatron-indexed-dataset"
TOKENS = "tokens"  # the shards' folder in OUT, and the checkpoints' writer name


@dataclass
class TokenizeResult:
    """What a finished run wrote (``out_dir``): rows read (one document each), tokens with EOS,
    shards, fixed-length sequences (None without --seq-len), padding and dropped tokens."""

    out_dir: Path
    rows_in: int
    tokens: int
    shards: int
    sequences: int | None
    padding: int
    dropped: int
    dtype: str
    seconds: float


def load_tokenize_result(out_dir: Path) -> TokenizeResult:
    """The TokenizeResult of a finished output folder, from its stats.json."""
    import json

    stats = json.loads((out_dir / "stats.json").read_text())
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return TokenizeResult(
        out_dir,
        stats["rows_in"],
        stats["tokens"],
        len(stats["shards"]),
        stats.get("sequences"),
        stats.get("padding_tokens", 0),
        stats.get("dropped_tokens", 0),
        manifest["tokens"]["dtype"],
        stats["seconds"],
    )


class TokenizeRun:
    """Tokenizes a corpus into packed token shards.

    tokenizer: a local Hugging Face fast tokenizer folder or its tokenizer.json.
    eos_token: the end-of-document token (default None: the tokenizer's, see
        dataprep.tokenize.tokenizer).
    seq_len: tokens per fixed-length sequence (default None: no sequences).
    remainder: a shard's last partial sequence is padded with EOS ('pad', default) or left out
        of the sequences ('drop').
    shard_tokens: a shard is closed after the document that brings it to this many tokens
        (default 2**28).
    group_columns: columns whose values stats.json counts documents and tokens for (default
        none).
    settings: batch_rows, num_proc, max_text_bytes and progress are used (default: the
        defaults of dataprep.settings.RunSettings).
    """

    def __init__(
        self,
        tokenizer: str | Path,
        *,
        eos_token: str | None = None,
        seq_len: int | None = None,
        remainder: str = "pad",
        shard_tokens: int = DEFAULT_SHARD_TOKENS,
        group_columns: tuple[str, ...] = (),
        settings: RunSettings | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.eos_token = eos_token
        self.seq_len = seq_len
        self.remainder = remainder
        self.shard_tokens = shard_tokens
        self.group_columns = tuple(group_columns)
        self.settings = settings or RunSettings()

    def check_params(self) -> None:
        """Raise ConfigError naming the first parameter out of range."""
        for name in ("seq_len", "shard_tokens"):
            value = getattr(self, name)
            if value is None and name == "seq_len":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer. Got {value!r} instead.")
        if self.remainder not in REMAINDERS:
            raise ConfigError(f"remainder must be 'pad' or 'drop'. Got {self.remainder!r} instead.")
        self.settings.check()

    def run(
        self,
        inputs: list[str],
        out_dir: str | Path,
        *,
        text_column: str = "text",
        id_column: str = "id",
        overwrite: bool = False,
        resume: bool = False,
    ) -> TokenizeResult:
        """Tokenize ``inputs`` into ``out_dir``; ``resume`` continues an interrupted run of the
        same inputs and parameters (refusing, with the reason, when they changed)."""
        self.check_params()
        encoder, info = load_encoder(self.tokenizer, self.eos_token)
        settings = self.settings
        corpus = open_corpus(
            inputs,
            text_column=text_column,
            id_column=id_column,
            batch_rows=settings.batch_rows,
            max_text_bytes=settings.max_text_bytes,
        )
        for column in self.group_columns:
            if column not in corpus.output_schema.names:
                raise ConfigError(
                    f"{corpus.sources[0].path}: no group column {column!r}; the columns are "
                    f"{', '.join(corpus.output_schema.names)}"
                )
        folder = OutputFolder(out_dir, overwrite)
        try:
            done = folder.start(self.fingerprint(corpus, info), resume)
            if done is not None:
                result = load_tokenize_result(done)
            else:
                try:
                    result = self._run(folder, corpus, encoder, info)
                except DataprepError:
                    folder.discard()  # bad input: nothing to resume
                    raise
                folder.finish()
        finally:
            folder.release()
        result.out_dir = folder.out_dir
        return result

    def fingerprint(self, corpus: Corpus, info: TokenizerInfo) -> dict:
        """What a resumed run must share with the interrupted one."""
        from dataprep import __version__

        return {
            "dataprep_version": __version__,
            "command": "tokenize",
            "tokenizer_sha256": info.sha256,
            "eos_id": info.eos_id,
            "layout": self.layout_params(),
            "inputs": [
                {k: v for k, v in i.items() if k != "path"} for i in corpus.describe_inputs()
            ],
            "batch_rows": self.settings.batch_rows,
            "max_text_bytes": self.settings.max_text_bytes,
            "text_column": corpus.text_column,
            "id_column": corpus.id_column,
        }

    def layout_params(self) -> dict:
        return {
            "seq_len": self.seq_len,
            "remainder": self.remainder,
            "shard_tokens": self.shard_tokens,
            "group_columns": list(self.group_columns),
        }

    def _run(self, folder, corpus, encoder: Encoder, info: TokenizerInfo) -> TokenizeResult:
        started = time.perf_counter()
        layout = ShardLayout(
            encoder.dtype, self.shard_tokens, self.seq_len, self.remainder, encoder.eos_id
        )
        stats, shards, start = TokenStats(self.group_columns), [], (0, 0)
        if folder.resuming:
            parts = folder.state.load_parts(TOKENS)
            if parts:
                stats, shards = pickle.loads(folder.state.load_part_state(TOKENS, len(parts) - 1))
                start = (parts[-1]["next_batch"], parts[-1]["next_row"])
        tokens_dir = folder.tmp_dir / TOKENS
        _remove_shards_from(tokens_dir, len(shards))
        id_type = corpus.output_schema.field(corpus.id_column).type
        writer = ShardWriter(tokens_dir, layout, id_type, first=len(shards))
        try:
            for index, offset, batch, (tokens, lengths) in self._encoded(
                folder, corpus, encoder, start
            ):
                position, token_position = 0, 0
                while position < batch.num_rows:
                    take = writer.documents_that_fit(lengths[position:])
                    piece_lengths = lengths[position : position + take]
                    token_end = token_position + int(piece_lengths.sum())
                    piece = batch.slice(position, take)
                    writer.write(
                        tokens[token_position:token_end],
                        piece_lengths,
                        piece.column(ROW_COLUMN).to_numpy(),
                        piece.column(corpus.id_column),
                    )
                    stats.add(piece, piece_lengths)
                    position, token_position = position + take, token_end
                    if writer.full:
                        after = (
                            (index + 1, 0)
                            if position == batch.num_rows
                            else (index, offset + position)
                        )
                        self._save_shard(folder, writer, shards, stats, after)
            self._save_shard(folder, writer, shards, stats, (None, 0))
        finally:
            writer.abandon()
        seconds = time.perf_counter() - started
        self._write_reports(folder, corpus, info, stats, shards, seconds)
        return load_tokenize_result(folder.tmp_dir)

    def _save_shard(self, folder, writer: ShardWriter, shards: list, stats, after) -> None:
        """Close the open shard and checkpoint it: the next shard starts at input batch and
        row ``after``."""
        record = writer.close()
        if record is None:
            return
        shards.append(record)
        state = pickle.dumps((stats, shards), protocol=pickle.HIGHEST_PROTOCOL)
        part = {"part": record["prefix"] + ".bin", "rows": record["documents"]}
        batch = after[0] if after[0] is not None else 1 << 62
        folder.state.save_part(TOKENS, part, batch, after[1], state)

    def _batches(self, corpus: Corpus, start: tuple[int, int]) -> Iterator[tuple]:
        """(batch index, first row of the batch it holds, batch) from input batch and row
        ``start`` on. Ids are recorded, not checked: a scheduled dataset repeats rows."""
        first_batch, first_row = start
        index, next_row = 0, 0
        for source in range(len(corpus.sources)):
            for batch in corpus.iter_file_batches(source, next_row, None):
                next_row += batch.num_rows
                if index > first_batch or (index == first_batch and first_row == 0):
                    yield index, 0, batch
                elif index == first_batch and first_row < batch.num_rows:
                    yield index, first_row, batch.slice(first_row)
                index += 1

    def _encoded(self, folder, corpus: Corpus, encoder: Encoder, start) -> Iterator[tuple]:
        """(batch index, first row, batch, (tokens, lengths)) in input order, encoded here
        (num_proc 1) or by worker processes with one tokenizer thread each."""
        # Documents, out of the input's rows when known (not when resuming part-way).
        batches = progress_bar(
            self._batches(corpus, start),
            "tokenize",
            enabled=self.settings.progress,
            total=corpus.stored_rows() if self.settings.progress and start == (0, 0) else None,
            unit="documents",
            count=lambda item: item[2].num_rows,
        )
        processes = resolve_processes(self.settings.num_proc)
        if processes == 1:
            for index, offset, batch in batches:
                yield index, offset, batch, encoder.encode(batch.column(corpus.text_column))
            return
        waiting: deque = deque()

        def texts() -> Iterator:
            for item in batches:
                column = item[2].column(corpus.text_column)
                starts = range(0, max(1, len(column)), TASK_ROWS)
                waiting.append((item, len(starts)))
                for start in starts:
                    yield column.slice(start, TASK_ROWS)

        pool = WorkerPool(processes, folder.work_dir)
        previous = os.environ.get("TOKENIZERS_PARALLELISM")
        os.environ["TOKENIZERS_PARALLELISM"] = "false"  # the processes are the parallelism
        try:
            results = pool.map(encode_texts, encoder, texts())
            for encoded in results:
                item, tasks = waiting.popleft()
                pieces = [encoded, *(next(results) for _ in range(tasks - 1))]
                tokens = np.concatenate([piece[0] for piece in pieces])
                yield (*item, (tokens, np.concatenate([piece[1] for piece in pieces])))
        finally:
            pool.close()
            if previous is None:
                os.environ.pop("TOKENIZERS_PARALLELISM", None)
            else:
                os.environ["TOKENIZERS_PARALLELISM"] = previous

    def _write_reports(self, folder, corpus, info, stats: TokenStats, shards, seconds) -> None:
        from dataprep import __version__

        if stats.documents == 0:
            raise InputError(f"{corpus.sources[0].path}: the input holds no document")
        counts = stats.to_dict(shards)
        processes = resolve_processes(self.settings.num_proc)
        write_json(
            folder.tmp_dir / "stats.json",
            {
                "rows_in": stats.documents,
                **counts,
                "num_proc": processes,
                "seconds": round(seconds, 3),
            },
        )
        tokens = {
            "format": FORMAT,
            "folder": TOKENS,
            "dtype": info.dtype,
            "vocab_size": info.vocab_size,
            "eos_token": info.eos_token,
            "eos_id": info.eos_id,
            "eos_source": info.eos_source,
            **self.layout_params(),
            **({"pad_id": info.eos_id} if self.seq_len and self.remainder == "pad" else {}),
            "documents": stats.documents,
            "tokens": stats.tokens,
            "shards": shards,
        }
        document = {
            "dataprep_version": __version__,
            "command": "tokenize",
            "config": {
                "tokenizer": info.path,
                "tokenizer_sha256": info.sha256,
                **self.layout_params(),
                "batch_rows": self.settings.batch_rows,
            },
            "text_column": corpus.text_column,
            "id_column": corpus.id_column,
            "ids_generated": corpus.generate_ids,
            "inputs": corpus.describe_inputs(),
            "tokens": tokens,
            "rows_in": stats.documents,
        }
        write_json(folder.tmp_dir / "manifest.json", document)


def _remove_shards_from(directory: Path, number: int) -> None:
    """Remove the files of shards ``number`` and later (an interrupted run's open shard)."""
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if path.name.startswith("part-") and path.name.split(".")[0] >= shard_name(number):
            path.unlink()
