-- model_register() and model_unregister(): what registration creates (the
-- registry row, ten typed functions, the timestamps trigger), every
-- option and every refusal with its SQLSTATE, name collisions with other
-- models and with hand-written functions, re-registration, unregistration,
-- the introspection views, ledger columns, and registration by a
-- non-superuser owner.  Roles made here start with tap_mreg and go with the
-- ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(180);
SET LOCAL client_min_messages = warning;         -- DROP TRIGGER IF EXISTS notices are expected

\ir lib/detail_of.sql

-- the generated functions of a table: kind, signature, result, sorted by kind
CREATE FUNCTION pg_temp.signatures(t regclass) RETURNS TABLE (kind text, args text, result text)
LANGUAGE sql AS $$
    SELECT f.kind COLLATE "default", pg_get_function_arguments(f.function) COLLATE "default",
           pg_get_function_result(f.function) COLLATE "default"
      FROM orm_ext.model_functions f WHERE f."table" = t ORDER BY 1
$$;
-- the functions of a schema, as regprocedure text, sorted
CREATE FUNCTION pg_temp.functions_in(s name) RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), '{}')
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = s
$$;
-- the user triggers of a table: name, function and arguments
CREATE FUNCTION pg_temp.triggers_of(t regclass) RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(pg_get_triggerdef(oid) ORDER BY tgname), '{}')
      FROM pg_trigger WHERE tgrelid = t AND NOT tgisinternal
$$;
-- the number of registered models
CREATE FUNCTION pg_temp.model_count() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM orm_ext.models
$$;

-------------------------------------------------------------------------------
-- the API
-------------------------------------------------------------------------------
SELECT has_function('orm_ext', 'model_register', ARRAY['regclass', 'jsonb'], 'model_register(regclass, jsonb) exists');
SELECT function_returns('orm_ext', 'model_register', ARRAY['regclass', 'jsonb'], 'void', 'model_register returns void');
SELECT has_function('orm_ext', 'model_unregister', ARRAY['regclass'], 'model_unregister(regclass) exists');
SELECT function_returns('orm_ext', 'model_unregister', ARRAY['regclass'], 'void', 'model_unregister returns void');
SELECT is(pg_get_function_arguments('orm_ext.model_register(regclass, jsonb)'::regprocedure),
          'tbl regclass, options jsonb DEFAULT ''{}''::jsonb', 'options defaults to ''{}''');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'orm_ext'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL
                 ORDER BY 1),
          ARRAY[]::text[], 'every function in orm_ext has a COMMENT');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'orm_ext'::regnamespace AND p.proname ~ '^model_' AND p.prosecdef
                 ORDER BY 1),
          ARRAY[]::text[], 'no model function of orm_ext is SECURITY DEFINER');
SELECT has_view('orm_ext', 'models', 'view orm_ext.models exists');
SELECT has_view('orm_ext', 'model_columns', 'view orm_ext.model_columns exists');
SELECT has_view('orm_ext', 'model_functions', 'view orm_ext.model_functions exists');
SELECT is(ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = 'orm_ext.model_columns'::regclass
                   AND attnum > 0 ORDER BY attnum),
          ARRAY['model', 'table', 'name', 'type', 'nullable', 'default', 'server_owned', 'pk_position', 'attnum'],
          'orm_ext.model_columns has the columns model, table, name, type, nullable, default, server_owned, pk_position, attnum');
SELECT is(ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = 'orm_ext.model_functions'::regclass
                   AND attnum > 0 ORDER BY attnum),
          ARRAY['model', 'table', 'kind', 'function', 'api_schema'],
          'orm_ext.model_functions has the columns model, table, kind, function, api_schema');
SELECT col_type_is('orm_ext', 'model_functions', 'function', 'regprocedure', 'model_functions.function is a regprocedure');
SELECT col_type_is('orm_ext', 'model_columns', 'table', 'regclass', 'model_columns.table is a regclass');
SELECT ok((SELECT bool_and(has_table_privilege('public', v, 'SELECT'))
             FROM unnest(ARRAY['orm_ext.models', 'orm_ext.model_columns', 'orm_ext.model_functions']) v),
          'PUBLIC may read the three views');

-------------------------------------------------------------------------------
-- the defaults: api_schema = the table's schema, name = the table's name
-------------------------------------------------------------------------------
CREATE SCHEMA blog;
CREATE TABLE blog.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text DEFAULT 'anon',
    bio text
);
INSERT INTO blog.users (email) VALUES ('a@example.com');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users')$$, 'model_register(table) with the default options');
SELECT results_eq($$SELECT model, "table", api_schema::text COLLATE "default", options, created_at_column::text COLLATE "default", updated_at_column::text COLLATE "default",
                           deleted_at_column::text COLLATE "default", version_column::text COLLATE "default"
                      FROM orm_ext.models$$,
                  $$VALUES ('users', 'blog.users'::regclass, 'blog', '{}'::jsonb, NULL, NULL, NULL, NULL)$$,
                  'orm_ext.models: model users, api_schema blog, no timestamp/soft-delete/version columns');
