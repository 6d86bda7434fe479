-- uuidv7_at, uuidv7_lower/upper and uuid_extract_timestamp/version: round
-- trips, RFC 9562 examples, PostgreSQL 18 layout, bounds and range errors.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(41);

-- a fresh backend's uuidv7() carries the current time
SELECT ok(orm_ext.uuid_extract_timestamp(orm_ext.uuidv7())
              BETWEEN date_trunc('milliseconds', clock_timestamp()) - interval '1 second' AND clock_timestamp(),
          'uuidv7() carries the current time');

-- attributes
SELECT volatility_is('orm_ext', 'uuidv7_at', ARRAY['timestamp with time zone'], 'volatile', 'uuidv7_at is VOLATILE');
SELECT volatility_is('orm_ext', 'uuidv7_lower', ARRAY['timestamp with time zone'], 'immutable', 'uuidv7_lower is IMMUTABLE');
SELECT volatility_is('orm_ext', 'uuidv7_upper', ARRAY['timestamp with time zone'], 'immutable', 'uuidv7_upper is IMMUTABLE');
SELECT volatility_is('orm_ext', 'uuid_extract_timestamp', ARRAY['uuid'], 'immutable', 'uuid_extract_timestamp is IMMUTABLE');
SELECT volatility_is('orm_ext', 'uuid_extract_version', ARRAY['uuid'], 'immutable', 'uuid_extract_version is IMMUTABLE');
SELECT is_strict('orm_ext', 'uuid_extract_timestamp', ARRAY['uuid'], 'uuid_extract_timestamp is STRICT');
SELECT is_strict('orm_ext', 'uuid_extract_version', ARRAY['uuid'], 'uuid_extract_version is STRICT');
SELECT is((SELECT array_agg(DISTINCT proparallel) FROM pg_proc
           WHERE pronamespace = 'orm_ext'::regnamespace AND proname LIKE 'uuid%' AND proname <> 'uuidv7'), ARRAY['s']::"char"[],
          'every uuid function but uuidv7 is PARALLEL SAFE');
SELECT function_returns('orm_ext', 'uuid_extract_version', ARRAY['uuid'], 'smallint',
                        'uuid_extract_version returns smallint');

-- RFC 9562 examples (appendix A): the same instant as version 1 and 7
SELECT is(orm_ext.uuid_extract_timestamp('017F22E2-79B0-7CC3-98C4-DC0C0C07398F'),
          '2022-02-22 19:22:22+00'::timestamptz, 'RFC 9562 version 7 example decodes to its instant');
SELECT is(orm_ext.uuid_extract_version('017F22E2-79B0-7CC3-98C4-DC0C0C07398F'), 7::smallint,
          'RFC 9562 version 7 example has version 7');
SELECT is(orm_ext.uuid_extract_timestamp('C232AB00-9414-11EC-B3C8-9F6BDECED846'),
          '2022-02-22 19:22:22+00'::timestamptz, 'RFC 9562 version 1 example decodes to its instant');
SELECT is(orm_ext.uuid_extract_version('C232AB00-9414-11EC-B3C8-9F6BDECED846'), 1::smallint,
          'RFC 9562 version 1 example has version 1');

-- versions without a timestamp, and other variants
SELECT is(orm_ext.uuid_extract_timestamp(gen_random_uuid()), NULL, 'a version 4 uuid has no timestamp');
SELECT is(orm_ext.uuid_extract_version(gen_random_uuid()), 4::smallint, 'gen_random_uuid() is version 4');
SELECT is(orm_ext.uuid_extract_version('00000000-0000-0000-0000-000000000000'), NULL,
          'the nil uuid (variant 0) has no version');
SELECT is(orm_ext.uuid_extract_timestamp('017f22e2-79b0-7cc3-c8c4-dc0c0c07398f'), NULL,
          'a version 7 layout with the Microsoft variant (110) has no timestamp');
SELECT is(orm_ext.uuid_extract_version('ffffffff-ffff-ffff-ffff-ffffffffffff'), NULL,
          'the max uuid (variant 111) has no version');
SELECT is(orm_ext.uuid_extract_version(NULL), NULL, 'uuid_extract_version(NULL) is NULL');
SELECT is(orm_ext.uuid_extract_timestamp(NULL), NULL, 'uuid_extract_timestamp(NULL) is NULL');

-- PostgreSQL 18 layout: 48-bit ms, version, 12-bit fraction of the ms
SELECT is(left(orm_ext.uuidv7_at('2024-01-01 00:00:00.5005+00')::text, 18), '018cc251-f5f4-7800',
          'the fraction of a millisecond fills rand_a in 1/4096 ms (500 us -> 0x800)');
SELECT is(left(orm_ext.uuidv7_at('1970-01-01 00:00:00.000999+00')::text, 18), '00000000-0000-7ffb',
          '999 us -> 0xffb, as PostgreSQL 18 computes it');

-- millisecond round trips over the whole range, edges included
CREATE TEMP TABLE instants AS
    SELECT ts FROM (
        SELECT timestamptz '1970-01-01 00:00:00+00' + random() * interval '300 years' AS ts
        FROM generate_series(1, 10000)
        UNION ALL VALUES ('1970-01-01 00:00:00+00'::timestamptz), ('1970-01-01 00:00:00.000999+00'),
                         ('10889-08-02 05:31:50.655999+00'), ('2038-01-19 03:14:08+00')) v;
