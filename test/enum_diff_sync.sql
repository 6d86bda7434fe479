-- enum_diff (the plan) and enum_sync (running it).
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(43);

CREATE SCHEMA "Odd ""Schema"" Name";
CREATE TYPE "Odd ""Schema"" Name"."select" AS ENUM ('b', 'd');
CREATE TABLE "Odd ""Schema"" Name".t (id int, s "Odd ""Schema"" Name"."select");
INSERT INTO "Odd ""Schema"" Name".t VALUES (1, 'b'), (2, 'd');

-- plans as 'step action rewrites: sql'
CREATE FUNCTION pg_temp.plan_of(t regtype, labels text[], renames jsonb DEFAULT '{}') RETURNS text[]
LANGUAGE sql AS $$
    SELECT ARRAY(SELECT format('%s %s %s: %s', d.step, d.action, d.rewrites::text, d.sql)
                   FROM orm_ext.enum_diff(t, labels, renames) d ORDER BY d.step)
$$;

-- enum_diff ---------------------------------------------------------------------
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['b', 'd']), ARRAY[]::text[],
          'the same labels: an empty plan');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['a', 'b', 'c', 'd', 'e']),
          ARRAY['1 add false: ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE ''a'' BEFORE ''b''',
                '2 add false: ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE ''c'' AFTER ''b''',
                '3 add false: ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE ''e'' AFTER ''d'''],
          'insertions at the start (BEFORE), in the middle and at the end (AFTER), no rewrite');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['b', 'x ''y''', 'z é', 'd']),
          ARRAY['1 add false: ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE ''x ''''y'''''' AFTER ''b''',
                '2 add false: ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE ''z é'' AFTER ''x ''''y'''''''],
          'two insertions in a row, with quotes, a space and unicode');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['B b', 'd', 'x'], '{"b": "B b"}'),
          ARRAY['1 rename false: ALTER TYPE "Odd ""Schema"" Name"."select" RENAME VALUE ''b'' TO ''B b''',
                '2 add false: ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE ''x'' AFTER ''d'''],
          'renames come first, then additions relative to the new names');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['b']),
          ARRAY['1 rebuild true: SELECT orm_ext.enum_rebuild(''"Odd ""Schema"" Name"."select"''::pg_catalog.regtype, ''{b}''::pg_catalog.text[])'],
          'a removed label: a single rebuild step that rewrites');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['d', 'b']),
          ARRAY['1 rebuild true: SELECT orm_ext.enum_rebuild(''"Odd ""Schema"" Name"."select"''::pg_catalog.regtype, ''{d,b}''::pg_catalog.text[])'],
          'a reordering: a single rebuild step');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['d', 'new', 'b']),
          ARRAY['1 rebuild true: SELECT orm_ext.enum_rebuild(''"Odd ""Schema"" Name"."select"''::pg_catalog.regtype, ''{d,new,b}''::pg_catalog.text[])'],
          'a reordering with an addition: only the rebuild, which adds it too');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['B'], '{"b": "B"}'),
          ARRAY['1 rename false: ALTER TYPE "Odd ""Schema"" Name"."select" RENAME VALUE ''b'' TO ''B''',
                '2 rebuild true: SELECT orm_ext.enum_rebuild(''"Odd ""Schema"" Name"."select"''::pg_catalog.regtype, ''{B}''::pg_catalog.text[])'],
          'a rename and a removal: the rename, then the rebuild');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['b', 'd'], '{"b": "b"}'), ARRAY[]::text[],
          'a rename to the same name is no step');
SELECT is(pg_temp.plan_of('"Odd ""Schema"" Name"."select"', ARRAY['b', 'd'], NULL), ARRAY[]::text[],
          'NULL renames: none');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['b', 'd'], 'enum_diff changed nothing');

SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['x', 'd'], '{"nope": "x"}')$$,
                 '22023', NULL, 'renaming a label the type does not have: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['d'], '{"b": "d"}')$$,
                 '42710', NULL, 'renaming onto a label the type keeps: 42710');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['x'], '{"b": "x", "d": "x"}')$$,
                 '22023', NULL, 'two labels renamed to the same name: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['d', 'b'], '{"b": "d", "d": "b"}')$$,
                 '0A000', NULL, 'a swap: 0A000');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['b'], '["b"]')$$,
                 '22023', NULL, 'renames that are not an object: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['b'], '{"b": 1}')$$,
                 '22023', NULL, 'a new name that is not a string: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['b', 'b'])$$,
                 '22023', NULL, 'a label twice in labels: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', ARRAY['b', NULL])$$,
                 '22004', NULL, 'a NULL label: 22004');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff(NULL, ARRAY['b'])$$, '22004', NULL, 'NULL t: 22004');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('"Odd ""Schema"" Name"."select"', NULL)$$, '22004', NULL,
                 'NULL labels: 22004');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff('int4', ARRAY['b'])$$, '42809', NULL, 'a non-enum type: 42809');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_diff(0, ARRAY['b'])$$, '42704', NULL, 'OID 0: 42704');

-- enum_sync ---------------------------------------------------------------------
CREATE TEMP TABLE fn AS SELECT pg_relation_filenode('"Odd ""Schema"" Name".t') AS before;
SELECT is(orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['b', 'd', 'it''s new é']), 1,
          'appending one label: one step');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['b', 'd', 'it''s new é'], 'the label is there');
SELECT is(pg_relation_filenode('"Odd ""Schema"" Name".t'), (SELECT before FROM fn), 'and the table was not rewritten');
SELECT is(orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['a', 'b', 'c', 'd', 'it''s new é']), 2,
          'two insertions: two steps');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['a', 'b', 'c', 'd', 'it''s new é'],
          'placed where asked');
SELECT is(orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['a', 'b', 'c', 'd', 'it''s new é']), 0,
          'already equal: 0 steps');
SELECT is(pg_relation_filenode('"Odd ""Schema"" Name".t'), (SELECT before FROM fn), 'still no rewrite');

SELECT throws_ok($$SELECT orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['a', 'c', 'd', 'it''s new é'])$$,
                 '2BP01', NULL, 'removing a label that is in use: 2BP01');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['a', 'b', 'c', 'd', 'it''s new é'],
          'and the type is unchanged');
SELECT throws_ok($$SELECT orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['a', 'B', 'c', 'd'], '{"b": "B", "d": "D"}')$$,
                 '2BP01', NULL, 'renames with a removal of a used label: 2BP01');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['a', 'b', 'c', 'd', 'it''s new é'],
          'and the renames were undone with it');

SELECT is(orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['B b', 'D', 'a'], '{"b": "B b", "d": "D"}'), 3,
          'two renames and a rebuild that removes and reorders: three steps');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['B b', 'D', 'a'], 'the type has the labels');
SELECT is((SELECT string_agg(format('%s %s', id, s), ', ' ORDER BY id) FROM "Odd ""Schema"" Name".t), '1 B b, 2 D',
          'the rows carry the new names');
SELECT ok((SELECT s FROM "Odd ""Schema"" Name".t WHERE id = 1) < (SELECT s FROM "Odd ""Schema"" Name".t WHERE id = 2),
          'in the new order');

SELECT throws_ok($$SELECT orm_ext.enum_sync(NULL, ARRAY['a'])$$, '22004', NULL, 'NULL t: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', NULL)$$, '22004', NULL, 'NULL labels: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_sync('int4', ARRAY['a'])$$, '42809', NULL, 'a non-enum type: 42809');

CREATE ROLE orm_ext_enum_sync_plain NOLOGIN;
GRANT USAGE ON SCHEMA "Odd ""Schema"" Name" TO orm_ext_enum_sync_plain;
SET LOCAL ROLE orm_ext_enum_sync_plain;
SELECT throws_ok($$SELECT orm_ext.enum_sync('"Odd ""Schema"" Name"."select"', ARRAY['B b', 'D', 'a', 'z'])$$,
                 '42501', NULL, 'a non-owner: 42501');
RESET ROLE;
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'), ARRAY['B b', 'D', 'a'], 'the non-owner changed nothing');

SELECT * FROM finish();
ROLLBACK;
