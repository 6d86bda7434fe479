-- ledger_attach(): what it adds to a table (seq column, unique index,
-- triggers, registry row, heads table), idempotency, every argument error,
-- hostile identifiers end to end, and account/amount/balance types.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(140);

\ir lib/error_of.sql
\ir lib/detail_of.sql

SELECT has_function('orm_ext', 'ledger_attach',
                    ARRAY['regclass', 'name', 'name', 'name', 'boolean', 'boolean', 'name', 'name', 'boolean'],
                    'ledger_attach(regclass, name, name, name, bool, bool, name, name, bool) exists');
SELECT function_returns('orm_ext', 'ledger_attach',
                        ARRAY['regclass', 'name', 'name', 'name', 'boolean', 'boolean', 'name', 'name', 'boolean'],
                        'void', 'ledger_attach returns void');

-------------------------------------------------------------------------------
-- happy path: the seeds' credit ledger
-------------------------------------------------------------------------------
CREATE TABLE credit_ledger (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    user_id uuid NOT NULL,
    amount_cents bigint NOT NULL,
    balance_after_cents bigint,
    created_at timestamptz NOT NULL DEFAULT now()
);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents')$$,
                'attaching an empty seeds-style table works');

SELECT has_column('public', 'credit_ledger', 'entry_seq', 'the seq column entry_seq is added');
SELECT col_type_is('public', 'credit_ledger', 'entry_seq', 'bigint', 'entry_seq is bigint');
SELECT col_not_null('public', 'credit_ledger', 'entry_seq', 'entry_seq is NOT NULL');
SELECT hasnt_column('public', 'credit_ledger', 'entry_hash', 'without hash_chain no hash column is added');

-- the unique (account, seq) index
SELECT is(ARRAY(SELECT ARRAY(SELECT a.attname::text
                             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
                             ORDER BY k.o)::text
                FROM pg_index i
                WHERE i.indrelid = 'credit_ledger'::regclass AND i.indisunique AND NOT i.indisprimary
                  AND i.indisvalid AND i.indpred IS NULL),
          ARRAY['{user_id,entry_seq}'],
          'one valid, unconditional UNIQUE index on (user_id, entry_seq) is created');

-- four triggers, always enabled
SELECT results_eq(
    $$SELECT tgname::text COLLATE "default", tgenabled::text, tgtype::int, tgfoid::regproc::text
      FROM pg_trigger WHERE tgrelid = 'credit_ledger'::regclass AND NOT tgisinternal ORDER BY tgname$$,
    $$VALUES ('orm_ext_append_only', 'A', 27, 'orm_ext.append_only'),
             ('orm_ext_append_only_truncate', 'A', 34, 'orm_ext.append_only'),
             ('orm_ext_ledger_balance', 'A', 7, 'orm_ext.ledger_balance_trigger'),
             ('orm_ext_ledger_flush', 'A', 4, 'orm_ext.ledger_flush_trigger')$$,
    'four triggers: BEFORE UPDATE OR DELETE row, BEFORE TRUNCATE, BEFORE INSERT row, AFTER INSERT statement, all ENABLE ALWAYS');

-- the registry row
SELECT results_eq(
    $$SELECT account_column::text COLLATE "default", amount_column::text COLLATE "default",
             balance_column::text COLLATE "default", seq_column::text COLLATE "default",
             hash_column::text COLLATE "default", allow_negative, hashed_columns::text[] COLLATE "default"
      FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass$$,
    $$VALUES ('user_id', 'amount_cents', 'balance_after_cents', 'entry_seq', NULL::text, true, NULL::text[])$$,
    'the registry row names the columns, allow_negative defaults to true, no hash');
SELECT is((SELECT heads::text FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass),
          'orm_ext.ledger_heads_' || 'credit_ledger'::regclass::oid,
          'the heads table is orm_ext.ledger_heads_<oid of the ledger>');
