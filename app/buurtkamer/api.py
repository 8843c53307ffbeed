from __future__ import annotations

from app.api_base import api_blueprint

blp = api_blueprint("buurtkamer", __name__, "/activities", "Buurtkamer activities: organised by residents or a coach, participation counted")
