"""Imports every model module so metadata (and Alembic) sees all tables."""

from __future__ import annotations


def import_all() -> None:
    from app.audit import models as _audit  # noqa: F401
    from app.auth import models as _auth  # noqa: F401
    from app.buildings import models as _buildings  # noqa: F401
    from app.organizations import models as _organizations  # noqa: F401
    from app.residents import models as _residents  # noqa: F401
