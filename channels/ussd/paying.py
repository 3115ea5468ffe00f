"""USSD, paying: the purchase's pay screen, an unpaid order found on dialling back, top-ups
and withdrawals to the caller's own M-Pesa.

Every payment is ``app.sales.paying.pay_order`` (or ``app.sales.wallet.top_up``); the
methods have the same keys wherever they are offered (1 M-Pesa, 2 Phone balance,
3 Wallet). An unpaid order found when the passenger dials back is first *named* (code,
trip, amount) on a screen whose keys only choose between paying it now and the main
menu: a passenger pressing 2 for My tickets once started a phone-balance payment there.
"""
from __future__ import annotations

from app.sales.orders import get_order, release
from app.sales.paying import pay_order
from app.sales.prompts import TooManyPrompts
from app.sales.common import Money, major_to_minor
from app.sales.wallet import top_up, wallet_balance
from app.sales.withdrawing import withdraw as withdraw_from_wallet
from app.sales.withdrawing import withdrawal_rules
from channels.i18n import error_text, short_date
from channels.ussd.choosing import CITY_WIDTH, day_label, offer, route_params
from channels.ussd.screens import End, Go, Stay, clip


def order_view(ctx):
    """The order this session is paying (``ctx.data["order_id"]``), only if it is the caller's."""
    return get_order(ctx.ensure_user(), ctx.data["order_id"])


# --- the purchase's pay screen ------------------------------------------------------------

def confirm_params(ctx):
    view = order_view(ctx)
    return {
        **route_params(ctx), "when": f"{day_label(ctx)} {offer(ctx)['time']}", "count": ctx.data["count"],
        "fare_class": ctx.t("class_" + ctx.data["fare_class"]), "total": view.total.text(ctx.lang),
    }


def pay(method: str):
    """The action of a method's key: start paying the session's order that way."""
    def action(ctx):
        try:
            outcome = pay_order(ctx.ensure_user(), ctx.data["order_id"], method, phone=ctx.phone)
        except TooManyPrompts as limited:  # the whole sentence, not a clipped error line
            return End(error_text(limited, ctx.lang))
        if outcome.failed:  # the seats stay held: the same menu offers the other methods
            return Stay(ctx.t("payment_failed", reason=outcome.message or ctx.t("error_generic")))
        return End(ctx.t(f"paid_{method}"))

    return action


PAY_KEYS = {"1": pay("mpesa"), "2": pay("airtime"), "3": pay("wallet")}


def cancel_order(ctx):
    """0 on the purchase's pay screen: give the seats back at once."""
    release(ctx.ensure_user(), ctx.data["order_id"])
    return Go("home")


# --- an unpaid order, on dialling back ------------------------------------------------------

def unpaid_params(ctx) -> dict:
    """Which order: its code, its trip (cities and local departure) and its total."""
    view = order_view(ctx)
    when = view.departure_local
    return {
        "code": view.code, "origin": clip(view.origin_name, CITY_WIDTH),
        "destination": clip(view.destination_name, CITY_WIDTH),
        "when": f"{short_date(when.date(), ctx.lang)} {when:%H:%M}", "total": view.total.text(ctx.lang),
    }


def pay_unpaid_params(ctx) -> dict:
    view = order_view(ctx)
    return {"code": view.code, "total": view.total.text(ctx.lang)}


# --- wallet ---------------------------------------------------------------------------------

def load_balance(ctx):
    balance = wallet_balance(ctx.user)
    ctx.data["balance"] = balance.text(ctx.lang)
    ctx.data["currency"] = balance.currency


def topup(ctx, value: str):
    """A whole amount typed on the keypad: an M-Pesa prompt for it."""
    if not value.isdigit() or int(value) == 0:
        return Stay(ctx.t("invalid"))
    try:
        outcome = top_up(ctx.ensure_user(), int(value), phone=ctx.phone, major=True)
    except TooManyPrompts as limited:
        return End(error_text(limited, ctx.lang))
    if outcome.failed:
        return Stay(ctx.t("payment_failed", reason=outcome.message or ""))
    return End(ctx.t("topup_started", amount=outcome.money.text(ctx.lang)))


def withdraw_params(ctx) -> dict:
    rules = withdrawal_rules()
    return {"currency": rules.low.currency, "low": rules.low.text(ctx.lang), "high": rules.high.text(ctx.lang)}


def ask_withdraw(ctx, value: str):
    """A whole amount typed on the keypad: confirmed on the next screen (with the fee)."""
    if not value.isdigit() or len(value) > 9 or int(value) == 0:
        return Stay(ctx.t("invalid"))
    ctx.data["withdraw"] = int(value)
    return Go("withdraw_confirm")


def withdraw_confirm_params(ctx) -> dict:
    rules = withdrawal_rules()
    amount = Money(major_to_minor(ctx.data.get("withdraw") or 0, rules.low.currency), rules.low.currency)
    return {"amount": amount.text(ctx.lang), "fee": rules.fee.text(ctx.lang)}


def withdraw(ctx):
    """1 on the confirmation: the money leaves the wallet for the caller's own M-Pesa."""
    outcome = withdraw_from_wallet(ctx.ensure_user(), ctx.data.get("withdraw") or 0, major=True)
    key = "withdrawal_started" if outcome.automatic else "withdrawal_by_hand"
    return End(ctx.t(key, amount=outcome.money.text(ctx.lang), fee=outcome.fee.text(ctx.lang),
                     balance=outcome.balance.text(ctx.lang)))
