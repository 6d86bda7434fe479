/*-------------------------------------------------------------------------
 *
 * uuid.c
 *	  Time-ordered UUIDs (RFC 9562 version 7), their time bounds and
 *	  extractors, and the Crockford base32 text form used by ULIDs.
 *
 * A version 7 UUID made here has PostgreSQL 18's layout, bit for bit:
 *
 *	 bits   0-47	Unix time in milliseconds, big-endian
 *	 bits  48-51	version, 0111
 *	 bits  52-63	sub-millisecond fraction in 1/4096 ms (RFC 9562 method 3)
 *	 bits  64-65	variant, 10
 *	 bits  66-127	random, from pg_strong_random()
 *
 * Values are strictly increasing within one backend: the clock reading that
 * feeds them never repeats or goes back (see AscendingClockNs).  Tables keyed
 * by them may later switch to PostgreSQL 18's built-in uuidv7() without
 * touching data.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>
#ifdef _MSC_VER
#include <sys/time.h>
#endif

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "orm_ext.h"

PG_FUNCTION_INFO_V1(orm_ext_uuidv7);
PG_FUNCTION_INFO_V1(orm_ext_uuidv7_shift);
PG_FUNCTION_INFO_V1(orm_ext_uuidv7_at);
PG_FUNCTION_INFO_V1(orm_ext_uuidv7_lower);
PG_FUNCTION_INFO_V1(orm_ext_uuidv7_upper);
PG_FUNCTION_INFO_V1(orm_ext_uuid_extract_timestamp);
PG_FUNCTION_INFO_V1(orm_ext_uuid_extract_version);
PG_FUNCTION_INFO_V1(orm_ext_uuid_to_base32);
PG_FUNCTION_INFO_V1(orm_ext_uuid_from_base32);

#define NS_PER_S	INT64CONST(1000000000)
#define NS_PER_MS	INT64CONST(1000000)
#define NS_PER_US	INT64CONST(1000)
#define US_PER_MS	INT64CONST(1000)

/* microseconds from the Unix epoch (1970) to PostgreSQL's epoch (2000) */
#define UNIX_TO_PG_EPOCH_US \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

/* Julian day of 1582-10-15, where version 1 UUID time starts */
#ifndef GREGORIAN_EPOCH_JDATE
#define GREGORIAN_EPOCH_JDATE	2299161
#endif

