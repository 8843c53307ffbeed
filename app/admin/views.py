"""The coordinator's pages: users, organisations, buildings (with their dwellings) and their
coaches, and the escalations of handovers nobody picked up. No case content appears here."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.admin.forms import (
    AssignForm,
    BuildingForm,
    DeactivateForm,
    OrganizationForm,
    ResolveEscalationForm,
    UserEditForm,
    UserForm,
    checked_phone,
    set_successor_choices,
)
from app.admin.operations import (
    Holdings,
    assign_coach,
    create_building,
    create_organization,
    create_user,
    deactivate_user,
    holdings,
    reactivate_user,
    resolve_escalation,
    successors,
    unassign_coach,
    update_user,
)
from app.auth.access import require
from app.auth.models import User
from app.auth.password_links import LINK_LIFETIME, issue_password_link
from app.auth.permissions import Permission, Role
from app.auth.scope import not_found, staff_member, staff_query
from app.buildings.models import Building, CoachAssignment, Dwelling
from app.cases.models import Case
from app.db import db
from app.errors import Refused
from app.funding.tags import streams_of_assignments
from app.handovers.models import Alert, AlertKind, Handover
from app.organizations.models import Organization, OrganizationKind
from app.residents.models import Resident
from app.visits.queries import building_progress
from app.web.formkit import MAX_INT
from app.web.pages import DB_ID, confirmed, paginate, show_refusal
from workflows.case import CASE_OPEN_STATES

bp = Blueprint("admin_pages", __name__, template_folder="templates", url_prefix="/admin")


# What each role sees and may do: shown beside the role choice, and as the consequence of a
# change of role.
ROLE_SCOPE = {
    Role.FLATCOACH: _l("Records visits and conversations in the buildings assigned to them, "
                       "sees those residents and their cases, and prepares warm handovers."),
    Role.PROFESSIONAL: _l("Sees only the handovers offered to their organisation, and only "
                          "the data the resident agreed to share; accepts or declines them."),
    Role.PRIVACY_OFFICER: _l("Reads the consent register and the logs, answers requests for "
                             "access and erasure, reviews safety disclosures. Sees no notes "
                             "of a case."),
    Role.COORDINATOR: _l("Manages users, organisations, buildings and coaches, handles "
                         "escalations, and sees neighbourhood insight in totals only."),
}


@bp.route("/users")
@require(Permission.ADMIN_MANAGE)
def users() -> Any:
    page = paginate(staff_query().order_by(User.active.desc(), User.name))
    ids = [user.id for user in page.items]
    held = Counter(dict(db.session.execute(
        select(CoachAssignment.user_id, func.count()).where(CoachAssignment.user_id.in_(ids))
        .group_by(CoachAssignment.user_id)).all()))
    held.update(dict(db.session.execute(
        select(Case.coach_id, func.count()).where(Case.coach_id.in_(ids),
                                                  Case.state.in_(CASE_OPEN_STATES))
        .group_by(Case.coach_id)).all()))
    return render_template("admin/users.html", page=page, holding=held)


def _user_or_404(user_id: int) -> User:
    user = staff_member(user_id)
    if user is None:
        not_found()
    return user


def _summary(held: Holdings) -> dict[str, Any]:
    """What a user holds, in counts: never a resident's name on the coordinator's pages."""
    cases: Counter[tuple[str, str]] = Counter()
    if held.open_cases:
        for building, state, n in db.session.execute(
                select(Building.name, Case.state, func.count())
                .join(Resident, Resident.id == Case.resident_id)
                .join(Dwelling, Dwelling.id == Resident.dwelling_id)
                .join(Building, Building.id == Dwelling.building_id)
                .where(Case.id.in_([c.id for c in held.open_cases]))
                .group_by(Building.name, Case.state)):
            cases[(building, state)] = n
    handovers = Counter((h.organization.name, h.state) for h in held.handovers)
    return {"buildings": [b.name for b in held.buildings],
            "cases": sorted(cases.items()), "case_count": len(held.open_cases),
            "handovers": sorted(handovers.items()), "handover_count": len(held.handovers)}


def _render_user(user: User, form: UserEditForm | None = None,
                 deactivate_form: DeactivateForm | None = None, status: int = 200,
                 consequences: dict[str, Any] | None = None, link: str | None = None) -> Any:
    held = holdings(user)
    colleagues = successors(user)
    if form is None:
        form = UserEditForm(formdata=None, name=user.name, role=user.role.value,
                            organization_id=str(user.organization_id or ""),
                            phone=user.phone or "")
    deactivate_form = deactivate_form or DeactivateForm(formdata=None)
    for field in (form.successor_id, deactivate_form.successor_id):
        set_successor_choices(field, colleagues)
    return render_template(
        "admin/user.html", user=user, form=form, deactivate_form=deactivate_form,
        held=_summary(held), holds_anything=not held.empty, colleagues=colleagues,
        role_scope=ROLE_SCOPE, consequences=consequences, link=link,
        link_hours=int(LINK_LIFETIME.total_seconds() // 3600)), status


def _chosen_user(value: str | None) -> User | None:
    if value and value.isdigit() and int(value) <= MAX_INT:
        return staff_member(int(value))
    return None


@bp.route(f"/users/<{DB_ID}:user_id>", methods=["GET", "POST"])
@require(Permission.ADMIN_MANAGE)
def user(user_id: int) -> Any:
    """A user's name, role and organisation. A new role or organisation first shows what
    changes (what the user will see, what they hand over, that they log in again) and
    waits for the coordinator's confirmation."""
    person = _user_or_404(user_id)
    form = UserEditForm()
    if not form.is_submitted():
        return _render_user(person)
    valid = form.validate()
    phone_valid, phone = checked_phone(form)
    if not (valid and phone_valid):
        return _render_user(person, form, status=422)
    role = Role(form.role.data)
    organization_id = int(form.organization_id.data) if form.organization_id.data else None
    moves = role != person.role or organization_id != person.organization_id
    if moves and not form.confirm.data:
        held = holdings(person)
        organisation = (db.session.get(Organization, organization_id)
                        if organization_id is not None else None)
        # Not an error: the change waits for the coordinator to read what it means.
        return _render_user(person, form, consequences={
            "role": role, "organization": organisation.name if organisation else None,
            "role_changes": role != person.role, "scope": ROLE_SCOPE[role],
            "hands_over": not held.empty})
    try:
        changed = update_user(current_user, person, name=form.name.data, role=role,
                              organization_id=organization_id,
                              successor=_chosen_user(form.successor_id.data), phone=phone)
    except Refused as refused:
        show_refusal(refused, form)
        return _render_user(person, form, status=422)
    if not changed:
        flash(_("Nothing changed."))
    elif {"role", "organization_id"} & set(changed):
        flash(_("%(name)s changed. They have been logged out and log in again with their new "
                "rights.", name=person.name))
    else:
        flash(_("%(name)s changed.", name=person.name))
    return redirect(url_for("admin_pages.user", user_id=person.id))


