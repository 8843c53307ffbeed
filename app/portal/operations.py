"""The commands of the resident's own page and of the letter that opens it.

Access is handed over in person: the coach prints a letter (account number, one-time code,
valid `CODE_LIFETIME`), the resident chooses a PIN at first use. Wrong codes and PINs are
throttled per account and per address like staff logins (`app.auth.throttle`), and after
`MAX_FAILURES` in a row the account locks until the coach prints a new letter. Access ends
when the coach or the privacy officer revokes it, when the resident's data is erased, and
when a case of theirs is closed because they wanted no further contact (`ended_reason`,
checked on every request). Neither the code nor the PIN is ever logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.operations import record_event
from app.auth import throttle
from app.auth.models import User
from app.auth.operations import end_all_sessions, set_password
from app.auth.passwords import verify_dummy, verify_password
from app.auth.permissions import Role
from app.cases.models import Case
from app.consent.models import Consent
from app.consent.operations import fire_consent
from app.db import db, utcnow
from app.errors import Refused
from app.notifications.models import NotificationKind
from app.notifications.operations import notify
from app.portal.models import MessageKind, ResidentAccess, ResidentMessage
from app.residents.models import Resident

CODE_LIFETIME = timedelta(days=14)
IDLE_LIMIT = timedelta(minutes=15)
MAX_FAILURES = 5
MIN_PIN_LENGTH = 6
MAX_PIN_LENGTH = 64
MESSAGE_MAX_LENGTH = 500
# Letters nobody mixes up on paper (no I, L, O), and no digits: a code never looks like a
# BSN to the check every form makes. 23 ** 12 is about 2 ** 54.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 12
# Ten digits written together are never taken for a BSN (see policies.bsn); eight could be.
_ACCOUNT_DIGITS = 10
# The case outcome that means the resident wanted no further contact.
NO_FURTHER_CONTACT = "declined"
# What a PIN hash holds before the resident chose one: matches no PIN.
_NO_PIN = "!"


class SignInThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class NotOwn(LookupError):
    """Not the signed-in resident's own record (answered as 404)."""


@dataclass(frozen=True)
class Letter:
    resident: Resident
    account_number: str
    code: str
    expires_at: datetime


def normalise(value: str) -> str:
    """What the resident typed, without the spaces and dashes the letter prints."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def grouped(value: str, size: int = 4) -> str:
    return "-".join(value[i:i + size] for i in range(0, len(value), size))


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def access_of(resident_id: uuid.UUID) -> ResidentAccess | None:
    return db.session.execute(
        select(ResidentAccess).where(ResidentAccess.resident_id == resident_id)
    ).scalar_one_or_none()


def ended_reason(access: ResidentAccess, resident: Resident) -> str | None:
    """Why the access has ended for good (until a new letter), or None while it holds."""
    if resident.anonymised_at is not None:
        return "erased"
    if access.revoked_at is not None:
        return "revoked"
    closed = db.session.execute(
        select(Case.id).where(Case.resident_id == resident.id, Case.state == "closed",
                              Case.outcome == NO_FURTHER_CONTACT,
                              Case.closed_at >= access.issued_at).limit(1)
    ).scalar_one_or_none()
    return "no_further_contact" if closed is not None else None


# The states of an access that is still open: the coach (or privacy officer) can close it.
OPEN_STATES = ("letter", "expired", "active", "locked")


def status(access: ResidentAccess | None, resident: Resident, now: datetime) -> str:
    """One word for the coach's page: none, letter, expired, active, locked or why it ended."""
    if access is None:
        return "none"
    if reason := ended_reason(access, resident):
        return reason
    if access.locked_at is not None:
        return "locked"
    if access.activated_at is None:
        return "letter" if access.code_expires_at and access.code_expires_at > now else "expired"
    return "active"


def _new_account_number() -> str:
    while True:
        number = "".join(secrets.choice("0123456789") for _ in range(_ACCOUNT_DIGITS))
        taken = db.session.execute(select(ResidentAccess.id).where(
            ResidentAccess.account_number == number)).scalar_one_or_none()
        if taken is None and number[0] != "0":
            return number


