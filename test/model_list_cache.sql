-- The statements _list and _page keep per session, one per shape of call
-- (src/model/list.c): calls of one shape with other values, other page
-- sizes and cursors; bad values on a kept shape failing as on a new one;
-- a column type changed under the same model metadata; row level security
-- and privileges after the statement is kept; the engine functions' own
-- argument checks.  Hostile names throughout.  Roles made here start with
-- tap_mlist and go with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(46);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql
\ir lib/detail_of.sql
\ir lib/keys.sql
-- the values of column "Id" of the rows a query returns
CREATE FUNCTION pg_temp.ids(q text) RETURNS text[] LANGUAGE sql AS $$ SELECT pg_temp.keys(q, 'Id') $$;
-- a cursor with its values replaced
CREATE FUNCTION pg_temp.recursor(cur text, vals jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT translate(encode(convert_to(jsonb_set(
               convert_from(decode(translate(cur, '-_', '+/'), 'base64'), 'UTF8')::jsonb,
               '{k}', vals)::text, 'UTF8'), 'base64'), E'+/\n', '-_')
$$;

CREATE SCHEMA "Kept ""Lists""";
CREATE TABLE "Kept ""Lists"""."Line Items" (
    "Id" integer PRIMARY KEY,
    "select" text NOT NULL,
    "qty it's" integer,
    "Note" text
);
INSERT INTO "Kept ""Lists"""."Line Items"
SELECT g, 'item ' || (10 - g), CASE WHEN g % 4 = 0 THEN NULL ELSE g * 10 END, 'n' || g
FROM generate_series(1, 9) g;
SELECT orm_ext.model_register('"Kept ""Lists"""."Line Items"', '{"name": "items"}');

-- one shape, other values: the kept statement takes each call's values
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"lt": 30}}')$$),
          '{1,2}', 'a filter value: first call');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"lt": 60}}')$$),
          '{1,2,3,5}', 'the same filter with another value');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"lt": 60}}', NULL, 2)$$),
          '{1,2}', 'another page size');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"lt": 60}}', NULL, 3)$$),
          '{1,2,3}', 'and another');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"is_null": true}}')$$),
          '{4,8}', 'is_null true');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"is_null": false}}')$$),
          '{1,2,3,5,6,7,9}', 'is_null false after is_null true');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": null}')$$),
          '{4,8}', 'a JSON null value is IS NULL');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": 50}')$$),
          '{5}', 'and a number after it is equality');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"in": [1, null, 3]}}')$$),
          '{1,3}', 'in with a null in the middle');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"in": [null, 2, 7]}}')$$),
          '{2,7}', 'in with the null first');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"in": [5, 6, null]}}')$$),
          '{5,6}', 'in with the null last');
-- an in list is one parameter, an array: lists of every length, empty and
-- all-null ones too, share one kept statement
SELECT is((SELECT array_agg(n ORDER BY n) FROM generate_series(0, 40) AS n
            WHERE pg_temp.ids(format($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"in": %s}}')$$,
                                     (SELECT COALESCE(jsonb_agg(g), '[]') FROM generate_series(1, n) g)))
                  <> (SELECT COALESCE(array_agg(g::text ORDER BY g), '{}') FROM generate_series(1, least(n, 9)) g)),
          NULL, 'in lists of 0 to 40 values each return their rows');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"in": [null, null]}}')$$),
          '{}', 'an in list of nulls matches nothing');
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts
            WHERE name = 'CachedPlanSource'
              AND ident LIKE '%FROM "Kept ""Lists"""."Line Items" AS t WHERE t."Id" OPERATOR(pg_catalog.=) ANY ($1)%'),
          1, 'and one statement is kept for all of them');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"select": {"like": "item 1%"}}')$$),
          '{9}', 'like on a column named select');
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"select": {"like": "item _"}}')$$),
          '{1,2,3,4,5,6,7,8,9}', 'another pattern');

-- the same rows as the statement written by hand
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"gte": 20, "neq": 50}, "Note": {"ilike": "N%"}}', '{"select desc"}', 4)$$),
          pg_temp.ids($$SELECT * FROM "Kept ""Lists"""."Line Items"
                         WHERE "qty it's" >= 20 AND "qty it's" <> 50 AND "Note" ILIKE 'N%'
                         ORDER BY "select" DESC, "Id" LIMIT 4$$),
          'a kept statement returns the rows of the statement written by hand');

