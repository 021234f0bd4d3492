"""PostgreSQL row-level security: the second wall behind the ORM scope.

Each studio-owned table gets a policy that lets a row through only when its
``studio_id`` equals the transaction's ``app.studio_id`` setting. ``FORCE`` makes the
policy bind the owner too; the app itself runs as ``frontdesk_app``, a role that owns
nothing, so even a raw SQL string cannot read or write across studios.

Work that spans studios (sweeps, sign-in by email) runs as a second role,
``frontdesk_system``, whose own policy lets every row through. It is a role, not a
setting: the app role can write any setting it likes, but it is not a member of the
system role and cannot ``SET ROLE`` to it (migration 0012; before it, a setting
``app.system = 'on'`` was the bypass, and the app role could switch it on itself).

The two global tables are walled too (0012): anyone may read ``studios`` and
``inbound_addresses`` (an inbound text is routed before any studio is known), but a
studio's row and its addresses can be changed only in that studio's scope or by the
system role.

Migrations call these helpers; they do nothing on other databases.
"""

from __future__ import annotations

import os

POLICY = "studio_isolation"
SYSTEM_POLICY = "system_sweep"
SCOPE = "nullif(current_setting('app.studio_id', true), '')::integer"
PREDICATE = f"(studio_id = {SCOPE})"
# 0002's predicate, kept for its downgrade: the setting any role could write
LEGACY_PREDICATE = f"(current_setting('app.system', true) = 'on' OR studio_id = {SCOPE})"


def app_role() -> str:
    return os.environ.get("DB_APP_ROLE", "frontdesk_app") or "frontdesk_app"


def system_role() -> str:
    """The role cross-studio sessions switch to: ``DB_SYSTEM_ROLE`` (default ``frontdesk_system``)."""
    return os.environ.get("DB_SYSTEM_ROLE", "frontdesk_system") or "frontdesk_system"


def ensure_system_role(op) -> None:
    """Create the system role (no login, no BYPASSRLS: its policies say what it may do), give
    it the app role's data rights, and make the migrating user a member so that the
    connection it lends the app can ``SET LOCAL ROLE`` to it. The app role never is."""
    _ensure_role(op, system_role())


def wall_studio_table(op, table: str) -> None:
    """A studio-owned table: its studio's scope, or the system role (no setting bypass)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING {PREDICATE} WITH CHECK {PREDICATE}")
    op.execute(f"DROP POLICY IF EXISTS {SYSTEM_POLICY} ON {table}")
    op.execute(f'CREATE POLICY {SYSTEM_POLICY} ON {table} TO "{system_role()}" USING (true) WITH CHECK (true)')


def wall_global_table(op, table: str, owner_column: str) -> None:
    """``studios`` (``id``) or ``inbound_addresses`` (``studio_id``): everyone reads; a row is
    written only in its studio's scope or by the system role; new studios come from anyone
    (sign-up makes them as the system role; a new row holds nobody's data)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    own = f"({owner_column} = {SCOPE})"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for name in ("global_read", "own_insert", "own_update", "own_delete", SYSTEM_POLICY):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    op.execute(f"CREATE POLICY global_read ON {table} FOR SELECT USING (true)")
    insert_check = "true" if table == "studios" else own
    op.execute(f"CREATE POLICY own_insert ON {table} FOR INSERT WITH CHECK ({insert_check})")
    op.execute(f"CREATE POLICY own_update ON {table} FOR UPDATE USING {own} WITH CHECK {own}")
    op.execute(f"CREATE POLICY own_delete ON {table} FOR DELETE USING {own}")
    op.execute(f'CREATE POLICY {SYSTEM_POLICY} ON {table} TO "{system_role()}" USING (true) WITH CHECK (true)')


def unwall_global_table(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("global_read", "own_insert", "own_update", "own_delete", SYSTEM_POLICY):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def ensure_app_role(op) -> None:
    """Create the app role if missing and give it data rights, never ownership."""
    _ensure_role(op, app_role())


def _ensure_role(op, role: str) -> None:
    """``role`` exists (NOLOGIN, no BYPASSRLS), the migrating user is a member of it, and it
    may read and write every table but ``alembic_version`` (now and later), owning none."""
    if op.get_bind().dialect.name != "postgresql":
        return
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


def enable(op, table: str, predicate: str | None = None) -> None:
    """RLS on a studio-owned table. Migrations before 0012 pass ``LEGACY_PREDICATE`` (what
    they created then); later ones call ``wall_studio_table`` after this, or nothing more
    once 0012 has run (``enable`` then adds the system role's policy too)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    chosen = predicate or PREDICATE
    op.execute(f"CREATE POLICY {POLICY} ON {table} USING {chosen} WITH CHECK {chosen}")
    if predicate is None:
        op.execute(f"DROP POLICY IF EXISTS {SYSTEM_POLICY} ON {table}")
        op.execute(f'CREATE POLICY {SYSTEM_POLICY} ON {table} TO "{system_role()}" USING (true) WITH CHECK (true)')


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    op.execute(f"DROP POLICY IF EXISTS {SYSTEM_POLICY} ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
