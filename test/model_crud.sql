-- The generated functions at work: <m>_create, _get, _update, _upsert,
-- _delete, _list and _page, on a plain model (blog.posts), on a model with
-- every option and hostile identifiers ("My Api"."it's_*" over
-- "Shop ""S"""."Order Items"), keyset pagination, privileges and row level
-- security.  Roles made here start with tap_mcrud and go with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(263);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql
\ir lib/keys.sql
-- the values of key k of the items of a page (a jsonb), in order
CREATE FUNCTION pg_temp.item_keys(page jsonb, k text DEFAULT 'id') RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(e ->> k ORDER BY n), '{}') FROM jsonb_array_elements(page -> 'items') WITH ORDINALITY AS x(e, n)
$$;
-- walk every page of a _page function: all items in order, and the number of pages
CREATE FUNCTION pg_temp.walk(fn text, filter jsonb, order_by text[], page_size int, OUT items jsonb, OUT pages int)
LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cur text;
BEGIN
    items := '[]';
    pages := 0;
    LOOP
        EXECUTE format('SELECT %s($1, $2, $3, $4)', fn) INTO page USING filter, order_by, page_size, cur;
        pages := pages + 1;
        items := items || (page -> 'items');
        cur := page ->> 'next_cursor';
        EXIT WHEN cur IS NULL OR pages > 200;
    END LOOP;
END $$;
-- the ids of a walk, in order
CREATE FUNCTION pg_temp.walk_ids(fn text, filter jsonb, order_by text[], page_size int, k text DEFAULT 'id')
RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(e ->> k ORDER BY n), '{}')
      FROM jsonb_array_elements((pg_temp.walk(fn, filter, order_by, page_size)).items) WITH ORDINALITY AS x(e, n)
$$;
-- a cursor made by hand
CREATE FUNCTION pg_temp.cursor_of(doc text) RETURNS text LANGUAGE sql AS $$
    SELECT translate(encode(convert_to(doc, 'UTF8'), 'base64'), E'+/\n', '-_')
$$;

-------------------------------------------------------------------------------
-- a plain model: blog.posts
-------------------------------------------------------------------------------
CREATE SCHEMA blog;
CREATE TABLE blog.posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL,
    body text DEFAULT 'x',
    score integer,
    published boolean,
    at timestamptz,
    code varchar(5),
    tags text[],
    doc jsonb,
    price numeric(10,2),
    ref uuid,
    g integer GENERATED ALWAYS AS (score * 2) STORED
);
SELECT orm_ext.model_register('blog.posts');

-- create
SELECT is(ARRAY(SELECT unnest(proargnames) FROM pg_proc WHERE oid = 'blog.posts_create'::regproc),
          ARRAY['title', 'body', 'score', 'published', 'at', 'code', 'tags', 'doc', 'price', 'ref'],
          'posts_create''s parameters are named like the writable columns, in column order (no id, no generated g)');
SELECT is(ARRAY(SELECT format_type(t, NULL) FROM pg_proc, unnest(proargtypes::oid[]) t WHERE oid = 'blog.posts_create'::regproc),
          ARRAY['text', 'text', 'integer', 'boolean', 'timestamp with time zone', 'character varying', 'text[]', 'jsonb', 'numeric', 'uuid'],
          'and typed like them');
SELECT results_eq($$SELECT id, title, body, score, g FROM blog.posts_create('alpha', score => 5, published => true,
                          at => '2024-01-01 00:00+00', code => 'AB', tags => '{a,b}', doc => '{"k": 1}',
                          price => 1.5, ref => '00000000-0000-7000-8000-000000000001')$$,
                  $$VALUES (1::bigint, 'alpha', 'x', 5, 10)$$,
                  'create returns the new row: identity id, the default of an omitted argument (body x), the generated column');
SELECT results_eq($$SELECT id, title, body FROM blog.posts_create('Beta', NULL, 3, false, '2024-02-01 00:00+00', 'ab')$$,
                  $$VALUES (2::bigint, 'Beta', NULL::text)$$, 'an explicit NULL is NULL, not the default');
SELECT FROM blog.posts_create('gamma');
SELECT FROM blog.posts_create('delta', score => 5);
SELECT FROM blog.posts_create('it''s "q"', score => 10, code => 'x%y');
SELECT FROM blog.posts_create('alphabet', score => 1);
SELECT throws_ok($$SELECT blog.posts_create(body => 'no title')$$, '23502', NULL, 'omitting a NOT NULL column without default: 23502');
SELECT throws_ok($$SELECT blog.posts_create(NULL)$$, '23502', NULL, 'passing NULL for it: 23502');
SELECT throws_ok($$SELECT blog.posts_create('t', code => 'toolong')$$, '22001', NULL,
                 'a value too long for varchar(5): 22001 (the column''s typmod applies)');
SELECT throws_ok($$SELECT blog.posts_create('t', id => 99)$$, '42883', NULL, 'there is no id parameter (identity ALWAYS): 42883');
SELECT throws_ok($$SELECT blog.posts_create('t', g => 99)$$, '42883', NULL, 'there is no parameter for the generated column: 42883');
SELECT is((SELECT count(*) FROM blog.posts), 6::bigint, '(set-up: six posts)');

-- get
SELECT results_eq($$SELECT id, title, code, tags, doc, price FROM blog.posts_get(1)$$,
                  $$VALUES (1::bigint, 'alpha', 'AB'::varchar, '{a,b}'::text[], '{"k": 1}'::jsonb, 1.50::numeric)$$,
                  'get returns the row');
SELECT ok(blog.posts_get(99) IS NULL, 'get of a missing key returns NULL');
SELECT ok(blog.posts_get(NULL) IS NULL, 'get of NULL returns NULL');

-- update
CREATE TEMP TABLE before_update AS SELECT * FROM blog.posts WHERE id = 1;
SELECT results_eq($$SELECT body FROM blog.posts_update(1, '{"body": "new body"}')$$, $$VALUES ('new body')$$,
                  'update sets the key of the patch and returns the row');
SELECT results_eq($$SELECT title, score, published, at, code, tags, doc, price, ref FROM blog.posts WHERE id = 1$$,
                  $$SELECT title, score, published, at, code, tags, doc, price, ref FROM before_update$$,
                  'and leaves every other column as it was');
SELECT results_eq($$SELECT body, score, g FROM blog.posts_update(1, '{"body": null, "score": 6}')$$,
                  $$VALUES (NULL::text, 6, 12)$$, 'a JSON null sets NULL; several keys at once; the generated column follows');
SELECT results_eq(
    $$SELECT tags, doc, price, at, ref, published, code
        FROM blog.posts_update(1, '{"tags": ["x", "y z", null, "it''s \"q\""], "doc": {"a": [1, null]}, "price": 2.345,
                                    "at": "2024-05-05T10:00:00+02:00", "ref": "00000000-0000-7000-8000-0000000000ff",
                                    "published": false, "code": "c''d"}')$$,
    $$VALUES ('{x,"y z",NULL,"it''s \"q\""}'::text[], '{"a": [1, null]}'::jsonb, 2.35::numeric,
              '2024-05-05 08:00+00'::timestamptz, '00000000-0000-7000-8000-0000000000ff'::uuid, false, 'c''d'::varchar)$$,
    'JSON values of every type: array (with NULL and quotes), object into jsonb, numeric (rounded to the typmod), timestamptz, uuid, boolean');
