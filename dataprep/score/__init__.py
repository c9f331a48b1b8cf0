"""Per-document scorers: float64 ``dp_score_*`` columns that rank documents, never reject."""
