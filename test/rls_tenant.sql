-- enable_tenant_isolation() and disable_tenant_isolation(), proven as real
-- roles: SET ROLE to roles that are neither owner nor BYPASSRLS, and to a
-- non-superuser owner.  Every role here starts with tap_ten and disappears
-- with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(148);
SET LOCAL client_min_messages = warning;              -- the NOTICEs of disable are expected

\ir lib/detail_of.sql

-- the number of rows a statement touched
CREATE FUNCTION pg_temp.row_count(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE q;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
\ir lib/plan_of.sql
-- the row level security state of a table
CREATE FUNCTION pg_temp.rls_state(t regclass) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN relrowsecurity THEN 'enabled' ELSE 'disabled' END
           || CASE WHEN relforcerowsecurity THEN ', forced' ELSE '' END
      FROM pg_class WHERE oid = t
$$;
-- the roles a table's orm_ext policy applies to, sorted
CREATE FUNCTION pg_temp.policy_roles(t regclass) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(r::regrole::text ORDER BY r::regrole::text)
      FROM pg_policy p, unnest(p.polroles) r
     WHERE p.polrelid = t AND p.polname = 'orm_ext_tenant_isolation'
$$;
-- the policies of a table
CREATE FUNCTION pg_temp.policies_of(t regclass) RETURNS text[] LANGUAGE sql AS $$
    SELECT COALESCE(array_agg(polname::text ORDER BY polname), '{}') FROM pg_policy WHERE polrelid = t
$$;

SELECT orm_ext.setup_roles('tap_ten');
SELECT orm_ext.setup_roles('tap_ten "Q" ü');
CREATE ROLE tap_ten_other NOLOGIN;                   -- named in no policy
CREATE ROLE tap_ten_member NOLOGIN IN ROLE tap_ten_user;
CREATE ROLE tap_ten_owner NOLOGIN;                   -- a non-superuser owner
-- the default roles of enable_tenant_isolation(), when this cluster lacks them
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
        CREATE ROLE app_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_system') THEN
        CREATE ROLE app_system NOLOGIN;
    END IF;
END $$;

CREATE SCHEMA "Ten ""S"" ü";
GRANT USAGE ON SCHEMA "Ten ""S"" ü" TO PUBLIC;
SET LOCAL search_path = "Ten ""S"" ü", public;

SELECT has_function('orm_ext', 'enable_tenant_isolation', ARRAY['regclass', 'name', 'text', 'name[]'],
                    'enable_tenant_isolation(regclass, name, text, name[]) exists');
SELECT function_returns('orm_ext', 'enable_tenant_isolation', ARRAY['regclass', 'name', 'text', 'name[]'], 'void',
                        'enable_tenant_isolation returns void');
SELECT has_function('orm_ext', 'disable_tenant_isolation', ARRAY['regclass'], 'disable_tenant_isolation(regclass) exists');
SELECT function_returns('orm_ext', 'disable_tenant_isolation', ARRAY['regclass'], 'void',
                        'disable_tenant_isolation returns void');

-------------------------------------------------------------------------------
-- the main table: hostile schema, table and column names, an integer tenant
-------------------------------------------------------------------------------
CREATE TABLE "select" ("user" integer NOT NULL, "Note it's" text);
CREATE INDEX ON "select" ("user");
INSERT INTO "select" SELECT g % 3 + 1, 'note ' || g FROM generate_series(1, 9) g;
GRANT SELECT, INSERT, UPDATE, DELETE ON "select"
    TO tap_ten_user, tap_ten_system, tap_ten_admin, tap_ten_other, tap_ten_owner;

SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('"Ten ""S"" ü"."select"', 'user', 'app.user_id',
                                                        ARRAY['tap_ten_user', 'tap_ten_system'])$$,
                'enable_tenant_isolation on "select"."user"');
