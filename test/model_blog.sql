-- The seeds' blog application (sqlalchemy-2-reference.md, "Complete Code
-- Examples": users, posts with the PostStatus enum, threaded comments, tags
-- and the post_tags association table, the TimestampMixin) as models, driven
-- only through the generated functions: named and positional calls,
-- omitted arguments against explicit NULLs, enum values, foreign key,
-- unique and not-null refusals, filters and ordering on the enum, keyset
-- paging to the last page, the composite key of post_tags, soft delete,
-- optimistic locking, the mixin's timestamps, privileges and a row level
-- security policy.  Roles made here start with model_blog_ and go with the
-- ROLLBACK (they are also dropped explicitly at the end).
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(135);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql
-- the value q returns, as text, or the SQLSTATE of the error it raises
CREATE FUNCTION pg_temp.outcome(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    EXECUTE q INTO v;
    RETURN v;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
\ir lib/keys.sql
-- the values of key k of the items of a page, in order
CREATE FUNCTION pg_temp.item_keys(page jsonb, k text DEFAULT 'id') RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(e ->> k ORDER BY n), '{}')
      FROM jsonb_array_elements(page -> 'items') WITH ORDINALITY AS x(e, n)
$$;
-- follow next_cursor from the first page to the last: every item in order,
-- the size of every page, and whether the last page had a null next_cursor
CREATE FUNCTION pg_temp.walk(fn text, filter jsonb, order_by text[], page_size int,
                             OUT items jsonb, OUT sizes int[], OUT ended boolean)
LANGUAGE plpgsql AS $$
DECLARE
    page jsonb;
    cur text;
BEGIN
    items := '[]';
    sizes := '{}';
    LOOP
        EXECUTE format('SELECT %s($1, $2, $3, $4)', fn) INTO page USING filter, order_by, page_size, cur;
        items := items || (page -> 'items');
        sizes := sizes || jsonb_array_length(page -> 'items');
        cur := page ->> 'next_cursor';
        ended := jsonb_typeof(page -> 'next_cursor') = 'null';
        EXIT WHEN cur IS NULL OR cardinality(sizes) > 100;
    END LOOP;
END $$;
CREATE FUNCTION pg_temp.walk_ids(fn text, filter jsonb, order_by text[], page_size int, k text DEFAULT 'id')
RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(e ->> k ORDER BY n), '{}')
      FROM jsonb_array_elements((pg_temp.walk(fn, filter, order_by, page_size)).items) WITH ORDINALITY AS x(e, n)
$$;

