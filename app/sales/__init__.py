"""Sales: the use cases every way in calls (REST routes, USSD menus, SMS commands).

Why a layer of its own: each channel used to make its own decisions (the default fare
class, how many passengers, which ticket can be cancelled, what refund to announce), so
one question got different answers depending on how it was asked. Here each decision is
made once; channels translate their protocol into one call below and render the plain
dataclass that comes back. Nothing in this package formats a sentence for a person.

Each use case owns its transaction: it calls the domain areas directly (booking and
payments do not import each other; a use case here calls both) and commits once through
``app.extensions.unit_of_work``, which runs it again, whole, when it lost a race.

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
  ``payment_options``, ``payment_status``, ``method_from_word``, ``start_with_operator``.
- ``rules``: ``is_active``, ``can_cancel`` (the one rule), read by tickets and cancelling.
- ``cancelling``: ``cancellable_tickets``, ``cancellation_quote`` → ``CancelQuote``
  (``as_cancel=True``: refused exactly when ``cancel`` would be), ``find_cancellable_ticket``,
  ``cancel`` → ``CancelResult`` (the refund really made), ``cancel_trip`` (a carrier cancels
  a whole trip).
- ``confirming``: money coming in: ``confirm_payment`` (settle, apply, issue, queue,
  record), the Daraja and Africa's Talking callbacks' use cases, the STK-query sweep and
  the sandbox's answering job.
- ``tickets``: ``active_tickets``, ``trip_history`` → ``TicketView``; ``get_ticket``,
  ``find_ticket_by_code``, ``resend_ticket``.
- ``wallet``: ``wallet_balance`` → ``Money``, ``wallet_of``, ``top_up`` → ``TopUpOutcome``,
  ``auto_recharge`` (settings), ``run_auto_recharge`` (the job a low wallet queues).
- ``profile``: ``set_language``, ``opt_out``.
- ``routes``: the REST views of these use cases (orders, tickets, payments, wallet, search).
"""