SELECT results_eq($$SELECT * FROM pg_temp.signatures('blog.users')$$,
    $$VALUES ('create', 'email text DEFAULT NULL::text, name text DEFAULT ''anon''::text, bio text DEFAULT NULL::text', 'blog.users'),
             ('create_graph', 'doc jsonb', 'jsonb'),
             ('delete', 'id bigint', 'boolean'),
             ('fetch', 'id bigint, include text[] DEFAULT ''{}''::text[]', 'jsonb'),
             ('fetch_many', 'filter jsonb DEFAULT ''{}''::jsonb, include text[] DEFAULT ''{}''::text[], page_size integer DEFAULT 50, after text DEFAULT NULL::text', 'jsonb'),
             ('get', 'id bigint', 'blog.users'),
             ('list', 'filter jsonb DEFAULT ''{}''::jsonb, order_by text[] DEFAULT NULL::text[], page_size integer DEFAULT 50, after text DEFAULT NULL::text', 'SETOF blog.users'),
             ('page', 'filter jsonb DEFAULT ''{}''::jsonb, order_by text[] DEFAULT NULL::text[], page_size integer DEFAULT 50, after text DEFAULT NULL::text', 'jsonb'),
             ('update', 'id bigint, patch jsonb', 'blog.users'),
             ('upsert', 'email text DEFAULT NULL::text, name text DEFAULT ''anon''::text, bio text DEFAULT NULL::text', 'blog.users')$$,
    'ten functions with the documented signatures (the identity ALWAYS id is no parameter of create/upsert)');
SELECT is(pg_temp.functions_in('blog'),
          ARRAY['blog.users_create(text,text,text)', 'blog.users_create_graph(jsonb)', 'blog.users_delete(bigint)', 'blog.users_fetch(bigint,text[])', 'blog.users_fetch_many(jsonb,text[],integer,text)', 'blog.users_get(bigint)',
                'blog.users_list(jsonb,text[],integer,text)', 'blog.users_page(jsonb,text[],integer,text)',
                'blog.users_update(bigint,jsonb)', 'blog.users_upsert(text,text,text)'],
          'they live in the table''s schema and are named <table>_<kind>');
SELECT results_eq($$SELECT count(*), count(*) FILTER (WHERE obj_description(function, 'pg_proc') IS NOT NULL),
                           count(*) FILTER (WHERE obj_description(function, 'pg_proc') LIKE 'orm_ext model users of table blog.users: %')
                      FROM orm_ext.model_functions$$,
                  $$VALUES (10::bigint, 10::bigint, 10::bigint)$$, 'every generated function has a COMMENT naming model and table');
SELECT is((SELECT count(*) FROM orm_ext.model_functions f JOIN pg_proc p ON p.oid = f.function
            WHERE NOT p.prosecdef AND p.proowner = current_user::regrole AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')),
          10::bigint, 'all are SQL functions, SECURITY INVOKER, owned by the registering role');
SELECT is((SELECT count(*) FROM orm_ext.model_functions f
             JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = f.function AND d.deptype = 'e'),
          0::bigint, 'none is a member of the extension');
SELECT results_eq($$SELECT kind, provolatile::text FROM orm_ext.model_functions f JOIN pg_proc p ON p.oid = f.function ORDER BY 1$$,
                  $$VALUES ('create', 'v'), ('create_graph', 'v'), ('delete', 'v'), ('fetch', 's'), ('fetch_many', 's'), ('get', 's'), ('list', 's'), ('page', 's'), ('update', 'v'), ('upsert', 'v')$$,
                  'get, list, page, fetch and fetch_many are STABLE; create, update, upsert, delete and create_graph VOLATILE');
SELECT is(pg_temp.triggers_of('blog.users'), ARRAY[]::text[], 'without the option timestamps no trigger is installed');
SELECT is((SELECT email FROM blog.users_get(1)), 'a@example.com', 'users_get works on the existing row');
SELECT is(blog.users_fetch(1), '{"id": 1, "email": "a@example.com", "name": "anon", "bio": null}'::jsonb,
          'users_fetch returns the row as jsonb');
SELECT is(blog.users_fetch(2), NULL::jsonb, 'users_fetch of an absent key: NULL');
SELECT alike(obj_description('blog.users_fetch(bigint,text[])'::regprocedure, 'pg_proc'),
             'orm_ext model users of table blog.users: the row with this primary key as jsonb%',
             'users_fetch''s COMMENT says it returns the row as jsonb');

-------------------------------------------------------------------------------
-- refusals: the arguments
-------------------------------------------------------------------------------
CREATE TABLE blog.posts (id int PRIMARY KEY, title text NOT NULL,
                         created_at timestamptz, updated_at timestamptz, deleted_at timestamptz, version int,
                         made date, born timestamptz NOT NULL DEFAULT now(), "Txt" text, big numeric,
                         small smallint, huge bigint, plain timestamp);
CREATE VIEW blog.posts_view AS SELECT * FROM blog.posts;
CREATE MATERIALIZED VIEW blog.posts_mat AS SELECT * FROM blog.posts;
CREATE SEQUENCE blog.a_seq;
CREATE TABLE blog.nopk (id int UNIQUE NOT NULL, v text);

SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', NULL)$$, '22004', NULL, 'options NULL: 22004');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '[]')$$, '22023', NULL, 'options an array: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '"name"')$$, '22023', NULL, 'options a string: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', 'null')$$, '22023', NULL, 'options the JSON null: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"nmae": "p"}')$$, '22023',
                 'model_register: unknown option "nmae"', 'an unknown option: 22023, naming it');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"Name": "p"}')$$, '22023', NULL,
                 'option names are case-sensitive ("Name"): 22023');
SELECT throws_ok($$SELECT orm_ext.model_register(NULL)$$, '22004', NULL, 'a NULL table: 22004');
SELECT throws_ok($$SELECT orm_ext.model_register(NULL, '{}')$$, '22004', NULL, 'a NULL table with options: 22004');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts_view')$$, '42809', NULL, 'a view: 42809');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.a_seq')$$, '42809', NULL, 'a sequence: 42809');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts_mat')$$, '42809', NULL, 'a materialized view: 42809');
SELECT throws_ok($$SELECT orm_ext.model_register('4294967295'::oid)$$, '42P01', NULL, 'a missing table OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.nopk')$$, '42P16', NULL,
                 'a table without a primary key (a UNIQUE NOT NULL column does not count): 42P16');

