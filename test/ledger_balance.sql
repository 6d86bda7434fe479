-- The balance trigger (server-owned balance, seq and hash; NULLs, negative
-- balances, append-only, skipped rows) and ledger_balance() (unknown
-- accounts, overloads, privileges, row-level security).
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(74);

SELECT has_function('orm_ext', 'ledger_balance', ARRAY['regclass', 'anyelement'],
                    'ledger_balance(regclass, anyelement) exists');
SELECT has_function('orm_ext', 'ledger_balance', ARRAY['regclass', 'text'],
                    'ledger_balance(regclass, text) exists');
SELECT function_returns('orm_ext', 'ledger_balance', ARRAY['regclass', 'anyelement'], 'numeric',
                        'ledger_balance returns numeric');

CREATE TABLE credit_ledger (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    user_id uuid NOT NULL,
    amount_cents bigint NOT NULL,
    balance_after_cents bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    idempotency_key text UNIQUE
);
SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents');

-------------------------------------------------------------------------------
-- the balance trigger
-------------------------------------------------------------------------------
-- balance and seq are the server's: what the client sends is overwritten
INSERT INTO credit_ledger (user_id, amount_cents, balance_after_cents, entry_seq)
VALUES ('00000000-0000-7000-8000-00000000000a', 500, 99999, 42);
SELECT results_eq($$SELECT amount_cents, balance_after_cents, entry_seq FROM credit_ledger$$,
                  $$VALUES (500::bigint, 500::bigint, 1::bigint)$$,
                  'a client-sent balance and entry_seq are overwritten by the server''s');
SELECT results_eq($$INSERT INTO credit_ledger (user_id, amount_cents, balance_after_cents, entry_seq)
                    VALUES ('00000000-0000-7000-8000-00000000000a', -200, -1, 1)
                    RETURNING balance_after_cents, entry_seq$$,
                  $$VALUES (300::bigint, 2::bigint)$$,
                  'RETURNING shows the computed balance and seq, not the sent ones');

-- several rows for one account in one INSERT ... SELECT
INSERT INTO credit_ledger (user_id, amount_cents)
SELECT '00000000-0000-7000-8000-00000000000b', g FROM generate_series(1, 5) g;
SELECT results_eq($$SELECT amount_cents, balance_after_cents, entry_seq FROM credit_ledger
                    WHERE user_id = '00000000-0000-7000-8000-00000000000b' ORDER BY entry_seq$$,
                  $$VALUES (1::bigint, 1::bigint, 1::bigint), (2, 3, 2), (3, 6, 3), (4, 10, 4), (5, 15, 5)$$,
                  'INSERT ... SELECT of five rows for one account chains them in order');

-- two accounts interleaved in one statement
INSERT INTO credit_ledger (user_id, amount_cents)
SELECT CASE WHEN g % 2 = 0 THEN '00000000-0000-7000-8000-00000000000c'::uuid
            ELSE '00000000-0000-7000-8000-00000000000d'::uuid END, g * 10
FROM generate_series(1, 6) g;
SELECT results_eq($$SELECT user_id::text, balance_after_cents, entry_seq FROM credit_ledger
                    WHERE user_id IN ('00000000-0000-7000-8000-00000000000c', '00000000-0000-7000-8000-00000000000d')
                    ORDER BY user_id, entry_seq$$,
                  $$VALUES ('00000000-0000-7000-8000-00000000000c', 20::bigint, 1::bigint),
                           ('00000000-0000-7000-8000-00000000000c', 60, 2),
                           ('00000000-0000-7000-8000-00000000000c', 120, 3),
                           ('00000000-0000-7000-8000-00000000000d', 10, 1),
                           ('00000000-0000-7000-8000-00000000000d', 40, 2),
                           ('00000000-0000-7000-8000-00000000000d', 90, 3)$$,
                  'two accounts interleaved in one statement keep separate chains');

-- a data-modifying CTE, then a later statement in the same transaction
SELECT results_eq($$WITH ins AS (
                        INSERT INTO credit_ledger (user_id, amount_cents)
                        VALUES ('00000000-0000-7000-8000-00000000000b', 100), ('00000000-0000-7000-8000-00000000000b', -15)
                        RETURNING balance_after_cents, entry_seq)
                    SELECT * FROM ins ORDER BY entry_seq$$,
                  $$VALUES (115::bigint, 6::bigint), (100, 7)$$,
                  'an INSERT in a CTE continues the chain');