SELECT results_eq($$SELECT doc FROM blog.posts_update(1, '{"doc": "null"}')$$, $$VALUES ('"null"'::jsonb)$$,
                  'a JSON string into jsonb stays a JSON string');
SELECT is((SELECT doc FROM blog.posts_update(1, '{}')), '"null"'::jsonb,
          'an empty patch on a table whose first key column is identity ALWAYS returns the row unchanged');
SELECT ok(blog.posts_update(99, '{"body": "x"}') IS NULL, 'update of a missing key returns NULL');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"nope": 1}')$$, '42703', NULL, 'a patch naming a missing column: 42703');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"Body": "x"}')$$, '42703', NULL, 'column names are case-sensitive: 42703');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"ctid": "(0,1)"}')$$, '42703', NULL, 'a system column: 42703');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"score": "abc"}')$$, '22P02', NULL, 'a value of the wrong type: 22P02');
SELECT matches(pg_temp.error_of($$SELECT blog.posts_update(1, '{"score": "abc"}')$$), '^22P02: .*"score"',
               'and the message names the column');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"score": {"a": 1}}')$$, '22P02', NULL, 'a JSON object for an integer: 22P02');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"score": [1]}')$$, '22P02', NULL, 'a JSON array for an integer: 22P02');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"score": 1.5}')$$, '22P02', NULL, 'a fraction for an integer: 22P02');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"ref": "not-a-uuid"}')$$, '22P02', NULL, 'a bad uuid: 22P02');
SELECT matches(pg_temp.error_of($$SELECT blog.posts_update(1, '{"ref": "not-a-uuid"}')$$), '^22P02: .*"ref"',
               'naming the column');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"score": 99999999999}')$$, '22003', NULL, 'an integer out of range: 22003');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"code": "toolong"}')$$, '22001', NULL, 'too long for varchar(5): 22001');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"id": 7}')$$, '428C9', NULL, 'the identity ALWAYS column: 428C9');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"g": 7}')$$, '428C9', NULL, 'the generated column: 428C9');
SELECT throws_ok($$SELECT blog.posts_update(1, NULL)$$, '22004', NULL, 'a NULL patch: 22004');
SELECT throws_ok($$SELECT blog.posts_update(1, '[]')$$, '22023', NULL, 'an array patch: 22023');
SELECT throws_ok($$SELECT blog.posts_update(1, '"body"')$$, '22023', NULL, 'a string patch: 22023');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"body": "partial", "nope": 1}')$$, '42703', NULL,
                 'a patch with one good and one bad key: 42703');
SELECT results_eq($$SELECT body, score FROM blog.posts WHERE id = 1$$, $$VALUES (NULL::text, 6)$$,
                  'and none of the refused patches changed the row');
SELECT FROM blog.posts_update(1, '{"score": 5, "price": 1.5, "ref": "00000000-0000-7000-8000-000000000001", "doc": {"k": 1}, "tags": ["a", "b"], "at": "2024-01-01T00:00:00Z", "published": true, "code": "AB"}');

-- delete (hard)
CREATE TEMP TABLE doomed AS SELECT id FROM blog.posts_create('doomed');
SELECT is(blog.posts_delete((SELECT id FROM doomed)), true, 'delete returns true when it deleted a row');
SELECT is((SELECT count(*) FROM blog.posts WHERE id = (SELECT id FROM doomed)), 0::bigint, 'and the row is gone');
SELECT is(blog.posts_delete((SELECT id FROM doomed)), false, 'deleting it again returns false');
SELECT is(blog.posts_delete(NULL), false, 'delete of NULL returns false');

-------------------------------------------------------------------------------
-- list: filters
-------------------------------------------------------------------------------
-- posts: 1 alpha 5 true AB | 2 Beta 3 false ab | 3 gamma NULL | 4 delta 5 | 5 it's "q" 10 x%y | 6 alphabet 1
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list()$$), '{1,2,3,4,5,6}', 'list() returns every row, by primary key');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{}')$$), '{1,2,3,4,5,6}', 'list(''{}'') too');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": 5}')$$), '{1,4}', '{"col": v} is equality');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": null}')$$), '{3}', '{"col": null} is IS NULL');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"eq": 5}}')$$), '{1,4}', 'eq');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"neq": 5}}')$$), '{2,5,6}', 'neq (NULL is not "not 5")');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"lt": 5}}')$$), '{2,6}', 'lt');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"lte": 5}}')$$), '{1,2,4,6}', 'lte');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"gt": 5}}')$$), '{5}', 'gt');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"gte": 5}}')$$), '{1,4,5}', 'gte');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"gte": 3, "lt": 10}}')$$), '{1,2,4}',
          'two operators on one column are ANDed');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"in": [3, 10, null]}}')$$), '{2,5}', 'in (a JSON null in the list matches nothing)');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"in": []}}')$$), '{}', 'in [] matches nothing');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"is_null": true}}')$$), '{3}', 'is_null true');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"is_null": false}}')$$), '{1,2,4,5,6}', 'is_null false');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"eq": null}}')$$), '{3}', 'eq null is IS NULL');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"neq": null}}')$$), '{1,2,4,5,6}', 'neq null is IS NOT NULL');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"title": {"like": "alpha%"}}')$$), '{1,6}', 'like');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"title": {"like": "Alpha%"}}')$$), '{}', 'like is case-sensitive');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"title": {"ilike": "ALPHA%"}}')$$), '{1,6}', 'ilike');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"title": {"like": "%''s \"q\""}}')$$), '{5}',
          'like with a quote and double quotes in the pattern');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"code": {"ilike": "a%"}}')$$), '{1,2}', 'ilike on a varchar column');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"code": {"like": "x\\%y"}}')$$), '{5}', 'like with an escaped %');
-- order_by names a column by its own name first, spaces and all
CREATE TABLE blog."Order Me" (id int PRIMARY KEY, " x" int, "a desc" int, "y " int, z int);
INSERT INTO blog."Order Me" VALUES (1, 3, 1, 2, 1), (2, 2, 2, 3, 2), (3, 1, 3, 1, 3);
SELECT orm_ext.model_register('blog."Order Me"');
CREATE FUNCTION pg_temp.order_ids(VARIADIC ord text[]) RETURNS text[] LANGUAGE sql AS $$
    SELECT pg_temp.keys(format('SELECT * FROM blog."Order Me_list"(order_by => %L)', ord)) $$;
