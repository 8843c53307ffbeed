"""What people read instead of the machine names: states, triggers, outcomes, themes.

One table per kind, every label through Flask-Babel, so the pages say "Niet thuis" where
the data says `not_home`. Data categories and processing activities carry their Dutch and
English names in `policies/` already; those are picked by locale.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from policies import CATEGORY_INFO, REGISTER, DataCategory

LABELS: dict[str, dict[str, Any]] = {
    "case_state": {
        "contacted": _l("Contacted"),
        "exploring": _l("Exploring"),
        "question_formulated": _l("Help question formulated"),
        "referred": _l("Referred"),
        "supported": _l("Supported"),
        "paused": _l("Paused"),
        "closed": _l("Closed"),
    },
    "handover_state": {
        "draft": _l("Draft"),
        "awaiting_consent": _l("Awaiting consent"),
        "offered": _l("Offered"),
        "accepted": _l("Accepted"),
        "intro_scheduled": _l("Introduction scheduled"),
        "intro_held": _l("Introduction held"),
        "completed": _l("Completed"),
        "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"),
    },
    "consent_state": {
        "requested": _l("Requested"),
        "given": _l("Given"),
        "refused": _l("Refused"),
        "withdrawn": _l("Withdrawn"),
        "expired": _l("Expired"),
        "revoked": _l("Revoked"),
    },
    "match_state": {
        "proposed": _l("Proposed"),
        "agreed": _l("Agreed"),
        "met": _l("Met"),
        "declined": _l("Not going ahead"),
    },
    "trigger": {
        "start_exploring": _l("Start exploring"),
        "formulate_question": _l("Help question is ready"),
        "revise_question": _l("Revise the help question"),
        "refer": _l("Refer"),
        "start_support": _l("Support started"),
        "referral_failed": _l("Referral failed"),
        "pause": _l("Pause"),
        "resume": _l("Resume"),
        "close": _l("Close"),
        "close_erased": _l("Closed at erasure"),
        "reopen": _l("Reopen"),
        "new_question": _l("A new question"),
        "request_consent": _l("Wait for consent"),
        "offer": _l("Offer"),
        "accept": _l("Accept"),
        "decline": _l("Decline"),
        "schedule_intro": _l("Schedule the introduction"),
        "reschedule_intro": _l("Reschedule the introduction"),
        "record_intro": _l("Introduction took place"),
        "complete": _l("Help has started"),
        "withdraw": _l("Withdraw"),
        "give": _l("Consent given"),
        "refuse": _l("Consent refused"),
        "expire": _l("Expire"),
        "revoke": _l("Revoke (recorded in error)"),
        "agree": _l("Both want to meet"),
        "record_meeting": _l("They have met"),
    },
    "decline_reason": {
        "no_capacity": _l("No capacity at the moment"),
        "not_our_field": _l("Not our field"),
        "resident_unreachable": _l("Resident could not be reached"),
        "resident_declines": _l("Resident does not want it"),
        "already_supported": _l("Already supported elsewhere"),
        "other": _l("Other reason"),
    },
    "checkin_outcome": {
        "going_well": _l("Going well"),
        "new_question": _l("A new question"),
        "not_reached": _l("Not reached"),
        "no_more_contact": _l("No more contact wanted"),
    },
    "checkin_status": {
        "planned": _l("Planned"),
        "due": _l("Due"),
        "done": _l("Done"),
        "ended": _l("Did not take place"),
    },
    "next_step": {
        "explore": _l("Next: start exploring how the resident lives and what they need."),
        "write_question": _l("Next: write the help question together with the resident."),
        "mark_ready": _l("Next: the help question is written. Check it with the resident and "
                         "mark it ready."),
        "record_consent": _l("Next: record the resident's consent for the organisation that "
                             "will help."),
        "prepare_handover": _l("Next: prepare a warm handover; the form starts from the "
                               "resident's consent."),
        "offer_draft": _l("Next: offer the prepared handover (open it below)."),
        "wait": _l("Next: wait for the organisation to accept, then plan the introduction "
                   "together."),
        "stay_in_touch": _l("Help has started. Stay in touch with the resident."),
        "paused": _l("Paused. Handovers and their timers keep running."),
        "closed": _l("Closed."),
    },
    "visit_outcome": {
        "talked": _l("Talked"),
        "not_home": _l("Not home"),
        "declined": _l("Did not want to talk"),
        "revisit": _l("Come back later"),
        "vacant": _l("Vacant"),
        "": _l("Not visited yet"),
    },
    "theme": {
        "finances": _l("Money"),
        "work_income": _l("Work and income"),
        "housing": _l("Housing"),
        "health": _l("Health"),
        "mental_wellbeing": _l("Mental wellbeing"),
        "loneliness": _l("Loneliness"),
        "safety": _l("Safety"),
        "youth_parenting": _l("Youth and parenting"),
        "language": _l("Language"),
        "daily_administration": _l("Letters and paperwork"),
        "neighbours": _l("Neighbours"),
    },
    "offer": {
        "cooking": _l("Cooking"),
        "language_practice": _l("Language practice"),
        "odd_jobs": _l("Odd jobs"),
        "childcare": _l("Childcare"),
        "company": _l("Company"),
        "gardening": _l("Gardening"),
        "technology": _l("Computers and phones"),
        "transport": _l("Transport"),
        "translation": _l("Translating"),
        "administration_help": _l("Help with paperwork"),
        "organising_activities": _l("Organising activities"),
        "other": _l("Something else"),
    },
    "willingness": {
        "0": _l("Not now"),
        "1": _l("Perhaps"),
        "2": _l("Yes"),
        "3": _l("Yes, and wants to help organise"),
    },
    "close_outcome": {
        "help_started": _l("Help has started"),
        "no_help_needed": _l("No help needed"),
        "connected": _l("Connected with neighbours or activities"),
        "declined": _l("Resident declined"),
        "moved": _l("Moved away"),
        "unreachable": _l("Unreachable"),
        "erased": _l("Resident's data erased"),
    },
    "urgency": {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High")},
    "activity_theme": {
        "meeting": _l("Meeting neighbours"),
        "cooking": _l("Cooking and eating together"),
        "language": _l("Language"),
        "children": _l("Children"),
        "sport": _l("Sport and exercise"),
        "creative": _l("Creative"),
        "repair": _l("Repairing"),
        "information": _l("Information"),
        "green": _l("Greenery"),
        "other": _l("Something else"),
    },
    "resident_access": {
        "none": _l("No letter made yet"),
        "letter": _l("Letter handed over, not opened yet"),
        "expired": _l("Letter expired unused"),
        "active": _l("In use"),
        "locked": _l("Blocked"),
        "revoked": _l("Closed"),
        "erased": _l("Ended: data erased"),
        "no_further_contact": _l("Ended: no further contact wanted"),
    },
    "resident_message": {"message": _l("Message"), "call_back": _l("Please call back")},
    "activity_status": {"upcoming": _l("Coming up"), "past": _l("Took place"),
                        "cancelled": _l("Cancelled")},
    "role": {
        "flatcoach": _l("Flatcoach"),
        "professional": _l("Professional"),
        "privacy_officer": _l("Privacy officer"),
        "coordinator": _l("Coordinator"),
        "resident": _l("The resident themself"),
        "system": _l("System"),
    },
    "org_kind": {
        "buurtteam": _l("Neighbourhood team"),
        "schuldhulp": _l("Debt counselling"),
        "welzijn": _l("Welfare organisation"),
        "woningcorporatie": _l("Housing corporation"),
        "gemeente": _l("Municipality"),
        "ggz": _l("Mental health care"),
        "jongerenwerk": _l("Youth work"),
        "other": _l("Other"),
    },
    "method": {"verbal": _l("Verbally"), "written": _l("In writing"),
               "digital": _l("Digitally")},
    "legal_basis": {
        "consent": _l("Consent"),
        "contract": _l("Contract"),
        "legal_obligation": _l("Legal obligation"),
        "vital_interest": _l("Vital interest"),
        "public_task": _l("Public task"),
        "legitimate_interest": _l("Legitimate interest"),
    },
    "decision": {"allowed": _l("Allowed"), "denied": _l("Denied")},
    "review_status": {"pending": _l("Awaiting review"), "justified": _l("Justified"),
                      "unjustified": _l("Unjustified")},
    "action": {
        "offer_handover": _l("Handover offered"),
        "read_handover": _l("Handover read"),
        "export": _l("Export"),
        "view_insight": _l("Insight viewed"),
        "share_contact": _l("Contact shared"),
        "identify_requester": _l("Looked up for a request"),
        "self_access": _l("Seen by the resident on their own page"),
        "erase": _l("Erasure"),
        "anonymise": _l("Anonymisation"),
    },
    "argument": {
        "reason": _l("Reason"),
        "outcome": _l("Outcome"),
        "decline_reason": _l("Reason for declining"),
        "method": _l("How was consent given?"),
        "notice_version": _l("Privacy notice version"),
        "intro_at": _l("Date and time"),
        "place": _l("Place"),
    },
    "event": {
        "transition": _l("Status change"),
        "case_opened": _l("Case opened"),
        "help_question_saved": _l("Help question saved"),
        "case_notes_saved": _l("Notes saved"),
        "visit_recorded": _l("Visit recorded"),
        "visit_taken_back": _l("Visit taken back"),
        "resident_registered": _l("Resident registered"),
        "consent_requested": _l("Consent asked"),
        "handover_created": _l("Handover prepared"),
        "checkins_planned": _l("Check-ins planned"),
        "checkin_due": _l("Check-in due"),
        "checkin_recorded": _l("Check-in recorded"),
        "match_proposed": _l("Connection proposed"),
        "handover_escalated": _l("Handover escalated"),
        "intro_reminder": _l("Reminder: introduction not recorded"),
        "safety_disclosure_made": _l("Safety disclosure made"),
        "safety_disclosure_reviewed": _l("Safety disclosure reviewed"),
        "resident_erased": _l("Resident erased"),
        "login_succeeded": _l("Logged in"),
        "login_failed": _l("Login failed"),
        "login_throttled": _l("Login throttled"),
        "logout": _l("Logged out"),
        "token_revoked": _l("API token revoked"),
        "user_created": _l("User created"),
        "user_deactivated": _l("User deactivated"),
        "user_reactivated": _l("User reactivated"),
        "user_updated": _l("User changed"),
        "password_reset_issued": _l("Password link made"),
        "password_reset_completed": _l("Password set with a link"),
        "case_reassigned": _l("Case handed to another coach"),
        "handover_reassigned": _l("Handover handed to a colleague"),
        "escalation_resolved": _l("Escalation resolved"),
        "handover_response_reminder": _l("Reminder: handover unanswered"),
        "consent_expiry_reminder": _l("Reminder: consent ends soon"),
        "building_created": _l("Building created"),
        "organization_created": _l("Organisation created"),
        "coach_assigned": _l("Coach assigned"),
        "coach_unassigned": _l("Coach unassigned"),
        "log_exported": _l("Log exported"),
        "retention_run": _l("Retention run"),
        "activity_planned": _l("Activity planned"),
        "activity_changed": _l("Activity changed"),
        "activity_cancelled": _l("Activity cancelled"),
        "participation_recorded": _l("Participation recorded"),
        "activity_organiser_added": _l("Organiser added"),
        "activity_organiser_removed": _l("Organiser removed"),
        "resident_access_issued": _l("Letter for the resident's own page made"),
        "resident_access_activated": _l("Resident opened their own page"),
        "resident_access_revoked": _l("Resident's own page closed"),
        "resident_access_locked": _l("Resident's own page blocked after wrong attempts"),
        "resident_activation_failed": _l("Wrong code on the resident's own page"),
        "resident_sign_in_failed": _l("Wrong PIN on the resident's own page"),
        "resident_sign_in_throttled": _l("Resident's sign-in throttled"),
        "resident_signed_in": _l("Resident signed in"),
        "resident_message_sent": _l("Message from the resident"),
    },
    "object_type": {"case": _l("Case"), "handover": _l("Handover"), "consent": _l("Consent"),
                    "visit": _l("Visit"), "resident": _l("Resident"), "user": _l("User"),
                    "organization": _l("Organisation"), "building": _l("Building"),
                    "activity": _l("Activity"), "match": _l("Connection")},
    "field": {
        "display_name": _l("Name"),
        "age_band": _l("Age group"),
        "phone": _l("Phone"),
        "street": _l("Street"),
        "house_number": _l("House number"),
        "house_number_addition": _l("Addition"),
        "postcode": _l("Postcode"),
        "building_name": _l("Building"),
        "languages": _l("Languages"),
        "household_size": _l("Household size"),
        "household_notes": _l("Household"),
        "visit_themes": _l("Themes raised at the door"),
        "offers": _l("Can offer others"),
        "willingness": _l("Willing to take part"),
        "living_environment_notes": _l("Living environment"),
        "text": _l("In the resident's own words"),
        "themes": _l("Themes"),
        "urgency": _l("Urgency"),
        "finances_notes": _l("Finances"),
        "health_notes": _l("Health"),
        "safety_notes": _l("Safety"),
        "coach_notes": _l("Coach notes"),
        "birth_year": _l("Year of birth"),
        "address": _l("Address"),
        "wishes": _l("Would like from others"),
        "living_situation_notes": _l("Living situation"),
        "visit_notes": _l("Note of a visit"),
        "checkin_note": _l("Note of a check-in"),
        "handover_note": _l("Note with a handover"),
    },
}


def _english() -> bool:
    return str(get_locale() or "nl").startswith("en")


def label(value: Any, kind: str) -> str:
    """The readable name of `value`; unknown values are shown as they are."""
    key = "" if value is None else str(value)
    if kind == "category":
        return category_label(key)
    if kind == "purpose":
        return purpose_label(key)
    found = LABELS.get(kind, {}).get(key)
    return str(found) if found is not None else key


def category_label(value: str) -> str:
    try:
        info = CATEGORY_INFO[DataCategory(value)]
    except ValueError:
        return value
    return info.label_en if _english() else info.label_nl


def purpose_label(value: str) -> str:
    activity = REGISTER.get(value)
    if activity is None:
        return value
    return activity.name_en if _english() else activity.name_nl


def choices(kind: str, values: Any = None) -> list[tuple[str, str]]:
    """(value, label) pairs for a select, radio group or chips, in the given order."""
    keys = list(values) if values is not None else [k for k in LABELS[kind] if k]
    return [(str(key), label(key, kind)) for key in keys]
