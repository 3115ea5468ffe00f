"""The counter's cash drawer: an agent's shift, its float, its blind count and closing report.

Why an area of its own: cash is money no operator confirms; the only proof of it is the
agent's count at the end of the shift. The drawer is one ledger account per agent
(``cash_drawer:<agent>``, ``app.ledger.service.cash_drawer``) that cash sales and cash
refunds move like any other money (``app.payments``); this area opens and closes the
shift around it. The use cases that call it are in ``app.sales.counter``.
"""
