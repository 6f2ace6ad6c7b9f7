"""Shelfwatch's benchmark harness: `make bench` / `python -m bench`.

Generates its own data (shelfwatch.demo), builds stores, times every catalog query against a
scan floor and against pandas / polars reference implementations (whose results must equal
ours), times every page through AppTest and the as-of date change in a real browser, and writes
``bench/results/<date>.md`` + ``.json``. See bench/README.md for what each figure means.
"""