SELECT is((SELECT c.relowner FROM pg_class c JOIN orm_ext.ledgers l ON l.heads = c.oid
           WHERE l.ledger = 'credit_ledger'::regclass),
          (SELECT extowner FROM pg_extension WHERE extname = 'orm_ext'),
          'the heads table belongs to the extension owner');
SELECT is((SELECT a.atttypid::regtype::text FROM pg_attribute a JOIN orm_ext.ledgers l ON l.heads = a.attrelid
           WHERE l.ledger = 'credit_ledger'::regclass AND a.attname = 'account'),
          'uuid', 'the heads table''s account column has the account type');

CREATE ROLE orm_ext_la_plain NOLOGIN;
SELECT ok(NOT has_table_privilege('orm_ext_la_plain',
                                  (SELECT heads FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass),
                                  'SELECT, INSERT, UPDATE, DELETE'),
          'a plain role has no privilege on the heads table');
SET LOCAL ROLE orm_ext_la_plain;
SELECT throws_ok(format('SELECT * FROM %s',
                        (SELECT heads FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass)),
                 '42501', NULL, 'a plain role cannot read the heads table');
SELECT throws_ok(format('UPDATE %s SET balance = 0',
                        (SELECT heads FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass)),
                 '42501', NULL, 'a plain role cannot update the heads table');
RESET ROLE;

-------------------------------------------------------------------------------
-- idempotency
-------------------------------------------------------------------------------
CREATE TEMP TABLE attach_state AS
SELECT (SELECT heads::oid FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass) AS heads,
       (SELECT count(*) FROM pg_index WHERE indrelid = 'credit_ledger'::regclass) AS indexes,
       (SELECT count(*) FROM pg_attribute WHERE attrelid = 'credit_ledger'::regclass AND attnum > 0
          AND NOT attisdropped) AS columns;

SELECT lives_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents')$$,
                'attaching again with the same columns works');
SELECT is((SELECT heads::oid FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass),
          (SELECT heads FROM attach_state), 'the second call keeps the same heads table');
SELECT is((SELECT count(*) FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass), 1::bigint,
          'the second call keeps one registry row');
SELECT is((SELECT count(*) FROM pg_trigger WHERE tgrelid = 'credit_ledger'::regclass AND NOT tgisinternal),
          4::bigint, 'the second call adds no trigger');
SELECT is((SELECT count(*) FROM pg_index WHERE indrelid = 'credit_ledger'::regclass),
          (SELECT indexes FROM attach_state), 'the second call adds no index');
SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid = 'credit_ledger'::regclass AND attnum > 0
             AND NOT attisdropped),
          (SELECT columns FROM attach_state), 'the second call adds no column');

INSERT INTO credit_ledger (user_id, amount_cents)
VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 500), ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -200);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents')$$,
                'attaching a non-empty ledger again with the same columns is a no-op');
SELECT is(orm_ext.ledger_balance('credit_ledger', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e22'::uuid), 300::numeric,
          'the balance survives the no-op attach');
SELECT lives_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents',
                                               allow_negative => false)$$,
                'attaching again with allow_negative = false works on a non-empty ledger that never went below zero');
SELECT is((SELECT allow_negative FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass), false,
          'the registry records allow_negative = false');
SELECT throws_ok($$INSERT INTO credit_ledger (user_id, amount_cents) VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -400)$$,
                 '23514', NULL, 'the changed allow_negative takes effect: going below zero is refused');
SELECT lives_ok($$INSERT INTO credit_ledger (user_id, amount_cents) VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 150)$$,
                'with allow_negative = false a credit passes');
SELECT is(orm_ext.ledger_balance('credit_ledger', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e22'::uuid), 450::numeric,
          'the balance chains on across the re-attach');
SELECT lives_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents',
                                               allow_negative => true)$$,
                'allow_negative can be switched back on');
SELECT lives_ok($$INSERT INTO credit_ledger (user_id, amount_cents) VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -500)$$,
                'and going below zero passes again');
