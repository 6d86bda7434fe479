-- ============================================================================
-- orm_ext walkthrough: UUID utilities
-- ============================================================================
-- Time-ordered ids for tables keyed by UUID(as_uuid=True), with the layout of
-- PostgreSQL 18's uuidv7(), on PostgreSQL 13 to 17.
SET DateStyle = ISO;
SET TIME ZONE 'UTC';

-- A version 7 UUID: 48 bits of Unix milliseconds, then a sub-millisecond
-- fraction, then random bits.  Each backend's values strictly increase.
SELECT orm_ext.uuidv7() AS id, orm_ext.uuidv7() AS next_id;

-- As a primary key default.  Ids sort in creation order, so inserts append to
-- the right edge of the index and the creation time can be read back.
CREATE TABLE demo_users (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    email text NOT NULL UNIQUE
);
INSERT INTO demo_users (email)
VALUES ('ada@example.com'), ('grace@example.com'), ('edsger@example.com');
SELECT id,
       email,
       orm_ext.uuid_extract_timestamp(id) AS created_at,
       orm_ext.uuid_extract_version(id) AS version
FROM demo_users
ORDER BY id;

-- Backfill: an id for a known instant (random tail), and the bounds of a
-- millisecond, which make a time window an index range scan.
SELECT orm_ext.uuidv7_at('2024-05-01 12:34:56.789+00') AS backfilled,
       orm_ext.uuidv7_lower('2024-05-01 12:34:56.789+00') AS lower_bound,
       orm_ext.uuidv7_upper('2024-05-01 12:34:56.789+00') AS upper_bound;

CREATE TABLE demo_events (id uuid PRIMARY KEY, payload text);
INSERT INTO demo_events
SELECT orm_ext.uuidv7_at(timestamptz '2024-05-01 00:00:00+00' + n * interval '1 second'),
       'event ' || n
FROM generate_series(0, 86399) n;
ANALYZE demo_events;

EXPLAIN (COSTS OFF)
SELECT count(*) FROM demo_events
WHERE id >= orm_ext.uuidv7_lower('2024-05-01 09:00+00')
  AND id <  orm_ext.uuidv7_lower('2024-05-01 10:00+00');

SELECT count(*) AS events_between_9_and_10
FROM demo_events
WHERE id >= orm_ext.uuidv7_lower('2024-05-01 09:00+00')
  AND id <  orm_ext.uuidv7_lower('2024-05-01 10:00+00');

-- ULID text: 26 Crockford base32 characters, in the same order as the uuids.
SELECT id, orm_ext.uuid_to_base32(id) AS ulid
FROM demo_users
ORDER BY id;

SELECT orm_ext.uuid_from_base32('01fwhe4ydgfk1shh6w1g60eecf') AS decoded_lower_case;

-- Bad input is refused with SQLSTATE 22P02 and says what is wrong.
\set ON_ERROR_STOP 0
SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EECU');
\set ON_ERROR_STOP 1

DROP TABLE demo_users, demo_events;
