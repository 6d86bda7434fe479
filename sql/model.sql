--
-- Models: the output of the examples in docs/models.md, on the seeds' blog
-- schema, and every error path by SQLSTATE.  Timestamps and generated UUIDs
-- are compared rather than printed, so the output is stable.  Roles are
-- cluster-wide, so every role here has the prefix regress_orm_ext_model and
-- is dropped at the end.  CONTEXT lines (PL/pgSQL line numbers) are left out.
--
\set SHOW_CONTEXT never

-- the functions: SECURITY INVOKER, executable by PUBLIC
SELECT p.proname, l.lanname AS language, p.provolatile AS volatile,
       p.prosecdef AS security_definer,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'orm_ext'::regnamespace
  AND (p.proname LIKE 'model\_%' OR p.proname IN ('timestamps', 'soft_delete'))
ORDER BY p.proname;
-- the registry: pg_dump keeps it; row level security guards it
SELECT c.relname, c.relrowsecurity AS rls,
       c.oid = ANY (e.extconfig) AS dumped
FROM pg_class c, pg_extension e
WHERE e.extname = 'orm_ext' AND c.relnamespace = 'orm_ext'::regnamespace
  AND c.relname LIKE 'model\_%' AND c.relkind = 'r'
ORDER BY 1;
SELECT evtname, evtevent, evttags FROM pg_event_trigger WHERE evtname LIKE 'orm_ext_model%' ORDER BY 1;

-------------------------------------------------------------------------------
-- walkthrough: users
-------------------------------------------------------------------------------
CREATE SCHEMA blog;
CREATE TABLE blog.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(100),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
SELECT orm_ext.model_register('blog.users', '{"timestamps": true, "soft_delete": true}');
SELECT kind, function FROM orm_ext.model_functions WHERE model = 'users';
SELECT * FROM orm_ext.models;
SELECT name, type, nullable, "default", server_owned, pk_position
FROM orm_ext.model_columns WHERE model = 'users' ORDER BY attnum;
-- the signatures: client columns named and defaulting like the columns
SELECT p.proname, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result, p.provolatile AS volatile, p.prosecdef AS security_definer
FROM pg_proc p WHERE p.pronamespace = 'blog'::regnamespace AND p.proname LIKE 'users\_%'
ORDER BY p.proname;
SELECT obj_description('blog.users_create'::regproc, 'pg_proc');
\d blog.users

-- create: positional, named; omitted = default, explicit NULL = NULL
SELECT id, username, email, display_name, is_active, created_at = now() AS created_now,
       updated_at = created_at AS same_time, deleted_at
FROM blog.users_create('alice', 'alice@example.com', 'Alice');
SELECT id, username, display_name, is_active
FROM blog.users_create(username => 'bob', email => 'bob@example.com');
SELECT id, username, display_name, is_active
FROM blog.users_create(username => 'carol', email => 'carol@example.com', is_active => false);
-- (terse: the DETAIL shows the failing row, with its timestamps)
\set VERBOSITY terse
SELECT * FROM blog.users_create(username => 'dave', email => 'dave@example.com', is_active => NULL);
SELECT * FROM blog.users_create(username => 'dave');
\set VERBOSITY default
SELECT * FROM blog.users_create(username => repeat('d', 51), email => 'long@example.com');
SELECT * FROM blog.users_create(username => 'alice', email => 'alice2@example.com');
-- no parameter for the server's columns
SELECT * FROM blog.users_create(username => 'dave', email => 'dave@example.com', created_at => now());

-- get
SELECT id, username, display_name FROM blog.users_get(1);
SELECT blog.users_get(42) IS NULL AS absent, blog.users_get(NULL) IS NULL AS no_key;
SELECT * FROM blog.users_get(42);   -- NULL: one row of NULLs in FROM

-- update: a patch
SELECT id, username, display_name, updated_at > created_at AS touched
FROM blog.users_update(1, '{"display_name": "Alice Liddell"}');
SELECT id, display_name, is_active FROM blog.users_update(3, '{"display_name": "Carol", "is_active": true}');
SELECT id, display_name FROM blog.users_update(1, '{"display_name": null}');
SELECT id, display_name FROM blog.users_update(1, '{"display_name": "Alice Liddell"}');
SELECT blog.users_update(42, '{"display_name": "nobody"}') IS NULL AS nothing_updated;
SELECT id, username FROM blog.users_update(1, '{"username": "alice", "email": "alice@example.com"}');
-- bad patches
SELECT * FROM blog.users_update(1, NULL);
SELECT * FROM blog.users_update(1, '[]');
SELECT * FROM blog.users_update(1, '"x"');
SELECT * FROM blog.users_update(1, '{"displayname": "Alice"}');
SELECT * FROM blog.users_update(1, '{"is_active": "maybe"}');
SELECT * FROM blog.users_update(1, '{"is_active": [true]}');
SELECT * FROM blog.users_update(1, '{"is_active": {"a": 1}}');
SELECT * FROM blog.users_update(1, '{"created_at": "2020-01-01"}');
SELECT * FROM blog.users_update(1, '{"updated_at": "2020-01-01"}');
SELECT * FROM blog.users_update(1, '{"deleted_at": null}');
SELECT * FROM blog.users_update(1, '{"id": 7}');
SELECT * FROM blog.users_update(1, '{"username": "bob"}');
SELECT * FROM blog.users_update(1, '{"ctid": "(0,1)"}');
-- an empty patch touches the row: the first column an UPDATE may set is set
-- to itself, and the trigger moves updated_at
SELECT updated_at AS before_touch FROM blog.users WHERE id = 1 \gset
SELECT id, username, display_name, updated_at > :'before_touch' AS touched FROM blog.users_update(1, '{}');

