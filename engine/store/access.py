"""Who may see and change what, enforced in the store.

Local mode (`make run`, no login) works on the plain Store: every team, read and write. Hosted
mode gives each request a Scope: a logged-in coach sees the teams the `coaches` table lists, an
admin every team, and a signed athlete link one athlete, read-only. `scoped(store, scope)`
returns a store on which

- every read sees only the scope's rows: each cursor gets TEMP views named like the tables
  (athletes, activities, samples, ...) that shadow them, so every query of engine/, present or
  future, reads through the scope without knowing it;
- every write runs in one transaction that is rolled back with OutOfScope when it changed any row
  outside the scope (a fingerprint, count and hash, of the out-of-scope rows of every guarded
  table, before and after), and a read-only scope cannot open a write transaction at all.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd
from itsdangerous import BadData, URLSafeTimedSerializer

from engine import clock
from engine.store.db import Store, fetch_one, next_id


class AccessDenied(ValueError):
    """The caller may not see or do this; str(err) is the one line shown."""


class OutOfScope(AccessDenied):
    """A write that would change rows of athletes or teams outside the caller's scope."""


class ReadOnly(AccessDenied):
    """A write through a read-only scope (a signed athlete link)."""


class AdminOnly(AccessDenied):
    """A change to what every team shares (trained models, app-wide settings) by a coach who sees
    only some teams."""


class NotACoach(AccessDenied):
    """A login that the coaches table does not list."""


class LinkInvalid(AccessDenied):
    """A tampered, expired, revoked or unknown athlete link; it says nothing more."""

    def __init__(self):
        super().__init__("link invalid or expired")


@dataclass(frozen=True)
class Scope:
    """What one caller sees: `teams` (None = every team; '' = athletes without a team), or one
    athlete (a signed link); `who` names the caller (the login's e-mail, or the link)."""
    who: str
    teams: frozenset[str] | None = None
    athlete_id: int | None = None
    read_only: bool = False

    @property
    def everything(self) -> bool:
        return self.teams is None and self.athlete_id is None


LOCAL = Scope("local")
# shared by the whole app: read by every scope, changed by the local one or an admin only
APP_WIDE = ("app_settings", "models", "jobs")


# --- coaches -----------------------------------------------------------------------------------

def add_coach(store: Store, email: str, teams: list[str], admin: bool = False) -> None:
    """Let `email` log in and see `teams` (all of them when admin); replaces an earlier entry."""
    email = email.strip().lower()
    if "@" not in email:
        raise AccessDenied(f"{email!r} is not an e-mail address")
    with store.transaction() as cur:
        cur.execute("INSERT OR REPLACE INTO coaches VALUES (?, ?, ?, ?)",
                    [email, sorted({t.strip() for t in teams}), bool(admin), clock.now()])


def coaches(store: Store) -> pd.DataFrame:
    return store.query("SELECT email, teams, is_admin, added_at FROM coaches ORDER BY email")


def coach_scope(store: Store, email: str | None) -> Scope:
    """The scope of a logged-in coach; NotACoach when the coaches table does not list the e-mail."""
    email = (email or "").strip().lower()
    with store.cursor() as cur:
        row = fetch_one(cur, "SELECT teams, is_admin FROM coaches WHERE email = ?", [email])
    if row is None:
        raise NotACoach(f"{email or 'this login'} is not a coach of this dashboard: ask an admin to add you")
    teams, admin = row
    return Scope(email, None if admin else frozenset(teams))


# --- signed read-only athlete links ----------------------------------------------------------

LINK_SALT = "athlete-link"      # itsdangerous salt: a token signed for anything else never validates
MAX_LINK_DAYS = 90


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if not secret:
        raise AccessDenied("athlete links need a secret (hosted mode: [auth] cookie_secret in secrets.toml)")
    return URLSafeTimedSerializer(secret, salt=LINK_SALT)