-- api_schema
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"api_schema": "nope"}')$$, '3F000',
                 'schema "nope" does not exist', 'api_schema naming a missing schema: 3F000');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"api_schema": "BLOG"}')$$, '3F000', NULL,
                 'api_schema is taken literally, not case-folded ("BLOG"): 3F000');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"api_schema": 1}')$$, '22023', NULL,
                 'api_schema a number: 22023');
-- name
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"name": 42}')$$, '22023', NULL, 'name a number: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"name": ""}')$$, '22023', NULL, 'name empty: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"name": ["p"]}')$$, '22023', NULL, 'name an array: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"name": true}')$$, '22023', NULL, 'name a boolean: 22023');
SELECT throws_ok(format($$SELECT orm_ext.model_register('blog.posts', '{"name": "%s"}')$$, repeat('n', 51)), '42622', NULL,
                 'a 51-byte name (51 + 13 bytes of _create_graph > 63): 42622');
SELECT is(pg_temp.detail_of(format($$SELECT orm_ext.model_register('blog.posts', '{"name": "%s"}')$$, repeat('n', 51))),
          format('42622: Function names such as "%s_create_graph" must fit in 63 bytes.', repeat('n', 51)),
          'the detail names the longest function, <name>_create_graph');
SELECT throws_ok(format($$SELECT orm_ext.model_register('blog.posts', '{"name": "%s"}')$$, repeat('é', 26)), '42622', NULL,
                 'a 26-character, 52-byte name: 42622 (bytes count, not characters)');
CREATE TABLE blog.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (id int PRIMARY KEY);   -- 51 bytes
SELECT throws_ok($$SELECT orm_ext.model_register('blog.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')$$,
                 '42622', NULL, 'a 51-byte table name as the default model name: 42622');
-- timestamps
SELECT throws_ok($$SELECT orm_ext.model_register('blog.nopk_ts', '{"timestamps": true}')$$, '42P01', NULL,
                 '(a missing table by name: 42P01)');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.users', '{"timestamps": true}')$$, '42703', NULL,
                 'timestamps: true on a table without created_at: 42703');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created_at": "made"}}')$$, '42804', NULL,
                 'timestamps naming a date column: 42804');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"updated_at": "Txt"}}')$$, '42804', NULL,
                 'timestamps naming a text column: 42804');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created_at": "nope"}}')$$, '42703', NULL,
                 'timestamps naming a missing column: 42703');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created_at": "txt"}}')$$, '42703', NULL,
                 'timestamps column names are case-sensitive ("txt" is not "Txt"): 42703');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created": "created_at"}}')$$, '22023', NULL,
                 'timestamps with an unknown key: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created_at": 1}}')$$, '22023', NULL,
                 'timestamps with a non-string column: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created_at": "born", "updated_at": "born"}}')$$,
                 '22023', NULL, 'timestamps naming one column twice: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": "yes"}')$$, '22023', NULL,
                 'timestamps a string: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": 1}')$$, '22023', NULL,
                 'timestamps a number: 22023');
-- soft_delete
SELECT throws_ok($$SELECT orm_ext.model_register('blog.users', '{"soft_delete": true}')$$, '42703', NULL,
                 'soft_delete: true on a table without deleted_at: 42703');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"soft_delete": "made"}')$$, '42804', NULL,
                 'soft_delete naming a date column: 42804');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"soft_delete": "born"}')$$, '22023', NULL,
                 'soft_delete naming a NOT NULL timestamptz column: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"soft_delete": 1}')$$, '22023', NULL,
                 'soft_delete a number: 22023');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"soft_delete": "nope"}')$$, '42703', NULL,
                 'soft_delete naming a missing column: 42703');
-- version
SELECT throws_ok($$SELECT orm_ext.model_register('blog.users', '{"version": true}')$$, '42703', NULL,
                 'version: true on a table without a version column: 42703');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"version": "Txt"}')$$, '42804', NULL,
                 'version naming a text column: 42804');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"version": "big"}')$$, '42804', NULL,
                 'version naming a numeric column: 42804');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"version": "created_at"}')$$, '42804', NULL,
                 'version naming a timestamptz column: 42804');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"version": 2}')$$, '22023', NULL,
                 'version a number: 22023');
-- one column for two purposes
SELECT throws_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": true, "soft_delete": "updated_at"}')$$,
                 '22023', NULL, 'the soft_delete column also a timestamps column: 22023');
SELECT is(pg_temp.model_count(), 1::bigint, 'none of the refused calls registered a model');
SELECT is(pg_temp.functions_in('blog'),
          ARRAY['blog.users_create(text,text,text)', 'blog.users_create_graph(jsonb)', 'blog.users_delete(bigint)', 'blog.users_fetch(bigint,text[])', 'blog.users_fetch_many(jsonb,text[],integer,text)', 'blog.users_get(bigint)',
                'blog.users_list(jsonb,text[],integer,text)', 'blog.users_page(jsonb,text[],integer,text)',
                'blog.users_update(bigint,jsonb)', 'blog.users_upsert(text,text,text)'],
          'or created a function');
SELECT is(pg_temp.triggers_of('blog.posts'), ARRAY[]::text[], 'or a trigger');
SELECT is((SELECT options FROM orm_ext.models WHERE "table" = 'blog.users'::regclass), '{}'::jsonb,
          'and the refused re-registrations of blog.users left its options alone');

