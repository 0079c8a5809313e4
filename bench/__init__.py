"""Benchmarks of the atomic executor on the LEAN double: `make bench` or `python -m bench [--quick]`.

Figures, one line each with its target and PASS/MISS (nothing asserts; no figure fails the run):

1-2, 6  `latency`         executor time per order event and per group, backtest and live, against a
                          naive loop of plain market_order calls
3       `history`         per-event and per-save time with 10, 1,000 and 100,000 finished groups behind it
4       `store_io`        ObjectStore saves, deletes and bytes per clean 4-leg group
5       `recovery_bench`  recovery after a crash with 100,000 archived groups and 2 open ones
7       `campaign`        random fault plans over iron condors: naked-short exposure and outcomes
8       `quality`         execution quality by pricing policy (naive, market legged, market combo, Walk)
                          on LEAN's real GOOG and SPXW chains; `quality_algorithm` the algorithm it runs
9       `close_campaign`  random fault plans over closes, and a crash at every effect of a close

`hosts` holds the timed algorithm (the integration kit's HostAlgorithm, wired as main.py wires
the executor) and `finish_groups`, which builds a long history of real groups; `report` the printing.
Sizes live in `__main__.SIZES`; tests/integration/bench runs every benchmark at a tiny size.
"""
