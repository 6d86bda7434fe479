-- Ledger hardening: internal queries never run a table owner's code as the
-- extension's owner; column types changed after the attach; entries
-- tampered into states the triggers refuse (a NULL account, NaN); generated
-- columns and negative numeric scales under verify; digests across session
-- settings; verify and digest with the flush trigger disabled; a detach
-- rolled back to a savepoint.  Roles made
-- here start with tap_lh and go with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(67);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql

-------------------------------------------------------------------------------
-- A table owner's code (an index predicate's IMMUTABLE function, a domain's
-- CHECK) runs as that owner, never as the extension's owner.
CREATE TABLE pg_temp.ran_as (who name);
GRANT SELECT, INSERT, DELETE ON pg_temp.ran_as TO PUBLIC;
CREATE ROLE tap_lh_owner;
CREATE SCHEMA "LH ""Owned""" AUTHORIZATION tap_lh_owner;
SET LOCAL ROLE tap_lh_owner;
CREATE FUNCTION "LH ""Owned""".note() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN INSERT INTO pg_temp.ran_as VALUES (current_user); END $$;
CREATE FUNCTION "LH ""Owned""".pred() RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM "LH ""Owned""".note(); RETURN true; END $$;
CREATE FUNCTION "LH ""Owned""".ok(integer) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM "LH ""Owned""".note(); RETURN $1 > 0; END $$;
CREATE DOMAIN "LH ""Owned""".acct AS integer CHECK ("LH ""Owned""".ok(VALUE));
CREATE TABLE "LH ""Owned"""."Book" ("select" "LH ""Owned""".acct NOT NULL, amt bigint NOT NULL,
                                    bal bigint, note text);
CREATE INDEX ON "LH ""Owned"""."Book" (note) WHERE "LH ""Owned""".pred();
-- a new relcache entry for the index: its predicate is evaluated again on
-- the next use
ALTER INDEX "LH ""Owned"""."Book_note_idx" SET (fillfactor = 90);
DELETE FROM pg_temp.ran_as;
SELECT lives_ok($$SELECT orm_ext.ledger_attach('"LH ""Owned"""."Book"', 'select', 'amt', 'bal')$$,
                'a non-superuser owner attaches a table with an index predicate and a domain account');
ALTER INDEX "LH ""Owned"""."Book_note_idx" SET (fillfactor = 80);
INSERT INTO "LH ""Owned"""."Book" ("select", amt, note) VALUES (1, 5, 'a'), (1, 2, 'b'), (2, 1, 'c');
SELECT is(orm_ext.ledger_balance('"LH ""Owned"""."Book"', 1), 7::numeric, 'the ledger works');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pg_temp.ran_as WHERE who <> 'tap_lh_owner'), 0,
          'the owner''s functions never ran as another role');
SELECT is((SELECT count(*)::int FROM pg_temp.ran_as WHERE who = 'tap_lh_owner') > 0, true,
          'they ran, as the owner');
SELECT is((SELECT format_type(a.atttypid, a.atttypmod) FROM orm_ext.ledgers l
             JOIN pg_attribute a ON a.attrelid = l.heads AND a.attname = 'account'
            WHERE l.ledger = '"LH ""Owned"""."Book"'::regclass),
          'integer', 'the heads keep a domain account in its base type');
-- the ON CONFLICT check counts entries as the owner too
CREATE UNIQUE INDEX ON "LH ""Owned"""."Book" (note);
ALTER TABLE "LH ""Owned"""."Book" OWNER TO tap_lh_owner;
DELETE FROM pg_temp.ran_as;
SET LOCAL ROLE tap_lh_owner;
ALTER INDEX "LH ""Owned"""."Book_note_idx" SET (fillfactor = 70);
SELECT is(pg_temp.error_of($$INSERT INTO "LH ""Owned"""."Book" ("select", amt, note)
                             VALUES (1, 1, 'a') ON CONFLICT DO NOTHING$$),
          '0A000: ledger "LH ""Owned"""."Book" does not support rows skipped after their balance was computed',
          'a skipped row: 0A000');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pg_temp.ran_as WHERE who <> 'tap_lh_owner'), 0,
          'the count behind it ran no code of the owner as another role');

