"""The machinery behind the LEAN API of the double: brokerage, transaction handler, store, clock."""
