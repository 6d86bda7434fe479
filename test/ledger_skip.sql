-- Rows skipped after their balance was computed, in transactions after the
-- one that loaded orm_ext.
--
-- The balance trigger proves that computed rows were inserted only while an
-- INSERT ... ON CONFLICT is running (the one way a row can still be skipped
-- after the last BEFORE trigger); otherwise the first entry of an account in
-- a transaction locks and advances the head in one statement.  In the
-- transaction that loads the library orm_ext checks every statement,
-- because executors may have started before it was loaded, so the other
-- ledger tests, which load it inside their own transaction, never reach the
-- fast path.  This file loads it first, in a transaction of its own.
LOAD '$libdir/orm_ext';

BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(41);

CREATE TABLE "Skip Ledger" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Account" text NOT NULL,
    "select" bigint NOT NULL,
    bal bigint,
    idem text UNIQUE
);
SELECT orm_ext.ledger_attach('"Skip Ledger"', 'Account', 'select', 'bal');

-- the head of an account as the heads table has it, and its balance
CREATE FUNCTION pg_temp.head(tbl regclass, account text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    EXECUTE format('SELECT balance, seq FROM %s WHERE account = $1',
                   (SELECT heads FROM orm_ext.ledgers WHERE ledger = tbl))
        INTO r USING account;
    RETURN format('balance %s seq %s', r.balance, r.seq);
END $$;

-- plain inserts: the first row of an account writes its head at once
INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('a', 10, 'k1');
SELECT is(pg_temp.head('"Skip Ledger"', 'a'), 'balance 10 seq 1',
          'a single-row insert leaves the head written');
INSERT INTO "Skip Ledger" ("Account", "select") VALUES ('a', 5), ('b', 7), ('a', -3);
SELECT is(pg_temp.head('"Skip Ledger"', 'a'), 'balance 12 seq 3',
          'later rows of a cached account are written back at the end of the statement');
SELECT is(pg_temp.head('"Skip Ledger"', 'b'), 'balance 7 seq 1', 'and a new account in the same statement too');
SELECT results_eq($$SELECT "Account", "select", bal, entry_seq FROM "Skip Ledger" ORDER BY id$$,
                  $$VALUES ('a', 10::bigint, 10::bigint, 1::bigint), ('a', 5, 15, 2), ('b', 7, 7, 1), ('a', -3, 12, 3)$$,
                  'balances and seqs chain');

-- ON CONFLICT DO NOTHING that skips: the first row of an account in this
-- transaction (its head is not cached yet) and a cached one
SELECT throws_ok($$INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('c', 1, 'k1')
                   ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'ON CONFLICT DO NOTHING skipping the first row of a new account: 0A000');
SELECT throws_ok($$INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('a', 1, 'k1')
                   ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'skipping the first row of a known account in this transaction: 0A000');
SELECT throws_ok($$INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('a', 2, 'k2'), ('a', 1, 'k1')
                   ON CONFLICT (idem) DO NOTHING$$,
                 '0A000', NULL, 'skipping the second row of a statement: 0A000');
SELECT throws_ok($$INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('a', 1, 'k1')
                   ON CONFLICT (idem) DO UPDATE SET "select" = 0 WHERE false$$,
                 '0A000', NULL, 'ON CONFLICT DO UPDATE ... WHERE false skipping the row: 0A000');
SELECT throws_ok($$WITH w AS (INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('a', 1, 'k1')
                              ON CONFLICT DO NOTHING RETURNING 1)
                   SELECT count(*) FROM w$$,
                 '0A000', NULL, 'an INSERT ... ON CONFLICT in a WITH query that skips: 0A000');
CREATE FUNCTION pg_temp.insert_idem(account text, amount bigint, key text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES (account, amount, key)
    ON CONFLICT DO NOTHING;
END $$;
SELECT throws_ok($$SELECT pg_temp.insert_idem('a', 1, 'k1')$$,
                 '0A000', NULL, 'an INSERT ... ON CONFLICT inside a function that skips: 0A000');
SELECT is(pg_temp.head('"Skip Ledger"', 'a'), 'balance 12 seq 3', 'the refused statements left the head alone');
SELECT is(orm_ext.ledger_balance('"Skip Ledger"', 'a'::text), 12::numeric, 'and the balance');
SELECT is(orm_ext.ledger_balance('"Skip Ledger"', 'c'::text), 0::numeric,
          'and the new account of the refused statement has no balance');

-- ON CONFLICT that skips nothing
SELECT results_eq($$INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('a', 4, 'k4'), ('d', 2, 'k5')
                    ON CONFLICT DO NOTHING RETURNING "Account", bal, entry_seq$$,
                  $$VALUES ('a', 16::bigint, 4::bigint), ('d', 2, 1)$$,
                  'ON CONFLICT DO NOTHING that skips nothing passes');
SELECT lives_ok($$SELECT pg_temp.insert_idem('d', 3, 'k6')$$, 'and inside a function');
SELECT is(pg_temp.head('"Skip Ledger"', 'd'), 'balance 5 seq 2', 'with the heads written');

-- a function with an ON CONFLICT insert that fails inside an exception
-- block: the statements after it are still checked correctly
CREATE FUNCTION pg_temp.insert_caught(account text, amount bigint) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES (account, amount, 'k1')
    ON CONFLICT DO NOTHING;
    RETURN 'inserted';
EXCEPTION WHEN feature_not_supported THEN
    RETURN 'caught ' || SQLSTATE;
END $$;
SELECT is(pg_temp.insert_caught('e', 9), 'caught 0A000', 'a skipped row inside an exception block is caught');
SELECT is(orm_ext.ledger_balance('"Skip Ledger"', 'e'::text), 0::numeric, 'and leaves no balance behind');
INSERT INTO "Skip Ledger" ("Account", "select") VALUES ('e', 1);
SELECT is(pg_temp.head('"Skip Ledger"', 'e'), 'balance 1 seq 1', 'a plain insert afterwards starts the account at 1');
SELECT throws_ok($$INSERT INTO "Skip Ledger" ("Account", "select", idem) VALUES ('e', 1, 'k1')
                   ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'and a skip afterwards is still refused');

-- MERGE inserts cannot skip a row after its BEFORE triggers
SELECT lives_ok($$MERGE INTO "Skip Ledger" t
                  USING (VALUES ('f', 6::bigint), ('a', 1)) AS s(acct, amt) ON false
                  WHEN NOT MATCHED THEN INSERT ("Account", "select") VALUES (s.acct, s.amt)$$,
                'MERGE ... WHEN NOT MATCHED THEN INSERT into a ledger');
SELECT is(pg_temp.head('"Skip Ledger"', 'f'), 'balance 6 seq 1', 'MERGE: the new account''s head');
SELECT is(pg_temp.head('"Skip Ledger"', 'a'), 'balance 17 seq 5', 'MERGE: the known account''s head');

-- the hash chain: a fetched head gets its hash at the end of the statement
CREATE TABLE skip_hashed (acct int NOT NULL, amt numeric(12,2) NOT NULL, bal numeric(12,2), k text UNIQUE);
SELECT orm_ext.ledger_attach('skip_hashed', 'acct', 'amt', 'bal', hash_chain => true);
INSERT INTO skip_hashed (acct, amt, k) VALUES (1, 1.25, 'x');
INSERT INTO skip_hashed (acct, amt, k) VALUES (1, 2.50, 'y'), (2, 0.10, 'z');
SELECT throws_ok($$INSERT INTO skip_hashed (acct, amt, k) VALUES (3, 1, 'x') ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'hash chain: a skipped first row of an account: 0A000');
SELECT results_eq($$SELECT acct, bal, entry_seq FROM skip_hashed ORDER BY acct, entry_seq$$,
                  $$VALUES (1, 1.25::numeric(12,2), 1::bigint), (1, 3.75, 2), (2, 0.10, 1)$$,
                  'hash chain: balances chain in the column''s scale');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('skip_hashed')$$,
                'hash chain: the ledger verifies, heads and hashes included');

-- the first row's arithmetic happens in the head update: its range and
-- typmod are the balance column's
CREATE TABLE skip_small (acct int NOT NULL, amt bigint NOT NULL, bal smallint);
SELECT orm_ext.ledger_attach('skip_small', 'acct', 'amt', 'bal', allow_negative => false);
INSERT INTO skip_small (acct, amt) VALUES (1, 30000);
SELECT throws_ok($$INSERT INTO skip_small (acct, amt) VALUES (2, 40000)$$, '22003', NULL,
                 'a first entry past the smallint balance: 22003');
SELECT throws_ok($$INSERT INTO skip_small (acct, amt) VALUES (3, -1)$$, '23514',
                 'insert would take the balance of account 3 in ledger public.skip_small below zero',
                 'allow_negative => false on the first entry of an account in the transaction: 23514');
CREATE FUNCTION pg_temp.negative_detail(account int, amount bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    INSERT INTO skip_small (acct, amt) VALUES (account, amount);
    RETURN 'inserted';
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END $$;
SELECT is(pg_temp.negative_detail(4, -7), 'The balance is 0 and the amount is -7.',
          'its detail gives the balance before the entry');
SELECT is(pg_temp.negative_detail(1, -30001), 'The balance is 30000 and the amount is -30001.',
          'and so does a cached head''s');

SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Skip Ledger"')$$, 'the ledger verifies');

-- A ledger without any unique index or exclusion constraint (seq_index =>
-- false): ON CONFLICT has nothing to conflict on, so no row can be skipped
-- and the write-back does not count entries, which without the (account,
-- seq) index would scan the ledger once per account.
CREATE TABLE "No Index" ("Acct" text NOT NULL, amt bigint NOT NULL, bal bigint, k text);
SELECT orm_ext.ledger_attach('"No Index"', 'Acct', 'amt', 'bal', seq_index => false);
INSERT INTO "No Index" ("Acct", amt, k) VALUES ('a', 10, 'k1');
CREATE FUNCTION pg_temp.scans() RETURNS bigint LANGUAGE sql AS $$
    SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relid = '"No Index"'::regclass
$$;
CREATE TEMP TABLE scans0 AS SELECT pg_temp.scans() AS n;
INSERT INTO "No Index" ("Acct", amt, k) VALUES ('a', 1, 'k1'), ('b', 2, 'k2') ON CONFLICT DO NOTHING;
SELECT is(pg_temp.scans() - (SELECT n FROM scans0), 0::bigint,
          'no unique index: ON CONFLICT inserts without a scan of the ledger');
SELECT results_eq($$SELECT "Acct", k, bal, entry_seq FROM "No Index" ORDER BY "Acct", entry_seq$$,
                  $$VALUES ('a', 'k1', 10::bigint, 1::bigint), ('a', 'k1', 11, 2), ('b', 'k2', 2, 1)$$,
                  'and every row is inserted and chained (no key conflicts without a unique index)');

-- a unique constraint added later makes skips possible again: the ledger's
-- cached configuration follows the new index, and skips are refused
ALTER TABLE "No Index" ADD CONSTRAINT "No Index k" UNIQUE (k, "Acct", entry_seq);
CREATE UNIQUE INDEX "No Index k only" ON "No Index" (k) WHERE "Acct" = 'c';
INSERT INTO "No Index" ("Acct", amt, k) VALUES ('c', 4, 'kc');
SELECT throws_ok($$INSERT INTO "No Index" ("Acct", amt, k) VALUES ('c', 1, 'kc') ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'an index added after the first inserts: a skip is refused (0A000)');
SELECT throws_ok($$INSERT INTO "No Index" ("Acct", amt, k) VALUES ('a', 3, 'x'), ('c', 1, 'kc')
                   ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'also for a cached account and the second row of a statement');
SELECT is(orm_ext.ledger_balance('"No Index"', 'c'::text), 4::numeric, 'the refused rows left no balance');
DROP INDEX "No Index k only";
ALTER TABLE "No Index" DROP CONSTRAINT "No Index k";
ALTER TABLE "No Index" ADD CONSTRAINT "No Index excl" EXCLUDE USING btree (k WITH =) WHERE ("Acct" = 'd');
INSERT INTO "No Index" ("Acct", amt, k) VALUES ('d', 6, 'kd');
SELECT throws_ok($$INSERT INTO "No Index" ("Acct", amt, k) VALUES ('d', 1, 'kd') ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'an exclusion constraint can skip a row too: refused (0A000)');
ALTER TABLE "No Index" DROP CONSTRAINT "No Index excl";
DELETE FROM scans0;
INSERT INTO scans0 SELECT pg_temp.scans();
INSERT INTO "No Index" ("Acct", amt, k) VALUES ('d', 1, 'kd') ON CONFLICT DO NOTHING;
SELECT is(pg_temp.scans() - (SELECT n FROM scans0), 0::bigint,
          'with the constraints dropped, ON CONFLICT inserts without a scan again');
SELECT is(orm_ext.ledger_balance('"No Index"', 'd'::text), 7::numeric, 'and chains the row');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"No Index"')$$, 'the ledger without index verifies');

-- ledger_verify sorts a ledger without the index, and still names the damage
ALTER TABLE "No Index" DISABLE TRIGGER orm_ext_append_only;
UPDATE "No Index" SET amt = amt + 100 WHERE "Acct" = 'a' AND entry_seq = 1;
ALTER TABLE "No Index" ENABLE ALWAYS TRIGGER orm_ext_append_only;
SELECT results_eq($$SELECT account, entry FROM orm_ext.ledger_verify('"No Index"')$$,
                  $$VALUES ('a', '1')$$,
                  'tampering with a ledger without index is named by account and entry');

SELECT * FROM finish();
ROLLBACK;
