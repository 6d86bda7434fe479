-------------------------------------------------------------------------------
-- UUID utilities (src/uuid.c): RFC 9562 version 7 UUIDs with PostgreSQL 18's
-- layout, their time bounds and extractors, and Crockford base32 text.
--
-- Privileges: none of these functions reads or writes data, so EXECUTE stays
-- granted to PUBLIC (PostgreSQL's default for new functions).
--
-- uuidv7() and uuidv7(interval) are PARALLEL RESTRICTED: their ordering
-- rests on the backend's last reading of the clock, which a parallel worker
-- does not share, so a worker's values could sort below values the session
-- already has.  They run in the leader; the rest of a plan stays parallel.
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.uuidv7()
RETURNS pg_catalog.uuid
AS 'MODULE_PATHNAME', 'orm_ext_uuidv7'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION orm_ext.uuidv7() IS
    'a version 7 UUID for the current time, strictly increasing within the backend';

CREATE FUNCTION orm_ext.uuidv7(shift pg_catalog.interval)
RETURNS pg_catalog.uuid
AS 'MODULE_PATHNAME', 'orm_ext_uuidv7_shift'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION orm_ext.uuidv7(pg_catalog.interval) IS
    'a version 7 UUID for the current time shifted by an interval';

CREATE FUNCTION orm_ext.uuidv7_at(ts pg_catalog.timestamptz)
RETURNS pg_catalog.uuid
AS 'MODULE_PATHNAME', 'orm_ext_uuidv7_at'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuidv7_at(pg_catalog.timestamptz) IS
    'a version 7 UUID for the given instant with a random tail, for backfills';

CREATE FUNCTION orm_ext.uuidv7_lower(ts pg_catalog.timestamptz)
RETURNS pg_catalog.uuid
AS 'MODULE_PATHNAME', 'orm_ext_uuidv7_lower'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuidv7_lower(pg_catalog.timestamptz) IS
    'the smallest version 7 UUID of the millisecond holding ts';

CREATE FUNCTION orm_ext.uuidv7_upper(ts pg_catalog.timestamptz)
RETURNS pg_catalog.uuid
AS 'MODULE_PATHNAME', 'orm_ext_uuidv7_upper'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuidv7_upper(pg_catalog.timestamptz) IS
    'the largest version 7 UUID of the millisecond holding ts';

CREATE FUNCTION orm_ext.uuid_extract_timestamp(pg_catalog.uuid)
RETURNS pg_catalog.timestamptz
AS 'MODULE_PATHNAME', 'orm_ext_uuid_extract_timestamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuid_extract_timestamp(pg_catalog.uuid) IS
    'the time carried by a version 1 or 7 UUID; NULL for other versions and variants';

CREATE FUNCTION orm_ext.uuid_extract_version(pg_catalog.uuid)
RETURNS pg_catalog.int2
AS 'MODULE_PATHNAME', 'orm_ext_uuid_extract_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuid_extract_version(pg_catalog.uuid) IS
    'the version of an RFC 9562 UUID; NULL for other variants';

CREATE FUNCTION orm_ext.uuid_to_base32(pg_catalog.uuid)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_uuid_to_base32'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuid_to_base32(pg_catalog.uuid) IS
    'the 26-character Crockford base32 (ULID) text of a UUID';

CREATE FUNCTION orm_ext.uuid_from_base32(pg_catalog.text)
RETURNS pg_catalog.uuid
AS 'MODULE_PATHNAME', 'orm_ext_uuid_from_base32'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.uuid_from_base32(pg_catalog.text) IS
    'the UUID of a 26-character Crockford base32 (ULID) text; case-insensitive, I/L read as 1, O as 0';
