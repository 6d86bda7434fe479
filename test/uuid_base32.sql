-- uuid_to_base32 / uuid_from_base32: Crockford base32 (ULID text form).
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(36);

SELECT volatility_is('orm_ext', 'uuid_to_base32', ARRAY['uuid'], 'immutable', 'uuid_to_base32 is IMMUTABLE');
SELECT volatility_is('orm_ext', 'uuid_from_base32', ARRAY['text'], 'immutable', 'uuid_from_base32 is IMMUTABLE');
SELECT is_strict('orm_ext', 'uuid_to_base32', ARRAY['uuid'], 'uuid_to_base32 is STRICT');
SELECT is_strict('orm_ext', 'uuid_from_base32', ARRAY['text'], 'uuid_from_base32 is STRICT');

-- known values, computed independently as the 128-bit integer in base 32
SELECT is(orm_ext.uuid_to_base32('017F22E2-79B0-7CC3-98C4-DC0C0C07398F'), '01FWHE4YDGFK1SHH6W1G60EECF',
          'the RFC 9562 version 7 example');
SELECT is(orm_ext.uuid_to_base32('00000000-0000-0000-0000-000000000000'), '00000000000000000000000000',
          'all zeros');
SELECT is(orm_ext.uuid_to_base32('ffffffff-ffff-ffff-ffff-ffffffffffff'), '7ZZZZZZZZZZZZZZZZZZZZZZZZZ',
          'all ones');
SELECT is(orm_ext.uuid_to_base32('00000000-0000-0000-0000-000000000001'), '00000000000000000000000001',
          'one');
SELECT is(orm_ext.uuid_to_base32('80000000-0000-0000-0000-000000000000'), '40000000000000000000000000',
          'the top bit alone');
SELECT is(length(orm_ext.uuid_to_base32(gen_random_uuid())), 26, 'always 26 characters');

-- round trips
SELECT is((SELECT count(*) FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 10000)) r
           WHERE orm_ext.uuid_from_base32(orm_ext.uuid_to_base32(u)) <> u), 0::bigint,
          '10,000 random version 4 uuids round-trip');
SELECT is((SELECT count(*) FROM (SELECT orm_ext.uuidv7() AS u FROM generate_series(1, 10000)) r
           WHERE orm_ext.uuid_from_base32(orm_ext.uuid_to_base32(u)) <> u), 0::bigint,
          '10,000 version 7 uuids round-trip');
SELECT is(orm_ext.uuid_from_base32('00000000000000000000000000'), '00000000-0000-0000-0000-000000000000'::uuid,
          'all zeros decode');
SELECT is(orm_ext.uuid_from_base32('7ZZZZZZZZZZZZZZZZZZZZZZZZZ'), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid,
          'all ones decode');

-- the text order of ids is their uuid order (both big-endian)
SELECT is((SELECT count(*) FROM (
              SELECT u, lag(u) OVER (ORDER BY orm_ext.uuid_to_base32(u) COLLATE "C") AS prev
              FROM (SELECT gen_random_uuid() AS u FROM generate_series(1, 2000)) r) s
           WHERE prev > u), 0::bigint, 'sorting the base32 text sorts the uuids');

-- decoding is case-insensitive and takes the Crockford aliases
SELECT is(orm_ext.uuid_from_base32('01fwhe4ydgfk1shh6w1g60eecf'), '017F22E2-79B0-7CC3-98C4-DC0C0C07398F'::uuid,
          'lower case decodes');
SELECT is(orm_ext.uuid_from_base32('O1FWHE4YDGFKISHH6WLG6OEECF'), '017F22E2-79B0-7CC3-98C4-DC0C0C07398F'::uuid,
          'O reads as 0, I and L as 1');
SELECT is(orm_ext.uuid_from_base32('o1fwhe4ydgfkishh6wlg6oeecf'), '017F22E2-79B0-7CC3-98C4-DC0C0C07398F'::uuid,
          'lower-case aliases too');

-- every rejection path: 22P02 and a message that says what is wrong
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EEC')$$, '22P02',
                 'invalid base32 uuid: "01FWHE4YDGFK1SHH6W1G60EEC"', 'too short: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EECFF')$$, '22P02', NULL,
                 'too long: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('')$$, '22P02', NULL, 'empty: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EECU')$$, '22P02', NULL,
                 'U is not in the alphabet: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('01fwhe4ydgfk1shh6w1g60eecu')$$, '22P02', NULL,
                 'lower-case u is not in the alphabet either: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('01FWHE4YDG-K1SHH6W1G60EECF')$$, '22P02', NULL,
                 'a hyphen is rejected: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32(' 1FWHE4YDGFK1SHH6W1G60EECF')$$, '22P02', NULL,
                 'a space is rejected: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('81FWHE4YDGFK1SHH6W1G60EECF')$$, '22P02', NULL,
                 'a first character above 7 (over 128 bits): 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('ZZZZZZZZZZZZZZZZZZZZZZZZZZ')$$, '22P02', NULL,
                 'the largest 26-character value overflows: 22P02');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32('01FWHE4YDGFK1SHH6W1G60EEC€')$$, '22P02', NULL,
                 'a multibyte character is rejected: 22P02');

-- the details name the problem
CREATE FUNCTION pg_temp.detail_of(input text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    PERFORM orm_ext.uuid_from_base32(input);
    RETURN NULL;
EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d;
END
$$;
SELECT is(pg_temp.detail_of('01FWHE4YDGFK1SHH6W1G60EEC'), 'A base32 uuid has 26 characters, not 25.',
          'the length error gives the length found');
SELECT is(pg_temp.detail_of('01FWHE4YDGFK1SHH6W1G60EEC€'),
          'Character "€" at position 26 is not in the Crockford base32 alphabet.',
          'the alphabet error names the whole multibyte character and its position');
SELECT is(pg_temp.detail_of('01FWHE4YDGFK1SHH6W€G60EECF'),
          'Character "€" at position 19 is not in the Crockford base32 alphabet.',
          'a multibyte character inside a 26-character input is named at its character position');
SELECT is(pg_temp.detail_of('ÀÀÀÀÀÀÀÀÀÀÀÀÀ'), 'A base32 uuid has 26 characters, not 13.',
          '26 bytes of multibyte text is 13 characters: a length error');
SELECT throws_ok($$SELECT orm_ext.uuid_from_base32(repeat('0', 100000))$$, '22P02',
                 'invalid base32 uuid: "' || repeat('0', 64) || '..."',
                 'a long input is cut to 64 characters in the message');
SELECT is(pg_temp.detail_of('81FWHE4YDGFK1SHH6W1G60EECF'),
          'The first character "8" is above "7", so the value needs more than 128 bits.',
          'the overflow error names the first character');

-- NULLs and wrong types
SELECT ok(orm_ext.uuid_to_base32(NULL) IS NULL AND orm_ext.uuid_from_base32(NULL) IS NULL,
          'NULL in, NULL out');
SELECT throws_ok($$SELECT orm_ext.uuid_to_base32('01FWHE4YDGFK1SHH6W1G60EECF')$$, '22P02', NULL,
                 'uuid_to_base32 of a non-uuid literal: 22P02 from the uuid type');

SELECT * FROM finish();
ROLLBACK;
