"""Every knob of the library, as module constants with their defaults.

The executor takes them as one frozen `AtomicConfig` (override with `dataclasses.replace`); main.py
reads the strategy knobs through `get_parameter`, so `lean backtest --parameter name value` and
`lean optimize` can change them without editing this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


class ExecutionMode(StrEnum):
    """How a group's orders are sent (see EXECUTION_MODE). Text-valued: stored records, config.json
    and parameters keep the words."""

    LEGGED = "legged"
    COMBO = "combo"


class PartialFillPolicy(StrEnum):
    """What to do with legs filled in unequal quantities (see PARTIAL_FILL_POLICY)."""

    FLATTEN = "flatten"
    TRIM = "trim"


class ConfigError(ValueError):
    """A knob holds a value the library cannot work with."""


Choice = TypeVar("Choice", bound=StrEnum)


def parse_choice(kind: type[Choice], knob: str, value: str, also: str = "") -> Choice:
    """`value` (a member of `kind` or its exact text) as the member; ConfigError naming `knob` and
    the accepted words, with `also` among them for a caller that accepts one more."""
    try:
        return kind(value)
    except ValueError:
        words = [repr(word) for word in ([also] if also else []) + [member.value for member in kind]]
        raise ConfigError(f"{knob} must be {', '.join(words[:-1])} or {words[-1]}, got {value!r}") from None

# --- Executor -------------------------------------------------------------------------------------

# Seconds of algorithm time a group may stay unfilled before it is rolled back.
ATOMIC_ORDER_TIMEOUT = 5
# Seconds a rollback's or a close's order may rest unfilled before it is cancelled and sent again.
# Apart from ATOMIC_ORDER_TIMEOUT because an entry's bound may be stretched to cover a walk (main.py
# does), while a reversal must stay quick: it may be all that stands between the account and a naked short.
UNWIND_ORDER_TIMEOUT = 5
# Reversing orders tried per leg before the group is ROLLBACK_FAILED and the executor halts.
MAX_ROLLBACK_ATTEMPTS = 3
# Seconds between check_timeouts() calls in live mode (main.py schedules them). LEAN's real-time
# thread wakes once a second (Engine/RealTime/LiveTradingRealTimeHandler.cs, WaitTillNextSecond), so
# a scheduled event cannot fire more often: 1 s is the floor, and a shorter interval is refused.
FILL_CHECK_INTERVAL = 1.0
MAX_ATOMIC_GROUP_SIZE = 6
MAX_PENDING_GROUPS = 2
# On restart, flatten a partially filled group (True) or keep it halted for the operator (False).
EMERGENCY_FLATTEN_MODE = True
# Legged mode: submit short legs only once every long leg has filled, so no state ever holds a naked
# short (the default). False sends every leg at once, longs first: faster to fill (one brokerage
# round trip instead of two in live trading; no difference in a backtest, where LEAN fills market
# orders inside market_order()), but a short can fill while its protective long has not,
# and stays naked until the long fills or the rollback buys it back (up to ATOMIC_ORDER_TIMEOUT
# plus the check interval: a minute in a backtest checked on minute data; with a walked entry, whose
# timeout covers the walk, that can be the walk's whole length).
SEQUENTIAL_PROTECTIVE_LEGS = True
# "legged": one market order per leg; "combo": LEAN's combo_market_order (combo_limit_order when a
# net limit price is given). Combo needs a brokerage that accepts combos: atomic.brokerages'
# execution_mode_for(algorithm.brokerage_model) picks combo where the model accepts combo market
# orders, legged elsewhere (main.py does this). Neither holds a naked short with the defaults: a
# guaranteed combo fills whole structures, and one the brokerage refuses is resent as protective
# legged orders.
EXECUTION_MODE = ExecutionMode.LEGGED
# Whether a walk may move a combo limit order's price with ticket.update (False: it cancels the combo
# and sends a new one at each step). atomic.brokerages' combo_price_updates_for(algorithm.brokerage_model)
# reads it from the brokerage table (main.py does this): Public refuses to update combo orders.
COMBO_PRICE_UPDATES = True
# When the brokerage refuses a combo as a whole (every leg INVALID, nothing filled), send the same
# group again as legged orders instead of failing the trade.
COMBO_FALLBACK_TO_LEGGED = True
# What to do when legs filled in unequal quantities: "flatten" reverses everything the group filled
# (all or none); "trim" keeps the largest number of complete structures and reverses the excess.
PARTIAL_FILL_POLICY = PartialFillPolicy.FLATTEN
# Refuse a group when the exchange closes within this many minutes: a market order placed while the
# exchange is closed becomes market-on-open, and a rollback would leave a naked leg overnight.
MARKET_CLOSE_BUFFER_MINUTES = 15
# Refuse a group whose estimated margin exceeds this fraction of the portfolio's remaining margin.
BUYING_POWER_USAGE_LIMIT = 0.9
# ObjectStore keys start with this namespace (the store is shared by a whole organisation).
STORE_NAMESPACE = "atomic-executor"
# Finished groups are archived for good, packed so the store keeps few keys: each first gets a key of
# its own, every ARCHIVE_PACK_SIZE of those become one pack key, every ARCHIVE_PACK_SIZE packs one
# pack of the next level, up to ARCHIVE_PACK_LEVELS (under 45 keys for 100,000 groups).
# LEAN's local store allows 10,000 files by default, and every save checks its limits by walking
# every stored file (LocalObjectStore.IsWithinStorageLimit), so the number of keys sets what each
# write costs; a larger pack size rewrites each group fewer times but keeps more keys.
ARCHIVE_PACK_SIZE = 4
# Levels packs merge up to: a top-level pack holds ARCHIVE_PACK_SIZE ** ARCHIVE_PACK_LEVELS groups
# (4,096: about 16 MB) and merges no further, so no single archive write rewrites more than that, and
# recovery reads at most one such pack; a long history adds one key per top-level pack instead. Fewer
# levels bound that write lower but keep more keys, and every save walks every key.
ARCHIVE_PACK_LEVELS = 6
# Finished groups kept in memory for get_group(); older ones are read back from the archive.
HISTORY_IN_MEMORY = 500
# Address for operator alerts sent through algorithm.notify in live mode ("" sends none).
ALERT_EMAIL = ""
# An ASSIGNED group's delivered underlying is sold or bought back at the next open (a market order
# tagged as the group's exit, through the close machinery) when True. True by default: an option
# structure's risk is bounded by its wings, the delivered shares' is not (a 5-wide put spread assigned
# holds 100 shares a contract overnight, worth 20x its max loss), and the strategies trade options only.
FLATTEN_ASSIGNED = True


@dataclass(frozen=True)
class AtomicConfig:
    """The executor's settings. Defaults are the module constants above."""

    atomic_order_timeout: float = ATOMIC_ORDER_TIMEOUT
    unwind_order_timeout: float = UNWIND_ORDER_TIMEOUT
    max_rollback_attempts: int = MAX_ROLLBACK_ATTEMPTS
    fill_check_interval: float = FILL_CHECK_INTERVAL
    max_atomic_group_size: int = MAX_ATOMIC_GROUP_SIZE
    max_pending_groups: int = MAX_PENDING_GROUPS
    emergency_flatten_mode: bool = EMERGENCY_FLATTEN_MODE
    sequential_protective_legs: bool = SEQUENTIAL_PROTECTIVE_LEGS
    execution_mode: ExecutionMode = EXECUTION_MODE
    combo_fallback_to_legged: bool = COMBO_FALLBACK_TO_LEGGED
    combo_price_updates: bool = COMBO_PRICE_UPDATES
    partial_fill_policy: PartialFillPolicy = PARTIAL_FILL_POLICY
    market_close_buffer_minutes: int = MARKET_CLOSE_BUFFER_MINUTES
    buying_power_usage_limit: float = BUYING_POWER_USAGE_LIMIT
    store_namespace: str = STORE_NAMESPACE
    archive_pack_size: int = ARCHIVE_PACK_SIZE
    archive_pack_levels: int = ARCHIVE_PACK_LEVELS
    history_in_memory: int = HISTORY_IN_MEMORY
    alert_email: str = ALERT_EMAIL
    flatten_assigned: bool = FLATTEN_ASSIGNED

    def __post_init__(self) -> None:
        positive = {
            "atomic_order_timeout": self.atomic_order_timeout,
            "unwind_order_timeout": self.unwind_order_timeout,
            "max_rollback_attempts": self.max_rollback_attempts,
            "max_pending_groups": self.max_pending_groups,
            "history_in_memory": self.history_in_memory,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name} must be positive, got {value!r}")
        if self.fill_check_interval < 1:
            raise ConfigError(f"fill_check_interval must be at least 1 second (LEAN's real-time thread wakes once a "
                              f"second), got {self.fill_check_interval!r}")
        if self.max_atomic_group_size < 2:
            raise ConfigError(f"max_atomic_group_size must be at least 2, got {self.max_atomic_group_size!r}")
        if self.archive_pack_size < 2:
            raise ConfigError(f"archive_pack_size must be at least 2, got {self.archive_pack_size!r}")
        if self.archive_pack_levels < 1:
            raise ConfigError(f"archive_pack_levels must be at least 1, got {self.archive_pack_levels!r}")
        if self.market_close_buffer_minutes < 0:
            raise ConfigError(f"market_close_buffer_minutes must not be negative, got {self.market_close_buffer_minutes!r}")
        if not 0 < self.buying_power_usage_limit <= 1:
            raise ConfigError(f"buying_power_usage_limit must be in (0, 1], got {self.buying_power_usage_limit!r}")
        # The text is accepted too ("combo", as config.json and stored records spell it).
        object.__setattr__(self, "execution_mode", parse_choice(ExecutionMode, "execution_mode", self.execution_mode))
        object.__setattr__(self, "partial_fill_policy",
                           parse_choice(PartialFillPolicy, "partial_fill_policy", self.partial_fill_policy))
        if not self.store_namespace or ":" in self.store_namespace or "." in self.store_namespace:
            raise ConfigError(f"store_namespace must be non-empty with no ':' or '.', got {self.store_namespace!r}")


