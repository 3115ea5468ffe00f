"""``/counter``'s blueprint and what its views share: the signed-in agent, the language,
texts from the catalogue, money and times as the agent's language writes them, and a
refusal of the use cases turned into a line the agent reads (never a stack of JSON).

Why server-rendered forms: the counter runs on a cheap Android tablet or an old desktop on
a slow connection; each step is one small HTML page and one form post, with no script to
download (the print pages have one served file, ``print.js``, for the Print button; the
strict CSP allows nothing inline). The style sheet is served from ``static/`` with a
content version in its URL, so a browser keeps it for a year.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache, wraps
from pathlib import Path

from babel.dates import format_datetime
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from app.core.timeutil import to_local
from app.counter_page.session import csrf_ok, csrf_token, signed_in_user
from app.errors import ApiError
from app.messaging import LANGUAGES, lang_or_default, text
from app.messaging.catalogue import has
from app.messaging.formats import babel_locale, money

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = ("counter.css", "print.js")

blp = Blueprint("counter_page", __name__, url_prefix="/counter", template_folder="templates",
                static_folder="static", static_url_path="/static")


@lru_cache(maxsize=1)
def asset_version() -> str:
    digest = hashlib.sha256()
    for name in ASSETS:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@blp.after_request
def _headers(response: Response) -> Response:
    if request.endpoint == "counter_page.static" and request.args.get("v") == asset_version():
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    elif request.endpoint != "counter_page.static":
        response.headers["Cache-Control"] = "private, no-store"  # a sale, a drawer: never cached
    return response


def language() -> str:
    user = signed_in_user()
    if user is not None:
        return lang_or_default(user.language)
    return lang_or_default(request.accept_languages.best_match(LANGUAGES))


def say(key: str, **values) -> str:
    """The page text ``counter:<key>`` in the agent's language."""
    return text(f"counter:{key}", language(), **values)


def refusal(error: ApiError, context: str = "") -> str:
    """What the agent reads when a use case refuses: the catalogue's line for its slug."""
    keys = ([f"err_{error.slug}_{context}"] if context else []) + [f"err_{error.slug}"]
    for key in keys:
        if has(f"counter:{key}"):
            return say(key)
    return say("err_other", detail=error.detail)


def show_money(amount: int, currency: str) -> str:
    return money(amount, currency, language())


def show_time(moment, zone: str = "Africa/Nairobi") -> str:
    return format_datetime(to_local(moment, zone), "EEE dd MMM y HH:mm", locale=babel_locale(language()))


def render(template: str, status: int = 200, **context) -> Response:
    version = asset_version()
    html = render_template(
        f"counter/{template}", lang=language(), say=say, agent=signed_in_user(), csrf=csrf_token(),
        css=url_for("counter_page.static", filename="counter.css", v=version),
        print_js=url_for("counter_page.static", filename="print.js", v=version),
        show_money=show_money, show_time=show_time, **context)
    return Response(html, status=status, mimetype="text/html")


def agent_required(view):
    """The view runs for a signed-in counter agent; anyone else goes to the sign-in page.
    A POST without this sign-in's form token is refused (400) before anything changes."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = signed_in_user()
        if user is None or user.role != "agent":
            return redirect(url_for("counter_page.home"))
        if request.method == "POST" and not csrf_ok():
            abort(400)
        return view(user, *args, **kwargs)

    return wrapper