-------------------------------------------------------------------------------
-- Column types changed after the attach: the rewrite is refused while the
-- append-only trigger is enabled; with it disabled, 55000, never a wrong read
CREATE TABLE "Typed Ledger" (acct integer NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('"Typed Ledger"', 'acct', 'amt', 'bal');
INSERT INTO "Typed Ledger" (acct, amt) VALUES (1, 5), (2, 3);
SELECT is(pg_temp.error_of($$ALTER TABLE "Typed Ledger" ALTER COLUMN bal TYPE numeric$$),
          '23001: cannot rewrite the rows of append-only table public."Typed Ledger"',
          'a type change that rewrites the rows: 23001 while the trigger is enabled');
SELECT is(pg_temp.error_of($$ALTER TABLE "Typed Ledger" ADD COLUMN note text DEFAULT pg_catalog.random()::text$$),
          '23001: cannot rewrite the rows of append-only table public."Typed Ledger"',
          'and so is a new column with a volatile default');
SELECT lives_ok($$ALTER TABLE "Typed Ledger" ADD COLUMN note text DEFAULT 'x'$$,
                'a new column with a constant default rewrites nothing and passes');
ALTER TABLE "Typed Ledger" DISABLE TRIGGER orm_ext_append_only;
SAVEPOINT s;
ALTER TABLE "Typed Ledger" ALTER COLUMN bal TYPE numeric;
SELECT is(pg_temp.error_of($$SELECT orm_ext.ledger_balance('"Typed Ledger"', 1)$$),
          '55000: balance column "bal" of ledger public."Typed Ledger" has changed type since the ledger was attached',
          'balance changed to numeric: ledger_balance 55000');
SELECT is(pg_temp.error_of($$SELECT * FROM orm_ext.ledger_verify('"Typed Ledger"')$$),
          '55000: balance column "bal" of ledger public."Typed Ledger" has changed type since the ledger was attached',
          'and ledger_verify 55000');
ROLLBACK TO SAVEPOINT s;
ALTER TABLE "Typed Ledger" ALTER COLUMN acct TYPE numeric;
SELECT is(pg_temp.error_of($$SELECT orm_ext.ledger_digest('"Typed Ledger"')$$),
          '55000: account column "acct" of ledger public."Typed Ledger" has changed type since the ledger was attached',
          'account changed to numeric: ledger_digest 55000');
ROLLBACK TO SAVEPOINT s;
ALTER TABLE "Typed Ledger" ALTER COLUMN amt TYPE double precision;
SELECT is(pg_temp.error_of($$INSERT INTO "Typed Ledger" (acct, amt) VALUES (1, 1)$$),
          '55000: amount column "amt" of ledger public."Typed Ledger" has changed type since the ledger was attached',
          'amount changed to double precision: the insert 55000');
ROLLBACK TO SAVEPOINT s;
ALTER TABLE "Typed Ledger" ALTER COLUMN entry_seq TYPE numeric;
SELECT is(pg_temp.error_of($$INSERT INTO "Typed Ledger" (acct, amt) VALUES (1, 1)$$),
          '55000: seq column "entry_seq" of ledger public."Typed Ledger" has changed type since the ledger was attached',
          'seq changed to numeric: the insert 55000');
ROLLBACK TO SAVEPOINT s;
ALTER TABLE "Typed Ledger" ALTER COLUMN amt TYPE integer;
SELECT lives_ok($$INSERT INTO "Typed Ledger" (acct, amt) VALUES (1, 1)$$,
                'amount changed to another amount type: inserts go on');
SELECT is(orm_ext.ledger_balance('"Typed Ledger"', 1), 6::numeric, 'and chain on');
ALTER TABLE "Typed Ledger" ENABLE ALWAYS TRIGGER orm_ext_append_only;

-- a hashed integer column widened to bigint keeps its hashes; a registered
-- or hashed column cannot be dropped while the ledger is attached
CREATE TABLE "Widen" (id integer NOT NULL, acct text NOT NULL, amt integer NOT NULL, bal bigint,
                      "select" smallint, note text);
SELECT orm_ext.ledger_attach('"Widen"', 'acct', 'amt', 'bal', hash_chain => true);
INSERT INTO "Widen" (id, acct, amt, "select", note) VALUES (1, 'a', 5, 1, 'x'), (2, 'a', -2, NULL, 'y'), (3, 'b', 1, 3, 'z');
ALTER TABLE "Widen" ADD COLUMN later text;
ALTER TABLE "Widen" DISABLE TRIGGER orm_ext_append_only;
ALTER TABLE "Widen" ALTER COLUMN id TYPE bigint, ALTER COLUMN "select" TYPE integer;
ALTER TABLE "Widen" ENABLE ALWAYS TRIGGER orm_ext_append_only;
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Widen"')$$,
                'integer to bigint and smallint to integer: the hashes still verify');
