-- The generated functions follow DDL on their table in the same transaction
-- (ADD/DROP/RENAME COLUMN, ALTER COLUMN TYPE, SET/DROP DEFAULT, a new primary
-- key, RENAME and SET SCHEMA of the table), keep their privileges and
-- comments, go with DROP TABLE and with their api schema, and are left
-- alone by DDL on other tables; functions orm_ext did not generate are never
-- dropped.  Roles made here start with tap_mddl and go with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(133);
SET LOCAL client_min_messages = warning;
\ir lib/detail_of.sql

-- the functions of a schema, as regprocedure text, sorted
CREATE FUNCTION pg_temp.functions_in(s name) RETURNS text[] LANGUAGE sql
SET search_path = pg_catalog, pg_temp AS $$
    SELECT COALESCE(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), '{}')
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = s
$$;
-- the parameter names of a function
CREATE FUNCTION pg_temp.argnames(f regproc) RETURNS text[] LANGUAGE sql AS $$
    SELECT proargnames::text[] FROM pg_proc WHERE oid = f
$$;
-- where the pg_proc rows of a table's generated functions are: kind, xmin, ctid
CREATE FUNCTION pg_temp.proc_versions(t regclass) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(format('%s %s %s %s', f.kind, p.oid, p.xmin, p.ctid), ', ' ORDER BY f.kind)
      FROM orm_ext.model_functions f JOIN pg_proc p ON p.oid = f.function WHERE f."table" = t
$$;

CREATE SCHEMA "Data ""S""";
CREATE SCHEMA "My Api";
CREATE ROLE "tap_mddl ""Q"" ü" NOLOGIN;
CREATE ROLE tap_mddl_other NOLOGIN;
GRANT USAGE ON SCHEMA "Data ""S""", "My Api" TO "tap_mddl ""Q"" ü", tap_mddl_other;
CREATE TABLE "Data ""S"""."Order Items" (
    id integer PRIMARY KEY,
    "select" text NOT NULL,
    "Sku ""x""" varchar(8) DEFAULT 'x',
    qty integer DEFAULT 1
);
SELECT orm_ext.model_register('"Data ""S"""."Order Items"', '{"api_schema": "My Api", "name": "it''s"}');
SET LOCAL search_path = "My Api", public;
-- functions of the api schema that orm_ext did not generate
CREATE FUNCTION "My Api".helper() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION "My Api"."it's_count"() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM "Data ""S"""."Order Items" $$;
-- privileges on a generated function
REVOKE EXECUTE ON FUNCTION "it's_create"(integer, text, varchar, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "it's_create"(integer, text, varchar, integer) TO "tap_mddl ""Q"" ü";
GRANT EXECUTE ON FUNCTION "it's_get"(integer) TO "tap_mddl ""Q"" ü" WITH GRANT OPTION;
SELECT FROM "it's_create"(1, 'first');

-------------------------------------------------------------------------------
-- DDL on other tables leaves the functions alone
-------------------------------------------------------------------------------
CREATE TABLE "Data ""S""".other (id int PRIMARY KEY, v text);
CREATE TEMP TABLE versions AS SELECT pg_temp.proc_versions('"Data ""S"""."Order Items"') AS v;
SAVEPOINT other_ddl;                   -- a subtransaction: a rewritten pg_proc row would get its xid
ALTER TABLE "Data ""S""".other ADD COLUMN w int;
ALTER TABLE "Data ""S""".other RENAME COLUMN v TO vv;
CREATE INDEX ON "Data ""S""".other (w);
CREATE TABLE "Data ""S""".another (id int);
DROP TABLE "Data ""S""".another;
COMMENT ON TABLE "Data ""S""".other IS 'other';
RELEASE SAVEPOINT other_ddl;
SELECT is(pg_temp.proc_versions('"Data ""S"""."Order Items"'), (SELECT v FROM versions),
          'ALTER TABLE, CREATE INDEX, CREATE/DROP TABLE and COMMENT on other tables do not rewrite the generated functions (same oid, xmin, ctid)');
SAVEPOINT own_ddl;
ALTER TABLE "Data ""S"""."Order Items" ALTER COLUMN qty SET STATISTICS 100;
RELEASE SAVEPOINT own_ddl;
SELECT isnt(pg_temp.proc_versions('"Data ""S"""."Order Items"'), (SELECT v FROM versions),
            '(control: an ALTER TABLE on the model''s table does rewrite them)');

-------------------------------------------------------------------------------
-- ADD COLUMN
-------------------------------------------------------------------------------
ALTER TABLE "Data ""S"""."Order Items" ADD COLUMN "Price It's" numeric(10,2) DEFAULT 9.99;
SELECT is(pg_temp.argnames('"it''s_create"'), ARRAY['id', 'select', 'Sku "x"', 'qty', 'Price It''s'],
          'ADD COLUMN: create gains the parameter, last, in the same transaction');
SELECT is(pg_get_function_arguments('"it''s_create"'::regproc),
          'id integer DEFAULT NULL::integer, "select" text DEFAULT NULL::text, "Sku ""x""" character varying DEFAULT ''x''::character varying, qty integer DEFAULT 1, "Price It''s" numeric DEFAULT 9.99',
          'typed and defaulted like the new column');
SELECT is(pg_get_function_arguments('"it''s_upsert"'::regproc), pg_get_function_arguments('"it''s_create"'::regproc),
          'upsert gains it too');
SELECT results_eq($$SELECT "Price It's" FROM "it's_create"(2, 'second', "Price It's" => 1.234)$$, $$VALUES (1.23::numeric)$$,
                  'and create takes it at once');
SELECT results_eq($$SELECT "Price It's" FROM "it's_create"(3, 'third')$$, $$VALUES (9.99::numeric)$$, 'or its default');
SELECT results_eq($$SELECT "Price It's" FROM "it's_update"(3, '{"Price It''s": 5}')$$, $$VALUES (5.00::numeric)$$,
                  'update accepts the new column');
SELECT is((SELECT array_agg(id ORDER BY id) FROM "it's_list"('{"Price It''s": {"gt": 6}}')), ARRAY[1],
          'and list filters on it');
SELECT results_eq($$SELECT name::text COLLATE "default", type, "default" FROM orm_ext.model_columns WHERE model = 'it''s' AND name = 'Price It''s'$$,
                  $$VALUES ('Price It''s', 'numeric(10,2)', '9.99')$$, 'orm_ext.model_columns lists it');
SELECT is(has_function_privilege('tap_mddl "Q" ü', '"it''s_create"'::regproc, 'EXECUTE'), true,
          'the new create (another signature) keeps the EXECUTE granted on the old one');
SELECT is(has_function_privilege('tap_mddl_other', '"it''s_create"'::regproc, 'EXECUTE'), false,
          'and the REVOKE from PUBLIC');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname = 'it''s_create'), 1::bigint, 'the old signature is gone, no overload is left');