SELECT is((SELECT count(*) FROM instants
           WHERE orm_ext.uuid_extract_timestamp(orm_ext.uuidv7_at(ts)) <> date_trunc('milliseconds', ts)),
          0::bigint, 'uuid_extract_timestamp(uuidv7_at(ts)) = ts at millisecond precision, 10,004 instants');
SELECT is((SELECT count(*) FROM instants
           WHERE orm_ext.uuidv7_at(ts) < orm_ext.uuidv7_lower(ts) OR orm_ext.uuidv7_at(ts) > orm_ext.uuidv7_upper(ts)),
          0::bigint, 'uuidv7_lower(ts) <= uuidv7_at(ts) <= uuidv7_upper(ts)');
SELECT is((SELECT count(*) FROM instants
           WHERE ts >= '1970-01-01 00:00:00.001+00'
             AND orm_ext.uuidv7_upper(ts - interval '1 millisecond') >= orm_ext.uuidv7_lower(ts)),
          0::bigint, 'consecutive milliseconds do not overlap');

-- exact bounds
SELECT is(orm_ext.uuidv7_lower('2022-02-22 19:22:22.0009+00'), '017f22e2-79b0-7000-8000-000000000000'::uuid,
          'uuidv7_lower is the millisecond with zero fraction and tail');
SELECT is(orm_ext.uuidv7_upper('2022-02-22 19:22:22+00'), '017f22e2-79b0-7fff-bfff-ffffffffffff'::uuid,
          'uuidv7_upper is the millisecond with all-ones fraction and tail');
SELECT is(orm_ext.uuidv7_lower('10889-08-02 05:31:50.655+00'), 'ffffffff-ffff-7000-8000-000000000000'::uuid,
          'the last millisecond a version 7 uuid holds');
SELECT is(orm_ext.uuidv7_lower(NULL), NULL, 'uuidv7_lower(NULL) is NULL');
SELECT is(orm_ext.uuidv7_upper(NULL), NULL, 'uuidv7_upper(NULL) is NULL');
SELECT is(orm_ext.uuidv7_at(NULL), NULL, 'uuidv7_at(NULL) is NULL');

-- range errors
SELECT throws_ok($$SELECT orm_ext.uuidv7_at('1969-12-31 23:59:59.999999+00')$$, '22008',
                 'timestamp 1969-12-31 23:59:59.999999+00 is out of range for a version 7 uuid',
                 'uuidv7_at before 1970 raises 22008 naming the timestamp');
SELECT throws_ok($$SELECT orm_ext.uuidv7_upper('10889-08-02 05:31:50.656+00')$$, '22008', NULL,
                 'uuidv7_upper past the 48-bit limit raises 22008');
SELECT throws_ok($$SELECT orm_ext.uuidv7_lower('infinity')$$, '22008',
                 'cannot make a version 7 uuid from an infinite timestamp',
                 'uuidv7_lower(infinity) raises 22008');
SELECT throws_ok($$SELECT orm_ext.uuidv7_at('-infinity')$$, '22008', NULL,
                 'uuidv7_at(-infinity) raises 22008');
SELECT throws_ok($$SELECT orm_ext.uuidv7_upper('infinity')$$, '22008', NULL,
                 'uuidv7_upper(infinity) raises 22008');
SELECT throws_ok($$SELECT orm_ext.uuidv7_lower('1969-12-31 23:59:59.999999+00')$$, '22008', NULL,
                 'uuidv7_lower before 1970 raises 22008');
SELECT throws_ok($$SELECT orm_ext.uuid_extract_timestamp('not a uuid')$$, '22P02', NULL,
                 'a malformed uuid literal raises 22P02');

-- immutable bounds become constants: a time window is an index range scan
CREATE TEMP TABLE events (id uuid PRIMARY KEY);
INSERT INTO events
    SELECT orm_ext.uuidv7_at(timestamptz '2025-01-01 00:00:00+00' + n * interval '1 second')
    FROM generate_series(0, 86399) n;
ANALYZE events;
SELECT is((SELECT count(*) FROM events
           WHERE id >= orm_ext.uuidv7_lower('2025-01-01 10:00:00+00')
             AND id <  orm_ext.uuidv7_lower('2025-01-01 11:00:00+00')),
          3600::bigint, 'a one-hour window selects exactly that hour''s ids');
\ir lib/plan_of.sql
SELECT matches(pg_temp.plan_of($$
                   SELECT count(*) FROM events
                   WHERE id >= orm_ext.uuidv7_lower('2025-01-01 10:00:00+00')
                     AND id <  orm_ext.uuidv7_lower('2025-01-01 11:00:00+00')$$),
               'Index Cond: \(\(id >= ''0194[0-9a-f-]+''::uuid\) AND \(id < ''0194[0-9a-f-]+''::uuid\)\)',
               'the window is an index range scan between folded uuid constants');

SELECT * FROM finish();
ROLLBACK;