SELECT is(pg_temp.rls_state('"select"'), 'enabled, forced', 'row level security is enabled and forced');
SELECT results_eq(
    $$SELECT polname::text COLLATE "default", polcmd::text COLLATE "default", polpermissive,
             pg_temp.policy_roles(polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = '"select"'::regclass$$,
    $$VALUES ('orm_ext_tenant_isolation', '*', true, ARRAY['tap_ten_system', 'tap_ten_user'])$$,
    'one permissive policy FOR ALL, TO the given roles');
SELECT is((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = '"select"'::regclass),
          '("user" = ( SELECT (orm_ext.context(''app.user_id''::text))::integer AS context))',
          'USING compares the column with (SELECT orm_ext.context(key)::type)');
SELECT is((SELECT pg_get_expr(polwithcheck, polrelid) FROM pg_policy WHERE polrelid = '"select"'::regclass),
          (SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = '"select"'::regclass),
          'WITH CHECK is the same expression');
SELECT is(orm_ext.rls_policy_name(), 'orm_ext_tenant_isolation'::name, 'rls_policy_name() names that policy');

-- as tap_ten_user --------------------------------------------------------------
SET ROLE tap_ten_user;
SELECT is((SELECT count(*) FROM "select"), 0::bigint, 'without context the user sees nothing');
SELECT throws_ok($$INSERT INTO "select" VALUES (1, 'no context')$$, '42501', NULL,
                 'without context an insert is rejected: 42501');
SELECT is(pg_temp.row_count($$UPDATE "select" SET "Note it's" = 'x'$$), 0::bigint, 'and an update touches nothing');

SELECT orm_ext.set_context('app.user_id', '2');
SELECT results_eq($$SELECT "user", "Note it's" FROM "select" ORDER BY 2$$,
                  $$VALUES (2, 'note 1'), (2, 'note 4'), (2, 'note 7')$$,
                  'with context 2 the user sees exactly tenant 2''s rows');
SELECT lives_ok($$INSERT INTO "select" VALUES (2, 'mine')$$, 'it may insert into its own tenant');
SELECT throws_ok($$INSERT INTO "select" VALUES (3, 'theirs')$$, '42501', NULL,
                 'inserting into another tenant: 42501');
SELECT throws_ok($$UPDATE "select" SET "user" = 3 WHERE "Note it's" = 'mine'$$, '42501', NULL,
                 'moving its row into another tenant: 42501');
SELECT is(pg_temp.row_count($$UPDATE "select" SET "Note it's" = 'hijacked' WHERE "user" = 3$$), 0::bigint,
          'updating another tenant''s rows touches nothing');
SELECT is(pg_temp.row_count($$DELETE FROM "select" WHERE "user" <> 2$$), 0::bigint,
          'deleting another tenant''s rows touches nothing');
SELECT is(pg_temp.row_count($$UPDATE "select" SET "Note it's" = 'edited' WHERE "Note it's" = 'mine'$$), 1::bigint,
          'updating its own row works');
SELECT orm_ext.set_context('app.user_id', '3');
SELECT results_eq($$SELECT DISTINCT "user" FROM "select"$$, $$VALUES (3)$$, 'switching the context switches the tenant');
SELECT orm_ext.set_context('app.user_id', 'abc');
SELECT throws_ok($$SELECT count(*) FROM "select"$$, '22P02', NULL,
                 'a context value that is not an integer raises 22P02, it does not match nothing silently');
SELECT throws_ok($$INSERT INTO "select" VALUES (1, 'x')$$, '22P02', NULL, 'on insert too');
SELECT orm_ext.set_context('app.user_id', ' 2 ');
SELECT is((SELECT count(*) FROM "select"), 4::bigint, 'a value the integer cast accepts (blanks around 2) is tenant 2');
SELECT orm_ext.clear_context('app.user_id');
SELECT is((SELECT count(*) FROM "select"), 0::bigint, 'after clear_context the user sees nothing');
SELECT FROM set_config('app.user_id', '', true);
SELECT is((SELECT count(*) FROM "select"), 0::bigint, 'with the empty value a finished SET LOCAL leaves: nothing, no error');
SELECT orm_ext.set_context('app.other_key', '2');
SELECT is((SELECT count(*) FROM "select"), 0::bigint, 'another key does not count');
RESET ROLE;

-- members of the policy roles, and roles outside them -----------------------------
SET ROLE tap_ten_member;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT results_eq($$SELECT DISTINCT "user" FROM "select"$$, $$VALUES (1)$$,
                  'a member of tap_ten_user (as a login role would be) sees only its tenant');
SELECT throws_ok($$INSERT INTO "select" VALUES (2, 'theirs')$$, '42501', NULL, 'and cannot insert into another: 42501');
RESET ROLE;
SET ROLE tap_ten_system;
SELECT orm_ext.set_context('app.user_id', '3');
SELECT results_eq($$SELECT DISTINCT "user" FROM "select"$$, $$VALUES (3)$$, 'tap_ten_system is bound by the policy');
SELECT throws_ok($$INSERT INTO "select" VALUES (1, 'theirs')$$, '42501', NULL, 'tap_ten_system cannot write another tenant');
SELECT orm_ext.clear_context('app.user_id');
SELECT is((SELECT count(*) FROM "select"), 0::bigint, 'tap_ten_system without context sees nothing');
RESET ROLE;
SET ROLE tap_ten_other;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT is((SELECT count(*) FROM "select"), 0::bigint,
          'a role named in no policy sees nothing, even with a context (default deny)');
RESET ROLE;
SET ROLE tap_ten_admin;
SELECT orm_ext.clear_context('app.user_id');
SELECT is((SELECT count(*) FROM "select"), 10::bigint, 'tap_ten_admin (BYPASSRLS) sees every row without context');
SELECT lives_ok($$INSERT INTO "select" VALUES (4, 'by admin')$$, 'and may write any tenant');
RESET ROLE;

-- hostile role names in the policy
CREATE TABLE "Hostile Roles" (tenant_id integer);
CREATE INDEX ON "Hostile Roles" (tenant_id);
INSERT INTO "Hostile Roles" VALUES (1), (2);
GRANT SELECT, INSERT ON "Hostile Roles" TO "tap_ten ""Q"" ü_user";
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('"Hostile Roles"', 'tenant_id', 'app.user_id',
                                                        ARRAY['tap_ten "Q" ü_user', 'tap_ten "Q" ü_system'])$$,
                'roles with quotes, spaces and unicode in their names');
