-- Regression tests for defects a review found in the model component
-- (src/model/relationships.sql, src/model/model.sql, src/model/exec.c), each
-- of which these assertions would have caught:
--   1. a to-one navigation function whose foreign key references a UNIQUE
--      column other than the primary key was built by a textual replace()
--      of 'SELECT t.* FROM' in its body, so a target table whose name holds
--      that text broke out of its quotes (SQL injection: a.e() would run).
--      Registration, the function, _fetch/_fetch_many with it, and a
--      side-effect function that must never be called;
--   2. _create_graph linking an existing row by just its primary key did not
--      read the row as the caller, so a row hidden by a SELECT policy was
--      linked (the foreign key check bypasses row level security): now
--      23503, to-one and many-to-many, and nothing is written;
--   3. _fetch/_fetch_many of a table with 57 columns and an include built
--      json_build_object with more than 100 arguments;
--   4. columns named like the aliases of the generated statements (t0, t1,
--      n, l, s, j, "orm_ext n") captured the references to them: _fetch with
--      includes and options, _fetch_many with and without includes, page
--      size 1 and a cursor walk, against hand-written to_jsonb;
--   5. a relationship whose name cannot be an include step (a dot from the
--      column "best.owner_id", parentheses from "@orm_ext name=a(b)") got a
--      navigation function and a _create_graph key: now a WARNING, no
--      function, and the key is unknown (42703) while the column still works;
--   6. ALTER SCHEMA ... RENAME by the schema's owner failed when another
--      role's model lived in the schema (its event trigger regenerated that
--      model as the renamer); that role's model follows when it next alters
--      or registers it (docs/models.md, Relationships);
--   7. model_row_query/model_row_exec of a transaction control statement or
--      COPY raised XX000 (elog) instead of 0A000;
--   8. a primary key repeated in tables that inherit from a model's table:
--      _update updated every such row and returned one, _delete deleted them
--      all; now 21000 and nothing changes, as _get already failed.
-- Roles made here start with tap_hard_ and go with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(65);
SET LOCAL client_min_messages = warning;