-- the accepted variants
SELECT lives_ok(format($$SELECT orm_ext.model_register('blog.posts', '{"name": "%s"}')$$, repeat('n', 50)),
                'a 50-byte name is accepted');
SELECT lives_ok(format($$SELECT orm_ext.model_register('blog.posts', '{"name": "%s"}')$$, repeat('é', 25)),
                'a 25-character, 50-byte name is accepted');
SELECT has_function('blog', repeat('é', 25) || '_create', 'its functions exist under that name');
SELECT has_function('blog', repeat('é', 25) || '_create_graph', ARRAY['jsonb'], 'the longest of them, a 63-byte <name>_create_graph, too');
SELECT hasnt_function('blog', repeat('n', 50) || '_create', 'and the previous name''s are gone');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": false, "soft_delete": false, "version": false, "name": null, "api_schema": null}')$$,
                'false and null option values mean the defaults');
SELECT results_eq($$SELECT model, api_schema::text COLLATE "default", created_at_column::text COLLATE "default", deleted_at_column::text COLLATE "default", version_column::text COLLATE "default"
                      FROM orm_ext.models WHERE "table" = 'blog.posts'::regclass$$,
                  $$VALUES ('posts', 'blog', NULL, NULL, NULL)$$, 'the model is posts in blog, with no special columns');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.posts', '{"version": "small"}')$$, 'a smallint version column');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.posts', '{"version": "huge"}')$$, 'a bigint version column');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.posts', '{"soft_delete": "plain", "version": true}')$$,
                'a timestamp (without time zone) soft_delete column and version: true (an integer column)');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"created_at": "born", "updated_at": "plain"}}')$$,
                'timestamps on custom columns, a NOT NULL timestamptz and a timestamp');
SELECT results_eq($$SELECT created_at_column::text COLLATE "default", updated_at_column::text COLLATE "default", deleted_at_column::text COLLATE "default", version_column::text COLLATE "default"
                      FROM orm_ext.models WHERE "table" = 'blog.posts'::regclass$$,
                  $$VALUES ('born', 'plain', NULL, NULL)$$,
                  'each registration replaces the options of the one before');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.posts', '{"timestamps": {"updated_at": "plain"}}')$$,
                'timestamps with only updated_at given: created_at is the default column');
SELECT results_eq($$SELECT created_at_column::text COLLATE "default", updated_at_column::text COLLATE "default" FROM orm_ext.models WHERE "table" = 'blog.posts'::regclass$$,
                  $$VALUES ('created_at', 'plain')$$, 'created_at and plain');

-------------------------------------------------------------------------------
-- every option, with hostile identifiers
-------------------------------------------------------------------------------
CREATE SCHEMA "Data ""S""";
CREATE SCHEMA "My Api";
CREATE TABLE "Data ""S"""."Order Items" (
    "Order Id" integer,
    "select" text NOT NULL,
    "Sku ""x""" varchar(12) DEFAULT 'sku',
    "Made At" timestamptz,
    "Changed" timestamp,
    "Gone It's" timestamptz,
    "Rev" bigint NOT NULL DEFAULT 0,
    PRIMARY KEY ("select", "Order Id")
);
SELECT lives_ok($$SELECT orm_ext.model_register('"Data ""S"""."Order Items"',
                    '{"api_schema": "My Api", "name": "it''s", "timestamps": {"created_at": "Made At", "updated_at": "Changed"},
                      "soft_delete": "Gone It''s", "version": "Rev"}')$$,
                'every option at once, on a table, schema, columns and model name that need quoting');
SELECT results_eq($$SELECT model, api_schema::text COLLATE "default", created_at_column::text COLLATE "default", updated_at_column::text COLLATE "default",
                           deleted_at_column::text COLLATE "default", version_column::text COLLATE "default"
                      FROM orm_ext.models WHERE "table" = '"Data ""S"""."Order Items"'::regclass$$,
                  $$VALUES ('it''s', 'My Api', 'Made At', 'Changed', 'Gone It''s', 'Rev')$$,
                  'orm_ext.models records the options');
SELECT is((SELECT options FROM orm_ext.models WHERE "table" = '"Data ""S"""."Order Items"'::regclass) ->> 'name', 'it''s',
          'and the options document as given');
SELECT is(pg_temp.functions_in('My Api'),
          ARRAY['"My Api"."it''s_create"(integer,text,character varying)', '"My Api"."it''s_create_graph"(jsonb)', '"My Api"."it''s_delete"(text,integer)',
                '"My Api"."it''s_fetch"(text,integer,text[])', '"My Api"."it''s_fetch_many"(jsonb,text[],integer,text)', '"My Api"."it''s_get"(text,integer)', '"My Api"."it''s_list"(jsonb,text[],integer,text)',
                '"My Api"."it''s_page"(jsonb,text[],integer,text)', '"My Api"."it''s_update"(text,integer,jsonb)',
                '"My Api"."it''s_upsert"(integer,text,character varying)'],
          'the functions are in "My Api", named it''s_<kind>');
SELECT is(pg_get_function_arguments('"My Api"."it''s_create"'::regproc),
          '"Order Id" integer DEFAULT NULL::integer, "select" text DEFAULT NULL::text, "Sku ""x""" character varying DEFAULT ''sku''::character varying',
          'create''s parameters are the writable columns, quoted names, with their defaults; no timestamp, soft-delete or version column');
SELECT is(pg_get_function_arguments('"My Api"."it''s_get"'::regproc), '"select" text, "Order Id" integer',
          'get takes the primary key in key order, not column order');
