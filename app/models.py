"""Imports every model module so metadata (and Alembic) sees all tables."""

from __future__ import annotations


def import_all() -> None:
    from app.audit import models as _audit  # noqa: F401
    from app.auth import models as _auth  # noqa: F401
    from app.buildings import models as _buildings  # noqa: F401
    from app.buurtkamer import models as _buurtkamer  # noqa: F401
    from app.cases import models as _cases  # noqa: F401
    from app.consent import models as _consent  # noqa: F401
    from app.convenants import models as _convenants  # noqa: F401
    from app.directory import models as _directory  # noqa: F401
    from app.funding import models as _funding  # noqa: F401
    from app.handovers import models as _handovers  # noqa: F401
    from app.insight import models as _insight  # noqa: F401
    from app.matches import models as _matches  # noqa: F401
    from app.notifications import models as _notifications  # noqa: F401
    from app.organizations import models as _organizations  # noqa: F401
    from app.portal import models as _portal  # noqa: F401
    from app.residents import models as _residents  # noqa: F401
    from app.sync import models as _sync  # noqa: F401
    from app.timers import models as _timers  # noqa: F401
    from app.visits import models as _visits  # noqa: F401
