#!/usr/bin/python3
"""
A ledger replicated with logical replication, through psycopg 3: the same
table is attached as a ledger in a publishing and in a subscribing database
of the cluster, and the subscriber's apply worker inserts the published
entries.  Its triggers fire there too (ledger_attach enables them ALWAYS),
so the subscriber computes every balance and entry number itself, from its
own heads; no statement-level trigger fires in an apply worker, so the heads
of accounts with several entries in one transaction are written back before
its commit.  The subscriber must end with the publisher's rows, verify, and
report no apply error.  The ledger's table and columns have hostile names
(spaces, mixed case, a double quote).  Then, in the publishing database, the
same write-back before commit with orm_ext_ledger_flush disabled, and a row
skipped by ON CONFLICT failing the COMMIT with 0A000.

Prints TAP.  Needs PGHOST/PGPORT/PGUSER of a superuser on a cluster with
orm_ext installed and wal_level = logical; creates the databases
orm_ext_repl_pub and orm_ext_repl_sub, a publication, a replication slot
and a subscription, and drops them all at the end.
"""
import os
import sys
import time

import psycopg
from psycopg import sql

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
from tap import check  # noqa: E402

PUB = "orm_ext_repl_pub"
SUB = "orm_ext_repl_sub"
SLOT = "orm_ext_repl_slot"
A = "00000000-0000-0000-0000-00000000000a"
B = "00000000-0000-0000-0000-00000000000b"


def connect(dbname):
    return psycopg.connect(dbname=dbname, autocommit=True)


# hostile names: spaces, mixed case, a double quote in the table's name
TABLE = '"Credit Ledger ""2"""'
INSERT = 'INSERT INTO %s (id, "User Id", "Amount Cents") ' % TABLE
LEDGER = """
    CREATE TABLE %s (
        id bigint PRIMARY KEY,
        "User Id" uuid NOT NULL,
        "Amount Cents" bigint NOT NULL,
        "Balance After" bigint NOT NULL DEFAULT 0
    );
    SELECT orm_ext.ledger_attach('%s', 'User Id', 'Amount Cents', 'Balance After');
""" % (TABLE, TABLE)


def setup():
    with connect("postgres") as conn:
        level = conn.execute("SHOW wal_level").fetchone()[0]
        if level != "logical":
            raise RuntimeError("wal_level is %s, not logical" % level)
        for db in (SUB, PUB):
            conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)
            conn.execute('CREATE DATABASE "%s"' % db)
    for db in (PUB, SUB):
        with connect(db) as conn:
            conn.execute("CREATE EXTENSION orm_ext")
            conn.execute(LEDGER)
    with connect(PUB) as conn:
        conn.execute("CREATE PUBLICATION orm_ext_repl FOR TABLE " + TABLE)
        # the slot is made here: CREATE SUBSCRIPTION cannot create it in its
        # own cluster
        conn.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", [SLOT])
    dsn = "host=%s port=%s user=%s dbname=%s" % (
        os.environ.get("PGHOST", "/var/run/postgresql"),
        os.environ.get("PGPORT", "5432"), os.environ.get("PGUSER", "postgres"), PUB)
    with connect(SUB) as conn:
        conn.execute(
            "CREATE SUBSCRIPTION orm_ext_repl CONNECTION %s PUBLICATION orm_ext_repl "
            "WITH (create_slot = false, slot_name = %s)" % (
                sql.quote(dsn), sql.quote(SLOT)))


def teardown():
    try:
        with connect(SUB) as conn:
            conn.execute("ALTER SUBSCRIPTION orm_ext_repl DISABLE")
            conn.execute("ALTER SUBSCRIPTION orm_ext_repl SET (slot_name = NONE)")
            conn.execute("DROP SUBSCRIPTION orm_ext_repl")
    finally:
        with connect("postgres") as conn:
            for _ in range(50):     # the walsender lets go of the slot when it exits
                active = conn.execute(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = %s",
                    [SLOT]).fetchone()
                if active is None or not active[0]:
                    break
                time.sleep(0.1)
            if active is not None:
                conn.execute("SELECT pg_drop_replication_slot(%s)", [SLOT])
            for db in (SUB, PUB):
                conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)


ROWS = ('SELECT id, "User Id"::text, "Amount Cents", "Balance After", entry_seq '
        'FROM %s ORDER BY id' % TABLE)


def wait_for(pub, sub, seconds=60):
    """Until the subscriber has the publisher's rows, or the time is up."""
    want = pub.execute(ROWS).fetchall()
    deadline = time.time() + seconds
    while True:
        got = sub.execute(ROWS).fetchall()
        if got == want or time.time() > deadline:
            return want, got
        time.sleep(0.2)