SELECT is(pg_temp.error_of($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents',
                                                          allow_negative => false)$$),
          '23514: ledger public.credit_ledger has negative balances: allow_negative cannot be turned off',
          'allow_negative cannot be turned off once a balance went below zero: 23514');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents',
                                                           allow_negative => false)$$),
          '23514: Account 01a1fe93-87d8-7b9e-9cf9-1808e6b39e22 went to a balance of -50.',
          'the detail names the account and the balance');
SELECT is((SELECT allow_negative FROM orm_ext.ledgers WHERE ledger = 'credit_ledger'::regclass), true,
          'and the registry keeps allow_negative = true');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('credit_ledger')$$,
                'the ledger verifies after the switches');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents',
                                                seq_column => 'other_seq')$$,
                 '55000', NULL, 'attaching a non-empty ledger with another seq column: 55000');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('credit_ledger', 'id', 'amount_cents', 'balance_after_cents')$$,
                 '55000', NULL, 'attaching a non-empty ledger with another account column: 55000');

-------------------------------------------------------------------------------
-- seq_index => false: no (account, seq) index; a later call with the default
-- creates it, and an existing one is left alone
-------------------------------------------------------------------------------
CREATE TABLE "la No Index" ("Acct" text NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('"la No Index"', 'Acct', 'amt', 'bal', seq_index => false)$$,
                'seq_index => false');
SELECT has_column('public', 'la No Index', 'entry_seq', 'seq_index => false still adds the seq column');
SELECT is((SELECT count(*) FROM pg_index WHERE indrelid = '"la No Index"'::regclass), 0::bigint,
          'and creates no index on the ledger');
INSERT INTO "la No Index" ("Acct", amt) VALUES ('a', 5), ('b', 1), ('a', -2);
SELECT results_eq($$SELECT "Acct", bal, entry_seq FROM "la No Index" ORDER BY "Acct", entry_seq$$,
                  $$VALUES ('a', 5::bigint, 1::bigint), ('a', 3, 2), ('b', 1, 1)$$,
                  'the ledger without the index chains its balances');
SELECT orm_ext.ledger_attach('"la No Index"', 'Acct', 'amt', 'bal');
SELECT is((SELECT count(*) FROM pg_index WHERE indrelid = '"la No Index"'::regclass AND indisunique
             AND indkey::text = '1 4'), 1::bigint,
          'attaching again with the default seq_index creates the unique (account, seq) index');
SELECT orm_ext.ledger_attach('"la No Index"', 'Acct', 'amt', 'bal', seq_index => false);
SELECT is((SELECT count(*) FROM pg_index WHERE indrelid = '"la No Index"'::regclass), 1::bigint,
          'seq_index => false leaves an existing index alone');
SELECT is_empty($$SELECT * FROM orm_ext.ledger_verify('"la No Index"')$$, 'and the ledger verifies');
-- the same in a schema and with a seq column whose names need quoting
CREATE SCHEMA "la ""Sch""";
CREATE TABLE "la ""Sch"""."No ""Idx""" ("Acct" text NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('"la ""Sch"""."No ""Idx"""', 'Acct', 'amt', 'bal',
                                               seq_column => 'Entry "No"', seq_index => false)$$,
                'seq_index => false with a quoted schema, table and seq column');
INSERT INTO "la ""Sch"""."No ""Idx""" ("Acct", amt) VALUES ('a', 5), ('a', -2);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('"la ""Sch"""."No ""Idx"""', 'Acct', 'amt', 'bal',
                                               seq_column => 'Entry "No"')$$,
                'attaching it again with the default seq_index');
SELECT is((SELECT count(*) FROM pg_index
            WHERE indrelid = '"la ""Sch"""."No ""Idx"""'::regclass AND indisunique
              AND indkey::text = '1 4'), 1::bigint,
          'creates the unique index on ("Acct", "Entry ""No""")');
SELECT results_eq($$SELECT "Acct", bal, "Entry ""No""" FROM "la ""Sch"""."No ""Idx""" ORDER BY 3$$,
                  $$VALUES ('a', 5::bigint, 1::bigint), ('a', 3, 2)$$,
                  'on the entries numbered before it');

