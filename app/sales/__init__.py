"""Sales: the use cases every way in calls (REST routes, USSD menus, SMS commands).

Why a layer of its own: each channel used to make its own decisions (the default fare
class, how many passengers, which ticket can be cancelled, what refund to announce), so
one question got different answers depending on how it was asked. Here each decision is
made once; channels translate their protocol into one call below and render the plain
dataclass that comes back. Nothing in this package formats a sentence for a person.

Modules (stable names; add, do not rename):
- ``common``: ``Money``, the passenger-count rule, the default fare class.
- ``callers``: ``who_is_calling`` (a token's user or a phone number; inactive refused).
- ``offers``: ``search_offers`` → ``Offer`` (price, currency, seats left, local departure).
- ``orders``: ``hold_seats``/``quote`` → ``OrderView``; ``order_view``, ``release``,
  ``unpaid_order_to_retry`` (an order whose payment failed, for a second method).
- ``paying``: ``pay_order`` → ``PaymentOutcome`` (with the other methods on failure),
  ``payment_options``.
- ``cancelling``: ``cancellable_tickets``, ``find_cancellable_ticket``,
  ``cancellation_quote`` → ``CancelQuote``; ``cancel`` → ``CancelResult`` (the refund
  really made).
- ``tickets``: ``active_tickets``, ``trip_history`` → ``TicketView``; ``resend_ticket``.
- ``wallet``: ``wallet_balance``, ``top_up`` → ``TopUpOutcome``.
- ``profile``: ``set_language``, ``opt_out``.
- ``wiring``: the signals lower areas send, connected in ``create_app``.
"""
