"""config.AtomicConfig: the executor's frozen settings and the values it refuses.

(config.py sits at the top of the package tree; its test lives here beside the executor it configures.)
"""

from __future__ import annotations

import dataclasses
import json

import pytest

import config
from config import AtomicConfig, ConfigError


def test_defaults_are_the_module_constants() -> None:
    cfg = AtomicConfig()
    assert cfg.atomic_order_timeout == config.ATOMIC_ORDER_TIMEOUT
    assert cfg.max_rollback_attempts == config.MAX_ROLLBACK_ATTEMPTS
    assert cfg.partial_fill_policy == config.PARTIAL_FILL_POLICY == "flatten"
    assert cfg.execution_mode == config.EXECUTION_MODE == "legged"
    assert cfg.store_namespace == config.STORE_NAMESPACE


def test_frozen_and_replaceable() -> None:
    cfg = AtomicConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.atomic_order_timeout = 1  # type: ignore[misc]
    assert dataclasses.replace(cfg, partial_fill_policy="trim").partial_fill_policy == "trim"


@pytest.mark.parametrize("changes, match", [
    ({"atomic_order_timeout": 0}, "atomic_order_timeout must be positive"),
    ({"unwind_order_timeout": -1}, "unwind_order_timeout must be positive"),
    ({"max_rollback_attempts": -1}, "max_rollback_attempts must be positive"),
    ({"fill_check_interval": 0.0}, "fill_check_interval"),
    ({"max_pending_groups": 0}, "max_pending_groups"),
    ({"archive_pack_size": 1}, "archive_pack_size must be at least 2"),
    ({"history_in_memory": 0}, "history_in_memory"),
    ({"max_atomic_group_size": 1}, "max_atomic_group_size must be at least 2"),
    ({"market_close_buffer_minutes": -1}, "market_close_buffer_minutes"),
    ({"buying_power_usage_limit": 0}, "buying_power_usage_limit"),
    ({"buying_power_usage_limit": 1.01}, "buying_power_usage_limit"),
    ({"execution_mode": "Combo"}, "execution_mode"),
    ({"partial_fill_policy": "keep"}, "partial_fill_policy"),
    ({"store_namespace": ""}, "store_namespace"),
    ({"store_namespace": "atomic:executor"}, "store_namespace"),
    ({"store_namespace": "atomic.executor"}, "store_namespace"),
])
def test_refused_values(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        AtomicConfig(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("changes", [
    {"buying_power_usage_limit": 1.0}, {"market_close_buffer_minutes": 0}, {"max_atomic_group_size": 2},
    {"execution_mode": "combo", "partial_fill_policy": "trim"}, {"store_namespace": "team/atomic"},
])
def test_edge_values_accepted(changes: dict[str, object]) -> None:
    AtomicConfig(**changes)  # type: ignore[arg-type]


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_modes_and_policies_are_enums_that_keep_their_text() -> None:
    cfg = AtomicConfig(execution_mode="combo", partial_fill_policy="trim")  # type: ignore[arg-type]
    assert cfg.execution_mode is config.ExecutionMode.COMBO and cfg.partial_fill_policy is config.PartialFillPolicy.TRIM
    assert json.dumps([cfg.execution_mode, cfg.partial_fill_policy]) == '["combo", "trim"]'


def test_a_check_interval_below_leans_one_second_floor_is_refused() -> None:
    assert config.FILL_CHECK_INTERVAL >= 1
    with pytest.raises(ConfigError, match="fill_check_interval must be at least 1 second"):
        AtomicConfig(fill_check_interval=0.5)