DO $$ BEGIN ALTER TABLE "Data ""S"""."Order Items" ADD COLUMN added_in_do text; END $$;
SELECT is(pg_temp.argnames('"it''s_create"'), ARRAY['id', 'select', 'Sku "x"', 'qty', 'Price It''s', 'added_in_do'],
          'a column added inside a DO block counts too');
ALTER TABLE "Data ""S"""."Order Items"
    ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN doubled integer GENERATED ALWAYS AS (qty * 2) STORED;
SELECT is(pg_temp.argnames('"it''s_create"'), ARRAY['id', 'select', 'Sku "x"', 'qty', 'Price It''s', 'added_in_do'],
          'an identity ALWAYS and a generated column added: no new parameters');
SELECT throws_ok($$SELECT "it's_update"(1, '{"doubled": 4}')$$, '428C9', NULL, 'and update refuses them: 428C9');

-------------------------------------------------------------------------------
-- DROP COLUMN, RENAME COLUMN
-------------------------------------------------------------------------------
ALTER TABLE "Data ""S"""."Order Items" DROP COLUMN added_in_do, DROP COLUMN ident, DROP COLUMN doubled;
ALTER TABLE "Data ""S"""."Order Items" DROP COLUMN "Sku ""x""";
SELECT is(pg_temp.argnames('"it''s_create"'), ARRAY['id', 'select', 'qty', 'Price It''s'], 'DROP COLUMN: the parameter goes');
SELECT results_eq($$SELECT id, "select", qty FROM "it's_create"(4, 'fourth', 7)$$, $$VALUES (4, 'fourth', 7)$$,
                  'positional arguments follow the new column list');
SELECT throws_ok($$SELECT "it's_update"(1, '{"Sku \"x\"": "y"}')$$, '42703', NULL, 'update: the dropped column is unknown: 42703');
SELECT throws_ok($$SELECT * FROM "it's_list"('{"Sku \"x\"": "y"}')$$, '42703', NULL, 'list: the dropped column is unknown: 42703');
SELECT is(has_function_privilege('tap_mddl "Q" ü', '"it''s_create"'::regproc, 'EXECUTE'), true, 'privileges survive DROP COLUMN');

