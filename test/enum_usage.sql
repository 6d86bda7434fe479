-- enum_usage: where each label of an enum is used, found through pg_depend.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(15);

CREATE SCHEMA "Odd ""Schema"" Name";
CREATE TYPE "Odd ""Schema"" Name"."select" AS ENUM ('it''s', 'a b', 'Ünï', 'unused');
CREATE DOMAIN "Odd ""Schema"" Name".sel_dom AS "Odd ""Schema"" Name"."select";
CREATE TABLE "Odd ""Schema"" Name"."Some Table" (
    id int,
    "Plain Col" "Odd ""Schema"" Name"."select",
    "order" "Odd ""Schema"" Name"."select"[],
    dom "Odd ""Schema"" Name".sel_dom
);
INSERT INTO "Odd ""Schema"" Name"."Some Table" VALUES
    (1, 'it''s', '{it''s,it''s,a b}', 'Ünï'),
    (2, 'it''s', '{}', NULL),
    (3, NULL, NULL, 'Ünï'),
    (4, 'a b', '{Ünï,NULL}', 'a b');
CREATE TABLE parted (s "Odd ""Schema"" Name"."select", n int) PARTITION BY RANGE (n);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (10) TO (20);
INSERT INTO parted VALUES ('a b', 1), ('a b', 11), ('it''s', 12);
CREATE TABLE secret (s "Odd ""Schema"" Name"."select");
INSERT INTO secret VALUES ('unused');
CREATE TABLE empty_t (s "Odd ""Schema"" Name"."select");
CREATE VIEW a_view AS SELECT "Plain Col" FROM "Odd ""Schema"" Name"."Some Table";
CREATE TYPE other AS ENUM ('it''s');
CREATE TABLE other_t (s other);
INSERT INTO other_t VALUES ('it''s');

-- rows as 'label|relation|column|rows', in the order enum_usage returns them
CREATE FUNCTION pg_temp.usage_of(t regtype, rel regclass) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(SELECT format('%s|%s|%s|%s', u.label, u.relation, u.column_name, u."rows")
                   FROM orm_ext.enum_usage(t) u WHERE u.relation = rel)
$$;
SELECT is(pg_temp.usage_of('"Odd ""Schema"" Name"."select"', '"Odd ""Schema"" Name"."Some Table"'),
    ARRAY['it''s|"Odd ""Schema"" Name"."Some Table"|Plain Col|2',
          'a b|"Odd ""Schema"" Name"."Some Table"|Plain Col|1',
          'Ünï|"Odd ""Schema"" Name"."Some Table"|Plain Col|0',
          'unused|"Odd ""Schema"" Name"."Some Table"|Plain Col|0',
          'it''s|"Odd ""Schema"" Name"."Some Table"|order|1',
          'a b|"Odd ""Schema"" Name"."Some Table"|order|1',
          'Ünï|"Odd ""Schema"" Name"."Some Table"|order|1',
          'unused|"Odd ""Schema"" Name"."Some Table"|order|0',
          'it''s|"Odd ""Schema"" Name"."Some Table"|dom|0',
          'a b|"Odd ""Schema"" Name"."Some Table"|dom|1',
          'Ünï|"Odd ""Schema"" Name"."Some Table"|dom|2',
          'unused|"Odd ""Schema"" Name"."Some Table"|dom|0'],
    'plain, array (a row counted once per label) and domain columns, every label including those at 0');
SELECT is(pg_temp.usage_of('"Odd ""Schema"" Name"."select"', 'parted'),
    ARRAY['it''s|parted|s|1', 'a b|parted|s|2', 'Ünï|parted|s|0', 'unused|parted|s|0'],
    'a partitioned table is reported once, with the rows of all its partitions');
SELECT is((SELECT count(*) FROM orm_ext.enum_usage('"Odd ""Schema"" Name"."select"')
            WHERE relation IN ('parted_1'::regclass, 'parted_2'::regclass)), 0::bigint,
          'its partitions are not reported on their own');
SELECT is(pg_temp.usage_of('"Odd ""Schema"" Name"."select"', 'empty_t'),
    ARRAY['it''s|empty_t|s|0', 'a b|empty_t|s|0', 'Ünï|empty_t|s|0', 'unused|empty_t|s|0'],
    'an empty table: every label at 0');
SELECT is((SELECT count(*) FROM orm_ext.enum_usage('"Odd ""Schema"" Name"."select"') WHERE relation = 'a_view'::regclass),
          0::bigint, 'views are not counted (their tables are)');
SELECT is((SELECT count(*) FROM orm_ext.enum_usage('"Odd ""Schema"" Name"."select"') WHERE relation = 'other_t'::regclass),
          0::bigint, 'a column of another enum with the same label is not reported');
SELECT is((SELECT "rows" FROM orm_ext.enum_usage('"Odd ""Schema"" Name"."select"')
            WHERE relation = 'secret'::regclass AND label = 'unused'), 1::bigint, 'the owner sees the table secret');

-- a role that may read some tables only
CREATE ROLE orm_ext_enum_usage_plain NOLOGIN;
GRANT USAGE ON SCHEMA "Odd ""Schema"" Name" TO orm_ext_enum_usage_plain;
GRANT SELECT ON "Odd ""Schema"" Name"."Some Table", parted TO orm_ext_enum_usage_plain;
SET LOCAL ROLE orm_ext_enum_usage_plain;
SELECT is(ARRAY(SELECT DISTINCT relation::text FROM orm_ext.enum_usage('"Odd ""Schema"" Name"."select"') ORDER BY 1),
          ARRAY['"Odd ""Schema"" Name"."Some Table"', 'parted'],
          'a role sees only the tables it can read; the others are left out, not an error');
SELECT is((SELECT sum("rows") FROM orm_ext.enum_usage('"Odd ""Schema"" Name"."select"') WHERE relation = 'parted'::regclass),
          3::numeric, 'and counts their rows');
RESET ROLE;
REVOKE USAGE ON SCHEMA "Odd ""Schema"" Name" FROM orm_ext_enum_usage_plain;
SET LOCAL ROLE orm_ext_enum_usage_plain;
-- the role cannot name the type any more: pass its OID
SELECT is(ARRAY(SELECT DISTINCT relation::text
                  FROM orm_ext.enum_usage((SELECT oid FROM pg_type WHERE typname = 'select'
                                              AND typnamespace = (SELECT oid FROM pg_namespace
                                                                   WHERE nspname = 'Odd "Schema" Name')))),
          ARRAY['parted'], 'a table in a schema the role cannot use is left out');
RESET ROLE;

SELECT throws_ok($$SELECT * FROM orm_ext.enum_usage(NULL)$$, '22004', NULL, 'enum_usage(NULL): 22004');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_usage('int4')$$, '42809', NULL, 'a non-enum type: 42809');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_usage('no_such')$$, '42704', NULL, 'a missing type: 42704');
SELECT throws_ok($$SELECT * FROM orm_ext.enum_usage(0)$$, '42704', NULL, 'OID 0: 42704');
SELECT is((SELECT count(*) FROM orm_ext.enum_usage('other')), 1::bigint, 'one label, one column: one row');

SELECT * FROM finish();
ROLLBACK;
