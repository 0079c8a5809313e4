"""Every test runs against the LEAN double: install its AlgorithmImports stand-in (only when real
LEAN is absent) before any product module is imported."""

import leansim

leansim.install()