-------------------------------------------------------------------------------
-- the seeds' schema, as SQLAlchemy's create_all would make it on PostgreSQL
-- (Integer primary keys are SERIAL, SAEnum(PostStatus) is an enum type named
-- poststatus, the mixin's DateTime is timestamp without time zone), plus a
-- deleted_at and a version on posts for soft delete and optimistic locking
-------------------------------------------------------------------------------
CREATE SCHEMA blog;
CREATE TYPE blog.poststatus AS ENUM ('draft', 'published', 'archived');
CREATE TABLE blog.users (
    id serial PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(100),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp
);
CREATE INDEX ix_users_username ON blog.users (username);
CREATE TABLE blog.posts (
    id serial PRIMARY KEY,
    title varchar(200) NOT NULL,
    slug varchar(200) NOT NULL UNIQUE,
    body text NOT NULL,
    status blog.poststatus NOT NULL DEFAULT 'draft',
    author_id integer NOT NULL REFERENCES blog.users (id),
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp,
    deleted_at timestamp,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ix_posts_author_status ON blog.posts (author_id, status);
CREATE TABLE blog.comments (
    id serial PRIMARY KEY,
    body text NOT NULL,
    post_id integer NOT NULL REFERENCES blog.posts (id),
    author_id integer NOT NULL REFERENCES blog.users (id),
    parent_id integer REFERENCES blog.comments (id),
    created_at timestamp NOT NULL DEFAULT now(),
    updated_at timestamp
);
CREATE TABLE blog.tags (
    id serial PRIMARY KEY,
    name varchar(50) NOT NULL UNIQUE
);
CREATE TABLE blog.post_tags (
    post_id integer REFERENCES blog.posts (id) ON DELETE CASCADE,
    tag_id integer REFERENCES blog.tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);

SELECT orm_ext.model_register('blog.users', '{"timestamps": true}');
SELECT orm_ext.model_register('blog.posts', '{"timestamps": true, "soft_delete": true, "version": true}');
SELECT orm_ext.model_register('blog.comments', '{"timestamps": {"created_at": "created_at", "updated_at": "updated_at"}}');
SELECT orm_ext.model_register('blog.tags');
SELECT orm_ext.model_register('blog.post_tags');

-- look-ups by natural key, for the set-up of the assertions (ids come from
-- sequences, and a refused insert still uses one up)
CREATE FUNCTION pg_temp.uid(u text) RETURNS integer LANGUAGE sql AS $$ SELECT id FROM blog.users WHERE username = u $$;
CREATE FUNCTION pg_temp.pid(s text) RETURNS integer LANGUAGE sql AS $$ SELECT id FROM blog.posts WHERE slug = s $$;
CREATE FUNCTION pg_temp.tid(n text) RETURNS integer LANGUAGE sql AS $$ SELECT id FROM blog.tags WHERE name = n $$;

SELECT is(ARRAY(SELECT model::text FROM orm_ext.models WHERE "table"::text LIKE 'blog.%' ORDER BY 1),
          ARRAY['comments', 'post_tags', 'posts', 'tags', 'users'], 'the five tables of the blog are models');
SELECT is(pg_get_function_arguments('blog.posts_create'::regproc),
          'id integer DEFAULT nextval(''blog.posts_id_seq''::regclass), title character varying DEFAULT NULL::character varying, '
          'slug character varying DEFAULT NULL::character varying, body text DEFAULT NULL::text, '
          'status blog.poststatus DEFAULT ''draft''::blog.poststatus, author_id integer DEFAULT NULL::integer',
          'posts_create: the serial id defaults to nextval, status is typed blog.poststatus and defaults to draft; no server-owned column');
SELECT is(ARRAY(SELECT name::text FROM orm_ext.model_columns WHERE model = 'posts' AND server_owned ORDER BY attnum),
          ARRAY['created_at', 'updated_at', 'deleted_at', 'version'], 'posts: the mixin columns, deleted_at and version are the server''s');
SELECT is(pg_get_function_arguments('blog.post_tags_get'::regproc), 'post_id integer, tag_id integer',
          'post_tags_get takes the composite key in key order');

-------------------------------------------------------------------------------
-- users: named arguments, omitted defaults, explicit NULLs, timestamps
-------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT username::text, email::text, display_name::text, is_active, created_at = localtimestamp, updated_at = created_at
        FROM blog.users_create(username => 'alice', email => 'alice@example.com', display_name => 'Alice')$$,
    $$VALUES ('alice', 'alice@example.com', 'Alice', true, true, true)$$,
    'users_create by name: is_active takes its default; the mixin sets created_at and updated_at to the transaction time');
SELECT results_eq(
    $$SELECT username::text, display_name::text, is_active FROM blog.users_create(email => 'bob@example.com', username => 'bob', display_name => 'Bob')$$,
    $$VALUES ('bob', 'Bob', true)$$, 'named arguments in any order');
SELECT results_eq(
    $$SELECT username::text, display_name IS NULL, is_active FROM blog.users_create(username => 'carol', email => 'carol@example.com',
                                                                               display_name => NULL, is_active => false)$$,
    $$VALUES ('carol', true, false)$$, 'an explicit NULL for a nullable column and false for is_active are stored as given');
SELECT results_eq(
    $$SELECT id, username::text FROM blog.users_create(1000, 'dave', 'dave@example.com', 'Dave', true)$$,
    $$VALUES (1000, 'dave')$$, 'a positional call with an explicit id: the serial''s default is only a default');
SELECT throws_ok($$SELECT blog.users_create(username => 'erin', email => 'erin@example.com', is_active => NULL)$$, '23502', NULL,
                 'an explicit NULL for is_active is NULL, not its default: 23502');
SELECT throws_ok($$SELECT blog.users_create(username => 'erin')$$, '23502', NULL, 'omitting email (NOT NULL, no default): 23502');
SELECT throws_ok($$SELECT blog.users_create(username => 'alice', email => 'alice2@example.com')$$, '23505', NULL,
                 'a second alice: 23505 (username is unique)');
SELECT throws_ok($$SELECT blog.users_create(username => 'alice2', email => 'alice@example.com')$$, '23505', NULL,
                 'a second alice@example.com: 23505 (email is unique)');
SELECT throws_ok(format($$SELECT blog.users_create(username => %L, email => 'long@example.com')$$, repeat('x', 51)), '22001', NULL,
                 'a 51-character username for varchar(50): 22001, not cut to fit');
SELECT throws_ok($$SELECT blog.users_create(username => 'erin', email => 'erin@example.com', created_at => now())$$, '42883', NULL,
                 'created_at has no parameter (the mixin''s column is the server''s): 42883');
SELECT is((SELECT count(*) FROM blog.users), 4::bigint, 'the refused creates left no row behind');

SELECT results_eq($$SELECT username::text, email::text FROM blog.users_get(pg_temp.uid('bob'))$$,
                  $$VALUES ('bob', 'bob@example.com')$$, 'users_get by id');
SELECT ok(blog.users_get(-1) IS NULL, 'users_get of an unknown id is NULL');

-- the mixin on update: created_at stays, updated_at moves (backdate both first, without triggers)
SET LOCAL session_replication_role = replica;
UPDATE blog.users SET created_at = '2020-01-01 10:00', updated_at = '2020-01-01 10:00';
SET LOCAL session_replication_role = origin;
SELECT results_eq(
    $$SELECT display_name::text, created_at, updated_at FROM blog.users_update(pg_temp.uid('alice'), '{"display_name": "Alice Wonderland"}')$$,
    $$VALUES ('Alice Wonderland', '2020-01-01 10:00'::timestamp, localtimestamp)$$,
    'users_update (the seeds'' update_example): created_at kept, updated_at set to the transaction time');
SELECT results_eq($$SELECT created_at, updated_at FROM blog.users_update(pg_temp.uid('carol'), '{}')$$,
                  $$VALUES ('2020-01-01 10:00'::timestamp, localtimestamp)$$, 'an empty patch still touches updated_at');
SELECT is((SELECT updated_at FROM blog.users WHERE username = 'bob'), '2020-01-01 10:00'::timestamp,
          'and no other user''s updated_at moved');
SELECT throws_ok($$SELECT blog.users_update(pg_temp.uid('alice'), '{"updated_at": "2030-01-01"}')$$, '428C9', NULL,
                 'a patch naming updated_at: 428C9');
SELECT throws_ok($$SELECT blog.users_update(pg_temp.uid('bob'), '{"email": "alice@example.com"}')$$, '23505', NULL,
                 'changing bob''s email to alice''s: 23505');
SELECT throws_ok($$SELECT blog.users_update(pg_temp.uid('bob'), '{"is_active": null}')$$, '23502', NULL,
                 'a JSON null for is_active: 23502');
SELECT throws_ok($$SELECT blog.users_update(pg_temp.uid('bob'), '{"is_active": "maybe"}')$$, '22P02', NULL,
                 'a value that is no boolean: 22P02');
SELECT results_eq($$SELECT display_name IS NULL, is_active FROM blog.users_update(pg_temp.uid('dave'), '{"display_name": null, "is_active": false}')$$,
                  $$VALUES (true, false)$$, 'a JSON null sets a nullable column to NULL');

-- a filter value is not cut to the column's length
SELECT FROM blog.users_create(username => repeat('m', 50), email => 'fifty@example.com');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.users_list('{"username": %s}')$$, to_jsonb(repeat('m', 51))), 'email'),
          '{}', 'a 51-character filter value on varchar(50) matches nothing (it is not truncated to the 50-character username)');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.users_list('{"username": %s}')$$, to_jsonb(repeat('m', 50))), 'email'),
          '{fifty@example.com}', 'and the exact value finds it');