def create_link(store: Store, secret: str, athlete_id: int, days: int, created_by: str) -> str:
    """A token for a read-only link to one athlete that expires after `days` (1-MAX_LINK_DAYS),
    HMAC-signed (itsdangerous) and listed in athlete_links, where it can be revoked. The caller's
    store must see the athlete (a coach links only their own athletes)."""
    if not 1 <= int(days) <= MAX_LINK_DAYS:
        raise AccessDenied(f"a link lasts 1 to {MAX_LINK_DAYS} days, not {days}")
    with store.cursor() as cur:
        if fetch_one(cur, "SELECT 1 FROM athletes WHERE athlete_id = ?", [int(athlete_id)]) is None:
            raise OutOfScope(f"no athlete {athlete_id} in your teams")
    now = pd.Timestamp(clock.now())
    with store.transaction() as cur:
        link_id = next_id(cur, "athlete_links", "link_id")
        cur.execute("INSERT INTO athlete_links VALUES (?, ?, ?, ?, ?, NULL)",
                    [link_id, int(athlete_id), created_by, now, now + pd.Timedelta(days=int(days))])
    return _serializer(secret).dumps({"link": link_id, "athlete": int(athlete_id)})


def links(store: Store) -> pd.DataFrame:
    """The athlete links the caller may see, newest first, with the athlete's name and a status
    (active, expired or revoked)."""
    return store.query(
        """SELECT l.link_id, l.athlete_id, a.name AS athlete, l.created_by, l.created_at, l.expires_at,
                  l.revoked_at, CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
                                     WHEN l.expires_at < ? THEN 'expired' ELSE 'active' END AS status
           FROM athlete_links l JOIN athletes a USING (athlete_id) ORDER BY l.link_id DESC""", [clock.now()])


def revoke_link(store: Store, link_id: int) -> None:
    """Revoke a link at once (the caller's store must see its athlete)."""
    with store.transaction() as cur:
        found = cur.execute("UPDATE athlete_links SET revoked_at = ? WHERE link_id = ? AND revoked_at IS NULL "
                            "RETURNING link_id", [clock.now(), int(link_id)]).fetchall()
    if not found:
        raise AccessDenied(f"no active link {link_id}")


def link_scope(store: Store, secret: str, token: str) -> Scope:
    """The read-only scope of one athlete that a valid token opens; LinkInvalid for a token that is
    tampered with, past its expiry, revoked or unknown (the same message for each)."""
    try:
        data = _serializer(secret).loads(token, max_age=MAX_LINK_DAYS * 86400)
        link_id, athlete_id = int(data["link"]), int(data["athlete"])
    except (BadData, KeyError, TypeError, ValueError):
        raise LinkInvalid() from None
    with store.cursor() as cur:
        row = fetch_one(cur, "SELECT athlete_id, expires_at, revoked_at FROM athlete_links WHERE link_id = ?",
                        [link_id])
    if row is None or row[0] != athlete_id or row[2] is not None or row[1] < clock.now():
        raise LinkInvalid()
    return Scope(f"link {link_id}", athlete_id=athlete_id, read_only=True)


# --- the scoped store --------------------------------------------------------------------------

def _tables(cur: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'main' AND table_catalog = current_database() "
                       "AND table_name IN (SELECT table_name FROM information_schema.tables "
                       "WHERE table_type = 'BASE TABLE' AND table_catalog = current_database())").fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def _predicates(tables: dict[str, set[str]], scope: Scope, db: str) -> dict[str, str]:
    """table -> SQL condition on its rows `t` that holds for the rows inside `scope`; tables
    without one are shared by everyone (the exercise catalog, the cohort, models, settings of the
    app). `{db}` names the real tables, so that a condition still reads them once views shadow them."""
    main = f'"{db}".main'

    def text(value: str) -> str:            # an SQL string literal (the values are ours or a login's)
        return "'" + value.replace("'", "''") + "'"

    teams = ", ".join(text(t) for t in sorted(scope.teams or ())) or "NULL"
    if scope.athlete_id is not None:
        athletes = f"(SELECT athlete_id FROM {main}.athletes WHERE athlete_id = {int(scope.athlete_id)})"
    else:
        athletes = f"(SELECT athlete_id FROM {main}.athletes WHERE coalesce(team, '') IN ({teams}))"
    out = {}
    for table, columns in tables.items():
        if table == "athletes":
            out[table] = f"t.athlete_id IN {athletes}"
        elif table == "imports":    # a rejected file names no athlete: its row is the sender's
            out[table] = f"(t.athlete_id IN {athletes} OR (t.athlete_id IS NULL AND t.imported_by = {text(scope.who)}))"
        elif "athlete_id" in columns:
            out[table] = f"t.athlete_id IN {athletes}"
        elif "activity_id" in columns:
            out[table] = (f"t.activity_id IN (SELECT activity_id FROM {main}.activities "
                          f"WHERE athlete_id IN {athletes})")
        elif table == "load_settings":
            out[table] = f"t.team IN (SELECT coalesce(team, '') FROM {main}.athletes WHERE athlete_id IN {athletes})"
            if scope.teams is not None:
                out[table] = f"({out[table]} OR t.team IN ({teams}))"
        elif table == "coaches":
            out[table] = f"t.email = {text(scope.who)}"
    return out