SELECT is(pg_temp.triggers_of('"Data ""S"""."Order Items"'),
          ARRAY['CREATE TRIGGER orm_ext_timestamps BEFORE INSERT OR UPDATE ON "Data ""S"""."Order Items" FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps(''Made At'', ''Changed'')'],
          'the timestamps trigger orm_ext_timestamps, BEFORE INSERT OR UPDATE FOR EACH ROW, with the two columns');
SELECT is(pg_temp.functions_in('Data "S"'), ARRAY[]::text[], 'nothing is created in the table''s own schema');

-------------------------------------------------------------------------------
-- orm_ext.model_columns: every kind of column
-------------------------------------------------------------------------------
CREATE DOMAIN blog."Pos Int" AS integer DEFAULT 7 CHECK (VALUE > 0);
CREATE TABLE blog.kinds (
    b integer GENERATED BY DEFAULT AS IDENTITY,
    a text,
    s serial,
    g integer GENERATED ALWAYS AS (b * 2) STORED,
    d blog."Pos Int",
    e integer DEFAULT 3,
    ident bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz, updated_at timestamptz, deleted_at timestamptz, version integer,
    PRIMARY KEY (a, b)
);
ALTER TABLE blog.kinds DROP COLUMN e;                  -- a dropped column leaves a gap in attnum
ALTER TABLE blog.kinds ADD COLUMN "Late Col" numeric(10,2) NOT NULL DEFAULT 1.5;
SELECT lives_ok($$SELECT orm_ext.model_register('blog.kinds', '{"timestamps": true, "soft_delete": true, "version": true}')$$,
                'registering a table with every kind of column');
SELECT results_eq(
    $$SELECT model, "table", name::text COLLATE "default", type, nullable, "default", server_owned, pk_position, attnum::int
        FROM orm_ext.model_columns WHERE "table" = 'blog.kinds'::regclass ORDER BY attnum$$,
    $$VALUES ('kinds', 'blog.kinds'::regclass, 'b', 'integer', false, 'pg_catalog.nextval(''blog.kinds_b_seq''::pg_catalog.regclass)', false, 2, 1),
             ('kinds', 'blog.kinds'::regclass, 'a', 'text', false, NULL, false, 1, 2),
             ('kinds', 'blog.kinds'::regclass, 's', 'integer', false, 'nextval(''blog.kinds_s_seq''::regclass)', false, NULL, 3),
             ('kinds', 'blog.kinds'::regclass, 'g', 'integer', true, NULL, true, NULL, 4),
             ('kinds', 'blog.kinds'::regclass, 'd', 'blog."Pos Int"', true, '7', false, NULL, 5),
             ('kinds', 'blog.kinds'::regclass, 'ident', 'bigint', false, NULL, true, NULL, 7),
             ('kinds', 'blog.kinds'::regclass, 'created_at', 'timestamp with time zone', true, NULL, true, NULL, 8),
             ('kinds', 'blog.kinds'::regclass, 'updated_at', 'timestamp with time zone', true, NULL, true, NULL, 9),
             ('kinds', 'blog.kinds'::regclass, 'deleted_at', 'timestamp with time zone', true, NULL, true, NULL, 10),
             ('kinds', 'blog.kinds'::regclass, 'version', 'integer', true, NULL, true, NULL, 11),
             ('kinds', 'blog.kinds'::regclass, 'Late Col', 'numeric(10,2)', false, '1.5', false, NULL, 12)$$,
    'model_columns: type with typmod, nullability, default (identity BY DEFAULT, serial, domain), server ownership (generated, identity ALWAYS, timestamps, soft delete, version), pk position; no dropped column');
SELECT is(pg_get_function_arguments('blog.kinds_create'::regproc),
          'b integer DEFAULT nextval(''blog.kinds_b_seq''::regclass), a text DEFAULT NULL::text, s integer DEFAULT nextval(''blog.kinds_s_seq''::regclass), d blog."Pos Int" DEFAULT 7, "Late Col" numeric DEFAULT 1.5',
          'kinds_create takes exactly the writable columns, in column order, with their defaults');
SELECT is(pg_get_function_arguments('blog.kinds_upsert'::regproc), pg_get_function_arguments('blog.kinds_create'::regproc),
          'upsert takes the same parameters as create');
SELECT is(pg_get_function_arguments('blog.kinds_update'::regproc), 'a text, b integer, patch jsonb',
          'update takes the composite key in key order, then patch');
SELECT is(pg_get_function_arguments('blog.kinds_delete'::regproc), 'a text, b integer', 'delete takes the key');

-- key columns named like the parameters the generated functions add
CREATE TABLE blog.named_patch (patch integer PRIMARY KEY, v text);
SELECT lives_ok($$SELECT orm_ext.model_register('blog.named_patch')$$,
                'a primary key column named "patch" (update''s own parameter name) can be registered');
INSERT INTO blog.named_patch VALUES (1, 'a');
SELECT is(pg_get_function_arguments('blog.named_patch_update'::regproc), 'patch integer, jsonb',
          'its _update leaves the JSON parameter unnamed');
SELECT is((SELECT v FROM blog.named_patch_update(1, '{"v": "b"}')), 'b', 'and works with positional arguments');
CREATE TABLE blog.named_filter ("filter" integer, "after" integer, PRIMARY KEY ("filter", "after"), "page_size" text);
SELECT lives_ok($$SELECT orm_ext.model_register('blog.named_filter')$$,
                'key columns named "filter" and "after" (list''s parameter names) can be registered');
SELECT is(pg_get_function_arguments('blog.named_filter_get'::regproc), 'filter integer, after integer', 'get takes them');

-------------------------------------------------------------------------------
-- ledger columns are server-owned, whichever comes first
-------------------------------------------------------------------------------
CREATE TABLE blog.led_first (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, acct text NOT NULL,
                             amt bigint NOT NULL, bal bigint);
