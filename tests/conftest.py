"""Every test runs against the LEAN double: install its AlgorithmImports stand-in (only when real
LEAN is absent) before any product module is imported.

The suite loads leansim's pytest plugin as a LEAN user's project would (its fixtures: leansim,
leansim_algorithm, leansim_clock, leansim_faults, leansim_restart), and pytester to test that plugin."""

import leansim

leansim.install()

pytest_plugins = ["leansim.pytest_plugin", "pytester"]
