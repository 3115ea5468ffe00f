"""Booking: seat holds, orders, prices, cancellations and refund policy, trip cancellation."""
