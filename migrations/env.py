"""Alembic environment: the app's metadata and engine, via Flask-Migrate.

Migrations run as the role that owns the tables: `MIGRATION_DATABASE_URL` when it is set,
otherwise `DATABASE_URL` (one role, as with the embedded SQLite file). When the two URLs name
different roles on PostgreSQL, the role of `DATABASE_URL` is the application's: after every
upgrade or downgrade it is given the rows it works with and nothing more (see
`grant_application_role`), so it can neither change the append-only logs nor switch off their
triggers. An SQL script (`db upgrade --sql`) holds no grants: the next online upgrade sets them.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
migration_url = current_app.config.get("MIGRATION_DATABASE_URI")
config.set_main_option(
    "sqlalchemy.url",
    (migration_url or target_db.engine.url.render_as_string(hide_password=False)).replace(
        "%", "%%"),
)

# What the application role may do per table; every other table: read and write rows.
# The logs (tables whose triggers refuse changes) are read and appended to; the heads of
# their hash chains are created and moved on, never removed; Alembic's bookkeeping is the
# owner's alone. No TRUNCATE, REFERENCES or TRIGGER anywhere, and ownership of nothing.
ROW_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
LOG_PRIVILEGES = ("SELECT", "INSERT")
TABLE_PRIVILEGES = {"log_chain_heads": ("SELECT", "INSERT", "UPDATE"), "alembic_version": ()}


def get_metadata():
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Render the app's column types as plain SQLAlchemy types: migrations never import app code."""
    if type_ == "type" and type(obj).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # An autogenerate run that finds no change writes no empty revision.
        autogenerate = getattr(config.cmd_opts, "autogenerate", False)
        if autogenerate and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)

    engine = target_db.engine
    if migration_url:
        engine = create_engine(migration_url, poolclass=NullPool,
                               **current_app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                role = application_role(connection)
                # Only commands that move the schema (upgrade, downgrade, stamp) grant.
                if role and "destination_rev" in context.get_context().opts:
                    grant_application_role(connection, role)
    finally:
        if engine is not target_db.engine:
            engine.dispose()


def application_role(connection: Connection) -> str | None:
    """The role of `DATABASE_URL` when migrations run as another one on PostgreSQL."""
    if not migration_url or connection.dialect.name != "postgresql":
        return None
    role = target_db.engine.url.username
    if role == make_url(migration_url).username:
        return None
    if not role:
        raise RuntimeError("MIGRATION_DATABASE_URL is set, so DATABASE_URL must name the "
                           "application's role (postgresql+psycopg://ROLE@host/database).")
    return role


def grant_application_role(connection: Connection, role: str) -> None:
    """Give the application role its rights on every table of the schema, afresh.

    Refuses a role that could undo the append-only guard anyway (see `refusals`)."""
    problems = refusals(connection, role)
    if problems:
        raise RuntimeError(f"The application role {role!r} could change or drop the logs: it "
                           f"{'; '.join(problems)}. See the README, Production.")
    quote = connection.dialect.identifier_preparer.quote
    relations = connection.execute(text("""
        SELECT c.relname, c.relkind = 'S',
               EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = c.oid
                       AND t.tgfoid = to_regproc('buurtpad_refuse_log_change'))
        FROM pg_class c
        WHERE c.relnamespace = to_regnamespace(current_schema())
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
        ORDER BY c.relname
    """)).all()
    for name, is_sequence, append_only in relations:
        if is_sequence:
            privileges: tuple[str, ...] = ("USAGE",)
        elif append_only:
            privileges = LOG_PRIVILEGES
        else:
            privileges = TABLE_PRIVILEGES.get(name, ROW_PRIVILEGES)
        target = f"{'SEQUENCE ' if is_sequence else ''}{quote(name)}"
        connection.execute(text(f"REVOKE ALL ON {target} FROM {quote(role)}"))
        if privileges:
            connection.execute(text(f"GRANT {', '.join(privileges)} ON {target} TO {quote(role)}"))
    logger.info("Granted %s its rights on %d tables and sequences.", role, len(relations))


def refusals(connection: Connection, role: str) -> list[str]:
    """Why `role` could switch the logs' protection off, if it could: it is a superuser, may
    create roles (and so join the owner's), owns (or is a member of the owner of) a table or
    the schema, or may create objects (a schema of its own name would come first on the
    search path, a table there would stand in for a log)."""
    found = connection.execute(text("""
        SELECT r.rolsuper OR r.rolbypassrls, r.rolcreaterole,
               pg_has_role(r.oid, n.nspowner, 'MEMBER'),
               has_schema_privilege(r.oid, n.oid, 'CREATE')
                   OR has_database_privilege(r.oid, current_database(), 'CREATE'),
               array(SELECT c.relname FROM pg_class c
                     WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                       AND pg_has_role(r.oid, c.relowner, 'MEMBER') ORDER BY 1)
        FROM pg_roles r, pg_namespace n
        WHERE r.rolname = :role AND n.nspname = current_schema()
    """), {"role": role}).first()
    if found is None:
        return ["does not exist (create it first)"]
    superuser, creates_roles, owns_schema, creates_objects, owned = found
    reasons = {
        "is a superuser or bypasses row security": superuser,
        "may create roles": creates_roles,
        "owns the schema (or is a member of its owner)": owns_schema,
        "may create objects (REVOKE CREATE ON SCHEMA and ON DATABASE from it and PUBLIC)":
            creates_objects,
        f"owns (or is a member of the owner of) {len(owned)} tables and sequences "
        f"({', '.join(owned[:3])}{', …' if len(owned) > 3 else ''})": owned,
    }
    return [reason for reason, holds in reasons.items() if holds]


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
