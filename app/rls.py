"""PostgreSQL row-level security: the second wall behind the ORM scope.

Each studio-owned table gets a policy that lets a row through only when its
``studio_id`` equals the transaction's ``app.studio_id`` setting, or when the
transaction says it is a system sweep (``app.system = 'on'``). ``FORCE`` makes the
policy bind the owner too; the app itself runs as ``frontdesk_app``, a role that owns
nothing, so even a raw SQL string cannot read or write across studios.
Migrations call these helpers; they do nothing on other databases.
"""

from __future__ import annotations

import os

POLICY = "studio_isolation"
PREDICATE = (
    "(current_setting('app.system', true) = 'on' OR "
    "studio_id = nullif(current_setting('app.studio_id', true), '')::integer)"
)


def app_role() -> str:
    return os.environ.get("DB_APP_ROLE", "frontdesk_app") or "frontdesk_app"


def ensure_app_role(op) -> None:
    """Create the app role if missing and give it data rights, never ownership."""
    if op.get_bind().dialect.name != "postgresql":
        return
    role = app_role()
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
          IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', '{role}', current_user);
          END IF;
        END $$;
        """
    )
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    op.execute(f'REVOKE ALL ON TABLE alembic_version FROM "{role}"')
    op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"')
    op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')


def enable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING {PREDICATE} WITH CHECK {PREDICATE}")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
