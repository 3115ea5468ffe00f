"""A carrier's M-Pesa shortcodes, and the statement lines imported from them.

Why the database holds the rules: a statement line is stored once per (shortcode, receipt)
(a unique constraint), so re-uploading a statement, or one that overlaps it, can never add
a line twice, even when two uploads race; and a payment is matched by at most one line
(unique ``payment_id``), so no payment is ever counted as received twice. Lines keep no
personal data beyond a masked payer: names and full numbers stay in the uploaded file.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import TimestampMixin, utcnow
from app.extensions import db

SHORTCODE_KINDS = ("paybill", "till")
LINE_KINDS = ("payment", "charge", "sweep", "other")
MATCHED_BY = ("receipt", "amount_payer_time")


class MpesaShortcode(TimestampMixin, db.Model):
    """A Paybill or Till number that belongs to one carrier (platform admins register it).

    ``pull_transactions``: Daraja's Pull Transactions API is registered for it, so the
    scheduled pull (``app.reconciliation.pulling``) asks for its C2B payments;
    ``pulled_until`` is where the last complete pull ended. ``store_name`` identifies a
    Till's export, which names its store but not its number.
    """

    __tablename__ = "mpesa_shortcodes"
    __table_args__ = (
        CheckConstraint("kind IN ('paybill', 'till')", name="kind"),
        CheckConstraint("kind = 'paybill' OR NOT pull_transactions", name="pull_paybill_only"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    shortcode: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    store_name: Mapped[str | None] = mapped_column(String(120))
    pull_transactions: Mapped[bool] = mapped_column(default=False)
    pulled_until: Mapped[datetime | None]


class StatementImport(db.Model):
    """One upload that added lines (an upload that adds nothing leaves no row: it changed nothing)."""

    __tablename__ = "statement_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    shortcode_id: Mapped[int] = mapped_column(ForeignKey("mpesa_shortcodes.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    layout: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    lines_in_file: Mapped[int]
    lines_added: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatementLine(db.Model):
    """One completed row of a statement: money in (``amount`` > 0) or out (< 0), in minor units.

    ``payment_id``/``matched_by``: the payment here it was matched to, by its receipt or
    (Till rows without one here) by amount, payer and time.
    """

    __tablename__ = "statement_lines"
    __table_args__ = (
        UniqueConstraint("shortcode_id", "receipt"),
        UniqueConstraint("payment_id"),
        CheckConstraint("kind IN ('payment', 'charge', 'sweep', 'other')", name="kind"),
        CheckConstraint("matched_by IS NULL OR matched_by IN ('receipt', 'amount_payer_time')", name="matched_by"),
        CheckConstraint("(payment_id IS NULL) = (matched_by IS NULL)", name="match_has_method"),
        Index("ix_statement_lines_shortcode_completed", "shortcode_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcode_id: Mapped[int] = mapped_column(ForeignKey("mpesa_shortcodes.id"))
    import_id: Mapped[int] = mapped_column(ForeignKey("statement_imports.id"), index=True)
    receipt: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(8))
    completed_at: Mapped[datetime]
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(String(80))  # Reason Type / TRANSACTION_TYPE
    account_reference: Mapped[str | None] = mapped_column(String(40))  # as the customer typed it
    payer_masked: Mapped[str | None] = mapped_column(String(20))
    linked_receipt: Mapped[str | None] = mapped_column(String(20))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    matched_by: Mapped[str | None] = mapped_column(String(20))
