"""Daraja callbacks: translate the wire format, call the use case, answer Daraja.

Rules every handler follows (docs/CONTRIBUTING.md, "Operator callbacks"): token-guarded (403, nothing changes),
idempotent on Daraja's ids, a quick 200 with Daraja's answer shape for anything that
parses, and never a 500. A body that is not JSON gets 400 in the same shape (a retry of
garbage cannot help); JSON we cannot read is parked for a person and accepted.

Each callback is one unit of work (``app.extensions.unit_of_work``) around one use case of
``app.sales.confirming``: a transaction that loses a race (a deadlock, a serialization
failure, a unique constraint another request just satisfied) runs again, whole, so Daraja
is told "Accepted" only for money that was recorded. Only a failure that is not a race (a
bug) parks the body for a person.
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from app.extensions import unit_of_work
from app.payments.operator import REJECT_OTHER
from app.payments.providers.daraja import MalformedCallback, parse_c2b, parse_result, parse_stk_callback
from app.payments.review import park
from app.payouts import results as payout_results
from app.sales import confirming
from channels.security import answer_bad_input, require_channel_token

log = logging.getLogger(__name__)

blp = Blueprint("mpesa_callbacks", __name__, url_prefix="/channels/mobile-money")

ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}

def _refuse_bad_input(error):
    """Bodies the shared guards refuse (nested too deep, NUL characters...) are garbage a
    retry cannot fix, like a body that is not JSON: 400 in Daraja's shape (a validation
    gets its C2B rejection code)."""
    if request.path.endswith("/c2b/validation"):
        return _answer({"ResultCode": REJECT_OTHER[0], "ResultDesc": REJECT_OTHER[1]}, 400)
    return _answer({"ResultCode": 1, "ResultDesc": f"Rejected: {error.detail}"}, 400)


answer_bad_input(blp, _refuse_bad_input)


def _answer(body: dict, status: int = 200):
    return jsonify(body), status


def _read_json(source: str):
    body = request.get_json(silent=True)
    if body is None:
        raw = request.get_data(as_text=True)[:20000]
        unit_of_work(lambda: park(source, "not_json", raw))
    return body


def _run(source: str, raw, work):
    """Run ``work`` as one unit of work (run again, whole, when it lost a race); park the
    body for a person if it fails otherwise, so that no money is lost."""
    try:
        return unit_of_work(work)
    except Exception:
        log.exception("%s callback could not be processed; parked", source)
        unit_of_work(lambda: park(source, "processing_error", raw))
        return None


def _settle(source: str, parse, handle):
    """Read, parse and act on a callback that settles money; always Daraja's 'Accepted'.

    Garbage that is not JSON gets 400 (a retry cannot help); JSON we cannot read is
    parked for a person and accepted, so Daraja stops retrying it.
    """
    body = _read_json(source)
    if body is None:
        return _answer({"ResultCode": 1, "ResultDesc": "Rejected: body is not JSON"}, 400)
    try:
        notification = parse(body)
    except MalformedCallback as exc:
        unit_of_work(lambda: park(source, "malformed", body))
        log.warning("malformed %s callback parked: %s", source, exc)
        return _answer(ACCEPTED)
    _run(source, body, lambda: handle(notification, body))
    return _answer(ACCEPTED)


@blp.post("/stk")
@require_channel_token
def stk_result():
    push = request.args.get("push")  # the payment our CallBackURL named (see app.payments.stk_window)
    return _settle("stk", parse_stk_callback, lambda cb, raw: confirming.stk_result(cb, raw, push_id=push))


@blp.post("/c2b/validation")
@require_channel_token
def c2b_validation():
    body = _read_json("c2b_validation")
    if body is None:
        return _answer({"ResultCode": REJECT_OTHER[0], "ResultDesc": REJECT_OTHER[1]}, 400)
    try:
        c2b = parse_c2b(body)
    except MalformedCallback as exc:
        log.warning("malformed C2B validation rejected: %s", exc)
        return _answer({"ResultCode": REJECT_OTHER[0], "ResultDesc": REJECT_OTHER[1]})
    code = _run("c2b_validation", body, lambda: confirming.paybill_validation(c2b, body)) or REJECT_OTHER
    return _answer({"ResultCode": code[0], "ResultDesc": code[1]})


@blp.post("/c2b/confirmation")
@require_channel_token
def c2b_confirmation():
    return _settle("c2b_confirmation", parse_c2b, confirming.paybill_confirmation)


# ---- money going back out (app.payouts): B2C, reversal and transaction status results.
# Each ResultURL names what it answers (``?payout=`` for a reversal, ``?check=`` for a status
# check), besides Daraja's own ids; a timeout is not a failure (the status is asked).


@blp.post("/b2c/result")
@require_channel_token
def b2c_result():
    return _settle("b2c_result", parse_result, payout_results.b2c_result)


@blp.post("/b2c/timeout")
@require_channel_token
def b2c_timeout():
    return _settle("b2c_timeout", parse_result, payout_results.b2c_timeout)


@blp.post("/reversal/result")
@require_channel_token
def reversal_result():
    payout = request.args.get("payout")
    return _settle("reversal_result", parse_result, lambda r, raw: payout_results.reversal_result(r, raw, payout))


@blp.post("/reversal/timeout")
@require_channel_token
def reversal_timeout():
    payout = request.args.get("payout")
    return _settle("reversal_timeout", parse_result, lambda r, raw: payout_results.reversal_timeout(r, raw, payout))


@blp.post("/status/result")
@require_channel_token
def status_result():
    check = request.args.get("check")
    return _settle("status_result", parse_result, lambda r, raw: payout_results.status_result(r, raw, check))


@blp.post("/status/timeout")
@require_channel_token
def status_timeout():
    check = request.args.get("check")
    return _settle("status_timeout", parse_result, lambda r, raw: payout_results.status_timeout(r, raw, check))
