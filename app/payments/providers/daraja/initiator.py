"""The API initiator: who signs B2C, reversal and transaction-status requests.

Why apart from the OAuth credentials: these APIs move money *out*, so Daraja wants a second
identity on top of the app's consumer key, an ``InitiatorName`` and a ``SecurityCredential``:
the initiator's password RSA-encrypted (PKCS#1 v1.5) under Safaricom's X.509 certificate,
base64. The Org Portal can hand out that credential ready-made (``MPESA_SECURITY_CREDENTIAL``);
otherwise it is computed here from ``MPESA_INITIATOR_PASSWORD`` and the certificate file
(``MPESA_CERT_FILE``). PKCS#1 v1.5 padding is random, so each computation gives another
string; Daraja accepts any of them, and we compute it once per client.

Never logged, never in ``repr``: the credential stands for the password.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class InitiatorConfigError(ValueError):
    """The initiator settings are incomplete or the certificate cannot be used (names the setting)."""


def encrypt_password(password: str, certificate_pem: bytes) -> str:
    """base64(RSA-PKCS#1-v1.5(password)) under the certificate's public key, as Daraja wants.

    Safaricom's certificates come PEM-encoded (``.cer``); a DER file is accepted too.
    """
    if not password:
        raise InitiatorConfigError("MPESA_INITIATOR_PASSWORD is empty")
    try:
        if b"-----BEGIN" in certificate_pem:
            cert = x509.load_pem_x509_certificate(certificate_pem)
        else:
            cert = x509.load_der_x509_certificate(certificate_pem)
    except ValueError as exc:
        raise InitiatorConfigError(f"MPESA_CERT_FILE is not an X.509 certificate ({exc})") from None
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise InitiatorConfigError("MPESA_CERT_FILE does not hold an RSA public key")
    encrypted = key.encrypt(password.encode("utf-8"), padding.PKCS1v15())
    return base64.b64encode(encrypted).decode("ascii")


@dataclass(frozen=True)
class Initiator:
    """The initiator's name and ready SecurityCredential, and the shortcodes it acts for.

    ``b2c_shortcode`` pays customers (B2C's ``PartyA``); ``shortcode`` is the Paybill that
    received the payments a reversal or a status check is about.
    """

    name: str
    credential: str = field(repr=False)
    b2c_shortcode: str
    shortcode: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Initiator | None:
        """The initiator of ``MPESA_INITIATOR_NAME`` (None when unset: payouts stay for a person).

        Raises ``InitiatorConfigError`` naming the setting when a name is given without a way
        to get its credential, or when the certificate cannot be read.
        """
        name = (settings.get("MPESA_INITIATOR_NAME") or "").strip()
        if not name:
            return None
        credential = (settings.get("MPESA_SECURITY_CREDENTIAL") or "").strip()
        if not credential:
            password = settings.get("MPESA_INITIATOR_PASSWORD") or ""
            cert_file = settings.get("MPESA_CERT_FILE") or ""
            if not password or not cert_file:
                raise InitiatorConfigError(
                    "MPESA_INITIATOR_NAME needs MPESA_SECURITY_CREDENTIAL, or MPESA_INITIATOR_PASSWORD "
                    "with MPESA_CERT_FILE")
            try:
                pem = Path(cert_file).read_bytes()
            except OSError as exc:
                raise InitiatorConfigError(f"MPESA_CERT_FILE cannot be read ({exc.strerror})") from None
            credential = encrypt_password(password, pem)
        b2c = str(settings.get("MPESA_B2C_SHORTCODE") or settings.get("MPESA_SHORTCODE") or "").strip()
        if not b2c:
            raise InitiatorConfigError("MPESA_INITIATOR_NAME needs MPESA_B2C_SHORTCODE")
        return cls(name=name, credential=credential, b2c_shortcode=b2c,
                   shortcode=str(settings.get("MPESA_SHORTCODE") or b2c).strip())


def initiator_configured(settings: Mapping[str, Any]) -> bool:
    """Can this app pay out through Daraja (consumer key and secret plus an initiator name)?"""
    return bool(settings.get("MPESA_CONSUMER_KEY") and settings.get("MPESA_CONSUMER_SECRET")
                and (settings.get("MPESA_INITIATOR_NAME") or "").strip())
