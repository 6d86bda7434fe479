-- enum_rebuild called directly (enum_sync's plan calls it for removals and
-- reorders), and the small SQL-visible helpers the lifecycle functions share:
-- their arguments, errors and privileges.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(39);

CREATE SCHEMA "Reb ""Schema""";
CREATE TYPE "Reb ""Schema"""."Order" AS ENUM ('a b', 'it''s', 'c');
CREATE DOMAIN "Reb ""Schema"""."Dom Over" AS "Reb ""Schema"""."Order" NOT NULL;
CREATE TABLE "Reb ""Schema"""."Tbl" (
    id int PRIMARY KEY,
    "select" "Reb ""Schema"""."Order" DEFAULT 'c',
    arr "Reb ""Schema"""."Order"[],
    dom "Reb ""Schema"""."Dom Over"
);
INSERT INTO "Reb ""Schema"""."Tbl" VALUES (1, 'a b', '{c,it''s}', 'c'), (2, 'it''s', '{}', 'a b');

-- enum_rebuild: reorder, and a removal with a replacement
SELECT is(orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c', 'a b', 'it''s']), 0::bigint,
          'a reorder changes no row');
SELECT is(orm_ext.enum_values('"Reb ""Schema"""."Order"'), ARRAY['c', 'a b', 'it''s'], 'the new order');
SELECT is((SELECT string_agg(format('%s %s %s', "select", arr, dom), '; ' ORDER BY id) FROM "Reb ""Schema"""."Tbl"),
          'a b {c,it''s} c; it''s {} a b', 'the data is as before');
SELECT ok((SELECT max("select") FROM "Reb ""Schema"""."Tbl") = 'it''s', 'comparisons follow the new order');
SELECT is(orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c', 'a b'], '{"it''s": "c"}'), 2::bigint,
          'a removal with a replacement: rows changed (plain or array)');
SELECT is((SELECT string_agg(format('%s %s %s', "select", arr, dom), '; ' ORDER BY id) FROM "Reb ""Schema"""."Tbl"),
          'a b {c,c} c; c {} a b', 'rewritten in the plain and the array column');
SELECT is((SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = '"Reb ""Schema"""."Tbl"'::regclass),
          '''c''::"Reb ""Schema"""."Order"', 'the default survives');
SELECT is(orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c', 'a b']), 0::bigint,
          'the same labels: a no-op');

-- enum_rebuild: arguments
SELECT throws_ok($$SELECT orm_ext.enum_rebuild(NULL, ARRAY['c'])$$, '22004', NULL, 'NULL type: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', NULL)$$, '22004', NULL, 'NULL labels: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c', NULL])$$, '22004', NULL,
                 'a NULL label: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c', 'c'])$$, '22023', NULL,
                 'a duplicate label: 22023');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('int4', ARRAY['c'])$$, '42809', NULL, 'not an enum: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."No Such"', ARRAY['c'])$$, '42704', NULL,
                 'a missing type: 42704');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c'], '["a b"]')$$, '22023', NULL,
                 'replacements that are not an object: 22023');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c'], '{"a b": 1}')$$, '22023', NULL,
                 'a replacement that is not a string: 22023');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c'], '{"c": "c"}')$$, '22023', NULL,
                 'a replacement for a label that stays: 22023');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c'], '{"a b": "zz"}')$$, '22P02', NULL,
                 'a replacement that is not among the new labels: 22P02');
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['c'])$$, '2BP01', NULL,
                 'removing a label in use without a replacement: 2BP01');
SELECT is(orm_ext.enum_values('"Reb ""Schema"""."Order"'), ARRAY['c', 'a b'], 'and the type is unchanged');

-- the helpers
SELECT is(orm_ext.enum_owned_name('"Reb ""Schema"""."Order"', 'test'), '"Reb ""Schema"""."Order"',
          'enum_owned_name: the quoted qualified name');
SELECT throws_ok($$SELECT orm_ext.enum_owned_name('int4', 'test')$$, '42809', NULL, 'enum_owned_name: not an enum: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_require(NULL::int, 'x', 'f')$$, '22004', 'argument x of f() must not be NULL',
                 'enum_require: NULL raises 22004 naming the argument');
SELECT lives_ok($$SELECT orm_ext.enum_require(1, 'x', 'f')$$, 'enum_require: a value passes');
SELECT throws_ok($$SELECT orm_ext.enum_require_label('"Reb ""Schema"""."Order"', 'it''s')$$, '22023',
                 '''it''''s'' is not a label of type "Reb ""Schema"""."Order"', 'enum_require_label: 22023');
SELECT lives_ok($$SELECT orm_ext.enum_require_label('"Reb ""Schema"""."Order"', 'a b')$$, 'enum_require_label: a label passes');
SELECT is(orm_ext.enum_name('"Reb ""Schema"""."Order"'), '"Reb ""Schema"""."Order"', 'enum_name: quoted and qualified');
SELECT throws_ok($$SELECT orm_ext.enum_name('"Reb ""Schema"""."Dom Over"')$$, '42809',
                 'type "Reb ""Schema"""."Dom Over" is not an enum', 'enum_name: a domain is not an enum: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_name(4294967295::oid::regtype)$$, '42704', NULL,
                 'enum_name: an OID that names no type: 42704');
SELECT throws_ok($$SELECT orm_ext.enum_require_labels(ARRAY['a', NULL])$$, '22004', NULL,
                 'enum_require_labels: a NULL element: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_require_labels(ARRAY['it''s', 'x', 'it''s'])$$, '22023',
                 'label ''it''''s'' appears more than once in labels', 'enum_require_labels: a label twice: 22023');