def tests():
    pub = connect(PUB)
    sub = connect(SUB)

    # single-row transactions, one account each
    pub.execute(INSERT + "VALUES (1, %s, 1000)", [A])
    pub.execute(INSERT + "VALUES (2, %s, 500)", [B])
    want, got = wait_for(pub, sub)
    check(got == want and len(got) == 2,
          "single-row transactions arrive with the publisher's balances")

    # several entries of one account in one transaction, one statement each:
    # the apply worker fires no statement trigger after them
    with pub.transaction():
        for i, amount in ((3, -250), (4, 75), (5, -25)):
            pub.execute(INSERT +
                        "VALUES (%s, %s, %s)", [i, A, amount])
    # and in one multi-row statement, two accounts interleaved
    pub.execute(INSERT + "VALUES "
                "(6, %s, 10), (7, %s, 20), (8, %s, 30), (9, %s, 40)", [A, B, A, B])
    # a double-entry posting
    pub.execute("SELECT orm_ext.ledger_post(%s, %s::jsonb, balanced => true)",
                [TABLE, '[{"id": 10, "User Id": "%s", "Amount Cents": -100},'
                 ' {"id": 11, "User Id": "%s", "Amount Cents": 100}]' % (A, B)])
    # a rolled-back transaction publishes nothing
    with pub.transaction(force_rollback=True):
        pub.execute(INSERT + "VALUES (12, %s, 1)", [A])
    want, got = wait_for(pub, sub)
    check(got == want and len(got) == 11,
          "transactions with several entries of one account arrive (%d of %d rows)"
          % (len(got), len(want)))
    check([r[3] for r in got if r[1] == A] == [1000, 750, 825, 800, 810, 840, 740],
          "the subscriber chained account A's balances: %s" % [r[3] for r in got if r[1] == A])
    check([r[4] for r in got if r[1] == B] == [1, 2, 3, 4],
          "the subscriber numbered account B's entries 1..4")

    problems = sub.execute("SELECT count(*) FROM orm_ext.ledger_verify(%s)",
                           [TABLE]).fetchone()[0]
    check(problems == 0, "ledger_verify on the subscriber finds no problem (%d)" % problems)
    balances = [sub.execute("SELECT orm_ext.ledger_balance(%s, %s::uuid)",
                            [TABLE, acct]).fetchone()[0] for acct in (A, B)]
    check(balances == [740, 660], "the subscriber's heads hold the balances: %s" % balances)

    errors = sub.execute("SELECT apply_error_count FROM pg_stat_subscription_stats "
                         "WHERE subname = 'orm_ext_repl'").fetchone()[0]
    check(errors == 0, "the apply worker reported no error (%d)" % errors)

    # the chain goes on from the heads the subscriber wrote
    with pub.transaction():
        pub.execute(INSERT + "VALUES (13, %s, 5)", [A])
        pub.execute(INSERT + "VALUES (14, %s, 5)", [A])
    want, got = wait_for(pub, sub)
    check(got == want and got[-1][3:] == (750, 9),
          "a later transaction continues the chain on the subscriber: %s" % (got[-1:],))

    pub.close()
    sub.close()


def precommit_tests():
    """With orm_ext_ledger_flush disabled, the heads that trigger would have
    written are written just before commit; a row that ON CONFLICT skipped
    after its balance was computed fails the COMMIT (0A000), and nothing of
    the transaction stays."""
    conn = psycopg.connect(dbname=PUB)
    conn.execute('CREATE TABLE "Flush Off" (id bigint PRIMARY KEY, "Acct" text NOT NULL, '
                 '"Amt" bigint NOT NULL, "Bal" bigint)')
    conn.execute("""SELECT orm_ext.ledger_attach('"Flush Off"', 'Acct', 'Amt', 'Bal')""")
    conn.execute('ALTER TABLE "Flush Off" DISABLE TRIGGER orm_ext_ledger_flush')
    conn.execute("""INSERT INTO "Flush Off" VALUES (1, 'a', 10)""")
    conn.commit()

    conn.execute("""INSERT INTO "Flush Off" (id, "Acct", "Amt") VALUES (1, 'a', 1), (2, 'a', 2)
                    ON CONFLICT (id) DO NOTHING""")
    try:
        conn.commit()
        state = None
    except psycopg.Error as e:
        state = e.sqlstate
    check(state == "0A000", "a row skipped by ON CONFLICT fails the COMMIT with 0A000 (%s)" % state)
    rows = conn.execute('SELECT id, "Bal", entry_seq FROM "Flush Off" ORDER BY id').fetchall()
    conn.commit()
    check(rows == [(1, 10, 1)], "nothing of that transaction stayed: %s" % rows)

    conn.execute("""INSERT INTO "Flush Off" (id, "Acct", "Amt") VALUES (3, 'a', 5)""")
    conn.execute("""INSERT INTO "Flush Off" (id, "Acct", "Amt") VALUES (4, 'a', 7)""")
    conn.commit()
    rows = conn.execute('SELECT "Bal", entry_seq FROM "Flush Off" ORDER BY id').fetchall()
    problems = conn.execute("""SELECT count(*) FROM orm_ext.ledger_verify('"Flush Off"')""").fetchone()[0]
    balance = conn.execute("""SELECT orm_ext.ledger_balance('"Flush Off"', 'a'::text)""").fetchone()[0]
    conn.commit()
    check(rows == [(10, 1), (15, 2), (22, 3)] and problems == 0 and balance == 22,
          "two statements on one account commit with the trigger disabled, and verify: %s, %d, %s"
          % (rows, problems, balance))
    conn.close()


def main():
    return tap.run(setup, [tests, precommit_tests], teardown)


if __name__ == "__main__":
    sys.exit(main())
