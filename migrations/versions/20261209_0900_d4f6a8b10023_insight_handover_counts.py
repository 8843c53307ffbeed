"""insight handover counts: the handover panels of neighbourhood insight read kept counts
too (answers, decline reasons, lead times with their spans' histograms, escalations),
filled from the rows already there; on PostgreSQL an index on each span, from which the
percentiles read the spans of one bucket; the counts' key begins with the measure and
period

Revision ID: d4f6a8b10023
Revises: c3e5f7a90022
Create Date: 2026-12-09 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4f6a8b10023'
down_revision = 'c3e5f7a90022'
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
KEY = ['building_id', 'measure', 'period', 'category', 'detail']
VIEWED_KEY = ['measure', 'period', 'building_id', 'category', 'detail']


def _key(columns):
    """The counts' primary key on these columns in this order."""
    with op.batch_alter_table('insight_counts') as batch:
        batch.drop_constraint('pk_insight_counts', type_='primary')
        batch.create_primary_key('pk_insight_counts', columns)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, (columns, included) in INDEXES.items():
            op.execute(f'CREATE INDEX {name} ON handovers ({columns}) INCLUDE ({included})')
    # The key begins with the measure and period every view asks for, then the building.
    _key(VIEWED_KEY)
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
    _key(KEY)
