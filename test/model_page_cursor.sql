-- The keyset cursor of _page, _list and _fetch_many (src/model/list.c,
-- model_list_build in src/model/model.sql, model_fetch_many_rows): every
-- walk through next_cursor, from the first page to the one whose
-- next_cursor is null, returns each row once, in the order ORDER BY gives
-- (NULLs last ascending, first descending), for order columns whose values
-- JSON cannot hold exactly: jsonb holding JSON null beside SQL NULL,
-- composite and hstore values, floats under extra_float_digits 0, arrays
-- with other lower bounds, and values whose text depends on DateStyle,
-- TimeZone, IntervalStyle, bytea_output, lc_monetary, array_nulls and
-- search_path, those settings changing between the pages.  A forged or
-- garbled cursor, and one of the earlier {"o", "v"} format, is 22023.
-- Hostile names throughout.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(61);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql

-- base64url of a cursor document, as a forger would write it
CREATE FUNCTION pg_temp.cursor_of(doc text) RETURNS text LANGUAGE sql AS $$
    SELECT translate(encode(convert_to(doc, 'UTF8'), 'base64'), E'+/\n', '-_')
$$;
-- the document of a cursor
CREATE FUNCTION pg_temp.cursor_doc(cur text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT convert_from(decode(translate(cur, '-_', '+/'), 'base64'), 'UTF8')::jsonb
$$;
-- Every page of a walk: call is a query of one page with $1 the cursor
-- (NULL for the first page); the values of key k of all items, in page
-- order.  Before each call the next element of settings (an array of
-- {"setting": "value"} objects, taken in turn) is SET LOCAL, so that each
-- page is read under other settings than the page before it made its cursor
-- with; the function's SET clauses put them back when it returns.  At most
-- 100 pages: a walk that repeats a page stops there and fails its test, as
-- one that fails does, with "SQLSTATE: message" after the items so far.
CREATE FUNCTION pg_temp.walk(call text, k text, settings jsonb DEFAULT '[{}]')
RETURNS text[] LANGUAGE plpgsql
SET DateStyle FROM CURRENT SET TimeZone FROM CURRENT SET IntervalStyle FROM CURRENT
SET extra_float_digits FROM CURRENT SET bytea_output FROM CURRENT
SET lc_monetary FROM CURRENT SET array_nulls FROM CURRENT SET search_path FROM CURRENT
AS $$
DECLARE
    page jsonb;
    cur text;
    s record;
    pages int := 0;
    result text[] := '{}';
BEGIN
    LOOP
        FOR s IN SELECT * FROM jsonb_each_text(settings -> (pages % jsonb_array_length(settings))) LOOP
            PERFORM set_config(s.key, s.value, true);
        END LOOP;
        BEGIN
            EXECUTE call INTO page USING cur;
        EXCEPTION WHEN OTHERS THEN
            RETURN result || (SQLSTATE || ': ' || SQLERRM);
        END;
        pages := pages + 1;
        result := result || ARRAY(SELECT e ->> k FROM jsonb_array_elements(page -> 'items') WITH ORDINALITY AS x(e, n)
                                   ORDER BY n);
        cur := page ->> 'next_cursor';
        EXIT WHEN cur IS NULL OR pages >= 100;
    END LOOP;
    RETURN result;
END $$;
-- the values of "Id" of the rows of a query, in order, as text; or
-- "SQLSTATE: message" of its error
CREATE FUNCTION pg_temp.ids(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    result text[];
BEGIN
    EXECUTE format('SELECT COALESCE(array_agg(x."Id"::text ORDER BY x.n), ''{}'') FROM (SELECT q."Id", row_number() OVER () AS n FROM (%s) AS q) AS x', q)
       INTO result;
    RETURN result;
EXCEPTION WHEN OTHERS THEN
    RETURN ARRAY[SQLSTATE || ': ' || SQLERRM];
END $$;

CREATE SCHEMA "Cur ""sor"" Pages";

-------------------------------------------------------------------------------
-- jsonb: JSON null is a value, SQL NULL is none
-------------------------------------------------------------------------------
CREATE TABLE "Cur ""sor"" Pages"."Docs" (
    "Id" integer PRIMARY KEY,
    "Order" jsonb,
    "select" integer
);
INSERT INTO "Cur ""sor"" Pages"."Docs" VALUES
    (1, 'null', 1), (2, '1', NULL), (3, '"x"', 2), (4, NULL, 1), (5, 'null', NULL),
    (6, '{}', 3), (7, '[]', 1), (8, 'true', 2), (9, NULL, NULL), (10, '"null"', 1),
    (11, '[null]', 3), (12, '{"a": null}', 2), (13, 'null', 2), (14, '1.0', 1);
SELECT orm_ext.model_register('"Cur ""sor"" Pages"."Docs"', '{"name": "docs"}');

SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" ORDER BY "Order", "Id"$$),
          'jsonb ascending, pages of 1: JSON null rows, then the others, SQL NULL last, each once');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 2, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" ORDER BY "Order", "Id"$$),
          'jsonb ascending, pages of 2');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order desc'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" ORDER BY "Order" DESC, "Id"$$),
          'jsonb descending (SQL NULL first), pages of 1');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order desc'], 3, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" ORDER BY "Order" DESC, "Id"$$),
          'jsonb descending, pages of 3');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order desc', 'select'], 2, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" ORDER BY "Order" DESC, "select", "Id"$$),
          'jsonb descending, then a nullable integer ascending');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".docs_page('{"Order": {"neq": 1}}', ARRAY['select desc', 'Order'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" WHERE "Order" <> '1' ORDER BY "select" DESC, "Order", "Id"$$),
          'a nullable integer descending, then jsonb ascending, with a filter');
