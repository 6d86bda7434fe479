#!/usr/bin/python3
"""
Calling the generated model functions of docs/models.md from Python: the
blog schema (users with timestamps and soft delete, posts with a version
column) through psycopg 3, and through SQLAlchemy 1.4 (psycopg2) Core and
ORM.  The snippets of docs/models.md ("From Python") are taken from here.

Prints TAP and exits non-zero on any failure.  Needs PGHOST/PGPORT/PGUSER
of a superuser on a cluster with orm_ext installed; creates the database
orm_ext_example_models and the login role orm_ext_example_models_app (the
application: no superuser, only table privileges), and drops both at the
end.  scripts/test runs it in its "clients" suite.
"""
import os
import sys
import uuid
import warnings

import psycopg
from psycopg import errors
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

DB = "orm_ext_example_models"
APP = "orm_ext_example_models_app"
results = []


def check(ok, description):
    description = " ".join(str(description).split())     # one TAP line
    results.append(bool(ok))
    print(("ok" if ok else "not ok") + " %d - %s" % (len(results), description))
    sys.stdout.flush()


def admin(dbname):
    return psycopg.connect(dbname=dbname, autocommit=True)


def app_connect():
    # The application's connection.  autocommit: every statement outside a
    # `with conn.transaction():` block commits at once, and such a block is a
    # real transaction (BEGIN ... COMMIT), not a savepoint.
    return psycopg.connect(dbname=DB, user=APP, autocommit=True, row_factory=dict_row)


# The schema of the walkthrough in docs/models.md, as a migration would
# create it (as the superuser); the application only gets table privileges.
SCHEMA = """
CREATE SCHEMA blog;
CREATE TABLE blog.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(100),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
SELECT orm_ext.model_register('blog.users', '{"timestamps": true, "soft_delete": true}');
CREATE TABLE blog.posts (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    author_id bigint NOT NULL REFERENCES blog.users (id),
    title varchar(200) NOT NULL,
    slug varchar(200) NOT NULL UNIQUE,
    body text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ON blog.posts (author_id);
SELECT orm_ext.model_register('blog.posts',
                              '{"timestamps": true, "soft_delete": true, "version": true}');
GRANT USAGE ON SCHEMA blog TO {app};
GRANT SELECT, INSERT, UPDATE, DELETE ON blog.users, blog.posts TO {app};
"""


def setup():
    with admin("postgres") as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % DB)
        conn.execute('DROP ROLE IF EXISTS "%s"' % APP)
        conn.execute('CREATE DATABASE "%s"' % DB)
        conn.execute('CREATE ROLE "%s" LOGIN' % APP)
    with admin(DB) as conn:
        conn.execute("CREATE EXTENSION orm_ext")
        conn.execute(SCHEMA.replace("{app}", '"%s"' % APP))


def teardown():
    with admin("postgres") as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % DB)
        conn.execute('DROP ROLE IF EXISTS "%s"' % APP)


# ---------------------------------------------------------------- psycopg 3

def get_user(conn, user_id):
    # A function returning a row type gives one row of NULLs for "no row" in
    # SELECT * FROM; filtering on the (never NULL) primary key makes that
    # no row at all, so fetchone() returns None.
    return conn.execute(
        "SELECT * FROM blog.users_get(%s) WHERE id IS NOT NULL", [user_id]).fetchone()


def update_post(conn, post_id, change, attempts=5, after_read=None):
    """Optimistic locking: read the post, send the change with the version
    read, and on SerializationFailure (40001: someone else changed the post
    in between) read it again and reapply the change.  Returns the updated
    row and the number of attempts it took."""
    for attempt in range(1, attempts + 1):
        try:
            with conn.transaction():
                post = conn.execute("SELECT * FROM blog.posts_get(%s)", [post_id]).fetchone()
                if after_read is not None:
                    after_read(attempt)
                row = conn.execute(
                    "SELECT * FROM blog.posts_update(%s, %s)",
                    [post_id, Jsonb({**change, "version": post["version"]})]).fetchone()
                return row, attempt
        except errors.SerializationFailure:
            if attempt == attempts:
                raise


