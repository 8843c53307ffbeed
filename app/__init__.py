"""Buurtpad: outreach cases, warm handovers and consent-governed data sharing."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from app.config import load_config
from app.db import canonical_json


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from app.unit_of_work import UnitOfWorkFlask

    app = UnitOfWorkFlask(__name__, static_folder=None)
    app.config.from_mapping(load_config(config))
    from app.validation import refuse_impossible_row_ids

    app.url_value_preprocessor(refuse_impossible_row_ids)
    from app import input_rules

    input_rules.init_app(app)  # before anything reads a request or sets JSON options
    app.json.sort_keys = False  # type: ignore[attr-defined]
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # SQL errors must never echo bound values (personal data) into logs.
    engine_options.setdefault("hide_parameters", True)
    engine_options.setdefault("json_serializer", canonical_json)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    _ensure_sqlite_directory(app)
    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from app import i18n, models, security, tracing
    from app.db import configure_sqlite
    from app.extensions import api, csrf, db, login_manager, migrate
    from app.timers import autorun

    models.import_all()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True,
                     compare_type=True)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    tracing.init_app(app)
    autorun.init_app(app)
    api.init_app(app)
    from sqlalchemy.exc import OperationalError

    from app.errors import Refused
    from app.web.errors import render_error_page
    from policies.errors import BsnNotAllowed

    api.render_error_page = render_error_page
    app.register_error_handler(OperationalError, api.answer_database_unavailable)
    app.register_error_handler(BsnNotAllowed, api.answer_bsn_refused)
    app.register_error_handler(Refused, api.answer_refused)
    _register_blueprints(app)
    _register_commands(app)
    if not app.debug and not app.testing:
        logging.getLogger("app").setLevel(logging.INFO)
    return app


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _ensure_sqlite_directory(app: Flask) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _register_blueprints(app: Flask) -> None:
    from app.audit.api import blp as audit_api
    from app.auth.api import blp as auth_api
    from app.buildings.api import blp as buildings_api
    from app.buurtkamer.api import blp as buurtkamer_api
    from app.cases.api import blp as cases_api
    from app.consent.api import blp as consent_api
    from app.convenants.api import blp as convenants_api
    from app.directory.api import blp as directory_api
    from app.extensions import api, csrf
    from app.handovers.api import blp as handovers_api
    from app.insight.api import blp as insight_api
    from app.matches.api import blp as matches_api
    from app.notifications.api import blp as notifications_api
    from app.organizations.api import blp as organizations_api
    from app.privacy.api import blp as privacy_api
    from app.reference.api import blp as reference_api
    from app.residents.api import blp as residents_api
    from app.visits.api import blp as visits_api
    from app.web.docs import bp as docs_bp
    from app.web.views import bp as web_bp

    for blueprint in (auth_api, organizations_api, buildings_api, residents_api, visits_api,
                      cases_api, handovers_api, consent_api, audit_api, privacy_api,
                      reference_api, matches_api, buurtkamer_api, insight_api,
                      notifications_api, convenants_api, directory_api):
        api.register_blueprint(blueprint)
        # The API authenticates with bearer tokens, never cookies: CSRF does not apply.
        csrf.exempt(blueprint)
    # Funding streams and the funders' accounts: the API (bearer tokens) and the pages.
    from app.funding.api import blp as funding_api
    from app.funding.views import bp as funding_pages

    api.register_blueprint(funding_api)
    csrf.exempt(funding_api)
    app.register_blueprint(funding_pages)
    app.register_blueprint(docs_bp)
    app.register_blueprint(web_bp)
    from app.admin.views import bp as admin_pages
    from app.audit.views import bp as audit_pages
    from app.buildings.views import bp as buildings_pages
    from app.buurtkamer.views import bp as buurtkamer_pages
    from app.cases.views import bp as cases_pages
    from app.consent.views import bp as consent_pages
    from app.convenants.views import bp as convenants_pages
    from app.handovers.views import bp as handovers_pages
    from app.insight.views import bp as insight_pages
    from app.matches.views import bp as matches_pages
    from app.notifications.views import bp as notifications_pages
    from app.portal.views import bp as portal_pages
    from app.privacy.views import bp as privacy_pages
    from app.reference.views import bp as reference_pages
    from app.residents.views import bp as residents_pages
    from app.search.views import bp as search_pages
    from app.today.views import bp as today_pages
    from app.visits.views import bp as visits_pages

    for pages in (buildings_pages, visits_pages, residents_pages, cases_pages, consent_pages,
                  handovers_pages, today_pages, audit_pages, privacy_pages, admin_pages,
                  reference_pages, matches_pages, buurtkamer_pages, insight_pages,
                  notifications_pages, convenants_pages, search_pages, portal_pages):
        app.register_blueprint(pages)
    # Recordings made without a signal: bearer clients send them to the API (no CSRF, as
    # above), the pages' phones to `POST /sync` with their session and CSRF token.
    from app.sync.api import blp as sync_api
    from app.sync.views import bp as sync_pages

    api.register_blueprint(sync_api)
    csrf.exempt(sync_api)
    app.register_blueprint(sync_pages)


def _register_commands(app: Flask) -> None:
    from app.audit.cli import audit_cli
    from app.convenants.cli import convenant_cli
    from app.demo.cli import demo_command
    from app.directory.cli import directory_cli
    from app.insight.cli import insight_cli
    from app.privacy.cli import retention_cli
    from app.timers.cli import workflows_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(convenant_cli)
    app.cli.add_command(workflows_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(insight_cli)