SELECT is(pg_temp.ids(format($$SELECT * FROM "Cur ""sor"" Pages".docs_list('{}', ARRAY['Order'], 3, %L)$$,
                             "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 2) ->> 'next_cursor')),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" ORDER BY "Order", "Id" OFFSET 2 LIMIT 3$$),
          '_list after the cursor of a page ending on a JSON null (the empty array sorts first): the other JSON nulls, then a string');
SELECT is(pg_temp.cursor_doc("Cur ""sor"" Pages".docs_page('{"Id": {"neq": 7}}', ARRAY['Order'], 1) ->> 'next_cursor'),
          '{"k": ["null", "1"], "o": [["Order", false], ["Id", false]]}',
          'the cursor holds each value as its type''s text: "null" for JSON null');
SELECT is(pg_temp.cursor_doc("Cur ""sor"" Pages".docs_page('{}', ARRAY['Order desc'], 1) ->> 'next_cursor'),
          '{"k": [null, "4"], "o": [["Order", true], ["Id", false]]}',
          'and null for SQL NULL');

-- _fetch_many: its cursor is _page's, and a jsonb key may be JSON null
CREATE TABLE "Cur ""sor"" Pages"."Keys" ("K" jsonb, "F" float8, "Id" integer NOT NULL,
                                         PRIMARY KEY ("K", "F"));
INSERT INTO "Cur ""sor"" Pages"."Keys" VALUES
    ('null', 0.1, 1), ('null', 0.30000000000000004, 2), ('null', 0.3, 3), ('0', 1e-300, 4),
    ('"a"', 1.0 / 3, 5), ('[]', 2.0 / 3, 6), ('{}', -0.0, 7), ('false', 'NaN', 8), ('null', '-Infinity', 9);
SELECT orm_ext.model_register('"Cur ""sor"" Pages"."Keys"', '{"name": "keys"}');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".keys_fetch_many('{}', '{}', 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Keys" ORDER BY "K", "F"$$),
          '_fetch_many by a jsonb and float8 key, JSON null in it, pages of 1: every row once');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".keys_page('{}', NULL, 2, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Keys" ORDER BY "K", "F"$$),
          '_page by the same key, pages of 2');
SELECT is("Cur ""sor"" Pages".keys_fetch_many('{}', '{}', 2) -> 'next_cursor',
          "Cur ""sor"" Pages".keys_page('{}', NULL, 2) -> 'next_cursor',
          '_fetch_many''s cursor is _page''s with the default order');

