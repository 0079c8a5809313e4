# region imports
from AlgorithmImports import *
# endregion
"""A LEAN algorithm that knows nothing of the runner: its own dates, a parameter, logs, a plot, a
runtime statistic and an ObjectStore counter that a second run over the same output folder sees."""


class PlainAlgorithm(QCAlgorithm):
    def initialize(self) -> None:
        self.set_start_date(2024, 1, 8)
        self.set_end_date(2024, 1, 10)
        self.set_cash(100000)
        self._spy = self.add_equity("SPY", Resolution.MINUTE).symbol
        self._quantity = int(self.get_parameter("quantity", 10))
        runs = int(self.object_store.read("plain/runs")) if self.object_store.contains_key("plain/runs") else 0
        self._runs = runs + 1
        self.object_store.save("plain/runs", str(self._runs))

    def on_data(self, slice: Slice) -> None:
        if not self.portfolio.invested:
            ticket = self.market_order(self._spy, self._quantity)
            self.debug(f"bought {ticket.quantity_filled:g} SPY")
            self.plot("Trades", "SPY", self._quantity)

    def on_end_of_algorithm(self) -> None:
        self.set_runtime_statistic("Runs", self._runs)
