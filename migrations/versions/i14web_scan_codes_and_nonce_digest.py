"""ticket_scans.code (the verdict code, app.ticketing.verdicts) and ticket_scans.request_digest
(what a (device_id, nonce) was used for, so reusing it for another ticket is refused)

Existing rows get their code from their result, the finer "invalid" cases from the English
reason they were stored with (the last time anything reads those sentences); their
request_digest stays NULL and they replay as before.

Revision ID: i14web_01
Revises: i14money_01
"""
from alembic import op
import sqlalchemy as sa

revision = "i14web_01"
down_revision = "i14money_01"
branch_labels = None
depends_on = None

CODES = (
    "valid", "already_used", "wrong_trip", "foreign_ticket", "not_yet_valid", "expired", "cancelled",
    "refunded", "unpaid", "booking_unpaid", "forged", "unknown_key", "not_a_ticket", "unreadable",
    "no_such_ticket", "unknown_code", "booking_code", "code_typo", "code_length",
)
# (reason prefix, code) for the result "invalid", as scanning worded them before codes.
_INVALID = (
    ("Forged", "forged"), ("Ticket signed by a key", "unknown_key"), ("Not a Safiri", "not_a_ticket"),
    ("Genuine code", "no_such_ticket"), ("No ticket has code", "unknown_code"),
    ("That is a booking code", "booking_code"), ("Mistyped code? It fails", "code_typo"),
    ("Mistyped code? A ticket code", "code_length"),
)


def upgrade():
    with op.batch_alter_table("ticket_scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
    scans = sa.table("ticket_scans", sa.column("result", sa.String), sa.column("code", sa.String),
                     sa.column("reason", sa.String), sa.column("ticket_id", sa.Integer))
    op.execute(scans.update().where(scans.c.result == "invalid").values(code="unreadable"))
    for prefix, code in _INVALID:
        op.execute(scans.update().where(scans.c.result == "invalid", scans.c.reason.startswith(prefix))
                   .values(code=code))
    op.execute(scans.update().where(scans.c.result == "wrong_trip", scans.c.ticket_id.is_(None))
               .values(code="foreign_ticket"))
    op.execute(scans.update().where(scans.c.result == "unpaid", scans.c.ticket_id.is_(None))
               .values(code="booking_unpaid"))
    op.execute(scans.update().where(scans.c.code.is_(None)).values(code=scans.c.result))
    codes = ", ".join(f"'{code}'" for code in CODES)
    with op.batch_alter_table("ticket_scans", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(length=24), nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_ticket_scans_code"), f"code IN ({codes})")


def downgrade():
    with op.batch_alter_table("ticket_scans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ticket_scans_code"), type_="check")
        batch_op.drop_column("request_digest")
        batch_op.drop_column("code")
