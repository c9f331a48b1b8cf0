"""A run's scratch on disk: sorted runs, spill files, the decision log and the resume
checkpoints."""