SELECT orm_ext.ledger_attach('blog.led_first', 'acct', 'amt', 'bal', hash_chain => true);
SELECT lives_ok($$SELECT orm_ext.model_register('blog.led_first')$$, 'registering an attached ledger');
SELECT results_eq($$SELECT name::text COLLATE "default", server_owned FROM orm_ext.model_columns WHERE "table" = 'blog.led_first'::regclass ORDER BY attnum$$,
                  $$VALUES ('id', true), ('acct', false), ('amt', false), ('bal', true), ('entry_seq', true), ('entry_hash', true)$$,
                  'the balance, seq and hash columns are server-owned');
SELECT is(pg_get_function_arguments('blog.led_first_create'::regproc), 'acct text DEFAULT NULL::text, amt bigint DEFAULT NULL::bigint',
          'and no parameters of create');
SELECT results_eq($$SELECT acct, amt, bal, entry_seq FROM blog.led_first_create('x', 5)$$, $$VALUES ('x', 5::bigint, 5::bigint, 1::bigint)$$,
                  'led_first_create inserts an entry whose balance the ledger computes');
CREATE TABLE blog.led_later (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, acct text NOT NULL,
                             amt bigint NOT NULL, bal bigint);
SELECT orm_ext.model_register('blog.led_later');
SELECT orm_ext.ledger_attach('blog.led_later', 'acct', 'amt', 'bal', hash_chain => true);
SELECT is(pg_get_function_arguments('blog.led_later_create'::regproc), 'acct text DEFAULT NULL::text, amt bigint DEFAULT NULL::bigint',
          'a model registered before ledger_attach loses the balance parameter and never gets seq and hash');

-------------------------------------------------------------------------------
-- collisions: another model's name, a hand-written function
-------------------------------------------------------------------------------
CREATE TABLE blog.people (id int PRIMARY KEY);
SELECT throws_ok($$SELECT orm_ext.model_register('blog.people', '{"name": "users"}')$$, '42723',
                 'model "users" already exists in schema blog', 'a model name already taken in the schema: 42723');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.people', '{"name": "users", "api_schema": "blog"}')$$, '42723', NULL,
                 'also with api_schema spelled out');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.people', '{"name": "users", "api_schema": "My Api"}')$$,
                'the same name in another schema is fine');
SELECT throws_ok($$SELECT orm_ext.model_register('blog.people', '{"name": "users"}')$$, '42723', NULL,
                 're-registering it into the taken name: 42723');
SELECT results_eq($$SELECT api_schema::text COLLATE "default" FROM orm_ext.models WHERE "table" = 'blog.people'::regclass$$, $$VALUES ('My Api')$$,
                  'and that left it where it was');

CREATE SCHEMA shop;
CREATE TABLE shop.items (id int PRIMARY KEY, v text);
CREATE FUNCTION shop.items_get(id int) RETURNS text LANGUAGE sql AS $$ SELECT 'hand-written' $$;
SELECT throws_ok($$SELECT orm_ext.model_register('shop.items')$$, '42723', 'function shop.items_get already exists',
                 'a hand-written function with a generated name (shop.items_get): 42723');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.model_register('shop.items')$$),
          '42723: shop.items_get(integer) was not generated by orm_ext, which never replaces such a function.',
          'the DETAIL says it was not generated by orm_ext');
SELECT results_eq($$SELECT shop.items_get(1), pg_get_function_result('shop.items_get'::regproc)$$,
                  $$VALUES ('hand-written', 'text')$$, 'the hand-written function is untouched');
SELECT is(pg_temp.functions_in('shop'), ARRAY['shop.items_get(integer)'], 'and no other function was created');
SELECT is((SELECT count(*) FROM orm_ext.models WHERE "table" = 'shop.items'::regclass), 0::bigint, 'and nothing registered');
CREATE FUNCTION shop.things_list() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SELECT throws_ok($$SELECT orm_ext.model_register('shop.items', '{"name": "things"}')$$, '42723', NULL,
                 'a hand-written function of the same name with other arguments (shop.things_list()): 42723');
SELECT lives_ok($$SELECT orm_ext.model_register('shop.items', '{"name": "item"}')$$,
                'registered under another name, it works');
SELECT is(pg_temp.functions_in('shop'),
          ARRAY['shop.item_create(integer,text)', 'shop.item_create_graph(jsonb)', 'shop.item_delete(integer)', 'shop.item_fetch(integer,text[])', 'shop.item_fetch_many(jsonb,text[],integer,text)', 'shop.item_get(integer)',
                'shop.item_list(jsonb,text[],integer,text)', 'shop.item_page(jsonb,text[],integer,text)',
                'shop.item_update(integer,jsonb)', 'shop.item_upsert(integer,text)',
                'shop.items_get(integer)', 'shop.things_list()'],
          'beside the hand-written functions, which stay');

-------------------------------------------------------------------------------
-- re-registration
-------------------------------------------------------------------------------
CREATE TEMP TABLE oids_before AS SELECT kind, function::oid AS oid FROM orm_ext.model_functions WHERE "table" = 'blog.users'::regclass;
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users')$$, 're-registering with the same options');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users', '{}')$$, 'and again');
SELECT results_eq($$SELECT kind, function::oid FROM orm_ext.model_functions WHERE "table" = 'blog.users'::regclass ORDER BY kind$$,
                  $$SELECT kind, oid FROM oids_before ORDER BY kind$$,
                  'is idempotent: the same ten functions, replaced in place (same OIDs)');
