"""The `AlgorithmImports` stand-in: LEAN's API names, installed only where real LEAN is absent.

Stands for Common/AlgorithmImports.py.

`install()` puts a module named AlgorithmImports into sys.modules, so `from AlgorithmImports import *`
works in tests and in the local runner. Under real LEAN (pythonnet's `clr` with AddReference, or an
AlgorithmImports that already has QCAlgorithm) it does nothing. No AlgorithmImports.py file exists
in the project, so LEAN's own module always wins there.
"""

from __future__ import annotations

import json
import math
import sys
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from leansim import (
    algorithm,
    brokerage_models,
    buying_power,
    data,
    enums,
    extensions,
    fees,
    fills,
    notify,
    object_store,
    option_exercise,
    option_pricing,
    option_strategies,
    orders,
    portfolio,
    positions,
    scheduling,
    securities,
    security_initializers,
    symbols,
    tickets,
    trade_builder,
    transactions,
)

MODULE_NAME = "AlgorithmImports"

# Every LEAN-named class the stand-in exports (the conformance test checks each against the stubs).
LEAN_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        enums.OrderStatus, enums.OrderDirection, enums.OrderType, enums.OrderRequestType, enums.OrderRequestStatus,
        enums.OrderResponseErrorCode, enums.OrderField, enums.SecurityType, enums.OptionRight, enums.OptionStyle,
        enums.SettlementType, enums.Resolution, enums.DayOfWeek, enums.BrokerageName, enums.DataNormalizationMode,
        enums.AccountType, enums.BrokerageMessageType, enums.Market,
        symbols.Symbol, symbols.SecurityIdentifier,
        orders.Order, orders.MarketOrder, orders.MarketOnOpenOrder, orders.MarketOnCloseOrder, orders.LimitOrder, orders.ComboOrder,
        orders.ComboMarketOrder, orders.ComboLimitOrder, orders.ComboLegLimitOrder, orders.GroupOrderManager,
        orders.Leg, orders.OrderExtensions, orders.OrderFee, orders.CashAmount, orders.OrderEvent, orders.OptionExerciseOrder,
        option_exercise.DefaultExerciseModel, option_exercise.DefaultOptionAssignmentModel,
        option_exercise.NullOptionAssignmentModel, option_exercise.OptionAssignmentParameters,
        option_exercise.OptionAssignmentResult,
        option_pricing.OptionPriceModelResult, option_pricing.OptionPriceModelParameters,
        option_pricing.QLOptionPriceModel, option_pricing.QLOptionPriceModelProvider,
        tickets.OrderResponse, tickets.OrderRequest, tickets.SubmitOrderRequest, tickets.CancelOrderRequest,
        tickets.UpdateOrderRequest, tickets.UpdateOrderFields, tickets.OrderTicket,
        object_store.ObjectStore,
        portfolio.SecurityPortfolioManager,
        positions.Position, positions.PositionGroup, positions.SecurityPositionGroupModel,
        positions.SecurityPositionGroupBuyingPowerModel, positions.OptionStrategyPositionGroupBuyingPowerModel,
        option_strategies.OptionStrategy, option_strategies.OptionStrategies,
        buying_power.ConstantBuyingPowerModel, buying_power.NullBuyingPowerModel, buying_power.SecurityMarginModel,
        securities.SecurityHolding, securities.SecurityManager, securities.Security, securities.Equity,
        securities.Option, securities.Index, securities.IndexOption, securities.SecurityExchange, securities.SecurityExchangeHours,
        securities.SymbolProperties, securities.OptionFilterUniverse, securities.OptionSymbol,
        data.Slice, data.OptionChains, data.OptionChain, data.OptionContract, data.Greeks, data.BaseData,
        data.KeyValuePair,
        notify.NotificationManager,
        trade_builder.TradeBuilder, trade_builder.Trade, trade_builder.TradeDirection,
        scheduling.ScheduleManager, scheduling.ScheduledEvent, scheduling.DateRules, scheduling.TimeRules,
        fills.FillModel, fills.ImmediateFillModel, fills.FillModelParameters, fills.Fill,
        fees.FeeModel, fees.ConstantFeeModel, fees.InteractiveBrokersFeeModel, fees.OrderFeeParameters,
        brokerage_models.BrokerageMessageEvent, brokerage_models.DefaultBrokerageModel,
        brokerage_models.InteractiveBrokersBrokerageModel, brokerage_models.CharlesSchwabBrokerageModel,
        brokerage_models.TradeStationBrokerageModel, brokerage_models.TastytradeBrokerageModel,
        brokerage_models.TradierBrokerageModel, brokerage_models.AlpacaBrokerageModel,
        transactions.SecurityTransactionManager,
        security_initializers.SecuritySeeder, security_initializers.BrokerageModelSecurityInitializer,
        extensions.Extensions, extensions.RegressionTestException,
        algorithm.QCAlgorithm,
    )
}


