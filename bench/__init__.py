"""Benchmarks of the acceptance demo and of the workflow plugin; run ``python bench/run.py``."""