/* microseconds from the Gregorian epoch (1582-10-15) to PostgreSQL's epoch */
#define GREGORIAN_TO_PG_EPOCH_US \
	((int64) (POSTGRES_EPOCH_JDATE - GREGORIAN_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC)

/* the last millisecond a 48-bit field holds */
#define UUIDV7_MAX_UNIX_MS	((INT64CONST(1) << 48) - 1)

/* the TimestampTz range a version 7 UUID can carry, inclusive */
#define UUIDV7_MIN_TIMESTAMP	(-UNIX_TO_PG_EPOCH_US)
#define UUIDV7_MAX_TIMESTAMP \
	((UUIDV7_MAX_UNIX_MS + 1) * US_PER_MS - 1 - UNIX_TO_PG_EPOCH_US)

#define UUIDV7_RANGE_DETAIL \
	"A version 7 uuid holds times from 1970-01-01 00:00:00 UTC " \
	"to 10889-08-02 05:31:50.655999 UTC."

/*
 * The sub-millisecond fraction always takes 12 bits.  Where the clock ticks
 * only in microseconds (macOS, Windows), just 10 of them carry time and the
 * lowest 2 are randomised, as PostgreSQL 18 does.
 */
#if defined(__darwin__) || defined(_MSC_VER)
#define SUBMS_CLOCK_BITS	10
#else
#define SUBMS_CLOCK_BITS	12
#endif
#define SUBMS_BITS			12

/* the smallest clock advance that always raises the clock-carried fraction */
#define SUBMS_MINIMAL_STEP_NS	((NS_PER_MS / (1 << SUBMS_CLOCK_BITS)) + 1)

/* a ULID-style base32 string: 26 characters carry 130 bits, 128 are used */
#define BASE32_UUID_LEN		26

static const char crockford_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * Random bytes are drawn from pg_strong_random() a block at a time, so that
 * one call serves many UUIDs.  Each byte is handed out once and wiped as it
 * goes.  The pool belongs to the process that filled it, so a process forked
 * after filling it (a backend of a postmaster that preloaded orm_ext) starts
 * with a fresh one.
 */
#define RANDOM_POOL_BYTES	512

static uint8 random_pool[RANDOM_POOL_BYTES];
static int	random_pool_next = RANDOM_POOL_BYTES;
static int	random_pool_owner = 0;

static void
TakeRandomBytes(uint8 *dst, int len)
{
	Assert(len > 0 && len <= RANDOM_POOL_BYTES);

	if (random_pool_owner != MyProcPid ||
		random_pool_next + len > RANDOM_POOL_BYTES)
	{
		if (!pg_strong_random(random_pool, RANDOM_POOL_BYTES))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random values")));
		random_pool_next = 0;
		random_pool_owner = MyProcPid;
	}

	memcpy(dst, random_pool + random_pool_next, len);
	memset(random_pool + random_pool_next, 0, len);
	random_pool_next += len;
}

/*
 * The wall clock in nanoseconds since the Unix epoch, shifted by the
 * orm_ext.debug_clock_offset_ms developer option.
 */
static int64
WallClockNs(void)
{
	int64		ns;

#ifdef _MSC_VER
	struct timeval tv;

	gettimeofday(&tv, NULL);
	ns = (int64) tv.tv_sec * NS_PER_S + (int64) tv.tv_usec * NS_PER_US;
#else
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (int64) ts.tv_sec * NS_PER_S + ts.tv_nsec;
#endif

	return ns + (int64) orm_ext_debug_clock_offset_ms * NS_PER_MS;
}

/*
 * The wall clock made strictly ascending within this process: each reading is
 * at least SUBMS_MINIMAL_STEP_NS past the one before.  When the clock stalls
 * or steps back, or more than 4096 values are drawn in one millisecond, the
 * reading runs ahead of the clock and stays ahead until the clock passes it.
 * That keeps every UUID of this backend above the previous one.
 */
static int64
AscendingClockNs(void)
{
	static int64 previous_ns = 0;
	int64		ns = WallClockNs();

	if (ns < previous_ns + SUBMS_MINIMAL_STEP_NS)
		ns = previous_ns + SUBMS_MINIMAL_STEP_NS;
	previous_ns = ns;

	return ns;
}

/* writes the 48-bit millisecond timestamp, big-endian, into bytes 0-5 */
static inline void
PutUnixMs(pg_uuid_t *uuid, uint64 unix_ms)
{
	for (int i = 5; i >= 0; i--)
	{
		uuid->data[i] = (uint8) unix_ms;
		unix_ms >>= 8;
	}
}

/*
 * Builds a version 7 UUID from Unix milliseconds and the nanoseconds within
 * that millisecond.  The caller has checked that unix_ms fits in 48 bits.
 */
static pg_uuid_t *
BuildUuidV7(uint64 unix_ms, uint32 sub_ms_ns)
{
	pg_uuid_t  *uuid = palloc(UUID_LEN);
	uint32		fraction;

	Assert(unix_ms <= (uint64) UUIDV7_MAX_UNIX_MS);
	Assert(sub_ms_ns < NS_PER_MS);

	fraction = (uint32) (((uint64) sub_ms_ns << SUBMS_BITS) / NS_PER_MS);

	PutUnixMs(uuid, unix_ms);
	uuid->data[6] = 0x70 | (uint8) ((fraction >> 8) & 0x0F);
	uuid->data[7] = (uint8) fraction;

	TakeRandomBytes(&uuid->data[8], UUID_LEN - 8);

#if SUBMS_CLOCK_BITS < SUBMS_BITS
	/* the fraction bits the clock cannot fill get random ones */
	uuid->data[7] ^= uuid->data[8] >> (8 - (SUBMS_BITS - SUBMS_CLOCK_BITS));
#endif

	uuid->data[8] = (uuid->data[8] & 0x3F) | 0x80;

	return uuid;
}

/*
 * Splits a TimestampTz into Unix milliseconds and the nanoseconds within the
 * millisecond, rejecting times a version 7 UUID cannot carry.
 */
static void
TimestampToUuidTime(TimestampTz ts, uint64 *unix_ms, uint32 *sub_ms_ns)
{
	int64		unix_us;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot make a version 7 uuid from an infinite timestamp"),
				 errdetail(UUIDV7_RANGE_DETAIL)));

	if (ts < UUIDV7_MIN_TIMESTAMP || ts > UUIDV7_MAX_TIMESTAMP)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp %s is out of range for a version 7 uuid",
						timestamptz_to_str(ts)),
				 errdetail(UUIDV7_RANGE_DETAIL)));

	unix_us = ts + UNIX_TO_PG_EPOCH_US;
	*unix_ms = (uint64) (unix_us / US_PER_MS);
	*sub_ms_ns = (uint32) ((unix_us % US_PER_MS) * NS_PER_US);
}