def issue_letter(coach: Any, resident: Resident, now: datetime | None = None) -> Letter:
    """A new letter: a new code, the PIN cleared, the lock lifted, every session ended."""
    now = now or utcnow()
    if resident.anonymised_at is not None:
        raise Refused(message=_("This resident's data has been erased: there is nothing to "
                                "show them any more."))
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    access = access_of(resident.id)
    if access is None:
        user = User(email=None, name="", role=Role.RESIDENT, organization_id=None,
                    resident_id=resident.id, password_hash=_NO_PIN, active=True)
        db.session.add(user)
        db.session.flush()
        access = ResidentAccess(user=user, resident_id=resident.id,
                                account_number=_new_account_number(), issued_by_id=coach.id)
        db.session.add(access)
    access.user.password_hash = _NO_PIN
    access.user.active = True
    end_all_sessions(access.user)
    access.code_hash = _code_hash(code)
    access.code_expires_at = now + CODE_LIFETIME
    access.issued_at = now
    access.issued_by_id = coach.id
    access.activated_at = None
    access.failures = 0
    access.locked_at = None
    access.revoked_at = None
    access.revoked_by_id = None
    db.session.flush()
    record_event("resident_access_issued", actor=coach, object_type="resident",
                 object_id=resident.id,
                 details={"valid_days": CODE_LIFETIME.days})
    return Letter(resident=resident, account_number=access.account_number, code=grouped(code),
                  expires_at=access.code_expires_at)


def revoke(actor: Any, resident: Resident, now: datetime | None = None) -> None:
    access = access_of(resident.id)
    if access is None or access.revoked_at is not None:
        raise Refused(message=_("This resident has no access to revoke."))
    access.revoked_at = now or utcnow()
    access.revoked_by_id = actor.id
    access.code_hash = None
    access.user.active = False
    end_all_sessions(access.user)
    record_event("resident_access_revoked", actor=actor, object_type="resident",
                 object_id=resident.id)


def check_pin(pin: str) -> str | None:
    """Why a chosen PIN or passphrase is too weak, or None."""
    if len(pin) < MIN_PIN_LENGTH:
        return _("Use at least %(count)d digits or characters.", count=MIN_PIN_LENGTH)
    if len(pin) > MAX_PIN_LENGTH:
        return _("Use at most %(max)d characters.", max=MAX_PIN_LENGTH)
    if pin.isdigit():
        steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
        if len(steps) == 1 and steps <= {-1, 0, 1}:
            return _("Choose a PIN that is not easy to guess, not 111111 or 123456.")
    return None


def _keys(account_number: str, address: str) -> tuple[str, str]:
    return (throttle.account_key(f"resident:{normalise(account_number)}"),
            throttle.address_key(address))


def _find(account_number: str) -> ResidentAccess | None:
    number = normalise(account_number)
    if not number.isdigit() or len(number) != _ACCOUNT_DIGITS:
        return None
    return db.session.execute(
        select(ResidentAccess).where(ResidentAccess.account_number == number)
    ).scalar_one_or_none()


def _fail(access: ResidentAccess | None, keys: tuple[str, str], event: str,
          now: datetime) -> None:
    throttle.record_failure(*keys, now)
    if access is not None:
        access.failures += 1
        if access.failures >= MAX_FAILURES and access.locked_at is None:
            access.locked_at = now
            record_event("resident_access_locked", object_type="resident",
                         object_id=access.resident_id)
    record_event(event, object_type="resident" if access else None,
                 object_id=access.resident_id if access else None,
                 details={"account": keys[0][8:20]})


def _throttle(keys: tuple[str, str], now: datetime) -> None:
    wait = throttle.seconds_to_wait(list(keys), now)
    if wait:
        record_event("resident_sign_in_throttled", details={"account": keys[0][8:20]})
        raise SignInThrottled(wait)


def _closed(access: ResidentAccess) -> str | None:
    """Whether the access lets no one in now: "locked", "ended", or None while it holds."""
    if access.locked_at is not None:
        return "locked"
    resident = db.session.get(Resident, access.resident_id)
    if resident is None or ended_reason(access, resident) is not None:
        return "ended"
    return None


def _refuse_closed(access: ResidentAccess) -> None:
    closed = _closed(access)
    if closed == "locked":
        raise Refused(message=_("Your access is blocked after too many wrong attempts. Ask your "
                                "flatcoach for a new letter."))
    if closed == "ended":
        raise Refused(message=_("This access has ended. Ask your flatcoach if you want a new "
                                "letter."))


def activate(account_number: str, code: str, pin: str, address: str,
             now: datetime | None = None) -> User:
    """First use of a letter: the code is used up and the resident's PIN is set. The caller
    commits, also after a refusal (the failure counts)."""
    now = now or utcnow()
    keys = _keys(account_number, address)
    _throttle(keys, now)
    access = _find(account_number)
    good = (access is not None and access.code_hash is not None
            and access.code_expires_at is not None and access.code_expires_at > now
            and hmac.compare_digest(access.code_hash, _code_hash(code)))
    if not good:
        _fail(access, keys, "resident_activation_failed", now)
        raise Refused(message=_("This number and code do not match a valid letter. Check "
                                "them, or ask your flatcoach for a new letter."), field="code")
    assert access is not None
    _refuse_closed(access)
    if weak := check_pin(pin):
        raise Refused(message=weak, field="pin")
    set_password(access.user, pin)
    access.code_hash = None
    access.activated_at = now
    access.failures = 0
    throttle.record_success(keys[0], now)
    record_event("resident_access_activated", actor=access.user, object_type="resident",
                 object_id=access.resident_id)
    notify(NotificationKind.RESIDENT_ACCESS_ACTIVATED, [access.issued_by_id],
           resident_id=access.resident_id, now=now)
    return access.user


