"""The daily e-mail digest: one message per user with unread notifications, saying how many
there are and where to read them — never what they are about, so no resident is named in
anyone's mailbox. Off unless SMTP_HOST is set; sent by `workflows tick` (cron, or the timers
that run with requests), at most once a day per user.

A message is sent before its notifications are marked as e-mailed: a failure to send leaves
them for the next run; a failure after sending may send the digest twice, never lose it."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, ngettext
from sqlalchemy import func, select, update

from app.auth.models import User
from app.db import db
from app.notifications.models import Notification

DIGEST_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class Digest:
    user_id: int
    email: str
    count: int


def due_digests(now: datetime) -> list[Digest]:
    """Users with unread notifications not yet e-mailed, whose last digest is a day old."""
    last_sent = (select(Notification.user_id, func.max(Notification.emailed_at).label("last"))
                 .group_by(Notification.user_id).subquery())
    rows = db.session.execute(
        select(User.id, User.email, func.count(Notification.id))
        .join(Notification, Notification.user_id == User.id)
        .outerjoin(last_sent, last_sent.c.user_id == User.id)
        .where(User.active.is_(True), User.email.is_not(None), Notification.read_at.is_(None),
               Notification.emailed_at.is_(None),
               (last_sent.c.last.is_(None)) | (last_sent.c.last <= now - DIGEST_INTERVAL))
        .group_by(User.id, User.email).order_by(User.id)).all()
    return [Digest(user_id, email, count) for user_id, email, count in rows]


def message_for(digest: Digest) -> EmailMessage:
    config = current_app.config
    link = f"{config['PUBLIC_URL'].rstrip('/')}/notifications"
    with force_locale(config.get("BABEL_DEFAULT_LOCALE", "nl")):
        subject = ngettext("%(num)d new notification in Buurtpad",
                           "%(num)d new notifications in Buurtpad", digest.count)
        body = ngettext("You have %(num)d new notification in Buurtpad. Read it at %(link)s",
                        "You have %(num)d new notifications in Buurtpad. Read them at %(link)s",
                        digest.count, link=link)
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = digest.email
    message["Subject"] = subject
    message.set_content(body + "\n")
    return message


def send_digests(now: datetime) -> int:
    """Send the digests that are due; returns how many were sent. Commits per user."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return 0
    digests = due_digests(now)
    if not digests:
        return 0
    sent = 0
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        for digest in digests:
            smtp.send_message(message_for(digest))
            db.session.execute(
                update(Notification)
                .where(Notification.user_id == digest.user_id, Notification.read_at.is_(None),
                       Notification.emailed_at.is_(None), Notification.created_at <= now)
                .values(emailed_at=now))
            db.session.commit()
            sent += 1
    return sent