-- NULL account or amount: 23502 (also when the table would allow NULL)
CREATE TABLE lb_nullable (acct text, amt bigint, bal bigint);
SELECT orm_ext.ledger_attach('lb_nullable', 'acct', 'amt', 'bal');
SELECT throws_ok($$INSERT INTO lb_nullable (acct, amt) VALUES (NULL, 5)$$, '23502',
                 'null value in column "acct" of ledger public.lb_nullable', 'NULL account: 23502');
SELECT throws_ok($$INSERT INTO lb_nullable (acct, amt) VALUES ('x', NULL)$$, '23502',
                 'null value in column "amt" of ledger public.lb_nullable', 'NULL amount: 23502');
SELECT throws_ok($$INSERT INTO credit_ledger (user_id, amount_cents) VALUES (NULL, 5)$$, '23502', NULL,
                 'NULL account in a NOT NULL column: 23502');
SELECT throws_ok($$INSERT INTO credit_ledger (user_id, amount_cents)
                   VALUES ('00000000-0000-7000-8000-00000000000a', 1), ('00000000-0000-7000-8000-00000000000a', NULL)$$,
                 '23502', NULL, 'a NULL amount in the second row fails the statement');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000a'::uuid), 300::numeric,
          'the failed statement''s first row left no trace in the balance');

-- allow_negative = false: 23514, and the refused row changes nothing
CREATE TABLE lb_strict (acct int NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('lb_strict', 'acct', 'amt', 'bal', allow_negative => false);
INSERT INTO lb_strict (acct, amt) VALUES (1, 100);
SELECT throws_ok($$INSERT INTO lb_strict (acct, amt) VALUES (1, -101)$$, '23514', NULL,
                 'allow_negative = false: going below zero is 23514');
SELECT throws_ok($$INSERT INTO lb_strict (acct, amt) VALUES (2, -1)$$, '23514', NULL,
                 'a first entry below zero is refused too');
SELECT throws_ok($$INSERT INTO lb_strict (acct, amt) VALUES (1, -60), (1, -60)$$, '23514', NULL,
                 'a statement whose second row would go below zero is refused');
SELECT is(orm_ext.ledger_balance('lb_strict', 1), 100::numeric, 'the refused rows left the balance unchanged');
SELECT is(orm_ext.ledger_balance('lb_strict', 2), 0::numeric, 'the refused first entry created no balance');
SELECT results_eq($$INSERT INTO lb_strict (acct, amt) VALUES (1, -100) RETURNING bal, entry_seq$$,
                  $$VALUES (0::bigint, 2::bigint)$$,
                  'the next insert chains on the last good entry: exactly zero passes, seq has no gap');

-- append-only
SELECT throws_ok($$UPDATE credit_ledger SET amount_cents = 0$$, '23001', NULL, 'UPDATE of a ledger: 23001');
SELECT throws_ok($$UPDATE credit_ledger SET balance_after_cents = 0 WHERE entry_seq = 1$$, '23001', NULL,
                 'UPDATE of a balance: 23001');
SELECT throws_ok($$DELETE FROM credit_ledger WHERE entry_seq = 1$$, '23001', NULL, 'DELETE from a ledger: 23001');
SELECT throws_ok($$TRUNCATE credit_ledger$$, '23001', NULL, 'TRUNCATE of a ledger: 23001');

-- ON CONFLICT
INSERT INTO credit_ledger (user_id, amount_cents, idempotency_key)
VALUES ('00000000-0000-7000-8000-00000000000e', 50, 'k1');
SELECT throws_ok($$INSERT INTO credit_ledger (user_id, amount_cents, idempotency_key)
                   VALUES ('00000000-0000-7000-8000-00000000000e', 50, 'k1') ON CONFLICT DO NOTHING$$,
                 '0A000', NULL, 'ON CONFLICT DO NOTHING that skips a computed row: 0A000');
SELECT throws_ok($$INSERT INTO credit_ledger (user_id, amount_cents, idempotency_key)
                   VALUES ('00000000-0000-7000-8000-00000000000e', 7, 'k2'),
                          ('00000000-0000-7000-8000-00000000000e', 50, 'k1') ON CONFLICT (idempotency_key) DO NOTHING$$,
                 '0A000', NULL, 'a statement with one new row and one skipped row: 0A000 for the whole statement');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000e'::uuid), 50::numeric,
          'the refused ON CONFLICT statements left the balance unchanged');
SELECT results_eq($$INSERT INTO credit_ledger (user_id, amount_cents, idempotency_key)
                    VALUES ('00000000-0000-7000-8000-00000000000e', 7, 'k3') ON CONFLICT DO NOTHING
                    RETURNING balance_after_cents, entry_seq$$,
                  $$VALUES (57::bigint, 2::bigint)$$, 'ON CONFLICT DO NOTHING that skips nothing passes');
