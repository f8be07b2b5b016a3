"""Benchmarks: scripts that measure, run by hand (`python -m bench.redirects`), never by pytest."""