SELECT is(pg_temp.error_of($$ALTER TABLE "Widen" DROP COLUMN note$$),
          '2BP01: cannot drop column "note" of ledger public."Widen"', 'dropping a hashed column: 2BP01');
SELECT is(pg_temp.error_of($$ALTER TABLE "Widen" DROP COLUMN "select"$$),
          '2BP01: cannot drop column "select" of ledger public."Widen"', 'a hostile name');
SELECT is(pg_temp.error_of($$ALTER TABLE "Widen" DROP COLUMN entry_seq$$),
          '2BP01: cannot drop column "entry_seq" of ledger public."Widen"', 'dropping the seq column: 2BP01');
SELECT lives_ok($$ALTER TABLE "Widen" DROP COLUMN later$$, 'a column added after the attach may go');
ALTER TABLE "Widen" ADD COLUMN later2 text;
ALTER TABLE "Widen" RENAME COLUMN bal TO "Bal x";
SELECT lives_ok($$ALTER TABLE "Widen" DROP COLUMN later2$$,
                'even while a registered column is renamed away: only the dropped column counts');
ALTER TABLE "Widen" RENAME COLUMN "Bal x" TO bal;
SELECT lives_ok($$SELECT orm_ext.ledger_detach('"Widen"')$$, 'after a detach');
SELECT lives_ok($$ALTER TABLE "Widen" DROP COLUMN note$$, 'so may the others');

-------------------------------------------------------------------------------
-- States only tampering reaches: verify reports them, never crashes
CREATE TABLE "Null Acct" (acct text, amt numeric NOT NULL, bal numeric, note text);
SELECT orm_ext.ledger_attach('"Null Acct"', 'acct', 'amt', 'bal', hash_chain => true);
INSERT INTO "Null Acct" (acct, amt, note) VALUES ('x', 5, 'a'), ('y', 1, 'b'), ('y', 2, 'c');
SELECT is(pg_temp.error_of($$INSERT INTO "Null Acct" (acct, amt) VALUES ('x', 'NaN')$$),
          '22003: amount NaN of ledger public."Null Acct" is not a finite number', 'a NaN amount: 22003');
SELECT is(pg_temp.error_of($$INSERT INTO "Null Acct" (acct, amt) VALUES ('x', '-Infinity')$$),
          '22003: amount -Infinity of ledger public."Null Acct" is not a finite number', 'an infinite amount: 22003');
ALTER TABLE "Null Acct" DISABLE TRIGGER orm_ext_append_only;
UPDATE "Null Acct" SET acct = NULL WHERE note = 'a';
UPDATE "Null Acct" SET amt = 'NaN', bal = 'NaN' WHERE note = 'c';
SELECT set_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('"Null Acct"')$$,
              $$VALUES ('x', NULL, 'head counts 1 entries, but the account has none'),
                       (NULL, '1', 'entry has no account'),
                       ('y', '2', 'balance NaN is not a finite number'),
                       ('y', NULL, 'head balance 3 differs from the last entry''s balance NaN')$$,
              'a NULL account and a NaN balance are reported');