-------------------------------------------------------------------------------
-- NULL arguments: 22004
-------------------------------------------------------------------------------
CREATE TABLE la_empty (acct uuid NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach(NULL, 'acct', 'amt', 'bal')$$, '22004', NULL, 'NULL tbl: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', NULL, 'amt', 'bal')$$, '22004', NULL,
                 'NULL account_column: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', NULL, 'bal')$$, '22004', NULL,
                 'NULL amount_column: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', NULL)$$, '22004', NULL,
                 'NULL balance_column: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'bal', allow_negative => NULL)$$, '22004',
                 NULL, 'NULL allow_negative: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'bal', hash_chain => NULL)$$, '22004',
                 NULL, 'NULL hash_chain: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'bal', seq_column => NULL)$$, '22004',
                 NULL, 'NULL seq_column: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'bal', hash_chain => true,
                                                hash_column => NULL)$$, '22004',
                 NULL, 'NULL hash_column with hash_chain: 22004');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'bal', seq_index => NULL)$$, '22004',
                 NULL, 'NULL seq_index: 22004');
SELECT is((SELECT count(*) FROM orm_ext.ledgers WHERE ledger = 'la_empty'::regclass), 0::bigint,
          'the refused calls registered nothing');
CREATE TABLE la_null_hash (acct uuid NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_null_hash', 'acct', 'amt', 'bal', hash_column => NULL)$$, '22004',
                 NULL, 'NULL hash_column without hash_chain: 22004 too (every argument is checked)');

-------------------------------------------------------------------------------
-- missing columns: 42703
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'nope', 'amt', 'bal')$$, '42703',
                 'column "nope" of relation public.la_empty does not exist', 'missing account column: 42703');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'nope', 'bal')$$, '42703', NULL,
                 'missing amount column: 42703');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'nope')$$, '42703', NULL,
                 'missing balance column: 42703');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'ACCT', 'amt', 'bal')$$, '42703', NULL,
                 'column names are taken as given, not case-folded: "ACCT" is missing');
ALTER TABLE la_empty ADD COLUMN gone bigint;
ALTER TABLE la_empty DROP COLUMN gone;
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', '........pg.dropped.4........')$$,
                 '42703', NULL, 'a dropped column cannot be used: 42703');

-------------------------------------------------------------------------------
-- wrong types: 42804
-------------------------------------------------------------------------------
CREATE TABLE la_text_amount (acct uuid, amt text, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_text_amount', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'text amount column: 42804');
CREATE TABLE la_text_balance (acct uuid, amt bigint, bal text);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_text_balance', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'text balance column: 42804');
CREATE TABLE la_float_amount (acct uuid, amt double precision, bal double precision);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_float_amount', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'double precision amount and balance: 42804');
CREATE TABLE la_num_big (acct uuid, amt numeric, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_num_big', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'numeric amount with a bigint balance: 42804');
CREATE TABLE la_num_int (acct uuid, amt numeric(10,2), bal integer);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_num_int', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'numeric amount with an integer balance: 42804');
CREATE TABLE la_int_seq (acct uuid, amt bigint, bal bigint, entry_seq integer);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_int_seq', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'an existing entry_seq of type integer: 42804');
SELECT is((SELECT atttypid::regtype::text FROM pg_attribute
           WHERE attrelid = 'la_int_seq'::regclass AND attname = 'entry_seq'),
          'integer', 'the refused attach left the integer entry_seq alone');
CREATE TABLE la_text_hash (acct uuid, amt bigint, bal bigint, entry_hash text);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_text_hash', 'acct', 'amt', 'bal', hash_chain => true)$$, '42804',
                 NULL, 'with hash_chain, an existing entry_hash of type text: 42804');
CREATE TABLE la_json_account (acct json, amt bigint, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_json_account', 'acct', 'amt', 'bal')$$, '42804', NULL,
                 'an account type without a default btree opclass (json): 42804');

-------------------------------------------------------------------------------
-- the same column twice: 22023
-------------------------------------------------------------------------------
CREATE TABLE la_twice (acct bigint, amt bigint, bal bigint, other bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_twice', 'amt', 'amt', 'bal')$$, '22023', NULL,
                 'account = amount column: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_twice', 'acct', 'amt', 'amt')$$, '22023', NULL,
                 'amount = balance column: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_twice', 'bal', 'amt', 'bal')$$, '22023', NULL,
                 'account = balance column: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_twice', 'acct', 'amt', 'bal', seq_column => 'bal')$$, '22023',
                 NULL, 'seq column = balance column: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_twice', 'acct', 'amt', 'bal', hash_chain => true,
                                                seq_column => 's', hash_column => 's')$$, '22023', NULL,
                 'hash column = seq column: 22023');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_twice', 'acct', 'amt', 'ctid')$$, '22023', NULL,
                 'a system column: 22023');

