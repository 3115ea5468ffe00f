"""APP_ENV=production refuses what is unsafe, naming the setting; development follows HOST/PORT.

Each refusal is a configuration that once started and was quietly unsafe (see
``app.production``). Settings come from the environment as in a deploy.
"""
from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, build_config
from tests.production_env import production_environ, set_environ

DARAJA = ("MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_SHORTCODE", "MPESA_PASSKEY")


def refusal(monkeypatch, tmp_path, **changes) -> ConfigError:
    set_environ(monkeypatch, production_environ(**changes))
    with pytest.raises(ConfigError) as caught:
        build_config(str(tmp_path))
    return caught.value


def test_a_complete_production_environment_starts(monkeypatch, tmp_path):
    set_environ(monkeypatch, production_environ())
    cfg = build_config(str(tmp_path))
    assert cfg["APP_ENV"] == "production"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://redis.example.test:6379/0"
    assert cfg["PUBLIC_BASE_URL"] == "https://tickets.example.test"


@pytest.mark.parametrize("name", ["SECRET_KEY", "CHANNEL_TOKEN"])
@pytest.mark.parametrize("value", ["x", "a" * 31])
def test_short_secrets_are_refused(monkeypatch, tmp_path, name, value):
    error = refusal(monkeypatch, tmp_path, **{name: value})
    assert error.lines() == [f"refusing to start: {name} must be at least 32 characters (APP_ENV=production)"]
    assert value not in str(error).replace(name, "")  # the secret itself is never echoed


@pytest.mark.parametrize("name", ["SECRET_KEY", "CHANNEL_TOKEN"])
def test_missing_secrets_are_refused_and_32_characters_are_enough(monkeypatch, tmp_path, name):
    assert refusal(monkeypatch, tmp_path, **{name: None}).problems == [
        f"{name} is not set; it must be at least 32 characters"]
    set_environ(monkeypatch, production_environ(**{name: "z" * 32}))
    assert build_config(str(tmp_path))[name] == "z" * 32


def test_a_signing_key_that_does_not_parse_is_refused(monkeypatch, tmp_path):
    (problem,) = refusal(monkeypatch, tmp_path, TICKET_SIGNING_KEYS="not-a-key").problems
    assert problem.startswith("TICKET_SIGNING_KEYS does not parse: ")


def test_a_pem_that_is_not_a_key_is_refused_without_echoing_it(monkeypatch, tmp_path):
    bad = '[{"kid": "k1", "pem": "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n"}]'
    (problem,) = refusal(monkeypatch, tmp_path, TICKET_SIGNING_KEYS=bad).problems
    assert problem.startswith("TICKET_SIGNING_KEYS does not parse: ") and "AAAA" not in problem


def test_a_signing_key_file_that_does_not_parse_or_exist_is_refused(monkeypatch, tmp_path):
    garbage = tmp_path / "keys.json"
    garbage.write_text("{}")
    (problem,) = refusal(monkeypatch, tmp_path, TICKET_SIGNING_KEYS=None,
                         TICKET_SIGNING_KEYS_FILE=str(garbage)).problems
    assert problem.startswith("TICKET_SIGNING_KEYS_FILE does not parse: ")
    missing = tmp_path / "absent.json"
    (problem,) = refusal(monkeypatch, tmp_path, TICKET_SIGNING_KEYS=None,
                         TICKET_SIGNING_KEYS_FILE=str(missing)).problems
    assert problem.startswith("TICKET_SIGNING_KEYS_FILE cannot be read")
    assert not missing.exists()  # production never mints a key no scanner knows


def test_no_signing_key_at_all_is_refused(monkeypatch, tmp_path):
    (problem,) = refusal(monkeypatch, tmp_path, TICKET_SIGNING_KEYS=None).problems
    assert problem.startswith("TICKET_SIGNING_KEYS (or TICKET_SIGNING_KEYS_FILE) is not set")


@pytest.mark.parametrize("name", DARAJA)
def test_each_missing_daraja_credential_is_refused(monkeypatch, tmp_path, name):
    (problem,) = refusal(monkeypatch, tmp_path, **{name: None}).problems
    assert problem.startswith(f"{name} not set; Daraja credentials are required")