ALTER TABLE "Data ""S"""."Order Items" RENAME COLUMN "select" TO "Select ""Me""";
SELECT is(pg_temp.argnames('"it''s_create"'), ARRAY['id', 'Select "Me"', 'qty', 'Price It''s'],
          'RENAME COLUMN: the parameter is renamed');
SELECT results_eq($$SELECT "Select ""Me""" FROM "it's_create"(id => 5, "Select ""Me""" => 'fifth')$$, $$VALUES ('fifth')$$,
                  'and create takes it by its new name');
SELECT throws_ok($$SELECT "it's_create"(id => 6, "select" => 'sixth')$$, '42883', NULL, 'not by the old one: 42883');
SELECT results_eq($$SELECT "Select ""Me""" FROM "it's_update"(5, '{"Select \"Me\"": "renamed"}')$$, $$VALUES ('renamed')$$,
                  'update takes the new name');
SELECT throws_ok($$SELECT "it's_update"(5, '{"select": "x"}')$$, '42703', NULL, 'and refuses the old one: 42703');
SELECT is((SELECT array_agg(id ORDER BY id) FROM "it's_list"('{"Select \"Me\"": {"like": "ren%"}}', ARRAY['Select "Me" desc'])),
          ARRAY[5], 'list filters and orders by the new name');
SELECT is(has_function_privilege('tap_mddl "Q" ü', '"it''s_create"'::regproc, 'EXECUTE'), true,
          'privileges survive RENAME COLUMN (the function had to be made anew)');
SELECT is(has_function_privilege('tap_mddl_other', '"it''s_create"'::regproc, 'EXECUTE'), false, 'the REVOKE too');

ALTER TABLE "Data ""S"""."Order Items" RENAME COLUMN id TO "Item Id";
SELECT is(pg_temp.argnames('"it''s_get"'), ARRAY['Item Id'], 'renaming the key column renames get''s parameter');
SELECT is(pg_temp.argnames('"it''s_update"'), ARRAY['Item Id', 'patch'], 'and update''s');
SELECT is(pg_temp.argnames('"it''s_delete"'), ARRAY['Item Id'], 'and delete''s');
SELECT is(("it's_get"("Item Id" => 5))."Select ""Me""", 'renamed', 'get works by the new name');
SELECT results_eq($$SELECT qty FROM "it's_update"("Item Id" => 5, patch => '{"qty": 8}')$$, $$VALUES (8)$$, 'update too');
SELECT is(has_function_privilege('tap_mddl "Q" ü', '"it''s_get"'::regproc, 'EXECUTE WITH GRANT OPTION'), true,
          'the grant option on get survives');

-------------------------------------------------------------------------------
-- SET DEFAULT, DROP DEFAULT, ALTER COLUMN TYPE
-------------------------------------------------------------------------------
CREATE TEMP TABLE create_oid AS SELECT '"it''s_create"'::regproc::oid AS oid;
ALTER TABLE "Data ""S"""."Order Items" ALTER COLUMN "Select ""Me""" SET DEFAULT 'it''s default';
SELECT is(pg_get_function_arguments('"it''s_create"'::regproc),
          '"Item Id" integer DEFAULT NULL::integer, "Select ""Me""" text DEFAULT ''it''''s default''::text, qty integer DEFAULT 1, "Price It''s" numeric DEFAULT 9.99',
          'SET DEFAULT: the parameter default follows') ;
SELECT is('"it''s_create"'::regproc::oid, (SELECT oid FROM create_oid), 'the function was replaced in place (same OID)');
SELECT results_eq($$SELECT "Select ""Me""" FROM "it's_create"(6)$$, $$VALUES ('it''s default')$$, 'an omitted argument takes the new default');
ALTER TABLE "Data ""S"""."Order Items" ALTER COLUMN qty DROP DEFAULT;
SELECT is(pg_get_function_arguments('"it''s_create"'::regproc),
          '"Item Id" integer DEFAULT NULL::integer, "Select ""Me""" text DEFAULT ''it''''s default''::text, qty integer DEFAULT NULL::integer, "Price It''s" numeric DEFAULT 9.99',
          'DROP DEFAULT: the parameter defaults to NULL');
SELECT results_eq($$SELECT qty FROM "it's_create"(7)$$, $$VALUES (NULL::integer)$$, 'an omitted argument is NULL');
ALTER TABLE "Data ""S"""."Order Items" ALTER COLUMN qty SET DEFAULT 3, ALTER COLUMN "Select ""Me""" DROP DEFAULT;
SELECT is(pg_get_function_arguments('"it''s_create"'::regproc),
          '"Item Id" integer DEFAULT NULL::integer, "Select ""Me""" text DEFAULT NULL::text, qty integer DEFAULT 3, "Price It''s" numeric DEFAULT 9.99',
          'both in one ALTER TABLE');
