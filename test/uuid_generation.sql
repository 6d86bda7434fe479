-- uuidv7() and uuidv7(interval): layout, per-backend ordering, clock
-- step-back, bursts that outrun the clock, shifts and their errors.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(37);

-- signatures and attributes
SELECT has_function('orm_ext', 'uuidv7', ARRAY[]::name[], 'uuidv7() exists');
SELECT has_function('orm_ext', 'uuidv7', ARRAY['interval'], 'uuidv7(interval) exists');
SELECT volatility_is('orm_ext', 'uuidv7', ARRAY[]::name[], 'volatile', 'uuidv7() is VOLATILE');
SELECT volatility_is('orm_ext', 'uuidv7', ARRAY['interval'], 'volatile', 'uuidv7(interval) is VOLATILE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'orm_ext.uuidv7()'::regprocedure), 'r',
          'uuidv7() is PARALLEL RESTRICTED: it carries the session''s last clock reading');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'orm_ext.uuidv7(interval)'::regprocedure), 'r',
          'and so is uuidv7(interval)');
SELECT is_strict('orm_ext', 'uuidv7', ARRAY['interval'], 'uuidv7(interval) is STRICT');

-- version 7, variant 10, on many values
CREATE TEMP TABLE gen AS
    SELECT n, orm_ext.uuidv7() AS id FROM generate_series(1, 10000) n;
SELECT is((SELECT count(*) FROM gen WHERE get_byte(uuid_send(id), 6) >> 4 = 7), 10000::bigint,
          'every uuidv7() has version 7 in bits 48-51');
SELECT is((SELECT count(*) FROM gen WHERE get_byte(uuid_send(id), 8) >> 6 = 2), 10000::bigint,
          'every uuidv7() has variant 10 in bits 64-65');
SELECT is((SELECT count(*) FROM gen WHERE substr(id::text, 15, 1) = '7'), 10000::bigint,
          'the text form shows version 7 as the 13th hex digit');
SELECT is((SELECT count(DISTINCT id) FROM gen), 10000::bigint, '10,000 uuidv7() values are distinct');
SELECT ok((SELECT count(DISTINCT substr(id::text, 20)) FROM gen) = 10000,
          'the random tails of 10,000 values are distinct');

-- strict ordering of 1,000,000 consecutive calls in one statement
SELECT is((SELECT count(*) FROM (
              SELECT id, lag(id) OVER (ORDER BY n) AS prev
              FROM (SELECT n, orm_ext.uuidv7() AS id FROM generate_series(1, 1000000) n) g) s
           WHERE prev >= id),
          0::bigint,
          '1,000,000 consecutive uuidv7() calls are strictly increasing');
-- the time part alone (48-bit ms, version, 12-bit fraction) must increase,
-- so ordering never rests on the random tail
SELECT is((SELECT count(*) FROM (
              SELECT head, lag(head) OVER (ORDER BY n) AS prev
              FROM (SELECT n, substr(uuid_send(orm_ext.uuidv7()), 1, 8) AS head
                    FROM generate_series(1, 1000000) n) g) s
           WHERE prev >= head),
          0::bigint,
          'over 1,000,000 calls the first 64 bits (time and fraction) strictly increase');

-- and across statements of the same backend
SELECT orm_ext.uuidv7() AS first_id \gset
SELECT orm_ext.uuidv7() AS second_id \gset
SELECT ok(:'second_id'::uuid > :'first_id'::uuid, 'a later statement gets a larger uuidv7()');

-- uuidv7(shift), before any clock games below move this backend's clock ahead
SELECT ok(orm_ext.uuid_extract_timestamp(orm_ext.uuidv7(interval '-10 days'))
              BETWEEN clock_timestamp() - interval '10 days 1 minute' AND clock_timestamp() - interval '9 days 23 hours',
          'uuidv7(''-10 days'') carries a time ten days back');
SELECT is(orm_ext.uuid_extract_version(orm_ext.uuidv7(interval '1 year')), 7::smallint,
          'a shifted value is still version 7');
SELECT is(orm_ext.uuidv7(NULL::interval), NULL, 'uuidv7(NULL) is NULL');
SELECT throws_ok($$SELECT orm_ext.uuidv7(interval '-100 years')$$, '22008', NULL,
                 'a shift before 1970 raises 22008');
SELECT throws_ok($$SELECT orm_ext.uuidv7(interval '9000 years')$$, '22008', NULL,
                 'a shift beyond the 48-bit limit raises 22008');
SELECT throws_like($$SELECT orm_ext.uuidv7(interval '9000 years')$$,
                   '%is out of range for a version 7 uuid',
                   'and says it is out of range');
SELECT throws_ok($$SELECT orm_ext.uuidv7(interval '290000 years')$$, '22008', NULL,
                 'a shift beyond the timestamp range raises 22008');

