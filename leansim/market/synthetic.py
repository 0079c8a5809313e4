"""A deterministic, SPY-like synthetic market: a minute price path and a Black-Scholes option chain.

The double's own: LEAN has no counterpart.

Why synthetic: the executor must be exercised on many days, on 0DTE chains, on half days and on
one-sided books, far beyond what sample data holds. Everything derives from `seed`:

* The underlying follows geometric Brownian motion minute by minute through each regular session,
  with an overnight gap carrying a share of the daily variance.
* Options are priced on a "variance clock": years of trading minutes (252 x 390 per year) plus the
  overnight share per night, so a 0DTE contract decays minute by minute to its intrinsic value at
  the session close (13:00 on half days) and the path's realised variance matches the pricing.
* Implied volatility follows a smile in log-moneyness against the forward,
  `atm + skew*lm + curvature*lm^2`, with extra curvature on 0DTE/1DTE wings, plus on 0DTE/1DTE
  short-dated wing variance `b*lm^2` in total variance (fitted on a real 0DTE chain).
* Quotes straddle the model price (see `quoting`), wider for cheap and far out-of-the-money
  contracts, sometimes without a bid.

Nothing is priced up front except the path: `quote` and `chain` compute on demand and keep the
last few minutes in a cache. A minute's chain is priced as arrays once, and a contract's
`ContractQuote` is built only when it is read (`chain_quotes` builds none).
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from leansim.market import black_scholes as bs
from leansim.market import quoting
from leansim.market.base import ChainQuotes, ContractQuote, Quote, SecurityKey
from leansim.market.hours import ExchangeCalendar, to_utc

FloatArray = npt.NDArray[np.float64]

TRADING_DAYS_PER_YEAR = 252
MINUTES_PER_SESSION = 390
_STRIKE_SCALE = 10_000  # strikes are matched as integers, as LEAN names them
_CACHED_MINUTES = 4


@dataclass(frozen=True)
class SyntheticConfig:
    """The market's knobs beyond spot and volatility; the defaults look like SPY in a calm year."""

    # Path
    drift: float = 0.0  # annual, real-world
    overnight_variance_share: float = 0.15  # share of a day's variance in the overnight gap
    # Pricing
    rate: float = 0.04
    dividend_yield: float = 0.0
    iv_premium: float = 0.01  # implied at-the-money volatility above the realised one
    skew: float = -0.9  # d(iv)/d(log-moneyness): puts richer than calls
    curvature: float = 2.0
    # Extra curvature of 0DTE wings (half of it on 1DTE). Keep curvature + zero_dte_wing under
    # ~atm_iv / 0.04 so delta stays monotonic in strike out to 20% from the money.
    zero_dte_wing: float = 2.0
    # Short-dated wings: total implied variance (iv^2 x years) added per squared log-moneyness on
    # 0DTE (half on 1DTE), downside and upside. A term in total variance rather than in iv keeps its
    # weight as expiry nears, as real 0DTE smiles do, while delta stays monotonic in strike. Shape
    # fitted on the real GOOG 0DTE chain of 2015-12-24 (LEAN sample data, 10:00-12:00 ET, out-of-
    # the-money contracts, w(k) - w(0) = b k^2): b = 0.22 for puts, 0.12 for calls, stable as the
    # expiry nears. A single stock's wings are richer than an index's: the level here is GOOG's
    # x 0.36 (same put/call ratio), so SPY-like 0DTE wings ~2% out quote bids of 0.01-0.03 (calls)
    # and ~0.07 (puts) at 10:30, as real SPY 0DTE quotes do. Without it (b = 0) the wings of a
    # 16-delta 0DTE condor have no bid at 10:30 and the condor is never placed.
    short_dated_put_variance: float = 0.08
    short_dated_call_variance: float = 0.045
    # The added variance fades linearly over the last minutes of the session, so 0DTE contracts
    # still expire at intrinsic value.
    short_dated_fade_minutes: float = 30.0
    iv_floor: float = 0.03
    iv_cap: float = 2.5
    # Listing
    strike_step: float = 1.0
    strike_range: float = 0.10  # strikes within +-10% of each day's opening price
    daily_expiries: int = 5  # expiries on each of the next trading days, 0DTE included
    weekly_window_days: int = 45  # Friday expiries within this many calendar days
    monthly_window_days: int = 45  # third-Friday expiries within this many calendar days
    # Quotes
    spread_base: float = 0.01
    spread_fraction: float = 0.012  # of the model price
    wing_spread: float = 0.04  # extra width at `strike_range` from the money
    quote_jitter: float = 0.3  # quote centre moves up to this share of the half-spread
    open_interest_scale: float = 4000.0
    underlying_spread: float = 0.01


