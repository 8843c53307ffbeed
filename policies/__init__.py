"""Buurtpad's privacy policy as plain Python: data categories, the processing register
(GDPR Art. 30), consent facts, the one disclosure decision, the BSN ban and consent records.

No web framework and no database here: a privacy officer can read, test and review this
package on its own. The application calls `decide()` before every disclosure of a
resident's data and logs the `Decision`.
"""

from policies.bsn import contains_bsn, is_bsn, reject_bsn
from policies.categories import (
    ALL_CATEGORIES,
    CATEGORY_FIELDS,
    CATEGORY_INFO,
    FIELD_CATEGORY,
    SPECIAL_CATEGORIES,
    CategoryInfo,
    DataCategory,
    fields_for,
    in_order,
    parse_categories,
)
from policies.consent import (
    DEFAULT_VALIDITY_MONTHS,
    DPV_CONSENT_STATUS,
    ConsentFacts,
    ConsentState,
    default_valid_until,
)
from policies.consent_record import ConsentEvent, Party, build_consent_record
from policies.convenant import ConvenantCover, ConvenantFacts, ConvenantParty, convenant_cover
from policies.decision import (
    SAFETY_BASES,
    SHARING_RULES,
    Action,
    Decision,
    DisclosureRequest,
    ReviewStatus,
    SafetyDisclosureFacts,
    decide,
    describe_rules,
)
from policies.errors import BsnNotAllowed, PolicyError, UnknownCategory, UnknownPurpose
from policies.reasons import Gap, Reason
from policies.register import (
    REGISTER,
    Confidentiality,
    LegalBasis,
    ProcessingActivity,
    RetentionStart,
    get_activity,
)
from policies.roles import SYSTEM, Role

__all__ = [
    "SAFETY_BASES",
    "SYSTEM",
    "Role",
    "ALL_CATEGORIES",
    "CATEGORY_FIELDS",
    "CATEGORY_INFO",
    "DEFAULT_VALIDITY_MONTHS",
    "DPV_CONSENT_STATUS",
    "FIELD_CATEGORY",
    "REGISTER",
    "SHARING_RULES",
    "SPECIAL_CATEGORIES",
    "Action",
    "BsnNotAllowed",
    "CategoryInfo",
    "Confidentiality",
    "ConsentEvent",
    "ConsentFacts",
    "ConsentState",
    "ConvenantCover",
    "ConvenantFacts",
    "ConvenantParty",
    "DataCategory",
    "Decision",
    "DisclosureRequest",
    "Gap",
    "LegalBasis",
    "Party",
    "PolicyError",
    "ProcessingActivity",
    "Reason",
    "RetentionStart",
    "ReviewStatus",
    "SafetyDisclosureFacts",
    "UnknownCategory",
    "UnknownPurpose",
    "build_consent_record",
    "contains_bsn",
    "convenant_cover",
    "decide",
    "default_valid_until",
    "describe_rules",
    "fields_for",
    "get_activity",
    "in_order",
    "is_bsn",
    "parse_categories",
    "reject_bsn",
]