/*
 * orm_ext.uuidv7() returns uuid
 *
 * A version 7 UUID for the current time, above every earlier uuidv7() value
 * of this backend.  (Values of uuidv7(shift) with a positive shift, or of
 * uuidv7_at() for a future instant, may sort above it.)
 */
Datum
orm_ext_uuidv7(PG_FUNCTION_ARGS)
{
	int64		ns = AscendingClockNs();

	PG_RETURN_UUID_P(BuildUuidV7((uint64) (ns / NS_PER_MS),
								 (uint32) (ns % NS_PER_MS)));
}

/*
 * orm_ext.uuidv7(shift interval) returns uuid
 *
 * Like uuidv7(), with the time shifted by an interval.  The shift is applied
 * in microseconds with timestamptz arithmetic (so months and days follow the
 * session time zone); the clock's sub-microsecond part is kept.
 */
Datum
orm_ext_uuidv7_shift(PG_FUNCTION_ARGS)
{
	Interval   *shift = PG_GETARG_INTERVAL_P(0);
	int64		ns;
	TimestampTz ts;
	uint64		unix_ms;
	uint32		sub_ms_ns;

#if PG_VERSION_NUM >= 170000
	if (INTERVAL_NOT_FINITE(shift))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot shift a version 7 uuid by an infinite interval"),
				 errdetail(UUIDV7_RANGE_DETAIL)));
#endif

	ns = AscendingClockNs();
	ts = (TimestampTz) (ns / NS_PER_US) - UNIX_TO_PG_EPOCH_US;
	ts = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
												 TimestampTzGetDatum(ts),
												 PointerGetDatum(shift)));

	TimestampToUuidTime(ts, &unix_ms, &sub_ms_ns);
	sub_ms_ns += (uint32) (ns % NS_PER_US);

	PG_RETURN_UUID_P(BuildUuidV7(unix_ms, sub_ms_ns));
}

/*
 * orm_ext.uuidv7_at(ts timestamptz) returns uuid
 *
 * A version 7 UUID for the given instant with a random tail, for backfilling
 * rows whose creation time is known.  The fraction comes from the instant's
 * microseconds; there is no ordering among values made for one instant.
 */
Datum
orm_ext_uuidv7_at(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	uint64		unix_ms;
	uint32		sub_ms_ns;

	TimestampToUuidTime(ts, &unix_ms, &sub_ms_ns);

	PG_RETURN_UUID_P(BuildUuidV7(unix_ms, sub_ms_ns));
}

/*
 * The smallest (upper = false) or largest (upper = true) version 7 UUID of
 * the millisecond holding ts.  Only the version and variant bits are fixed;
 * every other bit after the timestamp is all zeros or all ones.
 */
