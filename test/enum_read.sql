-- The C readers: enum_values, enum_has and enum_try_cast.  They are STRICT
-- (enum_try_cast only in its label): a NULL argument gives NULL.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(34);

CREATE SCHEMA "Odd ""Schema"" Name";
-- labels with a quote, a space, unicode, exactly 63 bytes (31 two-byte
-- characters and one more byte), and declared out of OID order on purpose
CREATE TYPE "Odd ""Schema"" Name"."select" AS ENUM
    ('it''s', 'a b', 'Ünïcødé', 'zzz', 'éééééééééééééééééééééééééééééééx');
ALTER TYPE "Odd ""Schema"" Name"."select" ADD VALUE 'first' BEFORE 'it''s';
CREATE TYPE "MixedCase" AS ENUM ('B', 'a');
CREATE TYPE empty_enum AS ENUM ();
CREATE DOMAIN sel_dom AS "Odd ""Schema"" Name"."select";

SELECT is(octet_length('éééééééééééééééééééééééééééééééx'), 63, 'the long label is exactly 63 bytes');

-- enum_values
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'),
          ARRAY['first', 'it''s', 'a b', 'Ünïcødé', 'zzz', 'éééééééééééééééééééééééééééééééx'],
          'enum_values: every label, in sort order (a value added BEFORE comes first)');
SELECT is(orm_ext.enum_values('"MixedCase"'), ARRAY['B', 'a'], 'enum_values: declaration order, not alphabetical');
SELECT is(orm_ext.enum_values('empty_enum'), ARRAY[]::text[], 'enum_values of an enum without labels: {}');
SELECT is(orm_ext.enum_values('sel_dom'), orm_ext.enum_values('"Odd ""Schema"" Name"."select"'),
          'enum_values of a domain over an enum: the enum''s labels');
SELECT is(orm_ext.enum_values(NULL), NULL, 'enum_values(NULL): NULL');
SELECT throws_ok($$SELECT orm_ext.enum_values('int4')$$, '42809', 'type integer is not an enum',
                 'enum_values of a non-enum type: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_values('"Odd ""Schema"" Name"."select"[]')$$, '42809', NULL,
                 'enum_values of the array type of an enum: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_values('no_such')$$, '42704', NULL,
                 'a missing type: 42704 when the name is cast to regtype');
SELECT throws_ok($$SELECT orm_ext.enum_values(0)$$, '42704', NULL,
                 'enum_values of OID 0: 42704, not an internal error');
SELECT throws_ok($$SELECT orm_ext.enum_values(4294967295::oid::regtype)$$, '42704', NULL,
                 'enum_values of an OID that names no type: 42704');
SELECT is(provolatile::text, 's', 'enum_values is STABLE')
  FROM pg_proc WHERE oid = 'orm_ext.enum_values(regtype)'::regprocedure;

-- enum_has
SELECT ok(orm_ext.enum_has('"Odd ""Schema"" Name"."select"', 'it''s'), 'enum_has: a label with a quote');
SELECT ok(orm_ext.enum_has('"Odd ""Schema"" Name"."select"', 'a b'), 'enum_has: a label with a space');
SELECT ok(orm_ext.enum_has('"Odd ""Schema"" Name"."select"', 'Ünïcødé'), 'enum_has: a unicode label');
SELECT ok(orm_ext.enum_has('"Odd ""Schema"" Name"."select"', 'éééééééééééééééééééééééééééééééx'),
          'enum_has: a 63-byte label');
SELECT ok(NOT orm_ext.enum_has('"Odd ""Schema"" Name"."select"', 'éééééééééééééééééééééééééééééééxy'),
          'enum_has: a 64-byte label that starts with a 63-byte one is not there (no truncation)');
SELECT ok(NOT orm_ext.enum_has('"Odd ""Schema"" Name"."select"', repeat('x', 1000)), 'enum_has: a long string: false');
SELECT ok(NOT orm_ext.enum_has('"MixedCase"', 'b'), 'enum_has is case-sensitive');
SELECT ok(NOT orm_ext.enum_has('"Odd ""Schema"" Name"."select"', ''), 'enum_has: the empty string: false');
SELECT ok(orm_ext.enum_has('sel_dom', 'zzz'), 'enum_has through a domain');
SELECT is(orm_ext.enum_has(NULL, 'a'), NULL, 'enum_has(NULL, label): NULL');
SELECT is(orm_ext.enum_has('"MixedCase"', NULL), NULL, 'enum_has(t, NULL): NULL');
SELECT throws_ok($$SELECT orm_ext.enum_has('text', 'a')$$, '42809', NULL, 'enum_has of a non-enum type: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_has(0, 'a')$$, '42704', NULL, 'enum_has of OID 0: 42704');

-- enum_try_cast
SELECT is(orm_ext.enum_try_cast('a b', NULL::"Odd ""Schema"" Name"."select"), 'a b'::"Odd ""Schema"" Name"."select",
          'enum_try_cast: a known label gives the value');
SELECT is(pg_typeof(orm_ext.enum_try_cast('a b', NULL::"Odd ""Schema"" Name"."select"))::text,
          '"Odd ""Schema"" Name"."select"', 'enum_try_cast returns the type of the hint');
SELECT is(orm_ext.enum_try_cast('éééééééééééééééééééééééééééééééx', 'zzz'::"Odd ""Schema"" Name"."select")::text,
          'éééééééééééééééééééééééééééééééx', 'enum_try_cast: a 63-byte label; the hint''s value is ignored');
SELECT is(orm_ext.enum_try_cast('nope', NULL::"Odd ""Schema"" Name"."select"), NULL,
          'enum_try_cast: an unknown label gives NULL');
SELECT is(orm_ext.enum_try_cast(repeat('é', 40), NULL::"Odd ""Schema"" Name"."select"), NULL,
          'enum_try_cast: a label over 63 bytes gives NULL, not an error');
SELECT is(orm_ext.enum_try_cast('A', NULL::"MixedCase"), NULL, 'enum_try_cast is case-sensitive');
SELECT is(orm_ext.enum_try_cast(NULL, NULL::"MixedCase"), NULL, 'enum_try_cast(NULL, hint): NULL');
SELECT throws_ok($$SELECT orm_ext.enum_try_cast('a', NULL::int4)$$, '42883', NULL,
                 'enum_try_cast with a non-enum hint: no such function (42883)');
SELECT ok(orm_ext.enum_try_cast('a', NULL::"MixedCase") > orm_ext.enum_try_cast('B', NULL::"MixedCase"),
          'enum_try_cast values compare in sort order');

SELECT * FROM finish();
ROLLBACK;