-- the jsonb value of the query q, or {"error": "SQLSTATE: message"} (so that
-- a function a broken registration did not create fails one assertion
-- instead of the script)
CREATE FUNCTION pg_temp.json_of(q text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r jsonb;
BEGIN
    EXECUTE q INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN jsonb_build_object('error', SQLSTATE || ': ' || SQLERRM);
END $$;

-------------------------------------------------------------------------------
-- 1. a target table whose name holds 'SELECT t.* FROM', linked by a UNIQUE
--    column that is not its primary key
-------------------------------------------------------------------------------
CREATE SCHEMA a;
CREATE TABLE a.log (msg text);
CREATE TABLE a."t UNION SELECT t.* FROM a.e() t)--" (
    id integer PRIMARY KEY,
    code text NOT NULL UNIQUE
);
-- The bait: before the fix, replace() rewrote 'SELECT t.* FROM' inside the
-- quoted name too, and the body of src_tgt became
--   SELECT (SELECT (t.*)::a."<name>" FROM a."t UNION SELECT (t.*)::a." t
--           UNION SELECT t.* FROM a.e() t)--...
-- which these objects make valid: a table of that name (a child of the
-- target, so its rows cast to the target's type) and a.e(), returning rows
-- of one column of the target's type and leaving a trace in a.log.
CREATE TYPE a.wrap AS (r a."t UNION SELECT t.* FROM a.e() t)--");
CREATE FUNCTION a.e() RETURNS SETOF a.wrap
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO a.log VALUES ('a.e() was called');
    RETURN QUERY SELECT (99, 'injected')::a."t UNION SELECT t.* FROM a.e() t)--";
END $$;
CREATE TABLE a."t UNION SELECT (t.*)::a." () INHERITS (a."t UNION SELECT t.* FROM a.e() t)--");
CREATE TABLE a.src (
    id integer PRIMARY KEY,
    tgt_code text REFERENCES a."t UNION SELECT t.* FROM a.e() t)--" (code)
);
INSERT INTO a."t UNION SELECT t.* FROM a.e() t)--" VALUES (1, 'x'), (2, 'y');
INSERT INTO a.src VALUES (10, 'y'), (11, NULL), (12, 'x');

SELECT lives_ok($$SELECT orm_ext.model_register('a."t UNION SELECT t.* FROM a.e() t)--"', '{"name": "tgt"}')$$,
                'injection: the target whose name holds SELECT t.* FROM registers');
SELECT lives_ok($$SELECT orm_ext.model_register('a.src')$$,
                'injection: the source whose key references its UNIQUE code registers');
SELECT is((SELECT function::text FROM orm_ext.model_relationships WHERE model = 'src' AND name = 'tgt'),
          'a.src_tgt(a.src)', 'injection: the to-one relationship src.tgt has its navigation function');
SELECT is(pg_temp.json_of($$SELECT jsonb_agg(to_jsonb(a.src_tgt(s)) ORDER BY s.id) FROM a.src AS s$$),
          '[{"id": 2, "code": "y"}, null, {"id": 1, "code": "x"}]'::jsonb,
          'injection: src_tgt returns the row with the referenced code, NULL for a NULL key');
SELECT is(pg_temp.json_of($$SELECT a.src_fetch(10, '{tgt}')$$),
          '{"id": 10, "tgt_code": "y", "tgt": {"id": 2, "code": "y"}}'::jsonb,
          'injection: src_fetch with include tgt');
SELECT is(pg_temp.json_of($$SELECT a.src_fetch_many('{}', '{tgt}') -> 'items'$$),
          '[{"id": 10, "tgt_code": "y", "tgt": {"id": 2, "code": "y"}},
            {"id": 11, "tgt_code": null, "tgt": null},
            {"id": 12, "tgt_code": "x", "tgt": {"id": 1, "code": "x"}}]'::jsonb,
          'injection: src_fetch_many with include tgt');
SELECT is(pg_temp.json_of($$SELECT a.tgt_fetch(2, '{src}')$$),
          '{"id": 2, "code": "y", "src": [{"id": 10, "tgt_code": "y"}]}'::jsonb,
          'injection: the reverse side tgt.src through the UNIQUE column');
SELECT is((SELECT count(*) FROM a.log), 0::bigint,
          'injection: a.e(), named in the target''s name, was never called');
-- the trap works: a call does leave a trace
SELECT count(*) AS e_rows FROM a.e() \gset
SELECT is((SELECT count(*) FROM a.log), 1::bigint,
          'injection: (control) calling a.e() does write to a.log');

-- a plain hostile name holding the same text, linked by its UNIQUE column
CREATE SCHEMA b;
CREATE TABLE b."x SELECT t.* FROM y" (id integer PRIMARY KEY, code text NOT NULL UNIQUE);
CREATE TABLE b.items (id integer PRIMARY KEY, tgt_code text REFERENCES b."x SELECT t.* FROM y" (code));
COMMENT ON CONSTRAINT items_tgt_code_fkey ON b.items IS '@orm_ext name=target reverse=items';
INSERT INTO b."x SELECT t.* FROM y" VALUES (1, 'one'), (2, 'two');
INSERT INTO b.items VALUES (5, 'two');
SELECT lives_ok($$SELECT orm_ext.model_register(t)
                    FROM unnest(ARRAY['b."x SELECT t.* FROM y"', 'b.items']::regclass[]) AS t$$,
                'hostile name: "x SELECT t.* FROM y" and a table referencing its UNIQUE code register');
SELECT is(pg_temp.json_of($$SELECT to_jsonb(b.items_target(i)) FROM b.items AS i WHERE i.id = 5$$),
          '{"id": 2, "code": "two"}'::jsonb, 'hostile name: items_target returns the referenced row');
SELECT is(pg_temp.json_of($$SELECT b.items_fetch(5, '{target}')$$),
          '{"id": 5, "tgt_code": "two", "target": {"id": 2, "code": "two"}}'::jsonb,
          'hostile name: items_fetch with include target');

-------------------------------------------------------------------------------
-- 2. _create_graph linking by the primary key alone reads the row as the
--    caller: a row hidden by a SELECT policy is not linked
-------------------------------------------------------------------------------
CREATE SCHEMA g;
CREATE TABLE g.authors (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE g.tags (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE g.posts (
    id integer PRIMARY KEY,
    title text NOT NULL,
    author_id integer REFERENCES g.authors
);
CREATE TABLE g.post_tags (
    post_id integer REFERENCES g.posts,
    tag_id integer REFERENCES g.tags,
    PRIMARY KEY (post_id, tag_id)
);
SELECT orm_ext.model_register(t) FROM unnest('{g.authors, g.tags, g.posts}'::regclass[]) AS t;
INSERT INTO g.authors VALUES (1, 'visible'), (2, 'hidden');
INSERT INTO g.tags VALUES (1, 'open'), (2, 'hidden');
ALTER TABLE g.authors ENABLE ROW LEVEL SECURITY;
ALTER TABLE g.tags ENABLE ROW LEVEL SECURITY;
CREATE POLICY authors_read ON g.authors FOR SELECT USING (name <> 'hidden');
CREATE POLICY tags_read ON g.tags FOR SELECT USING (name <> 'hidden');
CREATE ROLE tap_hard_writer NOLOGIN;
GRANT USAGE ON SCHEMA g TO tap_hard_writer;
GRANT SELECT, INSERT ON g.authors, g.tags, g.posts, g.post_tags TO tap_hard_writer;

SET ROLE tap_hard_writer;
SELECT throws_ok($$SELECT g.posts_create_graph('{"id": 1, "title": "p", "tags": [{"id": 2}]}')$$, '23503', NULL,
                 'RLS link: a many-to-many link by key to a tag the SELECT policy hides: 23503');
SELECT is((SELECT count(*) FROM g.post_tags WHERE tag_id = 2), 0::bigint,
          'RLS link: no association row to the hidden tag was created');
SELECT throws_ok($$SELECT g.posts_create_graph('{"id": 2, "title": "q", "author": {"id": 2}}')$$, '23503', NULL,
                 'RLS link: a to-one link by key to an author the SELECT policy hides: 23503');
SELECT is((SELECT count(*) FROM g.posts WHERE author_id = 2 OR id IN (1, 2)), 0::bigint,
          'RLS link: no post pointing at the hidden author (nor any failed post) was created');
SELECT is(g.posts_create_graph('{"id": 3, "title": "r", "author": {"id": 1}, "tags": [{"id": 1}]}'),
          '{"id": 3, "title": "r", "author_id": 1, "author": {"id": 1, "name": "visible"},
            "tags": [{"id": 1, "name": "open"}]}'::jsonb,
          'RLS link: visible rows link by key, to-one and many-to-many');
SELECT is((SELECT array_agg(tag_id ORDER BY tag_id) FROM g.post_tags WHERE post_id = 3), '{1}'::int[],
          'RLS link: the association row to the visible tag exists');
RESET ROLE;

-------------------------------------------------------------------------------
-- 3. a table with 57 columns (more than json_build_object's 100 arguments)
-------------------------------------------------------------------------------
CREATE SCHEMA wide;
DO $$
DECLARE
    types text[] := '{integer, text, boolean, numeric, date, jsonb, text[]}';
    cols text;
    vals text;
    r int;
BEGIN
    SELECT string_agg(format('c%s %s', lpad(i::text, 2, '0'), types[i % 7 + 1]), ', ' ORDER BY i)
      INTO cols FROM generate_series(1, 56) AS i;
    EXECUTE format('CREATE TABLE wide.w (id integer PRIMARY KEY, %s)', cols);
    FOR r IN 1 .. 2 LOOP
        SELECT string_agg(format('%L::%s',
                                 CASE types[i % 7 + 1]
                                     WHEN 'integer' THEN (i * r)::text
                                     WHEN 'text' THEN format('v%s_%s', i, r)
                                     WHEN 'boolean' THEN ((i + r) % 2 = 0)::text
                                     WHEN 'numeric' THEN (i * r / 10.0)::text
                                     WHEN 'date' THEN ('2024-01-01'::date + i + r)::text
                                     WHEN 'jsonb' THEN jsonb_build_object('i', i, 'r', r)::text
                                     ELSE ARRAY['a' || i, 'b' || r]::text
                                 END, types[i % 7 + 1]), ', ' ORDER BY i)
          INTO vals FROM generate_series(1, 56) AS i;
        EXECUTE format('INSERT INTO wide.w VALUES (%s, %s)', r, vals);
    END LOOP;
END $$;
CREATE TABLE wide.kid (id integer PRIMARY KEY, w_id integer REFERENCES wide.w, note text);
INSERT INTO wide.kid VALUES (10, 1, 'k10'), (11, 1, 'k11'), (12, 2, 'k12');
SELECT orm_ext.model_register(t) FROM unnest('{wide.w, wide.kid}'::regclass[]) AS t;

CREATE TEMP VIEW wide_expected AS
SELECT w.id, to_jsonb(w) AS doc,
       to_jsonb(w) || jsonb_build_object('kid', COALESCE((SELECT jsonb_agg(to_jsonb(k) ORDER BY k.id)
                                                            FROM wide.kid AS k WHERE k.w_id = w.id), '[]')) AS with_kids
  FROM wide.w AS w;

SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid = 'wide.w'::regclass AND attnum > 0), 57::bigint,
          'wide: the table has 57 columns');
SELECT is(pg_temp.json_of($$SELECT wide.w_fetch(1, '{kid}')$$), (SELECT with_kids FROM wide_expected WHERE id = 1),
          'wide: w_fetch with include kid is to_jsonb(row) || the relationship');
SELECT is(pg_temp.json_of($$SELECT to_jsonb(count(*)) FROM jsonb_object_keys(wide.w_fetch(2, '{kid}'))$$), '58'::jsonb,
          'wide: the document has the 57 columns and kid');
SELECT is(pg_temp.json_of($$SELECT wide.w_fetch_many('{}', '{kid}')$$),
          jsonb_build_object('items', (SELECT jsonb_agg(with_kids ORDER BY id) FROM wide_expected), 'next_cursor', NULL),
          'wide: w_fetch_many with include kid: both rows as to_jsonb(row) || the relationship');
SELECT is(pg_temp.json_of($$SELECT wide.kid_fetch(12, '{w, w.kid}')$$),
          (SELECT to_jsonb(k) || jsonb_build_object('w', e.with_kids)
             FROM wide.kid AS k JOIN wide_expected AS e ON e.id = k.w_id WHERE k.id = 12),
          'wide: the wide row nested with its own include (kid_fetch ''{w, w.kid}'')');

-------------------------------------------------------------------------------
-- 4. columns named like the aliases of the generated statements
-------------------------------------------------------------------------------
CREATE SCHEMA nm;
CREATE TABLE nm.p (
    id integer PRIMARY KEY,
    t0 text, t1 text, n integer, l text, s text, j jsonb, "orm_ext n" integer
);
CREATE TABLE nm.k (
    id integer PRIMARY KEY,
    p_id integer REFERENCES nm.p,
    t0 text, t1 text, n integer, l text, s text, j jsonb, "orm_ext n" integer
);
INSERT INTO nm.p VALUES (1, 'a0', 'a1', 30, 'al', 'as', '{"a": 1}', 7),
                        (2, 'b0', 'b1', 20, 'bl', 'bs', '[2]', 8),
                        (3, 'c0', 'c1', 10, 'cl', 'cs', 'null', 9);
INSERT INTO nm.k VALUES (10, 1, 'x0', 'x1', 1, 'xl', 'xs', '"x"', 100),
                        (11, 1, 'y0', 'y1', 5, 'yl', 'ys', '{"y": []}', 101),
                        (12, 3, 'z0', 'z1', 3, 'zl', 'zs', '0', 102);
SELECT orm_ext.model_register(t) FROM unnest('{nm.p, nm.k}'::regclass[]) AS t;

CREATE TEMP VIEW nm_expected AS
SELECT p.id, to_jsonb(p) AS doc,
       to_jsonb(p) || jsonb_build_object('k', COALESCE((SELECT jsonb_agg(to_jsonb(k) ORDER BY k.id)
                                                          FROM nm.k AS k WHERE k.p_id = p.id), '[]')) AS with_k,
       to_jsonb(p) || jsonb_build_object('k', COALESCE((SELECT jsonb_agg(to_jsonb(k) || jsonb_build_object('p', to_jsonb(p))
                                                                         ORDER BY k.id)
                                                          FROM nm.k AS k WHERE k.p_id = p.id), '[]')) AS with_k_p
  FROM nm.p AS p;

-- every page of a walk through next_cursor, page_size 1
CREATE FUNCTION pg_temp.nm_walk(include text[]) RETURNS TABLE (pages bigint, items jsonb)
LANGUAGE sql AS $$
    WITH RECURSIVE walk (n, page) AS (
        SELECT 1, nm.p_fetch_many('{}', include, 1)
        UNION ALL
        SELECT w.n + 1, nm.p_fetch_many('{}', include, 1, w.page ->> 'next_cursor')
          FROM walk AS w WHERE w.page ->> 'next_cursor' IS NOT NULL AND w.n < 10
    )
    SELECT count(*), jsonb_agg(w.page -> 'items' -> 0 ORDER BY w.n) FROM walk AS w
$$;

SELECT is(pg_temp.json_of($$SELECT nm.p_fetch(1, '{k}')$$), (SELECT with_k FROM nm_expected WHERE id = 1),
          'alias columns: p_fetch with include k');
SELECT is(pg_temp.json_of($$SELECT nm.p_fetch(1, '{k.p}')$$), (SELECT with_k_p FROM nm_expected WHERE id = 1),
          'alias columns: p_fetch with include k.p (a to-one under a to-many)');
SELECT is(pg_temp.json_of($$SELECT nm.p_fetch(1, ARRAY['k(limit=1,order=n desc)'])$$),
          (SELECT to_jsonb(p) || jsonb_build_object('k', jsonb_build_array(to_jsonb(k)))
             FROM nm.p AS p, nm.k AS k WHERE p.id = 1 AND k.id = 11),
          'alias columns: p_fetch with k(limit=1,order=n desc): the kid with the largest n');
SELECT is(pg_temp.json_of($$SELECT nm.k_fetch(12, '{p, p.k}')$$),
          (SELECT to_jsonb(k) || jsonb_build_object('p', e.with_k) FROM nm.k AS k JOIN nm_expected AS e ON e.id = k.p_id
            WHERE k.id = 12),
          'alias columns: k_fetch with include p.k (a to-many under a to-one)');
SELECT is(pg_temp.json_of($$SELECT nm.p_fetch_many()$$),
          jsonb_build_object('items', (SELECT jsonb_agg(doc ORDER BY id) FROM nm_expected),
                                                'next_cursor', NULL),
          'alias columns: p_fetch_many without includes');
SELECT is(pg_temp.json_of($$SELECT nm.p_fetch_many('{}', '{k}')$$),
          jsonb_build_object('items', (SELECT jsonb_agg(with_k ORDER BY id) FROM nm_expected), 'next_cursor', NULL),
          'alias columns: p_fetch_many with include k');
SELECT is(pg_temp.json_of($$SELECT nm.p_fetch_many('{"n": {"lt": 25}}', '{k.p}') -> 'items'$$),
          (SELECT jsonb_agg(with_k_p ORDER BY id) FROM nm_expected WHERE id IN (2, 3)),
          'alias columns: p_fetch_many filtered on the column n, with include k.p');
SELECT is(pg_temp.json_of($$SELECT to_jsonb(w) FROM pg_temp.nm_walk('{k}') AS w$$),
          jsonb_build_object('pages', 3, 'items', (SELECT jsonb_agg(with_k ORDER BY id) FROM nm_expected)),
          'alias columns: a walk with page_size 1 and include k: three pages, every row once, in key order');
SELECT is(pg_temp.json_of($$SELECT to_jsonb(w) FROM pg_temp.nm_walk('{}') AS w$$),
          jsonb_build_object('pages', 3, 'items', (SELECT jsonb_agg(doc ORDER BY id) FROM nm_expected)),
          'alias columns: a walk with page_size 1 and no include: three pages, every row once, in key order');

-------------------------------------------------------------------------------
-- 5. relationship names that cannot be an include step get no function
-------------------------------------------------------------------------------
CREATE SCHEMA d;
CREATE TABLE d.owners (id integer PRIMARY KEY, name text);
CREATE TABLE d.pets (
    id integer PRIMARY KEY,
    name text,
    "best.owner_id" integer REFERENCES d.owners,
    keeper_id integer REFERENCES d.owners
);
COMMENT ON CONSTRAINT pets_keeper_id_fkey ON d.pets IS '@orm_ext name=a(b)';
INSERT INTO d.owners VALUES (1, 'ann');
-- WARNINGs: "best.owner", "a(b)" and the reverse "pet_by_best.owner" get no function
SET LOCAL client_min_messages = error;
SELECT lives_ok($$SELECT orm_ext.model_register('d.owners')$$, 'dotted name: owners registers');
SELECT lives_ok($$SELECT orm_ext.model_register('d.pets', '{"name": "pet"}')$$,
                'dotted name: pets with the column "best.owner_id" and a key named a(b) registers (with WARNINGs)');
SET LOCAL client_min_messages = warning;
SELECT is((SELECT array_agg(proname::text ORDER BY proname) FROM pg_proc
            WHERE pronamespace = 'd'::regnamespace AND (proname ~ '[.(),]' OR proname = 'pet_best.owner')),
          NULL, 'dotted name: no function named with . ( ) , (no "pet_best.owner", no "pet_a(b)")');
SELECT is((SELECT jsonb_object_agg(model || '.' || name, function::text) FROM orm_ext.model_relationships
            WHERE model_table IN ('d.pets'::regclass, 'd.owners'::regclass)),
          '{"pet.best.owner": null, "pet.a(b)": null, "owners.pet_by_best.owner": null,
            "owners.pet_by_keeper": "d.owners_pet_by_keeper(d.owners)"}'::jsonb,
          'dotted name: the relationships are listed, those with . or ( ) with a NULL function');