static pg_uuid_t *
BuildUuidV7Bound(TimestampTz ts, bool upper)
{
	pg_uuid_t  *uuid = palloc(UUID_LEN);
	uint64		unix_ms;
	uint32		sub_ms_ns;

	TimestampToUuidTime(ts, &unix_ms, &sub_ms_ns);

	PutUnixMs(uuid, unix_ms);

	memset(&uuid->data[6], upper ? 0xFF : 0x00, UUID_LEN - 6);
	uuid->data[6] = (uuid->data[6] & 0x0F) | 0x70;
	uuid->data[8] = (uuid->data[8] & 0x3F) | 0x80;

	return uuid;
}

/*
 * orm_ext.uuidv7_lower(ts timestamptz) returns uuid
 * orm_ext.uuidv7_upper(ts timestamptz) returns uuid
 *
 * The bounds of ts's millisecond.  `id >= uuidv7_lower(a) AND id <
 * uuidv7_lower(b)` selects the ids made in [a, b) at millisecond precision,
 * and being immutable, the bounds are folded into an index range scan.
 */
Datum
orm_ext_uuidv7_lower(PG_FUNCTION_ARGS)
{
	PG_RETURN_UUID_P(BuildUuidV7Bound(PG_GETARG_TIMESTAMPTZ(0), false));
}

Datum
orm_ext_uuidv7_upper(PG_FUNCTION_ARGS)
{
	PG_RETURN_UUID_P(BuildUuidV7Bound(PG_GETARG_TIMESTAMPTZ(0), true));
}

/* true when the UUID has the RFC 9562 variant (bits 10) */
static inline bool
UuidIsRfcVariant(const pg_uuid_t *uuid)
{
	return (uuid->data[8] & 0xC0) == 0x80;
}

/*
 * orm_ext.uuid_extract_timestamp(uuid) returns timestamptz
 *
 * The time a version 1 or 7 UUID carries; NULL for other versions and for
 * UUIDs outside the RFC 9562 variant.  Version 7 gives millisecond precision,
 * version 1 microsecond precision (its 100 ns ticks are truncated).
 */
Datum
orm_ext_uuid_extract_timestamp(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = PG_GETARG_UUID_P(0);
	int			version;

	if (!UuidIsRfcVariant(uuid))
		PG_RETURN_NULL();

	version = uuid->data[6] >> 4;

	if (version == 7)
	{
		uint64		unix_ms = 0;

		for (int i = 0; i < 6; i++)
			unix_ms = (unix_ms << 8) | uuid->data[i];

		PG_RETURN_TIMESTAMPTZ((TimestampTz) (unix_ms * US_PER_MS) -
							  UNIX_TO_PG_EPOCH_US);
	}

	if (version == 1)
	{
		/* 60 bits of 100 ns ticks: time_low, time_mid, time_hi */
		uint64		ticks;

		ticks = ((uint64) (uuid->data[6] & 0x0F) << 56) |
			((uint64) uuid->data[7] << 48) |
			((uint64) uuid->data[4] << 40) |
			((uint64) uuid->data[5] << 32) |
			((uint64) uuid->data[0] << 24) |
			((uint64) uuid->data[1] << 16) |
			((uint64) uuid->data[2] << 8) |
			(uint64) uuid->data[3];

		PG_RETURN_TIMESTAMPTZ((TimestampTz) (ticks / 10) -
							  GREGORIAN_TO_PG_EPOCH_US);
	}

	PG_RETURN_NULL();
}

/*
 * orm_ext.uuid_extract_version(uuid) returns smallint
 *
 * The version field of an RFC 9562 UUID; NULL for any other variant.
 */
Datum
orm_ext_uuid_extract_version(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = PG_GETARG_UUID_P(0);

	if (!UuidIsRfcVariant(uuid))
		PG_RETURN_NULL();

	PG_RETURN_INT16((int16) (uuid->data[6] >> 4));
}

/*
 * orm_ext.uuid_to_base32(uuid) returns text
 *
 * The 26-character Crockford base32 form (upper case), the text form of a
 * ULID.  The 128 bits are read as one big-endian number, padded on the left
 * to 130 bits, so the first character is always 0 to 7.
 */
