"""Leg builders for multi-leg option structures: pick contracts from a chain, size by risk, and
hand frozen leg specs to the atomic executor. Pure apart from `lean_chain`, the LEAN edge.
"""

from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy, TradeDecision
from strategies.chain import ChainRow, Picked, Right
from strategies.iron_condor import IronCondorStrategy
from strategies.params import StrategyParams
from strategies.put_spread import PutSpreadStrategy
from strategies.selection import ChosenContract, LegRole, Selection
from strategies.skip import Skip, SkipReason
from strategies.strangle import StrangleStrategy

__all__ = [
    "AtomicExecutor",
    "ChainRow",
    "ChosenContract",
    "GroupResultLike",
    "IronCondorStrategy",
    "LegRole",
    "StructureStrategy",
    "Picked",
    "PutSpreadStrategy",
    "Right",
    "Selection",
    "Skip",
    "SkipReason",
    "StrangleStrategy",
    "StrategyParams",
    "TradeDecision",
]
