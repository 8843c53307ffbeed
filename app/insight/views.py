from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insight_pages", __name__, template_folder="templates")