-- the gotcha: (f(...)).* calls f once per column
CREATE TABLE blog.counters (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int, b int, c int);
SELECT orm_ext.model_register('blog.counters');
SELECT (blog.counters_create(1, 2, 3)).*;
SELECT count(*) AS rows_inserted FROM blog.counters;
SELECT * FROM blog.counters_create(1, 2, 3);
SELECT count(*) AS rows_inserted FROM blog.counters;
DROP TABLE blog.counters;

-- delete: soft
SELECT blog.users_delete(2) AS deleted;
SELECT blog.users_delete(2) AS deleted_again, blog.users_get(2) IS NULL AS hidden,
       blog.users_update(2, '{"display_name": "ghost"}') IS NULL AS not_updated;
SELECT id, username, deleted_at IS NOT NULL AS soft_deleted, updated_at >= deleted_at AS touched
FROM blog.users ORDER BY id;
SELECT blog.users_delete(42) AS nothing;
-- the option attaches no soft_delete() trigger: a plain DELETE still deletes
SELECT tgname FROM pg_trigger WHERE tgrelid = 'blog.users'::regclass AND NOT tgisinternal ORDER BY 1;

-------------------------------------------------------------------------------
-- walkthrough: posts, with a version, a client-chosen uuid key and upsert
-------------------------------------------------------------------------------
CREATE TABLE blog.posts (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    author_id bigint NOT NULL REFERENCES blog.users (id),
    title varchar(200) NOT NULL,
    slug varchar(200) NOT NULL UNIQUE,
    body text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ON blog.posts (author_id);
SELECT orm_ext.model_register('blog.posts', '{"timestamps": true, "soft_delete": true, "version": true}');
SELECT * FROM orm_ext.models WHERE model = 'posts';
SELECT pg_get_function_arguments('blog.posts_create'::regproc) AS create_arguments,
       pg_get_function_arguments('blog.posts_update'::regproc) AS update_arguments;
SELECT id, title, status, version
FROM blog.posts_create(id => '01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', author_id => 1,
                       title => 'Getting Started with SQLAlchemy 2.0', slug => 'getting-started');
-- the generated key when none is given
SELECT orm_ext.uuid_extract_version(id) AS uuid_version, version
FROM blog.posts_create(author_id => 3, title => 'Draft', slug => 'draft');
SELECT blog.posts_delete(id) FROM blog.posts WHERE slug = 'draft';
-- optimistic locking
SELECT title, status, version
FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"status": "published", "version": 1}');
SELECT * FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"title": "Stale", "version": 1}');
SELECT * FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"title": "No version"}');
SELECT * FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"version": "two"}');
SELECT * FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"version": null}');
SELECT blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e99', '{"version": 1}') IS NULL AS no_row;
-- an empty patch with only the version: the row is touched, the version bumped
SELECT version, updated_at > created_at AS touched
FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"version": 2}');
-- upsert: replaces, revives, bumps the version without checking it
SELECT blog.posts_delete('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01') AS deleted;
SELECT version, deleted_at IS NOT NULL AS soft_deleted FROM blog.posts
WHERE id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e01';
SELECT title, status, body, version, deleted_at IS NULL AS alive, created_at < updated_at AS created_kept
FROM blog.posts_upsert(id => '01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', author_id => 1,
                       title => 'Getting Started with SQLAlchemy 2.0', slug => 'getting-started',
                       status => 'published');
SELECT title, body, status, version
FROM blog.posts_upsert(id => '01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', author_id => 1,
                       title => 'Getting Started', slug => 'getting-started');
SELECT * FROM blog.posts_upsert(author_id => 1, title => 'Copy', slug => 'getting-started');
\set VERBOSITY terse
SELECT * FROM blog.posts_upsert(id => '01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', author_id => 1,
                                title => NULL, slug => 'getting-started');
\set VERBOSITY default
-- upsert of a table whose key is GENERATED ALWAYS: nothing to conflict on, it inserts
SELECT id, username FROM blog.users_upsert(username => 'erin', email => 'erin@example.com');
SELECT pg_get_function_arguments('blog.users_upsert'::regproc) AS users_upsert_arguments;
-- the key itself can be patched when it is not the server's
SELECT id, version FROM blog.posts_create(id => '01a1fe93-87d8-7b9e-9cf9-1808e6b39e10', author_id => 3,
                                          title => 'Renumbered', slug => 'renumbered');
SELECT id, version FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e10',
                                          '{"id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e11", "version": 1}');