SELECT throws_ok($$SELECT d.pet_create_graph('{"id": 1, "best.owner": {"id": 1}}')$$, '42703',
                 'column or relationship "best.owner" of model "pet" does not exist',
                 'dotted name: _create_graph with the key "best.owner": 42703');
SELECT throws_ok($$SELECT d.pet_create_graph('{"id": 1, "a(b)": {"id": 1}}')$$, '42703',
                 'column or relationship "a(b)" of model "pet" does not exist',
                 'directive name=a(b): _create_graph with the key "a(b)": 42703');
SELECT is(d.pet_create_graph('{"id": 1, "name": "rex", "best.owner_id": 1}'),
          '{"id": 1, "name": "rex", "best.owner_id": 1, "keeper_id": null}'::jsonb,
          'dotted name: the column "best.owner_id" still works as a _create_graph key');

-------------------------------------------------------------------------------
-- 6. ALTER SCHEMA ... RENAME by its owner with another role's model in it
-------------------------------------------------------------------------------
CREATE ROLE tap_hard_a NOLOGIN;
CREATE ROLE tap_hard_b NOLOGIN;
CREATE SCHEMA shared AUTHORIZATION tap_hard_a;
-- renaming a schema needs CREATE on the database too
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO tap_hard_a', current_database()); END $$;
SET ROLE tap_hard_a;
GRANT USAGE, CREATE ON SCHEMA shared TO tap_hard_b;
CREATE TABLE shared.atab (id integer PRIMARY KEY, v text);
SELECT orm_ext.model_register('shared.atab');
SET ROLE tap_hard_b;
CREATE TABLE shared.ytab (id integer PRIMARY KEY, v text);
SELECT orm_ext.model_register('shared.ytab', '{"api_schema": "shared"}');
SET ROLE tap_hard_a;
SELECT lives_ok($$ALTER SCHEMA shared RENAME TO shared2$$,
                'schema rename: the owner renames a schema holding another role''s model');
