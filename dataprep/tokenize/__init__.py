"""``dataprep tokenize``: packed token shards for pretraining (see dataprep.tokenize.run)."""
