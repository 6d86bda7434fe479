-- The keyset cursor of _page, _list and _fetch_many (src/model/list.c,
-- model_list_build in src/model/model.sql, model_fetch_many_rows): every
-- walk through next_cursor, from the first page to the one whose
-- next_cursor is null, returns each row once, in the order ORDER BY gives
-- (NULLs last ascending, first descending), for order columns whose values
-- JSON cannot hold exactly: jsonb holding JSON null beside SQL NULL,
-- composite values with NULL fields, hstore.  A forged or garbled cursor,
-- and one of the earlier {"o", "v"} format, is 22023.  Hostile names
-- throughout.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(33);
SET LOCAL client_min_messages = warning;

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

SELECT * FROM finish();
ROLLBACK;