SELECT is(orm_ext.ledger_digest('"Null Acct"') -> 'heads' -> 1 -> 'balance', '3'::jsonb,
          'the digest still serialises');

-- a generated column is not hashed; a negative numeric scale verifies
CREATE TABLE "Gen" (id serial, acct text NOT NULL, amt numeric NOT NULL, bal numeric(10, -2),
                    amt_x2 numeric GENERATED ALWAYS AS (amt * 2) STORED);
SELECT orm_ext.ledger_attach('"Gen"', 'acct', 'amt', 'bal', hash_chain => true);
INSERT INTO "Gen" (acct, amt) VALUES ('a', 149), ('a', 149), ('b', 51);
SELECT is((SELECT hashed_columns FROM orm_ext.ledgers WHERE ledger = '"Gen"'::regclass),
          '{id,acct,amt,bal,entry_seq}'::name[], 'the generated column is not hashed');
SELECT results_eq($$SELECT bal FROM "Gen" ORDER BY id$$, $$VALUES (100::numeric), (200), (100)$$,
                  'numeric(10, -2) rounds to hundreds');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Gen"')$$, 'and the ledger verifies');
CREATE TABLE "Gen Amount" (acct text NOT NULL, raw numeric NOT NULL, amt numeric GENERATED ALWAYS AS (raw) STORED,
                           bal numeric);
SELECT is(pg_temp.error_of($$SELECT orm_ext.ledger_attach('"Gen Amount"', 'acct', 'amt', 'bal')$$),
          '0A000: generated column "amt" cannot be a ledger column', 'a generated amount column: 0A000');

-- arrays and composites are hashed element by element: a changed element
-- or field shows
CREATE TYPE "Mood" AS ENUM ('ok', 'bad');
CREATE TYPE "Pair" AS (x integer, m "Mood");
CREATE TABLE "Nested" (acct text NOT NULL, amt bigint NOT NULL, bal bigint, tags "Mood"[], p "Pair",
                       grid integer[], note text);
SELECT orm_ext.ledger_attach('"Nested"', 'acct', 'amt', 'bal', hash_chain => true);
INSERT INTO "Nested" (acct, amt, tags, p, grid, note)
VALUES ('a', 5, '{ok,NULL}', '(1,ok)', '[0:1]={1,NULL}', 'x'), ('b', 1, '{bad}', '(,)', '{{1,2},{3,4}}', 'y');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Nested"')$$, 'a ledger with arrays and composites verifies');
ALTER TABLE "Nested" DISABLE TRIGGER orm_ext_append_only;
UPDATE "Nested" SET p = '(1,bad)' WHERE note = 'x';
UPDATE "Nested" SET grid = '{{1,2,3,4}}' WHERE note = 'y';
SELECT set_eq($$SELECT account, entry FROM orm_ext.ledger_verify('"Nested"')$$,
              $$VALUES ('a', '1'), ('b', '1')$$,
              'a changed field, and the same elements in another shape, are reported');

-- allow_negative switched off on a ledger with hostile names: the check
-- quotes them, and names the account and the balance
CREATE TABLE "Neg ""Q"" Book" ("Acc't x" text NOT NULL, "select" bigint NOT NULL, "Bal ""B""" bigint);
SELECT orm_ext.ledger_attach('"Neg ""Q"" Book"', 'Acc''t x', 'select', 'Bal "B"');
INSERT INTO "Neg ""Q"" Book" ("Acc't x", "select") VALUES ('O''Hara', 5), ('O''Hara', -9), ('O''Hara', 10);
SELECT is(pg_temp.error_of($$SELECT orm_ext.ledger_attach('"Neg ""Q"" Book"', 'Acc''t x', 'select', 'Bal "B"',
                                                          allow_negative => false)$$),
          '23514: ledger public."Neg ""Q"" Book" has negative balances: allow_negative cannot be turned off',
          'allow_negative off over a negative history, hostile names: 23514');