SELECT is(pg_temp.json_of($$SELECT to_jsonb(x) FROM shared2.atab_create(1, 'x') AS x$$),
          '{"id": 1, "v": "x"}'::jsonb,
          'schema rename: the renamer''s own model follows the schema (atab_create)');
SELECT is(pg_temp.json_of($$SELECT shared2.atab_fetch(1)$$), '{"id": 1, "v": "x"}'::jsonb,
          'schema rename: and atab_fetch');
SET ROLE tap_hard_b;
-- docs/models.md, Relationships: another owner's models in a renamed schema
-- follow when that owner next registers or alters them
SELECT lives_ok($$ALTER TABLE shared2.ytab ADD COLUMN w integer$$,
                'schema rename: the other role''s next ALTER TABLE of its model regenerates it');
SELECT lives_ok($$SELECT orm_ext.model_register('shared2.ytab')$$,
                'schema rename: the other role registers its model again');
SELECT is(pg_temp.json_of($$SELECT to_jsonb(y) - 'w' FROM shared2.ytab_create(id => 1, v => 'y') AS y$$),
          '{"id": 1, "v": "y"}'::jsonb,
          'schema rename: the other role''s model works in the renamed schema (ytab_create)');
SELECT is(pg_temp.json_of($$SELECT shared2.ytab_fetch(1) - 'w'$$), '{"id": 1, "v": "y"}'::jsonb,
          'schema rename: and ytab_fetch');
