"""each household's latest answers at the door

Revision ID: 9c0f0c0d0009
Revises: 8b0f0c0d0008
Create Date: 2026-11-25 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c0f0c0d0009'
down_revision = '8b0f0c0d0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('latest_answers',
    sa.Column('dwelling_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.String(length=100), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_latest_answers_building_id_buildings')),
    sa.ForeignKeyConstraint(['dwelling_id'], ['dwellings.id'], name=op.f('fk_latest_answers_dwelling_id_dwellings')),
    sa.PrimaryKeyConstraint('dwelling_id', 'question', 'answer', name=op.f('pk_latest_answers'))
    )
    with op.batch_alter_table('latest_answers', schema=None) as batch_op:
        batch_op.create_index('ix_latest_answers_building_id', ['building_id', 'question', 'answer'], unique=False)

    # Conversations recorded before: each dwelling's latest visit where someone talked (by
    # time, then id) and the themes, offers, wishes and willingness it named.
    elements = ('json_array_elements_text({}) AS e(value)'
                if op.get_bind().dialect.name == 'postgresql' else 'json_each({}) AS e')
    lists = ' UNION '.join(
        f"SELECT latest.dwelling_id, latest.building_id, '{question}', e.value FROM latest, "
        f"{elements.format('latest.' + question)} WHERE e.value IS NOT NULL"
        for question in ('themes', 'offers', 'wishes'))
    op.execute(
        "INSERT INTO latest_answers (dwelling_id, building_id, question, answer) "
        "WITH latest AS (SELECT v.dwelling_id, d.building_id, v.themes, v.offers, v.wishes, "
        "v.willingness FROM visits v JOIN dwellings d ON d.id = v.dwelling_id "
        "WHERE v.outcome = 'talked' AND NOT EXISTS ("
        "SELECT 1 FROM visits later WHERE later.dwelling_id = v.dwelling_id "
        "AND later.outcome = 'talked' AND (later.visited_at > v.visited_at "
        "OR (later.visited_at = v.visited_at AND later.id > v.id)))) "
        f"{lists} UNION SELECT latest.dwelling_id, latest.building_id, 'willingness', "
        "CAST(latest.willingness AS VARCHAR(100)) FROM latest "
        "WHERE latest.willingness IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('latest_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_latest_answers_building_id')

    op.drop_table('latest_answers')
