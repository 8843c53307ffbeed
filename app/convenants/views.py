"""The convenant register for the privacy officer: every version with its parties, a party
joining or leaving (logged), the convenant as a printable page, and which shares relied on it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.audit.models import ProcessingLogEntry
from app.auth.access import require
from app.auth.permissions import Permission
from app.convenants.forms import JoinForm, LeaveForm
from app.convenants.models import Convenant, ConvenantParty
from app.convenants.operations import join, leave
from app.db import db, utcnow
from app.errors import Refused
from app.organizations.models import Organization
from app.web.formkit import local_zone
from app.web.pages import show_refusal
from policies import REGISTER, in_order

bp = Blueprint("convenants_pages", __name__, template_folder="templates")

_LIST_ITEM = re.compile(r"^(?:\d+[.)]|[-*])\s+")


def text_blocks(text: str) -> list[tuple[str, str]]:
    """The convenant's markdown as headings, list items and paragraphs — shown as text (the
    template escapes it), so nothing in a signed text can become markup of the page."""
    blocks: list[tuple[str, str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            blocks.append(("gap", ""))
        elif stripped.startswith("#"):
            blocks.append(("heading", stripped.lstrip("#").strip()))
        elif _LIST_ITEM.match(stripped):
            blocks.append(("item", _LIST_ITEM.sub("", stripped)))
        elif blocks and blocks[-1][0] in ("paragraph", "item") and line[:1].isspace():
            kind, previous = blocks[-1]
            blocks[-1] = (kind, f"{previous} {stripped}")  # a continued line
        elif blocks and blocks[-1][0] == "paragraph":
            blocks[-1] = ("paragraph", f"{blocks[-1][1]} {stripped}")
        else:
            blocks.append(("paragraph", stripped))
    return [block for block in blocks if block[0] != "gap"]


@bp.route("/privacy/convenants")
@require(Permission.CONVENANTS_MANAGE)
def register() -> Any:
    convenants = db.session.execute(
        select(Convenant).order_by(Convenant.title, Convenant.valid_from.desc())).scalars().all()
    today = utcnow().astimezone(local_zone()).date()
    return render_template("convenants/register.html", convenants=convenants, today=today)


def _convenant(convenant_id: uuid.UUID) -> Convenant:
    convenant = db.session.get(Convenant, convenant_id)
    if convenant is None:
        abort(404)
    return convenant


def _organizations_outside(convenant: Convenant) -> list[tuple[int, str]]:
    inside = {p.organization_id for p in convenant.parties}
    rows = db.session.execute(select(Organization.id, Organization.name)
                              .order_by(Organization.name)).all()
    return [(i, name) for i, name in rows if i not in inside]


@bp.route("/privacy/convenants/<uuid:convenant_id>")
@require(Permission.CONVENANTS_MANAGE)
def convenant(convenant_id: uuid.UUID, join_form: JoinForm | None = None,
              leave_forms: dict[int, LeaveForm] | None = None) -> Any:
    item = _convenant(convenant_id)
    join_form = join_form or JoinForm(_organizations_outside(item), formdata=None)
    leave_forms = leave_forms or {}
    for party in item.parties:
        leave_forms.setdefault(party.id, LeaveForm(formdata=None))
    activities = [(REGISTER[purpose], in_order(categories))
                  for purpose, categories in item.activities.items() if purpose in REGISTER]
    shares = dict(db.session.execute(
        select(ProcessingLogEntry.convenant_version, func.count())
        .where(ProcessingLogEntry.convenant_id == str(item.id),
               ProcessingLogEntry.decision == "allowed")
        .group_by(ProcessingLogEntry.convenant_version)).all())
    today = utcnow().astimezone(local_zone()).date()
    return render_template("convenants/convenant.html", convenant=item, activities=activities,
                           join_form=join_form, leave_forms=leave_forms, shares=shares,
                           today=today, blocks=text_blocks(item.text))


@bp.route("/privacy/convenants/<uuid:convenant_id>/parties", methods=["POST"])
@require(Permission.CONVENANTS_MANAGE)
def add_party(convenant_id: uuid.UUID) -> Any:
    item = _convenant(convenant_id)
    form = JoinForm(_organizations_outside(item))
    if form.validate_on_submit():
        try:
            join(current_user, item, organization_id=int(form.organization_id.data),
                 joined_on=form.joined_on.data, role=form.role.data.strip(),
                 contact=form.contact.data.strip())
        except Refused as refused:
            show_refusal(refused, form, "organization_id")
        else:
            flash(_("The organisation is a party to the convenant."))
            return redirect(url_for("convenants_pages.convenant", convenant_id=item.id))
    return convenant(item.id, join_form=form), 422


@bp.route("/privacy/convenants/<uuid:convenant_id>/parties/<int:party_id>/leave",
          methods=["POST"])
@require(Permission.CONVENANTS_MANAGE)
def leave_party(convenant_id: uuid.UUID, party_id: int) -> Any:
    item = _convenant(convenant_id)
    party = db.session.get(ConvenantParty, party_id)
    if party is None or party.convenant_id != item.id:
        abort(404)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            withdrawn = leave(current_user, party, form.left_on.data)
        except Refused as refused:
            show_refusal(refused, form, "left_on")
        else:
            flash(_("%(organisation)s no longer receives from %(date)s. Handovers withdrawn: "
                    "%(count)d.", organisation=party.organization.name,
                    date=form.left_on.data.strftime("%d-%m-%Y"), count=len(withdrawn)))
            return redirect(url_for("convenants_pages.convenant", convenant_id=item.id))
    return convenant(item.id, leave_forms={party.id: form}), 422