-------------------------------------------------------------------------------
-- the table: non-empty 55000, view 42809, partitioned and temp 0A000,
-- non-owner 42501
-------------------------------------------------------------------------------
CREATE TABLE la_full (acct uuid, amt bigint, bal bigint);
INSERT INTO la_full VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 1, 1);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_full', 'acct', 'amt', 'bal')$$, '55000',
                 'table public.la_full is not empty', 'a non-empty table: 55000');
SELECT hasnt_column('public', 'la_full', 'entry_seq', 'the refused attach added no seq column');

CREATE VIEW la_view AS SELECT * FROM la_empty;
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_view', 'acct', 'amt', 'bal')$$, '42809', NULL, 'a view: 42809');
CREATE MATERIALIZED VIEW la_matview AS SELECT * FROM la_empty;
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_matview', 'acct', 'amt', 'bal')$$, '42809', NULL,
                 'a materialized view: 42809');
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty_acct_seq', 'acct', 'amt', 'bal')$$, '42P01', NULL,
                 'a name that does not exist fails in the regclass cast: 42P01');
CREATE SEQUENCE la_seq;
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_seq', 'last_value', 'log_cnt', 'is_called')$$, '42809', NULL,
                 'a sequence: 42809');

CREATE TABLE la_parted (acct uuid, amt bigint, bal bigint) PARTITION BY HASH (acct);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_parted', 'acct', 'amt', 'bal')$$, '0A000', NULL,
                 'a partitioned table: 0A000');

CREATE TEMP TABLE la_temp (acct uuid, amt bigint, bal bigint);
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_temp', 'acct', 'amt', 'bal')$$, '0A000', NULL,
                 'a temporary table: 0A000');

CREATE ROLE orm_ext_la_clerk NOLOGIN;
GRANT ALL ON la_empty TO orm_ext_la_clerk;
SET LOCAL ROLE orm_ext_la_clerk;
SELECT throws_ok($$SELECT orm_ext.ledger_attach('la_empty', 'acct', 'amt', 'bal')$$, '42501', NULL,
                 'a non-owner with every table privilege: 42501');
RESET ROLE;

-- a plain role that owns its table may attach it; the heads stay out of its reach
-- (CREATE INDEX needs CREATE on the table's schema, so the role gets a schema of its own)
CREATE ROLE orm_ext_la_owner NOLOGIN;
CREATE SCHEMA la_own AUTHORIZATION orm_ext_la_owner;
SET LOCAL ROLE orm_ext_la_owner;
CREATE TABLE la_own.la_owned (acct bigint NOT NULL, amt bigint NOT NULL, bal bigint);
SET LOCAL search_path = la_own, public;
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_owned', 'acct', 'amt', 'bal', hash_chain => true)$$,
                'a non-superuser owner can attach its own table');
SELECT lives_ok($$INSERT INTO la_owned (acct, amt) VALUES (1, 10), (1, 5)$$, 'and insert into it');
SELECT is(orm_ext.ledger_balance('la_owned', 1::bigint), 15::numeric, 'and read a balance');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('la_owned')), 0::bigint, 'and verify it');
SELECT throws_ok(format('UPDATE %s SET balance = 0',
                        (SELECT heads FROM orm_ext.ledgers WHERE ledger = 'la_owned'::regclass)),
                 '42501', NULL, 'but the owner of the ledger cannot write its heads table');
