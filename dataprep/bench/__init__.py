"""Evidence that selected data is better: the tiny language model used by the curriculum
benchmark and the training examples (tiny_lm.py; needs torch)."""
