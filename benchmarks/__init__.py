"""Benchmarks of sk_stdp: the scripts behind the published tables (``benchmarks/results``)."""
