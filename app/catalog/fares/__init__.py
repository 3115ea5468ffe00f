"""Fares: the price of one ordered stop pair of a route, per fare class, in the carrier's currency."""