SELECT is((SELECT count(*) FROM orm_ext.models WHERE "table" = 'blog.users'::regclass), 1::bigint, 'one registry row');

ALTER TABLE blog.users ADD COLUMN created_at timestamptz, ADD COLUMN updated_at timestamptz;
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users', '{"timestamps": true}')$$, 're-registering with timestamps');
SELECT is(pg_temp.triggers_of('blog.users'),
          ARRAY['CREATE TRIGGER orm_ext_timestamps BEFORE INSERT OR UPDATE ON blog.users FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps(''created_at'', ''updated_at'')'],
          'installs the trigger');
SELECT is(pg_get_function_arguments('blog.users_create'::regproc),
          'email text DEFAULT NULL::text, name text DEFAULT ''anon''::text, bio text DEFAULT NULL::text',
          'and the timestamp columns are no parameters');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users', '{"timestamps": false}')$$, 're-registering without timestamps');
SELECT is(pg_temp.triggers_of('blog.users'), ARRAY[]::text[], 'drops the trigger');
SELECT is(pg_get_function_arguments('blog.users_create'::regproc),
          'email text DEFAULT NULL::text, name text DEFAULT ''anon''::text, bio text DEFAULT NULL::text, created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, updated_at timestamp with time zone DEFAULT NULL::timestamp with time zone',
          'and the columns become parameters again');

SELECT lives_ok($$SELECT orm_ext.model_register('blog.users', '{"name": "member"}')$$, 're-registering under another name');
SELECT results_eq($$SELECT kind, function::text FROM orm_ext.model_functions WHERE "table" = 'blog.users'::regclass ORDER BY kind$$,
                  $$VALUES ('create', 'blog.member_create(text,text,text,timestamp with time zone,timestamp with time zone)'),
                           ('create_graph', 'blog.member_create_graph(jsonb)'),
                           ('delete', 'blog.member_delete(bigint)'), ('fetch', 'blog.member_fetch(bigint,text[])'),
                           ('fetch_many', 'blog.member_fetch_many(jsonb,text[],integer,text)'),
                           ('get', 'blog.member_get(bigint)'),
                           ('list', 'blog.member_list(jsonb,text[],integer,text)'),
                           ('page', 'blog.member_page(jsonb,text[],integer,text)'),
                           ('update', 'blog.member_update(bigint,jsonb)'),
                           ('upsert', 'blog.member_upsert(text,text,text,timestamp with time zone,timestamp with time zone)')$$,
                  'creates the functions under the new name');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'blog'::regnamespace AND proname LIKE 'users\_%'), 0::bigint,
          'and drops the old ones');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users', '{"name": "member", "api_schema": "shop"}')$$,
                're-registering into another api_schema');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'shop'::regnamespace AND proname LIKE 'member\_%'), 10::bigint,
          'creates the ten functions there');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'blog'::regnamespace AND proname LIKE 'member\_%'), 0::bigint,
          'and drops them from the old schema');
SELECT is((SELECT count(*) FROM orm_ext.model_functions WHERE "table" = 'blog.users'::regclass AND api_schema = 'shop'), 10::bigint,
          'orm_ext.model_functions lists the new ones');
SELECT is((SELECT email FROM shop.member_get(1)), 'a@example.com', 'and they work');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users')$$, 'back to the defaults');
SELECT results_eq($$SELECT model, api_schema::text COLLATE "default" FROM orm_ext.models WHERE "table" = 'blog.users'::regclass$$,
                  $$VALUES ('users', 'blog')$$, 'users in blog again');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'shop'::regnamespace AND proname LIKE 'member\_%'), 0::bigint,
          'with nothing left behind in shop');

-------------------------------------------------------------------------------
-- model_unregister()
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.model_unregister('blog.nopk')$$, '55000', NULL, 'unregister a table that is no model: 55000');
SELECT throws_ok($$SELECT orm_ext.model_unregister(NULL)$$, '22004', NULL, 'unregister NULL: 22004');
SELECT throws_ok($$SELECT orm_ext.model_unregister('blog.posts_view')$$, '42809', NULL, 'unregister a view: 42809');
SELECT lives_ok($$SELECT orm_ext.model_unregister('"Data ""S"""."Order Items"')$$, 'unregister the hostile model');
SELECT is(pg_temp.functions_in('My Api'),
          ARRAY['"My Api".users_create(integer)', '"My Api".users_create_graph(jsonb)', '"My Api".users_delete(integer)', '"My Api".users_fetch(integer,text[])', '"My Api".users_fetch_many(jsonb,text[],integer,text)', '"My Api".users_get(integer)',
                '"My Api".users_list(jsonb,text[],integer,text)', '"My Api".users_page(jsonb,text[],integer,text)',
                '"My Api".users_update(integer,jsonb)', '"My Api".users_upsert(integer)'],
          'drops its functions (and only its: blog.people''s in the same schema stay)');
SELECT is(pg_temp.triggers_of('"Data ""S"""."Order Items"'), ARRAY[]::text[], 'drops the timestamps trigger');
SELECT is((SELECT count(*) FROM orm_ext.models WHERE "table" = '"Data ""S"""."Order Items"'::regclass), 0::bigint,
          'forgets the model');
SELECT is((SELECT count(*) FROM orm_ext.model_generated_functions WHERE model_table = '"Data ""S"""."Order Items"'::regclass),
          0::bigint, 'and its functions');
SELECT lives_ok($$SELECT orm_ext.model_unregister('blog.users')$$, 'unregister blog.users');
SELECT results_eq($$SELECT id, email FROM blog.users$$, $$VALUES (1::bigint, 'a@example.com')$$, 'the table and its data stay');
SELECT throws_ok($$SELECT orm_ext.model_unregister('blog.users')$$, '55000', NULL, 'unregistering twice: 55000');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.users')$$, 'registering it again');
SELECT is((SELECT email FROM blog.users_get(1)), 'a@example.com', 'works');