-------------------------------------------------------------------------------
-- posts: the enum, foreign keys, unique slugs
-------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT title::text, slug::text, status, author_id = pg_temp.uid('alice'), version, deleted_at IS NULL
        FROM blog.posts_create(title => 'Getting Started with SQLAlchemy 2.0', slug => 'getting-started-sqlalchemy-2',
                               body => 'SQLAlchemy 2.0 introduces a modern API...', status => 'published',
                               author_id => pg_temp.uid('alice'))$$,
    $$VALUES ('Getting Started with SQLAlchemy 2.0', 'getting-started-sqlalchemy-2', 'published'::blog.poststatus, true, 1, true)$$,
    'posts_create with a valid PostStatus value: version 1, not deleted');
SELECT results_eq(
    $$SELECT status, status::text FROM blog.posts_create(title => 'Advanced Querying Techniques', slug => 'advanced-querying',
                                                         body => 'In this post we explore subqueries, CTEs...',
                                                         author_id => pg_temp.uid('alice'))$$,
    $$VALUES ('draft'::blog.poststatus, 'draft')$$, 'status omitted: the column default, draft');
SELECT results_eq(
    $$SELECT status FROM blog.posts_create(title => 'Python Best Practices', slug => 'python-best-practices',
                                           body => 'Here are some best practices for Python...',
                                           status => 'published'::blog.poststatus, author_id => pg_temp.uid('bob'))$$,
    $$VALUES ('published'::blog.poststatus)$$, 'a typed enum argument');
SELECT throws_ok($$SELECT blog.posts_create(title => 't', slug => 's-bogus', body => 'b', status => 'bogus', author_id => 1)$$,
                 '22P02', NULL, 'posts_create with a status outside PostStatus: 22P02');
SELECT throws_ok($$SELECT blog.posts_create(title => 't', slug => 's-upper', body => 'b', status => 'PUBLISHED', author_id => 1)$$,
                 '22P02', NULL, 'the enum member''s name instead of its value: 22P02 (labels are case-sensitive)');
SELECT throws_ok($$SELECT blog.posts_create(title => 't', slug => 's-null', body => 'b', status => NULL, author_id => 1)$$,
                 '23502', NULL, 'an explicit NULL status is NULL, not draft: 23502');
SELECT throws_ok($$SELECT blog.posts_create(title => 't', slug => 's-nobody', body => 'b', author_id => 424242)$$,
                 '23503', NULL, 'a post by an unknown author: 23503');
SELECT throws_ok($$SELECT blog.posts_create(title => 't', slug => 's-noauthor', body => 'b')$$,
                 '23502', NULL, 'author_id omitted (NOT NULL, no default): 23502');
SELECT throws_ok(format($$SELECT blog.posts_create(title => 'Copy', slug => 'advanced-querying', body => 'b', author_id => %s)$$,
                        pg_temp.uid('bob')),
                 '23505', NULL, 'a slug that exists: 23505');
SELECT throws_ok(format($$SELECT blog.posts_create(title => 'No body', slug => 'no-body', author_id => %s)$$, pg_temp.uid('bob')),
                 '23502', NULL, 'body omitted (NOT NULL, no default): 23502');