@bp.route(f"/users/<{DB_ID}:user_id>/password-link", methods=["POST"])
@require(Permission.ADMIN_MANAGE)
def password_link(user_id: int) -> Any:
    """A one-time link to set a new password, shown once to the coordinator (never sent in
    a redirect or a flash message): the old password stops working at once."""
    person = _user_or_404(user_id)
    if not FlaskForm().validate_on_submit():
        return _render_user(person, status=400)
    if not person.active:
        flash(_("Reactivate the user first."))
        return redirect(url_for("admin_pages.user", user_id=person.id))
    token = issue_password_link(current_user, person)
    return _render_user(person, link=url_for("web.password_link", token=token, _external=True))


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.ADMIN_MANAGE)
def new_user() -> Any:
    form = UserForm()
    if not form.is_submitted():
        return render_template("admin/user_new.html", form=form)
    valid = form.validate()
    phone_valid, phone = checked_phone(form)
    if not (valid and phone_valid):
        return render_template("admin/user_new.html", form=form), 422
    try:
        user = create_user(current_user, email=form.email.data, name=form.name.data,
                           role=Role(form.role.data),
                           organization_id=int(form.organization_id.data)
                           if form.organization_id.data else None,
                           password=form.password.data, phone=phone)
    except Refused as refused:
        show_refusal(refused, form)
        return render_template("admin/user_new.html", form=form), 422
    flash(_("User %(name)s created. Give them the temporary password in person.",
            name=user.name))
    return redirect(url_for("admin_pages.users"))


def _change_user(user_id: int, change: Any, done: str) -> Any:
    user = staff_member(user_id)
    if user is None:
        not_found()
    if not confirmed():
        return redirect(url_for("admin_pages.users"))
    try:
        change(current_user, user)
    except Refused as refused:
        show_refusal(refused)
        return redirect(url_for("admin_pages.users"))
    flash(done % {"name": user.name})
    return redirect(url_for("admin_pages.users"))