SELECT throws_ok($$SELECT "it's_create"(8)$$, '23502', NULL, 'NOT NULL without a default again: 23502');

ALTER TABLE "Data ""S"""."Order Items" ALTER COLUMN qty TYPE bigint;
SELECT is(pg_get_function_identity_arguments('"it''s_create"'::regproc), '"Item Id" integer, "Select ""Me""" text, qty bigint, "Price It''s" numeric',
          'ALTER COLUMN TYPE: the parameter''s type follows');
ALTER TABLE "Data ""S"""."Order Items" ALTER COLUMN "Item Id" TYPE bigint;
SELECT is(pg_temp.functions_in('My Api'),
          ARRAY['"My Api"."it''s_count"()',
                '"My Api"."it''s_create"(bigint,text,bigint,numeric)', '"My Api"."it''s_create_graph"(jsonb)', '"My Api"."it''s_delete"(bigint)',
                '"My Api"."it''s_fetch"(bigint,text[])', '"My Api"."it''s_fetch_many"(jsonb,text[],integer,text)', '"My Api"."it''s_get"(bigint)', '"My Api"."it''s_list"(jsonb,text[],integer,text)',
                '"My Api"."it''s_page"(jsonb,text[],integer,text)', '"My Api"."it''s_update"(bigint,jsonb)',
                '"My Api"."it''s_upsert"(bigint,text,bigint,numeric)', '"My Api".helper()'],
          'the key''s type changed to bigint: get, update, delete and fetch take bigint, no integer overload is left; the other functions stay');
SELECT is(("it's_get"(5000000000)) IS NULL, true, 'get takes a bigint beyond integer range');
SELECT results_eq($$SELECT "Item Id" FROM "it's_create"(5000000000, 'big')$$, $$VALUES (5000000000::bigint)$$, 'create stores one');
SELECT results_eq($$SELECT "Item Id", qty FROM "it's_update"(5000000000, '{"qty": 6000000000}')$$, $$VALUES (5000000000::bigint, 6000000000::bigint)$$,
                  'update finds it and takes a bigint qty');
SELECT is("it's_delete"(5000000000), true, 'delete finds it');
SELECT is(has_function_privilege('tap_mddl "Q" ü', '"it''s_get"'::regproc, 'EXECUTE WITH GRANT OPTION'), true,
          'the privileges of get survive the type change');
SELECT is((SELECT count(*) FROM orm_ext.model_functions WHERE model = 'it''s' AND obj_description(function, 'pg_proc') IS NOT NULL),
          10::bigint, 'after all this, the ten functions still have comments');

-------------------------------------------------------------------------------
-- the primary key
-------------------------------------------------------------------------------
ALTER TABLE "Data ""S"""."Order Items" ADD COLUMN code text;
UPDATE "Data ""S"""."Order Items" SET code = 'c' || "Item Id";
SET LOCAL client_min_messages = error;                -- the WARNING is expected
SELECT lives_ok($$ALTER TABLE "Data ""S"""."Order Items" DROP CONSTRAINT "Order Items_pkey"$$,
                'dropping the primary key alone is allowed, with a WARNING (pg_restore adds constraints one by one)');
SELECT is(pg_get_function_arguments('"it''s_get"'::regproc), '"Item Id" bigint',
          'and the functions are kept as they were until a key is added');
SELECT throws_ok($$ALTER TABLE "Data ""S"""."Order Items" RENAME TO "Old Items"$$, '42P16',
                 'table "Data ""S"""."Old Items" of model "it''s" has no primary key',
                 'without a primary key the table cannot be renamed: the kept functions name it');
SELECT throws_ok($$ALTER TABLE "Data ""S"""."Order Items" SET SCHEMA public$$, '42P16',
                 'table public."Order Items" of model "it''s" has no primary key',
                 'nor moved to another schema');
SELECT throws_ok($$ALTER SCHEMA "Data ""S""" RENAME TO "Data S2"$$, '42P16',
                 'table "Data S2"."Order Items" of model "it''s" has no primary key',
                 'nor its schema renamed');
SELECT lives_ok($$ALTER SCHEMA "My Api" RENAME TO "My Api 2"$$,
                'the api schema may be renamed: the functions do not name it');
SELECT is((SELECT api_schema FROM orm_ext.model_registry WHERE model_name = 'it''s'), 'My Api 2'::name,
          'and the registry follows it');
