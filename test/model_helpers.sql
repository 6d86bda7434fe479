-- The C helpers behind the generated functions, called directly:
-- model_value_literal() (JSON value -> typed SQL literal, errors naming the
-- column) and model_operator() (a column type's btree operators), and the
-- shared owned_table() / owns_relation() / owns_function().
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(38);

CREATE SCHEMA "Help ""S""";
CREATE DOMAIN "Help ""S""".positive AS integer CHECK (VALUE > 0);
CREATE TABLE "Help ""S"""."Mixed Case" (
    "select" integer,
    "Sku ""x""" text,
    amount numeric(10,2),
    tags text[],
    grid integer[],
    doc jsonb,
    j json,
    at timestamptz,
    p "Help ""S""".positive,
    flag boolean,
    id uuid
);
\set t '\'"Help ""S"""."Mixed Case"\''

-- model_value_literal
SELECT is(orm_ext.model_value_literal(:t, 'select', '42'), '''42''::integer', 'a number into integer');
SELECT is(orm_ext.model_value_literal(:t, 'Sku "x"', '"it''s"'), '''it''''s''::pg_catalog.text',
          'a string into text, quoted; a column named with a quote');
SELECT is(orm_ext.model_value_literal(:t, 'amount', '3.14159'), '''3.14159''::numeric',
          'no typmod in the cast, so nothing is rounded or truncated here');
SELECT is(orm_ext.model_value_literal(:t, 'tags', '["a", "b c", null, "q\"x"]'),
          $$orm_ext.model_cursor_value(E'{a,"b c",NULL,"q\\"x"}', NULL::pg_catalog.text[])$$,
          'a JSON array into text[], with NULL and quotes, read back by model_cursor_value (array_nulls)');
SELECT is(orm_ext.model_value_literal(:t, 'grid', '[[1, 2], [3, 4]]'), 'orm_ext.model_cursor_value(''{{1,2},{3,4}}'', NULL::integer[])',
          'nested arrays into a two-dimensional array');
-- under array_nulls off, a JSON null in an array is still NULL, and the
-- expression reads it back as NULL
SET LOCAL array_nulls = off;
SELECT is((SELECT x[3] IS NULL AND x[2] = 'b c' FROM (SELECT orm_ext.model_cursor_value(E'{a,"b c",NULL}', NULL::text[]) AS x) s),
          true, 'model_cursor_value reads NULL in an array as NULL under array_nulls off');
SELECT is(orm_ext.model_value_literal(:t, 'tags', '["a", null]'),
          $$orm_ext.model_cursor_value('{a,NULL}', NULL::pg_catalog.text[])$$,
          'and model_value_literal writes a JSON null as NULL under it');
SET LOCAL array_nulls = on;
SELECT is(orm_ext.model_value_literal(:t, 'doc', '{"a": [1, null]}'), '''{"a": [1, null]}''::pg_catalog.jsonb',
          'an object into jsonb');
SELECT is(orm_ext.model_value_literal(:t, 'j', '[1, 2]'), '''[1, 2]''::pg_catalog.json', 'an array into json');
SELECT is(orm_ext.model_value_literal(:t, 'doc', 'null'), 'NULL::pg_catalog.jsonb', 'JSON null into jsonb is SQL NULL');
SELECT is(orm_ext.model_value_literal(:t, 'select', 'null'), 'NULL::integer', 'JSON null is NULL');
SELECT is(orm_ext.model_value_literal(:t, 'select', NULL), 'NULL::integer', 'SQL NULL is NULL');
SELECT is(orm_ext.model_value_literal(:t, 'flag', 'true'), '''t''::boolean', 'a boolean, in its canonical form');
SELECT is(orm_ext.model_value_literal(:t, 'p', '5'), '''5''::"Help ""S""".positive', 'a domain, named quoted');
SELECT is(orm_ext.model_value_literal(:t, 'id', '"00000000-0000-7000-8000-000000000001"'),
          '''00000000-0000-7000-8000-000000000001''::pg_catalog.uuid', 'a uuid');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'select', '"abc"')$$, '22P02',
                 'invalid value for column "select" of table "Help ""S"""."Mixed Case": invalid input syntax for type integer: "abc"',
                 'a bad value: 22P02, the message names column and table');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'select', '99999999999')$$, '22003', NULL,
                 'out of range keeps its SQLSTATE: 22003');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'at', '"yesterday-ish"')$$, '22007', NULL,
                 'a bad timestamp: 22007');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'p', '-1')$$, '23514', NULL,
                 'a domain''s CHECK: 23514');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'select', '{"a": 1}')$$, '22P02', NULL,
                 'an object into integer: 22P02');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'select', '[1]')$$, '22P02', NULL,
                 'an array into a scalar type: 22P02');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'tags', '[{"a": 1}]')$$, '22P02', NULL,
                 'an object inside an array: 22P02');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'nope', '1')$$, '42703', NULL,
                 'a missing column: 42703');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', 'ctid', '1')$$, '42703', NULL,
                 'a system column: 42703');
SELECT throws_ok($$SELECT orm_ext.model_value_literal(NULL, 'select', '1')$$, '22004', NULL, 'NULL table: 22004');
SELECT throws_ok($$SELECT orm_ext.model_value_literal('"Help ""S"""."Mixed Case"', NULL, '1')$$, '22004', NULL,
                 'NULL column: 22004');
SELECT throws_ok($$SELECT orm_ext.model_value_literal(4000000000::oid::regclass, 'x', '1')$$, '42P01', NULL,
                 'an OID that names no relation: 42P01');

-- model_operator
SELECT is(orm_ext.model_operator(:t, 'select', 'lt'), 'OPERATOR(pg_catalog.<)', 'lt on integer');
SELECT is(orm_ext.model_operator(:t, 'Sku "x"', 'neq'), 'OPERATOR(pg_catalog.<>)', 'neq is the negator of =');
SELECT is(orm_ext.model_operator(:t, 'p', 'gte'), 'OPERATOR(pg_catalog.>=)', 'a domain uses its base type''s');
SELECT is(orm_ext.model_operator(:t, 'id', 'eq'), 'OPERATOR(pg_catalog.=)', 'eq on uuid');
SELECT throws_ok($$SELECT orm_ext.model_operator('"Help ""S"""."Mixed Case"', 'j', 'eq')$$, '42883', NULL,
                 'json has no btree operator class: 42883');
SELECT throws_ok($$SELECT orm_ext.model_operator('"Help ""S"""."Mixed Case"', 'select', 'between')$$, '22023', NULL,
                 'an unknown comparison: 22023');
SELECT throws_ok($$SELECT orm_ext.model_operator('"Help ""S"""."Mixed Case"', 'select', NULL)$$, '22004', NULL,
                 'NULL comparison: 22004');

-- owned_table, owns_relation, owns_function
SELECT is(orm_ext.owned_table(:t, 'me', 'd1', 'd2'), '"Help ""S"""."Mixed Case"', 'owned_table: the quoted name');
CREATE ROLE tap_mhelp_other;
GRANT USAGE ON SCHEMA "Help ""S""" TO tap_mhelp_other;
SET LOCAL ROLE tap_mhelp_other;
SELECT throws_ok($$SELECT orm_ext.owned_table('"Help ""S"""."Mixed Case"', 'me', 'd1', 'not yours')$$, '42501',
                 'must be owner of table "Help ""S"""."Mixed Case"', 'owned_table: a non-owner: 42501');
SELECT is(orm_ext.owns_relation('"Help ""S"""."Mixed Case"'::regclass), false, 'owns_relation: false for a non-owner');
RESET ROLE;
SELECT is(orm_ext.owns_relation(4000000000::oid), NULL, 'owns_relation: NULL for no relation');

SELECT * FROM finish();
ROLLBACK;
