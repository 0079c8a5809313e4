# region imports
from AlgorithmImports import *
# endregion
"""A LEAN algorithm on hour or daily SPY bars (parameter `resolution`): it buys on its first slice and
logs every slice's time and SPY price, so a test can read when LEAN would have called on_data."""


class BarResolutionAlgorithm(QCAlgorithm):
    def initialize(self) -> None:
        self.set_start_date(2024, 1, 2)
        self.set_end_date(2024, 1, 4)
        self.set_cash(100000)
        resolution = Resolution.HOUR if self.get_parameter("resolution", "hour") == "hour" else Resolution.DAILY
        self._spy = self.add_equity("SPY", resolution).symbol

    def on_data(self, slice: Slice) -> None:
        self.debug(f"slice {slice[self._spy].price:.2f}")
        if not self.portfolio.invested:
            self.market_order(self._spy, 10)
