"""Crash recovery: reconcile stored groups with what the brokerage reports, then make them safe."""

from recovery.report import GroupRecovery, RecoveryReport

__all__ = ["GroupRecovery", "RecoveryReport"]