SELECT is(pg_temp.policy_roles('"Hostile Roles"'),
          ARRAY['"tap_ten ""Q"" ü_system"', '"tap_ten ""Q"" ü_user"'], 'the policy names exactly those roles');
SET ROLE "tap_ten ""Q"" ü_user";
SELECT orm_ext.set_context('app.user_id', '2');
SELECT results_eq($$SELECT tenant_id FROM "Hostile Roles"$$, $$VALUES (2)$$, 'and binds them');
RESET ROLE;

-------------------------------------------------------------------------------
-- tenant column types
-------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA "Ten ""S"" ü" TO tap_ten_user;

CREATE TABLE t_bigint (tenant bigint, n int);
CREATE INDEX ON t_bigint (tenant);
INSERT INTO t_bigint VALUES (5000000001, 1), (5000000002, 2), (1, 3);
CREATE TABLE t_uuid (tenant uuid, n int);
CREATE INDEX ON t_uuid (tenant);
INSERT INTO t_uuid VALUES ('00000000-0000-0000-0000-00000000000a', 1), ('00000000-0000-0000-0000-00000000000b', 2);
CREATE TABLE t_text ("Tenant Key" text, n int);
CREATE INDEX ON t_text ("Tenant Key");
INSERT INTO t_text VALUES ('it''s "ü" 🎉', 1), ('other', 2), ('IT''S "Ü" 🎉', 3);
CREATE TABLE t_varchar (tenant varchar(3), n int);
CREATE INDEX ON t_varchar (tenant);
INSERT INTO t_varchar VALUES ('abc', 1), ('abd', 2);
GRANT SELECT, INSERT ON t_bigint, t_uuid, t_text, t_varchar TO tap_ten_user;

SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('t_bigint', 'tenant', 'app.tenant', ARRAY['tap_ten_user'])$$,
                'a bigint tenant column');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('t_uuid', 'tenant', 'app.tenant', ARRAY['tap_ten_user'])$$,
                'a uuid tenant column');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('t_text', 'Tenant Key', 'App.Ténant_ü', ARRAY['tap_ten_user'])$$,
                'a text tenant column with a hostile name, and a mixed-case unicode key');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('t_varchar', 'tenant', 'app.tenant', ARRAY['tap_ten_user'])$$,
                'a varchar(3) tenant column');
SELECT is((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = 't_varchar'::regclass),
          '((tenant)::text = (( SELECT (orm_ext.context(''app.tenant''::text))::character varying AS context))::text)',
          'the varchar policy casts to varchar without a length');

SET ROLE tap_ten_user;
SELECT orm_ext.set_context('app.tenant', '5000000002');
SELECT results_eq($$SELECT n FROM t_bigint$$, $$VALUES (2)$$, 'bigint: a value beyond integer range selects its tenant');
SELECT throws_ok($$INSERT INTO t_bigint VALUES (5000000001, 9)$$, '42501', NULL, 'bigint: another tenant: 42501');
SELECT orm_ext.set_context('app.tenant', '00000000-0000-0000-0000-00000000000B');
SELECT results_eq($$SELECT n FROM t_uuid$$, $$VALUES (2)$$, 'uuid: the tenant''s rows (the value is cast, so case does not matter)');
SELECT throws_ok($$INSERT INTO t_uuid VALUES ('00000000-0000-0000-0000-00000000000a', 9)$$, '42501', NULL,
                 'uuid: another tenant: 42501');
SELECT orm_ext.set_context('app.tenant', 'not-a-uuid');
SELECT throws_ok($$SELECT * FROM t_uuid$$, '22P02', NULL, 'uuid: a value that is not a uuid raises 22P02');
SELECT orm_ext.set_context('app.ténant_ü', 'it''s "ü" 🎉');
SELECT results_eq($$SELECT n FROM t_text$$, $$VALUES (1)$$,
                  'text: a tenant value with quotes and unicode selects exactly its rows (case-sensitive)');
SELECT lives_ok($$INSERT INTO t_text VALUES ('it''s "ü" 🎉', 4)$$, 'text: insert into its own tenant');
SELECT throws_ok($$INSERT INTO t_text VALUES ('other', 5)$$, '42501', NULL, 'text: another tenant: 42501');
SELECT orm_ext.set_context('app.tenant', 'abcd');
SELECT is((SELECT count(*) FROM t_varchar), 0::bigint,
          'varchar(3): the value ''abcd'' is not truncated into tenant ''abc''');
SELECT orm_ext.set_context('app.tenant', 'abc');
SELECT results_eq($$SELECT n FROM t_varchar$$, $$VALUES (1)$$, 'varchar(3): ''abc'' sees its row');
RESET ROLE;

