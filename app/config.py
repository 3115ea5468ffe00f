"""Configuration: embedded defaults, then the environment, then test overrides.

The defaults make ``make run`` work on a bare machine (SQLite, jobs inline, SMS to the
outbox, the sandbox payment provider). ``APP_ENV=production`` refuses to start on any
insecure default, because a forgotten secret in production is worse than a crash: the
checks and why each exists are in ``app.production``. In development ``PUBLIC_BASE_URL``
follows ``HOST`` and ``PORT`` unless set, so links in SMS point where ``make run`` serves.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from app.production import (
    default_instance_path,
    exit_refusing,
    production_problems,
    refusing_lines,
)

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The environment is not safe or not complete enough to start.

    Carries every problem found, each naming its setting; ``lines()`` is what
    ``wsgi.py`` and ``gunicorn.conf.py`` print (see ``app.production``).
    """

    def __init__(self, problems: str | list[str], app_env: str = "production"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.app_env = app_env
        super().__init__("; ".join(self.problems))

    def lines(self) -> list[str]:
        return refusing_lines(self.problems, self.app_env)


# Example premium-SMS price points (KES 50/100/200/500) for development and tests only.
DEV_PRICE_POINTS = "SAFIRI50=5000,SAFIRI100=10000,SAFIRI200=20000,SAFIRI500=50000"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _seconds_env(name: str, default: float) -> float:
    """A positive number of seconds from the environment, or a ConfigError naming it."""
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, not {raw!r}")
    return int(value) if value == int(value) else value


def normalize_database_url(url: str) -> str:
    """Accept Heroku-style ``postgres://`` and pin the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def local_base_url() -> str:
    """Where ``make run`` serves (``HOST``/``PORT``, as the Makefile passes them to
    ``flask run``): the default ``PUBLIC_BASE_URL``, so SMS links follow the port."""
    host = _env("HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::"):  # listening everywhere: this machine answers on loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{_env('PORT', '5000')}"


def _instance_secret(instance: Path, filename: str) -> str:
    """A random secret kept in ``instance/`` so development restarts keep sessions."""
    path = instance / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the settings mapping for one app instance."""
    overrides = overrides or {}
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app_env = overrides.get("APP_ENV") or _env("APP_ENV", "development")
    if app_env not in ("development", "test", "production"):
        raise ConfigError(f"APP_ENV must be development, test or production, not {app_env!r}", app_env)
    production = app_env == "production"

    cfg: dict = {
        "APP_ENV": app_env,
        "TESTING": app_env == "test",
        "SECRET_KEY": _env("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(
            _env("DATABASE_URL", f"sqlite:///{instance / 'safiri.sqlite3'}")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": _env("REDIS_URL"),
        "CHANNEL_TOKEN": _env("CHANNEL_TOKEN"),
        "TICKET_SIGNING_KEYS": _env("TICKET_SIGNING_KEYS"),
        "TICKET_SIGNING_KEYS_FILE": _env("TICKET_SIGNING_KEYS_FILE"),
        "AT_USERNAME": _env("AT_USERNAME"),
        "AT_API_KEY": _env("AT_API_KEY"),
        "AT_SENDER_ID": _env("AT_SENDER_ID"),
        "AT_SHORT_CODE": _env("AT_SHORT_CODE"),
        "AT_BASE_URL": _env("AT_BASE_URL"),  # override of the SMS API's address (tests, stand-ins)
        "MPESA_ENV": _env("MPESA_ENV", "sandbox"),
        "MPESA_BASE_URL": _env("MPESA_BASE_URL"),
        "MPESA_CONSUMER_KEY": _env("MPESA_CONSUMER_KEY"),
        "MPESA_CONSUMER_SECRET": _env("MPESA_CONSUMER_SECRET"),
        "MPESA_SHORTCODE": _env("MPESA_SHORTCODE"),
        "MPESA_PASSKEY": _env("MPESA_PASSKEY"),
        # How long a Daraja call waits for its answer once the request has left. An STK push
        # not answered in time is *unknown*, not failed (app.payments.stk_window), so this
        # bounds how long one push holds a web thread, not whether the payment survives;
        # 6 s plus the 3 s connect keeps a USSD step within the gateway's 15 s.
        "MPESA_READ_TIMEOUT_SECONDS": _seconds_env("MPESA_READ_TIMEOUT_SECONDS", 6),
        # The API initiator for money going back out (B2C refunds and withdrawals, reversals,
        # transaction status; app.payouts). Unset: payouts wait for a person to pay them.
        "MPESA_INITIATOR_NAME": _env("MPESA_INITIATOR_NAME"),
        "MPESA_SECURITY_CREDENTIAL": _env("MPESA_SECURITY_CREDENTIAL"),
        "MPESA_INITIATOR_PASSWORD": _env("MPESA_INITIATOR_PASSWORD"),
        "MPESA_CERT_FILE": _env("MPESA_CERT_FILE"),
        "MPESA_B2C_SHORTCODE": _env("MPESA_B2C_SHORTCODE"),
        # A sent payout with no result this long after it left is asked about (Transaction
        # Status) before anything is sent again; the checks back off up to the cap, and after
        # PAYOUT_MAX_CHECKS unanswered ones the payout waits for a person.
        "PAYOUT_CHECK_AFTER_SECONDS": _seconds_env("PAYOUT_CHECK_AFTER_SECONDS", 90),
        "PAYOUT_CHECK_MAX_DELAY_SECONDS": _seconds_env("PAYOUT_CHECK_MAX_DELAY_SECONDS", 30 * 60),
        "PAYOUT_MAX_CHECKS": int(_env("PAYOUT_MAX_CHECKS", "8")),
        # Starts every B2C OriginatorConversationID (<prefix>-payout-<id>-<attempt>): two
        # deployments sharing a B2C shortcode (staging, production) must not share keys.
        "PAYOUT_KEY_PREFIX": _env("PAYOUT_KEY_PREFIX", "safiri"),
        # Wallet withdrawals to the passenger's own M-Pesa (minor units of WALLET_CURRENCY):
        # per withdrawal, per 24 hours, and the fee (0: none) taken on top of the amount.
        "WITHDRAWAL_MIN": int(_env("WITHDRAWAL_MIN", "10000")),  # KES 100
        "WITHDRAWAL_MAX": int(_env("WITHDRAWAL_MAX", "7000000")),  # KES 70,000
        "WITHDRAWAL_DAILY_MAX": int(_env("WITHDRAWAL_DAILY_MAX", "15000000")),  # KES 150,000
        "WITHDRAWAL_FEE": int(_env("WITHDRAWAL_FEE", "0")),
        "PUBLIC_BASE_URL": (_env("PUBLIC_BASE_URL") or local_base_url()).rstrip("/"),
        "DEFAULT_COUNTRY": _env("DEFAULT_COUNTRY", "KE"),
        # API and OpenAPI (flask-smorest)
        "API_TITLE": "Safiri ticketing API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        # /api/docs is app.openapi's own page (flask-smorest's starts Swagger UI with an
        # inline script, which the CSP refuses). Swagger UI's files are served by the app,
        # from a pinned wheel: the docs work offline. No validator badge: it would call
        # validator.swagger.io.
        "OPENAPI_SWAGGER_UI_PATH": None,
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "deepLinking": True},
        "MAX_CONTENT_LENGTH": 64 * 1024,  # no legitimate request is bigger
        # A reduced-fare request carries a photo (up to 5 MB, app.concessions.documents): its
        # endpoint alone takes a larger body. The photos are kept here, outside static, until an
        # agent decides.
        "CONCESSION_UPLOAD_MAX_BYTES": 5 * 1024 * 1024 + 64 * 1024,
        "CONCESSION_DOCUMENT_DIR": _env("CONCESSION_DOCUMENT_DIR", str(instance / "concession-documents")),
        # Auth
        "ACCESS_TOKEN_TTL_SECONDS": 15 * 60,
        "REFRESH_TOKEN_TTL_SECONDS": 30 * 24 * 3600,
        # A rotated refresh token presented again by the same client within this many
        # seconds gets its successor back instead of ending the sign-in (app.auth.refresh).
        "REFRESH_REUSE_GRACE_SECONDS": 10,
        "OTP_TTL_SECONDS": 5 * 60,
        "OTP_MAX_ATTEMPTS": 5,
        "OTP_RATE_LIMIT_PER_PHONE": "3 per 10 minutes; 10 per day",  # bounds code guessing per number
        "OTP_RATE_LIMIT_PER_ADDRESS": "20 per hour",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis (the limiter's storage) away: every limit is counted in this process's memory
        # until it answers again (Flask-Limiter checks it with backoff), never a 500; an
        # error the fallback does not cover is logged and the request goes on.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Booking
        "HOLD_TTL_SECONDS": 10 * 60,
        # Idempotency-Key: an in-flight record older than this is taken as abandoned (crash)
        "IDEMPOTENCY_INFLIGHT_SECONDS": int(_env("IDEMPOTENCY_INFLIGHT_SECONDS", "60")),
        # USSD (channels.ussd): requests per phone number; Redis key prefix of session state
        "USSD_RATE_LIMIT": "30 per minute",
        # Inbound SMS per sender number: the excess is acknowledged and not read or answered.
        "SMS_INBOUND_RATE_LIMIT": _env("SMS_INBOUND_RATE_LIMIT", "20 per minute; 300 per hour"),
        # Payment prompts (M-Pesa PIN prompts, phone-balance charges; app.sales.prompts): to
        # one phone number from every account together, and from one account to numbers
        # that are not its own. Beyond them: 429 too-many-prompts with Retry-After.
        "PUSH_RATE_LIMIT_PER_PHONE": _env("PUSH_RATE_LIMIT_PER_PHONE", "5 per minute; 20 per hour"),
        "PUSH_RATE_LIMIT_OTHER_PHONE": _env("PUSH_RATE_LIMIT_OTHER_PHONE", "3 per minute; 10 per hour"),
        "USSD_REDIS_PREFIX": "safiri:ussd:",
        # Payments, wallet, ledger
        "PLATFORM_FEE_BPS": int(_env("PLATFORM_FEE_BPS", "500")),  # 5% of each sale
        # What the mobile operator keeps of an airtime payment (its contractual share, basis
        # points; 0: none), the carrier's operator fee on each airtime sale.
        "AIRTIME_OPERATOR_SHARE_BPS": int(_env("AIRTIME_OPERATOR_SHARE_BPS", "0")),
        "WALLET_CURRENCY": _env("WALLET_CURRENCY", "KES"),
        # Phone-balance payments (premium SMS): the keywords and fixed prices set with the
        # operator, KEYWORD=minor units of WALLET_CURRENCY; a total is payable only as a sum of
        # at most AT_PREMIUM_MAX_MESSAGES of them (app.payments.price_points). The default is
        # an example for development and tests; production has no default (unset: no total is
        # payable by airtime, every request is refused up front), set the list agreed with the operator.
        "AT_PREMIUM_PRICE_POINTS": _env("AT_PREMIUM_PRICE_POINTS",
                                        "" if app_env == "production" else DEV_PRICE_POINTS),
        "AT_PREMIUM_MAX_MESSAGES": int(_env("AT_PREMIUM_MAX_MESSAGES", "5")),
        # STK pushes without a callback (app.payments.jobs): first STK query after this,
        # then backoff doubling up to the cap; still pending after the last bound: expired.
        "STK_POLL_AFTER_SECONDS": _seconds_env("STK_POLL_AFTER_SECONDS", 120),
        "STK_POLL_MAX_DELAY_SECONDS": _seconds_env("STK_POLL_MAX_DELAY_SECONDS", 600),
        "STK_EXPIRE_AFTER_SECONDS": _seconds_env("STK_EXPIRE_AFTER_SECONDS", 30 * 60),
        # STK pushes whose outcome is unknown (app.payments.stk_window): an answer that never
        # came back waits this long for its callback before it is failed; a push still
        # ``initiated`` this long after it started lost its worker (the stuck-stk sweep).
        "STK_UNKNOWN_WINDOW_SECONDS": _seconds_env("STK_UNKNOWN_WINDOW_SECONDS", 5 * 60),
        "STK_STUCK_AFTER_SECONDS": _seconds_env("STK_STUCK_AFTER_SECONDS", 2 * 60),
        # Reconciliation (app.reconciliation): the biggest statement upload taken, in bytes (a
        # month of a busy Paybill is a few MB); how long after a failed prompt a Till payment of
        # the same amount by the same payer is taken as paying it; how far back each scheduled
        # Pull Transactions run looks again before where the last one ended (late entries).
        "STATEMENT_MAX_BYTES": int(_env("STATEMENT_MAX_BYTES", str(20 * 1024 * 1024))),
        "TILL_MATCH_WINDOW_MINUTES": _seconds_env("TILL_MATCH_WINDOW_MINUTES", 30),
        "PULL_OVERLAP_MINUTES": _seconds_env("PULL_OVERLAP_MINUTES", 30),
        # The worker's scheduler (app.jobs.periodic): interval of the frequent sweeps.
        "SWEEP_INTERVAL_SECONDS": _seconds_env("SWEEP_INTERVAL_SECONDS", 60),
        # /healthz calls the scheduler stale when its last tick is older than this.
        "SCHEDULER_STALE_SECONDS": _seconds_env("SCHEDULER_STALE_SECONDS", 60),
        # The worker waits for a lost Redis with doubling pauses up to this (app.jobs.worker).
        "WORKER_RECONNECT_MAX_SECONDS": _seconds_env("WORKER_RECONNECT_MAX_SECONDS", 30),
        # The stuck-SMS sweep sends messages still queued this long after they were written.
        "SMS_STUCK_AFTER_SECONDS": _seconds_env("SMS_STUCK_AFTER_SECONDS", 120),
        # Packages create_app lets register themselves (``init_app(app)``) after the app's own
        # areas: blueprints, tables, listeners. Named here, never imported by ``app``, so
        # dependencies point down (the channels build on the app, not the other way).
        "COMPONENTS": ("channels",),
        # How many proxies in front of the app set X-Forwarded-For (Heroku router, nginx):
        # without it every client shares the proxy's address and per-address limits break.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
    }
    cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"] or "memory://"
    cfg.update(overrides)
    cfg["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    # Bound values (phone numbers, names, SMS texts) never reach an exception's text or a
    # log line, whatever engine options a deployment or a test passes (app.core.sqlprivacy
    # also strips what the database itself quotes back).
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {**(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {}), "hide_parameters": True}

    if production:
        problems = production_problems(cfg)
        if problems:
            raise ConfigError(problems, app_env)
    else:
        if not cfg.get("SECRET_KEY"):
            cfg["SECRET_KEY"] = _instance_secret(instance, "secret_key")
        if not (cfg.get("TICKET_SIGNING_KEYS") or cfg.get("TICKET_SIGNING_KEYS_FILE")):
            cfg["TICKET_SIGNING_KEYS_FILE"] = str(instance / "ticket-keys.json")
        if not cfg.get("CHANNEL_TOKEN"):
            log.warning("CHANNEL_TOKEN is unset: operator callbacks are open (development only)")
    return cfg


def refuse_unsafe_start() -> None:
    """For ``gunicorn.conf.py``: check the environment in the master, before any worker."""
    if os.environ.get("APP_ENV") in (None, "", "development", "test"):
        return  # nothing to refuse; each worker builds its own development config
    try:
        build_config(default_instance_path())
    except ConfigError as error:
        exit_refusing(error)