def psycopg_tests():
    conn = app_connect()

    # create: named arguments; omitted ones take the column's default
    alice = conn.execute(
        "SELECT * FROM blog.users_create(username => %s, email => %s)",
        ["alice", "alice@example.com"]).fetchone()
    check(isinstance(alice["id"], int) and alice["username"] == "alice"
          and alice["display_name"] is None and alice["is_active"] is True
          and alice["deleted_at"] is None and alice["created_at"] == alice["updated_at"],
          "psycopg: users_create with named arguments; omitted display_name/is_active take the column defaults")
    bob = conn.execute(
        "SELECT * FROM blog.users_create(username => %s, email => %s, display_name => %s)",
        ["bob", "bob@example.com", "Bob"]).fetchone()
    check(bob["id"] == alice["id"] + 1 and bob["display_name"] == "Bob",
          "psycopg: the server assigns the identity; a passed argument is stored")

    # an explicit NULL is NULL, which a NOT NULL column refuses
    try:
        conn.execute("SELECT * FROM blog.users_create(username => %s, email => %s, is_active => %s)",
                     ["nobody", "nobody@example.com", None])
        check(False, "psycopg: an explicit None for a NOT NULL column raises NotNullViolation (23502)")
    except errors.NotNullViolation as e:
        check(e.sqlstate == "23502",
              "psycopg: an explicit None for a NOT NULL column raises NotNullViolation (23502)")

    # get: the row, or None
    got = get_user(conn, alice["id"])
    check(got == alice, "psycopg: users_get returns the row as created")
    check(get_user(conn, 424242) is None,
          "psycopg: users_get of an absent key: None (with WHERE id IS NOT NULL)")
    raw = conn.execute("SELECT * FROM blog.users_get(%s)", [424242]).fetchone()
    check(raw is not None and all(v is None for v in raw.values()),
          "psycopg: without the WHERE, an absent key is one row of NULLs, as docs/models.md says")

    # update: a Jsonb patch sets exactly the columns it names
    alice = conn.execute("SELECT * FROM blog.users_update(%s, %s)",
                         [alice["id"], Jsonb({"display_name": "Alice"})]).fetchone()
    check(alice["display_name"] == "Alice" and alice["username"] == "alice"
          and alice["updated_at"] > alice["created_at"],
          "psycopg: users_update with a Jsonb patch sets display_name; updated_at moves, created_at stays")
    bob = conn.execute("SELECT * FROM blog.users_update(%s, %s)",
                       [bob["id"], Jsonb({"display_name": None})]).fetchone()
    check(bob["display_name"] is None, "psycopg: a None in the patch sets NULL")
    nothing = conn.execute("SELECT * FROM blog.users_update(%s, %s) WHERE id IS NOT NULL",
                           [424242, Jsonb({"display_name": "x"})]).fetchone()
    check(nothing is None, "psycopg: users_update of an absent key updates nothing (None)")
    try:
        conn.execute("SELECT * FROM blog.users_update(%s, %s)",
                     [alice["id"], Jsonb({"is_active": "maybe"})])
        check(False, "psycopg: a patch value of the wrong type raises InvalidTextRepresentation (22P02)")
    except errors.InvalidTextRepresentation as e:
        check(e.sqlstate == "22P02" and '"is_active"' in str(e),
              "psycopg: a patch value of the wrong type raises InvalidTextRepresentation (22P02), naming the column")
    try:
        conn.execute("SELECT * FROM blog.users_update(%s, %s)",
                     [alice["id"], Jsonb({"created_at": "2020-01-01"})])
        check(False, "psycopg: a server-owned column in the patch raises GeneratedAlways (428C9)")
    except errors.GeneratedAlways as e:
        check(e.sqlstate == "428C9", "psycopg: a server-owned column in the patch raises GeneratedAlways (428C9)")

    # posts: the client may choose the UUID key; version starts at 1
    post_id = uuid.UUID("01a1fe93-87d8-7b9e-9cf9-1808e6b39e01")
    post = conn.execute(
        "SELECT * FROM blog.posts_create(id => %s, author_id => %s, title => %s, slug => %s)",
        [post_id, alice["id"], "Getting Started", "getting-started"]).fetchone()
    check(post["id"] == post_id and post["status"] == "draft" and post["body"] == ""
          and post["version"] == 1,
          "psycopg: posts_create with a client-chosen uuid; body/status defaults; version 1")

    # optimistic locking: a stale version is a SerializationFailure
    try:
        conn.execute("SELECT * FROM blog.posts_update(%s, %s)",
                     [post_id, Jsonb({"title": "Stale", "version": 0})])
        check(False, "psycopg: a stale version raises SerializationFailure (40001)")
    except errors.SerializationFailure as e:
        check(e.sqlstate == "40001" and e.diag.message_detail is not None,
              "psycopg: a stale version raises SerializationFailure (40001), with a DETAIL")

    # ... and the retry loop, with a second connection writing in between
    other = app_connect()

    def concurrent_writer(attempt):
        if attempt == 1:        # only the first time: the second attempt goes through
            current = other.execute("SELECT version FROM blog.posts_get(%s)", [post_id]).fetchone()
            other.execute("SELECT * FROM blog.posts_update(%s, %s)",
                          [post_id, Jsonb({"title": "Getting Started with orm_ext",
                                           "version": current["version"]})])

    post, attempts = update_post(conn, post_id, {"status": "published"}, after_read=concurrent_writer)
    check(attempts == 2 and post["version"] == 3 and post["status"] == "published"
          and post["title"] == "Getting Started with orm_ext",
          "psycopg: retry on SerializationFailure: 2 attempts, both changes kept, version 3")
    post, attempts = update_post(other, post_id, {"body": "Hello."})
    check(attempts == 1 and post["version"] == 4 and post["body"] == "Hello.",
          "psycopg: without a concurrent writer, one attempt")
    other.close()

    # more posts, for lists and pages
    for title, slug, status in [("Advanced Querying", "advanced-querying", "draft"),
                                ("Python Best Practices", "python-best-practices", "published"),
                                ("Async Sessions", "async-sessions", "published"),
                                ("Alembic Migrations", "alembic-migrations", "archived")]:
        conn.execute("SELECT * FROM blog.posts_create(author_id => %s, title => %s, slug => %s, status => %s)",
                     [bob["id"] if "Python" in title or "Async" in title else alice["id"],
                      title, slug, status])

    # list: a Jsonb filter, an order_by list (a Python list is a text[])
    titles = [r["title"] for r in conn.execute(
        "SELECT * FROM blog.posts_list(%s, %s)",
        [Jsonb({"status": "published"}), ["author_id desc", "title"]])]
    check(titles == ["Async Sessions", "Python Best Practices", "Getting Started with orm_ext"],
          "psycopg: posts_list with a filter and order_by")
    slugs = [r["slug"] for r in conn.execute(
        "SELECT slug FROM blog.posts_list(filter => %s, order_by => %s)",
        [Jsonb({"author_id": alice["id"], "status": {"in": ["draft", "archived"]}}), ["slug"]])]
    check(slugs == ["advanced-querying", "alembic-migrations"],
          "psycopg: posts_list with an operator filter ({\"in\": [...]}), named arguments")

    # page: walk next_cursor to the end; the page comes back as a dict
    pages, seen, cursor = 0, [], None
    while True:
        page = conn.execute(
            "SELECT blog.posts_page(order_by => %s, page_size => %s, after => %s) AS page",
            [["title"], 2, cursor]).fetchone()["page"]
        pages += 1
        seen += [item["slug"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None or pages > 10:
            break
    check(pages == 3 and seen == ["advanced-querying", "alembic-migrations", "async-sessions",
                                  "getting-started", "python-best-practices"],
          "psycopg: posts_page walked with next_cursor: 3 pages of 2, every post once, in order")

    # delete: posts and users are soft-deleted
    deleted = conn.execute("SELECT blog.posts_delete(%s) AS deleted", [post_id]).fetchone()["deleted"]
    again = conn.execute("SELECT blog.posts_delete(%s) AS deleted", [post_id]).fetchone()["deleted"]
    check(deleted is True and again is False, "psycopg: posts_delete returns True, then False")
    gone = conn.execute("SELECT * FROM blog.posts_get(%s) WHERE id IS NOT NULL", [post_id]).fetchone()
    n = conn.execute("SELECT count(*) AS n FROM blog.posts_list()").fetchone()["n"]
    check(gone is None and n == 4, "psycopg: a deleted post is gone from posts_get and posts_list")
    still = conn.execute("SELECT deleted_at FROM blog.posts WHERE id = %s", [post_id]).fetchone()
    check(still is not None and still["deleted_at"] is not None,
          "psycopg: the row is still in the table, with deleted_at set (soft delete)")

    # upsert brings it back, replacing every client column
    post = conn.execute(
        "SELECT * FROM blog.posts_upsert(id => %s, author_id => %s, title => %s, slug => %s)",
        [post_id, alice["id"], "Getting Started", "getting-started"]).fetchone()
    check(post["deleted_at"] is None and post["status"] == "draft" and post["body"] == ""
          and post["version"] == 5,
          "psycopg: posts_upsert revives the row; omitted columns reset to their defaults; version bumped")
    conn.close()
    return alice["id"]


# ------------------------------------------------------- SQLAlchemy 1.4 / psycopg2

def sqlalchemy_tests(alice_id):
    from sqlalchemy import (BigInteger, Boolean, Column, DateTime, FetchedValue, String,
                            cast, create_engine, func, literal_column, select, text)
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.dialects.postgresql import ARRAY, JSONB
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session, declarative_base

    Base = declarative_base()

    class User(Base):
        __tablename__ = "users"
        __table_args__ = {"schema": "blog"}
        # The server's columns: never sent by the ORM, read back.
        id = Column(BigInteger, primary_key=True, server_default=FetchedValue())
        username = Column(String(50), nullable=False)
        email = Column(String(255), nullable=False)
        display_name = Column(String(100))
        is_active = Column(Boolean, nullable=False, server_default=FetchedValue())
        created_at = Column(DateTime(timezone=True), server_default=FetchedValue())
        updated_at = Column(DateTime(timezone=True), server_default=FetchedValue())
        deleted_at = Column(DateTime(timezone=True), server_default=FetchedValue())

    url = "postgresql+psycopg2://%s@/%s?host=%s&port=%s" % (
        APP, DB, os.environ.get("PGHOST", "/var/run/postgresql"), os.environ.get("PGPORT", "5432"))
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            # Core: select(func...) calls the function once; the row comes back
            # as one composite value, which psycopg2 gives as its text
            carol = session.execute(select(func.blog.users_create("carol", "carol@example.com"))).scalar()
            check(isinstance(carol, str) and carol.startswith("(") and ",carol,carol@example.com," in carol,
                  "SQLAlchemy Core: select(func.blog.users_create(...)) is one composite value (text with psycopg2)")

            # Core: selecting FROM it gives the columns
            stmt = select(literal_column("*")).select_from(
                func.blog.users_create("dave", "dave@example.com"))
            rendered = " ".join(str(stmt.compile(dialect=postgresql.dialect())).split())
            row = session.execute(stmt).one()
            check(rendered == "SELECT * FROM blog.users_create(%(users_create_1)s, %(users_create_2)s)"
                  and row.username == "dave" and row.is_active is True and row.created_at is not None,
                  "SQLAlchemy Core: select(literal_column('*')).select_from(func.blog.users_create(...)) gives columns")

            # Core: table_valued() names the columns, for a typed FROM item
            tv = func.blog.users_list(cast({"is_active": True}, JSONB),
                                      cast(["username"], ARRAY(String))).table_valued(
                "id", "username").alias("u")
            names = session.execute(select(tv.c.username)).scalars().all()
            check(names == ["alice", "bob", "carol", "dave"],
                  "SQLAlchemy Core: func.blog.users_list(...).table_valued(...) as a FROM item")

            # ORM: objects loaded from a textual SELECT * FROM, named arguments
            erin = session.scalars(
                select(User).from_statement(
                    text("SELECT * FROM blog.users_create(username => :username, email => :email)")),
                {"username": "erin", "email": "erin@example.com"}).one()
            check(isinstance(erin, User) and erin.username == "erin" and erin.is_active is True
                  and erin.display_name is None,
                  "SQLAlchemy ORM: a User from users_create via from_statement(text(...)), defaults applied")

            # without populate_existing, an object already in the session is not refreshed
            same = session.scalars(
                select(User).from_statement(text("SELECT * FROM blog.users_update(:id, :patch)")),
                {"id": erin.id, "patch": '{"display_name": "Erin"}'}).one()
            check(same is erin and erin.display_name is None,
                  "SQLAlchemy ORM: without populate_existing the identity map keeps the stale object")
            same = session.scalars(
                select(User).from_statement(text("SELECT * FROM blog.users_update(:id, :patch)"))
                .execution_options(populate_existing=True),
                {"id": erin.id, "patch": '{"is_active": false}'}).one()
            check(same is erin and erin.display_name == "Erin" and erin.is_active is False,
                  "SQLAlchemy ORM: with populate_existing the same object is refreshed from users_update")

            absent = session.scalars(
                select(User).from_statement(text("SELECT * FROM blog.users_get(:id)")),
                {"id": 424242}).first()
            check(absent is None, "SQLAlchemy ORM: users_get of an absent key loads no object (None)")
            user = session.scalars(
                select(User).from_statement(text("SELECT * FROM blog.users_get(:id)")),
                {"id": alice_id}).first()
            check(user is not None and user.username == "alice" and user.display_name == "Alice",
                  "SQLAlchemy ORM: users_get loads the row written through psycopg")
            session.commit()

            # a page as a dict: {"items": [...], "next_cursor": ...}
            active, by_name = cast({"is_active": True}, JSONB), cast(["username"], ARRAY(String))
            page = session.scalar(select(func.blog.users_page(active, by_name, 2)))
            names = [u["username"] for u in page["items"]]
            while page["next_cursor"] is not None:
                page = session.scalar(select(func.blog.users_page(active, by_name, 2, page["next_cursor"])))
                names += [u["username"] for u in page["items"]]
            check(names == ["alice", "bob", "carol", "dave"],
                  "SQLAlchemy: users_page walked to the end with cast(..., JSONB) and cast(..., ARRAY(String))")

            # a stale version: OperationalError wrapping psycopg2's SerializationFailure
            post_id = session.execute(
                text("SELECT id FROM blog.posts_list('{\"slug\": \"async-sessions\"}')")).scalar()
            try:
                session.execute(text("SELECT * FROM blog.posts_update(:id, :patch)"),
                                {"id": post_id, "patch": '{"title": "x", "version": 0}'})
                check(False, "SQLAlchemy: a stale version raises OperationalError with pgcode 40001")
            except OperationalError as e:
                session.rollback()
                check(getattr(e.orig, "pgcode", None) == "40001",
                      "SQLAlchemy: a stale version raises OperationalError with pgcode 40001 (e.orig.pgcode)")
    finally:
        engine.dispose()


# ------------------------------------------------------------ after a migration

def migration_tests(alice_id):
    """DDL regenerates the functions in the migration's transaction.  A new
    call sees the new parameter at once; a statement the connection had
    prepared (psycopg prepares a query after 5 executions) keeps its old
    result columns and fails, as any prepared SELECT * does."""
    conn = app_connect()
    for _ in range(2):
        conn.execute("SELECT * FROM blog.users_get(%s)", [alice_id], prepare=True).fetchone()
    with admin(DB) as migration:
        migration.execute("ALTER TABLE blog.users ADD COLUMN bio text NOT NULL DEFAULT ''")
    try:
        conn.execute("SELECT * FROM blog.users_get(%s)", [alice_id], prepare=True).fetchone()
        check(False, "psycopg: a statement prepared before the migration fails (0A000)")
    except errors.FeatureNotSupported as e:
        check(e.sqlstate == "0A000" and "cached plan must not change result type" in str(e),
              "psycopg: a statement prepared before the migration fails with 0A000 "
              "(cached plan must not change result type)")
    conn.close()

    conn = app_connect()
    frank = conn.execute(
        "SELECT * FROM blog.users_create(username => %s, email => %s, bio => %s)",
        ["frank", "frank@example.com", "Writes about SQL."]).fetchone()
    alice = conn.execute("SELECT * FROM blog.users_get(%s)", [alice_id], prepare=True).fetchone()
    check(frank["bio"] == "Writes about SQL." and alice["bio"] == "",
          "psycopg: after the migration, users_create takes bio and users_get returns it")
    conn.close()


def main():
    print("TAP version 13")
    warnings.simplefilter("ignore")
    try:
        setup()
        alice_id = psycopg_tests()
        sqlalchemy_tests(alice_id)
        migration_tests(alice_id)
    except Exception as e:          # a crash is a failure, reported as one
        check(False, "the example ran to the end (%s: %s)" % (type(e).__name__, e))
    finally:
        try:
            teardown()
        except Exception as e:
            check(False, "teardown (%s)" % e)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