SELECT is(pg_temp.order_ids(' x'), '{3,2,1}', 'order_by a column named with a leading space');
SELECT is(pg_temp.order_ids(' x desc'), '{1,2,3}', 'and descending');
SELECT is(pg_temp.order_ids('a desc'), '{1,2,3}', 'a column named "a desc" is that column, ascending');
SELECT is(pg_temp.order_ids('a desc desc'), '{3,2,1}', 'and "a desc desc" sorts it descending');
SELECT is(pg_temp.order_ids('y  DESC'), '{2,1,3}', 'a column named with a trailing space, descending');
SELECT is(pg_temp.order_ids('  z   desc  '), '{3,2,1}', 'spaces around a plain name are trimmed');
SELECT is(pg_temp.order_ids(E'z\tasc'), '{1,2,3}', 'a tab before the direction');
SELECT is(pg_temp.order_ids(E'z\t desc'), '{3,2,1}', 'a tab and a space before the direction');
SELECT is(pg_temp.order_ids(E'\tz\t'), '{1,2,3}', 'tabs around a plain name are trimmed');
-- the same under standard_conforming_strings off, in a fresh compile of the
-- parser (ALTER FUNCTION makes PL/pgSQL compile it again, under the setting)
SET LOCAL standard_conforming_strings = off;
ALTER FUNCTION orm_ext.model_order(jsonb, text[]) COST 100;
SELECT is(pg_temp.order_ids(E'a desc \t DESC'), E'{3,2,1}', 'order_by under standard_conforming_strings off (a shape not kept yet)');
SET LOCAL standard_conforming_strings = on;
SELECT throws_ok($$SELECT * FROM blog."Order Me_list"(order_by => ARRAY['  q desc'])$$, '42703',
                 'column "q" of table blog."Order Me" does not exist', 'a missing column, named trimmed: 42703');
-- like and ilike use the column type's own operator where it has one, as the
-- same condition in SQL does: citext's ignores case, character's keeps the
-- padding; a type without one (varchar above) is compared as text
CREATE SCHEMA "Ci ""Ext""";
CREATE EXTENSION citext SCHEMA "Ci ""Ext""";
CREATE DOMAIN blog."Ci Dom" AS "Ci ""Ext""".citext;
CREATE TABLE blog."Like Me" (id int PRIMARY KEY, "Select" "Ci ""Ext""".citext, pad char(4), dom blog."Ci Dom");
INSERT INTO blog."Like Me" VALUES (1, 'Alice', 'ab', 'Bob'), (2, 'alICE smith', 'ab c', 'bOB'), (3, 'bob', 'abcd', NULL);
SELECT orm_ext.model_register('blog."Like Me"');
CREATE FUNCTION pg_temp.like_ids(filter jsonb) RETURNS text[] LANGUAGE sql AS $$
    SELECT pg_temp.keys(format('SELECT * FROM blog."Like Me_list"(%L)', filter)) $$;
SELECT is(pg_temp.like_ids('{"Select": {"like": "alice%"}}'), '{1,2}', 'like on citext ignores case, as citext''s LIKE does');
SELECT is(pg_temp.like_ids('{"Select": {"like": "ALICE"}}'),
          (SELECT array_agg(id::text ORDER BY id) FROM blog."Like Me" WHERE "Select" OPERATOR("Ci ""Ext""".~~) 'ALICE'),
          'like on citext: the rows citext''s LIKE gives, whatever the search_path');
SELECT is(pg_temp.like_ids('{"Select": {"ilike": "%SMITH"}}'), '{2}', 'ilike on citext');
SELECT is(pg_temp.like_ids('{"dom": {"like": "bob"}}'), '{1,2}', 'like on a domain over citext uses citext''s operator');
SELECT is(pg_temp.like_ids('{"pad": {"like": "ab"}}'), '{}', 'like on char(4): the padding counts, as in SQL');
SELECT is(pg_temp.like_ids('{"pad": {"like": "ab  "}}'),
          (SELECT array_agg(id::text ORDER BY id) FROM blog."Like Me" WHERE pad LIKE 'ab  '), 'like on char(4) with the padding: the rows SQL gives');
SELECT is(pg_temp.like_ids('{"pad": {"ilike": "AB_C"}}'), '{2}', 'ilike on char(4)');
SELECT is(ARRAY[orm_ext.model_operator('blog."Like Me"', 'Select', 'like'), orm_ext.model_operator('blog."Like Me"', 'dom', 'ilike'),
                orm_ext.model_operator('blog."Like Me"', 'pad', 'like'), orm_ext.model_operator('blog.posts', 'code', 'like')],
          ARRAY['OPERATOR("Ci ""Ext""".~~)', 'OPERATOR("Ci ""Ext""".~~*)', 'OPERATOR(pg_catalog.~~)', NULL],
          'model_operator like/ilike: the type''s own operator from its schema, NULL for varchar');
-- only an operator its type's owner owns counts
CREATE ROLE tap_crud_likeowner;
ALTER OPERATOR "Ci ""Ext""".~~ ("Ci ""Ext""".citext, text) OWNER TO tap_crud_likeowner;
SELECT is(orm_ext.model_operator('blog."Like Me"', 'Select', 'like'), NULL, 'an operator owned by another role than the type''s is not used');
SELECT is(pg_temp.like_ids('{"Select": {"like": "alICE%"}, "id": {"gte": 0}}'), '{2}',
          'then like compares the text, case-sensitively (a statement built after the change)');
-- values written into _update's SQL read back as themselves whatever the
-- session's settings: all digits of a float, a timestamptz in ISO form
CREATE TABLE blog."Exact Values" (id int PRIMARY KEY, f float8, at timestamptz, iv interval, r regclass, tags text[]);
INSERT INTO blog."Exact Values" VALUES (1);
SELECT orm_ext.model_register('blog."Exact Values"');
SET LOCAL extra_float_digits = 0;
SET LOCAL DateStyle = 'SQL, DMY';
SET LOCAL TimeZone = 'Asia/Kolkata';
SET LOCAL IntervalStyle = 'sql_standard';
SELECT blog."Exact Values_update"(1, '{"f": 0.30000000000000004, "at": "2026-01-02T03:04:05.123456+05:30",
                                       "iv": "-1 days +02:03:04", "r": "blog.posts"}');
SELECT ok((SELECT f = 0.30000000000000004::float8 FROM blog."Exact Values"),
          '_update under extra_float_digits 0 stores every digit of a float');
SELECT ok((SELECT at = '2026-01-02T03:04:05.123456+05:30'::timestamptz FROM blog."Exact Values"),
          '_update under DateStyle SQL, DMY and TimeZone Asia/Kolkata stores the very instant');
SELECT ok((SELECT iv = make_interval(days => -1, hours => 2, mins => 3, secs => 4) FROM blog."Exact Values"),
          '_update under IntervalStyle sql_standard stores the interval given');
SET LOCAL array_nulls = off;
SELECT blog."Exact Values_update"(1, '{"tags": ["x", null]}');
SELECT is((SELECT tags[2] IS NULL AND tags[1] = 'x' FROM blog."Exact Values"), true,
          '_update under array_nulls off stores a JSON null in an array as NULL, not "NULL"');
SELECT is(pg_temp.keys($$SELECT * FROM blog."Exact Values_list"('{"tags": {"eq": ["x", null]}}')$$), '{1}',
          'and a filter under it compares with NULL there');