SELECT throws_ok(format($$SELECT blog.posts_update(%s, '{"status": "bogus", "version": 1}')$$, pg_temp.pid('advanced-querying')),
                 '22P02', NULL, 'posts_update with a status outside PostStatus: 22P02');
SELECT matches(pg_temp.error_of(format($$SELECT blog.posts_update(%s, '{"status": "bogus", "version": 1}')$$, pg_temp.pid('advanced-querying'))),
               '^22P02: .*"status".*blog\.poststatus', 'the message names the column and the enum type');
SELECT throws_ok(format($$SELECT blog.posts_update(%s, '{"status": 1, "version": 1}')$$, pg_temp.pid('advanced-querying')),
                 '22P02', NULL, 'a JSON number for the enum: 22P02');
SELECT throws_ok(format($$SELECT blog.posts_update(%s, '{"author_id": 424242, "version": 1}')$$, pg_temp.pid('advanced-querying')),
                 '23503', NULL, 'moving a post to an unknown author: 23503');
SELECT results_eq(format($$SELECT status, version FROM blog.posts_get(%s)$$, pg_temp.pid('advanced-querying')),
                  $$VALUES ('draft'::blog.poststatus, 1)$$, 'the refused patches changed nothing, not even the version');
SELECT results_eq(format($$SELECT status, version FROM blog.posts_update(%s, '{"status": "archived", "version": 1}')$$,
                         pg_temp.pid('advanced-querying')),
                  $$VALUES ('archived'::blog.poststatus, 2)$$, 'a valid status through the patch, version bumped');

-- 24 more posts, three authors, every status (the seeds' update_example archives drafts in bulk; here they are made so)
SELECT
  FROM generate_series(1, 24) g,
       LATERAL blog.posts_create(title => format('Post %s', lpad(g::text, 2, '0')), slug => format('post-%s', g),
                                 body => repeat('words ', g),
                                 status => (ARRAY['draft', 'published', 'archived']::blog.poststatus[])[g % 3 + 1],
                                 author_id => pg_temp.uid((ARRAY['alice', 'bob', 'carol'])[g % 4 % 3 + 1])) AS p;

-------------------------------------------------------------------------------
-- list: filters on the enum, ordering by several columns
-------------------------------------------------------------------------------
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": "published"}', page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status = 'published' ORDER BY id), 'filter status eq published (the plain form)');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": {"eq": "archived"}}', page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status = 'archived' ORDER BY id), 'filter status eq archived (the operator form)');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": {"in": ["draft", "archived"]}}', page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status IN ('draft', 'archived') ORDER BY id), 'filter status in [draft, archived]');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": {"neq": "published"}}', page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status <> 'published' ORDER BY id), 'filter status neq published');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": {"gt": "draft"}}', page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status > 'draft' ORDER BY id),
          'gt on the enum follows the declaration order (published and archived), not the alphabet');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": {"lt": "archived"}}', page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status IN ('draft', 'published') ORDER BY id),
          'lt archived: the drafts and the published posts (alphabetically nothing is below archived)');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.posts_list('{"author_id": %s, "status": "published"}', page_size => 100)$$, pg_temp.uid('alice'))),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE author_id = pg_temp.uid('alice') AND status = 'published' ORDER BY id),
          'author and status ANDed (the seeds'' "published posts by alice")');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"status": "bogus"}')$$, '22P02', NULL, 'a filter value outside PostStatus: 22P02');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"status": {"in": ["draft", "Draft"]}}')$$, '22P02', NULL, 'one inside an in list: 22P02');
SELECT throws_ok($$SELECT * FROM blog.posts_list('{"status": {"like": "pub%"}}')$$, '42883', NULL, 'like on the enum (not a string type): 42883');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['status', 'author_id desc', 'title'], page_size => 100)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts ORDER BY status, author_id DESC, title, id),
          'order_by status (enum order), author_id desc, title');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": {"in": ["published", "archived"]}}', ARRAY['status desc', 'slug'], 5)$$),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status IN ('published', 'archived') ORDER BY status DESC, slug, id LIMIT 5),
          'filter, order_by status desc and slug, page_size 5');

-------------------------------------------------------------------------------
-- keyset paging with _page until next_cursor is null
-------------------------------------------------------------------------------
CREATE TEMP TABLE w AS SELECT * FROM pg_temp.walk('blog.posts_page', '{"status": {"in": ["published", "archived"]}}',
                                                  ARRAY['status', 'title desc'], 4);
SELECT is((SELECT jsonb_array_length(items) FROM w), (SELECT count(*)::int FROM blog.posts WHERE status IN ('published', 'archived')),
          'walking pages of 4: as many items as posts match');
SELECT is((SELECT count(DISTINCT e ->> 'id')::int FROM w, jsonb_array_elements(items) e), (SELECT jsonb_array_length(items) FROM w),
          'no post is returned twice');
SELECT is(ARRAY(SELECT e ->> 'id' FROM w, jsonb_array_elements(items) WITH ORDINALITY x(e, n) ORDER BY n),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE status IN ('published', 'archived') ORDER BY status, title DESC, id),
          'no gap: every matching post, in (status, title desc, id) order');