ALTER SCHEMA "My Api 2" RENAME TO "My Api";
SELECT is(to_regclass('"Data ""S"""."Order Items"') IS NOT NULL AND to_regclass('"Data ""S"""."Old Items"') IS NULL,
          true, 'the table keeps its name');
SELECT is(("it's_get"(5))."Select ""Me""", 'renamed', 'and the kept functions still read it');
RESET client_min_messages;
ALTER TABLE "Data ""S"""."Order Items" ADD PRIMARY KEY ("Item Id");
SELECT lives_ok($$ALTER TABLE "Data ""S"""."Order Items" DROP CONSTRAINT "Order Items_pkey", ADD PRIMARY KEY (code)$$,
                'replacing the primary key in one ALTER TABLE');
SELECT is(pg_get_function_arguments('"it''s_get"'::regproc), 'code text', 'get takes the new key');
SELECT is(pg_get_function_arguments('"it''s_update"'::regproc), 'code text, patch jsonb', 'update too');
SELECT is(("it's_get"('c5'))."Select ""Me""", 'renamed', 'get finds the row by it');
SELECT results_eq($$SELECT code FROM "it's_list"(page_size => 3)$$, $$VALUES ('c1'), ('c2'), ('c3')$$,
                  'list orders by the new key');
UPDATE "Data ""S"""."Order Items" SET qty = 3 WHERE qty IS NULL;
SELECT lives_ok($$ALTER TABLE "Data ""S"""."Order Items" DROP CONSTRAINT "Order Items_pkey", ADD PRIMARY KEY (qty, "Item Id")$$,
                'replacing it by a composite key');
SELECT is(pg_get_function_arguments('"it''s_delete"'::regproc), 'qty bigint, "Item Id" bigint', 'delete takes the two columns in key order');

-------------------------------------------------------------------------------
-- renaming the table, moving it to another schema
-------------------------------------------------------------------------------
ALTER TABLE "Data ""S"""."Order Items" RENAME TO "Line Items";
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM orm_ext.model_functions f JOIN pg_proc p ON p.oid = f.function
            WHERE f."table" = '"Data ""S"""."Line Items"'::regclass),
          ARRAY['it''s_create', 'it''s_create_graph', 'it''s_delete', 'it''s_fetch', 'it''s_fetch_many', 'it''s_get', 'it''s_list', 'it''s_page', 'it''s_update', 'it''s_upsert'],
          'renaming the table keeps the function names');
SELECT results_eq($$SELECT model, "table" FROM orm_ext.models WHERE model = 'it''s'$$,
                  $$VALUES ('it''s', '"Data ""S"""."Line Items"'::regclass)$$, 'and the model, now of the renamed table');
SELECT results_eq($$SELECT code, "Select ""Me""" FROM "it's_create"(9, 'ninth', 3, code => 'c9')$$, $$VALUES ('c9', 'ninth')$$,
                  'create inserts into the renamed table');
SELECT is(("it's_get"(3, 9))."Select ""Me""", 'ninth', 'get reads it');
SELECT results_eq($$SELECT "Select ""Me""" FROM "it's_update"(3, 9, '{"Select \"Me\"": "upd"}')$$, $$VALUES ('upd')$$, 'update writes it');
SELECT ok(EXISTS (SELECT FROM "it's_list"('{"code": "c9"}')), 'list finds it');
SELECT is(jsonb_array_length("it's_page"('{"code": "c9"}') -> 'items'), 1, 'page too');
SELECT is("it's_delete"(3, 9), true, 'and delete deletes it');
SELECT matches(obj_description('"it''s_get"'::regproc, 'pg_proc'), '"Line Items"', 'the comments name the renamed table');

CREATE SCHEMA "Moved ""S""";
ALTER TABLE "Data ""S"""."Line Items" SET SCHEMA "Moved ""S""";
SELECT results_eq($$SELECT "table", api_schema::text COLLATE "default" FROM orm_ext.models WHERE model = 'it''s'$$,
                  $$VALUES ('"Moved ""S"""."Line Items"'::regclass, 'My Api')$$,
                  'SET SCHEMA moves the table; the functions stay in the api schema');
SELECT results_eq($$SELECT code FROM "it's_create"(10, 'tenth', 3, code => 'c10')$$, $$VALUES ('c10')$$, 'and work on the moved table');
SELECT results_eq($$SELECT qty FROM "it's_update"(3, 10, '{"Price It''s": 1}')$$, $$VALUES (3::bigint)$$, 'update too');

