"""What ``APP_ENV=production`` refuses, and how a refusal reaches the operator.

Why refuse rather than warn: every check below was once a working production that was
quietly unsafe. Without Daraja credentials the self-confirming sandbox provider sold
tickets and top-ups for no money; short secrets can be guessed; an unreadable signing key
turned every ticket endpoint into a 500; without Redis each worker kept its own rate
limits (a limit of 3 let 9 sign-in codes through with 3 workers); without Africa's
Talking sign-in codes went to the outbox, i.e. nowhere; a ``PUBLIC_BASE_URL`` or
``CHANNEL_TOKEN`` holding a word Daraja refuses in callback URLs (``mpesa``, ``cmd``...)
made every M-Pesa payment fail with "try again in a minute". A crash at start is seen at once
by whoever deploys; these were not.

Why one line per problem and no traceback: the person reading it is deploying, not
debugging. ``wsgi.py`` (every ``flask --app wsgi …`` command and the worker) and
``gunicorn.conf.py`` (the master, before it binds or forks) print ``refusing_lines`` and
exit with ``EXIT_CODE``. All problems are reported at once so that one deploy fixes them all.

The sandbox payment provider is also refused where it is chosen
(``app.payments.service.select_provider``) and where it would start or settle a payment
(``app.payments.providers.sandbox``): configuration is the first guard, not the only one.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography import x509

from tickets.keys import KeyringError, resolve_keyring

MIN_SECRET_LENGTH = 32
DARAJA_SETTINGS = ("MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_SHORTCODE", "MPESA_PASSKEY")
AT_SETTINGS = ("AT_USERNAME", "AT_API_KEY")
INITIATOR_SETTINGS = ("MPESA_INITIATOR_NAME", "MPESA_SECURITY_CREDENTIAL", "MPESA_INITIATOR_PASSWORD",
                      "MPESA_CERT_FILE", "MPESA_B2C_SHORTCODE")

# Daraja's URL registration refuses a callback URL holding any of these, in any case
# ("M-PESA, M-Pesa, Safaricom, exe, exec, cmd, SQL, query or any similar keyword"); "exe"
# covers "exec". Our paths say "mobile-money" for that reason; the base URL and the
# token are the deployer's, so production refuses to start with one of these in
# them: every payment would fail with a reason no passenger can act on.
DARAJA_REFUSED_WORDS = ("m-pesa", "mpesa", "safaricom", "exe", "cmd", "sql", "query")


def daraja_refused_word(text: str) -> str | None:
    """The first word of ``DARAJA_REFUSED_WORDS`` that ``text`` holds (any case), or None."""
    lowered = text.lower()
    return next((word for word in DARAJA_REFUSED_WORDS if word in lowered), None)


# gunicorn's own "App failed to load" code: a worker that exits with it stops the master
# instead of being respawned forever (gunicorn.arbiter.Arbiter.APP_LOAD_ERROR).
EXIT_CODE = 4


def is_production(config: Mapping[str, Any]) -> bool:
    return config.get("APP_ENV") == "production"


def production_problems(cfg: Mapping[str, Any]) -> list[str]:
    """Every reason ``cfg`` is unsafe for production, each naming its setting (empty: safe)."""
    problems: list[str] = []
    for name in ("SECRET_KEY", "CHANNEL_TOKEN"):
        value = cfg.get(name) or ""
        if not value:
            problems.append(f"{name} is not set; it must be at least {MIN_SECRET_LENGTH} characters")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name} must be at least {MIN_SECRET_LENGTH} characters")
    problem = _signing_key_problem(cfg)
    if problem:
        problems.append(problem)
    if str(cfg.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        problems.append("DATABASE_URL must name a PostgreSQL database, not SQLite")
    if not cfg.get("REDIS_URL"):
        problems.append("REDIS_URL is not set; rate limits and USSD state must be shared by every worker")
    missing = [name for name in DARAJA_SETTINGS if not cfg.get(name)]
    if missing:
        problems.append(f"{', '.join(missing)} not set; Daraja credentials are required "
                        "(there are no sandbox payments in production)")
    elif (cfg.get("MPESA_ENV") or "sandbox") != "production":
        problems.append("MPESA_ENV must be 'production'; Daraja's sandbox moves no money")
    problem = _initiator_problem(cfg)
    if problem:
        problems.append(problem)
    missing = [name for name in AT_SETTINGS if not cfg.get(name)]
    if missing:
        problems.append(f"{', '.join(missing)} not set; without Africa's Talking sign-in codes go nowhere")
    elif cfg.get("AT_USERNAME") == "sandbox":
        problems.append("AT_USERNAME must not be 'sandbox'; Africa's Talking's sandbox reaches no phone")
    base_url = cfg.get("PUBLIC_BASE_URL") or ""
    if not base_url.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be this app's public https:// address; "
                        "callback URLs and ticket links are built from it")
    for name, advice in (("PUBLIC_BASE_URL", "use another host name or path"),
                         ("CHANNEL_TOKEN", "generate a hex one: python -c 'import secrets; "
                                           "print(secrets.token_hex(32))'")):
        word = daraja_refused_word(cfg.get(name) or "")
        if word:  # only the word: a token is never echoed
            problems.append(f"{name} contains {word!r}, which Daraja refuses in a callback URL "
                            f"(every M-Pesa payment would fail); {advice}")
    return problems


def _initiator_problem(cfg: Mapping[str, Any]) -> str | None:
    """The API initiator (refunds and withdrawals to M-Pesa) is optional, but half of one is a
    mistake: payouts would silently wait for a person, or fail at Daraja one by one."""
    if not any(cfg.get(name) for name in INITIATOR_SETTINGS):
        return None
    if not cfg.get("MPESA_INITIATOR_NAME"):
        return "MPESA_INITIATOR_NAME is not set, but other MPESA_INITIATOR settings are"
    if not cfg.get("MPESA_B2C_SHORTCODE"):
        return "MPESA_B2C_SHORTCODE is not set; B2C payouts need the shortcode they are paid from"
    if cfg.get("MPESA_SECURITY_CREDENTIAL"):
        return None
    if not (cfg.get("MPESA_INITIATOR_PASSWORD") and cfg.get("MPESA_CERT_FILE")):
        return "MPESA_SECURITY_CREDENTIAL (or MPESA_INITIATOR_PASSWORD with MPESA_CERT_FILE) is not set"
    try:
        pem = Path(cfg["MPESA_CERT_FILE"]).read_bytes()
        if b"-----BEGIN" in pem:
            x509.load_pem_x509_certificate(pem)
        else:
            x509.load_der_x509_certificate(pem)
    except (OSError, ValueError):
        return "MPESA_CERT_FILE is not a readable X.509 certificate (Safaricom's, for the initiator password)"
    return None


def _signing_key_problem(cfg: Mapping[str, Any]) -> str | None:
    """The keyring must parse and be able to sign; never create a key file here."""
    name = "TICKET_SIGNING_KEYS_FILE" if cfg.get("TICKET_SIGNING_KEYS_FILE") else "TICKET_SIGNING_KEYS"
    if not (cfg.get("TICKET_SIGNING_KEYS") or cfg.get("TICKET_SIGNING_KEYS_FILE")):
        return "TICKET_SIGNING_KEYS (or TICKET_SIGNING_KEYS_FILE) is not set"
    try:
        keyring = resolve_keyring(cfg, create_missing_file=False)
    except KeyringError as exc:  # messages never contain key material
        return f"{name} does not parse: {exc}"
    except OSError as exc:
        return f"TICKET_SIGNING_KEYS_FILE cannot be read: {exc.strerror or exc}"
    if not keyring.can_sign:
        return f"{name}: its first key cannot sign"
    return None


def refusing_lines(problems: list[str], app_env: str) -> list[str]:
    return [f"refusing to start: {problem} (APP_ENV={app_env})" for problem in problems]


def exit_refusing(error) -> None:
    """Print a ``ConfigError`` as one line per problem on stderr and exit (no traceback)."""
    for line in error.lines():
        print(line, file=sys.stderr)
    sys.stderr.flush()
    raise SystemExit(EXIT_CODE)


def default_instance_path() -> str:
    """The instance folder Flask gives ``create_app`` (``<project>/instance``)."""
    return str(Path(__file__).resolve().parent.parent / "instance")