-- types whose casts cut: char(n) ("character" alone means char(1)), a
-- domain with a length, bit(n) ("bit" alone means bit(1)); name and "char"
-- always cut, so they are refused
CREATE TABLE t_char (tenant char(3), n int);
CREATE INDEX ON t_char (tenant);
INSERT INTO t_char VALUES ('a', 1), ('abc', 2);
CREATE DOMAIN "Org Code" AS varchar(3);
CREATE TABLE t_domain (tenant "Org Code", n int);
CREATE INDEX ON t_domain (tenant);
INSERT INTO t_domain VALUES ('abc', 1);
CREATE TABLE t_bit (tenant bit(3), n int);
CREATE INDEX ON t_bit (tenant);
INSERT INTO t_bit VALUES ('101', 1), ('100', 2);
GRANT SELECT, INSERT ON t_char, t_domain, t_bit TO tap_ten_user;
SELECT orm_ext.enable_tenant_isolation(t, 'tenant', 'app.tenant', ARRAY['tap_ten_user'])
  FROM unnest(ARRAY['t_char', 't_domain', 't_bit']::regclass[]) t;
SELECT is((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = 't_char'::regclass),
          '(tenant = ( SELECT (orm_ext.context(''app.tenant''::text))::bpchar AS context))',
          'the char(3) policy casts to bpchar, of any length');
SET ROLE tap_ten_user;
SELECT orm_ext.set_context('app.tenant', 'abc');
SELECT results_eq($$SELECT n FROM t_char$$, $$VALUES (2)$$, 'char(3): ''abc'' sees its row, not tenant ''a''''s');
SELECT throws_ok($$INSERT INTO t_char VALUES ('a', 9)$$, '42501', NULL, 'char(3): and may not insert into tenant ''a''');
SELECT orm_ext.set_context('app.tenant', 'abcd');
SELECT is((SELECT count(*) FROM t_domain), 0::bigint,
          'a domain over varchar(3): ''abcd'' is not cut into tenant ''abc''');
SELECT orm_ext.set_context('app.tenant', 'abc');
SELECT results_eq($$SELECT n FROM t_domain$$, $$VALUES (1)$$, 'a domain over varchar(3): ''abc'' sees its row');
SELECT orm_ext.set_context('app.tenant', '101');
SELECT results_eq($$SELECT n FROM t_bit$$, $$VALUES (1)$$, 'bit(3): ''101'' sees its row');
SELECT orm_ext.set_context('app.tenant', '1');
SELECT is((SELECT count(*) FROM t_bit), 0::bigint, 'bit(3): a shorter value matches no tenant (not cast to bit(1) and padded)');
RESET ROLE;
CREATE TABLE t_name (tenant name, tenant_char "char", n int);
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('t_name', 'tenant', 'app.tenant', ARRAY['tap_ten_user'])$$,
                 '0A000', 'tenant column "tenant" of "Ten ""S"" ü".t_name has type name, which cuts longer values',
                 'a name tenant column is refused: 0A000');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('t_name', 'tenant_char', 'app.tenant', ARRAY['tap_ten_user'])$$,
                 '0A000', NULL, 'a "char" tenant column is refused: 0A000');
SELECT is(pg_temp.rls_state('t_name'), 'disabled', 'and the table is left alone');

SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('t_json', 'doc', 'app.tenant', ARRAY['tap_ten_user'])$$,
                 '42P01', NULL, 'a missing table by name: 42P01');
CREATE TABLE t_json (doc json);
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('t_json', 'doc', 'app.tenant', ARRAY['tap_ten_user'])$$,
                 '42883', NULL, 'a column type without btree equality (json): 42883');
SELECT is(pg_temp.rls_state('t_json'), 'disabled', 'and the table is left alone');

-- a type whose equality operator lives outside pg_catalog, in a hostile schema
CREATE SCHEMA "Op ""S""";
CREATE FUNCTION "Op ""S""".cmp(point, point) RETURNS integer LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE WHEN $1[0] <> $2[0] THEN sign($1[0] - $2[0])::int ELSE sign($1[1] - $2[1])::int END $$;
CREATE FUNCTION "Op ""S""".lt(point, point) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT "Op ""S""".cmp($1, $2) < 0 $$;
CREATE FUNCTION "Op ""S""".le(point, point) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT "Op ""S""".cmp($1, $2) <= 0 $$;
CREATE FUNCTION "Op ""S""".eq(point, point) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT "Op ""S""".cmp($1, $2) = 0 $$;
CREATE FUNCTION "Op ""S""".ge(point, point) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT "Op ""S""".cmp($1, $2) >= 0 $$;
CREATE FUNCTION "Op ""S""".gt(point, point) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT "Op ""S""".cmp($1, $2) > 0 $$;
CREATE OPERATOR "Op ""S""".< (LEFTARG = point, RIGHTARG = point, FUNCTION = "Op ""S""".lt);
CREATE OPERATOR "Op ""S""".<= (LEFTARG = point, RIGHTARG = point, FUNCTION = "Op ""S""".le);
CREATE OPERATOR "Op ""S""".= (LEFTARG = point, RIGHTARG = point, FUNCTION = "Op ""S""".eq);
CREATE OPERATOR "Op ""S""".>= (LEFTARG = point, RIGHTARG = point, FUNCTION = "Op ""S""".ge);
CREATE OPERATOR "Op ""S""".> (LEFTARG = point, RIGHTARG = point, FUNCTION = "Op ""S""".gt);
CREATE OPERATOR CLASS "Op ""S""".point_ops DEFAULT FOR TYPE point USING btree AS
    OPERATOR 1 "Op ""S""".<, OPERATOR 2 "Op ""S""".<=, OPERATOR 3 "Op ""S""".=,
    OPERATOR 4 "Op ""S""".>=, OPERATOR 5 "Op ""S""".>, FUNCTION 1 "Op ""S""".cmp(point, point);