SET LOCAL array_nulls = on;
-- a composite value whose fields are all NULL is a value, not NULL
CREATE TYPE blog."Pa ir" AS (a int, "B" int);
CREATE TABLE blog.pairs (id int PRIMARY KEY, "P" blog."Pa ir");
INSERT INTO blog.pairs VALUES (1, NULL), (2, ROW(NULL, NULL)), (3, ROW(1, NULL));
SELECT orm_ext.model_register('blog.pairs');
SELECT is(pg_temp.keys($$SELECT * FROM blog.pairs_list('{"P": null}')$$), '{1}',
          'a composite column compared with null: only the SQL NULL, not a value of NULL fields');
SELECT is(pg_temp.keys($$SELECT * FROM blog.pairs_list('{"P": {"is_null": true}}')$$), '{1}', 'is_null true on it');
SELECT is(pg_temp.keys($$SELECT * FROM blog.pairs_list('{"P": {"is_null": false}}')$$), '{2,3}', 'is_null false on it');
SELECT is(pg_temp.keys($$SELECT * FROM blog.pairs_list('{"P": {"neq": null}}')$$), '{2,3}', 'neq null on it');
RESET extra_float_digits;
RESET DateStyle;
RESET TimeZone;
RESET IntervalStyle;
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"code": "AB"}')$$), '{1}', 'equality on varchar');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"published": true}')$$), '{1}', 'equality on boolean (true)');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"published": false}')$$), '{2}', 'equality on boolean (false)');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"at": {"gt": "2024-01-15T00:00:00Z"}}')$$), '{2}', 'gt on timestamptz');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"title": "alpha", "score": 5}')$$), '{1}', 'two columns are ANDed');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"title": "alpha", "score": 3}')$$), '{}', 'two columns, no match');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"tags": {"eq": ["a", "b"]}}')$$), '{1}', 'eq on a text[] column with a JSON array');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"tags": {"in": [["a", "b"], ["z"]]}}')$$), '{1}',
          'in on a text[] column: a JSON array of arrays, each one compared whole');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"tags": {"in": [["a", "b"]]}}')$$), '{1}',
          'in on a text[] column with one array');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"tags": {"in": [["a"], null]}}')$$), '{}',
          'in on a text[] column: no whole match, and a JSON null matches nothing');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"doc": {"eq": {"k": 1}}}')$$), '{1}', 'eq on a jsonb column with a JSON object');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"price": 1.5}')$$), '{1}', 'equality on numeric(10,2) with a JSON number');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"price": "1.50"}')$$), '{1}', 'and with a JSON string');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"ref": "00000000-0000-7000-8000-000000000001"}')$$), '{1}', 'equality on uuid');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"g": {"gte": 10}}')$$), '{1,4,5}', 'a generated column can be filtered on');

SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"like": "1%"}}')$$, '42883', NULL, 'like on an integer column: 42883');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"ref": {"ilike": "0%"}}')$$, '42883', NULL, 'ilike on a uuid column: 42883');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"tags": {"like": "a"}}')$$, '42883', NULL, 'like on a text[] column: 42883');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"doc": {"like": "a"}}')$$, '42883', NULL, 'like on a jsonb column: 42883');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"between": [1, 2]}}')$$, '22023', NULL, 'an unknown operator: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"EQ": 1}}')$$, '22023', NULL, 'operators are case-sensitive: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"nope": 1}')$$, '42703', NULL, 'an unknown column: 42703');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"Title": "alpha"}')$$, '42703', NULL, 'column names are case-sensitive: 42703');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"xmin": 1}')$$, '42703', NULL, 'a system column: 42703');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": "abc"}')$$, '22P02', NULL, 'a wrong-typed value: 22P02');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"gt": "abc"}}')$$, '22P02', NULL, 'under an operator: 22P02');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"in": [1, "x"]}}')$$, '22P02', NULL, 'in an in list: 22P02');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"in": 5}}')$$, '22023', NULL, 'in without an array: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"score": {"is_null": "yes"}}')$$, '22023', NULL, 'is_null without a boolean: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"title": {"like": 1}}')$$, '22023', NULL, 'like with a non-string pattern: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list(NULL)$$, '22004', NULL, 'a NULL filter: 22004');
SELECT throws_ok($$SELECT * FROM blog.posts_list('[]')$$, '22023', NULL, 'an array filter: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list('"x"')$$, '22023', NULL, 'a string filter: 22023');

-------------------------------------------------------------------------------
-- list: order_by and page_size
-------------------------------------------------------------------------------
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['score'])$$), '{6,2,1,4,5,3}',
          'order_by "score": ascending, NULLs last, ties by primary key');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['score asc'])$$), '{6,2,1,4,5,3}', '"score asc" the same');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['score desc'])$$), '{3,5,1,4,2,6}',
          '"score desc": descending, NULLs first, ties by primary key ascending');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['  score   DESC ', 'title desc'])$$), '{3,5,4,1,2,6}',
          'blanks and upper case are accepted; a second column breaks ties');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY[]::text[])$$), '{1,2,3,4,5,6}', 'an empty order_by: the primary key');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['id desc'])$$), '{6,5,4,3,2,1}', 'the primary key descending');
SELECT throws_ok($$SELECT * FROM blog.posts_list(order_by => ARRAY['nope'])$$, '42703', NULL, 'order_by an unknown column: 42703');
SELECT throws_ok($$SELECT * FROM blog.posts_list(order_by => ARRAY['score sideways'])$$, '42703', NULL,
                 'order_by with an unknown direction: 42703');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(page_size => 2)$$), '{1,2}', 'page_size limits the rows');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"score": {"gte": 3}}', ARRAY['score desc'], 2)$$), '{5,1}',
          'filter, order and page_size together');
SELECT throws_ok($$SELECT * FROM blog.posts_list(page_size => NULL)$$, '22004', NULL, 'page_size NULL: 22004');
SELECT throws_ok($$SELECT * FROM blog.posts_list(page_size => 0)$$, '22023', NULL, 'page_size 0: 22023');
SELECT throws_ok($$SELECT * FROM blog.posts_list(page_size => -5)$$, '22023', NULL, 'page_size -5: 22023');
SELECT throws_ok($$SELECT blog.posts_page(page_size => NULL)$$, '22004', NULL, 'page: page_size NULL: 22004');
SELECT throws_ok($$SELECT blog.posts_page(page_size => 0)$$, '22023', NULL, 'page: page_size 0: 22023');
SELECT throws_ok($$SELECT blog.posts_page('{"nope": 1}')$$, '42703', NULL, 'page: an unknown filter column: 42703');
SELECT throws_ok($$SELECT blog.posts_page(order_by => ARRAY['nope'])$$, '42703', NULL, 'page: an unknown order_by column: 42703');