def test_no_daraja_credentials_at_all_name_all_four(monkeypatch, tmp_path):
    (problem,) = refusal(monkeypatch, tmp_path, **dict.fromkeys(DARAJA)).problems
    assert problem.startswith(", ".join(DARAJA) + " not set")


@pytest.mark.parametrize("mpesa_env", [None, "sandbox"])
def test_daraja_sandbox_is_refused(monkeypatch, tmp_path, mpesa_env):
    assert refusal(monkeypatch, tmp_path, MPESA_ENV=mpesa_env).problems == [
        "MPESA_ENV must be 'production'; Daraja's sandbox moves no money"]


def test_no_redis_is_refused(monkeypatch, tmp_path):
    (problem,) = refusal(monkeypatch, tmp_path, REDIS_URL=None).problems
    assert problem.startswith("REDIS_URL is not set")


@pytest.mark.parametrize("name", ["AT_USERNAME", "AT_API_KEY"])
def test_missing_africas_talking_credentials_are_refused(monkeypatch, tmp_path, name):
    (problem,) = refusal(monkeypatch, tmp_path, **{name: None}).problems
    assert problem.startswith(f"{name} not set")


def test_africas_talking_sandbox_username_is_refused(monkeypatch, tmp_path):
    (problem,) = refusal(monkeypatch, tmp_path, AT_USERNAME="sandbox").problems
    assert problem.startswith("AT_USERNAME must not be 'sandbox'")


@pytest.mark.parametrize("url", [None, "sqlite:////srv/safiri.sqlite3"])
def test_sqlite_is_refused(monkeypatch, tmp_path, url):
    assert refusal(monkeypatch, tmp_path, DATABASE_URL=url).problems == [
        "DATABASE_URL must name a PostgreSQL database, not SQLite"]


@pytest.mark.parametrize("url", [None, "http://tickets.example.test"])
def test_a_public_base_url_that_is_not_https_is_refused(monkeypatch, tmp_path, url):
    (problem,) = refusal(monkeypatch, tmp_path, PUBLIC_BASE_URL=url).problems
    assert problem.startswith("PUBLIC_BASE_URL must be this app's public https:// address")


def test_every_problem_is_reported_at_once_one_line_each(monkeypatch, tmp_path):
    # What was deployed in the report: all of it started before.
    error = refusal(monkeypatch, tmp_path, SECRET_KEY="x", CHANNEL_TOKEN="a", TICKET_SIGNING_KEYS="not-a-key",
                    REDIS_URL=None, AT_USERNAME=None, AT_API_KEY=None, **dict.fromkeys(DARAJA))
    lines = error.lines()
    named = ["SECRET_KEY", "CHANNEL_TOKEN", "TICKET_SIGNING_KEYS", "REDIS_URL", "MPESA_CONSUMER_KEY", "AT_USERNAME"]
    assert len(lines) == len(named)
    for line, name in zip(lines, named):
        assert line.startswith(f"refusing to start: {name}") and line.endswith("(APP_ENV=production)")
        assert "\n" not in line


def test_create_app_refuses_too(monkeypatch):
    set_environ(monkeypatch, production_environ(REDIS_URL=None))
    with pytest.raises(ConfigError, match="REDIS_URL"):
        create_app()


def test_production_does_not_mount_dev_pages(monkeypatch):
    set_environ(monkeypatch, production_environ())
    app = create_app()
    assert app.test_client().get("/dev/outbox").status_code == 404


def test_an_unknown_app_env_is_refused(monkeypatch, tmp_path):
    set_environ(monkeypatch, {"APP_ENV": "prod"})
    with pytest.raises(ConfigError) as caught:
        build_config(str(tmp_path))
    assert caught.value.lines() == [
        "refusing to start: APP_ENV must be development, test or production, not 'prod' (APP_ENV=prod)"]


# --- development: links follow where `make run` serves ----------------------------------