-------------------------------------------------------------------------------
-- composite and hstore columns
-------------------------------------------------------------------------------
CREATE TYPE "Cur ""sor"" Pages"."Pair it's" AS ("A" integer, "b c" text);
CREATE TABLE "Cur ""sor"" Pages"."Pairs" (
    "Id" integer PRIMARY KEY,
    "Pair" "Cur ""sor"" Pages"."Pair it's",
    "Kept" "Cur ""sor"" Pages"."Pair it's" NOT NULL
);
INSERT INTO "Cur ""sor"" Pages"."Pairs" VALUES
    (1, '(1,x)', '(1,x)'), (2, '(1,)', '(,)'), (3, '(,)', '(1,)'), (4, '(,x)', '(,x)'), (5, NULL, '(0,"")'),
    (6, '(2,"a b")', '(2,"a b")'), (7, '(1,x)', '(1,x)'), (8, '(0,"")', '(,)'), (9, '(,"")', '(2,"it''s")'),
    (10, NULL, '(,)'), (11, '(,)', '(0,"")'), (12, '(2,"it''s")', '(1,x)');
SELECT orm_ext.model_register('"Cur ""sor"" Pages"."Pairs"', '{"name": "pairs"}');

SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".pairs_page('{}', ARRAY['Pair'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Pairs" ORDER BY "Pair", "Id"$$),
          'a composite column ascending, pages of 1: values with NULL fields are values, SQL NULL last');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".pairs_page('{}', ARRAY['Pair'], 2, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Pairs" ORDER BY "Pair", "Id"$$),
          'ascending, pages of 2');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".pairs_page('{}', ARRAY['Pair desc'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Pairs" ORDER BY "Pair" DESC, "Id"$$),
          'descending (SQL NULL first), pages of 1');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".pairs_page('{}', ARRAY['Pair desc'], 3, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Pairs" ORDER BY "Pair" DESC, "Id"$$),
          'descending, pages of 3');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".pairs_page('{}', ARRAY['Kept desc', 'Pair'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Pairs" ORDER BY "Kept" DESC, "Pair", "Id"$$),
          'a NOT NULL composite descending, then a nullable one ascending');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".pairs_page('{}', ARRAY['Kept', 'Pair desc'], 2, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Pairs" ORDER BY "Kept", "Pair" DESC, "Id"$$),
          'a NOT NULL composite ascending, then a nullable one descending');

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'hstore') THEN
        CREATE EXTENSION hstore SCHEMA public;
        CREATE TABLE "Cur ""sor"" Pages"."Tags" ("Id" integer PRIMARY KEY, "H s" public.hstore);
        INSERT INTO "Cur ""sor"" Pages"."Tags" VALUES
            (1, 'a=>1'), (2, 'a=>NULL'), (3, ''), (4, NULL), (5, 'b=>2, a=>1'), (6, '"x y"=>"it''s"'),
            (7, 'a=>1'), (8, '"NULL"=>"NULL"'), (9, NULL), (10, '"=>"=>","');
        PERFORM orm_ext.model_register('"Cur ""sor"" Pages"."Tags"', '{"name": "tags"}');
    END IF;
END $$;
SELECT CASE WHEN to_regclass('"Cur ""sor"" Pages"."Tags"') IS NULL THEN skip('hstore is not available', 2) ELSE
       collect_tap(
           is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".tags_page('{}', ARRAY['H s'], 1, $1)$$, 'Id'),
              pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Tags" ORDER BY "H s", "Id"$$),
              'an hstore column ascending, pages of 1'),
           is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".tags_page('{}', ARRAY['H s desc'], 2, $1)$$, 'Id'),
              pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Tags" ORDER BY "H s" DESC, "Id"$$),
              'descending, pages of 2')) END;