-------------------------------------------------------------------------------
-- a model with every option and hostile identifiers
-------------------------------------------------------------------------------
CREATE SCHEMA "Shop ""S""";
CREATE SCHEMA "My Api";
CREATE DOMAIN "Shop ""S"""."Qty" AS integer CHECK (VALUE > 0);
CREATE TABLE "Shop ""S"""."Order Items" (
    "Order Id" integer,
    line text,
    "select" text NOT NULL,
    "Sku ""x""" varchar(8) DEFAULT 'x',
    "MixedCase" numeric(10,2),
    tags text[],
    doc jsonb,
    ref uuid DEFAULT orm_ext.uuidv7(),
    qty "Shop ""S"""."Qty" DEFAULT 1,
    total numeric GENERATED ALWAYS AS ("MixedCase" * 2) STORED,
    created_at timestamptz,
    updated_at timestamptz,
    deleted_at timestamptz,
    "Rev" integer NOT NULL DEFAULT 1,
    PRIMARY KEY ("Order Id", line)
);
SELECT orm_ext.model_register('"Shop ""S"""."Order Items"',
    '{"api_schema": "My Api", "name": "it''s", "timestamps": true, "soft_delete": true, "version": "Rev"}');
SET LOCAL search_path = "My Api", public;

SELECT is(ARRAY(SELECT unnest(proargnames) FROM pg_proc WHERE oid = '"it''s_create"'::regproc),
          ARRAY['Order Id', 'line', 'select', 'Sku "x"', 'MixedCase', 'tags', 'doc', 'ref', 'qty'],
          'it''s_create: one parameter per writable column, named exactly like it (no timestamps, deleted_at, Rev, total)');
SELECT is(pg_get_function_arguments('"it''s_create"'::regproc),
          '"Order Id" integer DEFAULT NULL::integer, line text DEFAULT NULL::text, "select" text DEFAULT NULL::text, "Sku ""x""" character varying DEFAULT ''x''::character varying, "MixedCase" numeric DEFAULT NULL::numeric, tags text[] DEFAULT NULL::text[], doc jsonb DEFAULT NULL::jsonb, ref uuid DEFAULT orm_ext.uuidv7(), qty "Shop ""S"""."Qty" DEFAULT 1',
          'typed like the columns (the domain too), defaults mirroring the column defaults');
SELECT is((SELECT count(*) FROM orm_ext.model_functions f WHERE f.model = 'it''s'
             AND obj_description(f.function, 'pg_proc') IS NOT NULL), 10::bigint, 'the ten functions have comments');

SELECT results_eq(
    $$SELECT "Order Id", line, "select", "Sku ""x""", qty::int, "Rev", created_at, updated_at, deleted_at,
             substr(ref::text, 15, 1), total
        FROM "it's_create"("Order Id" => 1, line => 'a', "select" => 'first')$$,
    $$VALUES (1, 'a', 'first', 'x'::varchar, 1, 1, now(), now(), NULL::timestamptz, '7', NULL::numeric)$$,
    'create with named hostile arguments: defaults (Sku ''x'', qty 1, a UUIDv7 ref), version 1, created_at = updated_at = now()');
SELECT results_eq(
    $$SELECT "Sku ""x""", "MixedCase", total, tags, doc, qty::int
        FROM "it's_create"(1, 'b', 'second', NULL, 12.345, '{p,q}', '{"z": null}', NULL, 3)$$,
    $$VALUES (NULL::varchar, 12.35::numeric, 24.70::numeric, '{p,q}'::text[], '{"z": null}'::jsonb, 3)$$,
    'positional arguments; explicit NULL for a column with a default is NULL; numeric(10,2) rounds');
SELECT is((SELECT ref FROM "Shop ""S"""."Order Items" WHERE line = 'b'), NULL::uuid, 'explicit NULL ref stays NULL');
SELECT FROM "it's_create"(2, 'a', 'third');
SELECT throws_ok($$SELECT "it's_create"("Order Id" => 9, line => 'z')$$, '23502', NULL, 'omitting "select" (NOT NULL): 23502');
SELECT throws_ok($$SELECT "it's_create"(9, 'z', 'x', qty => 0)$$, '23514', NULL, 'a value the domain refuses: 23514');
SELECT throws_ok($$SELECT "it's_create"(1, 'a', 'dup')$$, '23505', NULL, 'a duplicate primary key: 23505');
SELECT throws_ok($$SELECT "it's_create"(9, 'z', 'x', "Sku ""x""" => 'much too long')$$, '22001', NULL, 'varchar(8) overflow: 22001');
SELECT throws_ok($$SELECT "it's_create"(9, 'z', 'x', "Rev" => 5)$$, '42883', NULL, 'there is no version parameter: 42883');
SELECT throws_ok($$SELECT "it's_create"(9, 'z', 'x', created_at => now())$$, '42883', NULL, 'nor a created_at parameter: 42883');

SELECT results_eq($$SELECT "select", "Rev" FROM "it's_get"(1, 'a')$$, $$VALUES ('first', 1)$$, 'get with a composite key');
SELECT ok("it's_get"(1, 'zz') IS NULL, 'get of a missing key: NULL');
SELECT ok("it's_get"(NULL, 'a') IS NULL, 'get with a NULL key part: NULL');

-- update with the version
SET LOCAL session_replication_role = replica;
UPDATE "Shop ""S"""."Order Items" SET created_at = '2000-01-01 00:00+00', updated_at = '2000-01-01 00:00+00';
SET LOCAL session_replication_role = origin;
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"select": "changed"}')$$, '40001', NULL, 'a patch without the version: 40001');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"select": "changed", "Rev": 7}')$$, '40001', NULL, 'a stale version: 40001');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"select": "changed", "Rev": null}')$$, '40001', NULL, 'a null version: 40001');
SELECT results_eq($$SELECT "select", "Rev" FROM "Shop ""S"""."Order Items" WHERE line = 'a' AND "Order Id" = 1$$,
                  $$VALUES ('first', 1)$$, 'which changed nothing');
SELECT results_eq($$SELECT "select", "Rev", created_at, updated_at FROM "it's_update"(1, 'a', '{"select": "changed", "Rev": 1}')$$,
                  $$VALUES ('changed', 2, '2000-01-01 00:00+00'::timestamptz, now())$$,
                  'the current version: applied, version bumped, created_at kept, updated_at now()');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"select": "again", "Rev": 1}')$$, '40001', NULL, 'the old version again: 40001');
SELECT results_eq($$SELECT "Rev", "Sku ""x""" FROM "it's_update"(1, 'a', '{"Rev": 2, "Sku \"x\"": "new ''sku"}')$$,
                  $$VALUES (3, 'new ''sku'::varchar)$$, 'a hostile column name as a patch key');
