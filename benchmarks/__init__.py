"""Benchmarks: a synthetic corpus generator (generate.py) and one timing script (run.py).

See docs/benchmarks.md for what is measured, the targets and the latest results.
"""
