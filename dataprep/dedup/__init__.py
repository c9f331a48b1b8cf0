"""Exact, near-duplicate (MinHash LSH) and semantic deduplication."""