SELECT results_eq($$SELECT "Rev" FROM "it's_update"(1, 'a', '{"Rev": 3}')$$, $$VALUES (4)$$, 'a patch of only the version bumps it');
SELECT results_eq($$SELECT qty::int, tags FROM "it's_update"(1, 'a', '{"Rev": "4", "qty": 2, "tags": []}')$$,
                  $$VALUES (2, '{}'::text[])$$, 'a domain column; an empty array; the version as a string');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"Rev": 5, "created_at": "2020-01-01"}')$$, '428C9', NULL, 'created_at: 428C9');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"Rev": 5, "updated_at": "2020-01-01"}')$$, '428C9', NULL, 'updated_at: 428C9');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"Rev": 5, "deleted_at": null}')$$, '428C9', NULL, 'deleted_at: 428C9');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"Rev": 5, "total": 1}')$$, '428C9', NULL, 'a generated column: 428C9');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"Rev": 5, "qty": -1}')$$, '23514', NULL, 'a value the domain refuses: 23514');
SELECT throws_ok($$SELECT "it's_update"(1, 'a', '{"Rev": "five"}')$$, '22P02', NULL, 'a version that is no integer: 22P02');
SELECT ok("it's_update"(7, 'q', '{"Rev": 1}') IS NULL, 'update of a missing key: NULL (not 40001)');

-- upsert
SELECT results_eq($$SELECT "select", "Rev", created_at FROM "it's_upsert"("Order Id" => 5, line => 'u', "select" => 'inserted', "Sku ""x""" => 'k')$$,
                  $$VALUES ('inserted', 1, now())$$, 'upsert of a new key inserts, version 1');
SET LOCAL session_replication_role = replica;
UPDATE "Shop ""S"""."Order Items" SET created_at = '2000-01-01 00:00+00', updated_at = '2000-01-01 00:00+00' WHERE line = 'u';
SET LOCAL session_replication_role = origin;
SELECT results_eq($$SELECT "select", "Sku ""x""", qty::int, "Rev", created_at, updated_at
                      FROM "it's_upsert"("Order Id" => 5, line => 'u', "select" => 'updated', qty => 4)$$,
                  $$VALUES ('updated', 'x'::varchar, 4, 2, '2000-01-01 00:00+00'::timestamptz, now())$$,
                  'upsert of an existing key updates it: omitted arguments take the defaults, version bumped, created_at kept');
SELECT is((SELECT count(*) FROM "Shop ""S"""."Order Items" WHERE "Order Id" = 5), 1::bigint, 'one row for that key');

-- soft delete
SELECT is("it's_delete"(5, 'u'), true, 'delete returns true');
SELECT results_eq($$SELECT deleted_at, "select" FROM "Shop ""S"""."Order Items" WHERE "Order Id" = 5$$,
                  $$VALUES (now(), 'updated')$$, 'the row stays, with deleted_at = now()');
SELECT ok("it's_get"(5, 'u') IS NULL, 'get no longer returns it');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"()$$, 'line'), '{a,b,a}', 'list no longer returns it');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"('{"deleted_at": {"is_null": false}}')$$, 'line'), '{}',
          'not even when the filter asks for deleted rows');
SELECT is(pg_temp.item_keys("it's_page"(), 'Order Id'), '{1,1,2}', 'page no longer returns it');
SELECT ok("it's_update"(5, 'u', '{"Rev": 3, "select": "zombie"}') IS NULL, 'update of a soft-deleted row: NULL');
SELECT is("it's_delete"(5, 'u'), false, 'deleting it again returns false');
SET LOCAL session_replication_role = replica;
UPDATE "Shop ""S"""."Order Items" SET deleted_at = '2001-01-01 00:00+00', created_at = '2000-01-01 00:00+00' WHERE "Order Id" = 5;
SET LOCAL session_replication_role = origin;
SELECT is("it's_delete"(5, 'u'), false, 'a third time');
SELECT is((SELECT deleted_at FROM "Shop ""S"""."Order Items" WHERE "Order Id" = 5), '2001-01-01 00:00+00'::timestamptz,
          'and its deleted_at is kept');
SELECT results_eq($$SELECT "select", deleted_at, "Rev", created_at, updated_at
                      FROM "it's_upsert"("Order Id" => 5, line => 'u', "select" => 'revived')$$,
                  $$VALUES ('revived', NULL::timestamptz, 3, '2000-01-01 00:00+00'::timestamptz, now())$$,
                  'upsert revives a soft-deleted row: deleted_at NULL, version bumped, created_at kept');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"()$$, 'Order Id'), '{1,1,2,5}', 'and it is listed again');
SELECT is("it's_delete"(99, 'none'), false, 'delete of a missing key: false');

-- list and page with hostile columns
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"('{"select": "third"}')$$, 'Order Id'), '{2}', 'filter on "select"');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"('{"Sku \"x\"": {"like": "new%"}}')$$, 'line'), '{a}', 'like on "Sku ""x"""');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"('{"MixedCase": 12.35}')$$, 'line'), '{b}', 'equality on "MixedCase"');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"('{"qty": {"gte": 2}}')$$, 'line'), '{a,b}', 'a comparison on a domain column');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"(order_by => ARRAY['Sku "x" desc'])$$, 'select'),
          '{second,third,revived,changed}', 'order_by "Sku ""x"" desc" (NULL first, then descending, ties by the key)');
SELECT is(pg_temp.keys($$SELECT * FROM "it's_list"(order_by => ARRAY['line desc'])$$, 'select'),
          '{revived,second,changed,third}', 'order_by the second key column descending; ties by the whole key');
SELECT is(pg_temp.walk_ids('"it''s_page"', '{}', ARRAY['Sku "x" desc', 'select'], 1, 'select'),
          '{second,revived,third,changed}', 'walking pages of one row ordered by a hostile column');
SELECT is(pg_temp.walk_ids('"it''s_page"', '{}', NULL, 1, 'line'), '{a,b,a,u}', 'walking pages of one row over a composite key');

-------------------------------------------------------------------------------
-- keyset pagination
-------------------------------------------------------------------------------
CREATE TABLE blog.pg (id integer PRIMARY KEY, grp integer, name text, at timestamptz);
INSERT INTO blog.pg
SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 4 END,
       CASE WHEN g % 11 = 0 THEN NULL ELSE 'n' || (g % 5) END,
       '2024-01-01 00:00+00'::timestamptz + ((g * 37) % 13) * interval '1.000123 sec'
  FROM generate_series(60, 1, -1) g;
SELECT orm_ext.model_register('blog.pg');

SELECT results_eq($$SELECT id, grp, name FROM blog.pg_update(1, '{}')$$, $$VALUES (1, 1, 'n1')$$,
                  'an empty patch on a model with a writable key changes nothing and returns the row');

SELECT is(pg_temp.keys($$SELECT * FROM blog.pg_list()$$), ARRAY(SELECT g::text FROM generate_series(1, 50) g),
          'page_size defaults to 50');
SELECT is((blog.pg_page(page_size => 2)) -> 'items', (SELECT jsonb_agg(to_jsonb(p) ORDER BY id) FROM blog.pg p WHERE id <= 2),
          'page''s items are the rows as JSON objects');