-- pages: each next_cursor runs the kept statement of the cursor's shape
SELECT is((WITH RECURSIVE p(n, page) AS (
               SELECT 1, "Kept ""Lists""".items_page('{}', '{"select desc"}', 2)
               UNION ALL
               SELECT n + 1, "Kept ""Lists""".items_page('{}', '{"select desc"}', 2, page ->> 'next_cursor')
                 FROM p WHERE page ->> 'next_cursor' IS NOT NULL)
           SELECT array_agg(e ->> 'Id' ORDER BY n, i) FROM p, jsonb_array_elements(page -> 'items') WITH ORDINALITY AS x(e, i)),
          '{1,2,3,4,5,6,7,8,9}', 'walking the pages in descending "select" order');
SELECT is((WITH RECURSIVE p(n, page) AS (
               SELECT 1, "Kept ""Lists""".items_page('{}', '{"qty it''s"}', 3)
               UNION ALL
               SELECT n + 1, "Kept ""Lists""".items_page('{}', '{"qty it''s"}', 3, page ->> 'next_cursor')
                 FROM p WHERE page ->> 'next_cursor' IS NOT NULL)
           SELECT array_agg(e ->> 'Id' ORDER BY n, i) FROM p, jsonb_array_elements(page -> 'items') WITH ORDINALITY AS x(e, i)),
          '{1,2,3,5,6,7,9,4,8}', 'walking a nullable order: cursors with a null value and without');
SELECT is(pg_temp.ids(format($$SELECT * FROM "Kept ""Lists""".items_list('{}', NULL, 2, %L)$$,
                              "Kept ""Lists""".items_page('{}', NULL, 2) ->> 'next_cursor')),
          '{3,4}', '_list takes _page''s cursor');

-- a bad value for a kept shape fails as for a new one
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"lt": "many"}}')$$),
          '22P02: invalid value for column "qty it''s" of table "Kept ""Lists"""."Line Items": invalid input syntax for type integer: "many"',
          'a bad filter value: 22P02 naming the column');
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"lt": 1e20}}')$$),
          '22003: invalid value for column "qty it''s" of table "Kept ""Lists"""."Line Items": value "100000000000000000000" is out of range for type integer',
          'a value out of range: 22003 naming the column');
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"in": [1, null, "x"]}}')$$),
          '22P02: invalid value for column "Id" of table "Kept ""Lists"""."Line Items": invalid input syntax for type integer: "x"',
          'a bad element of an in list');
SELECT is(pg_temp.error_of(format($$SELECT * FROM "Kept ""Lists""".items_list('{}', NULL, 2, %L)$$,
              pg_temp.recursor("Kept ""Lists""".items_page('{}', NULL, 2) ->> 'next_cursor', '["two"]'))),
          '22023: items_list: invalid cursor', 'a cursor value that does not fit the column: 22023');
SELECT is(pg_temp.detail_of(format($$SELECT * FROM "Kept ""Lists""".items_list('{}', NULL, 2, %L)$$,
              pg_temp.recursor("Kept ""Lists""".items_page('{}', NULL, 2) ->> 'next_cursor', '["two"]'))),
          '22023: It holds a value that does not fit the column.', 'with the detail saying so');
SELECT is(pg_temp.error_of(format($$SELECT * FROM "Kept ""Lists""".items_list('{}', '{"select"}', 2, %L)$$,
              "Kept ""Lists""".items_page('{}', NULL, 2) ->> 'next_cursor')),
          '22023: items_list: invalid cursor', 'a cursor of another order: 22023');
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{}', NULL, 2, 'not a cursor')$$),
          '22023: items_list: invalid cursor', 'a string that is no cursor: 22023');
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{"nope": 1}')$$),
          '42703: column "nope" of table "Kept ""Lists"""."Line Items" does not exist', 'an unknown column: 42703');
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{}', NULL, NULL)$$),
          '22004: items_list: page_size must not be null', 'a NULL page_size: 22004');
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_page('{}', NULL, 0)$$),
          '22023: items_list: page_size must be at least 1, not 0', 'page_size 0: 22023');

-- a column's type changes, the model's metadata stays the same: the kept
-- statement is prepared again for the new type
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"gt": 80}}')$$),
          '{9}', 'before ALTER COLUMN TYPE');
ALTER TABLE "Kept ""Lists"""."Line Items" ALTER COLUMN "qty it's" TYPE bigint;
INSERT INTO "Kept ""Lists"""."Line Items" VALUES (10, 'big', 5000000000, NULL);
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"gt": 4000000000}}')$$),
          '{10}', 'after it, a value only the new type holds');