@dataclass(frozen=True)
class _DayChain:
    """The contracts listed on one day, as parallel arrays for pricing and lists for lookup."""

    keys: list[SecurityKey]
    index: dict[tuple[str, int, date], int]  # (right, strike * 10,000, expiry) -> position
    strike: FloatArray
    is_call: npt.NDArray[np.bool_]
    expiry_slot: npt.NDArray[np.int64]  # index into `expiries`
    expiries: list[date]
    expiry_clock: list[int]  # each expiry's index in the variance clock
    wing_weight: FloatArray  # per expiry: 1 on 0DTE, 0.5 on 1DTE, else 0
    hash_base: npt.NDArray[np.uint64]  # per contract, mixed with the minute for noise
    open_interest: FloatArray
    open_interest_list: list[float]


@dataclass(frozen=True)
class _PricedChain:
    """A day chain's prices at one minute, as lists read by position (bid and ask in cents, 0 for
    no bid)."""

    bid: list[int]
    ask: list[int]
    bid_size: list[float]
    ask_size: list[float]
    delta: list[float]
    implied_volatility: list[float]


@dataclass
class _Minute:
    """One minute's cache: the contracts built so far, by position, and the chain's prices once a
    chain was read. A contract is built once per minute, from whichever came first."""

    contracts: dict[int, ContractQuote]
    priced: _PricedChain | None = None