# --- Strategies and main.py (read through get_parameter) -------------------------------------------

STRATEGY = "Friday_0DTE"
UNDERLYING = "SPY"
# Index underlyings and the index options traded on them: SPX trades SPXW, the weekly, PM-settled,
# cash-settled contracts 0DTE traders use (SPX's own monthlies are AM-settled, last traded the day before).
INDEX_OPTIONS = {"SPX": "SPXW"}
# Weekdays of the entry (comma-separated names) and its exchange time.
ENTRY_DAYS = "friday"
ENTRY_HOUR = 10
ENTRY_MINUTE = 30
# Short strikes at this absolute delta when greeks are present, else this far from the underlying.
TARGET_SHORT_DELTA = 0.16
SHORT_STRIKE_DISTANCE_PCT = 0.01
# Distance in strike points between a short strike and its protective wing.
WING_WIDTH = 5.0
# Largest bid/ask spread accepted on a leg, as a fraction of its mid price, and in dollars.
MAX_SPREAD_FRACTION = 0.5
MAX_SPREAD_DOLLARS = 0.5
# Fraction of portfolio value a structure's maximum loss may take, and a hard cap on structures.
RISK_FRACTION = 0.02
MAX_STRUCTURES = 10
# A second strategy in the same algorithm ("" for none, or a name from strategies.STRATEGIES but the
# iron condor: "put_spread", "strangle", "call_butterfly", "bull_call_spread").
SECOND_STRATEGY = ""
# How entries are priced (strategies/entry_pricing.py): "market" orders, or "walk" from the structure's
# net mid. A walk's knobs are fractions of the structure's natural half-spread (what market orders
# concede from the mid): concede WALK_STEP of it every WALK_EVERY_SECONDS of algorithm time, give up
# (the entry rolls back) once the concession would pass WALK_MAX_CONCESSION of it. Past the natural
# price the walk goes marketable (one tick through every leg's natural, atomic.pricing.walk_pays) and
# rests there, so a maximum above 1 waits: with these, 5 steps to the natural price, then 10 more
# minutes marketable.
ENTRY_PRICING = "market"
WALK_STEP = 0.2
WALK_EVERY_SECONDS = 60.0
WALK_MAX_CONCESSION = 3.0
# Managed exits (strategies/exits.py), each through close_group; 0 turns one off. Take profit once a
# credit structure can be bought back for this fraction of its credit; stop once buying it back
# costs this multiple of the credit; close structures expiring today this many minutes before the close.
TAKE_PROFIT = 0.5
STOP_LOSS = 2.0
TIME_EXIT_MINUTES = 15
# Chaos mode (real LEAN backtests): seeded random rejections, partial fills and delays.
CHAOS = False
CHAOS_SEED = 7
CHAOS_REJECT_PROBABILITY = 0.1
CHAOS_PARTIAL_PROBABILITY = 0.1
CHAOS_DELAY_PROBABILITY = 0.1
# Farthest expiry, in calendar days, a strategy may trade when no contract expires today.
MAX_DAYS_TO_EXPIRY = 7
# Shares per option contract: prices are per share, a structure's max loss is per contract.
OPTION_MULTIPLIER = 100
