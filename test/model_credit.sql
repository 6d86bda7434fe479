-- A credit application keyed by UUIDs, as models: accounts with a UUIDv7
-- default key, credit lines (soft delete, optimistic locking), charges
-- (timestamps under other names), payments with a client-written
-- created_at, monthly statements keyed by (account_id uuid, period date),
-- currencies keyed by text, and a table whose schema, name and columns are
-- hostile identifiers.  Exercised only through the generated functions:
-- UUID keys from the default or from the client, malformed UUIDs, numeric
-- amounts and their filters, check constraints, keyset paging by a UUID key
-- and by (created_at, id), upserts on UUID keys, deletes.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(127);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql
\ir lib/keys.sql
-- follow next_cursor from the first page to the last: every item in order and the size of every page
CREATE FUNCTION pg_temp.walk(fn text, filter jsonb, order_by text[], page_size int, OUT items jsonb, OUT sizes int[])
LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cur text;
BEGIN
    items := '[]';
    sizes := '{}';
    LOOP
        EXECUTE format('SELECT %s($1, $2, $3, $4)', fn) INTO page USING filter, order_by, page_size, cur;
        items := items || (page -> 'items');
        sizes := sizes || jsonb_array_length(page -> 'items');
        cur := page ->> 'next_cursor';
        EXIT WHEN cur IS NULL OR cardinality(sizes) > 100;
    END LOOP;
END $$;
CREATE FUNCTION pg_temp.walk_ids(fn text, filter jsonb, order_by text[], page_size int, k text DEFAULT 'id')
RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(e ->> k ORDER BY n), '{}')
      FROM jsonb_array_elements((pg_temp.walk(fn, filter, order_by, page_size)).items) WITH ORDINALITY AS x(e, n)
$$;

