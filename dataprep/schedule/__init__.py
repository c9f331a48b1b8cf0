"""Curricula and data mixing: ``dataprep schedule`` writes a curriculum-ordered dataset
(curriculum.py: pacing functions; run.py: the writer). The trainer side (mixing, the adaptive
sampler, DataLoader glue) is dataprep.sampling."""
