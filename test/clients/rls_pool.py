#!/usr/bin/python3
"""
Row-level security through real client libraries: the connection-pool
recipes of docs/rls.md, run with psycopg 3 and with SQLAlchemy 1.4
(psycopg2), as a login role that is a member of app_user.

Prints TAP.  Needs PGHOST/PGPORT/PGUSER of a superuser on a cluster with
orm_ext installed; creates the database orm_ext_clients and the login role
orm_ext_clients_web, and drops both at the end.
"""
import os
import sys
import warnings

import psycopg
from psycopg import errors
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
from tap import check  # noqa: E402

DB = "orm_ext_clients"
WEB = "orm_ext_clients_web"


def admin(dbname):
    return psycopg.connect(dbname=dbname, autocommit=True)


def setup():
    with admin("postgres") as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s"' % DB)
        conn.execute('CREATE DATABASE "%s"' % DB)
        conn.execute('DROP ROLE IF EXISTS "%s"' % WEB)
    with admin(DB) as conn:
        conn.execute("CREATE EXTENSION orm_ext")
        conn.execute("SELECT orm_ext.setup_roles()")
        conn.execute('CREATE ROLE "%s" LOGIN IN ROLE app_user' % WEB)
        conn.execute("""
            CREATE TABLE posts (id serial PRIMARY KEY, author_id integer NOT NULL,
                                title text NOT NULL);
            CREATE INDEX ON posts (author_id);
            GRANT SELECT, INSERT, UPDATE, DELETE ON posts TO app_user;
            GRANT USAGE ON SEQUENCE posts_id_seq TO app_user;
            INSERT INTO posts (author_id, title)
                 VALUES (1, 'ada 1'), (1, 'ada 2'), (1, 'ada 3'), (2, 'grace 1');
        """)
        conn.execute("SELECT orm_ext.enable_tenant_isolation('posts', 'author_id')")


def teardown():
    with admin("postgres") as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % DB)
        conn.execute('DROP ROLE IF EXISTS "%s"' % WEB)


def psycopg_tests():
    # One connection reused for several requests, as a pool would.
    conn = psycopg.connect(dbname=DB, user=WEB)
    notices = []
    conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.sqlstate)))

    def titles(user_id):
        with conn.transaction():
            conn.execute("SELECT orm_ext.set_context('app.user_id', %s)", [str(user_id)])
            return [r[0] for r in conn.execute("SELECT title FROM posts ORDER BY id")]

    check(titles(1) == ["ada 1", "ada 2", "ada 3"], "psycopg: request for user 1 sees its three posts")
    check(titles(2) == ["grace 1"], "psycopg: the next request on the same connection, user 2, sees only its post")
    conn.commit()
    n = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    conn.rollback()
    check(n == 0, "psycopg: a transaction that sets no context sees no rows")
    check(not notices, "psycopg: set_context inside a transaction raises no warning")

    # the value is a bind parameter: quotes and unicode pass through intact
    with conn.transaction():
        conn.execute("SELECT orm_ext.set_context('app.note', %s)", ["it's ü"])
        v = conn.execute("SELECT orm_ext.context('app.note')").fetchone()[0]
    check(v == "it's ü", "psycopg: a value with a quote and unicode round-trips")

    # another tenant's row: 42501
    try:
        with conn.transaction():
            conn.execute("SELECT orm_ext.set_context('app.user_id', '1')")
            conn.execute("INSERT INTO posts (author_id, title) VALUES (2, 'as grace')")
        check(False, "psycopg: inserting for another tenant raises InsufficientPrivilege")
    except errors.InsufficientPrivilege as e:
        check(e.sqlstate == "42501", "psycopg: inserting for another tenant raises InsufficientPrivilege (42501)")

    # a value that is not an integer: 22P02, never an empty result
    try:
        with conn.transaction():
            conn.execute("SELECT orm_ext.set_context('app.user_id', 'ada')")
            conn.execute("SELECT count(*) FROM posts").fetchone()
        check(False, "psycopg: a context that is not an integer raises 22P02")
    except errors.InvalidTextRepresentation as e:
        check(e.sqlstate == "22P02", "psycopg: a context that is not an integer raises 22P02")
    conn.close()

    # autocommit: each execute is its own transaction; set_context warns 25P01
    # and the next statement has no context
    auto = psycopg.connect(dbname=DB, user=WEB, autocommit=True)
    notices = []
    auto.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.sqlstate)))
    auto.execute("SELECT orm_ext.set_context('app.user_id', '1')")
    n = auto.execute("SELECT count(*) FROM posts").fetchone()[0]
    check(("WARNING", "25P01") in notices, "psycopg autocommit: set_context warns with 25P01")
    check(n == 0, "psycopg autocommit: the statement after set_context has no context and sees no rows")
    # a plain session-level SET, the pattern that leaks through a pool
    auto.execute("SET app.user_id = '1'")
    n = auto.execute("SELECT count(*) FROM posts").fetchone()[0]
    check(n == 3, "psycopg: a session-level SET outlives the transaction (why the docs say set_context)")
    auto.close()


