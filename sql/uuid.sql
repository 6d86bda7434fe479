--
-- UUID utilities: the output of the examples in docs/uuid.md.
-- Only deterministic values are printed; generated ids are checked by shape.
--
SET DateStyle = ISO;
SET TIME ZONE 'UTC';

-- uuidv7(): version 7, variant 10, increasing
SELECT orm_ext.uuid_extract_version(orm_ext.uuidv7()) AS version;
SELECT orm_ext.uuidv7()::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' AS v7_shape;
SELECT bool_and(id > prev) AS increasing
FROM (SELECT id, lag(id) OVER (ORDER BY n) AS prev
      FROM (SELECT n, orm_ext.uuidv7() AS id FROM generate_series(1, 10000) n) g) s;

-- as a primary key default, in the style of SQLAlchemy's UUID(as_uuid=True)
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    email text NOT NULL UNIQUE,
    created_at timestamptz GENERATED ALWAYS AS (orm_ext.uuid_extract_timestamp(id)) STORED
);
INSERT INTO users (email) VALUES ('ada@example.com'), ('grace@example.com');
SELECT email, created_at <= clock_timestamp() AS created_in_the_past
FROM users ORDER BY id;

-- shifting the clock
SELECT orm_ext.uuid_extract_timestamp(orm_ext.uuidv7(interval '-1 hour')) < now() - interval '59 minutes'
       AS an_hour_ago;
SELECT orm_ext.uuidv7(NULL::interval) IS NULL AS null_shift;

-- backfills and time windows
SELECT orm_ext.uuid_extract_timestamp(orm_ext.uuidv7_at('2024-05-01 12:34:56.789123+00'));
SELECT orm_ext.uuidv7_lower('2024-05-01 12:34:56.789+00'),
       orm_ext.uuidv7_upper('2024-05-01 12:34:56.789+00');
SELECT orm_ext.uuidv7_at('2024-05-01 12:34:56.789+00')
       BETWEEN orm_ext.uuidv7_lower('2024-05-01 12:34:56.789+00')
           AND orm_ext.uuidv7_upper('2024-05-01 12:34:56.789+00') AS bracketed;

CREATE TABLE events (id uuid PRIMARY KEY, payload text);
INSERT INTO events
SELECT orm_ext.uuidv7_at(timestamptz '2024-05-01 00:00:00+00' + n * interval '1 minute'), 'event ' || n
FROM generate_series(0, 1439) n;
ANALYZE events;
SELECT count(*) AS morning_events
FROM events
WHERE id >= orm_ext.uuidv7_lower('2024-05-01 06:00+00')
  AND id <  orm_ext.uuidv7_lower('2024-05-01 12:00+00');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF)
SELECT payload FROM events
WHERE id >= orm_ext.uuidv7_lower('2024-05-01 06:00+00')
  AND id <  orm_ext.uuidv7_lower('2024-05-01 12:00+00');
RESET enable_seqscan;
RESET enable_bitmapscan;

-- extracting
SELECT orm_ext.uuid_extract_timestamp('017f22e2-79b0-7cc3-98c4-dc0c0c07398f') AS v7_time,
       orm_ext.uuid_extract_version('017f22e2-79b0-7cc3-98c4-dc0c0c07398f') AS v7;
SELECT orm_ext.uuid_extract_timestamp('c232ab00-9414-11ec-b3c8-9f6bdeced846') AS v1_time,
       orm_ext.uuid_extract_version('c232ab00-9414-11ec-b3c8-9f6bdeced846') AS v1;
SELECT orm_ext.uuid_extract_timestamp('5b2d7f3c-9c1e-4b7a-8f3e-2a1d4c5b6e7f') AS v4_time,
       orm_ext.uuid_extract_version('5b2d7f3c-9c1e-4b7a-8f3e-2a1d4c5b6e7f') AS v4;
SELECT orm_ext.uuid_extract_version('00000000-0000-0000-0000-000000000000') AS nil_version;

-- base32 (ULID text)
SELECT orm_ext.uuid_to_base32('017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EECF');
SELECT orm_ext.uuid_from_base32('01fwhe4ydgfk1shh6w1g60eecf') AS lower_case,
       orm_ext.uuid_from_base32('O1FWHE4YDGFKISHH6WLG6OEECF') AS aliases;

-- errors
\set VERBOSITY default
SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EEC');
SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EECU');
SELECT orm_ext.uuid_from_base32('81FWHE4YDGFK1SHH6W1G60EECF');
SELECT orm_ext.uuidv7_at('1969-12-31 23:59:59+00');
SELECT orm_ext.uuidv7_lower('infinity');
-- a shift that leaves the range names the shifted time, which changes with
-- the clock; show the SQLSTATE, and that the message says why
DO $$
BEGIN
    PERFORM orm_ext.uuidv7(interval '-100 years');
EXCEPTION WHEN datetime_field_overflow THEN
    RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM ~ 'is out of range for a version 7 uuid';
END
$$;

DROP TABLE users, events;