SELECT is((SELECT allow_negative FROM orm_ext.ledgers WHERE ledger = '"Neg ""Q"" Book"'::regclass), true,
          'the registry keeps allow_negative on');

-------------------------------------------------------------------------------
-- digests match accounts whatever the session's settings
CREATE TABLE "Days" (day date NOT NULL, at timestamptz NOT NULL DEFAULT '2024-01-01 12:00+00',
                     amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('"Days"', 'day', 'amt', 'bal', hash_chain => true);
INSERT INTO "Days" (day, amt) VALUES ('2024-03-01', 5), ('2024-03-02', 7);
SET LOCAL DateStyle = 'SQL, MDY';
SET LOCAL TimeZone = 'Asia/Tokyo';
CREATE TEMP TABLE d AS SELECT orm_ext.ledger_digest('"Days"') AS d;
SET LOCAL DateStyle = 'German';
SET LOCAL TimeZone = 'America/New_York';
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Days"', (SELECT d FROM d))$$,
                'a digest taken under other DateStyle and TimeZone verifies');
SELECT is((SELECT d -> 'heads' -> 0 ->> 'account' FROM d), '2024-03-01', 'its accounts are in ISO form');
SELECT is(current_setting('DateStyle'), 'German, DMY', 'the session''s settings are left as they were');
RESET DateStyle;
RESET TimeZone;
SELECT is(pg_temp.error_of($$SELECT * FROM orm_ext.ledger_verify('"Days"',
              jsonb_set((SELECT d FROM d), '{heads,0,balance}', '"abc"'))$$),
          '22023: digest is not an orm_ext ledger digest', 'a digest balance that is no number: 22023');

-------------------------------------------------------------------------------
-- with the flush trigger disabled, verify and digest see this transaction's
-- entries with their heads
CREATE TABLE "No Flush" (acct text NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('"No Flush"', 'acct', 'amt', 'bal');
INSERT INTO "No Flush" VALUES ('a', 1);
ALTER TABLE "No Flush" DISABLE TRIGGER orm_ext_ledger_flush;
INSERT INTO "No Flush" VALUES ('a', 1), ('a', 2);
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"No Flush"')$$,
                'ledger_verify writes the pending heads back first');
INSERT INTO "No Flush" VALUES ('a', 3);
SELECT is(orm_ext.ledger_digest('"No Flush"') -> 'heads' -> 0 -> 'seq', '4'::jsonb,
          'so does ledger_digest');

-------------------------------------------------------------------------------
-- a subtransaction per row leaves no undo record behind; ledger_balance's
-- value outlives a later insert in the same query
CREATE TABLE "Per Row" (acct integer NOT NULL, amt numeric NOT NULL, bal numeric);
SELECT orm_ext.ledger_attach('"Per Row"', 'acct', 'amt', 'bal');
DO $$
BEGIN
    FOR i IN 1..3000 LOOP
        BEGIN
            INSERT INTO "Per Row" VALUES (i % 3, 1.5);
        EXCEPTION WHEN others THEN RAISE;
        END;
    END LOOP;
END $$;
SELECT cmp_ok((SELECT max(total_bytes) FROM pg_backend_memory_contexts WHERE name = 'orm_ext ledger heads'),
              '<', 65536::bigint, '3,000 rows in a subtransaction each: the cached heads stay small');
SELECT is(orm_ext.ledger_balance('"Per Row"', 1), 1500::numeric, 'and the balance is right');
SELECT is((SELECT b FROM (SELECT orm_ext.ledger_balance('"Per Row"', 1) AS b,
                                 orm_ext.ledger_post('"Per Row"', '[{"acct": 1, "amt": 7.25}]') AS p) s),
          1500::numeric, 'ledger_balance next to a ledger_post in one query keeps its value');