GRANT USAGE ON SCHEMA "Op ""S""" TO tap_ten_user;
CREATE TABLE t_point (tenant point, n int);
CREATE INDEX ON t_point (tenant);
INSERT INTO t_point VALUES ('(1,2)', 1), ('(2,1)', 2);
GRANT SELECT ON t_point TO tap_ten_user;
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('t_point', 'tenant', 'app.tenant', ARRAY['tap_ten_user'])$$,
                'a tenant type whose btree equality is in a hostile schema');
SELECT matches((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = 't_point'::regclass),
               '^\(tenant OPERATOR\("Op ""S""".=\) \( SELECT',
               'the policy names that operator schema-qualified, whatever the search_path');
SET ROLE tap_ten_user;
SET LOCAL search_path = public;
SELECT orm_ext.set_context('app.tenant', '(2,1)');
SELECT results_eq($$SELECT n FROM "Ten ""S"" ü".t_point$$, $$VALUES (2)$$, 'and it works with another search_path');
SET LOCAL search_path = "Ten ""S"" ü", public;
RESET ROLE;

-------------------------------------------------------------------------------
-- a non-superuser owner is bound (FORCE)
-------------------------------------------------------------------------------
CREATE TABLE owned (tenant_id integer, n int);
CREATE INDEX ON owned (tenant_id);
INSERT INTO owned VALUES (1, 1), (2, 2);
ALTER TABLE owned OWNER TO tap_ten_owner;
SET ROLE tap_ten_owner;
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('owned', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                'a non-superuser owner may enable isolation on its table');
SELECT orm_ext.set_context('app.user_id', '1');
SELECT is((SELECT count(*) FROM owned), 0::bigint,
          'the owner is bound by the forced policy: not being in a policy role, it sees nothing');
SELECT throws_ok($$INSERT INTO owned VALUES (1, 3)$$, '42501', NULL, 'and cannot insert: 42501');
RESET ROLE;
GRANT tap_ten_user TO tap_ten_owner;
SET ROLE tap_ten_owner;
SELECT results_eq($$SELECT n FROM owned$$, $$VALUES (1)$$, 'as a member of tap_ten_user, the owner sees only its tenant');
SELECT throws_ok($$INSERT INTO owned VALUES (2, 3)$$, '42501', NULL, 'and cannot write another tenant: 42501');
SELECT lives_ok($$SELECT orm_ext.disable_tenant_isolation('owned')$$, 'the owner may disable isolation');
SELECT is((SELECT count(*) FROM owned), 2::bigint, 'after which it sees every row again');
RESET ROLE;
REVOKE tap_ten_user FROM tap_ten_owner;
CREATE ROLE tap_ten_owner_member NOLOGIN IN ROLE tap_ten_owner;
SET ROLE tap_ten_owner_member;
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('owned', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                'a member of the owner role may enable it, as it may ALTER the table');
RESET ROLE;

-- a non-owner may do neither
SET ROLE tap_ten_user;
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('"select"', 'user', 'app.user_id', ARRAY['tap_ten_user'])$$,
                 '42501', 'must be owner of table "Ten ""S"" ü"."select"', 'enable by a non-owner: 42501');
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation('"select"')$$, '42501', NULL, 'disable by a non-owner: 42501');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.disable_tenant_isolation('"select"')$$),
          '42501: disable_tenant_isolation() alters the table''s row level security, which only its owner may do.',
          'the detail names the function');
RESET ROLE;
SET ROLE tap_ten_admin;
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation('"select"')$$, '42501', NULL,
                 'BYPASSRLS does not make a role the owner: 42501');
RESET ROLE;
SELECT is(pg_temp.policies_of('"select"'), ARRAY['orm_ext_tenant_isolation'], 'the refused calls changed nothing');