SELECT is((SELECT sizes FROM w), ARRAY[4, 4, 4, 4, 3], 'four full pages, then a last page of 3');
SELECT ok((SELECT ended FROM w), 'the last page''s next_cursor is JSON null');
SELECT is(pg_temp.walk_ids('blog.posts_page', '{}', ARRAY['author_id', 'created_at desc', 'slug'], 5),
          ARRAY(SELECT id::text AS k FROM blog.posts ORDER BY author_id, created_at DESC, slug, id),
          'pages of 5 over every post by author_id, created_at desc (all equal), slug');
SELECT is((pg_temp.walk('blog.posts_page', '{}', NULL, 9)).sizes, ARRAY[9, 9, 9],
          'pages of 9 over 27 posts: exactly three pages, no empty fourth');
SELECT is(blog.posts_page('{"status": "draft"}', ARRAY['title'], 100) -> 'next_cursor', 'null'::jsonb,
          'a page that holds every match has a null next_cursor');
SELECT throws_ok(format($$SELECT blog.posts_page(order_by => ARRAY['title'], after => %L)$$,
                        blog.posts_page(order_by => ARRAY['status'], page_size => 2) ->> 'next_cursor'),
                 '22023', NULL, 'a cursor from another order_by: 22023');

-------------------------------------------------------------------------------
-- optimistic locking (40001) and soft delete
-------------------------------------------------------------------------------
CREATE TEMP TABLE gs AS SELECT pg_temp.pid('getting-started-sqlalchemy-2') AS id;
SELECT throws_ok($$SELECT blog.posts_update((SELECT id FROM gs), '{"title": "No version"}')$$, '40001', NULL,
                 'a patch without the version: 40001');
SELECT results_eq($$SELECT title::text, version FROM blog.posts_update((SELECT id FROM gs), '{"title": "Getting Started", "version": 1}')$$,
                  $$VALUES ('Getting Started', 2)$$, 'with the version read (1): applied, version 2');
SELECT throws_ok($$SELECT blog.posts_update((SELECT id FROM gs), '{"title": "Stale writer", "version": 1}')$$, '40001', NULL,
                 'a second writer still holding version 1: 40001');
SELECT is(pg_temp.error_of($$SELECT blog.posts_update((SELECT id FROM gs), '{"title": "Stale writer", "version": 1}')$$),
            '40001: posts_update: the row has changed since it was read', 'the message says the row changed');
SELECT is((SELECT title::text FROM blog.posts_get((SELECT id FROM gs))), 'Getting Started', 'the stale write changed nothing');
SELECT throws_ok($$SELECT blog.posts_update((SELECT id FROM gs), '{"version": 3}')$$, '40001', NULL,
                 'a version from the future: 40001');
SELECT ok(blog.posts_update(-1, '{"title": "x", "version": 1}') IS NULL, 'an unknown post: NULL, not 40001');

SELECT is(blog.posts_delete((SELECT id FROM gs)), true, 'posts_delete soft-deletes: true');
SELECT is((SELECT deleted_at FROM blog.posts WHERE id = (SELECT id FROM gs)), localtimestamp,
          'the row stays, deleted_at set to the transaction time');
SELECT is((SELECT version FROM blog.posts WHERE id = (SELECT id FROM gs)), 2, 'soft delete leaves the version');
SELECT ok(blog.posts_get((SELECT id FROM gs)) IS NULL, 'posts_get no longer returns it');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.posts_list('{"author_id": %s, "status": "published"}', page_size => 100)$$, pg_temp.uid('alice'))),
          ARRAY(SELECT id::text AS k FROM blog.posts WHERE author_id = pg_temp.uid('alice') AND status = 'published' AND deleted_at IS NULL ORDER BY id),
          'posts_list no longer returns it');
SELECT ok(NOT (SELECT id FROM gs)::text = ANY (pg_temp.walk_ids('blog.posts_page', '{}', ARRAY['title'], 3)),
          'nor does any page of posts_page');
SELECT is(cardinality(pg_temp.walk_ids('blog.posts_page', '{}', ARRAY['title'], 3)), 26, 'which now walk 26 posts');
SELECT ok(blog.posts_update((SELECT id FROM gs), '{"title": "Zombie", "version": 2}') IS NULL, 'posts_update of it: NULL');
SELECT is(blog.posts_delete((SELECT id FROM gs)), false, 'deleting it again: false');
SELECT throws_ok(format($$SELECT blog.posts_create(title => 'Again', slug => 'getting-started-sqlalchemy-2', body => 'b', author_id => %s)$$,
                        pg_temp.uid('bob')),
                 '23505', NULL, 'its slug stays taken while the row is kept: 23505');
SELECT results_eq(
    format($$SELECT title::text, status, version, deleted_at IS NULL
               FROM blog.posts_upsert(id => %s, title => 'Getting Started with SQLAlchemy 2.0', slug => 'getting-started-sqlalchemy-2',
                                      body => 'Back.', status => 'published', author_id => %s)$$,
           (SELECT id FROM gs), pg_temp.uid('alice')),
    $$VALUES ('Getting Started with SQLAlchemy 2.0', 'published'::blog.poststatus, 3, true)$$,
    'posts_upsert on its id revives it, bumping the version without checking it');
