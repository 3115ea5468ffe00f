"""Sales: the use cases every way in calls (REST routes, USSD menus, SMS commands).

Why a layer of its own: each channel used to make its own decisions (the default fare
class, how many passengers, which ticket can be cancelled, what refund to announce), so
one question got different answers depending on how it was asked. Here each decision is
made once; channels translate their protocol into one call below and render the plain
dataclass that comes back. Nothing in this package formats a sentence for a person.

Modules (stable names; add, do not rename):
- ``common``: ``Money`` (``.text(language)`` to render), ``MAX_PASSENGERS`` and
  ``check_passenger_count``, ``default_fare_class``, ``PAYMENT_METHODS``, the paid/ticketed
  order statuses and sellable trip statuses (defined in the domain, re-exported).
- ``callers``: ``who_is_calling`` (a token's user or a phone number; inactive refused;
  a first caller's language), ``caller_for_phone``, ``AccountInactive``.
- ``offers``: ``search_offers`` → ``Offer`` (price of the default class, currency, seats
  left, local departure at the passenger's stop); ``destinations_from``.
- ``places``: is a text a place we serve, what is "today" there (SMS reads free text).
- ``orders``: ``quote``, ``hold_seats`` → ``OrderView`` (``payment_options``,
  ``other_methods``, ``last_payment``); ``get_order``, ``get_order_by_code``,
  ``list_orders``, ``release``, ``unpaid_order_to_retry``.
- ``methods``: ``payment_options`` → ``PaymentOption`` (which method can pay an order now).
- ``paying``: ``pay_order`` → ``PaymentOutcome`` (``other_methods`` after a failure),
  ``payment_status``, ``method_from_word``.
- ``rules``: ``is_active``, ``can_cancel`` (the one rule), read by tickets and cancelling.
- ``cancelling``: ``cancellable_tickets``,
  ``cancellation_quote`` / ``quote_to_cancel`` → ``CancelQuote``,
  ``find_cancellable_ticket``, ``cancel`` → ``CancelResult`` (the refund really made).
- ``tickets``: ``active_tickets``, ``trip_history`` → ``TicketView``; ``get_ticket``,
  ``find_ticket_by_code``, ``resend_ticket``.
- ``wallet``: ``wallet_balance`` → ``Money``, ``top_up`` → ``TopUpOutcome``.
- ``profile``: ``set_language``, ``opt_out``.
- ``wiring``: the signals booking and payments send, answered here (``create_app``).
- ``routes``: the REST views of these use cases (orders, tickets, payments, wallet, search).
"""
