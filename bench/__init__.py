"""Benchmarks of build, query, cold start and scale; `python -m bench --help`. Not tests."""
