"""Held groups whose contracts expired while the algorithm was down: re-derived from the brokerage.

A dead process sees none of LEAN's exercise events; a restarted one sees only what they left: the
option positions gone, and maybe underlying shares. Those shares tell which legs ended in the money:
every settlement price between two strikes puts a known set of legs in the money, each of which
delivers a known quantity (LEAN's Option.GetExerciseQuantity). The outcome whose delivery matches the
shares held is taken; the fills it implies are recorded as inferred ExpiryFills, and the group settles
EXPIRED or ASSIGNED as if the events had come. When the shares match no outcome, or several groups on
one underlying could share them more than one way, nothing is guessed: the operator is told.

Pure: no LEAN, no store. The executor reads the groups and the holdings, and carries the result out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from atomic.contract import Contract
from atomic.model import ExpiryFill, ExpiryKind, Group, delivery_of

_INFERRED = "inferred at recovery: expired while the algorithm was down"


@dataclass
class ExpiryFindings:
    """Per group: the inferred fills to apply and what was found (for the alert and the report)."""

    settled: list[tuple[Group, list[ExpiryFill], str]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def expired_while_down(groups: Sequence[Group], holdings: Mapping[str, int],
                       underlyings: Mapping[str, tuple[Contract, int]], now: datetime) -> ExpiryFindings:
    """Settle the held `groups` whose every expired option leg the brokerage holds none of.

    `holdings` are the brokerage's positions by contract key; `underlyings` the underlying's contract
    and position by option contract key. A group whose contracts have not expired, or are still held,
    is left out (a contract still held is not this module's: see recovery.plan.missing_held)."""
    findings = ExpiryFindings()
    gone = [g for g in groups if _expired_and_gone(g, holdings, now)]
    by_underlying: dict[str, list[Group]] = defaultdict(list)
    for group in gone:
        if _option_legs(group)[0][0].key not in underlyings:
            findings.unresolved.append(f"group {group.group_id} ({group.strategy}) expired while the algorithm was "
                                       "down: its underlying is not among the algorithm's securities")
            continue
        by_underlying[_underlying(group, underlyings).key].append(group)
    for groups_on in by_underlying.values():
        underlying, shares = underlyings[_option_legs(groups_on[0])[0][0].key]
        outcomes = {g.group_id: _outcomes(g) for g in groups_on}
        if len(groups_on) == 1:
            chosen = {g.group_id: next((o for o in outcomes[g.group_id] if o[1] == shares), None) for g in groups_on}
        else:  # several groups: only "none delivered" can be told apart, and only when nothing is held
            chosen = {g.group_id: next((o for o in outcomes[g.group_id] if o[1] == 0), None) if shares == 0 else None
                      for g in groups_on}
        for group in sorted(groups_on, key=lambda g: (g.created_at, g.group_id)):
            outcome = chosen[group.group_id]
            positions = ", ".join(f"{c.ticker} {net:+d}" for c, net in _option_legs(group))
            if outcome is None:
                findings.unresolved.append(
                    f"group {group.group_id} ({group.strategy}): {positions} expired while the algorithm was down; "
                    f"the brokerage holds {shares:+d} {underlying.ticker}, which no outcome of the "
                    f"{len(groups_on)} expired group(s) on it explains: check the brokerage's statements")
                continue
            in_the_money, delivered = outcome
            events = _fills(group, in_the_money, underlying, now)
            findings.settled.append((group, events, (
                f"group {group.group_id} ({group.strategy}): {positions} expired while the algorithm was down; "
                f"the brokerage holds none of them and {shares:+d} {underlying.ticker}: "
                f"{'legs ' + str(sorted(c.ticker for c in in_the_money)) + ' in the money' if in_the_money else 'all out of the money'}, "
                f"{delivered:+d} {underlying.ticker} delivered (inferred)")))
    return findings


def _option_legs(group: Group) -> list[tuple[Contract, int]]:
    return [(leg.contract, leg.net_filled) for leg in group.legs if leg.contract.is_option and leg.net_filled]


def _expired_and_gone(group: Group, holdings: Mapping[str, int], now: datetime) -> bool:
    legs = _option_legs(group)
    return bool(legs) and all(c.expiry is not None and c.expiry < now.date() and not holdings.get(c.key, 0)
                              for c, _ in legs)


def _underlying(group: Group, underlyings: Mapping[str, tuple[Contract, int]]) -> Contract:
    return underlyings[_option_legs(group)[0][0].key][0]


def _outcomes(group: Group) -> list[tuple[frozenset[Contract], int]]:
    """(legs in the money, shares delivered) for a settlement price in each interval between strikes,
    all out of the money first."""
    legs = _option_legs(group)
    strikes = sorted({c.strike for c, _ in legs if c.strike is not None})
    prices = [strikes[0] - 1, *((a + b) / 2 for a, b in zip(strikes, strikes[1:])), strikes[-1] + 1]
    found = []
    for price in prices:
        itm = frozenset(c for c, _ in legs if c.strike is not None
                        and (price > c.strike if c.right == "call" else price < c.strike))
        found.append((itm, sum(delivery_of(c, -net) for c, net in legs if c in itm)))
    return sorted(found, key=lambda o: len(o[0]))


def _fills(group: Group, in_the_money: frozenset[Contract], underlying: Contract, now: datetime) -> list[ExpiryFill]:
    """The fills LEAN made while the algorithm was down, as the outcome implies (ids 0: no LEAN order)."""
    events = []
    for index, (contract, net) in enumerate(_option_legs(group)):
        if contract not in in_the_money:
            events.append(ExpiryFill(0, index + 1, ExpiryKind.OTM, contract, -net, 0.0, now, _INFERRED))
            continue
        kind = ExpiryKind.ASSIGNED if net < 0 else ExpiryKind.EXERCISED
        events.append(ExpiryFill(0, index + 1, kind, contract, -net, 0.0, now, _INFERRED, underlying))
        events.append(ExpiryFill(0, 1000 + index, ExpiryKind.DELIVERY, underlying, delivery_of(contract, -net),
                                 contract.strike or 0.0, now, _INFERRED))
    return events
