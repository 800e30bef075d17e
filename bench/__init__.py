"""Benchmarks: each prints its figures; none asserts wall-clock time."""
