"""Shared helpers of the payout tests: a self-made initiator certificate, the settings of an
app with a Daraja API initiator, and the mocked Daraja answers (``responses`` + fixtures)."""
from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timedelta, timezone

import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app.extensions import db
from app.payouts.models import Payout
from tests.factories import make_user
from tests.fixtures import load_fixture
from tests.payments.helpers import DARAJA, DARAJA_CONFIG

INITIATOR_CONFIG = dict(DARAJA_CONFIG, MPESA_INITIATOR_NAME="safiri.api", MPESA_SECURITY_CREDENTIAL="c3VwZXItc2VjcmV0",
                        MPESA_B2C_SHORTCODE="600980")
B2C_URL = f"{DARAJA}/mpesa/b2c/v3/paymentrequest"
REVERSAL_URL = f"{DARAJA}/mpesa/reversal/v1/request"
STATUS_URL = f"{DARAJA}/mpesa/transactionstatus/v1/query"


def make_certificate(tmp_path) -> tuple[str, rsa.RSAPrivateKey]:
    """A self-signed RSA certificate standing for Safaricom's; returns (path, private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test.safaricom.example")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    path = tmp_path / "daraja.cer"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path), key


def decrypt_credential(credential: str, key: rsa.RSAPrivateKey) -> str:
    return key.decrypt(base64.b64decode(credential), padding.PKCS1v15()).decode()


def mock_oauth(rsps) -> None:
    rsps.add(responses.GET, f"{DARAJA}/oauth/v1/generate", json=load_fixture("mpesa/oauth_response.json"))


def accept_b2c(rsps, originator_id: str | None = None, conversation: str = "AG_20261201_2010325b025970fbc403"):
    """Daraja accepts a B2C request (the fixture answer, echoing the key we sent)."""
    def answer(request):
        sent = json.loads(request.body)
        body = dict(load_fixture("mpesa/b2c_response.json"), ConversationID=conversation,
                    OriginatorConversationID=originator_id or sent["OriginatorConversationID"])
        return 200, {}, json.dumps(body)

    rsps.add_callback(responses.POST, B2C_URL, callback=answer, content_type="application/json")


def accepted(conversation: str, originator: str = "8521-4298025-1") -> dict:
    return {"ConversationID": conversation, "OriginatorConversationID": originator, "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully."}


def sent_bodies(rsps, url: str) -> list[dict]:
    return [json.loads(call.request.body) for call in rsps.calls if call.request.url.split("?")[0] == url]


def b2c_result(originator_id: str, *, success: bool = True, amount_kes: int | None = None, receipt: str = "SL1CX8KQ2P",
               phone: str = "254711000111") -> dict:
    """The fixture B2C result, about our request ``originator_id``."""
    body = copy.deepcopy(load_fixture(f"mpesa/b2c_result_{'success' if success else 'failed'}.json"))
    body["Result"]["OriginatorConversationID"] = originator_id
    if success:
        body["Result"]["TransactionID"] = receipt
        for item in body["Result"]["ResultParameters"]["ResultParameter"]:
            if item["Key"] == "TransactionAmount" and amount_kes is not None:
                item["Value"] = amount_kes
            if item["Key"] == "TransactionReceipt":
                item["Value"] = receipt
            if item["Key"] == "ReceiverPartyPublicName":
                item["Value"] = f"{phone} - JANE WANJIKU"
    return body


def payout_of(**criteria) -> Payout:
    db.session.expire_all()
    query = select(Payout).order_by(Payout.id.desc())
    for name, value in criteria.items():
        query = query.where(getattr(Payout, name) == value)
    return db.session.scalars(query).first()


def platform_admin():
    user = make_user("platform_admin", phone="+254700000009", name="Pat Platform")
    db.session.commit()
    return user
