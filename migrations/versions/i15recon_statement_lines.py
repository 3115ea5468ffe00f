"""Reconciliation: carriers' M-Pesa shortcodes, statement imports and their lines (one per receipt).

Revision ID: i15recon_01
Revises: i14web_01
Create Date: 2026-12-07 15:23:18.173390

"""
from alembic import op
import sqlalchemy as sa

import app.database  # custom column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'i15recon_01'
down_revision = 'i14web_01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mpesa_shortcodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('shortcode', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('store_name', sa.String(length=120), nullable=True),
    sa.Column('pull_transactions', sa.Boolean(), nullable=False),
    sa.Column('pulled_until', app.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'paybill' OR NOT pull_transactions", name=op.f('ck_mpesa_shortcodes_pull_paybill_only')),
    sa.CheckConstraint("kind IN ('paybill', 'till')", name=op.f('ck_mpesa_shortcodes_kind')),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_mpesa_shortcodes_carrier_id_carriers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mpesa_shortcodes')),
    sa.UniqueConstraint('shortcode', name=op.f('uq_mpesa_shortcodes_shortcode'))
    )
    with op.batch_alter_table('mpesa_shortcodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mpesa_shortcodes_carrier_id'), ['carrier_id'], unique=False)

    op.create_table('statement_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('shortcode_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('layout', sa.String(length=8), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('period_start', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lines_in_file', sa.Integer(), nullable=False),
    sa.Column('lines_added', sa.Integer(), nullable=False),
    sa.Column('created_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_statement_imports_carrier_id_carriers')),
    sa.ForeignKeyConstraint(['shortcode_id'], ['mpesa_shortcodes.id'], name=op.f('fk_statement_imports_shortcode_id_mpesa_shortcodes')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_statement_imports_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_imports'))
    )
    with op.batch_alter_table('statement_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_imports_carrier_id'), ['carrier_id'], unique=False)

    op.create_table('statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shortcode_id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('completed_at', app.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('description', sa.String(length=80), nullable=True),
    sa.Column('account_reference', sa.String(length=40), nullable=True),
    sa.Column('payer_masked', sa.String(length=20), nullable=True),
    sa.Column('linked_receipt', sa.String(length=20), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sa.String(length=20), nullable=True),
    sa.CheckConstraint("kind IN ('payment', 'charge', 'sweep', 'other')", name=op.f('ck_statement_lines_kind')),
    sa.CheckConstraint("matched_by IS NULL OR matched_by IN ('receipt', 'amount_payer_time')", name=op.f('ck_statement_lines_matched_by')),
    sa.CheckConstraint('(payment_id IS NULL) = (matched_by IS NULL)', name=op.f('ck_statement_lines_match_has_method')),
    sa.ForeignKeyConstraint(['import_id'], ['statement_imports.id'], name=op.f('fk_statement_lines_import_id_statement_imports')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_statement_lines_payment_id_payments')),
    sa.ForeignKeyConstraint(['shortcode_id'], ['mpesa_shortcodes.id'], name=op.f('fk_statement_lines_shortcode_id_mpesa_shortcodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_lines')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_statement_lines_payment_id')),
    sa.UniqueConstraint('shortcode_id', 'receipt', name=op.f('uq_statement_lines_shortcode_id_receipt'))
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_import_id'), ['import_id'], unique=False)
        batch_op.create_index('ix_statement_lines_shortcode_completed', ['shortcode_id', 'completed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_lines_shortcode_completed')
        batch_op.drop_index(batch_op.f('ix_statement_lines_import_id'))

    op.drop_table('statement_lines')
    with op.batch_alter_table('statement_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_imports_carrier_id'))

    op.drop_table('statement_imports')
    with op.batch_alter_table('mpesa_shortcodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mpesa_shortcodes_carrier_id'))

    op.drop_table('mpesa_shortcodes')