SELECT throws_ok($$INSERT INTO credit_ledger (user_id, amount_cents, idempotency_key)
                   VALUES ('00000000-0000-7000-8000-00000000000e', 1, 'k1')
                   ON CONFLICT (idempotency_key) DO UPDATE SET amount_cents = excluded.amount_cents$$,
                 '23001', NULL, 'ON CONFLICT DO UPDATE that hits a row: 23001');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000e'::uuid), 57::numeric,
          'and the balance is unchanged');

-- a later BEFORE trigger that drops the row: 0A000; an earlier one that changes it is honoured
CREATE FUNCTION pg_temp.lb_drop_zero() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.amt = 0 THEN RETURN NULL; END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION pg_temp.lb_double() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.amt := NEW.amt * 2;
    RETURN NEW;
END $$;
CREATE TABLE lb_early (acct int NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('lb_early', 'acct', 'amt', 'bal');
CREATE TRIGGER aa_double BEFORE INSERT ON lb_early FOR EACH ROW EXECUTE FUNCTION pg_temp.lb_double();
INSERT INTO lb_early (acct, amt) VALUES (1, 5);
SELECT results_eq($$SELECT amt, bal FROM lb_early$$, $$VALUES (10::bigint, 10::bigint)$$,
                  'an earlier BEFORE trigger''s change to the amount is what the balance counts');
-- a BEFORE INSERT trigger that fires after the balance trigger (name order)
-- could change or skip a row after its balance was computed: inserts fail
-- with 55000 until it is renamed (docs/ledger.md)
CREATE TABLE lb_late (acct int NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('lb_late', 'acct', 'amt', 'bal');
CREATE TRIGGER zz_drop_zero BEFORE INSERT ON lb_late FOR EACH ROW EXECUTE FUNCTION pg_temp.lb_drop_zero();
SELECT throws_ok($$INSERT INTO lb_late (acct, amt) VALUES (1, 0)$$, '55000', NULL,
                 'a later BEFORE trigger that would skip the row: 55000');
SELECT throws_ok($$INSERT INTO lb_late (acct, amt) VALUES (1, 5)$$, '55000', NULL,
                 'a later BEFORE trigger: 55000 even for a row it would keep');
ALTER TRIGGER zz_drop_zero ON lb_late RENAME TO aa_drop_zero;
SELECT lives_ok($$INSERT INTO lb_late (acct, amt) VALUES (1, 0), (1, 5)$$,
                'renamed to fire before the balance trigger, it may skip rows');
SELECT results_eq($$SELECT amt, bal, entry_seq FROM lb_late$$, $$VALUES (5::bigint, 5::bigint, 1::bigint)$$,
                  'the row it skipped took no seq and no balance');

-- a registered column renamed: 55000
CREATE TABLE lb_renamed (acct int NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('lb_renamed', 'acct', 'amt', 'bal');
INSERT INTO lb_renamed (acct, amt) VALUES (1, 1);
ALTER TABLE lb_renamed RENAME COLUMN amt TO amount;
SELECT throws_ok($$INSERT INTO lb_renamed (acct, amount) VALUES (1, 1)$$, '55000', NULL,
                 'a ledger whose amount column was renamed refuses inserts: 55000');

-- a role with nothing but INSERT on the ledger (the seeds' app_user)
CREATE ROLE orm_ext_lb_app NOLOGIN;
GRANT INSERT ON credit_ledger TO orm_ext_lb_app;
SET LOCAL ROLE orm_ext_lb_app;
SELECT lives_ok($$INSERT INTO credit_ledger (user_id, amount_cents) VALUES ('00000000-0000-7000-8000-00000000000f', 11),
                                                                        ('00000000-0000-7000-8000-00000000000f', 22)$$,
                'a role with only INSERT on the ledger can insert');
RESET ROLE;
SELECT results_eq($$SELECT balance_after_cents, entry_seq FROM credit_ledger
                    WHERE user_id = '00000000-0000-7000-8000-00000000000f' ORDER BY entry_seq$$,
                  $$VALUES (11::bigint, 1::bigint), (33, 2)$$, 'and its rows are chained');

-- a hostile search_path: an = operator on uuid that fails, found before pg_catalog
CREATE SCHEMA lb_evil;
CREATE FUNCTION lb_evil.uuid_eq(uuid, uuid) RETURNS bool LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'hostile = operator called'; END$$;
CREATE OPERATOR lb_evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = lb_evil.uuid_eq);
CREATE FUNCTION lb_evil.int8pl(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'hostile + operator called'; END$$;
CREATE OPERATOR lb_evil.+ (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = lb_evil.int8pl);
SET LOCAL search_path = lb_evil, pg_catalog, public;
CREATE TABLE public.lb_path (acct uuid NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('public.lb_path', 'acct', 'amt', 'bal', hash_chain => true)$$,
                'under a hostile search_path: attach');
SELECT lives_ok($$INSERT INTO public.lb_path (acct, amt) VALUES ('00000000-0000-7000-8000-000000000001', 4),
                                                                ('00000000-0000-7000-8000-000000000001', 5)$$,
                'under a hostile search_path: insert');
SELECT lives_ok($$SELECT orm_ext.ledger_post('public.lb_path', '[{"acct": "00000000-0000-7000-8000-000000000001", "amt": 1}]')$$,
                'under a hostile search_path: ledger_post');
SELECT is(orm_ext.ledger_balance('public.lb_path', '00000000-0000-7000-8000-000000000001'::uuid), 10::numeric,
          'under a hostile search_path: ledger_balance');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('public.lb_path', orm_ext.ledger_digest('public.lb_path'))),
          0::bigint, 'under a hostile search_path: ledger_verify and ledger_digest');
RESET search_path;

-- hash_chain: entry_hash is 32 bytes, the server's, and differs per entry
CREATE TABLE lb_hashed (acct text NOT NULL, amt bigint NOT NULL, bal bigint, note text);
SELECT orm_ext.ledger_attach('lb_hashed', 'acct', 'amt', 'bal', hash_chain => true);
SELECT col_type_is('public', 'lb_hashed', 'entry_hash', 'bytea', 'hash_chain adds entry_hash bytea');
SELECT col_not_null('public', 'lb_hashed', 'entry_hash', 'entry_hash is NOT NULL');
SELECT is((SELECT hashed_columns IS NOT NULL AND hash_column = 'entry_hash' FROM orm_ext.ledgers
           WHERE ledger = 'lb_hashed'::regclass), true, 'the registry names the hash column and the hashed columns');
INSERT INTO lb_hashed (acct, amt, note, entry_hash) VALUES ('a', 1, 'x', '\x00'), ('a', 1, 'x', '\x00'), ('b', 1, 'x', NULL);
SELECT is(ARRAY(SELECT length(entry_hash) FROM lb_hashed ORDER BY acct, entry_seq), ARRAY[32, 32, 32],
          'every entry gets a 32-byte hash, whatever the client sent');
SELECT is((SELECT count(DISTINCT entry_hash) FROM lb_hashed), 3::bigint,
          'equal rows in one chain and in another account get different hashes');
SELECT is((SELECT entry_hash FROM lb_hashed WHERE acct = 'a' AND entry_seq = 2) <>
          (SELECT entry_hash FROM lb_hashed WHERE acct = 'b' AND entry_seq = 1), true,
          'the hash depends on the chain, not only on the row''s amount and seq');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('lb_hashed')), 0::bigint, 'the hashed ledger verifies');