-- renaming the table's schema, and the api schema
ALTER SCHEMA "Moved ""S""" RENAME TO "Renamed ""S""";
SELECT results_eq($$SELECT code FROM "it's_create"(11, 'eleventh', 3, code => 'c11')$$, $$VALUES ('c11')$$,
                  'renaming the table''s schema regenerates the functions, which keep working');
ALTER SCHEMA "My Api" RENAME TO "Api 2";
SELECT is((SELECT api_schema::text FROM orm_ext.models WHERE model = 'it''s'), 'Api 2',
          'renaming the api schema moves the model''s api_schema with it');
SELECT results_eq($$SELECT code FROM "Api 2"."it's_create"(12, 'twelfth', 3, code => 'c12')$$, $$VALUES ('c12')$$,
                  'and the functions, now in the renamed schema, keep working');
ALTER SCHEMA "Api 2" RENAME TO "My Api";
ALTER SCHEMA "Renamed ""S""" RENAME TO "Moved ""S""";

-- a model named after its table keeps that name
CREATE SCHEMA blog;
CREATE TABLE blog.users (id int PRIMARY KEY, email text);
SELECT orm_ext.model_register('blog.users');
ALTER TABLE blog.users RENAME TO members;
SELECT is(pg_temp.functions_in('blog'),
          ARRAY['blog.users_create(integer,text)', 'blog.users_create_graph(jsonb)', 'blog.users_delete(integer)', 'blog.users_fetch(integer,text[])', 'blog.users_fetch_many(jsonb,text[],integer,text)', 'blog.users_get(integer)',
                'blog.users_list(jsonb,text[],integer,text)', 'blog.users_page(jsonb,text[],integer,text)',
                'blog.users_update(integer,jsonb)', 'blog.users_upsert(integer,text)'],
          'a model named by default after its table keeps the name users after RENAME TO members');
SELECT results_eq($$SELECT email FROM blog.users_create(1, 'a@b')$$, $$VALUES ('a@b')$$, 'and users_create inserts into members');
SELECT is((SELECT count(*) FROM blog.members), 1::bigint, 'there');

-------------------------------------------------------------------------------
-- the option columns, a dropped generated function, a clashing function, comments
-------------------------------------------------------------------------------
CREATE TABLE blog.opts (id int PRIMARY KEY, v text, created_at timestamptz, updated_at timestamptz,
                        deleted_at timestamptz, version int NOT NULL DEFAULT 1);
SELECT orm_ext.model_register('blog.opts', '{"timestamps": true, "soft_delete": true, "version": true}');
SELECT throws_ok($$ALTER TABLE blog.opts RENAME COLUMN deleted_at TO gone_at$$, '42703', NULL,
                 'renaming the soft_delete column fails (documented): 42703');
SELECT throws_ok($$ALTER TABLE blog.opts RENAME COLUMN version TO rev$$, '42703', NULL, 'renaming the version column: 42703');
SELECT throws_ok($$ALTER TABLE blog.opts DROP COLUMN version$$, '42703', NULL, 'dropping the version column: 42703');
SELECT is(ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = 'blog.opts'::regclass AND attnum > 0 ORDER BY attnum),
          ARRAY['id', 'v', 'created_at', 'updated_at', 'deleted_at', 'version'], 'and the table is as it was');
ALTER TABLE blog.opts RENAME COLUMN created_at TO inserted_at;
SELECT throws_ok($$SELECT blog.opts_create(1, 'a')$$, '42703', NULL,
                 'renaming a timestamps column is accepted, but inserts then fail (documented): 42703');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.opts', '{"timestamps": {"created_at": "inserted_at"}, "soft_delete": true, "version": true}')$$,
                'registering again with the new name in the same transaction');
SELECT results_eq($$SELECT inserted_at, updated_at, version FROM blog.opts_create(1, 'a')$$, $$VALUES (now(), now(), 1)$$,
                  'mends it');

DROP FUNCTION blog.opts_page(jsonb, text[], integer, text);
SELECT is((SELECT count(*) FROM orm_ext.model_functions WHERE "table" = 'blog.opts'::regclass AND kind = 'page'), 0::bigint,
          'dropping a generated function removes it from model_functions');
ALTER TABLE blog.opts ADD COLUMN w int;
SELECT is((SELECT count(*) FROM orm_ext.model_functions WHERE "table" = 'blog.opts'::regclass AND kind = 'page'), 1::bigint,
          'the next DDL on the table generates it again');
SELECT is(jsonb_array_length(blog.opts_page() -> 'items'), 1, 'and it works');
COMMENT ON FUNCTION blog.opts_get(integer) IS 'my own words';
ALTER TABLE blog.opts ALTER COLUMN w SET DEFAULT 1;
SELECT matches(obj_description('blog.opts_get'::regproc, 'pg_proc'), '^orm_ext model opts of table blog\.opts: ',
               'a COMMENT of one''s own on a generated function is replaced by orm_ext''s at the next DDL');
