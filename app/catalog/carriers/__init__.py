"""Carriers: who sells, in which currency, with which refund policy and support phone."""
