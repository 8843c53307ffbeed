from __future__ import annotations

from app.api_base import api_blueprint

blp = api_blueprint("matches", __name__, "/matches", "Residents connected on what they offer and wish for, after both consent")