-- the clock steps back an hour: values keep increasing and the carried time
-- does not go back with the clock
SELECT orm_ext.uuidv7() AS before_step \gset
SET LOCAL orm_ext.debug_clock_offset_ms = '-3600000';
SELECT orm_ext.uuidv7() AS after_step \gset
SELECT ok(:'after_step'::uuid > :'before_step'::uuid,
          'after the clock steps back one hour, uuidv7() still increases');
SELECT ok(orm_ext.uuid_extract_timestamp(:'after_step') >= orm_ext.uuid_extract_timestamp(:'before_step'),
          'after the step back, the carried time stays at or after the last one');

-- while the clock stays behind (a stalled clock, as seen by the generator),
-- a burst of 20,000 values is strictly increasing: at 245 ns per value the
-- fraction carries into the next millisecond instead of wrapping
CREATE TEMP TABLE burst AS
    SELECT n, orm_ext.uuidv7() AS id FROM generate_series(1, 20000) n;
SELECT is((SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY n) AS prev FROM burst) s
           WHERE prev >= id), 0::bigint,
          'a burst while the clock is behind is strictly increasing');
SELECT is((SELECT count(*) FROM (SELECT substr(uuid_send(id), 1, 8) AS head,
                                         lag(substr(uuid_send(id), 1, 8)) OVER (ORDER BY n) AS prev
                                  FROM burst) s
           WHERE prev >= head), 0::bigint,
          'in the burst the time and fraction bits alone strictly increase (the fraction never wraps)');
SELECT cmp_ok((SELECT count(DISTINCT orm_ext.uuid_extract_timestamp(id)) FROM burst),
              '>=', 5::bigint, '20,000 values spill over at least 5 milliseconds');
SELECT ok((SELECT id FROM burst ORDER BY id LIMIT 1) > :'after_step'::uuid, 'the burst continues above the earlier values');

-- the clock comes back: values continue from where they were
SET LOCAL orm_ext.debug_clock_offset_ms = 0;
SELECT ok(orm_ext.uuidv7() > (SELECT id FROM burst ORDER BY id DESC LIMIT 1), 'when the clock returns, values keep increasing');

-- the clock jumps forward: still increasing, and the time follows the clock
SELECT orm_ext.uuidv7() AS before_jump \gset
SET LOCAL orm_ext.debug_clock_offset_ms = '86400000';
SELECT ok(orm_ext.uuidv7() > :'before_jump'::uuid, 'after the clock jumps forward, values increase');
SELECT ok(orm_ext.uuid_extract_timestamp(orm_ext.uuidv7()) > clock_timestamp() + interval '23 hours',
          'after a forward jump the carried time follows the clock');
SELECT orm_ext.uuidv7() AS after_jump \gset
SET LOCAL orm_ext.debug_clock_offset_ms = 0;

-- the clock is back a day behind the carried time.  In a parallel plan the
-- workers would read the clock afresh (they do not share the session's last
-- reading); uuidv7() is PARALLEL RESTRICTED, so the session's own process
-- computes it above the Gather and every value stays above the earlier ones
\ir lib/plan_of.sql
CREATE TABLE public.uuid_parallel_rows AS SELECT g FROM generate_series(1, 200000) g;
ANALYZE public.uuid_parallel_rows;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT matches(pg_temp.plan_of($$SELECT count(*) FROM (SELECT orm_ext.uuidv7() AS id FROM public.uuid_parallel_rows WHERE g % 2 = 0) s$$),
               'Gather.*Parallel Seq Scan', 'the scan under uuidv7() still runs in parallel workers');
SELECT is((SELECT count(*) FILTER (WHERE id <= :'after_jump'::uuid)
             FROM (SELECT orm_ext.uuidv7() AS id FROM public.uuid_parallel_rows WHERE g % 2 = 0) s),
          0::bigint, 'a parallel query''s values all sort above the session''s earlier ones');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- a shift in hours keeps the calls' order (calendar shifts need not: docs/uuid.md)
CREATE TEMP TABLE hour_shift AS
    SELECT n, orm_ext.uuidv7(interval '-3 hours') AS id FROM generate_series(1, 5000) n;
SELECT is((SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY n) AS prev FROM hour_shift) s WHERE prev >= id),
          0::bigint, 'uuidv7(interval ''-3 hours''): 5,000 calls in a row strictly increase');

-- wrong types
SELECT throws_ok($$SELECT orm_ext.uuidv7(42)$$, '42883', NULL, 'uuidv7(integer) does not exist');
SELECT throws_ok($$SELECT orm_ext.uuidv7('soon'::text)$$, '42883', NULL, 'uuidv7(text) does not exist');

-- the developer clock option is for superusers only
CREATE ROLE orm_ext_uuid_plain NOLOGIN;
SET LOCAL ROLE orm_ext_uuid_plain;
SELECT throws_ok($$SET orm_ext.debug_clock_offset_ms = 1$$, '42501', NULL,
                 'a plain role cannot set orm_ext.debug_clock_offset_ms');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