-------------------------------------------------------------------------------
-- arguments
-------------------------------------------------------------------------------
CREATE TABLE args (tenant_id integer, "User" integer, "user" integer);
CREATE INDEX ON args (tenant_id);
CREATE INDEX ON args ("user");
ALTER TABLE args DROP COLUMN "User";
CREATE VIEW args_view AS SELECT * FROM args;
CREATE SEQUENCE args_seq;
CREATE MATERIALIZED VIEW args_mat AS SELECT 1 AS tenant_id;

SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation(NULL, 'tenant_id')$$, '22004', NULL, 'NULL table: 22004');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', NULL)$$, '22004', NULL, 'NULL column: 22004');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', NULL)$$, '22004', NULL, 'NULL key: 22004');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id', NULL)$$, '22004', NULL,
                 'NULL roles: 22004');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id', '{}')$$, '22023', NULL,
                 'no roles: 22023');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user', NULL])$$,
                 '22023', NULL, 'a NULL role: 22023');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'nope')$$, '42703',
                 'column "nope" of relation "Ten ""S"" ü".args does not exist', 'a missing column: 42703');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'User')$$, '42703', NULL,
                 'a dropped column ("User"; names are case-sensitive, "user" exists): 42703');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'ctid')$$, '42703', NULL, 'a system column: 42703');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user', 'tap_ten nope'])$$,
                 '42704', 'role tap_ten nope does not exist', 'a missing role: 42704');
SELECT is(pg_temp.hint_of($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id', ARRAY['PUBLIC'])$$),
          '42704: Role names are case-sensitive here: write public, in lower case, for every role.',
          'roles => {PUBLIC}: 42704 (a role may be named "PUBLIC"), with a hint to write public');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'nodot', ARRAY['tap_ten_user'])$$,
                 '22023', NULL, 'a key without a dot: 22023');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.''x', ARRAY['tap_ten_user'])$$,
                 '22023', 'invalid context key "app.''x"', 'a key that is no setting name (a quote): 22023');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'search_path', ARRAY['tap_ten_user'])$$,
                 '22023', NULL, 'a server setting as key: 22023');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args_view', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                 '42809', '"Ten ""S"" ü".args_view is not a table', 'a view: 42809');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args_seq', 'last_value', 'app.user_id', ARRAY['tap_ten_user'])$$,
                 '42809', NULL, 'a sequence: 42809');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args_mat', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                 '42809', NULL, 'a materialized view: 42809');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('4294967295'::oid, 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                 '42P01', 'relation with OID 4294967295 does not exist', 'a missing table OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('"Ten ""S"" ü".nope', 'tenant_id')$$, '42P01', NULL,
                 'a missing table by name: 42P01');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 42)$$, '42883', NULL, 'an integer column name: 42883');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation(true, 'tenant_id')$$, '42883', NULL, 'a boolean table: 42883');
SELECT throws_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id', 'tap_ten_user'::name)$$,
                 '42883', NULL, 'a role name instead of an array: 42883');
SELECT is(pg_temp.rls_state('args'), 'disabled', 'none of the refused calls changed the table');
SELECT is(pg_temp.policies_of('args'), '{}'::text[], 'or created a policy');

SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'user', 'app.user_id', ARRAY['public'])$$,
                'roles => ARRAY[''public''] and the column "user"');
SELECT is((SELECT polroles FROM pg_policy WHERE polrelid = 'args'::regclass), '{0}'::oid[], 'makes a policy TO PUBLIC');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id', 'app.user_id',
                                                        ARRAY['tap_ten_user', 'tap_ten_user', 'tap_ten_system'])$$,
                'a role named twice');
SELECT is(pg_temp.policy_roles('args'), ARRAY['tap_ten_system', 'tap_ten_user'], 'is named once');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('args', 'tenant_id')$$, 'the defaults');
SELECT results_eq(
    $$SELECT pg_temp.policy_roles(polrelid) COLLATE "default", pg_get_expr(polqual, polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = 'args'::regclass$$,
    $$VALUES (ARRAY['app_system', 'app_user'],
              '(tenant_id = ( SELECT (orm_ext.context(''app.user_id''::text))::integer AS context))')$$,
    'are the key app.user_id and the roles app_user and app_system');

SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation(NULL)$$, '22004', NULL, 'disable: NULL table: 22004');
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation('args_view')$$, '42809', NULL, 'disable: a view: 42809');
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation('args_seq')$$, '42809', NULL, 'disable: a sequence: 42809');
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation('4294967295'::oid)$$, '42P01', NULL,
                 'disable: a missing table OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation('"Ten ""S"" ü".nope')$$, '42P01', NULL,
                 'disable: a missing table by name: 42P01');
SELECT throws_ok($$SELECT orm_ext.disable_tenant_isolation(true)$$, '42883', NULL, 'disable: a boolean: 42883');