-------------------------------------------------------------------------------
-- floats, arrays, and values whose text depends on the session's settings
-------------------------------------------------------------------------------
CREATE TABLE "Cur ""sor"" Pages"."Values" (
    "Id" integer PRIMARY KEY,
    "Mixed Case" float8,
    "f4" float4,
    "Arr" integer[],
    "T arr" text[],
    "at" timestamptz,
    "iv" interval,
    "b" bytea,
    "m" money,
    "Rel" regclass,
    "P" "Cur ""sor"" Pages"."Pair it's"[]
);
INSERT INTO "Cur ""sor"" Pages"."Values" VALUES
    (1, 0.1, 0.1, '[0:1]={1,2}', '[0:1]={a,NULL}', '2024-01-01 00:00:00.000001+00', '-1 day +2 hours', '\x00', 1.5,
     '"Cur ""sor"" Pages"."Docs"', '{"(1,x)"}'),
    (2, 0.3, '0.100000009', '{1,2}', '{a,NULL}', '2024-01-01 00:00:00.000002+00', '-1 day -2 hours', '\x0001', 2.25,
     '"Cur ""sor"" Pages"."Keys"', '[0:0]={"(1,x)"}'),
    (3, 0.30000000000000004, 0.3, '[2:3]={1,2}', '{a,"NULL"}', '1850-06-01 12:00:00+00', '1 year -1 mons', '\x5c', -1.5,
     '"Cur ""sor"" Pages"."Pairs"', '{"(,)"}'),
    (4, 1.0 / 3, 1.0 / 3, '[0:0]={5}', '[-1:0]={"a b","NULL"}', '0044-03-15 12:00:00+00 BC', '-00:00:00.000001', '\x27', 0,
     '"Cur ""sor"" Pages"."Values"', '{"(2,\"a b\")","(,x)"}'),
    (5, 2.0 / 3, 2.0 / 3, '{}', '{}', 'infinity', '1 day -00:00:01', '\x', 1e10,
     'pg_catalog.pg_class', '{}'),
    (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (7, 1e-300, 1e-30, '[-1:0]={1,2}', '{"it''s","a,b"}', '2024-01-01 05:30:00.000001+05:30', '-1 year -2 mons +3 days', '\x5c27', 1.5,
     '"Cur ""sor"" Pages"."Docs"', '[0:1]={"(1,x)",NULL}'),
    (8, -0.0, -0.0, '[0:1][1:2]={{1,2},{3,4}}', '{{a,b},{NULL,c}}', '-infinity', '0', '\xff', -92233720368547758.08,
     'pg_catalog.pg_type', '{NULL}'),
    (9, 0.0, 0.0, '{{1,2},{3,4}}', '[0:0]={NULL}', '2024-01-01 00:00:00.000001+00', '1 day -00:00:01', '\x00', 92233720368547758.07,
     NULL, '{"(1,)"}'),
    (10, 'Infinity', 'Infinity', '{1,NULL}', '{NULL}', '1850-06-01 12:00:00+00', '-1 day +2 hours', '\x0001', 2.25,
     '"Cur ""sor"" Pages"."Keys"', '{"(1,x)"}'),
    (11, '-Infinity', '-Infinity', '[0:1]={1,NULL}', '{"NULL"}', '2024-06-01 00:00:00.123456+02', '00:00:00.000001', '\x5c', 0.01,
     '"Cur ""sor"" Pages"."Pairs"', '[0:0]={"(1,x)"}'),
    (12, 'NaN', 'NaN', '{1,2}', '{a,NULL}', '2024-01-01 00:00:00.000002+00', '1 year -1 mons', '\x27', 1.5,
     'pg_catalog.pg_class', '{"(,)"}'),
    (13, 0.1, 0.1, '[0:1]={1,2}', '[0:1]={a,NULL}', '2024-01-01 00:00:00.000001+00', '-1 day -2 hours', '\x00', -1.5,
     '"Cur ""sor"" Pages"."Values"', '{"(2,\"a b\")","(,x)"}');
-- a domain (over float8, with a constraint the rows break added NOT VALID),
-- a range and a composite: the settings of their base type, subtype, fields
CREATE DOMAIN "Cur ""sor"" Pages"."Positive it's" AS float8 CHECK (VALUE > 0);
CREATE TYPE "Cur ""sor"" Pages"."Reading" AS ("at" timestamptz, "v" float8, "iv" interval);
ALTER TABLE "Cur ""sor"" Pages"."Values" ADD COLUMN "Dom" "Cur ""sor"" Pages"."Positive it's",
    ADD COLUMN "Rng" tstzrange, ADD COLUMN "Reading" "Cur ""sor"" Pages"."Reading";
UPDATE "Cur ""sor"" Pages"."Values"
   SET "Dom" = (ARRAY[0.1, 0.30000000000000004, 0.3, 1.0 / 3, 150, 1e-300, NULL, 0.1, 2.0 / 3, 150.5, 0.3, NULL, 1e300])["Id"],
       "Rng" = CASE WHEN "Id" % 5 = 0 THEN NULL ELSE tstzrange(LEAST("at", "at" + "iv"), GREATEST("at", "at" + "iv"), CASE WHEN "Id" % 2 = 0 THEN '[)' ELSE '(]' END) END,
       "Reading" = CASE WHEN "Id" % 6 = 0 THEN NULL ELSE ROW("at", "Mixed Case", "iv")::"Cur ""sor"" Pages"."Reading" END;
ALTER DOMAIN "Cur ""sor"" Pages"."Positive it's" ADD CONSTRAINT "Small" CHECK (VALUE < 100) NOT VALID;
SELECT orm_ext.model_register('"Cur ""sor"" Pages"."Values"', '{"name": "vals"}');

SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Mixed Case'], 1, $1)$$, 'Id',
                       '[{"extra_float_digits": "0"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Mixed Case", "Id"$$),
          'float8 ascending under extra_float_digits 0, pages of 1: 0.3 and 0.30000000000000004 each once');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Mixed Case desc'], 2, $1)$$, 'Id',
                       '[{"extra_float_digits": "-15"}, {"extra_float_digits": "0"}, {"extra_float_digits": "3"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Mixed Case" DESC, "Id"$$),
          'float8 descending, pages of 2, extra_float_digits changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['f4'], 1, $1)$$, 'Id',
                       '[{"extra_float_digits": "0"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "f4", "Id"$$),
          'float4 ascending under extra_float_digits 0: 0.1 and 0.100000009 each once');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Arr'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Arr", "Id"$$),
          'an integer array ascending, pages of 1: arrays that differ only in their bounds each once');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Arr desc'], 2, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Arr" DESC, "Id"$$),
          'descending, pages of 2');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['T arr', 'Arr desc'], 1, $1)$$, 'Id',
                       '[{"array_nulls": "off"}, {"array_nulls": "on"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "T arr", "Arr" DESC, "Id"$$),
          'a text array with NULL and "NULL" elements and other bounds, array_nulls changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['P desc'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "P" DESC, "Id"$$),
          'an array of a composite type with NULL fields and elements, descending');