def sqlalchemy_tests():
    url = "postgresql+psycopg2://%s@/%s?host=%s&port=%s" % (
        WEB, DB, os.environ.get("PGHOST", "/var/run/postgresql"), os.environ.get("PGPORT", "5432"))
    # a pool of one connection: every session reuses the same server connection
    engine = create_engine(url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    set_context = text("SELECT orm_ext.set_context('app.user_id', :user_id)")

    # the listener of docs/rls.md
    def set_request_context(session, transaction, connection):
        user_id = session.info.get("user_id")
        if user_id is not None:
            connection.execute(set_context, {"user_id": str(user_id)})

    event.listen(Session, "after_begin", set_request_context)
    try:
        pids = set()

        def request(user_id):
            with Session(engine) as session:
                if user_id is not None:
                    session.info["user_id"] = user_id
                rows = session.execute(text("SELECT title FROM posts ORDER BY id")).scalars().all()
                pids.add(session.execute(text("SELECT pg_backend_pid()")).scalar())
                session.commit()
                # after commit() the session begins again, and the listener runs again
                again = session.execute(text("SELECT count(*) FROM posts")).scalar()
                return rows, again

        rows, again = request(1)
        check(rows == ["ada 1", "ada 2", "ada 3"] and again == 3,
              "SQLAlchemy: a session for user 1 sees its posts, also after commit()")
        rows, again = request(2)
        check(rows == ["grace 1"] and again == 1,
              "SQLAlchemy: the next session on the same pooled connection, user 2, sees only its post")
        rows, again = request(None)
        check(rows == [] and again == 0, "SQLAlchemy: a session without a user sees no rows")
        check(len(pids) == 1, "SQLAlchemy: all three sessions ran on one server connection")

        from sqlalchemy.exc import DBAPIError
        try:
            with Session(engine) as session:
                session.info["user_id"] = 1
                session.execute(text("INSERT INTO posts (author_id, title) VALUES (2, 'x')"))
                session.commit()
            check(False, "SQLAlchemy: inserting for another tenant fails with 42501")
        except DBAPIError as e:
            check(getattr(e.orig, "pgcode", None) == "42501",
                  "SQLAlchemy: inserting for another tenant fails with 42501 (e.orig.pgcode)")
    finally:
        event.remove(Session, "after_begin", set_request_context)
        engine.dispose()


def fresh_session_tests():
    # enable_tenant_isolation checks the key with set_config(), whose verdict
    # on orm_ext's own settings depends on orm_ext's library being loaded;
    # in a new session the library is loaded only when a C function of it
    # runs.  The first call in a new session must refuse what a later one does.
    with admin(DB) as conn:
        conn.execute("""
            CREATE TABLE fresh_a (id int, author_id integer);
            CREATE TABLE fresh_b (id int, author_id integer);
            ALTER TABLE fresh_b OWNER TO "%s";
        """ % WEB)
    with admin(DB) as conn:
        try:
            conn.execute("SELECT orm_ext.enable_tenant_isolation('fresh_a', 'author_id', 'orm_ext.tenant')")
            check(False, "new session: a key under the reserved orm_ext. prefix is refused (22023)")
        except errors.InvalidParameterValue as e:
            check(e.sqlstate == "22023", "new session: a key under the reserved orm_ext. prefix is refused (22023)")
    with psycopg.connect(dbname=DB, user=WEB, autocommit=True) as conn:
        try:
            conn.execute("SELECT orm_ext.enable_tenant_isolation('fresh_b', 'author_id', "
                         "'orm_ext.debug_clock_offset_ms')")
            check(False, "new session: a superuser-only setting as key is refused for a plain owner (42501)")
        except errors.InsufficientPrivilege as e:
            check(e.sqlstate == "42501",
                  "new session: a superuser-only setting as key is refused for a plain owner (42501)")
        n = conn.execute("SELECT count(*) FROM pg_policy WHERE polrelid = 'fresh_b'::regclass").fetchone()[0]
        check(n == 0, "new session: and no policy was created")


def main():
    warnings.simplefilter("ignore")
    return tap.run(setup, [psycopg_tests, sqlalchemy_tests, fresh_session_tests], teardown)


if __name__ == "__main__":
    sys.exit(main())
