"""Book-only helpers (page plumbing, not course material)."""