CREATE FUNCTION blog.opts_get(text) RETURNS text LANGUAGE sql AS $$ SELECT 'mine' $$;
SELECT throws_ok($$ALTER TABLE blog.opts ADD COLUMN x int$$, '42723', NULL,
                 'a function named like a generated one, created after registration, makes the next DDL fail: 42723');
SELECT is(blog.opts_get('x'), 'mine', 'and it is left alone');
DROP FUNCTION blog.opts_get(text);
SELECT lives_ok($$ALTER TABLE blog.opts ADD COLUMN x int$$, 'once it is dropped, the DDL works');
DROP TABLE blog.opts;

-------------------------------------------------------------------------------
-- DROP TABLE
-------------------------------------------------------------------------------
CREATE TABLE blog.posts (id int PRIMARY KEY, title text);
CREATE TABLE blog.tags (id int PRIMARY KEY, label text);
SELECT orm_ext.model_register('blog.posts');
SELECT orm_ext.model_register('blog.tags', '{"api_schema": "My Api"}');
CREATE FUNCTION blog.posts_helper() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
SET ROLE tap_mddl_other;
SELECT throws_ok($$DROP TABLE blog.posts$$, '42501', NULL, 'DROP TABLE by a non-owner fails as usual: 42501');
RESET ROLE;
SELECT is((SELECT count(*) FROM orm_ext.model_functions WHERE "table" = 'blog.posts'::regclass), 10::bigint,
          'and leaves the functions');
SELECT lives_ok($$DROP TABLE blog.posts$$, 'DROP TABLE (no CASCADE) of a registered table works');
SELECT is((SELECT count(*) FROM orm_ext.model_registry WHERE model_name = 'posts'), 0::bigint, 'the registry row is gone');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname LIKE 'posts\_%' AND proname <> 'posts_helper'), 0::bigint,
          'the functions are gone');
SELECT is((SELECT count(*) FROM orm_ext.model_generated_functions g
            WHERE NOT EXISTS (SELECT FROM pg_proc p WHERE p.oid = g.function)), 0::bigint,
          'no row of model_generated_functions points at a missing function');
SELECT has_function('blog', 'posts_helper', ARRAY[]::name[], 'a hand-written blog.posts_helper() stays');
SELECT lives_ok($$DROP TABLE IF EXISTS blog.nothing_here, blog.tags, blog.members$$,
                'DROP TABLE IF EXISTS of two registered tables (in two schemas'' models) and a missing one');
SELECT is((SELECT count(*) FROM orm_ext.models WHERE model IN ('tags', 'users')), 0::bigint, 'both models are forgotten');
SELECT is(pg_temp.functions_in('blog'), ARRAY['blog.posts_helper()'], 'blog holds only the hand-written function');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname LIKE 'tags\_%'), 0::bigint, 'and tags'' functions in "My Api" are gone');

-------------------------------------------------------------------------------
-- DROP SCHEMA
-------------------------------------------------------------------------------
CREATE SCHEMA "Api ""Two""";
CREATE TABLE blog.kept (id int PRIMARY KEY, v text);
INSERT INTO blog.kept VALUES (1, 'stays');
SELECT orm_ext.model_register('blog.kept', '{"api_schema": "Api \"Two\""}');
SELECT lives_ok($$DROP SCHEMA "Api ""Two""" CASCADE$$, 'DROP SCHEMA of a model''s api schema, CASCADE');
SELECT is((SELECT count(*) FROM orm_ext.models WHERE "table" = 'blog.kept'::regclass), 0::bigint, 'forgets the model');
SELECT is((SELECT count(*) FROM orm_ext.model_generated_functions WHERE model_table = 'blog.kept'::regclass), 0::bigint,
          'and its functions');
SELECT results_eq($$SELECT v FROM blog.kept$$, $$VALUES ('stays')$$, 'the table and its data stay');
SELECT lives_ok($$SELECT orm_ext.model_register('blog.kept')$$, 'and it can be registered again');
SELECT is((blog.kept_get(1)).v, 'stays', 'its new functions work');
ALTER TABLE blog.kept ADD COLUMN w int;
SELECT is(pg_get_function_identity_arguments('blog.kept_create'::regproc), 'id integer, v text, w integer',
          'and follow DDL again');