SELECT is((SELECT body FROM blog.posts_get((SELECT id FROM gs))), 'Back.', 'and posts_get sees it again');

-------------------------------------------------------------------------------
-- tags and the post_tags association (composite primary key)
-------------------------------------------------------------------------------
SELECT FROM unnest(ARRAY['python', 'sqlalchemy', 'tutorial']) n, LATERAL blog.tags_create(name => n) t;
SELECT throws_ok($$SELECT blog.tags_create(name => 'python')$$, '23505', NULL, 'a second python tag: 23505');
SELECT results_eq($$SELECT name::text FROM blog.tags_upsert(id => pg_temp.tid('tutorial'), name => 'tutorials')$$,
                  $$VALUES ('tutorials')$$, 'tags_upsert on an existing id renames it');
SELECT throws_ok($$SELECT blog.tags_upsert(name => 'sqlalchemy')$$, '23505', NULL,
                 'tags_upsert with a new id and a taken name: 23505 (only the primary key is the conflict target)');

-- the seeds' post1.tags = [python, sqlalchemy, tutorial], post2.tags = [sqlalchemy], post3.tags = [python]
SELECT
  FROM (VALUES ('getting-started-sqlalchemy-2', 'python'), ('getting-started-sqlalchemy-2', 'sqlalchemy'),
               ('getting-started-sqlalchemy-2', 'tutorials'), ('advanced-querying', 'sqlalchemy'),
               ('python-best-practices', 'python')) AS l (slug, tag),
       LATERAL blog.post_tags_create(post_id => pg_temp.pid(l.slug), tag_id => pg_temp.tid(l.tag)) AS pt;
SELECT results_eq($$SELECT post_id = pg_temp.pid('advanced-querying'), tag_id = pg_temp.tid('sqlalchemy')
                      FROM blog.post_tags_get(pg_temp.pid('advanced-querying'), pg_temp.tid('sqlalchemy'))$$,
                  $$VALUES (true, true)$$, 'post_tags_get by (post_id, tag_id)');
SELECT ok(blog.post_tags_get(pg_temp.pid('advanced-querying'), pg_temp.tid('python')) IS NULL,
          'post_tags_get of a pair that is not linked: NULL');
SELECT throws_ok($$SELECT blog.post_tags_create(pg_temp.pid('advanced-querying'), pg_temp.tid('sqlalchemy'))$$, '23505', NULL,
                 'linking the same pair twice: 23505');
SELECT throws_ok($$SELECT blog.post_tags_create(pg_temp.pid('advanced-querying'), 424242)$$, '23503', NULL,
                 'linking an unknown tag: 23503');
SELECT throws_ok($$SELECT blog.post_tags_create(424242, pg_temp.tid('python'))$$, '23503', NULL, 'linking an unknown post: 23503');
SELECT results_eq($$SELECT post_id = pg_temp.pid('advanced-querying'), tag_id = pg_temp.tid('sqlalchemy')
                      FROM blog.post_tags_upsert(post_id => pg_temp.pid('advanced-querying'), tag_id => pg_temp.tid('sqlalchemy'))$$,
                  $$VALUES (true, true)$$, 'post_tags_upsert of an existing pair returns the row (every column is key)');
SELECT results_eq($$SELECT tag_id = pg_temp.tid('python') FROM blog.post_tags_upsert(pg_temp.pid('advanced-querying'), pg_temp.tid('python'))$$,
                  $$VALUES (true)$$, 'post_tags_upsert of a new pair inserts it');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.post_tags_list('{"post_id": %s}', ARRAY['tag_id desc'])$$, pg_temp.pid('advanced-querying')), 'tag_id'),
          ARRAY(SELECT id::text AS k FROM blog.tags WHERE name IN ('sqlalchemy', 'python') ORDER BY id DESC),
          'post_tags_list of one post, by tag_id desc');
SELECT results_eq($$SELECT tag_id = pg_temp.tid('tutorials')
                      FROM blog.post_tags_update(pg_temp.pid('advanced-querying'), pg_temp.tid('python'), format('{"tag_id": %s}', pg_temp.tid('tutorials'))::jsonb)$$,
                  $$VALUES (true)$$, 'post_tags_update can move a link to another tag (the key is client-written)');
SELECT throws_ok($$SELECT blog.post_tags_update(pg_temp.pid('advanced-querying'), pg_temp.tid('tutorials'), format('{"tag_id": %s}', pg_temp.tid('sqlalchemy'))::jsonb)$$,
                 '23505', NULL, 'moving it onto a link that exists: 23505');
SELECT is(blog.post_tags_delete(pg_temp.pid('advanced-querying'), pg_temp.tid('tutorials')), true, 'post_tags_delete of a link: true');
SELECT is(blog.post_tags_delete(pg_temp.pid('advanced-querying'), pg_temp.tid('tutorials')), false, 'again: false');
SELECT is(pg_temp.walk_ids('blog.post_tags_page', '{}', NULL, 2, 'tag_id'),
          ARRAY(SELECT tag_id::text AS k FROM blog.post_tags ORDER BY post_id, tag_id), 'post_tags_page walks the links by (post_id, tag_id)');
