"""Initial schema: every table of handoff/storage/schema.py as of issue 8.

Revision ID: 0001
Revises:
Create Date: 2026-11-30

Written as autogenerate renders it, with one addition: each table is created only when absent.
On a new database nothing is present, so this is plain ``create_table``; a database made by
``metadata.create_all`` before migrations existed, from an older schema.py that lacked some of
these tables, gains exactly the missing ones (what create_all did at every start) and is then
recorded at 0001 like any other.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())  # empty on a new database
    if 'announcements' not in existing:
        op.create_table('announcements',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('kb_id', sa.String(length=64), nullable=False),
            sa.Column('revision', sa.Integer(), nullable=False),
            sa.Column('title', sa.String(length=200), nullable=False),
            sa.Column('body', sa.Text(), nullable=False),
            sa.Column('created_by', sa.String(length=64), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint('id')
        )
    if 'conversations' not in existing:
        op.create_table('conversations',
            sa.Column('id', sa.String(length=40), nullable=False),
            sa.Column('token_hash', sa.String(length=64), nullable=False),
            sa.Column('state', sa.String(length=16), nullable=False),
            sa.Column('channel', sa.String(length=16), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.Column('updated_at', sa.Float(), nullable=False),
            sa.Column('queued_at', sa.Float(), nullable=True),
            sa.Column('front_of_queue', sa.Boolean(), nullable=False),
            sa.Column('assigned_at', sa.Float(), nullable=True),
            sa.Column('closed_at', sa.Float(), nullable=True),
            sa.Column('agent', sa.String(length=64), nullable=True),
            sa.Column('outcome', sa.String(length=24), nullable=True),
            sa.Column('last_intent', sa.String(length=64), nullable=True),
            sa.Column('dialogue', sa.Text(), nullable=False),
            sa.Column('citizen_turns', sa.Integer(), nullable=False),
            sa.Column('bot_turns', sa.Integer(), nullable=False),
            sa.Column('agent_turns', sa.Integer(), nullable=False),
            sa.Column('answered_turns', sa.Integer(), nullable=False),
            sa.Column('wait_seconds', sa.Float(), nullable=True),
            sa.Column('survey_score', sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint('id')
        )
    if 'users' not in existing:
        op.create_table('users',
            sa.Column('username', sa.String(length=64), nullable=False),
            sa.Column('password_hash', sa.String(length=100), nullable=False),
            sa.Column('role', sa.String(length=16), nullable=False),
            sa.Column('display_name', sa.String(length=100), nullable=True),
            sa.Column('capacity', sa.Integer(), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint('username')
        )
    if 'agency_members' not in existing:
        op.create_table('agency_members',
            sa.Column('username', sa.String(length=64), nullable=False),
            sa.Column('agency', sa.String(length=100), nullable=False),
            sa.ForeignKeyConstraint(['username'], ['users.username'], ),
            sa.PrimaryKeyConstraint('username')
        )
        op.create_index(op.f('ix_agency_members_agency'), 'agency_members', ['agency'], unique=False)
    if 'announcement_acks' not in existing:
        op.create_table('announcement_acks',
            sa.Column('announcement_id', sa.Integer(), nullable=False),
            sa.Column('username', sa.String(length=64), nullable=False),
            sa.Column('acked_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], ),
            sa.ForeignKeyConstraint(['username'], ['users.username'], ),
            sa.PrimaryKeyConstraint('announcement_id', 'username')
        )
    if 'auth_tokens' not in existing:
        op.create_table('auth_tokens',
            sa.Column('token_hash', sa.String(length=64), nullable=False),
            sa.Column('username', sa.String(length=64), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.Column('expires_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['username'], ['users.username'], ),
            sa.PrimaryKeyConstraint('token_hash')
        )
    if 'callbacks' not in existing:
        op.create_table('callbacks',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('phone', sa.String(length=40), nullable=False),
            sa.Column('question', sa.Text(), nullable=False),
            sa.Column('consent', sa.Boolean(), nullable=False),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
    if 'feedback' not in existing:
        op.create_table('feedback',
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('seq', sa.Integer(), nullable=False),
            sa.Column('helpful', sa.Boolean(), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.UniqueConstraint('conversation_id', 'seq')
        )
    if 'messages' not in existing:
        op.create_table('messages',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('seq', sa.Integer(), nullable=False),
            sa.Column('sender', sa.String(length=16), nullable=False),
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('kind', sa.String(length=24), nullable=True),
            sa.Column('payload', sa.Text(), nullable=True),
            sa.Column('agent', sa.String(length=64), nullable=True),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('conversation_id', 'seq')
        )
        op.create_index(op.f('ix_messages_conversation_id'), 'messages', ['conversation_id'], unique=False)
    if 'quality_reviews' not in existing:
        op.create_table('quality_reviews',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('agent', sa.String(length=64), nullable=False),
            sa.Column('reviewer', sa.String(length=64), nullable=False),
            sa.Column('greeting', sa.Boolean(), nullable=False),
            sa.Column('confirmed_need', sa.Boolean(), nullable=False),
            sa.Column('anything_else', sa.Boolean(), nullable=False),
            sa.Column('thanks', sa.Boolean(), nullable=False),
            sa.Column('correct_answer', sa.Boolean(), nullable=False),
            sa.Column('score', sa.Integer(), nullable=False),
            sa.Column('comment', sa.Text(), nullable=True),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('conversation_id')
        )
        op.create_index(op.f('ix_quality_reviews_agent'), 'quality_reviews', ['agent'], unique=False)
    if 'surveys' not in existing:
        op.create_table('surveys',
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('score', sa.Integer(), nullable=False),
            sa.Column('comment', sa.Text(), nullable=True),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('conversation_id')
        )
    if 'turns' not in existing:
        op.create_table('turns',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('citizen_seq', sa.Integer(), nullable=False),
            sa.Column('reply_seq', sa.Integer(), nullable=True),
            sa.Column('text_masked', sa.Text(), nullable=False),
            sa.Column('intent', sa.String(length=64), nullable=True),
            sa.Column('confidence', sa.Float(), nullable=True),
            sa.Column('ranking', sa.Text(), nullable=True),
            sa.Column('fallback_reason', sa.String(length=24), nullable=True),
            sa.Column('question', sa.Boolean(), nullable=False),
            sa.Column('answered', sa.Boolean(), nullable=False),
            sa.Column('miss', sa.Boolean(), nullable=False),
            sa.Column('miss_reason', sa.String(length=24), nullable=True),
            sa.Column('suggested_label', sa.String(length=64), nullable=True),
            sa.Column('label_source', sa.String(length=24), nullable=True),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('label', sa.String(length=64), nullable=True),
            sa.Column('model_version', sa.String(length=40), nullable=True),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_turns_conversation_id'), 'turns', ['conversation_id'], unique=False)
        op.create_index(op.f('ix_turns_miss'), 'turns', ['miss'], unique=False)
    if 'wrapups' not in existing:
        op.create_table('wrapups',
            sa.Column('conversation_id', sa.String(length=40), nullable=False),
            sa.Column('agent', sa.String(length=64), nullable=False),
            sa.Column('category', sa.String(length=100), nullable=True),
            sa.Column('summary', sa.Text(), nullable=True),
            sa.Column('case_needed', sa.Boolean(), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('conversation_id')
        )
    if 'cases' not in existing:
        op.create_table('cases',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('number', sa.String(length=24), nullable=False),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('urgency', sa.String(length=8), nullable=False),
            sa.Column('conversation_id', sa.String(length=40), nullable=True),
            sa.Column('callback_id', sa.Integer(), nullable=True),
            sa.Column('receiver', sa.String(length=64), nullable=False),
            sa.Column('received_at', sa.Float(), nullable=False),
            sa.Column('citizen_name', sa.String(length=100), nullable=False),
            sa.Column('citizen_contact', sa.String(length=100), nullable=False),
            sa.Column('consent', sa.Boolean(), nullable=False),
            sa.Column('summary', sa.Text(), nullable=False),
            sa.Column('category', sa.String(length=100), nullable=True),
            sa.Column('agency', sa.String(length=100), nullable=False),
            sa.Column('approved_by', sa.String(length=64), nullable=True),
            sa.Column('approved_at', sa.Float(), nullable=True),
            sa.Column('dispatched_at', sa.Float(), nullable=True),
            sa.Column('accepted_by', sa.String(length=64), nullable=True),
            sa.Column('accepted_at', sa.Float(), nullable=True),
            sa.Column('reply_due_at', sa.Float(), nullable=True),
            sa.Column('resolve_due_at', sa.Float(), nullable=True),
            sa.Column('replied_at', sa.Float(), nullable=True),
            sa.Column('reply_text', sa.Text(), nullable=True),
            sa.Column('closed_by', sa.String(length=64), nullable=True),
            sa.Column('closed_at', sa.Float(), nullable=True),
            sa.Column('general_answer', sa.Boolean(), nullable=False),
            sa.Column('kb_draft_id', sa.String(length=64), nullable=True),
            sa.Column('reminders', sa.Integer(), nullable=False),
            sa.Column('escalated_at', sa.Float(), nullable=True),
            sa.Column('return_reason', sa.Text(), nullable=True),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.Column('updated_at', sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], ),
            sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('number')
        )
        op.create_index(op.f('ix_cases_agency'), 'cases', ['agency'], unique=False)
        op.create_index(op.f('ix_cases_status'), 'cases', ['status'], unique=False)
    if 'case_events' not in existing:
        op.create_table('case_events',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('case_id', sa.Integer(), nullable=False),
            sa.Column('at', sa.Float(), nullable=False),
            sa.Column('actor', sa.String(length=64), nullable=False),
            sa.Column('action', sa.String(length=24), nullable=False),
            sa.Column('note', sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_case_events_case_id'), 'case_events', ['case_id'], unique=False)
    if 'notifications' not in existing:
        op.create_table('notifications',
            sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
            sa.Column('username', sa.String(length=64), nullable=False),
            sa.Column('case_id', sa.Integer(), nullable=True),
            sa.Column('kind', sa.String(length=24), nullable=False),
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('created_at', sa.Float(), nullable=False),
            sa.Column('read_at', sa.Float(), nullable=True),
            sa.Column('emailed_at', sa.Float(), nullable=True),
            sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
            sa.ForeignKeyConstraint(['username'], ['users.username'], ),
            sa.PrimaryKeyConstraint('id')
        )
        op.create_index(op.f('ix_notifications_username'), 'notifications', ['username'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notifications_username'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_case_events_case_id'), table_name='case_events')
    op.drop_table('case_events')
    op.drop_index(op.f('ix_cases_status'), table_name='cases')
    op.drop_index(op.f('ix_cases_agency'), table_name='cases')
    op.drop_table('cases')
    op.drop_table('wrapups')
    op.drop_index(op.f('ix_turns_miss'), table_name='turns')
    op.drop_index(op.f('ix_turns_conversation_id'), table_name='turns')
    op.drop_table('turns')
    op.drop_table('surveys')
    op.drop_index(op.f('ix_quality_reviews_agent'), table_name='quality_reviews')
    op.drop_table('quality_reviews')
    op.drop_index(op.f('ix_messages_conversation_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_table('feedback')
    op.drop_table('callbacks')
    op.drop_table('auth_tokens')
    op.drop_table('announcement_acks')
    op.drop_index(op.f('ix_agency_members_agency'), table_name='agency_members')
    op.drop_table('agency_members')
    op.drop_table('users')
    op.drop_table('conversations')
    op.drop_table('announcements')
