"""Leg builders for multi-leg option structures: pick contracts from a chain, size by risk, and
hand frozen leg specs to the atomic executor. Pure apart from `lean_chain`, the LEAN edge.
"""

from atomic.structures import StructureSpec
from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy, TradeDecision
from strategies.bull_call_spread import BullCallSpreadStrategy
from strategies.butterfly import CallButterflyStrategy
from strategies.chain import ChainRow, Picked, Right
from strategies.iron_condor import IronCondorStrategy
from strategies.params import StrategyParams
from strategies.put_spread import PutSpreadStrategy
from strategies.selection import ChosenContract, LegRole, Selection
from strategies.skip import Skip, SkipReason
from strategies.strangle import StrangleStrategy

# Every strategy by its structure's name (main.py's `second-strategy` parameter names one).
STRATEGIES: dict[str, type[StructureStrategy]] = {
    cls.spec.name: cls
    for cls in (IronCondorStrategy, PutSpreadStrategy, StrangleStrategy, CallButterflyStrategy, BullCallSpreadStrategy)
}

__all__ = [
    "AtomicExecutor",
    "BullCallSpreadStrategy",
    "CallButterflyStrategy",
    "ChainRow",
    "ChosenContract",
    "GroupResultLike",
    "IronCondorStrategy",
    "LegRole",
    "STRATEGIES",
    "StructureStrategy",
    "Picked",
    "PutSpreadStrategy",
    "Right",
    "Selection",
    "Skip",
    "SkipReason",
    "StrangleStrategy",
    "StrategyParams",
    "StructureSpec",
    "TradeDecision",
]