SELECT is(blog.tags_delete(pg_temp.tid('python')), true, 'tags_delete of python');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.post_tags_list('{"post_id": {"in": [%s, %s]}}')$$,
                              pg_temp.pid('getting-started-sqlalchemy-2'), pg_temp.pid('python-best-practices')), 'tag_id'),
          ARRAY(SELECT id::text AS k FROM blog.tags WHERE name IN ('sqlalchemy', 'tutorials') ORDER BY id),
          'its links went with it (ON DELETE CASCADE): python-best-practices has none left');
SELECT is(blog.posts_delete(pg_temp.pid('advanced-querying')), true, 'soft-deleting a post');
SELECT ok(blog.post_tags_get(pg_temp.pid('advanced-querying'), pg_temp.tid('sqlalchemy')) IS NOT NULL,
          'keeps its links (the row is still there, so nothing cascades)');

-------------------------------------------------------------------------------
-- comments: threaded replies (self-referencing foreign key)
-------------------------------------------------------------------------------
CREATE TEMP TABLE c1 AS
SELECT * FROM blog.comments_create(body => 'Great article!', post_id => pg_temp.pid('getting-started-sqlalchemy-2'),
                                   author_id => pg_temp.uid('bob'));
CREATE TEMP TABLE r1 AS
SELECT * FROM blog.comments_create(body => 'Thanks Bob!', post_id => pg_temp.pid('getting-started-sqlalchemy-2'),
                                   author_id => pg_temp.uid('alice'), parent_id => (SELECT id FROM c1));
SELECT results_eq($$SELECT parent_id IS NULL, created_at = localtimestamp, updated_at = localtimestamp FROM c1$$,
                  $$VALUES (true, true, true)$$, 'a top-level comment: parent_id omitted is NULL; the mixin''s timestamps');
SELECT is(pg_temp.keys($$SELECT * FROM blog.comments_list('{"parent_id": null}')$$), ARRAY[(SELECT id::text AS k FROM c1)],
          'comments_list of the top-level comments ({"parent_id": null})');
SELECT is(pg_temp.keys(format($$SELECT * FROM blog.comments_list('{"parent_id": %s}')$$, (SELECT id FROM c1)), 'body'),
          '{"Thanks Bob!"}', 'and of the replies to one');
SELECT throws_ok($$SELECT blog.comments_create(body => 'x', post_id => pg_temp.pid('python-best-practices'), author_id => pg_temp.uid('bob'),
                                               parent_id => 424242)$$, '23503', NULL, 'a reply to an unknown comment: 23503');
SELECT throws_ok($$SELECT blog.comments_create(body => 'x', post_id => 424242, author_id => pg_temp.uid('bob'))$$, '23503', NULL,
                 'a comment on an unknown post: 23503');
SELECT throws_ok($$SELECT blog.comments_delete((SELECT id FROM c1))$$, '23503', NULL,
                 'comments_delete of a comment that has replies: 23503');
SELECT throws_ok($$SELECT blog.users_delete(pg_temp.uid('bob'))$$, '23503', NULL, 'users_delete of a user with posts: 23503');
SELECT is(blog.comments_delete((SELECT id FROM r1)), true, 'deleting the reply first: true');
SELECT is(blog.comments_delete((SELECT id FROM c1)), true, 'then the comment: true');
SELECT ok(blog.comments_get((SELECT id FROM c1)) IS NULL, 'it is gone (comments are not soft-deleted)');
SELECT is(blog.users_delete(pg_temp.uid(repeat('m', 50))), true, 'users_delete of a user without posts: true');

-------------------------------------------------------------------------------
-- privileges: only SELECT on tags
-------------------------------------------------------------------------------
CREATE ROLE model_blog_reader NOLOGIN;
GRANT USAGE ON SCHEMA blog TO model_blog_reader;
GRANT SELECT ON blog.tags TO model_blog_reader;
SET ROLE model_blog_reader;
SELECT is((SELECT name::text FROM blog.tags_get(pg_temp.tid('sqlalchemy'))), 'sqlalchemy', 'a role with SELECT on tags can tags_get');
SELECT throws_ok($$SELECT blog.tags_create(name => 'reader-tag')$$, '42501', NULL, 'but not tags_create: 42501');
SELECT throws_ok($$SELECT blog.tags_update(pg_temp.tid('sqlalchemy'), '{"name": "x"}')$$, '42501', NULL, 'nor tags_update: 42501');
SELECT throws_ok($$SELECT blog.tags_upsert(id => pg_temp.tid('sqlalchemy'), name => 'x')$$, '42501', NULL, 'nor tags_upsert: 42501');
SELECT throws_ok($$SELECT blog.tags_delete(pg_temp.tid('sqlalchemy'))$$, '42501', NULL, 'nor tags_delete: 42501');
SELECT throws_ok($$SELECT blog.users_get(1)$$, '42501', NULL, 'and no users_get without SELECT on users: 42501');
RESET ROLE;
SELECT is(ARRAY(SELECT name::text FROM blog.tags ORDER BY id), ARRAY['sqlalchemy', 'tutorials'], 'the reader changed no tag');