class SyntheticMarket:
    """`MarketData` for one underlying over `days` trading days from `start`, fixed by `seed`."""

    def __init__(
        self,
        underlying: str = "SPY",
        start: date = date(2024, 1, 2),
        days: int = 20,
        seed: int = 0,
        spot: float = 450.0,
        annual_vol: float = 0.18,
        config: SyntheticConfig | None = None,
        calendar: ExchangeCalendar | None = None,
    ) -> None:
        """`start` may be a closed day (the first trading day after it is used)."""
        if days < 1 or spot <= 0 or annual_vol <= 0:
            raise ValueError("days, spot and annual_vol must be positive")
        self.underlying = underlying.upper()
        self.seed = seed
        self.spot = spot
        self.annual_vol = annual_vol
        self.config = config or SyntheticConfig()
        self._calendar = calendar or ExchangeCalendar()
        self._days = self._calendar.trading_days(start, days)
        self._build_sessions()
        self._build_clock()
        self._build_path()
        self._listing = self._build_listing()
        self._chains: dict[int, _DayChain] = {}
        self._minutes: OrderedDict[tuple[int, int], _Minute] = OrderedDict()
        self._full: OrderedDict[tuple[int, int, bool], list[ContractQuote]] = OrderedDict()
        self._picked: tuple[int, Sequence[SecurityKey], list[int]] | None = None  # chain_quotes' last lookup

    # --- MarketData -------------------------------------------------------------------------------

    @property
    def calendar(self) -> ExchangeCalendar:
        return self._calendar

    def days(self) -> list[date]:
        """The simulated trading days, in order."""
        return list(self._days)

    def underlyings(self) -> list[str]:
        """The one underlying this market simulates."""
        return [self.underlying]

    def quote(self, key: SecurityKey, utc: datetime) -> Quote | None:
        """The quote at the latest minute mark at or before `utc` that day; None before the open,
        on closed days, outside the simulated span, for unlisted contracts and after expiry."""
        where = self._locate(utc)
        if where is None or key.underlying.upper() != self.underlying:
            return None
        d, i, after_close = where
        if not key.is_option:
            return self._underlying_quote(d, i)
        chain = self._day_chain(d)
        if key.strike is None or key.expiry is None:
            return None
        pos = chain.index.get(_lookup(key))
        if pos is None or (after_close and key.expiry == self._days[d]):
            return None
        minute = self._minute_cache(d, i)
        found = minute.contracts.get(pos)
        if found is None:
            found = self._contract(chain, minute, pos) if minute.priced is not None else self._price_one(chain, pos, d, i)
            minute.contracts[pos] = found
        return found.quote

    def chain(self, underlying: str, utc: datetime) -> list[ContractQuote]:
        """All listed contracts at `utc`, sorted by expiry, right (calls first), strike; empty
        before the open and on closed days. Contracts expiring today leave it after the close."""
        where = self._locate(utc)
        if where is None or underlying.upper() != self.underlying:
            return []
        cached = self._full.get(where)
        if cached is None:
            d, i, after_close = where
            chain, minute = self._day_chain(d), self._priced_minute(d, i)
            today = self._days[d]
            cached = [self._contract(chain, minute, pos) for pos, key in enumerate(chain.keys)
                      if not (after_close and key.expiry == today)]
            self._full[where] = cached
            while len(self._full) > _CACHED_MINUTES:
                self._full.popitem(last=False)
        return list(cached)

    def chain_quotes(self, underlying: str, utc: datetime, keys: Sequence[SecurityKey]) -> ChainQuotes:
        """The contracts among `keys` that `chain` would list at `utc`, in `keys`' order, with the
        same figures, as columns: a chain read each minute builds no object per contract."""
        where = self._locate(utc)
        if where is None or underlying.upper() != self.underlying:
            return ChainQuotes.empty()
        d, i, after_close = where
        chain, minute = self._day_chain(d), self._priced_minute(d, i)
        positions = self._positions(d, chain, keys)
        today = self._days[d]
        rows = [n for n, pos in enumerate(positions) if pos >= 0 and not (after_close and keys[n].expiry == today)]
        taken = [positions[n] for n in rows]
        priced = minute.priced
        assert priced is not None
        bid = [priced.bid[pos] for pos in taken]
        columns = ChainQuotes(
            rows, [b / 100 if b else None for b in bid], [priced.ask[pos] / 100 for pos in taken], [None] * len(taken),
            [priced.bid_size[pos] if b else 0.0 for pos, b in zip(taken, bid, strict=True)],
            [priced.ask_size[pos] for pos in taken], [priced.delta[pos] for pos in taken],
            [priced.implied_volatility[pos] for pos in taken], [chain.open_interest_list[pos] for pos in taken],
        )  # fmt: skip
        for row, pos in enumerate(taken) if minute.contracts else ():
            built = minute.contracts.get(pos)
            if built is not None:  # a contract read before the chain keeps its figures for the minute
                columns.replace(row, built)
        return columns

    # --- extras for tests, plots and the double --------------------------------------------------

    def underlying_path(self, day: date) -> FloatArray:
        """The underlying's price at each minute mark of `day`'s session, open to close."""
        return self._path[self._days.index(day)].copy()

    def expiries(self, day: date) -> list[date]:
        """Expiries listed on `day`, nearest first."""
        return list(self._day_chain(self._days.index(day)).expiries)

    def time_to_expiry(self, expiry: date, utc: datetime) -> float | None:
        """The pricing clock's years from `utc` (its minute mark) to `expiry`'s close; None outside
        the simulated span or for an expiry that is not a trading day."""
        where = self._locate(utc)
        if where is None or expiry not in self._clock_index:
            return None
        return self._years_to(where[0], where[1], self._clock_index[expiry])

    # --- time -------------------------------------------------------------------------------------

    def _build_sessions(self) -> None:
        opens, closes, ends, minutes = [], [], [], []
        for day in self._days:
            session = self._calendar.session(day)
            assert session is not None  # trading_days only returns open days
            opens.append(session[0].timestamp())
            closes.append(session[1].timestamp())
            local_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
            ends.append(local_midnight.replace(tzinfo=self._calendar.time_zone).timestamp())
            minutes.append(round((session[1] - session[0]).total_seconds() / 60))
        self._opens, self._closes, self._day_ends = opens, closes, ends
        self._session_minutes = minutes

    def _locate(self, utc: datetime) -> tuple[int, int, bool] | None:
        """(day index, minute index, after the close) of `utc`, None outside any simulated day."""
        ts = to_utc(utc).timestamp()
        d = bisect.bisect_right(self._opens, ts) - 1
        if d < 0 or ts >= self._day_ends[d]:
            return None
        i = min(int((ts - self._opens[d]) // 60), self._session_minutes[d])
        return d, i, ts > self._closes[d]

    def _build_clock(self) -> None:
        """Variance time (years) at each session close, through the farthest listed expiry."""
        cfg = self.config
        horizon = max(cfg.weekly_window_days, cfg.monthly_window_days) + 14
        last = self._days[-1] + timedelta(days=horizon)
        clock_days = self._calendar.trading_days_between(self._days[0], last)
        intraday_share = 1 - cfg.overnight_variance_share
        self._minute_var = intraday_share / (TRADING_DAYS_PER_YEAR * MINUTES_PER_SESSION)
        self._night_var = cfg.overnight_variance_share / TRADING_DAYS_PER_YEAR
        clock, total = [], 0.0
        for j, day in enumerate(clock_days):
            session = self._calendar.session(day)
            assert session is not None
            minutes = (session[1] - session[0]).total_seconds() / 60
            total += (self._night_var if j else 0.0) + minutes * self._minute_var
            clock.append(total)
        self._clock_days = clock_days
        self._clock_index = {day: j for j, day in enumerate(clock_days)}
        self._clock = clock

    def _years_to(self, d: int, i: int, expiry_clock: int) -> float:
        """Variance years from minute `i` of day `d` to the close of the expiry day."""
        today = self._clock_index[self._days[d]]
        remaining = (self._session_minutes[d] - i) * self._minute_var
        return max(self._clock[expiry_clock] - self._clock[today] + remaining, 0.0)

    # --- the underlying ---------------------------------------------------------------------------

    def _build_path(self) -> None:
        """One GBM path: per-minute steps in each session, one gap per night."""
        rng = np.random.Generator(np.random.PCG64(self.seed))
        vol, drift = self.annual_vol, self.config.drift
        step_sd = vol * math.sqrt(self._minute_var)
        step_mu = (drift - 0.5 * vol * vol) * self._minute_var
        gap_sd = vol * math.sqrt(self._night_var)
        gap_mu = (drift - 0.5 * vol * vol) * self._night_var
        level = math.log(self.spot)
        self._path: list[FloatArray] = []
        self._path_lists: list[list[float]] = []
        for d, minutes in enumerate(self._session_minutes):
            if d:
                level += gap_mu + gap_sd * float(rng.standard_normal())
            steps = step_mu + step_sd * rng.standard_normal(minutes)
            logs = level + np.concatenate(([0.0], np.cumsum(steps)))
            prices = np.exp(logs)
            self._path.append(prices)
            self._path_lists.append(prices.tolist())
            level = float(logs[-1])

    def _underlying_quote(self, d: int, i: int) -> Quote:
        price = self._path_lists[d][i]
        bid_cents = math.floor(price * 100.0)
        spread_cents = max(round(self.config.underlying_spread * 100), 1)
        h = quoting.mix(self._seed_hash ^ (d * 1441 + i))
        return Quote(
            bid=bid_cents / 100,
            ask=(bid_cents + spread_cents) / 100,
            last=round(price, 2),
            bid_size=quoting.size(h, 1, 50) * 100,
            ask_size=quoting.size(h >> 20, 1, 50) * 100,
        )

    @property
    def _seed_hash(self) -> int:
        return quoting.mix(self.seed & 0xFFFFFFFFFFFFFFFF)

    # --- listing ----------------------------------------------------------------------------------

    def _expiries_on(self, day: date) -> dict[date, bool]:
        """Expiries listed on `day` -> whether monthly. Friday expiries on a holiday move to the
        trading day before, as the exchanges do."""
        cfg = self.config
        found: dict[date, bool] = {}
        j = self._clock_index[day]
        for expiry in self._clock_days[j : j + cfg.daily_expiries]:
            found[expiry] = False
        window = max(cfg.weekly_window_days, cfg.monthly_window_days)
        for offset in range(window + 1):
            friday = day + timedelta(days=offset)
            if friday.weekday() != 4:
                continue
            monthly = 15 <= friday.day <= 21
            limit = cfg.monthly_window_days if monthly else cfg.weekly_window_days
            if offset > limit:
                continue
            expiry = friday
            while not self._calendar.is_trading_day(expiry):
                expiry -= timedelta(days=1)
            if expiry >= day:
                found[expiry] = found.get(expiry, False) or monthly
        return dict(sorted(found.items()))

    def _build_listing(self) -> list[dict[date, tuple[int, int, bool]]]:
        """Per day: expiry -> (lowest, highest strike in steps, monthly). A strike once listed
        stays listed until expiry, as on an exchange, while new ones follow the price."""
        cfg = self.config
        ranges: dict[date, tuple[int, int]] = {}
        listing = []
        for d, day in enumerate(self._days):
            reference = self._path_lists[d][0]
            low = math.ceil(reference * (1 - cfg.strike_range) / cfg.strike_step)
            high = math.floor(reference * (1 + cfg.strike_range) / cfg.strike_step)
            today = {}
            for expiry, monthly in self._expiries_on(day).items():
                old = ranges.get(expiry, (low, high))
                ranges[expiry] = (min(old[0], low), max(old[1], high))
                today[expiry] = (*ranges[expiry], monthly)
            listing.append(today)
        return listing

    def _positions(self, d: int, chain: _DayChain, keys: Sequence[SecurityKey]) -> list[int]:
        """Each key's position in day `d`'s chain (-1: not listed), remembered for the same key list
        (a chain reader asks for the same day's universe each minute)."""
        if self._picked is not None and self._picked[0] == d and self._picked[1] is keys:
            return self._picked[2]
        positions = [-1 if k.underlying.upper() != self.underlying or not k.is_option or k.strike is None
                     or k.expiry is None else chain.index.get(_lookup(k), -1) for k in keys]
        self._picked = (d, keys, positions)
        return positions

    def _day_chain(self, d: int) -> _DayChain:
        chain = self._chains.get(d)
        if chain is None:
            chain = self._chains[d] = self._build_day_chain(d)
        return chain

    def _build_day_chain(self, d: int) -> _DayChain:
        cfg = self.config
        day = self._days[d]
        keys: list[SecurityKey] = []
        strikes: list[float] = []
        calls: list[bool] = []
        slots: list[int] = []
        monthly_flags: list[bool] = []
        expiries = list(self._listing[d])
        for slot, (expiry, (low, high, is_monthly)) in enumerate(self._listing[d].items()):
            for right in ("call", "put"):
                for step in range(low, high + 1):
                    listed = round(step * cfg.strike_step, 6)
                    keys.append(SecurityKey(self.underlying, right, listed, expiry))
                    strikes.append(listed)
                    calls.append(right == "call")
                    slots.append(slot)
                    monthly_flags.append(is_monthly)
        strike = np.array(strikes)
        is_call = np.array(calls)
        expiry_ordinal = np.array([expiries[s].toordinal() for s in slots], dtype=np.uint64)
        contract_id = (
            (expiry_ordinal << np.uint64(34))
            | (np.round(strike * 1000).astype(np.uint64) << np.uint64(1))
            | is_call.astype(np.uint64)
        )
        hash_base = quoting.mix_array(contract_id ^ np.uint64(self._seed_hash))
        # Open interest: a hump around the day's opening price, more on round and monthly strikes.
        reference = self._path_lists[d][0]
        hump = np.exp(-0.5 * (np.log(strike / reference) / 0.05) ** 2)
        round_strike = np.where(np.isclose(np.mod(strike, 5.0), 0.0), 2.0, 1.0)
        monthly = np.where(np.array(monthly_flags), 3.0, 1.0)
        noise = 0.3 + quoting.unit_array(quoting.mix_array(hash_base + np.uint64(d)))
        open_interest = np.floor(cfg.open_interest_scale * hump * round_strike * monthly * noise)
        trading_days_left = [self._clock_index[e] - self._clock_index[day] for e in expiries]
        return _DayChain(
            keys=keys,
            index={_lookup(k): n for n, k in enumerate(keys)},
            strike=strike,
            is_call=is_call,
            expiry_slot=np.array(slots, dtype=np.int64),
            expiries=expiries,
            expiry_clock=[self._clock_index[e] for e in expiries],
            wing_weight=np.array([max(0.0, 1.0 - n / 2.0) for n in trading_days_left]),
            hash_base=hash_base,
            open_interest=open_interest,
            open_interest_list=open_interest.tolist(),
        )

    # --- pricing ----------------------------------------------------------------------------------

    def _minute_cache(self, d: int, i: int) -> _Minute:
        cache = self._minutes.get((d, i))
        if cache is None:
            cache = self._minutes[(d, i)] = _Minute({})
            while len(self._minutes) > _CACHED_MINUTES:
                self._minutes.popitem(last=False)
        return cache

    def _priced_minute(self, d: int, i: int) -> _Minute:
        """Minute `i` of day `d` with its whole chain priced."""
        minute = self._minute_cache(d, i)
        if minute.priced is None:
            minute.priced = self._price_all(d, i)
        return minute

    def _contract(self, chain: _DayChain, minute: _Minute, pos: int) -> ContractQuote:
        """The contract at `pos` this minute: the one built already, else one built from the prices."""
        found = minute.contracts.get(pos)
        if found is None:
            priced = minute.priced
            assert priced is not None
            b = priced.bid[pos]
            quote = Quote(b / 100 if b else None, priced.ask[pos] / 100, None, priced.bid_size[pos] if b else 0.0,
                          priced.ask_size[pos])
            found = minute.contracts[pos] = ContractQuote(chain.keys[pos], quote, priced.delta[pos],
                                                          priced.implied_volatility[pos], chain.open_interest_list[pos])
        return found

    def _price_one(self, chain: _DayChain, pos: int, d: int, i: int) -> ContractQuote:
        """One contract at one minute (the scalar twin of `_price_all`)."""
        cfg = self.config
        spot = self._path_lists[d][i]
        strike = float(chain.strike[pos])
        is_call = bool(chain.is_call[pos])
        slot = int(chain.expiry_slot[pos])
        t = self._years_to(d, i, chain.expiry_clock[slot])
        lm = math.log(strike / (spot * math.exp((cfg.rate - cfg.dividend_yield) * t)))
        weight = float(chain.wing_weight[slot])
        curvature = cfg.curvature + cfg.zero_dte_wing * weight
        iv = self.annual_vol + cfg.iv_premium + cfg.skew * lm + curvature * lm * lm
        iv = min(max(iv, cfg.iv_floor), cfg.iv_cap)
        if weight and t > 0:
            side = cfg.short_dated_put_variance if lm < 0 else cfg.short_dated_call_variance
            fade = min(1.0, t / (cfg.short_dated_fade_minutes * self._minute_var))
            iv = min(math.sqrt(iv * iv + weight * fade * side * lm * lm / t), cfg.iv_cap)
        value = bs.price(spot, strike, t, iv, is_call, cfg.rate, cfg.dividend_yield)
        delta = bs.delta(spot, strike, t, iv, is_call, cfg.rate, cfg.dividend_yield)
        wing = min(abs(lm) / cfg.strike_range, 2.0)
        half = 0.5 * (cfg.spread_base + cfg.spread_fraction * value + cfg.wing_spread * wing)
        h = quoting.mix((int(chain.hash_base[pos]) + d * 1441 + i) & 0xFFFFFFFFFFFFFFFF)
        center = value + cfg.quote_jitter * half * (2.0 * quoting.unit(h) - 1.0)
        bid, ask = quoting.bid_ask_cents(center, half)
        quote = Quote(
            bid=None if bid is None else bid / 100,
            ask=ask / 100,
            bid_size=0.0 if bid is None else quoting.size(h >> 8, 1, 250),
            ask_size=quoting.size(h >> 24, 1, 250),
        )
        return ContractQuote(chain.keys[pos], quote, delta, iv, float(chain.open_interest[pos]))

    def _price_all(self, d: int, i: int) -> _PricedChain:
        """Every listed contract at one minute, vectorised."""
        cfg = self.config
        chain = self._day_chain(d)
        spot = self._path_lists[d][i]
        t_by_slot = np.array([self._years_to(d, i, c) for c in chain.expiry_clock])
        t = t_by_slot[chain.expiry_slot]
        strike, is_call = chain.strike, chain.is_call
        lm = np.log(strike / (spot * np.exp((cfg.rate - cfg.dividend_yield) * t)))
        weight = chain.wing_weight[chain.expiry_slot]
        curvature = cfg.curvature + cfg.zero_dte_wing * weight
        iv = self.annual_vol + cfg.iv_premium + cfg.skew * lm + curvature * lm * lm
        iv = np.clip(iv, cfg.iv_floor, cfg.iv_cap)
        side = np.where(lm < 0, cfg.short_dated_put_variance, cfg.short_dated_call_variance)
        fade = np.minimum(1.0, t / (cfg.short_dated_fade_minutes * self._minute_var))
        with np.errstate(divide="ignore", invalid="ignore"):
            added = np.where((weight > 0) & (t > 0), weight * fade * side * lm * lm / np.where(t > 0, t, 1.0), 0.0)
        iv = np.minimum(np.sqrt(iv * iv + added), cfg.iv_cap)
        value = bs.price_array(spot, strike, t, iv, is_call, cfg.rate, cfg.dividend_yield)
        delta = bs.delta_array(spot, strike, t, iv, is_call, cfg.rate, cfg.dividend_yield)
        wing = np.minimum(np.abs(lm) / cfg.strike_range, 2.0)
        half = 0.5 * (cfg.spread_base + cfg.spread_fraction * value + cfg.wing_spread * wing)
        h = quoting.mix_array(chain.hash_base + np.uint64(d * 1441 + i))
        center = value + cfg.quote_jitter * half * (2.0 * quoting.unit_array(h) - 1.0)
        bid, ask = quoting.bid_ask_cents_array(center, half)
        bid_size = quoting.size_array(h >> np.uint64(8), 1, 250)
        ask_size = quoting.size_array(h >> np.uint64(24), 1, 250)

        return _PricedChain(bid.tolist(), ask.tolist(), bid_size.tolist(), ask_size.tolist(), delta.tolist(), iv.tolist())


def _lookup(key: SecurityKey) -> tuple[str, int, date]:
    """A contract's identity with the strike as an integer, so 450 and 450.0000001 match."""
    assert key.strike is not None and key.expiry is not None
    return str(key.right), round(key.strike * _STRIKE_SCALE), key.expiry