def build_module() -> types.ModuleType:
    """A fresh module exposing LEAN's names plus what LEAN's AlgorithmImports re-exports from Python."""
    module = types.ModuleType(MODULE_NAME, "leansim's stand-in for LEAN's AlgorithmImports")
    module.__dict__.update(LEAN_CLASSES)
    module.__dict__.update({"date": date, "time": time, "datetime": datetime, "timedelta": timedelta, "math": math, "json": json})
    module.__dict__.update({name: getattr(typing, name) for name in typing.__all__})
    module.__dict__["QCAlgorithmFramework"] = algorithm.QCAlgorithm
    module.__dict__["__leansim__"] = True
    module.__all__ = [name for name in module.__dict__ if not name.startswith("_")]  # type: ignore[attr-defined]
    return module


# LEAN's C# namespaces that algorithms import from directly (`from QuantConnect.X import Name`).
LEAN_NAMESPACES: dict[str, dict[str, object]] = {
    "QuantConnect.Securities.Positions": {
        "IPositionGroup": positions.IPositionGroup, "PositionGroup": positions.PositionGroup,
        "Position": positions.Position, "SecurityPositionGroupModel": positions.SecurityPositionGroupModel,
    },
}


@contextmanager
def lean_namespaces() -> Iterator[None]:
    """While an algorithm file is imported, `QuantConnect.*` resolves to the double's classes.

    Only then: quantconnect-stubs installs a real `QuantConnect` package (type stubs whose __init__
    needs pythonnet), which the stub conformance test reads, so it is shadowed for the import only.
    """
    if real_lean_present():
        yield
        return
    names = {".".join(namespace.split(".")[: i + 1]) for namespace in LEAN_NAMESPACES for i in range(namespace.count(".") + 1)}
    saved = {name: sys.modules[name] for name in names if name in sys.modules}
    for name in sorted(names):
        module = types.ModuleType(name, "leansim's stand-in for a LEAN namespace")
        module.__path__ = []
        module.__dict__.update(LEAN_NAMESPACES.get(name, {}))
        sys.modules[name] = module
    try:
        yield
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def real_lean_present() -> bool:
    """True under real LEAN: pythonnet's clr (with AddReference) or LEAN's AlgorithmImports loaded."""
    existing = sys.modules.get(MODULE_NAME)
    if existing is not None and getattr(existing, "__leansim__", False):
        return False
    if existing is not None and hasattr(existing, "QCAlgorithm"):
        return True
    try:
        import clr  # type: ignore[import-not-found]
    except ImportError:
        return False
    return hasattr(clr, "AddReference")


def install() -> bool:
    """Install the stand-in as sys.modules["AlgorithmImports"]; idempotent. False under real LEAN."""
    if real_lean_present():
        return False
    existing = sys.modules.get(MODULE_NAME)
    if existing is None or not getattr(existing, "__leansim__", False):
        sys.modules[MODULE_NAME] = build_module()
    return True
