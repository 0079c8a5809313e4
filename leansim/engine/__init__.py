"""The machinery behind the LEAN API of the double: brokerage, transaction handler, store, clock.

Stands for LEAN's Engine project (Engine/Engine.cs and the handlers beside it).
"""