-- the session's settings differ from page to page
CREATE TEMP TABLE styles AS SELECT '[
    {"DateStyle": "SQL, DMY", "TimeZone": "Asia/Kolkata", "IntervalStyle": "sql_standard", "bytea_output": "escape",
     "extra_float_digits": "0", "lc_monetary": "C.UTF-8", "search_path": "\"Cur \"\"sor\"\" Pages\", public"},
    {"DateStyle": "German", "TimeZone": "America/St_Johns", "IntervalStyle": "iso_8601", "bytea_output": "hex",
     "extra_float_digits": "-15", "lc_monetary": "C", "search_path": "public"},
    {"DateStyle": "Postgres, MDY", "TimeZone": "Europe/Amsterdam", "IntervalStyle": "postgres_verbose",
     "bytea_output": "escape", "extra_float_digits": "3", "lc_monetary": "POSIX", "search_path": "pg_catalog"},
    {"DateStyle": "ISO, YMD", "TimeZone": "UTC", "IntervalStyle": "postgres", "bytea_output": "hex",
     "extra_float_digits": "1", "lc_monetary": "C", "search_path": "public, \"Cur \"\"sor\"\" Pages\""}]'::jsonb AS s;
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['at'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "at", "Id"$$),
          'timestamptz with microseconds, a local mean time offset and BC, DateStyle and TimeZone changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['iv desc'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "iv" DESC, "Id"$$),
          'interval with mixed signs, IntervalStyle changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['iv'], 1, $1)$$, 'Id',
                       '[{"IntervalStyle": "sql_standard"}, {"IntervalStyle": "postgres"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "iv", "Id"$$),
          'interval, IntervalStyle sql_standard (a leading minus applies to every field) and postgres in turn');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['b'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "b", "Id"$$),
          'bytea, bytea_output changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['m desc'], 2, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "m" DESC, "Id"$$),
          'money, its extremes too, lc_monetary changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Rel'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Rel", "Id"$$),
          'regclass, search_path changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Dom'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Dom", "Id"$$),
          'a domain over float8, with rows its NOT VALID constraint rejects, extra_float_digits changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Rng desc'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Rng" DESC, "Id"$$),
          'a tstzrange, descending, DateStyle and TimeZone changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Reading'], 1, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Reading", "Id"$$),
          'a composite of timestamptz, float8 and interval, every setting changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".vals_page('{}', ARRAY['Mixed Case', 'iv', 'at desc'], 1, $1)$$, 'Id',
                       (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "Mixed Case", "iv", "at" DESC, "Id"$$),
          'float8, interval and timestamptz together, every setting changing between pages');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".keys_fetch_many('{}', '{}', 1, $1)$$, 'Id', '[{"extra_float_digits": "0"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Keys" ORDER BY "K", "F"$$),
          '_fetch_many by a jsonb and float8 key, pages of 1, extra_float_digits 0: 0.3 and 0.30000000000000004 each once');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".keys_fetch_many('{}', '{}', 2, $1)$$, 'Id', (SELECT s FROM styles)),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Keys" ORDER BY "K", "F"$$),
          '_fetch_many by a float8 key, every setting changing between pages');