class ScopedStore:
    """A Store seen through a Scope (module docstring); the same interface as Store."""

    def __init__(self, store: Store, scope: Scope):
        self._store, self.scope = store, scope
        self.path, self.schema_version = store.path, store.schema_version
        with store.cursor() as cur:
            self._db = fetch_one(cur, "SELECT current_database()")[0]
            self._where = _predicates(_tables(cur), scope, self._db)
        self._guarded = {**self._where, **{t: "false" for t in APP_WIDE}}   # only the local scope changes these

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor whose table names read the scope's rows only (TEMP views shadow the tables).
        A view has no rowid of its own, so each carries its table's as a column named rowid."""
        cur = self._store.cursor()
        for table, where in self._where.items():
            cur.execute(f'CREATE OR REPLACE TEMP VIEW "{table}" AS '
                        f'SELECT t.rowid AS rowid, t.* FROM "{self._db}".main."{table}" t WHERE {where}')
        return cur

    def query(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Store.query through the scope; a `*` that picked up a view's rowid column drops it."""
        with self.cursor() as cur:
            return cur.execute(sql, params or []).df().drop(columns="rowid", errors="ignore")

    def _outside(self, cur: duckdb.DuckDBPyConnection) -> list[tuple]:
        """Count and hash of every guarded table's rows outside the scope."""
        return [fetch_one(cur, f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{self._db}".main."{table}" t '
                               f"WHERE NOT coalesce({where}, false)")
                for table, where in self._guarded.items()]

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Store.transaction, refused for a read-only scope and rolled back (OutOfScope) when it
        changed a row outside the scope. An athlete it created without a team joins the scope's
        first team (in alphabetical order), and the imports it logged name the caller."""
        if self.scope.read_only:
            raise ReadOnly("this link is read-only")
        with self._store.transaction() as cur:
            before = self._outside(cur)
            last_athlete = fetch_one(cur, "SELECT coalesce(max(athlete_id), 0) FROM athletes")[0]
            last_import = fetch_one(cur, "SELECT coalesce(max(import_id), 0) FROM imports")[0]
            yield cur
            if self.scope.teams:       # athletes this write created (an import) join the coach's first team
                cur.execute("UPDATE athletes SET team = ? WHERE athlete_id > ? AND team IS NULL",
                            [sorted(self.scope.teams)[0] or None, last_athlete])
            cur.execute("UPDATE imports SET imported_by = ? WHERE import_id > ?", [self.scope.who, last_import])
            if self._outside(cur) != before:
                raise OutOfScope("that change touches athletes or teams outside your teams: nothing was saved")

    def data_version(self) -> int:
        return self._store.data_version()

    def close(self) -> None:
        """The underlying Store stays open (it is shared)."""


def whole(store: Store | ScopedStore) -> bool:
    """Whether `store` sees the whole database (local mode or an admin): needed to change what
    every team shares, the trained models (which learn from every team) and app-wide settings."""
    return not isinstance(store, ScopedStore)


def require_whole(store: Store | ScopedStore, refusal: str) -> None:
    """AdminOnly(refusal), before anything is written, unless `store` sees the whole database."""
    if not whole(store):
        raise AdminOnly(refusal)


def scoped(store: Store, scope: Scope) -> Store | ScopedStore:
    """`store` itself for the local scope, else the store seen through `scope` (built once per
    store and scope: the app asks for it on every read)."""
    if scope.everything and not scope.read_only:
        return store
    if scope not in store.views:
        store.views[scope] = ScopedStore(store, scope)
    return store.views[scope]