-------------------------------------------------------------------------------
-- idempotency: only orm_ext's own policy is replaced
-------------------------------------------------------------------------------
CREATE TABLE idem (tenant_id integer, n int);
CREATE INDEX ON idem (tenant_id);
CREATE INDEX ON idem (n);
INSERT INTO idem VALUES (1, 1), (2, 2);
GRANT SELECT ON idem TO tap_ten_user, tap_ten_system;
CREATE POLICY "keep me, it's mine" ON idem AS PERMISSIVE FOR SELECT TO tap_ten_system USING (n > 1);
SET LOCAL client_min_messages = error;                -- the WARNINGs about that policy are expected (sql/rls.sql shows one)
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('idem', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                'enable on a table with a policy of its own');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('idem', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                'enable again');
SELECT is(pg_temp.policies_of('idem'), ARRAY['keep me, it''s mine', 'orm_ext_tenant_isolation'],
          'one orm_ext policy, and the other policy survives');
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('idem', 'n', 'app.other', ARRAY['tap_ten_system'])$$,
                'enable again with another column, key and role');
SET LOCAL client_min_messages = warning;
SELECT results_eq(
    $$SELECT polname::text COLLATE "default", polroles::regrole[]::text[] COLLATE "default",
             pg_get_expr(polqual, polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = 'idem'::regclass ORDER BY 1$$,
    $$VALUES ('keep me, it''s mine', ARRAY['tap_ten_system'], '(n > 1)'),
             ('orm_ext_tenant_isolation', ARRAY['tap_ten_system'],
              '(n = ( SELECT (orm_ext.context(''app.other''::text))::integer AS context))')$$,
    'replaces its own policy with the new one, and leaves the other untouched');
SET ROLE tap_ten_user;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT is((SELECT count(*) FROM idem), 0::bigint, 'the old policy no longer applies');
RESET ROLE;

-------------------------------------------------------------------------------
-- disable restores the row level security the table had before
-------------------------------------------------------------------------------
CREATE TABLE st_off (tenant_id integer);
CREATE TABLE st_enabled (tenant_id integer);
ALTER TABLE st_enabled ENABLE ROW LEVEL SECURITY;
CREATE TABLE st_both (tenant_id integer);
ALTER TABLE st_both ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE TABLE st_forced (tenant_id integer);
ALTER TABLE st_forced FORCE ROW LEVEL SECURITY;
CREATE INDEX ON st_off (tenant_id);
CREATE INDEX ON st_enabled (tenant_id);
CREATE INDEX ON st_both (tenant_id);
CREATE INDEX ON st_forced (tenant_id);
SELECT orm_ext.enable_tenant_isolation(t, 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])
  FROM unnest(ARRAY['st_off', 'st_enabled', 'st_both', 'st_forced']::regclass[]) t;
SELECT orm_ext.enable_tenant_isolation(t, 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])
  FROM unnest(ARRAY['st_off', 'st_enabled', 'st_both', 'st_forced']::regclass[]) t;
SELECT results_eq(
    $$SELECT t::text COLLATE "default", pg_temp.rls_state(t) COLLATE "default"
        FROM unnest(ARRAY['st_off', 'st_enabled', 'st_both', 'st_forced']::regclass[]) t$$,
    $$VALUES ('st_off', 'enabled, forced'), ('st_enabled', 'enabled, forced'),
             ('st_both', 'enabled, forced'), ('st_forced', 'enabled, forced')$$,
    'after enable (twice) every table is enabled and forced');
SELECT is((SELECT obj_description(oid, 'pg_policy')::jsonb - 'orm_ext' FROM pg_policy WHERE polrelid = 'st_enabled'::regclass),
          '{"column": "tenant_id", "key": "app.user_id", "rls_enabled_before": true, "rls_forced_before": false}'::jsonb,
          'the policy''s comment records what the table had before the first call');
SELECT lives_ok($$SELECT orm_ext.disable_tenant_isolation(t)
                    FROM unnest(ARRAY['st_off', 'st_enabled', 'st_both', 'st_forced']::regclass[]) t$$,
                'disable on each');
SELECT results_eq(
    $$SELECT t::text COLLATE "default", pg_temp.rls_state(t) COLLATE "default", pg_temp.policies_of(t) COLLATE "default"
        FROM unnest(ARRAY['st_off', 'st_enabled', 'st_both', 'st_forced']::regclass[]) t$$,
    $$VALUES ('st_off', 'disabled', '{}'::text[]), ('st_enabled', 'enabled', '{}'),
             ('st_both', 'enabled, forced', '{}'), ('st_forced', 'disabled, forced', '{}')$$,
    'disable drops the policy and restores each state: off, enabled, enabled and forced, forced only');
SELECT lives_ok($$SELECT orm_ext.disable_tenant_isolation('st_off')$$, 'disable again');
SELECT is(pg_temp.rls_state('st_off'), 'disabled', 'is a no-op');

-- a table without the policy: a no-op
CREATE TABLE st_own (tenant_id integer);
ALTER TABLE st_own ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON st_own USING (true);
SELECT lives_ok($$SELECT orm_ext.disable_tenant_isolation('st_own')$$, 'disable on a table without orm_ext''s policy');
SELECT results_eq($$SELECT pg_temp.rls_state('st_own') COLLATE "default", pg_temp.policies_of('st_own') COLLATE "default"$$,
                  $$VALUES ('enabled', ARRAY['own'])$$, 'changes nothing');