@bp.route(f"/users/<{DB_ID}:user_id>/deactivate", methods=["POST"])
@require(Permission.ADMIN_MANAGE)
def deactivate(user_id: int) -> Any:
    """Deactivation hands what the user holds to the colleague chosen; without one, when
    there is something to hand over, the user's page says what and asks for one."""
    person = _user_or_404(user_id)
    form = DeactivateForm()
    if not form.validate_on_submit():
        return _render_user(person, deactivate_form=form, status=422)
    try:
        held = deactivate_user(current_user, person, _chosen_user(form.successor_id.data))
    except Refused as refused:
        show_refusal(refused, form)
        return _render_user(person, deactivate_form=form, status=422)
    done = _("%(name)s is deactivated; their sessions and API tokens have ended.",
             name=person.name)
    if not held.empty:
        done += " " + _("Buildings, cases and handovers went to %(successor)s.",
                        successor=_chosen_user(form.successor_id.data).name)
    flash(done)
    return redirect(url_for("admin_pages.users"))


@bp.route(f"/users/<{DB_ID}:user_id>/reactivate", methods=["POST"])
@require(Permission.ADMIN_MANAGE)
def reactivate(user_id: int) -> Any:
    return _change_user(user_id, reactivate_user,
                        _("%(name)s can log in again with their own password."))


@bp.route("/organizations", methods=["GET", "POST"])
@require(Permission.ADMIN_MANAGE)
def organizations() -> Any:
    form = OrganizationForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                organization = create_organization(current_user, name=form.name.data,
                                                   kind=OrganizationKind(form.kind.data))
            except Refused as refused:
                show_refusal(refused, form)
            else:
                flash(_("Organisation %(name)s created.", name=organization.name))
                return redirect(url_for("admin_pages.organizations"))
        status = 422
    page = paginate(select(Organization).order_by(Organization.name))
    return render_template("admin/organizations.html", page=page, form=form), status


@bp.route("/buildings")
@require(Permission.ADMIN_MANAGE)
def buildings() -> Any:
    page = paginate(select(Building).order_by(Building.name))
    coaches: dict[int, list[str]] = {}
    for building_id, name in db.session.execute(
            select(CoachAssignment.building_id, User.name)
            .join(User, User.id == CoachAssignment.user_id)
            .where(CoachAssignment.building_id.in_([b.id for b in page.items]))
            .order_by(User.name)):
        coaches.setdefault(building_id, []).append(name)
    return render_template("admin/buildings.html", page=page, coaches=coaches,
                           progress=dict(building_progress(page.items)))


@bp.route("/buildings/new", methods=["GET", "POST"])
@require(Permission.ADMIN_MANAGE)
def new_building() -> Any:
    form = BuildingForm()
    if not form.is_submitted():
        return render_template("admin/building_new.html", form=form)
    if not form.validate():
        return render_template("admin/building_new.html", form=form), 422
    try:
        building = create_building(
            current_user, name=form.name.data, neighbourhood=form.neighbourhood.data,
            city=form.city.data, street=form.street.data, postcode=form.postcode.data,
            floors=form.floors.data, dwellings_per_floor=form.dwellings_per_floor.data,
            first_number=form.first_number.data, number_step=int(form.number_step.data))
    except Refused as refused:
        show_refusal(refused, form)
        return render_template("admin/building_new.html", form=form), 422
    flash(ngettext("Building %(name)s created with %(num)d dwelling. Assign its coaches below.",
                   "Building %(name)s created with %(num)d dwellings. Assign its coaches below.",
                   building.floors * form.dwellings_per_floor.data, name=building.name))
    return redirect(url_for("admin_pages.building", building_id=building.id))


def _building_or_404(building_id: int) -> Building:
    building = db.session.get(Building, building_id)
    if building is None:
        not_found()
    return building


def _render_building(building: Building, form: AssignForm | None = None,
                     status: int = 200) -> Any:
    assigned = list(db.session.execute(
        select(User).join(CoachAssignment, CoachAssignment.user_id == User.id)
        .where(CoachAssignment.building_id == building.id).order_by(User.name)
    ).scalars())
    form = form or AssignForm(formdata=None)
    candidates = db.session.execute(
        select(User).where(User.role == Role.FLATCOACH, User.active.is_(True),
                           User.id.not_in([u.id for u in assigned]))
        .order_by(User.name)
    ).scalars()
    form.user_id.choices = [("", _("Choose…"))] + [(str(u.id), u.name) for u in candidates]
    return render_template("admin/building.html", building=building, assigned=assigned,
                           form=form, funding=streams_of_assignments(building.id)), status