SET LOCAL extra_float_digits = 0;
SET LOCAL IntervalStyle = sql_standard;
SELECT is(pg_temp.ids(format($$SELECT * FROM "Cur ""sor"" Pages".vals_list('{}', ARRAY['iv', 'Mixed Case'], 3, %L)$$,
                             "Cur ""sor"" Pages".vals_page('{}', ARRAY['iv', 'Mixed Case'], 2) ->> 'next_cursor')),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Values" ORDER BY "iv", "Mixed Case", "Id" OFFSET 2 LIMIT 3$$),
          '_list after a cursor made under extra_float_digits 0 and IntervalStyle sql_standard: the rows after the page');
RESET extra_float_digits;
RESET IntervalStyle;
-- a column's type changes under the statements kept for its shapes
CREATE TABLE "Cur ""sor"" Pages"."Retyped" ("Id" integer PRIMARY KEY, "n" integer);
INSERT INTO "Cur ""sor"" Pages"."Retyped" SELECT g, g % 3 FROM generate_series(1, 6) g;
SELECT orm_ext.model_register('"Cur ""sor"" Pages"."Retyped"', '{"name": "retyped"}');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".retyped_page('{}', ARRAY['n'], 1, $1)$$, 'Id'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Retyped" ORDER BY "n", "Id"$$),
          'an integer column: every row once');
ALTER TABLE "Cur ""sor"" Pages"."Retyped" ALTER COLUMN "n" TYPE float8;
UPDATE "Cur ""sor"" Pages"."Retyped" SET "n" = CASE WHEN "Id" % 2 = 0 THEN 0.3 ELSE 0.30000000000000004 END;
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".retyped_page('{}', ARRAY['n'], 1, $1)$$, 'Id', '[{"extra_float_digits": "0"}]'),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Retyped" ORDER BY "n", "Id"$$),
          'the same column made float8: exact under extra_float_digits 0');

SELECT is(pg_temp.cursor_doc("Cur ""sor"" Pages".vals_page('{"Id": {"in": [1, 13]}}', ARRAY['Arr', 'Mixed Case', 'iv'], 1)
                            ->> 'next_cursor') -> 'k',
          '["[0:1]={1,2}", "0.1", "-1 days -02:00:00", "13"]',
          'the cursor holds an array with its bounds, a float with all its digits, an interval in the postgres style');

-------------------------------------------------------------------------------
-- forged and garbled cursors: 22023
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1, 'garbage!!')$$,
                 '22023', NULL, 'a cursor that is no base64: 22023');
SELECT throws_ok($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1, '')$$,
                 '22023', NULL, 'an empty cursor: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "v": [null, 1]}')),
                 '22023', 'docs_list: invalid cursor',
                 'a cursor of the earlier format, {"o", "v"} with JSON values, is refused, not misread: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 7, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": ["null", 1]}')),
                 '22023', 'docs_list: invalid cursor', 'a value that is a JSON number, not a string: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 7, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": ["{bad", "1"]}')),
                 '22023', 'docs_list: invalid cursor', 'a string that is no value of the column''s type: 22023');