-------------------------------------------------------------------------------
-- a non-superuser owner, and everyone else
-------------------------------------------------------------------------------
CREATE ROLE tap_mreg_owner NOLOGIN;
CREATE ROLE tap_mreg_member NOLOGIN IN ROLE tap_mreg_owner;
CREATE ROLE tap_mreg_other NOLOGIN;
CREATE SCHEMA "Own ""S""" AUTHORIZATION tap_mreg_owner;
CREATE SCHEMA locked;
GRANT USAGE ON SCHEMA locked, "Own ""S""" TO tap_mreg_owner, tap_mreg_other;
GRANT USAGE, CREATE ON SCHEMA blog TO tap_mreg_other;
SET ROLE tap_mreg_owner;
CREATE TABLE "Own ""S""".mine (id int PRIMARY KEY, v text);
CREATE TABLE "Own ""S""".second (id int PRIMARY KEY, v text);
SELECT lives_ok($$SELECT orm_ext.model_register('"Own ""S""".mine')$$,
                'a non-superuser registers its own table (the registry''s policies let it)');
SELECT is((SELECT count(*) FROM orm_ext.model_functions f JOIN pg_proc p ON p.oid = f.function
            WHERE f."table" = '"Own ""S""".mine'::regclass AND p.proowner = 'tap_mreg_owner'::regrole), 10::bigint,
          'and owns the ten functions');
SELECT throws_ok($$SELECT orm_ext.model_register('"Own ""S""".second', '{"api_schema": "locked"}')$$, '42501',
                 'permission denied for schema locked', 'an api_schema without CREATE privilege: 42501');
SELECT lives_ok($$SELECT orm_ext.model_register('"Own ""S""".mine')$$, 'and re-registers it');
RESET ROLE;
SET ROLE tap_mreg_member;
SELECT lives_ok($$SELECT orm_ext.model_register('"Own ""S""".second')$$, 'a member of the owning role may register');
RESET ROLE;
SET ROLE tap_mreg_other;
SELECT throws_ok($$SELECT orm_ext.model_register('"Own ""S""".mine')$$, '42501', 'must be owner of table "Own ""S""".mine',
                 'a non-owner cannot register: 42501');
SELECT throws_ok($$SELECT orm_ext.model_register('"Own ""S""".mine', '{"api_schema": "blog", "name": "stolen"}')$$, '42501', NULL,
                 'not even into a schema of its own: 42501');
SELECT throws_ok($$SELECT orm_ext.model_unregister('"Own ""S""".mine')$$, '42501', NULL, 'nor unregister: 42501');
SELECT throws_ok($$SELECT orm_ext.model_unregister('blog.users')$$, '42501', NULL,
                 'nor unregister a superuser''s model: 42501');
SELECT is((SELECT count(*) FROM orm_ext.models), 11::bigint, 'it can read every model');
DELETE FROM orm_ext.model_registry;
DELETE FROM orm_ext.model_generated_functions;
SELECT is((SELECT count(*) FROM orm_ext.model_registry), 11::bigint,
          'but deleting from the registry directly touches none of the rows of tables it does not own');
SELECT is((SELECT count(*) FROM orm_ext.model_generated_functions), 110::bigint, 'nor from the functions table');
SELECT throws_ok($$INSERT INTO orm_ext.model_registry (model_table, model_name, api_schema, options)
                   VALUES ('"Own ""S""".mine', 'x', 'blog', '{}')
                   ON CONFLICT (model_table) DO UPDATE SET api_schema = 'blog'$$,
                 '42501', NULL, 'and writing a row for someone else''s table is refused: 42501');
RESET ROLE;
CREATE TABLE blog.own_by_other (id int PRIMARY KEY);
ALTER TABLE blog.own_by_other OWNER TO tap_mreg_other;
SET ROLE tap_mreg_other;
SELECT throws_ok($$INSERT INTO orm_ext.model_registry (model_table, model_name, api_schema, options)
                   VALUES ('blog.own_by_other', 'x', 'pg_catalog', '{}')$$,
                 '42501', NULL,
                 'an owner cannot write its own registry row for a schema it may not create in (pg_catalog): 42501');
RESET ROLE;
SELECT results_eq($$SELECT model, api_schema::text COLLATE "default" FROM orm_ext.models WHERE "table" = '"Own ""S""".mine'::regclass$$,
                  $$VALUES ('mine', 'Own "S"')$$, 'the owner''s model is unchanged');
SET ROLE tap_mreg_owner;
SELECT lives_ok($$SELECT orm_ext.model_unregister('"Own ""S""".mine')$$, 'the owner unregisters its model');
RESET ROLE;
SELECT is(pg_temp.functions_in('Own "S"'),
          ARRAY['"Own ""S""".second_create(integer,text)', '"Own ""S""".second_create_graph(jsonb)', '"Own ""S""".second_delete(integer)', '"Own ""S""".second_fetch(integer,text[])',
                '"Own ""S""".second_fetch_many(jsonb,text[],integer,text)', '"Own ""S""".second_get(integer)',
                '"Own ""S""".second_list(jsonb,text[],integer,text)', '"Own ""S""".second_page(jsonb,text[],integer,text)',
                '"Own ""S""".second_update(integer,jsonb)', '"Own ""S""".second_upsert(integer,text)'],
          'its functions are gone, the other model''s stay');

SELECT * FROM finish();
ROLLBACK;
