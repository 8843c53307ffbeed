"""Extension objects, created unbound; `create_app` calls each one's `init_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from app.api_base import BuurtpadApi
from app.db import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = BuurtpadApi()

__all__ = ["api", "babel", "csrf", "db", "login_manager", "migrate"]
