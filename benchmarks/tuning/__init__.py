"""Tuning records: the measurements behind the defaults (docs: How the defaults were chosen)."""