@pytest.mark.parametrize(("host", "port", "expected"), [
    (None, None, "http://127.0.0.1:5000"),
    (None, "18600", "http://127.0.0.1:18600"),
    ("0.0.0.0", "18600", "http://127.0.0.1:18600"),
    ("192.168.1.20", "8000", "http://192.168.1.20:8000"),
    ("::1", "8000", "http://[::1]:8000"),
])
def test_development_public_base_url_follows_host_and_port(monkeypatch, tmp_path, host, port, expected):
    set_environ(monkeypatch, {k: v for k, v in {"HOST": host, "PORT": port}.items() if v})
    assert build_config(str(tmp_path))["PUBLIC_BASE_URL"] == expected


def test_development_public_base_url_when_set_wins_over_port(monkeypatch, tmp_path):
    set_environ(monkeypatch, {"PORT": "18600", "PUBLIC_BASE_URL": "https://abc.ngrok.example/"})
    assert build_config(str(tmp_path))["PUBLIC_BASE_URL"] == "https://abc.ngrok.example"


@pytest.mark.parametrize(("name", "value", "word"), [
    ("PUBLIC_BASE_URL", "https://mpesa.safiri.example.test", "mpesa"),
    ("PUBLIC_BASE_URL", "https://tickets.example.test/Safaricom", "safaricom"),
    ("PUBLIC_BASE_URL", "https://SQL-gateway.example.test", "sql"),
    ("PUBLIC_BASE_URL", "https://tickets.example.test/m-pesa", "m-pesa"),
    ("CHANNEL_TOKEN", "k9Xw2CmDq8" + "z" * 30, "cmd"),
    ("CHANNEL_TOKEN", "a" * 20 + "ExEc" + "b" * 20, "exe"),
    ("CHANNEL_TOKEN", "q" * 20 + "QUERY" + "r" * 20, "query"),
])
def test_callback_urls_daraja_refuses_are_refused_naming_the_setting(monkeypatch, tmp_path, name, value, word):
    """Daraja refuses a callback URL holding such a word: every payment would then fail."""
    (problem,) = refusal(monkeypatch, tmp_path, **{name: value}).problems
    assert problem.startswith(f"{name} contains {word!r}"), problem
    assert value not in problem  # a token is never echoed, only the word


def test_a_hex_channel_token_never_holds_a_refused_word(monkeypatch, tmp_path):
    set_environ(monkeypatch, production_environ(CHANNEL_TOKEN="0123456789abcdef" * 4))
    assert build_config(str(tmp_path))["CHANNEL_TOKEN"] == "0123456789abcdef" * 4


def test_half_an_api_initiator_is_refused_and_a_whole_one_starts(monkeypatch, tmp_path):
    """Payouts to M-Pesa (app.payouts) are optional; half-configured they would quietly wait
    for a person, or fail at Daraja one by one."""
    assert refusal(monkeypatch, tmp_path, MPESA_INITIATOR_NAME="safiri.api", MPESA_B2C_SHORTCODE="600980").problems \
        == ["MPESA_SECURITY_CREDENTIAL (or MPESA_INITIATOR_PASSWORD with MPESA_CERT_FILE) is not set"]
    assert refusal(monkeypatch, tmp_path, MPESA_SECURITY_CREDENTIAL="abc=").problems == [
        "MPESA_INITIATOR_NAME is not set, but other MPESA_INITIATOR settings are"]
    assert refusal(monkeypatch, tmp_path, MPESA_INITIATOR_NAME="safiri.api", MPESA_SECURITY_CREDENTIAL="abc=").problems \
        == ["MPESA_B2C_SHORTCODE is not set; B2C payouts need the shortcode they are paid from"]
    junk = tmp_path / "junk.cer"
    junk.write_text("not a certificate")
    (problem,) = refusal(monkeypatch, tmp_path, MPESA_INITIATOR_NAME="safiri.api", MPESA_B2C_SHORTCODE="600980",
                         MPESA_INITIATOR_PASSWORD="secret-password", MPESA_CERT_FILE=str(junk)).problems
    assert problem.startswith("MPESA_CERT_FILE is not a readable X.509") and "secret-password" not in problem
    set_environ(monkeypatch, production_environ(MPESA_INITIATOR_NAME="safiri.api", MPESA_B2C_SHORTCODE="600980",
                                                MPESA_SECURITY_CREDENTIAL="abc="))
    assert build_config(str(tmp_path))["MPESA_INITIATOR_NAME"] == "safiri.api"