SELECT blog.posts_delete('01a1fe93-87d8-7b9e-9cf9-1808e6b39e11') AS deleted;

-------------------------------------------------------------------------------
-- list and page
-------------------------------------------------------------------------------
SELECT p.slug, p.version
FROM (VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e02'::uuid, 1, 'Advanced Querying Techniques', 'advanced-querying', 'draft'),
             ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e03'::uuid, 3, 'Python Best Practices', 'python-best-practices', 'published'),
             ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e04'::uuid, 3, 'Async Sessions', 'async-sessions', 'published'),
             ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e05'::uuid, 1, 'Alembic Migrations', 'alembic-migrations', 'archived'))
     AS i (id, author_id, title, slug, status),
     LATERAL blog.posts_create(id => i.id, author_id => i.author_id, title => i.title,
                               slug => i.slug, status => i.status) AS p;
SELECT slug, author_id, status FROM blog.posts_list();
SELECT title, author_id, status
FROM blog.posts_list('{"status": "published"}', ARRAY['author_id desc', 'title']);
SELECT slug FROM blog.posts_list('{"author_id": 1, "status": {"in": ["draft", "archived"]}}');
SELECT slug FROM blog.posts_list('{"status": {"neq": "published"}}');
SELECT slug FROM blog.posts_list('{"title": {"ilike": "%STARTED%"}}');
SELECT slug FROM blog.posts_list('{"title": {"like": "A%"}}', ARRAY['slug DESC']);
SELECT slug FROM blog.posts_list('{"slug": {"gte": "async", "lt": "python"}}');
SELECT slug FROM blog.posts_list('{"slug": {"gt": "async-sessions", "lte": "getting-started"}}');
SELECT slug FROM blog.posts_list('{"status": {"in": ["archived", null]}}');
SELECT slug FROM blog.posts_list('{"status": {"in": []}}');
SELECT slug FROM blog.posts_list('{"body": {"eq": ""}, "author_id": {"eq": 3}}');
SELECT slug FROM blog.posts_list('{"created_at": {"lte": "infinity"}}', page_size => 2);
SELECT slug FROM blog.posts_list('{"deleted_at": {"is_null": false}}');   -- soft-deleted rows never show
-- NULLs: last ascending, first descending; "col", "col asc", "col desc"
SELECT username, display_name FROM blog.users_list(order_by => ARRAY['display_name']);
SELECT username, display_name FROM blog.users_list(order_by => ARRAY['display_name desc']);
SELECT username, display_name FROM blog.users_list(order_by => ARRAY['  display_name   DESC ', 'id desc']);
SELECT username FROM blog.users_list('{"display_name": null}');
SELECT username FROM blog.users_list('{"display_name": {"eq": null}}');
SELECT username FROM blog.users_list('{"display_name": {"neq": null}}');
SELECT username FROM blog.users_list('{"display_name": {"is_null": true}}');
SELECT username FROM blog.users_list('{"is_active": true, "id": {"neq": 1}}');
SELECT username FROM blog.users_list(order_by => ARRAY['id', 'id desc', 'username']);   -- a repeated column counts once
-- bad filters, orders and sizes
SELECT * FROM blog.posts_list(NULL);
SELECT * FROM blog.posts_list('[]');
SELECT * FROM blog.posts_list('{"nope": 1}');
SELECT * FROM blog.posts_list('{"status": {"starts_with": "pub"}}');
SELECT * FROM blog.posts_list('{"author_id": {"lt": null}}');
SELECT * FROM blog.posts_list('{"author_id": {"in": 1}}');
SELECT * FROM blog.posts_list('{"author_id": {"is_null": "yes"}}');
SELECT * FROM blog.posts_list('{"author_id": {"like": "1%"}}');
SELECT * FROM blog.posts_list('{"slug": {"like": 1}}');
SELECT * FROM blog.posts_list('{"author_id": "one"}');
SELECT * FROM blog.posts_list('{"author_id": {"in": [1, "two"]}}');
SELECT * FROM blog.posts_list(order_by => ARRAY['published_at desc']);
SELECT * FROM blog.posts_list(order_by => ARRAY['title sideways']);
SELECT * FROM blog.posts_list(order_by => ARRAY[NULL]);
SELECT * FROM blog.posts_list(page_size => 0);
SELECT * FROM blog.posts_list(page_size => NULL);
-- pages: keyset cursor, bound to the order
SELECT p -> 'next_cursor' IS NOT NULL AS more, jsonb_path_query_array(p, '$.items[*].slug') AS slugs
FROM blog.posts_page(order_by => ARRAY['title'], page_size => 2) AS p;
SELECT blog.posts_page(order_by => ARRAY['title'], page_size => 2) ->> 'next_cursor' AS cursor \gset
SELECT convert_from(decode(translate(:'cursor', '-_', '+/'), 'base64'), 'UTF8')::jsonb AS cursor_content;
SELECT p -> 'next_cursor' IS NOT NULL AS more, jsonb_path_query_array(p, '$.items[*].slug') AS slugs
FROM blog.posts_page(order_by => ARRAY['title'], page_size => 2, after => :'cursor') AS p;
SELECT slug FROM blog.posts_list(order_by => ARRAY['title'], page_size => 2, after => :'cursor');
SELECT blog.posts_page(order_by => ARRAY['title'], page_size => 2, after => :'cursor') ->> 'next_cursor' AS cursor \gset
SELECT p -> 'next_cursor' AS next_cursor, jsonb_path_query_array(p, '$.items[*].slug') AS slugs
FROM blog.posts_page(order_by => ARRAY['title'], page_size => 2, after => :'cursor') AS p;
-- a last page that is exactly full has no next cursor
SELECT p -> 'next_cursor' AS next_cursor, jsonb_array_length(p -> 'items') AS items
FROM blog.posts_page(page_size => 5) AS p;
SELECT blog.posts_page('{"slug": "nope"}');
SELECT jsonb_pretty(blog.users_page('{"username": "alice"}') #- '{items,0,created_at}' #- '{items,0,updated_at}');
SELECT blog.posts_page(order_by => ARRAY['slug'], after => :'cursor');
SELECT blog.posts_page(order_by => ARRAY['title'], after => 'garbage');
SELECT blog.posts_page(order_by => ARRAY['title'],
                       after => translate(encode(convert_to('{"o": [["title", false], ["id", false]], "k": ["x", "not-a-uuid"]}', 'UTF8'), 'base64'), E'+/\n', '-_'));
-- walking every page, with NULLs in the sort key, both directions
CREATE FUNCTION pg_temp.walk(ord text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE c text; p jsonb;
BEGIN
    LOOP
        p := blog.users_page(order_by => ord, page_size => 1, after => c);
        RETURN NEXT (p -> 'items' -> 0 ->> 'username') || ' ' || COALESCE(p -> 'items' -> 0 ->> 'display_name', 'NULL');
        c := p ->> 'next_cursor';
        EXIT WHEN c IS NULL;
    END LOOP;
END $$;
SELECT * FROM pg_temp.walk(ARRAY['display_name']);
SELECT * FROM pg_temp.walk(ARRAY['display_name desc']);
SELECT * FROM pg_temp.walk(ARRAY['display_name desc', 'id desc']);
SELECT * FROM pg_temp.walk(ARRAY['is_active', 'display_name']);

-------------------------------------------------------------------------------
-- types: identity BY DEFAULT, serial, domains, arrays, jsonb, a generated
-- column, a composite key; a table with only server-owned columns
-------------------------------------------------------------------------------
CREATE DOMAIN blog.slug AS text DEFAULT 'untitled' CHECK (VALUE ~ '^[a-z0-9-]+$');
CREATE TABLE blog.kinds (
    a integer GENERATED BY DEFAULT AS IDENTITY,
    b serial,
    s blog.slug,
    tags text[] NOT NULL DEFAULT '{}',
    meta jsonb,
    at date,
    upper_s text GENERATED ALWAYS AS (upper(s)) STORED,
    PRIMARY KEY (a, b)
);
SELECT orm_ext.model_register('blog.kinds');
SELECT pg_get_function_arguments('blog.kinds_create'::regproc) AS create_arguments,
       pg_get_function_arguments('blog.kinds_update'::regproc) AS update_arguments;
SELECT * FROM blog.kinds_create();
SELECT * FROM blog.kinds_update(1, 1, '{"tags": ["x", "y,z", "q\"r", null], "meta": {"k": [1, 2]},
                                        "s": "ok-slug", "at": "2026-01-31"}');
SELECT tags, meta FROM blog.kinds_update(1, 1, '{"tags": "{p,q}", "meta": "just a string"}');
SELECT * FROM blog.kinds_update(1, 1, '{"s": "Bad Slug"}');
SELECT * FROM blog.kinds_update(1, 1, '{"at": "2026-02-30"}');
SELECT * FROM blog.kinds_update(1, 1, '{"a": 99999999999}');
SELECT * FROM blog.kinds_update(1, 1, '{"upper_s": "X"}');
SELECT * FROM blog.kinds_update(1, 1, '{"tags": {"a": 1}}');
SELECT * FROM blog.kinds_update(1, 1, '{"tags": [{"a": 1}]}');
SELECT a, b FROM blog.kinds_update(1, 1, '{}');       -- an empty patch touches the row
SELECT a, b, s FROM blog.kinds_list('{"tags": ["p", "q"]}');
SELECT a, b, s FROM blog.kinds_list('{"meta": {"eq": "just a string"}}');
SELECT * FROM blog.kinds_list('{"meta": {"k": 1}}');
SELECT * FROM blog.kinds_list('{"meta": {"lt": 1}}');
SELECT a, b FROM blog.kinds_get(1, 1);
SELECT blog.kinds_delete(1, 1) AS deleted, blog.kinds_delete(1, 1) AS deleted_again;
CREATE TABLE blog.only_server (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
SELECT orm_ext.model_register('blog.only_server');
SELECT pg_get_function_arguments('blog.only_server_create'::regproc) AS create_arguments;
SELECT * FROM blog.only_server_create();
SELECT * FROM blog.only_server_upsert();
SELECT * FROM blog.only_server_update(1, '{}');    -- nothing an UPDATE may set: the row as it is
SELECT blog.only_server_update(3, '{}') IS NULL AS absent;
DROP TABLE blog.only_server;
-- a key column named patch: the JSON parameter has no name
CREATE TABLE blog.patches (patch text PRIMARY KEY, v integer);
SELECT orm_ext.model_register('blog.patches');
SELECT pg_get_function_arguments('blog.patches_update'::regproc) AS update_arguments;
SELECT * FROM blog.patches_create('a', 1);
SELECT * FROM blog.patches_update('a', '{"v": 2}');
DROP TABLE blog.patches;

-------------------------------------------------------------------------------
-- registration errors
-------------------------------------------------------------------------------
CREATE TABLE blog.tags (id integer PRIMARY KEY, name varchar(50) NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz,
                        n integer);
SELECT orm_ext.model_register(NULL);
SELECT orm_ext.model_register('blog.tags', NULL);
SELECT orm_ext.model_register('blog.tags', '[]');
SELECT orm_ext.model_register('blog.tags', '{"timestamp": true}');
SELECT orm_ext.model_register('blog.tags', '{"api_schema": 1}');
SELECT orm_ext.model_register('blog.tags', '{"api_schema": "v2"}');
SELECT orm_ext.model_register('blog.tags', '{"name": ""}');
SELECT orm_ext.model_register('blog.tags', '{"name": 5}');
SELECT orm_ext.model_register('blog.tags', jsonb_build_object('name', repeat('x', 57)));
SELECT orm_ext.model_register('blog.tags', '{"timestamps": "yes"}');
SELECT orm_ext.model_register('blog.tags', '{"timestamps": {"created": "created_at"}}');
SELECT orm_ext.model_register('blog.tags', '{"timestamps": {"created_at": "created_at", "updated_at": "created_at"}}');
SELECT orm_ext.model_register('blog.tags', '{"timestamps": {"created_at": "made_at"}}');
SELECT orm_ext.model_register('blog.tags', '{"timestamps": {"updated_at": "name"}}');
SELECT orm_ext.model_register('blog.tags', '{"soft_delete": 1}');
SELECT orm_ext.model_register('blog.tags', '{"soft_delete": true}');
SELECT orm_ext.model_register('blog.tags', '{"soft_delete": "created_at"}');
SELECT orm_ext.model_register('blog.tags', '{"timestamps": true, "soft_delete": "updated_at"}');
SELECT orm_ext.model_register('blog.tags', '{"version": true}');
SELECT orm_ext.model_register('blog.tags', '{"version": "name"}');
SELECT orm_ext.model_register('blog.tags', '{"version": 1}');
SELECT orm_ext.model_register('blog.tags', '{"version": "n", "soft_delete": "n"}');
CREATE VIEW blog.tag_names AS SELECT name FROM blog.tags;
SELECT orm_ext.model_register('blog.tag_names');
CREATE SEQUENCE blog.seq;
SELECT orm_ext.model_register('blog.seq');
CREATE TABLE blog.no_pk (a integer);
SELECT orm_ext.model_register('blog.no_pk');
SELECT orm_ext.model_register(1::oid::regclass);
SELECT orm_ext.model_register('blog.no_such_table');
-- a function of a generated name that orm_ext did not generate
CREATE FUNCTION blog.tags_get(id text) RETURNS text LANGUAGE sql AS $$ SELECT 'mine' $$;
SELECT orm_ext.model_register('blog.tags');
SELECT count(*) AS registered FROM orm_ext.models WHERE "table" = 'blog.tags'::regclass;
SELECT blog.tags_get('1') AS still_mine;
-- a model of the same name in the same schema
CREATE TABLE public.users (id integer PRIMARY KEY);
SELECT orm_ext.model_register('public.users', '{"api_schema": "blog"}');
DROP TABLE public.users;
-- under another name it works; registering again under another name or
-- schema drops the old functions
SELECT orm_ext.model_register('blog.tags', '{"name": "tag", "timestamps": true}');
SELECT kind, function FROM orm_ext.model_functions WHERE "table" = 'blog.tags'::regclass ORDER BY kind;
SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE tgrelid = 'blog.tags'::regclass AND NOT tgisinternal;
CREATE SCHEMA api;
SELECT orm_ext.model_register('blog.tags', '{"api_schema": "api", "name": "tag", "timestamps": true}');
SELECT kind, function FROM orm_ext.model_functions WHERE "table" = 'blog.tags'::regclass ORDER BY kind;
SELECT count(*) AS old_functions FROM pg_proc WHERE pronamespace = 'blog'::regnamespace AND proname LIKE 'tag\_%';
-- the API schema dropped: the model is forgotten
SET client_min_messages = warning;
DROP SCHEMA api CASCADE;
RESET client_min_messages;
SELECT count(*) AS registered FROM orm_ext.models WHERE "table" = 'blog.tags'::regclass;
SELECT count(*) AS generated FROM orm_ext.model_generated_functions WHERE model_table = 'blog.tags'::regclass;
-- (the timestamps trigger stays on the table)
SELECT tgname FROM pg_trigger WHERE tgrelid = 'blog.tags'::regclass AND NOT tgisinternal;
DROP TRIGGER orm_ext_timestamps ON blog.tags;
DROP FUNCTION blog.tags_get(text);
-- a renamed API schema is followed, and a renamed table schema regenerates
CREATE SCHEMA api;
CREATE SCHEMA notes;
CREATE TABLE notes.notes (id integer PRIMARY KEY, body text);
SELECT orm_ext.model_register('notes.notes', '{"api_schema": "api"}');
ALTER SCHEMA api RENAME TO api_v2;
SELECT model, "table", api_schema FROM orm_ext.models WHERE model = 'notes';
SELECT * FROM api_v2.notes_create(1, 'x');
ALTER SCHEMA notes RENAME TO notes_v2;
SELECT model, "table", api_schema FROM orm_ext.models WHERE model = 'notes';
SELECT * FROM api_v2.notes_get(1);
ALTER TABLE notes_v2.notes SET SCHEMA blog;
SELECT model, "table", api_schema FROM orm_ext.models WHERE model = 'notes';
SELECT id, body FROM api_v2.notes_list();
DROP SCHEMA notes_v2;
-- DROP SCHEMA ... CASCADE of a table's schema and of the API schema (of gone.t and notes)
CREATE SCHEMA gone;
CREATE TABLE gone.t (id integer PRIMARY KEY);
SELECT orm_ext.model_register('gone.t', '{"api_schema": "api_v2"}');
SET client_min_messages = warning;
DROP SCHEMA gone, api_v2 CASCADE;
RESET client_min_messages;
SELECT model FROM orm_ext.models WHERE model IN ('t', 'notes');
SELECT count(*) AS functions_left FROM pg_proc WHERE proname ~ '^(t|notes)_(create|get|update|upsert|delete|list|page)$';
DROP TABLE blog.notes;

-------------------------------------------------------------------------------
-- DDL keeps the functions in step
-------------------------------------------------------------------------------
SELECT orm_ext.model_register('blog.tags');
-- privileges survive regeneration
CREATE ROLE regress_orm_ext_model_web NOLOGIN;
GRANT USAGE ON SCHEMA blog TO regress_orm_ext_model_web;
REVOKE EXECUTE ON FUNCTION blog.tags_create, blog.tags_delete FROM PUBLIC;
GRANT EXECUTE ON FUNCTION blog.tags_create TO regress_orm_ext_model_web WITH GRANT OPTION;
CREATE TEMP TABLE before AS
SELECT kind, function::oid AS oid FROM orm_ext.model_functions WHERE model = 'tags';
ALTER TABLE blog.tags ADD COLUMN color text NOT NULL DEFAULT 'grey';
SELECT f.kind, f.function, f.function::oid = b.oid AS same_oid,
       has_function_privilege('public', f.function, 'EXECUTE') AS public_execute,
       has_function_privilege('regress_orm_ext_model_web', f.function, 'EXECUTE') AS web_execute,
       has_function_privilege('regress_orm_ext_model_web', f.function, 'EXECUTE WITH GRANT OPTION') AS web_grant
FROM orm_ext.model_functions f JOIN before b USING (kind) WHERE f.model = 'tags' ORDER BY f.kind;
SELECT id, name, color FROM blog.tags_create(1, 'sql');
-- rename, retype, set default, drop: in the same transaction, and rolled back with it
ALTER TABLE blog.tags RENAME COLUMN color TO colour;
SELECT pg_get_function_arguments('blog.tags_create'::regproc) AS create_arguments;
ALTER TABLE blog.tags ALTER COLUMN colour SET DEFAULT 'blue', ALTER COLUMN n TYPE bigint;
SELECT pg_get_function_arguments('blog.tags_create'::regproc) AS create_arguments;
BEGIN;
ALTER TABLE blog.tags DROP COLUMN colour;
SELECT pg_get_function_arguments('blog.tags_create'::regproc) AS create_arguments;
ROLLBACK;
SELECT pg_get_function_arguments('blog.tags_create'::regproc) AS create_arguments;
SELECT has_function_privilege('public', 'blog.tags_create'::regproc, 'EXECUTE') AS public_execute,
       has_function_privilege('regress_orm_ext_model_web', 'blog.tags_create'::regproc, 'EXECUTE') AS web_execute;
-- what regenerates: xmin of a function unchanged in signature
CREATE FUNCTION pg_temp.gen() RETURNS xid LANGUAGE sql AS $$ SELECT xmin FROM pg_proc WHERE oid = 'blog.tags_get'::regproc $$;
CREATE TEMP TABLE gens (what text, x xid);
INSERT INTO gens VALUES ('start', pg_temp.gen());
COMMENT ON TABLE blog.tags IS 'tags';
INSERT INTO gens VALUES ('COMMENT ON TABLE', pg_temp.gen());
GRANT SELECT ON blog.tags TO regress_orm_ext_model_web;
INSERT INTO gens VALUES ('GRANT', pg_temp.gen());
CREATE INDEX tags_name_idx ON blog.tags (name);
INSERT INTO gens VALUES ('CREATE INDEX', pg_temp.gen());
DROP INDEX blog.tags_name_idx;
INSERT INTO gens VALUES ('DROP INDEX', pg_temp.gen());
CREATE POLICY everything ON blog.tags USING (true);
INSERT INTO gens VALUES ('CREATE POLICY', pg_temp.gen());
DROP POLICY everything ON blog.tags;
CREATE TABLE blog.unrelated (id integer);
INSERT INTO gens VALUES ('CREATE TABLE (another)', pg_temp.gen());
ALTER TABLE blog.tags ALTER COLUMN name SET STATISTICS 100;
INSERT INTO gens VALUES ('ALTER TABLE', pg_temp.gen());
SELECT what, x <> lag(x) OVER (ORDER BY ctid) AS regenerated FROM gens ORDER BY ctid;
DROP TABLE blog.unrelated;
-- the primary key: dropped alone, the functions wait (WARNING) until one is added
ALTER TABLE blog.tags DROP CONSTRAINT tags_pkey;
ALTER TABLE blog.tags ADD PRIMARY KEY (id);
-- replaced in one ALTER TABLE
ALTER TABLE blog.tags DROP CONSTRAINT tags_pkey, ADD PRIMARY KEY (name);
SELECT pg_get_function_arguments('blog.tags_get'::regproc) AS get_arguments;
SELECT name, colour FROM blog.tags_get('sql');
-- a dropped generated function comes back with the next DDL
DROP FUNCTION blog.tags_page;
SELECT count(*) AS functions FROM orm_ext.model_functions WHERE model = 'tags';
ALTER TABLE blog.tags ALTER COLUMN n SET DEFAULT 0;
SELECT count(*) AS functions FROM orm_ext.model_functions WHERE model = 'tags';
-- a function of a generated name created after registration blocks the next DDL
DROP FUNCTION blog.tags_list;
CREATE FUNCTION blog.tags_list(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x $$;
ALTER TABLE blog.tags ALTER COLUMN n SET DEFAULT 1;
DROP FUNCTION blog.tags_list(integer);
ALTER TABLE blog.tags ALTER COLUMN n SET DEFAULT 1;
-- the option columns: soft_delete and version cannot be dropped or renamed
ALTER TABLE blog.posts DROP COLUMN version;
ALTER TABLE blog.posts RENAME COLUMN deleted_at TO removed_at;
-- a renamed timestamps column: register again in the same transaction
BEGIN;
ALTER TABLE blog.users RENAME COLUMN created_at TO inserted_at;
SELECT orm_ext.model_register('blog.users', '{"timestamps": {"created_at": "inserted_at"}, "soft_delete": true}');
SELECT pg_get_function_arguments('blog.users_create'::regproc) AS create_arguments;
SELECT username, inserted_at = now() AS inserted_now FROM blog.users_create('zed', 'zed@example.com');
ROLLBACK;
-- without it, every insert fails
BEGIN;
ALTER TABLE blog.users RENAME COLUMN created_at TO inserted_at;
SELECT * FROM blog.users_create('zed', 'zed@example.com');
ROLLBACK;
-- regenerated by a superuser, the functions go to the table's owner
CREATE ROLE regress_orm_ext_model_owner NOLOGIN;
GRANT USAGE, CREATE ON SCHEMA blog TO regress_orm_ext_model_owner;
ALTER TABLE blog.tags OWNER TO regress_orm_ext_model_owner;
ALTER TABLE blog.tags ADD COLUMN note text;
SELECT DISTINCT pg_get_userbyid(p.proowner) AS owner
FROM orm_ext.model_functions f JOIN pg_proc p ON p.oid = f.function WHERE f.model = 'tags';
SET ROLE regress_orm_ext_model_owner;
ALTER TABLE blog.tags ADD COLUMN note2 text;
SELECT pg_get_function_arguments('blog.tags_create'::regproc) AS create_arguments;
RESET ROLE;

-------------------------------------------------------------------------------
-- security
-------------------------------------------------------------------------------
-- only the owner registers or unregisters
SET ROLE regress_orm_ext_model_web;
SELECT orm_ext.model_register('blog.posts', '{"name": "mine"}');
SELECT orm_ext.model_unregister('blog.posts');
-- the registry: readable, writable only for one's own tables
SELECT count(*) AS models_visible FROM orm_ext.models;
DELETE FROM orm_ext.model_registry;
UPDATE orm_ext.model_registry SET model_name = 'x';
DELETE FROM orm_ext.model_generated_functions;
INSERT INTO orm_ext.model_registry (model_table, model_name, api_schema, options)
VALUES ('blog.posts', 'posts2', 'blog', '{}');
RESET ROLE;
SELECT count(*) AS models FROM orm_ext.models;
-- the generated functions run as the caller: table privileges
SET ROLE regress_orm_ext_model_web;
SELECT * FROM blog.posts_get('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01');
SELECT * FROM blog.tags_create(2, 'python');     -- EXECUTE granted, but no INSERT on the table
SELECT * FROM blog.tags_delete('sql');           -- EXECUTE revoked
RESET ROLE;
GRANT SELECT, INSERT, UPDATE ON blog.posts TO regress_orm_ext_model_web;
-- and row level security
ALTER TABLE blog.posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_posts ON blog.posts TO regress_orm_ext_model_web
    USING (author_id = 3) WITH CHECK (author_id = 3);
SET ROLE regress_orm_ext_model_web;
SELECT slug FROM blog.posts_list();
SELECT blog.posts_get('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01') IS NULL AS hidden;
SELECT blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01', '{"version": 5}') IS NULL AS not_updated;
SELECT slug, version FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e03', '{"body": "PEP 8.", "version": 1}');
SELECT * FROM blog.posts_create(author_id => 1, title => 'As Alice', slug => 'as-alice');
SELECT blog.posts_delete('01a1fe93-87d8-7b9e-9cf9-1808e6b39e04') AS soft_deleted;   -- an UPDATE: allowed
SELECT * FROM blog.users_get(1);     -- no SELECT on users
RESET ROLE;
DROP POLICY own_posts ON blog.posts;
ALTER TABLE blog.posts DISABLE ROW LEVEL SECURITY;

-------------------------------------------------------------------------------
-- the triggers on their own
-------------------------------------------------------------------------------
CREATE TABLE blog.sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL,
    created_at timestamptz,
    updated_at timestamp,
    ended_at timestamptz,
    note text
);
CREATE TRIGGER sessions_timestamps BEFORE INSERT OR UPDATE ON blog.sessions
    FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
INSERT INTO blog.sessions (user_id, created_at, updated_at) VALUES (1, '2000-01-01', '2000-01-01')
RETURNING created_at = now() AS created_now, updated_at = now()::timestamp AS updated_now;
UPDATE blog.sessions SET created_at = '2000-01-01', note = 'x'
RETURNING created_at < now() AS created_kept, updated_at = now()::timestamp AS updated_now;
CREATE TRIGGER sessions_soft_delete BEFORE DELETE ON blog.sessions
    FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('ended_at');
DELETE FROM blog.sessions WHERE user_id = 1;
SELECT id, ended_at IS NOT NULL AS ended FROM blog.sessions;
BEGIN;
SELECT ended_at AS first_end FROM blog.sessions \gset
DELETE FROM blog.sessions;
SELECT ended_at = :'first_end' AS unchanged FROM blog.sessions;
COMMIT;
-- misuse
SELECT orm_ext.timestamps();
SELECT orm_ext.soft_delete();
CREATE TABLE blog.misuse (id integer PRIMARY KEY, created_at timestamptz, updated_at timestamptz,
                          deleted_at timestamptz, body text);
INSERT INTO blog.misuse (id) VALUES (1);
CREATE TRIGGER t AFTER INSERT ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE INSERT ON blog.misuse FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.timestamps();
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE INSERT ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('created_at');
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE INSERT ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('created_at', 'created_at');
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE INSERT ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('made_at', 'updated_at');
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE INSERT ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('body', 'updated_at');
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE DELETE ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
DELETE FROM blog.misuse;
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE INSERT ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
INSERT INTO blog.misuse (id) VALUES (2);
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE DELETE ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('a', 'b');
DELETE FROM blog.misuse;
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE DELETE ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('gone_at');
DELETE FROM blog.misuse;
DROP TRIGGER t ON blog.misuse;
CREATE TRIGGER t BEFORE DELETE ON blog.misuse FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('body');
DELETE FROM blog.misuse;
DROP TRIGGER t ON blog.misuse;
DROP TABLE blog.misuse;

-------------------------------------------------------------------------------
-- unregister, DROP TABLE
-------------------------------------------------------------------------------
SELECT orm_ext.model_unregister(NULL);
SELECT orm_ext.model_unregister('blog.no_pk');
SELECT orm_ext.model_unregister('blog.tag_names');
SELECT orm_ext.model_unregister('blog.kinds');
SELECT count(*) AS kinds_functions FROM pg_proc WHERE pronamespace = 'blog'::regnamespace AND proname LIKE 'kinds\_%';
SELECT count(*) AS kinds_rows FROM blog.kinds;
SELECT orm_ext.model_unregister('blog.kinds');
SELECT orm_ext.model_unregister('blog.users');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'blog.users'::regclass AND NOT tgisinternal;
-- DROP TABLE: the functions first, then the registration
DROP TABLE blog.posts;
SELECT model FROM orm_ext.models ORDER BY 1;
SELECT count(*) AS posts_functions FROM pg_proc WHERE pronamespace = 'blog'::regnamespace AND proname LIKE 'posts\_%';
SELECT count(*) AS generated FROM orm_ext.model_generated_functions;
SET client_min_messages = warning;
DROP SCHEMA blog CASCADE;
RESET client_min_messages;
SELECT count(*) AS models, (SELECT count(*) FROM orm_ext.model_generated_functions) AS generated
FROM orm_ext.models;
DROP ROLE regress_orm_ext_model_web, regress_orm_ext_model_owner;
