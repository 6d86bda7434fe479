#!/usr/bin/python3
"""
A ledger on a cluster with pgaudit preloaded, through psycopg 3.

pgaudit hooks the executor's permission checks (ExecutorCheckPerms_hook).
Without such a hook the ledger's trigger advances a known account's head
without an UPDATE statement; while one is loaded every head is advanced by
the UPDATE statement, so that pgaudit logs it (session and object audit) as
a statement of its own, within the ledger's INSERT, whose own audit lines
stay as they are.  pgaudit.log_rows is on: pgaudit then keeps what the hook
saw until the statement's end, which only a statement of its own gives it.
The audit lines reach the client as notices (pgaudit.log_client).  The
ledger and its columns have hostile names.

Prints TAP.  Needs PGHOST/PGPORT/PGUSER of a superuser on a cluster with
shared_preload_libraries = 'pgaudit' and orm_ext installed; creates the
database orm_ext_pgaudit and the role orm_ext_auditor, and drops both at
the end.
"""
import os
import re
import sys

import psycopg
from psycopg import sql

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "clients", "lib"))
import tap  # noqa: E402
from tap import check  # noqa: E402

DB = "orm_ext_pgaudit"
AUDITOR = "orm_ext_auditor"
LEDGER = 'Audit "Ledger"'

state = {}


def admin():
    return psycopg.connect(dbname="postgres", autocommit=True)


def setup():
    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(AUDITOR)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB)))
        conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(AUDITOR)))
    conn = psycopg.connect(dbname=DB, autocommit=True)
    state["conn"] = conn
    state["notices"] = []
    conn.add_notice_handler(lambda d: state["notices"].append(d.message_primary))
    preload = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
    check("pgaudit" in [p.strip() for p in preload.split(",")],
          "the cluster preloads pgaudit (shared_preload_libraries = %r)" % preload)
    conn.execute("CREATE EXTENSION orm_ext")
    conn.execute(sql.SQL("""CREATE TABLE {} (
        "Entry Id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "User" int NOT NULL, "Amount" bigint NOT NULL, "Balance" bigint)""")
                 .format(sql.Identifier(LEDGER)))
    conn.execute("SELECT orm_ext.ledger_attach(%s::regclass, 'User', 'Amount', 'Balance')",
                 (sql.Identifier(LEDGER).as_string(conn),))
    heads = conn.execute("SELECT heads::text FROM orm_ext.ledgers WHERE ledger = %s::regclass",
                         (sql.Identifier(LEDGER).as_string(conn),)).fetchone()[0]
    state["heads"] = heads
    # object audit: what the auditor role may update is logged
    conn.execute(sql.SQL("GRANT UPDATE ON TABLE {} TO {}").format(
        sql.SQL(heads), sql.Identifier(AUDITOR)))
    conn.execute(sql.SQL("GRANT INSERT ON TABLE {} TO {}").format(
        sql.Identifier(LEDGER), sql.Identifier(AUDITOR)))
    conn.execute("SELECT set_config('pgaudit.role', %s, false)", (AUDITOR,))
    conn.execute("SET pgaudit.log = 'write'")
    conn.execute("SET pgaudit.log_rows = on")
    conn.execute("SET pgaudit.log_client = on")
    conn.execute("SET pgaudit.log_level = notice")
    conn.execute("SET client_min_messages = debug1")


def insert(values):
    """Runs one INSERT; returns its balances and the notices it raised."""
    conn = state["conn"]
    state["notices"].clear()
    rows = conn.execute(sql.SQL('INSERT INTO {} ("User", "Amount") VALUES {} RETURNING "Balance"')
                        .format(sql.Identifier(LEDGER),
                                sql.SQL(", ").join(sql.SQL("({}, {})").format(sql.Literal(u), sql.Literal(a))
                                                   for u, a in values))).fetchall()
    return [r[0] for r in rows], list(state["notices"])


def session_lines(notices, command):
    return [n for n in notices if re.match(r"^AUDIT: SESSION,\d+,\d+,WRITE,%s," % command, n)]


def paths(notices):
    return [n.split(": ")[-1] for n in notices if "head advanced" in n]


def test_new_account():
    bals, notices = insert([(1, 5)])
    check(bals == [5], "a new account's first entry: balance 5 (got %r)" % bals)
    check(paths(notices) == ["head advanced by an UPDATE statement"],
          "a new account's head goes through the statement path (%r)" % paths(notices))
    check(len(session_lines(notices, "UPDATE")) >= 1,
          "pgaudit logs that UPDATE statement of the heads as a statement of its own")


def heads_updates(notices, kind):
    """pgaudit's SESSION or OBJECT lines for an UPDATE statement of the
    heads table."""
    return [n for n in notices
            if re.match(r"^AUDIT: %s,\d+,\d+,WRITE,UPDATE," % kind, n)
            and ('"UPDATE %s ' % state["heads"]) in n]


def test_known_account():
    bals, notices = insert([(1, 7)])
    check(bals == [12], "a known account: balance 12 (got %r)" % bals)
    check(paths(notices) == ["head advanced by an UPDATE statement"],
          "with pgaudit loaded a known account's head is advanced by the UPDATE statement (%r)"
          % paths(notices))
    check(len(heads_updates(notices, "SESSION")) == 1 and len(heads_updates(notices, "OBJECT")) == 1,
          "pgaudit logs that UPDATE of the heads table once, in session and object audit (%r)"
          % [n for n in notices if n.startswith("AUDIT:")])
    check(len(session_lines(notices, "INSERT")) == 1
          and any("INSERT INTO" in n for n in session_lines(notices, "INSERT")),
          "the ledger's INSERT keeps its own session line")


def test_two_accounts():
    bals, notices = insert([(1, 1), (2, 2)])
    check(bals == [13, 2], "two accounts in one statement: balances 13 and 2 (got %r)" % bals)
    check(paths(notices) == ["head advanced by an UPDATE statement"] * 2,
          "both heads advanced by the UPDATE statement (%r)" % paths(notices))
    check(len(heads_updates(notices, "OBJECT")) == 3,
          "pgaudit's object audit logs three UPDATEs of the heads: one per account, "
          "and the retry after creating the new account's head (%d)" % len(heads_updates(notices, "OBJECT")))


def test_verify():
    conn = state["conn"]
    conn.execute("RESET client_min_messages")
    n = conn.execute("SELECT count(*) FROM orm_ext.ledger_verify(%s::regclass)",
                     (sql.Identifier(LEDGER).as_string(conn),)).fetchone()[0]
    check(n == 0, "ledger_verify finds nothing wrong (%d rows)" % n)


def teardown():
    conn = state.pop("conn", None)
    if conn is not None:
        conn.close()
    with admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(AUDITOR)))


if __name__ == "__main__":
    sys.exit(tap.run(setup, [test_new_account, test_known_account, test_two_accounts,
                             test_verify], teardown))
