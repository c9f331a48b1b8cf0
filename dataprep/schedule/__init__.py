"""Curricula and data mixing: ``dataprep schedule`` writes a curriculum-ordered dataset
(curriculum.py: pacing functions; run.py: the writer), and the trainer-side adaptive sampler
(mixing.py: static group weights; sampler.py: online mixing; torch_data.py: DataLoader glue)."""