SELECT lives_ok($$DROP SCHEMA "Moved ""S""" CASCADE$$, 'DROP SCHEMA of the table''s schema, CASCADE (the api schema is another)');
SELECT is((SELECT count(*) FROM orm_ext.models WHERE model = 'it''s'), 0::bigint, 'forgets that model');
SELECT is(pg_temp.functions_in('My Api'), ARRAY['"My Api"."it''s_count"()', '"My Api".helper()'],
          'drops all ten of its functions (delete, page, fetch, fetch_many and create_graph too, which do not depend on the row type); the hand-written it''s_count() and helper() stay');

-------------------------------------------------------------------------------
-- unregistered functions are never dropped
-------------------------------------------------------------------------------
CREATE TABLE blog.solo (id int PRIMARY KEY);
CREATE FUNCTION blog.solo_extra(int) RETURNS int LANGUAGE sql AS $$ SELECT $1 $$;
SELECT orm_ext.model_register('blog.solo');
SELECT orm_ext.model_register('blog.solo', '{"name": "single"}');
ALTER TABLE blog.solo ADD COLUMN v text;
SELECT orm_ext.model_unregister('blog.solo');
SELECT is(pg_temp.functions_in('blog'), ARRAY['blog.kept_create(integer,text,integer)', 'blog.kept_create_graph(jsonb)',
                                              'blog.kept_delete(integer)', 'blog.kept_fetch(integer,text[])', 'blog.kept_fetch_many(jsonb,text[],integer,text)', 'blog.kept_get(integer)',
                                              'blog.kept_list(jsonb,text[],integer,text)', 'blog.kept_page(jsonb,text[],integer,text)',
                                              'blog.kept_update(integer,jsonb)', 'blog.kept_upsert(integer,text,integer)',
                                              'blog.posts_helper()', 'blog.solo_extra(integer)'],
          'after register, rename, DDL and unregister, blog.solo_extra (never generated) is still there');
SELECT lives_ok($$DROP TABLE blog.solo$$, 'an unregistered table drops as usual');
SELECT has_function('blog', 'solo_extra', ARRAY['integer'], 'and solo_extra stays');

-------------------------------------------------------------------------------
-- DROP EXTENSION (last: nothing of orm_ext is left after it)
-------------------------------------------------------------------------------
SELECT is(orm_ext.model_before_drop_extension(NULL)::text, NULL, 'the DROP EXTENSION helper does nothing for NULL');
SET LOCAL ROLE tap_mddl_other;
SELECT throws_ok($$SELECT orm_ext.model_before_drop_extension(true)$$, '42501', NULL,
                 'called by a role that owns no generated function, it drops nothing (42501)');
RESET ROLE;
SELECT throws_ok($$DROP EXTENSION orm_ext$$, '2BP01', 'cannot drop extension orm_ext because other objects depend on it',
                 'DROP EXTENSION refuses while generated functions exist: their bodies call orm_ext');
CREATE SCHEMA "Drop ""X""";
CREATE TABLE "Drop ""X"""."Ta b" ("Select" int PRIMARY KEY);
SELECT orm_ext.model_register('"Drop ""X"""."Ta b"', '{"name": "it''s b"}');
SELECT is(pg_temp.detail_of($$DROP EXTENSION orm_ext$$),
          E'2BP01: model "it''s b" of table "Drop ""X"""."Ta b": 10 generated functions\nmodel "kept" of table blog.kept: 10 generated functions',
          'the detail names each model, hostile names quoted, and counts its functions');
SELECT throws_ok($$DROP SCHEMA orm_ext$$, '2BP01', NULL, 'DROP SCHEMA orm_ext refuses too, on its own terms');
SELECT lives_ok($$DROP EXTENSION IF EXISTS "orm_ext" CASCADE$$, 'DROP EXTENSION ... CASCADE goes through');
SELECT is(pg_temp.functions_in('blog'), ARRAY['blog.posts_helper()', 'blog.solo_extra(integer)'],
          'and drops the generated functions with it, and only those');
SELECT is(pg_temp.functions_in('Drop "X"'), '{}'::text[], 'those in a schema with a hostile name too');
SELECT lives_ok($$CREATE EXTENSION orm_ext$$, 'the extension can be created again');
CREATE TABLE blog.again (id int PRIMARY KEY);
SELECT orm_ext.model_register('blog.again');
SELECT lives_ok($$DROP SCHEMA orm_ext CASCADE$$, 'DROP SCHEMA orm_ext CASCADE drops the extension');
SELECT is(pg_temp.functions_in('blog'), ARRAY['blog.posts_helper()', 'blog.solo_extra(integer)'],
          'and the generated functions with it');

SELECT * FROM finish();
ROLLBACK;