RESET ROLE;

-------------------------------------------------------------------------------
-- 7. statements SPI refuses: 0A000, not an internal error
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.model_row_query('COMMIT', NULL::int)$$, '0A000', NULL,
                 'model_row_query(''COMMIT''): 0A000');
SELECT throws_ok($$SELECT orm_ext.model_row_exec('COPY (SELECT 1) TO STDOUT', NULL::int)$$, '0A000', NULL,
                 'model_row_exec(''COPY ... TO STDOUT''): 0A000');

-- 8. inheritance children repeating a key
CREATE SCHEMA "Inh ""S""";
CREATE TABLE "Inh ""S"""."Par ent" (id int PRIMARY KEY, v text, deleted_at timestamptz);
CREATE TABLE "Inh ""S""".child (extra int) INHERITS ("Inh ""S"""."Par ent");
SELECT orm_ext.model_register('"Inh ""S"""."Par ent"', '{"name": "Par \"x\""}');
INSERT INTO "Inh ""S"""."Par ent" (id, v) VALUES (1, 'parent'), (3, 'parent only');
INSERT INTO "Inh ""S""".child (id, v) VALUES (1, 'child'), (2, 'child only');
SELECT throws_ok($$SELECT "Inh ""S"""."Par ""x""_update"(1, '{"v": "changed"}')$$, '21000',
                 'Par "x"_update: 2 rows of "Inh ""S"""."Par ent" have this primary key',
                 '_update of a key in the table and in a child: 21000');
