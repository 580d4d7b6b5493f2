"""Shared pieces of the benchmark scripts: stores, servers, load generators, figures, tables.

`scripts/bench.py` drives them to print the whole table of issue #14; the older `bench_*.py`
scripts use them too. Import as `benchkit` (the scripts run with `scripts/` on `sys.path`).
"""