SELECT lives_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 7, %L)$$,
                       "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 7) ->> 'next_cursor'),
                'a cursor the server made, of the same shape: its statement is kept');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 7, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": ["null", 1]}')),
                 '22023', 'docs_list: invalid cursor', 'a JSON number on the kept statement: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 7, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": ["{bad", "1"]}')),
                 '22023', 'docs_list: invalid cursor', 'a string that is no value of the type on the kept statement: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": {"0": "1", "1": "1"}}')),
                 '22023', 'docs_list: invalid cursor', 'values that are no array: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1, %L)$$,
                        pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": ["1", "1", "1"]}')),
                 '22023', 'docs_list: invalid cursor', 'one value too many: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order desc'], 1, %L)$$,
                        "Cur ""sor"" Pages".docs_page('{}', ARRAY['Order'], 1) ->> 'next_cursor'),
                 '22023', 'docs_list: invalid cursor', 'a cursor of another direction: 22023');
SELECT throws_ok(format($$SELECT "Cur ""sor"" Pages".keys_fetch_many('{}', '{}', 1, %L)$$,
                        pg_temp.cursor_of('{"k": ["null", "0.1e"], "o": [["K", false], ["F", false]]}')),
                 '22023', 'keys_list: invalid cursor', '_fetch_many: a value that does not fit the column: 22023');
SELECT is(pg_temp.ids(format($$SELECT * FROM "Cur ""sor"" Pages".docs_list('{}', ARRAY['Order'], 50, %L)$$,
                             pg_temp.cursor_of('{"o": [["Order", false], ["Id", false]], "k": ["\"x''); DROP TABLE x; --\"", "1"]}'))),
          pg_temp.ids($$SELECT * FROM "Cur ""sor"" Pages"."Docs" WHERE "Order" > '"x''); DROP TABLE x; --"' OR "Order" IS NULL ORDER BY "Order", "Id"$$),
          'a hand-made cursor holding SQL is only a value');

-- model_page_cursor() called with a bad order key: an error with a code
SELECT throws_ok($$SELECT orm_ext.model_page_cursor('[1]', (SELECT d FROM "Cur ""sor"" Pages"."Docs" d LIMIT 1))$$, '22023', NULL,
                 'model_page_cursor with a malformed order key: 22023');
SELECT is(ARRAY(SELECT left(pg_temp.error_of(format($$SELECT orm_ext.model_page_cursor(%L, (SELECT d FROM "Cur ""sor"" Pages"."Docs" d LIMIT 1))$$, k)), 5)
                  FROM unnest(ARRAY['[{"a": 1}]', '[["Id"]]', '[["Id", "x"]]', '[["Id", true, 5]]']) AS k),
          ARRAY['22023', '22023', '22023', '22023'],
          'model_page_cursor: an object, a pair without a direction, a direction not boolean, three elements: 22023');
SELECT throws_ok($$SELECT orm_ext.model_page_cursor('[["nope", false]]', (SELECT d FROM "Cur ""sor"" Pages"."Docs" d LIMIT 1))$$, '42703', NULL,
                 'model_page_cursor with a column the row does not have: 42703');

-- a composite order column whose type gains an attribute under a kept
-- statement: the settings its text depends on are those of the type now
CREATE TYPE "Cur ""sor"" Pages"."Grow" AS (a int);
CREATE TABLE "Cur ""sor"" Pages".grows (id int PRIMARY KEY, g "Cur ""sor"" Pages"."Grow");
INSERT INTO "Cur ""sor"" Pages".grows SELECT n, ROW(n % 3)::"Cur ""sor"" Pages"."Grow" FROM generate_series(1, 9) n;
SELECT orm_ext.model_register('"Cur ""sor"" Pages".grows');
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".grows_page('{}', ARRAY['g'], 2, $1)$$, 'id'),
          '{3,6,9,1,4,7,2,5,8}', 'a walk by a composite column, before the type changes');
ALTER TYPE "Cur ""sor"" Pages"."Grow" ADD ATTRIBUTE tags text[];
UPDATE "Cur ""sor"" Pages".grows SET g.tags = CASE WHEN id % 2 = 0 THEN '{NULL}'::text[] ELSE '{x}' END;
SELECT is(pg_temp.walk($$SELECT "Cur ""sor"" Pages".grows_page('{}', ARRAY['g'], 2, $1)$$, 'id', '[{"array_nulls": "off"}]'),
          (SELECT array_agg(id::text ORDER BY g, id) FROM "Cur ""sor"" Pages".grows),
          'after ADD ATTRIBUTE of an array, under array_nulls off: every row once');

SELECT * FROM finish();
ROLLBACK;