SELECT throws_ok($$SELECT "Inh ""S"""."Par ""x""_update"(1, '{}')$$, '21000', NULL, 'and with an empty patch');
SELECT throws_ok($$SELECT "Inh ""S"""."Par ""x""_delete"(1)$$, '21000',
                 'Par "x"_delete: 2 rows of "Inh ""S"""."Par ent" have this primary key',
                 '_delete of that key: 21000');
SELECT throws_ok($$SELECT "Inh ""S"""."Par ""x""_get"(1)$$, '21000', NULL, '_get of that key: 21000');
SELECT results_eq($$SELECT tableoid::regclass::text, id, v FROM "Inh ""S"""."Par ent" ORDER BY id, v$$,
                  $$VALUES ('"Inh ""S""".child', 1, 'child'), ('"Inh ""S"""."Par ent"', 1, 'parent'),
                           ('"Inh ""S""".child', 2, 'child only'), ('"Inh ""S"""."Par ent"', 3, 'parent only')$$,
                  'nothing was changed or deleted');
SELECT is(("Inh ""S"""."Par ""x""_update"(2, '{"v": "c2"}')).v, 'c2', 'a key only in a child: _update changes that row');
SELECT is("Inh ""S"""."Par ""x""_delete"(2), true, '_delete deletes it');
SELECT is("Inh ""S"""."Par ""x""_delete"(2), false, 'and then finds nothing');
-- with soft delete, the same
SELECT orm_ext.model_register('"Inh ""S"""."Par ent"', '{"name": "Par \"x\"", "soft_delete": true}');
SELECT throws_ok($$SELECT "Inh ""S""".child_delete(1)$$, '42883', NULL, 'no model for the child');
SELECT throws_ok($$SELECT "Inh ""S"""."Par ""x""_delete"(1)$$, '21000', NULL, 'soft _delete of the repeated key: 21000');
SELECT is("Inh ""S"""."Par ""x""_delete"(3), true, 'soft _delete of a key in one table');
SELECT is((SELECT count(*)::int FROM "Inh ""S"""."Par ent" WHERE deleted_at IS NOT NULL), 1, 'marked only that row');
-- the helper
SELECT throws_ok($$SELECT orm_ext.model_one_row(NULL, 'pg_class', 1)$$, '22004', NULL, 'model_one_row(NULL, ...): 22004');
SELECT throws_ok($$SELECT orm_ext.model_one_row('f', 'pg_class', NULL)$$, '22004', NULL, 'model_one_row(..., NULL): 22004');
SELECT is(ARRAY[orm_ext.model_one_row('f', 'pg_class', 0), orm_ext.model_one_row('f', 'pg_class', 1)], ARRAY[false, true],
          'model_one_row: false for 0 rows, true for 1');
SELECT throws_ok($$SELECT orm_ext.model_one_row('f', 'pg_class', 2)$$, '21000', 'f: 2 rows of pg_class have this primary key',
                 'model_one_row: 21000 for 2');
SELECT throws_ok($$SELECT orm_ext.model_one_row('f', 'no_such_table', 1)$$, '42P01', NULL, 'model_one_row of a missing table: 42P01');

SELECT * FROM finish();
ROLLBACK;