Datum
orm_ext_uuid_to_base32(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = PG_GETARG_UUID_P(0);
	char		out[BASE32_UUID_LEN];
	uint64		hi = 0;
	uint64		lo = 0;

	for (int i = 0; i < 8; i++)
	{
		hi = (hi << 8) | uuid->data[i];
		lo = (lo << 8) | uuid->data[i + 8];
	}

	for (int i = BASE32_UUID_LEN - 1; i >= 0; i--)
	{
		out[i] = crockford_alphabet[lo & 0x1F];
		lo = (lo >> 5) | (hi << 59);
		hi >>= 5;
	}

	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, BASE32_UUID_LEN));
}

/*
 * The value of one Crockford base32 character, or -1.  Letters may be either
 * case; I and L read as 1 and O as 0.  U is not in the alphabet.
 */
static int
CrockfordValue(unsigned char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';

	if (c == 'O')
		return 0;
	if (c == 'I' || c == 'L')
		return 1;

	p = memchr(crockford_alphabet, c, 32);
	return p ? (int) (p - crockford_alphabet) : -1;
}

/* the most input characters an error message repeats */
#define BASE32_ECHO_CHARS	64

/*
 * Reports why s (len bytes, in the database encoding) is not a base32 uuid:
 * its length in characters, or its first character outside the alphabet.
 * Long input is cut short in the message.
 */
static void
Base32InputError(const char *s, int len)
{
	int			nchars = pg_mbstrlen_with_len(s, len);
	int			echo_len = pg_mbcharcliplen(s, len, BASE32_ECHO_CHARS);
	const char *ellipsis = (echo_len < len) ? "..." : "";

	if (nchars != BASE32_UUID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid base32 uuid: \"%.*s%s\"", echo_len, s, ellipsis),
				 errdetail("A base32 uuid has %d characters, not %d.",
						   BASE32_UUID_LEN, nchars)));

	for (int pos = 1, off = 0; off < len; pos++)
	{
		int			clen = pg_mblen(s + off);

		if (clen != 1 || CrockfordValue((unsigned char) s[off]) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid base32 uuid: \"%.*s\"", len, s),
					 errdetail("Character \"%.*s\" at position %d is not in the Crockford base32 alphabet.",
							   clen, s + off, pos),
					 errhint("The alphabet is 0-9 and A-Z without U, in either case; I and L read as 1, O as 0.")));
		off += clen;
	}

	/* every character was valid: the caller was wrong to call */
	elog(ERROR, "uuid_from_base32: no error found in \"%.*s\"", len, s);
}

/*
 * orm_ext.uuid_from_base32(text) returns uuid
 *
 * The inverse of uuid_to_base32.  Rejects, with SQLSTATE 22P02, a length
 * other than 26 characters, a character outside the alphabet, and a first
 * character above 7 (more than 128 bits).
 */
Datum
orm_ext_uuid_from_base32(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(input);
	int			len = VARSIZE_ANY_EXHDR(input);
	uint64		hi = 0;
	uint64		lo = 0;
	pg_uuid_t  *uuid;

	/*
	 * Valid input is 26 single-byte characters.  Anything else gets the
	 * slower look that finds the right thing to say.
	 */
	if (len != BASE32_UUID_LEN)
		Base32InputError(s, len);

	for (int i = 0; i < BASE32_UUID_LEN; i++)
	{
		int			value = CrockfordValue((unsigned char) s[i]);

		if (value < 0)
			Base32InputError(s, len);

		hi = (hi << 5) | (lo >> 59);
		lo = (lo << 5) | (uint64) value;
	}

	if (CrockfordValue((unsigned char) s[0]) > 7)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid base32 uuid: \"%.*s\"", len, s),
				 errdetail("The first character \"%c\" is above \"7\", so the value needs more than 128 bits.",
						   s[0])));

	uuid = palloc(UUID_LEN);
	for (int i = 7; i >= 0; i--)
	{
		uuid->data[i] = (uint8) hi;
		uuid->data[i + 8] = (uint8) lo;
		hi >>= 8;
		lo >>= 8;
	}

	PG_RETURN_UUID_P(uuid);
}