SELECT is(orm_ext.ledger_balance('"Per Row"', 1), 1507.25::numeric, 'which then took effect');

-------------------------------------------------------------------------------
-- nested subtransactions inside one INSERT: an inner statement's write-back
-- touches heads the outer statement computed; the undo records that follow
-- must never share a value they both free
CREATE TABLE "Nest Led" (id bigserial PRIMARY KEY, account text NOT NULL, amount numeric NOT NULL,
                         balance numeric);
SELECT orm_ext.ledger_attach('"Nest Led"', 'account', 'amount', 'balance');
CREATE FUNCTION pg_temp.nest_amount(n integer, inner_fails boolean) RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    IF n = 3 THEN
        BEGIN
            INSERT INTO "Nest Led" (account, amount) VALUES ('b', 1);
            BEGIN
                INSERT INTO "Nest Led" (account, amount) VALUES ('a', 100);
                IF inner_fails THEN
                    PERFORM 1 / 0;
                END IF;
            EXCEPTION WHEN division_by_zero THEN NULL;
            END;
            RAISE EXCEPTION 'roll back the outer block';
        EXCEPTION WHEN raise_exception THEN NULL;
        END;
    END IF;
    RETURN 1.5;
END $$;
SELECT lives_ok($$INSERT INTO "Nest Led" (account, amount)
                  SELECT acct, pg_temp.nest_amount(n, false)
                  FROM (VALUES (1, 'a'), (2, 'a'), (3, 'a'), (4, 'c'), (5, 'c'), (6, 'a'), (7, 'c')) v(n, acct)$$,
                'an inner block that commits inside an outer one that rolls back');
SELECT lives_ok($$INSERT INTO "Nest Led" (account, amount)
                  SELECT acct, pg_temp.nest_amount(n, true)
                  FROM (VALUES (1, 'a'), (2, 'a'), (3, 'a'), (4, 'c'), (5, 'c'), (6, 'a'), (7, 'c')) v(n, acct)$$,
                'an inner block that rolls back inside an outer one that rolls back');
SELECT results_eq($$SELECT account, orm_ext.ledger_balance('"Nest Led"', account) FROM (VALUES ('a'), ('b'), ('c')) v(account)$$,
                  $$VALUES ('a', 12.0), ('b', 0), ('c', 9.0)$$,
                  'only the outer statements'' rows count');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Nest Led"')$$, 'and the ledger verifies');

-------------------------------------------------------------------------------
-- ledger_detach rolled back to a savepoint: the transaction gets back the
-- heads it has not written yet (flush trigger disabled), and the row locks
-- it holds on them
CREATE TABLE "Sp Led" ("user" integer NOT NULL, "Amount" bigint NOT NULL, "bal ance" bigint);
SELECT orm_ext.ledger_attach('"Sp Led"', 'user', 'Amount', 'bal ance', seq_index => false);
ALTER TABLE "Sp Led" DISABLE TRIGGER orm_ext_ledger_flush;
INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 10), (1, 5), (2, 7);
INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 1);
SAVEPOINT sp;
SELECT orm_ext.ledger_detach('"Sp Led"');
ROLLBACK TO SAVEPOINT sp;
SELECT results_eq($$INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 2), (2, 3)
                    RETURNING "user", "bal ance", entry_seq$$,
                  $$VALUES (1, 18::bigint, 4::bigint), (2, 10::bigint, 2::bigint)$$,
                  'after ledger_detach is rolled back, the next entries chain on the unwritten heads');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Sp Led"')$$,
                'and the ledger verifies');
-- the detach in an inner savepoint that is released, the outer one rolled back
INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 100);
SAVEPOINT outer_sp;
SAVEPOINT inner_sp;
SELECT orm_ext.ledger_detach('"Sp Led"');
RELEASE SAVEPOINT inner_sp;
INSERT INTO "Sp Led" ("user", "Amount", "bal ance", entry_seq) VALUES (1, 1, 0, 0);
ROLLBACK TO SAVEPOINT outer_sp;
SELECT results_eq($$INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 1) RETURNING "bal ance", entry_seq$$,
                  $$VALUES (119::bigint, 6::bigint)$$,
                  'a detach released into a savepoint that rolls back is undone with it');