-- the statement it replaced is freed: one kept statement for the shape,
-- however often the type changes
DELETE FROM "Kept ""Lists"""."Line Items" WHERE "Id" = 10;
ALTER TABLE "Kept ""Lists"""."Line Items" ALTER COLUMN "qty it's" TYPE integer;
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"gt": 80}}')$$),
          '{9}', 'back to integer: prepared again');
ALTER TABLE "Kept ""Lists"""."Line Items" ALTER COLUMN "qty it's" TYPE bigint;
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"gt": 80}}')$$),
          '{9}', 'and to bigint again');
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts
            WHERE name = 'CachedPlanSource'
              AND ident LIKE '%FROM "Kept ""Lists"""."Line Items" AS t WHERE t."qty it''s" OPERATOR(pg_catalog.>) $1 %'),
          1, 'three types later, one statement is kept for the shape');
-- and an in list, whose parameter is an array of the column's type
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"in": [50, 90]}}')$$),
          '{5,9}', 'an in list on the bigint column');
ALTER TABLE "Kept ""Lists"""."Line Items" ALTER COLUMN "qty it's" TYPE numeric;
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"qty it''s": {"in": [50.0, 90.5]}}')$$),
          '{5}', 'after ALTER COLUMN TYPE numeric, prepared again for numeric[]');

-- row level security and privileges apply to kept statements
CREATE ROLE tap_mlist_reader;
GRANT USAGE ON SCHEMA "Kept ""Lists""" TO tap_mlist_reader;
GRANT SELECT ON "Kept ""Lists"""."Line Items" TO tap_mlist_reader;
ALTER TABLE "Kept ""Lists"""."Line Items" ENABLE ROW LEVEL SECURITY;
CREATE POLICY odd ON "Kept ""Lists"""."Line Items" FOR SELECT TO tap_mlist_reader USING ("Id" % 2 = 1);
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"lt": 6}}')$$),
          '{1,2,3,4,5}', 'the owner, who is not subject to the policy, sees every row');
SET LOCAL ROLE tap_mlist_reader;
SELECT is(pg_temp.ids($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"lt": 6}}')$$),
          '{1,3,5}', 'the same shape as a role under the policy: its rows only');
SELECT is(pg_temp.ids($$SELECT e ->> 'Id' AS "Id" FROM jsonb_array_elements("Kept ""Lists""".items_page('{"Id": {"lt": 6}}') -> 'items') e$$),
          '{1,3,5}', '_page too');
RESET ROLE;
REVOKE SELECT ON "Kept ""Lists"""."Line Items" FROM tap_mlist_reader;
SET LOCAL ROLE tap_mlist_reader;
SELECT is(pg_temp.error_of($$SELECT * FROM "Kept ""Lists""".items_list('{"Id": {"lt": 6}}')$$),
          '42501: permission denied for table Line Items', 'after REVOKE, the kept statement: 42501');
RESET ROLE;

-- the engine functions' own checks
SELECT is(pg_temp.error_of($$SELECT * FROM orm_ext.model_list_rows(NULL::"Kept ""Lists"""."Line Items", NULL, '{}', NULL, 5, NULL)$$),
          '22004: model_list_rows: meta must not be null', 'model_list_rows with a NULL meta: 22004');
SELECT is(pg_temp.error_of($$SELECT * FROM orm_ext.model_list_rows(1, '{}', '{}', NULL, 5, NULL)$$),
          '42804: model_list_rows: proto must be a table''s row type', 'a proto that is no row type: 42804');
SELECT is(pg_temp.error_of($$SELECT * FROM orm_ext.model_list_rows(NULL::"Kept ""Lists"""."Line Items", '{}', '{}', NULL, 5, NULL, -1)$$),
          '22023: model_list_rows: extra must be zero or more', 'a negative extra: 22023');
SELECT is(pg_temp.error_of($$SELECT * FROM orm_ext.model_list_rows(NULL::"Kept ""Lists"""."Line Items", '{}', '{}', NULL, 5, NULL, NULL)$$),
          '22004: model_list_rows: extra must not be null', 'a NULL extra: 22004');
CREATE TEMP TABLE other (x integer);
SELECT is(pg_temp.error_of($q$SELECT * FROM orm_ext.model_list_rows(NULL::pg_temp.other,
              '{"table": "\"Kept \"\"Lists\"\"\".\"Line Items\"", "model": "items", "pk": ["Id"], "cols": {"Id": {"nn": true}}}',
              '{}', NULL, 5, NULL)$q$),
          '42804: model_list_rows: proto is not the row type of table "Kept ""Lists"""."Line Items"',
          'a proto of another table: 42804');

SELECT * FROM finish();
ROLLBACK;
