"""``/counter``: signing in with an SMS code, the shift (open it with a float, close it with
a blind count) and the closing report. The sale's own pages are in ``selling``."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date

from flask import current_app, redirect, request, url_for
from flask_limiter.util import get_remote_address

from app.auth import service as auth
from app.core.phone import InvalidPhone, normalize_phone
from app.counter_page import session
from app.counter_page.common import agent_required, blp, refusal, render, say
from app.errors import ApiError
from app.extensions import limiter
from app.sales import counter
from app.sales.common import major_to_minor
from app.sales.counter import carrier_trips


def _per_address() -> str:
    return current_app.config["OTP_RATE_LIMIT_PER_ADDRESS"]


def _per_phone() -> str:
    return current_app.config["OTP_RATE_LIMIT_PER_PHONE"]


def _phone_key() -> str:
    """Rate-limit key of the number typed (as the API's: an HMAC, never the number itself)."""
    raw = request.form.get("phone", "")
    try:
        raw = normalize_phone(raw, current_app.config["DEFAULT_COUNTRY"])
    except InvalidPhone:
        pass  # refused by the view; counted under what was typed
    key = current_app.config["SECRET_KEY"].encode()
    return "otp-phone:" + hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()[:32]


def parse_amount(raw: str | None, currency: str) -> int | None:
    """A whole amount the agent typed (``5000``, ``5 000``, ``5,000``) in minor units; None if unreadable."""
    digits = "".join((raw or "").split()).replace(",", "")
    if not digits.isdigit() or len(digits) > 7:
        return None
    return major_to_minor(int(digits), currency)


@blp.get("")
def home():
    """Signed out: the sign-in form. Signed in: open the shift, or the trips on sale."""
    user = session.signed_in_user()
    if user is None:
        return render("signin.html", step="phone")
    if user.role != "agent":
        return render("signin.html", step="phone", error=say("not_agent"), status=403)
    drawer = counter.current_drawer(user)
    if drawer is None:
        return render("open.html", currency=user.carrier.currency)
    day = request.args.get("date") or None
    try:
        trips = carrier_trips(user, day=_date(day))
    except ValueError:
        trips = carrier_trips(user)
    return render("home.html", drawer=drawer, trips=trips, day=day or "")


def _date(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw else None


@blp.post("/code")
@limiter.limit(_per_phone, key_func=_phone_key)
@limiter.limit(_per_address, key_func=get_remote_address)
def send_code():
    """Send the sign-in code by SMS (any readable number: nothing says whether it has an account)."""
    try:
        phone = normalize_phone(request.form.get("phone", ""), current_app.config["DEFAULT_COUNTRY"])
    except InvalidPhone:
        return render("signin.html", step="phone", error=say("err_invalid-phone"), status=422)
    try:
        auth.request_sign_in_code(phone)
    except ApiError as refused:
        return render("signin.html", step="phone", error=refusal(refused), status=refused.status)
    return render("signin.html", step="code", phone=phone, notice=say("code_sent"))


@blp.post("/sign-in")
@limiter.limit(_per_address, key_func=get_remote_address)
def sign_in():
    """Check the code (``app.auth.service.sign_in``); an agent gets the page's cookie."""
    phone = request.form.get("phone", "")
    try:
        pair = auth.sign_in(normalize_phone(phone, current_app.config["DEFAULT_COUNTRY"]),
                            request.form.get("code", "").strip())
    except (ApiError, InvalidPhone):
        return render("signin.html", step="code", phone=phone, error=say("bad_code"), status=422)
    auth.end_session(pair.refresh_token)  # the page signs in with its own cookie, never a refresh token
    if pair.user.role != "agent":
        return render("signin.html", step="phone", error=say("not_agent"), status=403)
    response = redirect(url_for("counter_page.home"))
    session.set_cookie(response, session.new_session(pair.user))
    return response


@blp.post("/sign-out")
@agent_required
def sign_out(agent):
    response = redirect(url_for("counter_page.home"))
    session.clear_cookie(response)
    return response


@blp.post("/shift")
@agent_required
def open_shift(agent):
    currency = agent.carrier.currency
    amount = parse_amount(request.form.get("opening_float"), currency)
    if amount is None:
        return render("open.html", currency=currency, error=say("invalid_amount"), status=422)
    try:
        counter.open_shift(agent, amount)
    except ApiError as refused:
        return render("open.html", currency=currency, error=refusal(refused), status=refused.status)
    return redirect(url_for("counter_page.home"))


@blp.route("/close", methods=["GET", "POST"])
@agent_required
def close_shift(agent):
    """The blind count: the form never shows what the drawer should hold."""
    drawer = counter.current_drawer(agent)
    if drawer is None:
        return redirect(url_for("counter_page.home"))
    currency = drawer.currency
    if request.method == "GET":
        return render("close.html", drawer=drawer, currency=currency,
                      notice=say("recount") if drawer.status == "recount" else None)
    amount = parse_amount(request.form.get("counted"), currency)
    if amount is None:
        return render("close.html", drawer=drawer, currency=currency, error=say("invalid_amount"), status=422)
    try:
        done = counter.count_drawer(agent, amount, request.form.get("comment"))
    except ApiError as refused:
        return render("close.html", drawer=drawer, currency=currency, error=refusal(refused), status=refused.status,
                      comment_needed=refused.slug == "comment-required")
    if done.status == "recount":
        return render("close.html", drawer=done, currency=currency, notice=say("recount"))
    return redirect(url_for("counter_page.report", drawer_id=done.id))


@blp.get("/drawers/<int:drawer_id>")
@agent_required
def report(agent, drawer_id: int):
    """The closing report (expected, counted, difference), printable; 404 for anyone else's drawer."""
    try:
        drawer = counter.drawer(agent, drawer_id)
    except ApiError as refused:
        return render("message.html", message=refusal(refused), status=refused.status)
    return render("report.html", drawer=drawer)