SELECT lives_ok($$SELECT orm_ext.enum_require_labels(ARRAY[]::text[])$$, 'enum_require_labels: an empty list passes');
SELECT is((SELECT string_agg(format('%s %s %s', carrier, kind, depth), '; ' ORDER BY kind, carrier::text)
             FROM orm_ext.enum_carrier_types('"Reb ""Schema"""."Order"')),
          '"Reb ""Schema"""."Order"[] array 0; "Reb ""Schema"""."Dom Over" domain 1; "Reb ""Schema"""."Dom Over"[] domain array 1; "Reb ""Schema"""."Order" enum 0',
          'enum_carrier_types: the enum, its domain and their arrays');
SELECT is((SELECT string_agg(format('%s %s %s', relation, column_name, kind), '; ' ORDER BY attnum)
             FROM orm_ext.enum_columns('"Reb ""Schema"""."Order"')),
          '"Reb ""Schema"""."Tbl" select enum; "Reb ""Schema"""."Tbl" arr array; "Reb ""Schema"""."Tbl" dom domain',
          'enum_columns: plain, array and domain columns');
SELECT is(orm_ext.enum_labels_expr('we"ird col', 'array'), '("we""ird col")::pg_catalog.text[]',
          'enum_labels_expr: an array column, quoted');
SELECT is(orm_ext.enum_labels_expr('select', 'enum'), 'ARRAY[("select")::pg_catalog.text]',
          'enum_labels_expr: a plain column, quoted');

-- privileges: a role that does not own the type
CREATE ROLE orm_ext_enum_rebuild_intruder NOLOGIN;
GRANT USAGE ON SCHEMA orm_ext, "Reb ""Schema""" TO orm_ext_enum_rebuild_intruder;
SET ROLE orm_ext_enum_rebuild_intruder;
SELECT throws_ok($$SELECT orm_ext.enum_rebuild('"Reb ""Schema"""."Order"', ARRAY['a b', 'c'])$$, '42501', NULL,
                 'enum_rebuild by a non-owner: 42501');
SELECT throws_ok($$SELECT orm_ext.enum_owned_name('"Reb ""Schema"""."Order"', 'test')$$, '42501', NULL,
                 'enum_owned_name for a non-owner: 42501');
RESET ROLE;
SELECT is(orm_ext.enum_values('"Reb ""Schema"""."Order"'), ARRAY['c', 'a b'], 'the non-owner changed nothing');

SELECT * FROM finish();
ROLLBACK;
