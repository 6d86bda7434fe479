-- ledger_post(): several entries in one call, returned with their computed
-- balances; balanced postings; argument errors; privileges; hostile names.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(46);

SELECT has_function('orm_ext', 'ledger_post', ARRAY['regclass', 'jsonb', 'boolean'],
                    'ledger_post(regclass, jsonb, bool) exists');
SELECT function_returns('orm_ext', 'ledger_post', ARRAY['regclass', 'jsonb', 'boolean'], 'jsonb',
                        'ledger_post returns jsonb');

CREATE TABLE credit_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL,
    amount_cents bigint NOT NULL,
    balance_after_cents bigint,
    note text
);
SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents');
INSERT INTO credit_ledger (user_id, amount_cents) VALUES ('00000000-0000-7000-8000-000000000001', 1000);

CREATE TEMP TABLE post_result (r jsonb);
INSERT INTO post_result
SELECT orm_ext.ledger_post('credit_ledger', $$[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": -300, "note": "transfer out"},
    {"user_id": "00000000-0000-7000-8000-000000000002", "amount_cents": 300, "note": "transfer in"},
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": "-50",
     "balance_after_cents": 999999, "entry_seq": 77}
]$$, balanced => false);

SELECT is(jsonb_typeof((SELECT r FROM post_result)), 'array', 'the result is a JSON array');
SELECT is(jsonb_array_length((SELECT r FROM post_result)), 3, 'one element per entry');
SELECT results_eq($$SELECT e->>'user_id', (e->>'amount_cents')::bigint, (e->>'balance_after_cents')::bigint,
                           (e->>'entry_seq')::bigint
                    FROM post_result, jsonb_array_elements(r) WITH ORDINALITY x(e, n) ORDER BY n$$,
                  $$VALUES ('00000000-0000-7000-8000-000000000001', -300::bigint, 700::bigint, 2::bigint),
                           ('00000000-0000-7000-8000-000000000002', 300, 300, 1),
                           ('00000000-0000-7000-8000-000000000001', -50, 650, 3)$$,
                  'entries are inserted in order with computed balances and seqs; sent balance and seq are ignored');
SELECT is((SELECT r FROM post_result),
          (SELECT jsonb_agg(to_jsonb(c) ORDER BY c.id) FROM credit_ledger c WHERE c.id > 1),
          'each element is the inserted row as to_jsonb gives it');
SELECT is((SELECT count(*) FROM credit_ledger), 4::bigint, 'three rows were written');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-000000000001'::uuid), 650::numeric,
          'the heads follow the posting');
SELECT is(orm_ext.ledger_post('credit_ledger', '[]'), '[]'::jsonb, 'an empty array posts nothing and returns []');
SELECT is(orm_ext.ledger_post('credit_ledger', '[]', true), '[]'::jsonb, 'an empty balanced posting is fine too');

-- balanced postings
SELECT is(jsonb_array_length(orm_ext.ledger_post('credit_ledger', $$[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": -150},
    {"user_id": "00000000-0000-7000-8000-000000000002", "amount_cents": 100},
    {"user_id": "00000000-0000-7000-8000-000000000003", "amount_cents": 50}]$$, true)), 3,
          'balanced = true with amounts summing to 0 posts');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": -100},
    {"user_id": "00000000-0000-7000-8000-000000000002", "amount_cents": 99}]', true)$$,
                 '23514', 'entries for ledger public.credit_ledger do not balance',
                 'balanced = true with a non-zero sum: 23514');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}]', true)$$,
                 '23514', NULL, 'balanced = true with a single non-zero entry: 23514');
SELECT is((SELECT count(*) FROM credit_ledger), 7::bigint, 'the unbalanced postings wrote nothing');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-000000000001'::uuid), 500::numeric,
          'and left the balances alone');
SELECT results_eq($$SELECT (orm_ext.ledger_post('credit_ledger',
                       '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}]')->0->>'entry_seq')::bigint$$,
                  $$VALUES (5::bigint)$$, 'the next posting''s seq follows without a gap');

CREATE TABLE post_numeric (acct text NOT NULL, amt numeric NOT NULL, bal numeric);
SELECT orm_ext.ledger_attach('post_numeric', 'acct', 'amt', 'bal');
SELECT is(orm_ext.ledger_post('post_numeric', '[{"acct": "a", "amt": 0.1}, {"acct": "b", "amt": 0.2},
                                                {"acct": "c", "amt": -0.3}]', true)->2->>'bal', '-0.3',
          'numeric amounts 0.1 + 0.2 - 0.3 balance exactly');
SELECT throws_ok($$SELECT orm_ext.ledger_post('post_numeric', '[{"acct": "a", "amt": 0.1}, {"acct": "b", "amt": -0.10000000001}]', true)$$,
                 '23514', NULL, 'numeric amounts off by 1e-11 do not balance: 23514');

-- a failing entry in the middle writes nothing
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 5},
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": null}]')$$,
                 '23502', NULL, 'an entry with a null amount: 23502');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 5},
    {"user_id": "00000000-0000-7000-8000-000000000001"}]')$$,
                 '23502', NULL, 'an entry without an amount: 23502');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 5},
    {"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1.5}]')$$,
                 '22P02', NULL, 'an amount that is not a bigint: 22P02 from the column type');
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-000000000001'::uuid), 501::numeric,
          'a posting that failed in a later entry left no trace of its earlier entries');

