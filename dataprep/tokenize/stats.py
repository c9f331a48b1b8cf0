"""Counts of a tokenize run: documents and tokens in all, per shard and per value of each group
column (e.g. ``source``, or ``dp_bucket`` of a scheduled dataset), written to stats.json."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

MISSING = "(null)"  # a null group value, as it is named in stats.json


@dataclass
class TokenStats:
    """documents, tokens (EOS included); per group column: documents and tokens per value."""

    group_columns: tuple[str, ...] = ()
    documents: int = 0
    tokens: int = 0
    group_documents: dict[str, Counter] = field(default_factory=dict)
    group_tokens: dict[str, Counter] = field(default_factory=dict)

    def add(self, batch: pa.RecordBatch, lengths: np.ndarray) -> None:
        """Count the documents of ``batch`` (their token counts in ``lengths``)."""
        self.documents += batch.num_rows
        self.tokens += int(lengths.sum())
        for column in self.group_columns:
            values = batch.column(column)
            if not pa.types.is_string(values.type):
                values = values.cast(pa.string())
            table = pa.table({"value": values.fill_null(MISSING), "tokens": lengths})
            counts = table.group_by("value").aggregate([("tokens", "count"), ("tokens", "sum")])
            documents = self.group_documents.setdefault(column, Counter())
            tokens = self.group_tokens.setdefault(column, Counter())
            for value, count, total in zip(
                *(
                    counts.column(name).to_pylist()
                    for name in ("value", "tokens_count", "tokens_sum")
                ),
                strict=True,
            ):
                documents[value] += count
                tokens[value] += total

    def to_dict(self, shards: list[dict]) -> dict:
        """The counts for stats.json, with the closed ``shards`` (manifest records)."""
        padding = sum(shard["padding"] for shard in shards)
        dropped = sum(shard["dropped"] for shard in shards)
        groups = {
            column: {
                value: {"documents": count, "tokens": self.group_tokens[column][value]}
                for value, count in sorted(self.group_documents.get(column, Counter()).items())
            }
            for column in self.group_columns
        }
        with_sequences = shards and shards[0]["sequences"] is not None
        return {
            "documents": self.documents,
            "tokens": self.tokens,
            "eos_tokens": self.documents,
            **(
                {
                    "sequences": sum(shard["sequences"] for shard in shards),
                    "padding_tokens": padding,
                    "dropped_tokens": dropped,
                }
                if with_sequences
                else {}
            ),
            "shards": [
                {
                    key: shard[key]
                    for key in ("prefix", "documents", "tokens", "sequences", "padding", "dropped")
                }
                for shard in shards
            ],
            **({"groups": groups} if groups else {}),
        }