-- detached, emptied, attached with other columns and written, all rolled
-- back: the new heads go, the old ones come back
SAVEPOINT sp;
SELECT orm_ext.ledger_detach('"Sp Led"');
TRUNCATE "Sp Led";
SELECT orm_ext.ledger_attach('"Sp Led"', 'user', 'Amount', 'bal ance', hash_chain => true);
INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 50), (3, 4);
ROLLBACK TO SAVEPOINT sp;
SELECT results_eq($$INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 1), (3, 4) RETURNING "user", "bal ance", entry_seq$$,
                  $$VALUES (1, 120::bigint, 7::bigint), (3, 4::bigint, 1::bigint)$$,
                  'a new ledger made and written in a rolled-back savepoint leaves the old heads in charge');
-- the same from a PL/pgSQL block that fails after the detach
CREATE FUNCTION pg_temp.detach_then_fail() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM orm_ext.ledger_detach('"Sp Led"');
        RAISE EXCEPTION 'no';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
END $$;
SELECT pg_temp.detach_then_fail();
SELECT results_eq($$INSERT INTO "Sp Led" ("user", "Amount") VALUES (1, 1) RETURNING "bal ance", entry_seq$$,
                  $$VALUES (121::bigint, 8::bigint)$$,
                  'a detach inside an EXCEPTION block that catches an error is undone too');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"Sp Led"')$$,
                'and the ledger still verifies');
-- a detach that stands
SAVEPOINT sp;
SELECT orm_ext.ledger_detach('"Sp Led"');
RELEASE SAVEPOINT sp;
SELECT is((SELECT count(*) FROM orm_ext.ledgers WHERE ledger = '"Sp Led"'::regclass), 0::bigint,
          'a released detach stands');

-- DROP EXTENSION (last: nothing of orm_ext is left after it)
CREATE TABLE "Drop Ext" (acct int, amt bigint, bal bigint);
SELECT orm_ext.ledger_attach('"Drop Ext"', 'acct', 'amt', 'bal');
INSERT INTO "Drop Ext" (acct, amt) VALUES (1, 5);
SELECT is(orm_ext.ledger_before_drop_extension(NULL)::text, NULL, 'the DROP EXTENSION helper does nothing for NULL');
SELECT is(orm_ext.ledger_before_drop_extension(false)::text, '', 'nor without CASCADE');
SELECT is((SELECT count(*) FROM orm_ext.ledgers l JOIN pg_class c ON c.oid = l.heads), (SELECT count(*) FROM orm_ext.ledgers),
          'every heads table is still there');
SELECT throws_ok('DROP EXTENSION orm_ext', '2BP01', NULL,
                 'DROP EXTENSION refuses while ledgers exist');
CREATE TEMP TABLE heads_before AS SELECT heads::oid AS heads FROM orm_ext.ledgers;
SET LOCAL client_min_messages = warning;
DROP EXTENSION orm_ext CASCADE;
RESET client_min_messages;
SELECT cmp_ok((SELECT count(*) FROM heads_before), '>', 1::bigint, 'several ledgers were attached');
SELECT is((SELECT count(*) FROM heads_before h JOIN pg_class c ON c.oid = h.heads), 0::bigint,
          'DROP EXTENSION ... CASCADE drops the heads tables of all ledgers');
SELECT is(to_regnamespace('orm_ext') IS NOT NULL, true, 'and leaves schema orm_ext');
SELECT throws_ok($$INSERT INTO "Drop Ext" (acct, amt) VALUES (1, 5)$$, '23502', NULL,
                 'an insert then fails on the NOT NULL seq column');
SELECT lives_ok($$UPDATE "Drop Ext" SET amt = 6$$, 'and the table is no longer append-only');

SELECT * FROM finish();
ROLLBACK;