RESET ROLE;
RESET search_path;
SELECT isnt((SELECT c.relowner FROM pg_class c JOIN orm_ext.ledgers l ON l.heads = c.oid
             WHERE l.ledger = 'la_own.la_owned'::regclass),
            'orm_ext_la_owner'::regrole::oid, 'the heads table of a role''s ledger is not owned by that role');

-- an existing bigint seq column and a unique (account, seq) index are used as they are
CREATE TABLE la_ready (acct uuid NOT NULL, amt bigint NOT NULL, bal bigint, entry_seq bigint NOT NULL,
                       UNIQUE (acct, entry_seq));
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_ready', 'acct', 'amt', 'bal')$$,
                'a table that already has entry_seq bigint and UNIQUE (acct, entry_seq)');
SELECT is((SELECT count(*) FROM pg_index WHERE indrelid = 'la_ready'::regclass), 1::bigint,
          'no second unique index is created');

-- dropping a ledger drops its heads table and registration
CREATE TEMP TABLE dropped_heads AS SELECT heads::oid AS heads FROM orm_ext.ledgers WHERE ledger = 'la_ready'::regclass;
DROP TABLE la_ready;
SELECT ok((SELECT heads IS NOT NULL FROM dropped_heads)
          AND NOT EXISTS (SELECT FROM pg_class WHERE oid = (SELECT heads FROM dropped_heads)),
          'DROP TABLE of a ledger drops its heads table');
SELECT ok((SELECT heads IS NOT NULL FROM dropped_heads)
          AND NOT EXISTS (SELECT FROM orm_ext.ledgers l WHERE l.heads::oid = (SELECT heads FROM dropped_heads)),
          'and its registry row');

-------------------------------------------------------------------------------
-- hostile identifiers, end to end
-------------------------------------------------------------------------------
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."select" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "User Id" text NOT NULL,
    "amount""x" bigint NOT NULL,
    "Order" bigint
);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('"My Schema"."select"', 'User Id', 'amount"x', 'Order',
                                               allow_negative => false, hash_chain => true,
                                               seq_column => 'Seq "No"', hash_column => 'Hash; Col')$$,
                'attach with quoted, spaced, mixed-case and reserved names');
SELECT col_type_is('My Schema', 'select', 'Seq "No"', 'bigint', 'the seq column is added under its hostile name');
SELECT col_type_is('My Schema', 'select', 'Hash; Col', 'bytea', 'the hash column is added under its hostile name');
SELECT is((SELECT hashed_columns::text[] COLLATE "default" FROM orm_ext.ledgers
           WHERE ledger = '"My Schema"."select"'::regclass),
          ARRAY['id', 'User Id', 'amount"x', 'Order', 'Seq "No"'],
          'the hash covers every column but the hash, in order, the seq column it added included');
SELECT is(ARRAY(SELECT tgname::text FROM pg_trigger
                WHERE tgrelid = '"My Schema"."select"'::regclass AND NOT tgisinternal AND tgenabled = 'A'
                ORDER BY 1),
          ARRAY['orm_ext_append_only', 'orm_ext_append_only_truncate', 'orm_ext_ledger_balance', 'orm_ext_ledger_flush'],
          'its four triggers are there, ENABLE ALWAYS');
SELECT lives_ok($$INSERT INTO "My Schema"."select" ("User Id", "amount""x") VALUES ('Bob''s "acct"', 100), ('x', 1)$$,
                'insert into the hostile ledger');
SELECT lives_ok($$INSERT INTO "My Schema"."select" ("User Id", "amount""x") VALUES ('Bob''s "acct"', -30)$$,
                'a second insert for the same account');