def sign_in(account_number: str, pin: str, address: str, now: datetime | None = None) -> User:
    """A resident's sign-in with their account number and PIN. The caller commits, also
    after a refusal."""
    now = now or utcnow()
    keys = _keys(account_number, address)
    _throttle(keys, now)
    access = _find(account_number)
    if access is None or access.activated_at is None:
        # No PIN chosen yet: nothing to lock; the attempt counts per number and address.
        verify_dummy(pin)
        _fail(None, keys, "resident_sign_in_failed", now)
        raise Refused(message=_("This number and PIN do not match."), field="pin")
    if access.locked_at is None and not verify_password(access.user.password_hash, pin):
        _fail(access, keys, "resident_sign_in_failed", now)
        if access.locked_at is None:
            raise Refused(message=_("This number and PIN do not match."), field="pin")
    _refuse_closed(access)
    access.failures = 0
    throttle.record_success(keys[0], now)
    record_event("resident_signed_in", actor=access.user, object_type="resident",
                 object_id=access.resident_id)
    return access.user


def still_open(user: User) -> bool:
    """Checked on every request of a resident's session: the access has not ended since."""
    access = access_of(user.resident_id) if user.resident_id is not None else None
    return access is not None and access.user_id == user.id and _closed(access) is None


def own_consent(user: User, consent_id: uuid.UUID) -> Consent:
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.resident_id != user.resident_id:
        raise NotOwn()
    return consent


def withdraw_consent(user: User, consent_id: uuid.UUID, now: datetime | None = None) -> Consent:
    """The same withdrawal the coach records, with the resident as actor: the handovers and
    connections relying on it end at once, the coach who recorded it and the coach of the
    case hear of it, the receiving organisation through the withdrawn handover."""
    now = now or utcnow()
    consent = own_consent(user, consent_id)
    if consent.state != "given":
        raise Refused(message=_("This consent is no longer in force: there is nothing to "
                                "withdraw."))
    fire_consent(consent, "withdraw", user,
                 {"reason": _("Withdrawn by the resident on their own page")}, now)
    notify(NotificationKind.CONSENT_WITHDRAWN_BY_RESIDENT,
           [consent.recorded_by_id, *_coaches_of(consent.resident_id)],
           consent=consent, resident_id=consent.resident_id, actor=user, now=now)
    return consent


def _coaches_of(resident_id: uuid.UUID) -> list[int]:
    """The coaches of the resident's open cases, else of their latest one."""
    rows = db.session.execute(
        select(Case.coach_id, Case.state).where(Case.resident_id == resident_id)
        .order_by(Case.opened_at.desc())).all()
    open_ = [coach for coach, state in rows if state != "closed"]
    return open_ or [coach for coach, _state in rows[:1]]


def send_message(user: User, kind: MessageKind, text: str,
                 now: datetime | None = None) -> ResidentMessage:
    now = now or utcnow()
    text = text.strip()
    if kind is MessageKind.MESSAGE and not text:
        raise Refused(message=_("Write your message first."), field="text")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise Refused(message=_("Use at most %(max)d characters.", max=MESSAGE_MAX_LENGTH),
                      field="text")
    coaches = _coaches_of(user.resident_id)
    if not coaches:
        access = access_of(user.resident_id)
        coaches = [access.issued_by_id] if access is not None else []
    message = ResidentMessage(resident_id=user.resident_id, kind=kind, text=text, sent_at=now)
    db.session.add(message)
    db.session.flush()
    record_event("resident_message_sent", actor=user, object_type="resident",
                 object_id=user.resident_id, details={"kind": str(kind)})
    notify(NotificationKind.RESIDENT_MESSAGE, coaches, resident_id=user.resident_id,
           actor=user, now=now)
    return message


def messages_of(resident_id: uuid.UUID, limit: int = 20) -> list[ResidentMessage]:
    return list(db.session.execute(
        select(ResidentMessage).where(ResidentMessage.resident_id == resident_id)
        .order_by(ResidentMessage.sent_at.desc(), ResidentMessage.id.desc()).limit(limit)
    ).scalars())


def mark_read(messages: list[ResidentMessage], now: datetime | None = None) -> None:
    for message in messages:
        if message.read_at is None:
            message.read_at = now or utcnow()
