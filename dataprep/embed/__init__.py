"""Embeddings: the encoder with its on-disk cache (encoder), and the input side shared by
every embedding stage (input)."""
