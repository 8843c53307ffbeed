"""insight handover counts: the handover panels of neighbourhood insight read kept counts
too (answers, decline reasons, lead times with their spans' histograms, escalations),
filled from the rows already there; on PostgreSQL an index on each span, from which the
percentiles read the spans of one bucket

Revision ID: d4f6a8b10023
Revises: b2d4f6a80023
Create Date: 2026-12-09 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4f6a8b10023'
down_revision = 'b2d4f6a80023'
branch_labels = None
depends_on = None

# The spans as `app.insight.queries` writes them (lead_time_seconds, answer_seconds), with
# the moments they are worked out from (and the offer's) included: read from the index alone.
ANSWERED = '(EXTRACT(epoch FROM coalesce(accepted_at, declined_at) - offered_at))'
ANSWER_MOMENTS = 'offered_at, accepted_at, declined_at'
INDEXES = {  # name -> (the index's columns, the columns included)
    'ix_handovers_offer_to_accept':
        ('(EXTRACT(epoch FROM accepted_at - offered_at))', 'offered_at, accepted_at'),
    'ix_handovers_accept_to_intro':
        ('(EXTRACT(epoch FROM intro_held_at - accepted_at))',
         'offered_at, accepted_at, intro_held_at'),
    'ix_handovers_intro_to_completed':
        ('(EXTRACT(epoch FROM completed_at - intro_held_at))',
         'offered_at, intro_held_at, completed_at'),
    'ix_handovers_offer_to_completed':
        ('(EXTRACT(epoch FROM completed_at - offered_at))', 'offered_at, completed_at'),
    'ix_handovers_first_answer': (ANSWERED, ANSWER_MOMENTS),
    'ix_handovers_organization_first_answer': (f'organization_id, {ANSWERED}', ANSWER_MOMENTS),
}


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, (columns, included) in INDEXES.items():
            op.execute(f'CREATE INDEX {name} ON handovers ({columns}) INCLUDE ({included})')
    # The counts of what is there, as `flask insight reconcile --repair` would set them.
    from app.insight.counts import recount

    recount(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name in INDEXES:
            op.execute(f'DROP INDEX {name}')
    from sqlalchemy import text

    op.execute(text("DELETE FROM insight_counts WHERE measure IN ('handover', 'declined', "
                    "'lead', 'lead_days', 'answer_days', 'escalation')"))