-- shapes: 22023
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}')$$,
                 '22023', NULL, 'an object instead of an array: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '"x"')$$, '22023', NULL,
                 'a JSON string instead of an array: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}, 1]')$$,
                 '22023', 'entry 2 of entries is a JSON number, not an object', 'an element that is a number: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[[]]')$$, '22023', NULL,
                 'an element that is an array: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[null]')$$, '22023', NULL,
                 'an element that is JSON null: 22023');

-- keys: 42703
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1, "nope": 1}]')$$,
                 '42703', 'ledger public.credit_ledger has no column "nope"', 'an unknown key: 42703');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "Amount_Cents": 1}]')$$,
                 '42703', NULL, 'keys are column names as written: "Amount_Cents" is unknown');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1, "ctid": "(0,1)"}]')$$,
                 '42703', NULL, 'a system column as a key: 42703');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents) SELECT 1 --": 1}]')$$,
                 '42703', NULL, 'a key carrying SQL is just an unknown column: 42703');

-- NULL arguments: 22004
SELECT throws_ok($$SELECT orm_ext.ledger_post(NULL, '[]')$$, '22004', NULL, 'NULL tbl: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', NULL)$$, '22004', NULL, 'NULL entries: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[]', NULL)$$, '22004', NULL, 'NULL balanced: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_post('pg_class', '[]')$$, '42704', NULL, 'a table that is not a ledger: 42704');

-- privileges
CREATE ROLE orm_ext_lp_reader NOLOGIN;
CREATE ROLE orm_ext_lp_clerk NOLOGIN;
GRANT SELECT ON credit_ledger TO orm_ext_lp_reader;
GRANT SELECT, INSERT ON credit_ledger TO orm_ext_lp_clerk;
SET LOCAL ROLE orm_ext_lp_reader;
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}]')$$,
                 '42501', NULL, 'without INSERT on the ledger: 42501');
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[]')$$,
                 '42501', NULL, 'without INSERT, even an empty posting: 42501');
RESET ROLE;
SET LOCAL ROLE orm_ext_lp_clerk;
SELECT is(orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}]')
          ->0->>'balance_after_cents', '502', 'with INSERT (and SELECT) a role can post, and its heads are updated');
RESET ROLE;
SELECT is(orm_ext.ledger_balance('credit_ledger', '00000000-0000-7000-8000-000000000001'::uuid), 502::numeric,
          'the clerk''s posting is in the heads');
-- ledger_post returns the rows it inserted, so it needs SELECT as well
-- (docs/ledger.md); a plain INSERT needs nothing but INSERT
CREATE ROLE orm_ext_lp_app NOLOGIN;
GRANT INSERT ON credit_ledger TO orm_ext_lp_app;
SET LOCAL ROLE orm_ext_lp_app;
SELECT throws_ok($$SELECT orm_ext.ledger_post('credit_ledger', '[{"user_id": "00000000-0000-7000-8000-000000000001", "amount_cents": 1}]')$$,
                 '42501', NULL, 'a role with INSERT and no SELECT cannot post (the result would show rows): 42501');
SELECT lives_ok($$INSERT INTO credit_ledger (user_id, amount_cents) VALUES ('00000000-0000-7000-8000-000000000001', 1)$$,
                'a role with INSERT and no SELECT can insert into the ledger');
RESET ROLE;

-- hostile column names in keys
CREATE SCHEMA "Post Schema";
CREATE TABLE "Post Schema"."order" (
    "User Id" text NOT NULL,
    "amount""x" bigint NOT NULL,
    "Order" bigint,
    "select" text
);
SELECT orm_ext.ledger_attach('"Post Schema"."order"', 'User Id', 'amount"x', 'Order', hash_chain => true,
                             seq_column => 'Seq No');
CREATE TEMP TABLE hostile_result AS
SELECT orm_ext.ledger_post('"Post Schema"."order"', $$[
    {"User Id": "O'Brien", "amount\"x": 40, "select": "drop table x; --"},
    {"User Id": "Zoë", "amount\"x": -40, "select": null}]$$, true) AS r;
SELECT results_eq($$SELECT e->>'User Id', (e->>'amount"x')::bigint, (e->>'Order')::bigint, (e->>'Seq No')::bigint,
                           e->>'select'
                    FROM hostile_result, jsonb_array_elements(r) WITH ORDINALITY x(e, n) ORDER BY n$$,
                  $$VALUES ('O''Brien', 40::bigint, 40::bigint, 1::bigint, 'drop table x; --'),
                           ('Zoë', -40, -40, 1, NULL)$$,
                  'keys with quotes, spaces, mixed case and reserved words map to their columns');
SELECT results_eq($$SELECT "User Id", "amount""x", "Order", "select" FROM "Post Schema"."order" ORDER BY "Seq No", "User Id"$$,
                  $$VALUES ('O''Brien'::text, 40::bigint, 40::bigint, 'drop table x; --'::text), ('Zoë', -40, -40, NULL)$$,
                  'the rows are in the hostile table');
SELECT is(orm_ext.ledger_balance('"Post Schema"."order"', 'Zoë'), -40::numeric, 'balance through the hostile ledger');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('"Post Schema"."order"')), 0::bigint,
          'the hostile ledger verifies after the posting');
SELECT throws_ok($$SELECT orm_ext.ledger_post('"Post Schema"."order"', '[{"User Id": "a", "amount\"x": 1, "user id": 1}]')$$,
                 '42703', NULL, 'a key differing from a hostile column only in case: 42703');

SELECT * FROM finish();
ROLLBACK;