SELECT is(jsonb_typeof(blog.pg_page(page_size => 2) -> 'next_cursor'), 'string', 'next_cursor is a string when more rows follow');
SELECT is(blog.pg_page() -> 'items' -> 49 ->> 'id', '50', 'page() returns 50 items by default');
SELECT is(blog.pg_page(page_size => 60) -> 'next_cursor', 'null'::jsonb, 'next_cursor is null on the last page');
SELECT is(blog.pg_page('{"id": 0}') , '{"items": [], "next_cursor": null}'::jsonb, 'no rows: empty items, null cursor');
SELECT is((pg_temp.walk('blog.pg_page', '{}', NULL, 7)).items, (SELECT jsonb_agg(to_jsonb(p) ORDER BY id) FROM blog.pg p),
          'walking pages of 7 returns every row once, in order');
SELECT is((pg_temp.walk('blog.pg_page', '{}', NULL, 7)).pages, 9, 'in 9 pages');
SELECT is((pg_temp.walk('blog.pg_page', '{}', NULL, 6)).pages, 10, 'pages of 6: exactly 10, no empty page after a full last one');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', NULL, 1), ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY id), 'pages of one row');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['grp'], 4), ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY grp, id),
          'order_by a nullable column with NULLs and duplicates, ascending');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['grp desc'], 5), ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY grp DESC, id),
          'descending (NULLs first)');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['grp desc', 'name'], 3),
          ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY grp DESC, name, id), 'two nullable columns, descending then ascending');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['name desc', 'grp'], 7),
          ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY name DESC, grp, id), 'a text column descending, then an integer one');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['at', 'name desc'], 4),
          ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY at, name DESC, id), 'timestamptz with microseconds in the cursor');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{"grp": {"neq": 2}}', ARRAY['name'], 5),
          ARRAY(SELECT id::text AS k FROM blog.pg WHERE grp <> 2 ORDER BY name, id), 'with a filter');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['id desc'], 8), ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY id DESC),
          'the primary key descending');

-- cursors
CREATE TEMP TABLE cur AS SELECT blog.pg_page(order_by => ARRAY['grp'], page_size => 5) ->> 'next_cursor' AS c;
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.pg_list(order_by => ARRAY['grp'], page_size => 5, after => %L)$$, (SELECT c FROM cur))),
          pg_temp.item_keys(blog.pg_page(order_by => ARRAY['grp'], page_size => 5, after => (SELECT c FROM cur))),
          'list with a cursor returns the rows of the next page');
SELECT lives_ok(format($$SELECT blog.pg_page(order_by => ARRAY['grp asc'], after => %L)$$, (SELECT c FROM cur)),
                'a cursor is valid with an equivalent order_by ("grp asc")');
SELECT throws_ok(format($$SELECT blog.pg_page(order_by => ARRAY['grp desc'], after => %L)$$, (SELECT c FROM cur)), '22023', NULL,
                 'a cursor used with another direction: 22023');
SELECT throws_ok(format($$SELECT blog.pg_page(after => %L)$$, (SELECT c FROM cur)), '22023', NULL,
                 'a cursor used with the default order: 22023');
SELECT throws_ok(format($$SELECT * FROM blog.pg_list(order_by => ARRAY['name'], after => %L)$$, (SELECT c FROM cur)), '22023', NULL,
                 'a cursor used with another column in list: 22023');
SELECT throws_ok($$SELECT blog.pg_page(after => 'garbage!!')$$, '22023', NULL, 'a cursor that is no base64: 22023');
SELECT throws_ok(format($$SELECT blog.pg_page(after => %L)$$, pg_temp.cursor_of('not json')), '22023', NULL,
                 'a cursor that is no JSON: 22023');
SELECT throws_ok(format($$SELECT blog.pg_page(after => %L)$$, pg_temp.cursor_of('[]')), '22023', NULL,
                 'a cursor that is no object: 22023');
SELECT throws_ok(format($$SELECT blog.pg_page(after => %L)$$, pg_temp.cursor_of('{"o": [["id", false]], "k": []}')), '22023', NULL,
                 'a cursor with too few values: 22023');
SELECT throws_ok(format($$SELECT blog.pg_page(after => %L)$$, pg_temp.cursor_of('{"o": [["id", false]], "k": ["1) OR (true"]}')), '22023', NULL,
                 'a cursor with a value that does not fit the column: 22023');
SELECT throws_ok(format($$SELECT blog.pg_page(after => %L)$$, pg_temp.cursor_of('{"o": [["nope", false]], "k": ["1"]}')), '22023', NULL,
                 'a cursor naming another column: 22023');
SELECT throws_ok($$SELECT blog.pg_page(after => '')$$, '22023', NULL, 'an empty cursor: 22023');
SELECT is(pg_temp.item_keys(blog.pg_page(order_by => ARRAY['name'],
                                         after => pg_temp.cursor_of('{"o": [["name", false], ["id", false]], "k": ["n4''); DROP TABLE blog.pg; --", "1"]}'))),
          ARRAY[]::text[] || ARRAY(SELECT id::text AS k FROM blog.pg WHERE name IS NULL ORDER BY id),
          'a hand-made cursor holding SQL is only a value: after it come the NULL names');

-- rows inserted or deleted between pages do not shift them
CREATE TEMP TABLE expected_page2 AS SELECT id FROM blog.pg ORDER BY grp, id OFFSET 5 LIMIT 5;
CREATE TEMP TABLE page1 AS SELECT blog.pg_page(order_by => ARRAY['grp'], page_size => 5) AS p;
INSERT INTO blog.pg VALUES (0, 0, 'before'), (100, NULL, 'after'), (-1, 0, 'before too');
DELETE FROM blog.pg WHERE id = (SELECT (p -> 'items' -> 0 ->> 'id')::int FROM page1);
SELECT is(pg_temp.item_keys(blog.pg_page(order_by => ARRAY['grp'], page_size => 5, after => (SELECT p ->> 'next_cursor' FROM page1))),
          ARRAY(SELECT id::text AS k FROM expected_page2 ORDER BY id),
          'rows inserted before the cursor (and a row of page 1 deleted) do not shift page 2');
SELECT is(pg_temp.walk_ids('blog.pg_page', '{}', ARRAY['grp'], 5), ARRAY(SELECT id::text AS k FROM blog.pg ORDER BY grp, id),
          'and a fresh walk sees the new rows, each once');

-- a column with a non-default collation: the cursor compares as ORDER BY sorts
DO $$
BEGIN
    EXECUTE format('CREATE TABLE blog.coll (id int PRIMARY KEY, name text COLLATE %s)',
                   CASE WHEN EXISTS (SELECT FROM pg_collation WHERE collname = 'und-x-icu') THEN '"und-x-icu"'
                        ELSE '"POSIX"' END);
END $$;
INSERT INTO blog.coll SELECT g, (ARRAY['a', 'B', 'c', 'D', 'e', 'F', 'b', 'A', 'é', 'E'])[g % 10 + 1] || g FROM generate_series(1, 30) g;
SELECT orm_ext.model_register('blog.coll');
SELECT is(pg_temp.walk_ids('blog.coll_page', '{}', ARRAY['name'], 4), ARRAY(SELECT id::text AS k FROM blog.coll ORDER BY name, id),
          'order_by a column with its own collation (und-x-icu where available): pages follow its order');
