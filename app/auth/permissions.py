"""Roles and permissions as named constants: the one table every check reads.

A view names the permission it needs; `app.auth.access.require` enforces it. What lies
outside a caller's scope (another building, another organisation) is answered with 404
by each feature's own `scope.py`, so existence is never revealed.
"""

from __future__ import annotations

from enum import StrEnum

from policies.roles import Role

__all__ = ["STAFF_ROLES", "Permission", "Role"]  # the roles are the policies' (`policies.roles`)


# The roles people of the participating organisations have (the ones an administrator gives).
STAFF_ROLES: tuple[Role, ...] = tuple(role for role in Role if role is not Role.RESIDENT)


class Permission(StrEnum):
    ME_READ = "me:read"
    ORGANIZATIONS_READ = "organizations:read"
    BUILDINGS_READ = "buildings:read"
    DWELLINGS_READ = "dwellings:read"
    RESIDENTS_CREATE = "residents:create"
    RESIDENTS_READ = "residents:read"
    RESIDENTS_EXPORT = "residents:export"
    RESIDENTS_ERASE = "residents:erase"
    VISITS_CREATE = "visits:create"
    VISITS_READ = "visits:read"
    CASES_CREATE = "cases:create"
    CASES_READ = "cases:read"
    CASES_UPDATE = "cases:update"
    CASES_TRANSITION = "cases:transition"
    HANDOVERS_CREATE = "handovers:create"
    HANDOVERS_READ = "handovers:read"
    HANDOVERS_TRANSITION = "handovers:transition"
    SAFETY_DISCLOSURE_CREATE = "safety_disclosures:create"
    CONSENTS_CREATE = "consents:create"
    CONSENTS_READ = "consents:read"
    CONSENTS_TRANSITION = "consents:transition"
    AUDIT_READ = "audit:read"
    AUDIT_REVIEW = "audit:review"
    WORKFLOWS_READ = "workflows:read"
    POLICIES_READ = "policies:read"
    INSIGHTS_READ = "insights:read"
    ACTIVITIES_READ = "activities:read"
    ACTIVITIES_MANAGE = "activities:manage"
    MATCHES_CREATE = "matches:create"
    MATCHES_READ = "matches:read"
    MATCHES_TRANSITION = "matches:transition"
    ADMIN_MANAGE = "admin:manage"
    NOTIFICATIONS_READ = "notifications:read"
    CONVENANTS_MANAGE = "convenants:manage"
    FUNDING_MANAGE = "funding:manage"
    DIRECTORY_READ = "directory:read"
    DIRECTORY_MANAGE = "directory:manage"
    # The resident's own page, and the coach's letter that opens it.
    RESIDENT_ACCESS_MANAGE = "resident_access:manage"
    OWN_DATA_READ = "own_data:read"
    OWN_CONSENTS_WITHDRAW = "own_consents:withdraw"
    OWN_MESSAGES_SEND = "own_messages:send"


_EVERYONE = frozenset(
    {
        Permission.ME_READ,
        Permission.ORGANIZATIONS_READ,
        # Everyone may ask; scope answers 404 to all but the resident's coaches.
        Permission.RESIDENTS_READ,
        Permission.WORKFLOWS_READ,
        Permission.POLICIES_READ,
        Permission.NOTIFICATIONS_READ,  # each user's own inbox only
        Permission.DIRECTORY_READ,  # the sociale kaart: public services, no personal data
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FLATCOACH: _EVERYONE
    | {
        Permission.BUILDINGS_READ,
        Permission.DWELLINGS_READ,
        Permission.RESIDENTS_CREATE,
        Permission.VISITS_CREATE,
        Permission.VISITS_READ,
        Permission.CASES_CREATE,
        Permission.CASES_READ,
        Permission.CASES_UPDATE,
        Permission.CASES_TRANSITION,
        Permission.HANDOVERS_CREATE,
        Permission.HANDOVERS_READ,
        Permission.HANDOVERS_TRANSITION,
        Permission.SAFETY_DISCLOSURE_CREATE,
        Permission.CONSENTS_CREATE,
        Permission.CONSENTS_READ,
        Permission.CONSENTS_TRANSITION,
        Permission.INSIGHTS_READ,
        Permission.ACTIVITIES_READ,
        Permission.ACTIVITIES_MANAGE,
        Permission.MATCHES_CREATE,
        Permission.MATCHES_READ,
        Permission.MATCHES_TRANSITION,
        Permission.RESIDENT_ACCESS_MANAGE,
    },
    Role.PROFESSIONAL: _EVERYONE
    | {
        Permission.HANDOVERS_READ,
        Permission.HANDOVERS_TRANSITION,
    },
    Role.PRIVACY_OFFICER: _EVERYONE
    | {
        Permission.CONSENTS_READ,
        Permission.CONSENTS_TRANSITION,
        Permission.AUDIT_READ,
        Permission.AUDIT_REVIEW,
        Permission.RESIDENTS_EXPORT,
        Permission.RESIDENTS_ERASE,
        Permission.CONVENANTS_MANAGE,
        Permission.RESIDENT_ACCESS_MANAGE,
    },
    Role.COORDINATOR: _EVERYONE
    | {
        Permission.BUILDINGS_READ,
        Permission.INSIGHTS_READ,
        Permission.ACTIVITIES_READ,
        Permission.ADMIN_MANAGE,
        Permission.DIRECTORY_MANAGE,
        Permission.FUNDING_MANAGE,
    },
    # Nothing of what staff share: a resident's session reaches only the resident's own
    # pages (`app.auth.access.confine_residents`).
    Role.RESIDENT: frozenset(
        {
            Permission.OWN_DATA_READ,
            Permission.OWN_CONSENTS_WITHDRAW,
            Permission.OWN_MESSAGES_SEND,
        }
    ),
}


def has_permission(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())
