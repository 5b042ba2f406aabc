"""Helpers shared by the template tests and the benchmarks."""