SELECT is(pg_temp.walk_ids('blog.coll_page', '{}', ARRAY['name desc'], 3), ARRAY(SELECT id::text AS k FROM blog.coll ORDER BY name DESC, id),
          'descending too');

-- identifiers that look like the generated SQL's own: table and column t, $1, a newline, patch, filter, after
CREATE TABLE blog."t" ("t" integer PRIMARY KEY, patch text, "filter" integer, "after" text, "$1" text, "a
b" text, "ID" integer);
SELECT orm_ext.model_register('blog."t"', '{"name": "a.b%s"}');
SELECT results_eq($$SELECT * FROM blog."a.b%s_create"(1, 'p', 2, 'x', 'y', 'z', 3)$$,
                  $$VALUES (1, 'p', 2, 'x', 'y', 'z', 3)$$, 'create on table "t" with columns t, patch, filter, after, $1, a newline');
SELECT results_eq($$SELECT "t", patch, "$1", "a
b" FROM blog."a.b%s_update"(1, '{"patch": "pp", "$1": "d", "a\nb": "nl", "t": 5}')$$,
                  $$VALUES (5, 'pp', 'd', 'nl')$$, 'update sets them, the key column too');
SELECT is(pg_temp.keys($$SELECT * FROM blog."a.b%s_list"('{"a\nb": {"like": "n%"}, "$1": "d", "t": {"in": [5]}}', ARRAY['a
b desc', '$1'])$$, 't'), '{5}', 'list filters and orders by them');
SELECT is(pg_temp.walk_ids('blog."a.b%s_page"', '{}', ARRAY['after desc'], 1, 't'), '{5}', 'page walks them');
SELECT is(blog."a.b%s_delete"(5), true, 'delete deletes by "t"');

-------------------------------------------------------------------------------
-- privileges: the functions run as the caller
-------------------------------------------------------------------------------
CREATE ROLE tap_mcrud_nobody NOLOGIN;
GRANT USAGE ON SCHEMA blog TO tap_mcrud_nobody;
SET ROLE tap_mcrud_nobody;
SELECT throws_ok($$SELECT blog.posts_get(1)$$, '42501', NULL, 'without SELECT on the table get fails: 42501');
SELECT throws_ok($$SELECT * FROM blog.posts_list()$$, '42501', NULL, 'list: 42501');
SELECT throws_ok($$SELECT blog.posts_page()$$, '42501', NULL, 'page: 42501');
SELECT throws_ok($$SELECT blog.posts_create('x')$$, '42501', NULL, 'create: 42501');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"body": "x"}')$$, '42501', NULL, 'update: 42501');
SELECT throws_ok($$SELECT blog.posts_delete(1)$$, '42501', NULL, 'delete: 42501');
RESET ROLE;
GRANT SELECT ON blog.posts TO tap_mcrud_nobody;
SET ROLE tap_mcrud_nobody;
SELECT is((SELECT title FROM blog.posts_get(1)), 'alpha', 'with SELECT, get works');
SELECT throws_ok($$SELECT blog.posts_update(1, '{"body": "x"}')$$, '42501', NULL, 'but update still fails: 42501');
RESET ROLE;

-- row level security
CREATE ROLE tap_mcrud_alice NOLOGIN;
CREATE ROLE tap_mcrud_bob NOLOGIN;
CREATE TABLE blog.notes (id integer PRIMARY KEY, owner name NOT NULL DEFAULT current_user, body text);
INSERT INTO blog.notes VALUES (1, 'tap_mcrud_alice', 'a1'), (2, 'tap_mcrud_bob', 'b1'), (3, 'tap_mcrud_alice', 'a2');
ALTER TABLE blog.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON blog.notes USING (owner = current_user);
GRANT SELECT, INSERT, UPDATE, DELETE ON blog.notes TO tap_mcrud_alice, tap_mcrud_bob;
GRANT USAGE ON SCHEMA blog TO tap_mcrud_alice, tap_mcrud_bob;
SELECT orm_ext.model_register('blog.notes');
SET ROLE tap_mcrud_alice;
SELECT is(pg_temp.keys($$SELECT * FROM blog.notes_list()$$), '{1,3}', 'with RLS, list returns only the role''s rows');
SELECT is(pg_temp.item_keys(blog.notes_page()), '{1,3}', 'and page');
SELECT is(pg_temp.keys($$SELECT * FROM blog.notes_list('{"owner": "tap_mcrud_bob"}')$$), '{}', 'a filter cannot reach other rows');
SELECT is((SELECT body FROM blog.notes_get(1)), 'a1', 'get returns its own row');
SELECT ok(blog.notes_get(2) IS NULL, 'and NULL for a row the policy hides');
SELECT ok(blog.notes_update(2, '{"body": "hacked"}') IS NULL, 'update of a hidden row: NULL');
SELECT is(blog.notes_delete(2), false, 'delete of a hidden row: false');
SELECT results_eq($$SELECT id, owner::text COLLATE "default", body FROM blog.notes_create(4, body => 'a3')$$,
                  $$VALUES (4, 'tap_mcrud_alice', 'a3')$$, 'create: the owner default (current_user) is the caller');
SELECT throws_ok($$SELECT blog.notes_create(5, 'tap_mcrud_bob', 'forged')$$, '42501', NULL,
                 'creating a row the policy refuses: 42501');
RESET ROLE;
SET ROLE tap_mcrud_bob;
SELECT is(pg_temp.keys($$SELECT * FROM blog.notes_list()$$), '{2}', 'bob sees only his row');
RESET ROLE;
SELECT results_eq($$SELECT id, body FROM blog.notes ORDER BY id$$, $$VALUES (1, 'a1'), (2, 'b1'), (3, 'a2'), (4, 'a3')$$,
                  'bob''s row is untouched');

-- tenant isolation through orm_ext.set_context
CREATE TABLE blog.tenanted (id integer PRIMARY KEY, tenant_id integer NOT NULL, v text);
CREATE INDEX ON blog.tenanted (tenant_id);
INSERT INTO blog.tenanted VALUES (1, 1, 'one'), (2, 2, 'two'), (3, 1, 'three');
GRANT SELECT, INSERT, UPDATE, DELETE ON blog.tenanted TO tap_mcrud_alice;
SELECT orm_ext.enable_tenant_isolation('blog.tenanted', 'tenant_id', 'app.tenant', ARRAY['tap_mcrud_alice']);
SELECT orm_ext.model_register('blog.tenanted');
SET ROLE tap_mcrud_alice;
SELECT orm_ext.set_context('app.tenant', '1');
SELECT is(pg_temp.keys($$SELECT * FROM blog.tenanted_list()$$), '{1,3}', 'with set_context(app.tenant, 1), list returns tenant 1''s rows');
SELECT ok(blog.tenanted_get(2) IS NULL, 'and get hides tenant 2''s row');
SELECT orm_ext.set_context('app.tenant', '2');
SELECT is(pg_temp.item_keys(blog.tenanted_page()), '{2}', 'switching the context switches what page returns');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
