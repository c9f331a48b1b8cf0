"""Reading corpora as streams of Arrow record batches, and writing sharded Arrow datasets."""

from dataprep.io.readers import Corpus, Source, open_corpus, resolve_inputs
from dataprep.io.writer import ShardedWriter

__all__ = ["Corpus", "ShardedWriter", "Source", "open_corpus", "resolve_inputs"]
