"""Rule-based and model-based quality filters."""