SELECT results_eq($$SELECT "User Id", "amount""x", "Order", "Seq ""No""", length("Hash; Col")
                    FROM "My Schema"."select" ORDER BY id$$,
                  $$VALUES ('Bob''s "acct"'::text, 100::bigint, 100::bigint, 1::bigint, 32),
                           ('x', 1, 1, 1, 32),
                           ('Bob''s "acct"', -30, 70, 2, 32)$$,
                  'balances, seqs and hashes are computed under hostile names');
SELECT is(orm_ext.ledger_balance('"My Schema"."select"', 'Bob''s "acct"'), 70::numeric,
          'ledger_balance on the hostile ledger');
SELECT throws_ok($$INSERT INTO "My Schema"."select" ("User Id", "amount""x") VALUES ('x', -2)$$, '23514', NULL,
                 'allow_negative = false holds on the hostile ledger');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('"My Schema"."select"')), 0::bigint,
          'ledger_verify finds the hostile ledger consistent');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('"My Schema"."select"',
                                                      orm_ext.ledger_digest('"My Schema"."select"'))),
          0::bigint, 'and consistent with its own digest');
SELECT is(orm_ext.ledger_digest('"My Schema"."select"')->>'ledger', '"My Schema"."select"',
          'the digest names the ledger quoted');
SELECT throws_ok($$UPDATE "My Schema"."select" SET "amount""x" = 0$$, '23001', NULL,
                 'UPDATE of the hostile ledger: 23001');

-------------------------------------------------------------------------------
-- account, amount and balance types
-------------------------------------------------------------------------------
-- text with the "C" collation: 'a', 'A' and 'b' are three accounts
CREATE TABLE la_text_c (acct text COLLATE "C" NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_text_c', 'acct', 'amt', 'bal')$$,
                'a text account with the "C" collation');
INSERT INTO la_text_c (acct, amt) VALUES ('a', 1), ('A', 10), ('b', 100), ('a', 2), ('A', 20);
SELECT results_eq($$SELECT acct COLLATE "default", bal, entry_seq FROM la_text_c ORDER BY acct, entry_seq$$,
                  $$VALUES ('A'::text, 10::bigint, 1::bigint), ('A', 30, 2), ('a', 1, 1), ('a', 3, 2), ('b', 100, 1)$$,
                  'C collation: each byte-distinct text is its own account');
SELECT is(ARRAY[orm_ext.ledger_balance('la_text_c', 'a'), orm_ext.ledger_balance('la_text_c', 'A'),
                orm_ext.ledger_balance('la_text_c', 'b')],
          ARRAY[3, 30, 100]::numeric[], 'ledger_balance per text account');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('la_text_c')), 0::bigint, 'the text ledger verifies');

-- a case-insensitive, nondeterministic collation: 'a' and 'A' are one account
CREATE COLLATION la_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE la_text_ci (acct text COLLATE la_ci NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_text_ci', 'acct', 'amt', 'bal')$$,
                'a text account with a nondeterministic collation');
SELECT lives_ok($$INSERT INTO la_text_ci (acct, amt) VALUES ('a', 1), ('A', 10)$$,
                'case variants of one account insert without a unique violation');
SELECT results_eq($$SELECT acct COLLATE "default", bal, entry_seq FROM la_text_ci ORDER BY entry_seq$$,
                  $$VALUES ('a'::text, 1::bigint, 1::bigint), ('A', 11, 2)$$,
                  'the collation decides what one account is: the case variants chain');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('la_text_ci')), 0::bigint,
          'the case-insensitive ledger verifies');

-- bigint account
CREATE TABLE la_bigint (acct bigint NOT NULL, amt integer NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_bigint', 'acct', 'amt', 'bal')$$, 'a bigint account');
INSERT INTO la_bigint (acct, amt) VALUES (9223372036854775807, 5), (-1, 7), (9223372036854775807, 6);
SELECT is(ARRAY[orm_ext.ledger_balance('la_bigint', 9223372036854775807), orm_ext.ledger_balance('la_bigint', -1::bigint),
                orm_ext.ledger_balance('la_bigint', 42::bigint)],
          ARRAY[11, 7, 0]::numeric[], 'balances of bigint accounts (an integer amount into a bigint balance)');

-- numeric amounts into a numeric(12,2) balance
CREATE TABLE la_numeric (acct uuid NOT NULL, amt numeric NOT NULL, bal numeric(12,2));
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_numeric', 'acct', 'amt', 'bal')$$,
                'numeric amounts with a numeric(12,2) balance');
