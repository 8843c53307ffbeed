"""The policy's reasons (`policies.Reason`) as sentences a coach reads, with what to do.

The policy decides in codes and logs English sentences with ids for the privacy officer;
a page says the same reasons here, one sentence per code, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from app.web.labels import category_label
from policies import Decision, Gap, Reason

SENTENCES = {
    Reason.INVALID_REQUEST: _l("This purpose or these topics cannot be shared."),
    Reason.AGGREGATES_ONLY: _l(
        "This purpose shows neighbourhood totals only, never one resident's data."),
    Reason.PRIVACY_OFFICER_ONLY: _l(
        "Only the privacy officer answers a resident's request for their data."),
    Reason.SELF_ACCESS_ONLY: _l(
        "A resident reads their own data only on their own page, as a request for their data."),
    Reason.RESIDENT_ERASED: _l(
        "This resident's data has been erased: nothing about them is shared any more."),
    Reason.READER_NOT_RECIPIENT: _l("Only the recipient named in the consent may see this."),
    Reason.ONE_RECIPIENT: _l("Share with one organisation or one resident, not both."),
    Reason.NOT_TO_RESIDENTS: _l("For this purpose nothing is shared with other residents."),
    Reason.NOT_CONSENT_BASED: _l(
        "This purpose does not rest on consent: only a safety disclosure can allow sharing."),
    Reason.HANDOVER_ENDED: _l(
        "The handover was withdrawn or declined: the organisation no longer sees it."),
    Reason.NOT_OFFERED_UNDER_CONSENT: _l(
        "The handover was not offered under a consent of the resident."),
    Reason.NO_CONSENT: _l(
        "The resident has not consented to sharing with this organisation for this purpose. "
        "Record their consent first, or save the handover as a draft and ask for it."),
    Reason.CONSENT_OTHER_PURPOSE: _l(
        "The resident's consent for this organisation is for another purpose. Choose that "
        "purpose, or ask for consent for this one."),
    Reason.CONSENT_OTHER_RECIPIENT: _l(
        "The resident's consent for this purpose names another organisation, and a consent "
        "covers only the organisation it names. Ask for consent for this organisation."),
    Reason.CONSENT_EXPIRED: _l("The resident's consent has expired. Ask for it again."),
    Reason.CONSENT_REQUESTED: _l(
        "Consent has been asked for but not given yet. Record the resident's answer first."),
    Reason.CONSENT_REFUSED: _l("The resident refused consent: nothing is shared."),
    Reason.CONSENT_WITHDRAWN: _l("The resident withdrew their consent: nothing is shared."),
    Reason.CONSENT_REVOKED: _l(
        "The consent was recorded in error and has been revoked. Record the resident's "
        "consent again."),
    Reason.CONSENT_NOT_VALID: _l("The resident's consent is not valid."),
    Reason.OTHER_CONSENTS_NOT_VALID: _l(
        "Other consents for this organisation and purpose are not valid either."),
    Reason.CATEGORIES_NOT_COVERED: _l(
        "The consent does not cover: %(categories)s. Ask the resident for a wider consent, "
        "or untick these topics."),
    Reason.HEALTH_NEEDS_EXPLICIT_CONSENT: _l(
        "Health is shared only when the consent names it explicitly."),
    Reason.NO_CONVENANT: _l(
        "This organisation is not a party to the convenant for this purpose: nothing can be "
        "shared with it yet. Ask the privacy officer."),
    Reason.CONVENANT_ENDED: _l("The convenant has ended. Ask the privacy officer."),
    Reason.CONVENANT_NOT_YET: _l("The convenant is not in force yet."),
    Reason.PARTY_LEFT: _l("This organisation has left the convenant."),
    Reason.PARTY_NOT_YET: _l("This organisation joins the convenant later."),
    Reason.CONVENANT_CATEGORIES: _l(
        "The convenant does not allow sharing: %(categories)s. Untick these topics."),
    Reason.NO_SAFETY_DISCLOSURE: _l("No safety disclosure was made either."),
    Reason.SAFETY_OTHER_ORGANISATION: _l(
        "The safety disclosure was made for another organisation."),
    Reason.SAFETY_BASIS: _l("The safety disclosure has no legal basis that allows sharing."),
    Reason.SAFETY_UNJUSTIFIED: _l(
        "The privacy officer judged the safety disclosure unjustified."),
    Reason.SAFETY_REVIEW_UNKNOWN: _l(
        "The review of the safety disclosure is unclear. Ask the privacy officer."),
    Reason.SAFETY_OUTSIDE_CONVENANT: _l(
        "This organisation is outside the convenant: a safety disclosure to it needs a legal "
        "obligation as its basis."),
}

# Said only when nothing else is: beside a gap in the consent they add nothing to do.
_SECONDARY = frozenset({Reason.NO_SAFETY_DISCLOSURE, Reason.OTHER_CONSENTS_NOT_VALID})


def sentence(gap: Gap) -> str:
    return str(SENTENCES[gap.code]) % {
        "categories": ", ".join(category_label(category) for category in gap.categories)}


def explain(gaps: Decision | Iterable[Gap]) -> list[str]:
    """What the reasons of a decision (or these gaps) mean, each sentence once, in order."""
    found = list(gaps.gaps if isinstance(gaps, Decision) else gaps)
    if any(gap.code not in _SECONDARY for gap in found):
        found = [gap for gap in found if gap.code not in _SECONDARY]
    return list(dict.fromkeys(sentence(gap) for gap in found))