-------------------------------------------------------------------------------
-- ledger_balance()
-------------------------------------------------------------------------------
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-0000000000ff'::uuid), 0::numeric,
          'an account with no entries has balance 0');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000b'::uuid), 100::numeric,
          'the balance after several inserts (typed uuid)');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000b'), 100::numeric,
          'an untyped literal account takes the text overload');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000B'::text), 100::numeric,
          'an explicit text account is read as the account type (uuid input, case-insensitive)');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000d'),
          (SELECT balance_after_cents::numeric FROM credit_ledger
           WHERE user_id = '00000000-0000-7000-8000-00000000000d' ORDER BY entry_seq DESC LIMIT 1),
          'ledger_balance equals the balance of the account''s last entry');
SELECT is(pg_typeof(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000b'))::text, 'numeric',
          'the result is numeric');
SELECT is(orm_ext.ledger_balance('lb_hashed', 'a'), 2::numeric, 'a text account through the text overload');
SELECT is(orm_ext.ledger_balance('lb_strict', 1::smallint), 0::numeric,
          'an integer account given as smallint still finds its head');

SELECT throws_ok($$SELECT orm_ext.ledger_balance(NULL, '00000000-0000-7000-8000-00000000000b'::uuid)$$, '22004', NULL,
                 'NULL tbl: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_balance('credit_ledger', NULL::uuid)$$, '22004', NULL,
                 'NULL typed account: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_balance('credit_ledger', NULL)$$, '22004', NULL,
                 'NULL untyped account: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_balance('credit_ledger', 'not-a-uuid')$$, '22P02', NULL,
                 'an invalid uuid text: 22P02');
CREATE TABLE lb_plain (acct int, amt bigint, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_balance('lb_plain', 1)$$, '42704',
                 'table public.lb_plain is not an orm_ext ledger', 'a table that is not a ledger: 42704');
SELECT throws_ok($$SELECT orm_ext.ledger_balance('pg_class', 'x')$$, '42704', NULL,
                 'a catalog table is not a ledger either: 42704');

-- after detach the table is not a ledger any more
CREATE TABLE lb_detached (acct int NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('lb_detached', 'acct', 'amt', 'bal');
INSERT INTO lb_detached (acct, amt) VALUES (1, 1);
SELECT orm_ext.ledger_detach('lb_detached');
SELECT throws_ok($$SELECT orm_ext.ledger_balance('lb_detached', 1)$$, '42704', NULL,
                 'a detached ledger: 42704');

-- privileges
CREATE ROLE orm_ext_lb_nobody NOLOGIN;
CREATE ROLE orm_ext_lb_reader NOLOGIN;
GRANT SELECT ON credit_ledger TO orm_ext_lb_reader;
SET LOCAL ROLE orm_ext_lb_nobody;
SELECT throws_ok($$SELECT orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000b'::uuid)$$,
                 '42501', NULL, 'without SELECT on the ledger: 42501');
SELECT throws_ok($$SELECT orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-0000000000ff')$$,
                 '42501', NULL, 'without SELECT, even an unknown account: 42501');
RESET ROLE;
SET LOCAL ROLE orm_ext_lb_reader;
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-00000000000b'::uuid), 100::numeric,
          'with SELECT on the ledger (and none on its heads table) the balance is readable');
RESET ROLE;

-- row-level security: a caller subject to it sees only the balance of its last visible entry
CREATE TABLE lb_rls (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL,
    amount_cents bigint NOT NULL,
    balance_after_cents bigint,
    visible bool NOT NULL DEFAULT true
);
SELECT orm_ext.ledger_attach('lb_rls', 'user_id', 'amount_cents', 'balance_after_cents');
INSERT INTO lb_rls (user_id, amount_cents, visible) VALUES
    ('00000000-0000-7000-8000-000000000001', 100, true),
    ('00000000-0000-7000-8000-000000000001', 20, true),
    ('00000000-0000-7000-8000-000000000002', 7, true),
    ('00000000-0000-7000-8000-000000000001', 3, false);
ALTER TABLE lb_rls ENABLE ROW LEVEL SECURITY;
CREATE ROLE orm_ext_lb_user NOLOGIN;
GRANT SELECT ON lb_rls TO orm_ext_lb_user;
CREATE POLICY lb_rls_own ON lb_rls FOR SELECT TO orm_ext_lb_user
    USING (user_id = current_setting('lb.user_id')::uuid AND visible);
SET LOCAL lb.user_id = '00000000-0000-7000-8000-000000000001';
SELECT is(orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000001'::uuid), 123::numeric,
          'the owner (not subject to RLS) reads the head: 123');
SET LOCAL ROLE orm_ext_lb_user;
SELECT is(orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000001'::uuid), 120::numeric,
          'under RLS: the balance of the last visible entry (120), not the head (123)');
SELECT is(orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000002'::uuid), 0::numeric,
          'under RLS: an account whose entries are all hidden reads as 0');
SELECT is(orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000002'), 0::numeric,
          'under RLS: the text overload hides it too');
RESET ROLE;
SET LOCAL lb.user_id = '00000000-0000-7000-8000-000000000002';
SET LOCAL ROLE orm_ext_lb_user;
SELECT is(orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000002'::uuid), 7::numeric,
          'under RLS: the policy''s own account reads its balance');
SELECT is(orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000001'::uuid), 0::numeric,
          'under RLS: the other user''s balance reads as 0');
RESET ROLE;
SET LOCAL row_security = off;
SET LOCAL ROLE orm_ext_lb_user;
SELECT throws_ok($$SELECT orm_ext.ledger_balance('lb_rls', '00000000-0000-7000-8000-000000000001'::uuid)$$,
                 '42501', NULL, 'under RLS with row_security = off: 42501, as a SELECT would be');
RESET ROLE;
RESET row_security;

SELECT * FROM finish();
ROLLBACK;