-- with another policy left, row level security stays on
SELECT lives_ok($$SELECT orm_ext.disable_tenant_isolation('idem')$$, 'disable on a table with another policy');
SELECT results_eq($$SELECT pg_temp.rls_state('idem') COLLATE "default", pg_temp.policies_of('idem') COLLATE "default"$$,
                  $$VALUES ('enabled', ARRAY['keep me, it''s mine'])$$,
                  'drops only orm_ext''s policy, leaves row level security on for the other, and puts FORCE back to off');

-- a comment edited by hand into something else counts as "was off"
CREATE TABLE st_edited (tenant_id integer);
CREATE INDEX ON st_edited (tenant_id);
ALTER TABLE st_edited ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
SELECT orm_ext.enable_tenant_isolation('st_edited', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user']);
COMMENT ON POLICY orm_ext_tenant_isolation ON st_edited IS '{"rls_enabled_before": "yes", "rls_forced_before": "maybe"}';
SELECT lives_ok($$SELECT orm_ext.disable_tenant_isolation('st_edited')$$, 'disable with a hand-edited comment');
SELECT is(pg_temp.rls_state('st_edited'), 'disabled', 'which counts as neither enabled nor forced');

-- enable, disable, enable: the recorded state is the original one
SELECT orm_ext.enable_tenant_isolation('st_enabled', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user']);
SELECT orm_ext.disable_tenant_isolation('st_enabled');
SELECT is(pg_temp.rls_state('st_enabled'), 'enabled', 'a second enable/disable cycle restores the same state');

-------------------------------------------------------------------------------
-- no index: still works (and warns)
-------------------------------------------------------------------------------
CREATE TABLE no_index (tenant_id integer, n int);
CREATE INDEX ON no_index (n, tenant_id);              -- does not lead with it
INSERT INTO no_index VALUES (1, 1), (2, 2);
GRANT SELECT ON no_index TO tap_ten_user;
SET LOCAL client_min_messages = error;                -- the WARNING is expected
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('no_index', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                'enable on a table without an index leading with the tenant column works');
SET LOCAL client_min_messages = warning;
SET ROLE tap_ten_user;
SELECT orm_ext.set_context('app.user_id', '2');
SELECT results_eq($$SELECT n FROM no_index$$, $$VALUES (2)$$, 'and isolates');
RESET ROLE;

-------------------------------------------------------------------------------
-- partitioned tables
-------------------------------------------------------------------------------
CREATE TABLE parted (tenant_id integer, n int) PARTITION BY LIST (tenant_id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES IN (2);
CREATE INDEX ON parted (tenant_id);
INSERT INTO parted VALUES (1, 1), (2, 2);
GRANT SELECT, INSERT ON parted TO tap_ten_user;
SELECT lives_ok($$SELECT orm_ext.enable_tenant_isolation('parted', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user'])$$,
                'enable on a partitioned table');
SET ROLE tap_ten_user;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT results_eq($$SELECT n FROM parted$$, $$VALUES (1)$$, 'isolates through the parent');
SELECT throws_ok($$INSERT INTO parted VALUES (2, 3)$$, '42501', NULL, 'and checks inserts through the parent');
RESET ROLE;

-------------------------------------------------------------------------------
-- the plan: the context is an InitPlan, and the tenant column an index key
-------------------------------------------------------------------------------
CREATE TABLE big (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id integer NOT NULL, body text);
INSERT INTO big (tenant_id, body) SELECT g % 1000, repeat('x', 50) FROM generate_series(1, 50000) g;
CREATE INDEX big_tenant ON big (tenant_id);
ANALYZE big;
GRANT SELECT ON big TO tap_ten_user;
SELECT orm_ext.enable_tenant_isolation('big', 'tenant_id', 'app.user_id', ARRAY['tap_ten_user']);
SET ROLE tap_ten_user;
SELECT orm_ext.set_context('app.user_id', '7');
SELECT is((SELECT count(*) FROM big), 50::bigint, 'one tenant''s 50 rows of 50,000');
SELECT matches(pg_temp.plan_of('SELECT * FROM big'), 'InitPlan 1 \(returns \$0\)',
               'the context is read once per statement, in an InitPlan');
SELECT matches(pg_temp.plan_of('SELECT * FROM big'),
               '(Index Scan|Bitmap Index Scan) (using|on) big_tenant\M.*\n.*Index Cond: \(tenant_id = \$0\)',
               'and the tenant column is the index condition');
SELECT doesnt_match(pg_temp.plan_of('SELECT * FROM big'), 'Seq Scan', 'no sequential scan');
SELECT doesnt_match(pg_temp.plan_of('SELECT * FROM big'), 'Filter:.*context', 'context() is not called per row');
SELECT matches(pg_temp.plan_of('SELECT * FROM big ORDER BY id LIMIT 10'), 'InitPlan',
               'with ORDER BY and LIMIT too');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