@bp.route(f"/buildings/<{DB_ID}:building_id>")
@require(Permission.ADMIN_MANAGE)
def building(building_id: int) -> Any:
    return _render_building(_building_or_404(building_id))


@bp.route(f"/buildings/<{DB_ID}:building_id>/coaches", methods=["POST"])
@require(Permission.ADMIN_MANAGE)
def assign(building_id: int) -> Any:
    building = _building_or_404(building_id)
    form = AssignForm()
    coach = None
    chosen = form.user_id.data or ""
    if form.validate_on_submit() and chosen.isdigit() and int(chosen) <= MAX_INT:
        coach = staff_member(int(chosen))
    if coach is None:
        if not form.user_id.errors:
            form.user_id.errors = [_("Choose a coach.")]
        return _render_building(building, form, 422)
    try:
        assign_coach(current_user, building, coach)
    except Refused as refused:
        show_refusal(refused, form)
        return _render_building(building, form, 422)
    flash(_("%(name)s now works %(building)s.", name=coach.name, building=building.name))
    return redirect(url_for("admin_pages.building", building_id=building.id))


@bp.route(f"/buildings/<{DB_ID}:building_id>/coaches/<{DB_ID}:user_id>/remove", methods=["POST"])
@require(Permission.ADMIN_MANAGE)
def unassign(building_id: int, user_id: int) -> Any:
    building = _building_or_404(building_id)
    coach = staff_member(user_id)
    if coach is None:
        not_found()
    if not FlaskForm().validate_on_submit():
        return _render_building(building, status=400)
    try:
        unassign_coach(current_user, building, coach)
    except Refused as refused:
        show_refusal(refused)
        return redirect(url_for("admin_pages.building", building_id=building.id))
    flash(_("%(name)s no longer works %(building)s.", name=coach.name, building=building.name))
    return redirect(url_for("admin_pages.building", building_id=building.id))


RECENTLY_RESOLVED = 10


@bp.route("/escalations")
@require(Permission.ADMIN_MANAGE)
def escalations(failed: ResolveEscalationForm | None = None,
                failed_id: int | None = None) -> Any:
    query = (select(Alert).join(Handover, Handover.id == Alert.handover_id)
             .where(Alert.kind == AlertKind.ESCALATION, Alert.resolved_at.is_(None))
             .order_by(Handover.response_due_at))
    page = paginate(query)
    resolved = list(db.session.execute(
        select(Alert).where(Alert.kind == AlertKind.ESCALATION, Alert.resolved_at.is_not(None))
        .order_by(Alert.resolved_at.desc()).limit(RECENTLY_RESOLVED)).scalars())
    alerts = [*page.items, *resolved]
    people = {alert.handover.created_by_id for alert in alerts}
    people |= {alert.resolved_by_id for alert in resolved}
    names = dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_(people))).all()) if people else {}
    organisations = {alert.handover.organization_id for alert in page.items}
    contacts: dict[int, list[User]] = {}
    for user in db.session.execute(
            select(User).where(User.organization_id.in_(organisations),
                               User.role == Role.PROFESSIONAL, User.active.is_(True))
            .order_by(User.name)).scalars():
        contacts.setdefault(user.organization_id, []).append(user)
    forms = {alert.id: (failed if alert.id == failed_id and failed is not None
                        else ResolveEscalationForm(formdata=None)) for alert in page.items}
    return render_template("admin/escalations.html", page=page, coaches=names, names=names,
                           contacts=contacts, forms=forms, resolved=resolved)


@bp.route(f"/escalations/<{DB_ID}:alert_id>/resolve", methods=["POST"])
@require(Permission.ADMIN_MANAGE)
def resolve(alert_id: int) -> Any:
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.kind != AlertKind.ESCALATION:
        not_found()
    form = ResolveEscalationForm()
    if not form.validate_on_submit():
        return escalations(failed=form, failed_id=alert.id), 422
    try:
        resolve_escalation(current_user, alert, form.note.data.strip())
    except Refused as refused:
        show_refusal(refused)
        return redirect(url_for("admin_pages.escalations"))
    flash(_("Escalation resolved."))
    return redirect(url_for("admin_pages.escalations"))