INSERT INTO la_numeric (acct, amt) VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 10.25),
                                          ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 0.10),
                                          ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -0.35);
SELECT results_eq($$SELECT bal FROM la_numeric ORDER BY entry_seq$$,
                  $$VALUES (10.25::numeric(12,2)), (10.35), (10.00)$$, 'numeric balances chain exactly');
SELECT is(orm_ext.ledger_balance('la_numeric', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e22'::uuid), 10.00::numeric,
          'ledger_balance of a numeric ledger');
SELECT throws_ok($$INSERT INTO la_numeric (acct, amt) VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 9999999999.99)$$,
                 '22003', NULL, 'a balance beyond numeric(12,2): 22003');

-- smallint and integer balances overflow with 22003 and change nothing
CREATE TABLE la_small (acct int NOT NULL, amt smallint NOT NULL, bal smallint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_small', 'acct', 'amt', 'bal')$$, 'smallint amount and balance');
INSERT INTO la_small (acct, amt) VALUES (1, 30000);
SELECT throws_ok($$INSERT INTO la_small (acct, amt) VALUES (1, 2768)$$, '22003', NULL,
                 'a smallint balance past 32767: 22003');
SELECT throws_ok($$INSERT INTO la_small (acct, amt) VALUES (2, -32768), (2, -1)$$, '22003', NULL,
                 'a smallint balance below -32768: 22003');
SELECT is(orm_ext.ledger_balance('la_small', 1), 30000::numeric, 'the overflowing insert left the balance alone');
SELECT lives_ok($$INSERT INTO la_small (acct, amt) VALUES (1, 2767)$$, 'up to 32767 is fine');
SELECT results_eq($$SELECT bal, entry_seq FROM la_small WHERE acct = 1 ORDER BY entry_seq$$,
                  $$VALUES (30000::smallint, 1::bigint), (32767::smallint, 2)$$, 'the next seq follows the refused insert without a gap');

CREATE TABLE la_int (acct int NOT NULL, amt integer NOT NULL, bal integer);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_int', 'acct', 'amt', 'bal')$$, 'integer amount and balance');
INSERT INTO la_int (acct, amt) VALUES (1, 2147483647);
SELECT throws_ok($$INSERT INTO la_int (acct, amt) VALUES (1, 1)$$, '22003', NULL,
                 'an integer balance past 2147483647: 22003');
SELECT is(orm_ext.ledger_balance('la_int', 1), 2147483647::numeric, 'the integer balance is unchanged');

CREATE TABLE la_smallbal (acct int NOT NULL, amt bigint NOT NULL, bal smallint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_smallbal', 'acct', 'amt', 'bal')$$,
                'a bigint amount with a smallint balance');
SELECT throws_ok($$INSERT INTO la_smallbal (acct, amt) VALUES (1, 40000)$$, '22003', NULL,
                 'a first entry whose amount does not fit the smallint balance: 22003');

CREATE TABLE la_big (acct int NOT NULL, amt bigint NOT NULL, bal bigint);
SELECT lives_ok($$SELECT orm_ext.ledger_attach('la_big', 'acct', 'amt', 'bal')$$, 'bigint amount and balance');
INSERT INTO la_big (acct, amt) VALUES (1, 9223372036854775807);
SELECT throws_ok($$INSERT INTO la_big (acct, amt) VALUES (1, 1)$$, '22003', NULL,
                 'a bigint balance past 2^63-1: 22003');
SELECT is(orm_ext.ledger_balance('la_big', 1), 9223372036854775807::numeric, 'the bigint balance is unchanged');

SELECT * FROM finish();
ROLLBACK;