-------------------------------------------------------------------------------
-- the schema
-------------------------------------------------------------------------------
CREATE SCHEMA credit;
CREATE TABLE credit.accounts (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    holder text NOT NULL,
    email text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'open' CONSTRAINT accounts_status_check CHECK (status IN ('open', 'frozen', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE credit.currencies (
    code text PRIMARY KEY CONSTRAINT currencies_code_check CHECK (code ~ '^[A-Z]{3}$'),
    name text NOT NULL,
    minor_units smallint NOT NULL DEFAULT 2 CHECK (minor_units BETWEEN 0 AND 4)
);
CREATE TABLE credit.credit_lines (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    account_id uuid NOT NULL REFERENCES credit.accounts (id),
    currency text NOT NULL DEFAULT 'USD' REFERENCES credit.currencies (code),
    credit_limit numeric(12,2) NOT NULL CHECK (credit_limit >= 0),
    apr numeric(5,2),
    opened_on date NOT NULL DEFAULT current_date,
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE TABLE credit.charges (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    credit_line_id uuid NOT NULL REFERENCES credit.credit_lines (id),
    amount numeric(12,2) NOT NULL CONSTRAINT charges_amount_positive CHECK (amount > 0),
    memo text,
    posted_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz
);
CREATE TABLE credit.payments (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    account_id uuid NOT NULL REFERENCES credit.accounts (id),
    amount numeric(12,2) NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now()          -- the processor's time, written by the client
);
CREATE TABLE credit.statements (
    account_id uuid REFERENCES credit.accounts (id) ON DELETE CASCADE,
    period date CONSTRAINT statements_period_check CHECK (period = date_trunc('month', period)::date),
    opening_balance numeric(12,2) NOT NULL DEFAULT 0,
    closing_balance numeric(12,2),
    PRIMARY KEY (account_id, period)
);
SELECT orm_ext.model_register('credit.accounts', '{"timestamps": true}');
SELECT orm_ext.model_register('credit.currencies');
SELECT orm_ext.model_register('credit.credit_lines', '{"soft_delete": "deleted_at", "version": "version"}');
SELECT orm_ext.model_register('credit.charges', '{"timestamps": {"created_at": "posted_at", "updated_at": "changed_at"}}');
SELECT orm_ext.model_register('credit.payments');
SELECT orm_ext.model_register('credit.statements');

SELECT is(pg_get_function_arguments('credit.accounts_create'::regproc),
          'id uuid DEFAULT orm_ext.uuidv7(), holder text DEFAULT NULL::text, email text DEFAULT NULL::text, status text DEFAULT ''open''::text',
          'accounts_create: the uuid key defaults to orm_ext.uuidv7(); created_at and updated_at have no parameter');
SELECT is(pg_get_function_arguments('credit.statements_get'::regproc), 'account_id uuid, period date',
          'statements_get takes (account_id uuid, period date)');

-------------------------------------------------------------------------------
-- accounts: UUID keys
-------------------------------------------------------------------------------
CREATE TEMP TABLE ada AS SELECT * FROM credit.accounts_create(holder => 'Ada Lovelace', email => 'ada@example.com');
CREATE TEMP TABLE grace AS SELECT * FROM credit.accounts_create(holder => 'Grace Hopper', email => 'grace@example.com');
SELECT is((SELECT orm_ext.uuid_extract_version(id) FROM ada), 7::smallint, 'an omitted id comes from the default: a version 7 UUID');
SELECT ok((SELECT orm_ext.uuid_extract_timestamp(id) BETWEEN date_trunc('milliseconds', now()) AND clock_timestamp() FROM ada),
          'carrying the time it was made');
SELECT ok((SELECT id FROM grace) > (SELECT id FROM ada), 'a later account''s id sorts after an earlier one''s');
SELECT results_eq($$SELECT status, created_at, updated_at FROM ada$$, $$VALUES ('open', now(), now())$$,
                  'status defaults to open; the timestamps are the transaction time');
SELECT results_eq($$SELECT id, holder FROM credit.accounts_create(id => '0190f5c2-0000-7000-8000-00000000c0de', holder => 'Linus',
                                                                  email => 'linus@example.com')$$,
                  $$VALUES ('0190f5c2-0000-7000-8000-00000000c0de'::uuid, 'Linus')$$, 'an explicit uuid key is taken as given');
SELECT results_eq($$SELECT id FROM credit.accounts_create('{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}', 'Ken', 'ken@example.com')$$,
                  $$VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid)$$,
                  'positionally, in braces and upper case, and a version 4 one too');
SELECT throws_ok($$SELECT credit.accounts_create('0190f5c2-0000-7000-8000-00000000c0de', 'Linus again', 'linus2@example.com')$$,
                 '23505', NULL, 'the same uuid twice: 23505');
SELECT throws_ok($$SELECT credit.accounts_create(holder => 'Ada again', email => 'ada@example.com')$$, '23505', NULL,
                 'a taken email: 23505');
SELECT throws_ok($$SELECT credit.accounts_create(id => 'not-a-uuid', holder => 'X', email => 'x@example.com')$$, '22P02', NULL,
                 'a malformed uuid argument: 22P02');
SELECT throws_ok($$SELECT credit.accounts_create(holder => 'X', email => 'x@example.com', status => 'pending')$$, '23514', NULL,
                 'a status the check constraint refuses, through _create: 23514');
SELECT throws_ok($$SELECT credit.accounts_create(holder => 'X', email => 'x@example.com', id => NULL)$$, '23502', NULL,
                 'an explicit NULL id is not the default: 23502');

SELECT results_eq($$SELECT holder, email FROM credit.accounts_get((SELECT id FROM grace))$$, $$VALUES ('Grace Hopper', 'grace@example.com')$$,
                  'accounts_get by uuid');
SELECT is((SELECT holder FROM credit.accounts_get('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')), 'Ken', 'accounts_get by an upper-case uuid');
SELECT ok(credit.accounts_get(orm_ext.uuidv7()) IS NULL, 'accounts_get of an unknown uuid: NULL');
SELECT throws_ok($$SELECT credit.accounts_get('0190f5c2-0000-7000-8000-00000000c0d')$$, '22P02', NULL,
                 'accounts_get of a uuid one digit short: 22P02');

SET LOCAL session_replication_role = replica;
UPDATE credit.accounts SET created_at = '2024-01-01 00:00+00', updated_at = '2024-01-01 00:00+00';
SET LOCAL session_replication_role = origin;
SELECT results_eq($$SELECT status, created_at, updated_at FROM credit.accounts_update((SELECT id FROM ada), '{"status": "frozen"}')$$,
                  $$VALUES ('frozen', '2024-01-01 00:00+00'::timestamptz, now())$$,
                  'accounts_update: status frozen, created_at kept, updated_at moved');
SELECT throws_ok($$SELECT credit.accounts_update((SELECT id FROM ada), '{"status": "pending"}')$$, '23514', NULL,
                 'a status the check constraint refuses, through _update: 23514');
SELECT matches(pg_temp.error_of($$SELECT credit.accounts_update((SELECT id FROM ada), '{"status": "pending"}')$$),
               '^23514: .*accounts_status_check', 'naming the constraint');
SELECT throws_ok($$SELECT credit.accounts_update((SELECT id FROM ada), '{"id": "not-a-uuid"}')$$, '22P02', NULL,
                 'a malformed uuid in a patch: 22P02');
SELECT matches(pg_temp.error_of($$SELECT credit.accounts_update((SELECT id FROM ada), '{"id": "not-a-uuid"}')$$),
               '^22P02: invalid value for column "id" of table credit.accounts', 'the message names the column and the table');
SELECT throws_ok($$SELECT credit.accounts_update((SELECT id FROM ada), '{"id": 42}')$$, '22P02', NULL, 'a JSON number for a uuid: 22P02');
SELECT throws_ok($$SELECT credit.accounts_update((SELECT id FROM ada), '{"created_at": "2020-01-01"}')$$, '428C9', NULL,
                 'created_at in a patch: 428C9');

-- currencies: a text key with a check constraint
SELECT FROM (VALUES ('USD', 'US Dollar', 2), ('EUR', 'Euro', 2), ('JPY', 'Yen', 0), ('GBP', 'Pound', 2)) AS c (code, name, mu),
            LATERAL credit.currencies_create(code => c.code, name => c.name, minor_units => c.mu::smallint);
SELECT throws_ok($$SELECT credit.currencies_create('usd', 'lower case')$$, '23514', NULL, 'a lower-case code: 23514');
SELECT throws_ok($$SELECT credit.currencies_create('USDX', 'too long')$$, '23514', NULL, 'a four-letter code: 23514');
SELECT throws_ok($$SELECT credit.currencies_create('CHF', 'Franc', '9')$$, '23514', NULL, 'minor_units out of its check: 23514');
SELECT throws_ok($$SELECT credit.currencies_create('USD', 'Dollar again')$$, '23505', NULL, 'a code that exists: 23505');
SELECT results_eq($$SELECT name, minor_units FROM credit.currencies_get('JPY')$$, $$VALUES ('Yen', 0::smallint)$$, 'currencies_get by text key');
SELECT ok(credit.currencies_get('jpy') IS NULL, 'text keys are case-sensitive: jpy is not JPY');
SELECT throws_ok($$SELECT credit.currencies_update('JPY', '{"minor_units": 7}')$$, '23514', NULL, 'minor_units 7 through the patch: 23514');
SELECT throws_ok($$SELECT credit.currencies_update('JPY', '{"code": "yen"}')$$, '23514', NULL, 'a key change the check refuses: 23514');
SELECT throws_ok($$SELECT credit.currencies_update('JPY', '{"minor_units": 100000}')$$, '22003', NULL, 'out of smallint range: 22003');
SELECT results_eq($$SELECT code, name, minor_units FROM credit.currencies_upsert(code => 'USD', name => 'United States dollar')$$,
                  $$VALUES ('USD', 'United States dollar', 2::smallint)$$, 'currencies_upsert of an existing code replaces its name');
SELECT is(pg_temp.walk_ids('credit.currencies_page', '{}', NULL, 3, 'code'), ARRAY['EUR', 'GBP', 'JPY', 'USD'],
          'currencies_page walks the text keys in order');
SELECT is(pg_temp.keys($$SELECT * FROM credit.currencies_list('{"code": {"in": ["USD", "EUR", "XXX"]}}', ARRAY['name desc'])$$, 'code'),
          ARRAY['USD', 'EUR'], 'currencies_list with in on the text key, by name desc');

-------------------------------------------------------------------------------
-- credit lines: uuid foreign keys, numeric(12,2), soft delete and version
-------------------------------------------------------------------------------
CREATE TEMP TABLE line AS
SELECT * FROM credit.credit_lines_create(account_id => (SELECT id FROM ada), credit_limit => 5000);
SELECT results_eq($$SELECT account_id, currency, credit_limit, apr, opened_on, version, deleted_at FROM line$$,
                  $$SELECT id, 'USD', 5000.00::numeric, NULL::numeric, current_date, 1, NULL::timestamptz FROM ada$$,
                  'credit_lines_create: defaults for currency and opened_on, apr NULL, version 1');
SELECT is((SELECT orm_ext.uuid_extract_version(id) FROM line), 7::smallint, 'with a v7 id');
SELECT throws_ok($$SELECT credit.credit_lines_create(account_id => orm_ext.uuidv7(), credit_limit => 100)$$, '23503', NULL,
                 'a credit line for an unknown account: 23503');
SELECT throws_ok($$SELECT credit.credit_lines_create(account_id => (SELECT id FROM ada), credit_limit => 100, currency => 'XXX')$$,
                 '23503', NULL, 'in an unknown currency: 23503');
SELECT throws_ok($$SELECT credit.credit_lines_create(account_id => (SELECT id FROM ada), credit_limit => -0.01)$$, '23514', NULL,
                 'a negative limit: 23514');
SELECT throws_ok($$SELECT credit.credit_lines_create(account_id => (SELECT id FROM ada), credit_limit => 12345678901.00)$$, '22003', NULL,
                 'a limit too large for numeric(12,2): 22003');
SELECT results_eq($$SELECT credit_limit, apr, version FROM credit.credit_lines_update((SELECT id FROM line),
                                                                '{"credit_limit": "7500.505", "apr": 19.99, "version": 1}')$$,
                  $$VALUES (7500.51::numeric, 19.99::numeric, 2)$$, 'a patch of numeric strings and numbers: rounded to the scale, version 2');
SELECT throws_ok($$SELECT credit.credit_lines_update((SELECT id FROM line), '{"credit_limit": -1, "version": 2}')$$, '23514', NULL,
                 'a negative limit through the patch: 23514');
SELECT throws_ok($$SELECT credit.credit_lines_update((SELECT id FROM line), '{"credit_limit": "1e20", "version": 2}')$$, '22003', NULL,
                 'an overflowing limit through the patch: 22003');
SELECT throws_ok($$SELECT credit.credit_lines_update((SELECT id FROM line), '{"credit_limit": "lots", "version": 2}')$$, '22P02', NULL,
                 'a limit that is no number: 22P02');
SELECT throws_ok($$SELECT credit.credit_lines_update((SELECT id FROM line), '{"account_id": "ada", "version": 2}')$$, '22P02', NULL,
                 'a malformed uuid for the foreign key: 22P02');
SELECT throws_ok($$SELECT credit.credit_lines_update((SELECT id FROM line), format('{"account_id": "%s", "version": 2}', orm_ext.uuidv7())::jsonb)$$,
                 '23503', NULL, 'a well-formed uuid of no account: 23503');
SELECT throws_ok($$SELECT credit.credit_lines_update((SELECT id FROM line), '{"apr": 5, "version": 1}')$$, '40001', NULL,
                 'a stale version: 40001');
SELECT results_eq($$SELECT credit_limit, apr, version FROM credit.credit_lines_get((SELECT id FROM line))$$,
                  $$VALUES (7500.51::numeric, 19.99::numeric, 2)$$, 'no refused patch changed the line');
SELECT results_eq($$SELECT account_id, currency, version
                      FROM credit.credit_lines_update((SELECT id FROM line), format('{"account_id": "%s", "currency": "EUR", "version": 2}',
                                                                                  (SELECT id FROM grace))::jsonb)$$,
                  $$SELECT id, 'EUR', 3 FROM grace$$, 'moving the line to another account (a uuid string in the patch) and currency');
SELECT throws_ok($$SELECT credit.currencies_update('EUR', '{"code": "EUX"}')$$, '23503', NULL,
                 'renaming a currency a line uses: 23503');
SELECT throws_ok($$SELECT credit.currencies_delete('EUR')$$, '23503', NULL, 'deleting it: 23503');
SELECT is(credit.currencies_delete('GBP'), true, 'deleting an unused currency: true');
SELECT is(credit.currencies_delete('GBP'), false, 'again: false');

-------------------------------------------------------------------------------
-- charges: amounts, filters on numeric(12,2), paging by the uuid key
-------------------------------------------------------------------------------
CREATE TEMP TABLE charge_made AS
SELECT g, c.*
  FROM generate_series(1, 20) g,
       LATERAL credit.charges_create(credit_line_id => (SELECT id FROM line), amount => (ARRAY[9.99, 10.00, 10.01, 250, 0.01])[g % 5 + 1],
                                     memo => format('charge %s', lpad(g::text, 2, '0'))) AS c;
SELECT results_eq($$SELECT amount, memo, posted_at, changed_at FROM charge_made WHERE g = 1$$,
                  $$VALUES (10.00::numeric, 'charge 01', now(), now())$$,
                  'charges_create: posted_at and changed_at (timestamps under other names) are the transaction time');
SELECT is(ARRAY(SELECT id FROM charge_made ORDER BY g), ARRAY(SELECT id FROM charge_made ORDER BY id),
          'charges made one after another have increasing v7 ids');
SELECT throws_ok($$SELECT credit.charges_create(credit_line_id => (SELECT id FROM line), amount => 0)$$, '23514', NULL,
                 'a zero charge: 23514 (charges_amount_positive)');
SELECT throws_ok($$SELECT credit.charges_create(credit_line_id => (SELECT id FROM line), amount => 0.004)$$, '23514', NULL,
                 'a charge that rounds to 0.00: 23514');
SELECT throws_ok($$SELECT credit.charges_create(credit_line_id => (SELECT id FROM line))$$, '23502', NULL, 'amount omitted: 23502');
SELECT throws_ok($$SELECT credit.charges_create(credit_line_id => '00000000-0000-0000-0000-000000000000', amount => 1)$$, '23503', NULL,
                 'a charge on the nil uuid: 23503');
SELECT throws_ok($$SELECT credit.charges_update((SELECT id FROM charge_made WHERE g = 1), '{"amount": "-5.00"}')$$, '23514', NULL,
                 'a negative amount through the patch: 23514');
SELECT throws_ok($$SELECT credit.charges_update((SELECT id FROM charge_made WHERE g = 1), '{"posted_at": "2020-01-01"}')$$, '428C9', NULL,
                 'posted_at (the created_at of this model) in a patch: 428C9');

SELECT is(pg_temp.keys($$SELECT * FROM credit.charges_list('{"amount": {"gte": "10.00"}}')$$, 'memo'),
          ARRAY(SELECT memo FROM charge_made WHERE amount >= 10.00 ORDER BY id), 'filter {"amount": {"gte": "10.00"}}');
SELECT is(cardinality(pg_temp.keys($$SELECT * FROM credit.charges_list('{"amount": {"gte": "10.00"}}')$$, 'memo')), 12,
          '(twelve of the twenty)');
SELECT is(pg_temp.keys($$SELECT * FROM credit.charges_list('{"amount": {"gte": "10.004"}}')$$, 'memo'),
          ARRAY(SELECT memo FROM charge_made WHERE amount >= 10.004 ORDER BY id),
          'gte "10.004" is not rounded to the column''s scale first: 10.00 does not match');
SELECT is(pg_temp.keys($$SELECT * FROM credit.charges_list('{"amount": {"gt": 0.01, "lt": 250}}', ARRAY['amount desc'])$$, 'memo'),
          ARRAY(SELECT memo FROM charge_made WHERE amount > 0.01 AND amount < 250 ORDER BY amount DESC, id), 'a range, by amount desc');
SELECT is(pg_temp.keys($$SELECT * FROM credit.charges_list('{"amount": 10}')$$, 'memo'),
          ARRAY(SELECT memo FROM charge_made WHERE amount = 10 ORDER BY id), 'equality with a JSON number: 10 equals 10.00');
SELECT throws_ok($$SELECT * FROM credit.charges_list('{"amount": {"gte": "ten"}}')$$, '22P02', NULL, 'an amount filter that is no number: 22P02');
SELECT throws_ok($$SELECT * FROM credit.charges_list('{"credit_line_id": "xyz"}')$$, '22P02', NULL, 'a malformed uuid in a filter: 22P02');
SELECT throws_ok(format($$SELECT * FROM credit.charges_list('{"id": {"in": ["%s", "%s-"]}}')$$,
                        (SELECT id FROM charge_made WHERE g = 1), (SELECT id FROM charge_made WHERE g = 2)),
                 '22P02', NULL, 'a malformed uuid inside an in list: 22P02');
SELECT is(pg_temp.keys(format($$SELECT * FROM credit.charges_list('{"id": {"in": ["%s", "%s"]}}')$$,
                              upper((SELECT id FROM charge_made WHERE g = 7)::text), (SELECT id FROM charge_made WHERE g = 3)), 'memo'),
          ARRAY['charge 03', 'charge 07'], 'in on the uuid key, one in upper case: found, in key order');
SELECT is(pg_temp.keys(format($$SELECT * FROM credit.charges_list('{"id": {"gt": "%s"}}', page_size => 3)$$,
                              (SELECT id FROM charge_made WHERE g = 17)), 'memo'),
          ARRAY['charge 18', 'charge 19', 'charge 20'], 'gt on the uuid key: the later charges');

SELECT is(pg_temp.walk_ids('credit.charges_page', '{}', NULL, 6, 'memo'), ARRAY(SELECT memo FROM charge_made ORDER BY g),
          'charges_page by the uuid key, pages of 6: every charge once, in the order they were made');
SELECT is((pg_temp.walk('credit.charges_page', '{}', NULL, 6)).sizes, ARRAY[6, 6, 6, 2], 'in pages of 6, 6, 6 and 2');
SELECT is(pg_temp.walk_ids('credit.charges_page', '{}', ARRAY['id desc'], 7, 'memo'), ARRAY(SELECT memo FROM charge_made ORDER BY g DESC),
          'by the uuid key descending');
SELECT is(pg_temp.walk_ids('credit.charges_page', '{"amount": {"gte": "10.00"}}', ARRAY['amount desc'], 5, 'memo'),
          ARRAY(SELECT memo FROM charge_made WHERE amount >= 10.00 ORDER BY amount DESC, id),
          'by amount desc with the amount filter: ties broken by the uuid key across pages');

SELECT is(credit.charges_delete((SELECT id FROM charge_made WHERE g = 20)), true, 'charges_delete: true');
SELECT is(credit.charges_delete((SELECT id FROM charge_made WHERE g = 20)), false, 'again: false');
SELECT is(credit.charges_delete(orm_ext.uuidv7()), false, 'an unknown uuid: false');
SELECT is(cardinality(pg_temp.walk_ids('credit.charges_page', '{}', NULL, 6, 'memo')), 19, 'nineteen charges are left');

SELECT is(credit.credit_lines_delete((SELECT id FROM line)), true, 'credit_lines_delete soft-deletes the line: true');
SELECT is(credit.credit_lines_delete((SELECT id FROM line)), false, 'again: false');
SELECT ok(credit.credit_lines_get((SELECT id FROM line)) IS NULL, 'credit_lines_get no longer returns it');
SELECT is(pg_temp.keys(format($$SELECT * FROM credit.credit_lines_list('{"account_id": "%s"}')$$, (SELECT id FROM grace))), '{}',
          'nor does credit_lines_list');
SELECT is(cardinality(pg_temp.keys($$SELECT * FROM credit.charges_list(page_size => 100)$$)), 19,
          'its charges stay (a soft delete cascades nothing)');

-------------------------------------------------------------------------------
-- payments: paging by (created_at, id), upsert on the uuid key
-------------------------------------------------------------------------------
CREATE TEMP TABLE paid AS
SELECT g, p.*
  FROM generate_series(1, 17) g,
       LATERAL credit.payments_create(account_id => CASE WHEN g % 2 = 0 THEN (SELECT id FROM ada) ELSE (SELECT id FROM grace) END,
                                      amount => g * 5.25,
                                      created_at => '2026-03-01 09:00:00.123456+00'::timestamptz + (g % 4) * interval '1 hour') AS p;
SELECT is(pg_temp.walk_ids('credit.payments_page', '{}', ARRAY['created_at', 'id'], 4),
          ARRAY(SELECT id::text AS k FROM paid ORDER BY created_at, id),
          'payments_page by (created_at, id), pages of 4: each payment once, ties on created_at broken by the uuid');
SELECT is((pg_temp.walk('credit.payments_page', '{}', ARRAY['created_at', 'id'], 4)).sizes, ARRAY[4, 4, 4, 4, 1],
          'in five pages, the last of one');
SELECT is(pg_temp.walk_ids('credit.payments_page', '{}', ARRAY['created_at desc', 'id desc'], 3),
          ARRAY(SELECT id::text AS k FROM paid ORDER BY created_at DESC, id DESC), 'by (created_at desc, id desc), pages of 3');
SELECT is(pg_temp.walk_ids('credit.payments_page', format('{"account_id": "%s"}', (SELECT id FROM ada))::jsonb, ARRAY['created_at'], 2),
          ARRAY(SELECT id::text AS k FROM paid WHERE account_id = (SELECT id FROM ada) ORDER BY created_at, id),
          'one account''s payments by created_at, pages of 2');
SELECT is(pg_temp.keys($$SELECT * FROM credit.payments_list('{"created_at": {"gte": "2026-03-01T11:00:00.123456Z"}}', ARRAY['created_at', 'id'])$$),
          ARRAY(SELECT id::text AS k FROM paid WHERE created_at >= '2026-03-01 11:00:00.123456+00' ORDER BY created_at, id),
          'a timestamptz filter with microseconds');

SELECT results_eq($$SELECT amount, created_at FROM credit.payments_upsert(id => (SELECT id FROM paid WHERE g = 3), account_id => (SELECT id FROM grace),
                                                                         amount => 99.99, created_at => '2026-03-02 00:00+00')$$,
                  $$VALUES (99.99::numeric, '2026-03-02 00:00+00'::timestamptz)$$, 'payments_upsert on an existing uuid updates that payment');
SELECT is(cardinality(pg_temp.keys($$SELECT * FROM credit.payments_list(page_size => 100)$$)), 17, 'and inserts none');
SELECT results_eq($$SELECT amount, created_at FROM credit.payments_upsert(id => (SELECT id FROM paid WHERE g = 3), account_id => (SELECT id FROM grace),
                                                                         amount => 1.50)$$,
                  $$VALUES (1.50::numeric, now())$$, 'an upsert is a full replace: the omitted created_at takes its default again');
SELECT results_eq($$SELECT id, amount FROM credit.payments_upsert('0190f5c2-0000-7000-8000-0000000000aa', (SELECT id FROM ada), 7)$$,
                  $$VALUES ('0190f5c2-0000-7000-8000-0000000000aa'::uuid, 7.00::numeric)$$, 'payments_upsert on a new uuid inserts');
SELECT throws_ok($$SELECT credit.payments_upsert(id => (SELECT id FROM paid WHERE g = 4), account_id => (SELECT id FROM ada), amount => -7)$$,
                 '23514', NULL, 'an upsert the check refuses: 23514');
SELECT results_eq($$SELECT count(*), sum(amount) FROM credit.payments_list(page_size => 100)$$,
                  $$SELECT 18::bigint, (SELECT sum(amount) FROM paid WHERE g <> 3) + 1.50 + 7.00$$, 'eighteen payments, with the amounts written');

-------------------------------------------------------------------------------
-- statements: the (uuid, date) composite key
-------------------------------------------------------------------------------
SELECT FROM generate_series(1, 6) m,
            LATERAL credit.statements_create(account_id => (SELECT id FROM ada), period => make_date(2025, m, 1),
                                             opening_balance => (m - 1) * 100, closing_balance => m * 100) AS s;
SELECT results_eq($$SELECT opening_balance, closing_balance FROM credit.statements_get((SELECT id FROM ada), '2025-03-01')$$,
                  $$VALUES (200.00::numeric, 300.00::numeric)$$, 'statements_get by (uuid, date)');
SELECT ok(credit.statements_get((SELECT id FROM grace), '2025-03-01') IS NULL, 'another account''s statement for that month: NULL');
SELECT throws_ok($$SELECT credit.statements_create((SELECT id FROM ada), '2025-07-15')$$, '23514', NULL,
                 'a period that is not the first of a month: 23514');
SELECT throws_ok($$SELECT credit.statements_create((SELECT id FROM ada), '2025-03-01')$$, '23505', NULL, 'a second March statement: 23505');
SELECT throws_ok($$SELECT credit.statements_create(orm_ext.uuidv7(), '2025-03-01')$$, '23503', NULL, 'a statement of no account: 23503');
SELECT throws_ok($$SELECT credit.statements_update((SELECT id FROM ada), '2025-03-01', '{"period": "2025-03-31"}')$$, '23514', NULL,
                 'moving it to the 31st through the patch: 23514');
SELECT throws_ok($$SELECT credit.statements_update((SELECT id FROM ada), '2025-03-01', '{"period": "2025-02-30"}')$$, '22008', NULL,
                 'to February 30th: 22008');
SELECT results_eq($$SELECT period, opening_balance, closing_balance
                      FROM credit.statements_upsert(account_id => (SELECT id FROM ada), period => '2025-06-01', closing_balance => 650)$$,
                  $$VALUES ('2025-06-01'::date, 0.00::numeric, 650.00::numeric)$$,
                  'statements_upsert on an existing (uuid, date): replaced, the omitted opening_balance back to its default');
SELECT results_eq($$SELECT period FROM credit.statements_update((SELECT id FROM ada), '2025-06-01', '{"period": "2025-07-01"}')$$,
                  $$VALUES ('2025-07-01'::date)$$, 'statements_update can move the date part of the key');
SELECT is(pg_temp.keys(format($$SELECT * FROM credit.statements_list('{"account_id": "%s", "period": {"gte": "2025-04-01"}}', ARRAY['period desc'])$$,
                              (SELECT id FROM ada)), 'period'),
          ARRAY['2025-07-01', '2025-05-01', '2025-04-01'], 'statements_list of one account from April, newest first');
SELECT throws_ok($$SELECT * FROM credit.statements_list('{"account_id": "0190f5c2"}')$$, '22P02', NULL, 'a truncated uuid in the filter: 22P02');
SELECT throws_ok($$SELECT * FROM credit.statements_list('{"period": "last month"}')$$, '22007', NULL, 'a date filter that is no date: 22007');
SELECT is(pg_temp.walk_ids('credit.statements_page', '{}', ARRAY['closing_balance desc'], 4, 'period'),
          ARRAY['2025-07-01', '2025-05-01', '2025-04-01', '2025-03-01', '2025-02-01', '2025-01-01'],
          'statements_page by closing_balance desc over the composite key');
SELECT is(credit.statements_delete((SELECT id FROM ada), '2025-01-01'), true, 'statements_delete by (uuid, date): true');
SELECT is(credit.statements_delete((SELECT id FROM ada), '2025-01-01'), false, 'again: false');

-------------------------------------------------------------------------------
-- hostile identifiers: schema "Risk ""Desk""", table "order", columns "user",
-- "Amount Due", "select", "MixedCase", "quote""d"; functions in "Credit API"
-------------------------------------------------------------------------------
CREATE SCHEMA "Risk ""Desk""";
CREATE SCHEMA "Credit API";
CREATE TABLE "Risk ""Desk"""."order" (
    "Order Id" uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    "user" text NOT NULL,
    "Amount Due" numeric(12,2) NOT NULL CONSTRAINT "Amount Due >= 0" CHECK ("Amount Due" >= 0),
    "select" text,
    "MixedCase" integer,
    "quote""d" text DEFAULT 'it''s',
    "Created At" timestamptz,
    "Updated At" timestamptz
);
SELECT orm_ext.model_register('"Risk ""Desk"""."order"',
    '{"api_schema": "Credit API", "timestamps": {"created_at": "Created At", "updated_at": "Updated At"}}');
SET LOCAL search_path = "Credit API", public;

SELECT is(pg_get_function_arguments('order_create'::regproc),
          '"Order Id" uuid DEFAULT orm_ext.uuidv7(), "user" text DEFAULT NULL::text, "Amount Due" numeric DEFAULT NULL::numeric, '
          '"select" text DEFAULT NULL::text, "MixedCase" integer DEFAULT NULL::integer, "quote""d" text DEFAULT ''it''''s''::text',
          '"Credit API".order_create: one parameter per client column, named exactly like it');
CREATE TEMP TABLE o1 AS SELECT * FROM order_create("user" => 'ada', "Amount Due" => 12.5, "select" => 'first', "MixedCase" => 3);
SELECT results_eq($$SELECT "user", "Amount Due", "select", "MixedCase", "quote""d", "Created At", "Updated At",
                           orm_ext.uuid_extract_version("Order Id") FROM o1$$,
                  $$VALUES ('ada', 12.50::numeric, 'first', 3, 'it''s', now(), now(), 7::smallint)$$,
                  'create with named hostile arguments: the default of "quote""d", the timestamps, a v7 "Order Id"');
SELECT FROM generate_series(1, 9) g,
            LATERAL order_create("user" => (ARRAY['ada', 'grace', 'linus'])[g % 3 + 1], "Amount Due" => g * 1.5,
                                 "select" => format('s%s', g), "MixedCase" => g % 4) AS o;
SELECT results_eq($$SELECT "user", "select" FROM order_get((SELECT "Order Id" FROM o1))$$, $$VALUES ('ada', 'first')$$,
                  'order_get by the uuid key');
SELECT results_eq($$SELECT "quote""d", "MixedCase", "Updated At" = now() FROM order_update((SELECT "Order Id" FROM o1),
                                                                             '{"quote\"d": "say \"hi\"", "MixedCase": 9}')$$,
                  $$VALUES ('say "hi"', 9, true)$$, 'order_update with hostile patch keys');
SELECT throws_ok($$SELECT order_update((SELECT "Order Id" FROM o1), '{"Amount Due": "-1"}')$$, '23514', NULL,
                 'a negative "Amount Due" through the patch: 23514');
SELECT throws_ok($$SELECT order_create("user" => 'x', "Amount Due" => -1)$$, '23514', NULL, 'and through create: 23514');
SELECT throws_ok($$SELECT order_update((SELECT "Order Id" FROM o1), '{"Created At": "2020-01-01"}')$$, '428C9', NULL,
                 '"Created At" in a patch: 428C9');
SELECT throws_ok($$SELECT order_update((SELECT "Order Id" FROM o1), '{"amount due": 1}')$$, '42703', NULL,
                 'a patch key in the wrong case: 42703');
SELECT throws_ok($$SELECT order_update((SELECT "Order Id" FROM o1), '{"Order Id": "o-1"}')$$, '22P02', NULL,
                 'a malformed uuid for "Order Id": 22P02');
SELECT is(pg_temp.keys($$SELECT * FROM order_list('{"user": "ada", "Amount Due": {"gte": "3"}}', ARRAY['Amount Due desc'])$$, 'select'),
          ARRAY(SELECT "select" FROM "Risk ""Desk"""."order" WHERE "user" = 'ada' AND "Amount Due" >= 3 ORDER BY "Amount Due" DESC, "Order Id"),
          'order_list filtered on "user" and "Amount Due", by "Amount Due" desc');
SELECT is(pg_temp.walk_ids('order_page', '{"select": {"like": "s%"}}', ARRAY['MixedCase desc', 'user'], 2, 'select'),
          ARRAY(SELECT "select" FROM "Risk ""Desk"""."order" WHERE "select" LIKE 's%' ORDER BY "MixedCase" DESC, "user", "Order Id"),
          'order_page by "MixedCase" desc and "user", pages of 2');
SELECT results_eq($$SELECT "user", "Amount Due", "quote""d" FROM order_upsert("Order Id" => (SELECT "Order Id" FROM o1), "user" => 'ada',
                                                                             "Amount Due" => 0)$$,
                  $$VALUES ('ada', 0.00::numeric, 'it''s')$$, 'order_upsert on the uuid key replaces the row ("quote""d" back to its default)');
SELECT is(order_delete((SELECT "Order Id" FROM o1)), true, 'order_delete: true');
SELECT is(order_delete((SELECT "Order Id" FROM o1)), false, 'again: false');
SELECT is(cardinality(pg_temp.walk_ids('order_page', '{}', NULL, 4, 'Order Id')), 9, 'nine orders are left');

SELECT * FROM finish();
ROLLBACK;