-------------------------------------------------------------------------------
-- row level security on posts: everyone reads published posts, an author also
-- their own, and writes only their own
-------------------------------------------------------------------------------
CREATE ROLE model_blog_web NOLOGIN;
GRANT USAGE ON SCHEMA blog TO model_blog_web;
GRANT SELECT ON blog.users TO model_blog_web;
GRANT SELECT, INSERT, UPDATE ON blog.posts TO model_blog_web;
GRANT USAGE ON SEQUENCE blog.posts_id_seq TO model_blog_web;
ALTER TABLE blog.posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY posts_read ON blog.posts FOR SELECT
    USING (status = 'published' OR author_id = (SELECT orm_ext.context('blog.user_id'))::integer);
CREATE POLICY posts_insert ON blog.posts FOR INSERT
    WITH CHECK (author_id = (SELECT orm_ext.context('blog.user_id'))::integer);
CREATE POLICY posts_update ON blog.posts FOR UPDATE
    USING (author_id = (SELECT orm_ext.context('blog.user_id'))::integer);
-- what each reader should see, worked out by the owner (who bypasses the policies)
CREATE TEMP TABLE expect_rls AS
SELECT ARRAY(SELECT id::text AS k FROM blog.posts WHERE deleted_at IS NULL AND status = 'published' ORDER BY title, id) AS anonymous,
       ARRAY(SELECT id::text AS k FROM blog.posts WHERE deleted_at IS NULL
                AND (status = 'published' OR author_id = pg_temp.uid('bob')) ORDER BY id) AS bob,
       (SELECT min(id) FROM blog.posts WHERE author_id = pg_temp.uid('bob') AND status = 'draft' AND deleted_at IS NULL) AS bob_draft,
       (SELECT id FROM gs) AS alice_post;
GRANT SELECT ON expect_rls TO model_blog_web;

SET ROLE model_blog_web;          -- anonymous: no blog.user_id
SELECT is(pg_temp.walk_ids('blog.posts_page', '{}', ARRAY['title'], 4), (SELECT anonymous FROM expect_rls),
          'anonymous: the pages of posts_page hold the published posts only, each once');
SELECT ok(cardinality((SELECT anonymous FROM expect_rls)) BETWEEN 5 AND 20, '(of which there are some, but not all 27)');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list(order_by => ARRAY['title'], page_size => 100)$$), (SELECT anonymous FROM expect_rls),
          'anonymous: posts_list returns the same');
SELECT ok(blog.posts_get((SELECT bob_draft FROM expect_rls)) IS NULL, 'anonymous: posts_get of bob''s draft is NULL');
SELECT is(pg_temp.keys($$SELECT * FROM blog.posts_list('{"status": "draft"}')$$), '{}', 'and a filter on draft finds nothing');
SELECT orm_ext.set_context('blog.user_id', pg_temp.uid('bob')::text);
SELECT is((SELECT status FROM blog.posts_get((SELECT bob_draft FROM expect_rls))), 'draft'::blog.poststatus,
          'as bob: posts_get of his own draft');
SELECT is(pg_temp.walk_ids('blog.posts_page', '{}', NULL, 4), (SELECT bob FROM expect_rls),
          'as bob: the pages hold the published posts and all of his own');
SELECT throws_ok(format($$SELECT blog.posts_create(title => 'As Alice', slug => 'as-alice', body => 'b', author_id => %s)$$, pg_temp.uid('alice')),
                 '42501', NULL, 'as bob: posts_create of a post by alice: 42501');
SELECT results_eq(format($$SELECT title::text, author_id = %s FROM blog.posts_create(title => 'Bob''s', slug => 'bobs', body => 'b', author_id => %s)$$,
                         pg_temp.uid('bob'), pg_temp.uid('bob')),
                  $$VALUES ('Bob''s', true)$$, 'as bob: posts_create of his own post');
SELECT is((SELECT version FROM blog.posts_get((SELECT alice_post FROM expect_rls))), 3, 'as bob: he can read alice''s published post, at version 3');
-- m_update: NULL when no live row has the key (... or hidden by row level
-- security).  A 40001 here would send a client's retry loop (docs/models.md,
-- publish()) round for ever: re-reading gives the same version every time.
SELECT is(pg_temp.outcome($$SELECT blog.posts_update((SELECT alice_post FROM expect_rls), '{"title": "Hijacked", "version": 3}') IS NULL$$),
          'true', 'as bob: posts_update of it, with its current version, returns NULL as for any row the policies hide from the UPDATE '
                  '(not 40001 "the row has changed": it has not)');
SELECT is(blog.posts_delete((SELECT alice_post FROM expect_rls)), false, 'as bob: posts_delete of alice''s post: false');
RESET ROLE;
SELECT results_eq($$SELECT title::text, version, deleted_at IS NULL FROM blog.posts WHERE id = (SELECT id FROM gs)$$,
                  $$VALUES ('Getting Started with SQLAlchemy 2.0', 3, true)$$, 'alice''s post is untouched');

DROP OWNED BY model_blog_reader, model_blog_web;
DROP ROLE model_blog_reader;
DROP ROLE model_blog_web;
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'model\_blog\_%'), 0::bigint, 'the roles made here are dropped');

SELECT * FROM finish();
ROLLBACK;
