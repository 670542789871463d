"""Benchmarks of okrbot at company scale: `python -m bench` (see docs/benchmarks.md)."""
