-- rls_audit(): one fixture for every kind of finding, in schemas with hostile
-- names that the audit is scoped to, the exact findings, that each fix
-- removes its finding, and that a table protected by
-- enable_tenant_isolation() yields none.  Then the helpers behind it:
-- rls_expr_row_calls, rls_expr_hoisted, rls_expr_columns,
-- rls_equality_operator, rls_guess_tenant_column, rls_owned_table and
-- rls_policy_name.  Roles start with tap_aud and disappear with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(111);
SET LOCAL client_min_messages = warning;

\ir lib/detail_of.sql

-- the audit of the given schemas, without the role findings of other roles
-- in this cluster
CREATE FUNCTION pg_temp.findings(VARIADIC schemas name[])
RETURNS TABLE(severity text, object text, problem text, fix text) LANGUAGE sql AS $$
    SELECT a.severity, a.object, a.problem, a.fix FROM orm_ext.rls_audit(schemas) a
     WHERE a.object NOT LIKE 'role %' OR a.object LIKE 'role %tap\_aud%'
$$;
-- runs each fix the query returns (columns object, fix) in a subtransaction
-- of its own; returns the ones that failed, as "object: SQLSTATE"
CREATE FUNCTION pg_temp.apply_fixes(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    r record;
    failed text[] := '{}';
BEGIN
    FOR r IN EXECUTE q LOOP
        BEGIN
            EXECUTE r.fix;
        EXCEPTION WHEN OTHERS THEN
            failed := failed || (r.object || ': ' || SQLSTATE);
        END;
    END LOOP;
    RETURN failed;
END $$;

-------------------------------------------------------------------------------
-- fixtures
-------------------------------------------------------------------------------
SELECT orm_ext.setup_roles('tap_aud');
CREATE ROLE tap_aud_owner NOLOGIN;
CREATE ROLE "tap_aud login ""bypass""" LOGIN BYPASSRLS;
CREATE ROLE "tap_aud su" LOGIN SUPERUSER;
-- the fixes name the default roles; create them when this cluster lacks them
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
        CREATE ROLE app_user NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_system') THEN
        CREATE ROLE app_system NOLOGIN;
    END IF;
END $$;
CREATE SCHEMA "Aud ""S"" ü";
CREATE SCHEMA "select";
GRANT USAGE ON SCHEMA "Aud ""S"" ü", "select" TO PUBLIC;
GRANT CREATE ON SCHEMA "Aud ""S"" ü" TO tap_aud_owner;
SET LOCAL search_path = "Aud ""S"" ü", public;

-- 1. no row level security, granted to application roles or PUBLIC
CREATE TABLE "open writes" (tenant_id integer, x text);
GRANT SELECT, INSERT ON "open writes" TO tap_aud_user;
CREATE TABLE "open read" (org_id integer);
GRANT SELECT ON "open read" TO PUBLIC;
CREATE TABLE "Plain" (a integer);
GRANT UPDATE ON "Plain" TO tap_aud_system;
CREATE TABLE "admin only" (tenant_id integer);           -- only BYPASSRLS roles: fine
GRANT ALL ON "admin only" TO tap_aud_admin;
CREATE TABLE private (tenant_id integer);                -- granted to nobody: fine
-- 2. enabled, not forced
CREATE TABLE "not forced" (user_id integer);
CREATE INDEX ON "not forced" (user_id);
CREATE POLICY p ON "not forced" USING (user_id = (SELECT orm_ext.context('app.user_id')::integer));
ALTER TABLE "not forced" ENABLE ROW LEVEL SECURITY;
-- 3. enabled, no policy
CREATE TABLE "no policy" (user_id integer);
ALTER TABLE "no policy" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE TABLE "no policy, no tenant" (a integer);
ALTER TABLE "no policy, no tenant" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- 4. per-row calls
CREATE TABLE "per row" ("user" integer);
CREATE INDEX ON "per row" ("user");
CREATE POLICY "it's per row" ON "per row"
    USING ("user" = current_setting('app.user_id')::integer)
    WITH CHECK ("user" = current_setting('app.user_id')::integer);
ALTER TABLE "per row" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE FUNCTION auth_uid() RETURNS integer LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::integer $$;
CREATE TABLE "per row fn" (owner_id integer);
CREATE INDEX ON "per row fn" (owner_id);
CREATE POLICY mine ON "per row fn" USING (owner_id = "Aud ""S"" ü".auth_uid());
ALTER TABLE "per row fn" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- 5. no index
CREATE TABLE "no index" ("Tenant" bigint);
CREATE POLICY q ON "no index" USING ("Tenant" = (SELECT orm_ext.context('app.user_id')::bigint));
ALTER TABLE "no index" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- 6. login roles that bypass row level security: the two roles above
-- 7. views over tables with row level security
CREATE VIEW "v over" AS SELECT * FROM "no index";                                      -- owner: superuser
CREATE VIEW "v invoker" WITH (security_invoker = true) AS SELECT * FROM "no index";    -- fine
CREATE VIEW "v plain" AS SELECT * FROM private;                                         -- no RLS: fine
CREATE TABLE owned_forced (tenant_id integer);
CREATE INDEX ON owned_forced (tenant_id);
ALTER TABLE owned_forced OWNER TO tap_aud_owner;
SELECT orm_ext.enable_tenant_isolation('owned_forced', 'tenant_id', 'app.user_id', ARRAY['tap_aud_user']);
CREATE TABLE owned_not_forced (tenant_id integer);
CREATE INDEX ON owned_not_forced (tenant_id);
CREATE POLICY p ON owned_not_forced USING (tenant_id = (SELECT orm_ext.context('app.user_id')::integer));
ALTER TABLE owned_not_forced ENABLE ROW LEVEL SECURITY;
ALTER TABLE owned_not_forced OWNER TO tap_aud_owner;
SET ROLE tap_aud_owner;
CREATE VIEW "v by owner" AS SELECT * FROM owned_forced;
CREATE VIEW "v by owner, not forced" AS SELECT * FROM owned_not_forced;
RESET ROLE;
-- 8. SECURITY DEFINER without a pinned search_path
CREATE FUNCTION "sec def"(a integer) RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
CREATE FUNCTION "sec def pinned"() RETURNS integer LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
    AS 'SELECT 1';
-- 9. writes granted to PUBLIC
CREATE TABLE "pub writes" (tenant_id integer);
CREATE INDEX ON "pub writes" (tenant_id);
SELECT orm_ext.enable_tenant_isolation('"pub writes"', 'tenant_id', 'app.user_id', ARRAY['tap_aud_user']);
GRANT INSERT, TRUNCATE ON "pub writes" TO PUBLIC;
-- protected by enable_tenant_isolation: no finding
CREATE TABLE good (tenant_id uuid);
CREATE INDEX ON good (tenant_id);
SELECT orm_ext.enable_tenant_isolation('good', 'tenant_id', 'app.user_id', ARRAY['tap_aud_user', 'tap_aud_system']);
GRANT SELECT, INSERT, UPDATE, DELETE ON good TO tap_aud_user, tap_aud_system, tap_aud_admin;
-- schema "select"
CREATE TABLE "select"."user" (tenant_id integer);
GRANT SELECT, INSERT ON "select"."user" TO PUBLIC;
CREATE TABLE "select".good (tenant_id integer);
CREATE INDEX ON "select".good (tenant_id);
SELECT orm_ext.enable_tenant_isolation('"select".good', 'tenant_id', 'app.user_id', ARRAY['tap_aud_user']);
GRANT ALL ON "select".good TO tap_aud_user;
-- outside the audited schemas
CREATE TABLE public.tap_aud_outside (tenant_id integer);
GRANT INSERT ON public.tap_aud_outside TO PUBLIC;

-------------------------------------------------------------------------------
-- rls_audit(): the findings
-------------------------------------------------------------------------------
SELECT has_function('orm_ext', 'rls_audit', ARRAY['name[]'], 'rls_audit(name[]) exists');
SELECT is(pg_get_function_result('orm_ext.rls_audit(name[])'::regprocedure),
          'TABLE(severity text, object text, problem text, fix text)', 'it returns (severity, object, problem, fix)');

SELECT results_eq($$SELECT * FROM pg_temp.findings('Aud "S" ü', 'select')$$,
    $$VALUES
    ('error', 'table "Aud ""S"" ü"."Plain"',
     'row level security is not enabled, and tap_aud_system may UPDATE it: every tenant''s rows are open to them',
     'REVOKE ALL ON "Aud ""S"" ü"."Plain" FROM tap_aud_system;'),
    ('error', 'table "Aud ""S"" ü"."open writes"',
     'row level security is not enabled, and tap_aud_user may INSERT, SELECT it: every tenant''s rows are open to them',
     'SELECT orm_ext.enable_tenant_isolation(''"Aud ""S"" ü"."open writes"'', ''tenant_id'');'),
    ('error', 'table "Aud ""S"" ü"."pub writes"',
     'PUBLIC may INSERT, TRUNCATE the table (TRUNCATE ignores row level security)',
     'REVOKE INSERT, TRUNCATE ON "Aud ""S"" ü"."pub writes" FROM PUBLIC;'),
    ('error', 'table "select"."user"', 'PUBLIC may INSERT the table',
     'REVOKE INSERT ON "select"."user" FROM PUBLIC;'),
    ('error', 'table "select"."user"',
     'row level security is not enabled, and PUBLIC may INSERT, SELECT it: every tenant''s rows are open to them',
     'SELECT orm_ext.enable_tenant_isolation(''"select"."user"'', ''tenant_id'');'),
    ('error', 'view "Aud ""S"" ü"."v by owner, not forced"',
     'the view reads "Aud ""S"" ü".owned_not_forced, which has row level security, with the privileges of its owner tap_aud_owner, who bypasses it: the view shows every tenant''s rows',
     'ALTER VIEW "Aud ""S"" ü"."v by owner, not forced" SET (security_invoker = true);'),
    ('error', 'view "Aud ""S"" ü"."v over"',
     'the view reads "Aud ""S"" ü"."no index", which has row level security, with the privileges of its owner ' || quote_ident(current_user)::text COLLATE "default" || ', who bypasses it: the view shows every tenant''s rows',
     'ALTER VIEW "Aud ""S"" ü"."v over" SET (security_invoker = true);'),
    ('warning', 'function "Aud ""S"" ü"."sec def"(integer)',
     'SECURITY DEFINER function without a pinned search_path: a caller''s search_path can make it run the caller''s objects with its owner''s rights',
     'ALTER FUNCTION "Aud ""S"" ü"."sec def"(integer) SET search_path = pg_catalog, pg_temp;'),
    ('warning', 'policy "it''s per row" on "Aud ""S"" ü"."per row"',
     'the policy calls (current_setting(''app.user_id''::text))::integer outside a sub-select, where it runs once for every row unless the comparison is an index condition; in a sub-select it runs once per statement',
     'ALTER POLICY "it''s per row" ON "Aud ""S"" ü"."per row" USING (("user" = (SELECT (current_setting(''app.user_id''::text))::integer))) WITH CHECK (("user" = (SELECT (current_setting(''app.user_id''::text))::integer)));'),
    ('warning', 'policy mine on "Aud ""S"" ü"."per row fn"',
     'the policy calls "Aud ""S"" ü".auth_uid() outside a sub-select, where it runs once for every row unless the comparison is an index condition; in a sub-select it runs once per statement',
     'ALTER POLICY mine ON "Aud ""S"" ü"."per row fn" USING ((owner_id = (SELECT "Aud ""S"" ü".auth_uid())));'),
    ('warning', 'role "tap_aud login ""bypass"""', 'role can log in and bypasses row level security (BYPASSRLS)',
     'ALTER ROLE "tap_aud login ""bypass""" NOBYPASSRLS;  -- jobs that need it: SET ROLE app_admin'),
    ('warning', 'role "tap_aud su"', 'role can log in and bypasses row level security (SUPERUSER)',
     'ALTER ROLE "tap_aud su" NOSUPERUSER;'),
    ('warning', 'table "Aud ""S"" ü"."no index"',
     'policy q filters on column "Tenant", but no index leads with it: every query through the policy scans the whole table',
     'CREATE INDEX ON "Aud ""S"" ü"."no index" ("Tenant");'),
    ('warning', 'table "Aud ""S"" ü"."no policy"',
     'row level security is enabled but the table has no policy: every role it applies to sees no rows and can write none',
     'SELECT orm_ext.enable_tenant_isolation(''"Aud ""S"" ü"."no policy"'', ''user_id'');'),
    ('warning', 'table "Aud ""S"" ü"."no policy, no tenant"',
     'row level security is enabled but the table has no policy: every role it applies to sees no rows and can write none',
     'CREATE POLICY tenant_isolation ON "Aud ""S"" ü"."no policy, no tenant" FOR ALL TO app_user USING (tenant_id = (SELECT orm_ext.context(''app.user_id'')::integer));'),
    ('warning', 'table "Aud ""S"" ü"."not forced"',
     'row level security is enabled but not forced: the owner ' || quote_ident(current_user)::text COLLATE "default" || ' bypasses every policy',
     'ALTER TABLE "Aud ""S"" ü"."not forced" FORCE ROW LEVEL SECURITY;'),
    ('warning', 'table "Aud ""S"" ü"."open read"',
     'row level security is not enabled, and PUBLIC may SELECT it: every tenant''s rows are open to them',
     'SELECT orm_ext.enable_tenant_isolation(''"Aud ""S"" ü"."open read"'', ''org_id'');'),
    ('warning', 'table "Aud ""S"" ü".owned_not_forced',
     'row level security is enabled but not forced: the owner tap_aud_owner bypasses every policy',
     'ALTER TABLE "Aud ""S"" ü".owned_not_forced FORCE ROW LEVEL SECURITY;'),
    ('warning', 'view "Aud ""S"" ü"."v by owner"',
     'the view reads "Aud ""S"" ü".owned_forced, which has row level security, with the privileges of its owner tap_aud_owner, not of the caller',
     'ALTER VIEW "Aud ""S"" ü"."v by owner" SET (security_invoker = true);')
    $$,
    'the audit of the two fixture schemas: every finding, errors first, each with its fix');

-- the same, finding by finding
SELECT results_eq($$SELECT severity FROM pg_temp.findings('Aud "S" ü') WHERE object = 'table "Aud ""S"" ü"."open writes"'$$,
                  $$VALUES ('error')$$, 'no RLS and writes granted to an application role: error');
SELECT results_eq($$SELECT severity FROM pg_temp.findings('Aud "S" ü') WHERE object = 'table "Aud ""S"" ü"."open read"'$$,
                  $$VALUES ('warning')$$, 'no RLS and only SELECT granted to PUBLIC: warning');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü')
            WHERE object IN ('table "Aud ""S"" ü"."admin only"', 'table "Aud ""S"" ü".private', 'view "Aud ""S"" ü"."v plain"')),
          0::bigint, 'no RLS but granted only to a BYPASSRLS role, or to nobody, or a view over such a table: no finding');
SELECT results_eq($$SELECT severity, fix FROM pg_temp.findings('Aud "S" ü') WHERE object = 'table "Aud ""S"" ü"."not forced"'$$,
                  $$VALUES ('warning', 'ALTER TABLE "Aud ""S"" ü"."not forced" FORCE ROW LEVEL SECURITY;')$$,
                  'RLS enabled, not forced: warning, and only that');
SELECT results_eq($$SELECT severity FROM pg_temp.findings('Aud "S" ü') WHERE object = 'table "Aud ""S"" ü"."no policy"'$$,
                  $$VALUES ('warning')$$, 'RLS with no policy: warning');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü')
            WHERE object IN ('table "Aud ""S"" ü".good', 'table "Aud ""S"" ü".owned_forced')),
          0::bigint, 'a table protected by enable_tenant_isolation, indexed and granted to the app roles: no finding at all');
SELECT is((SELECT count(*) FROM pg_temp.findings('select') WHERE object LIKE '%"select".good%'), 0::bigint,
          'in the other schema too');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü')
            WHERE object IN ('view "Aud ""S"" ü"."v invoker"', 'function "Aud ""S"" ü"."sec def pinned"()')),
          0::bigint, 'a security_invoker view and a SECURITY DEFINER function with a pinned search_path: no finding');
SELECT is((SELECT count(*) FROM orm_ext.rls_audit(ARRAY['Aud "S" ü']) WHERE object = 'role tap_aud_admin'), 0::bigint,
          'the NOLOGIN BYPASSRLS admin role: no finding');
SELECT ok(EXISTS (SELECT 1 FROM pg_roles WHERE oid = 10 AND NOT rolcanlogin)
          OR EXISTS (SELECT 1 FROM orm_ext.rls_audit(ARRAY['Aud "S" ü'])
                      WHERE severity = 'info' AND object = 'role ' || quote_ident((SELECT rolname FROM pg_roles WHERE oid = 10)::text)),
          'the bootstrap superuser is reported as info');

-- scope
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_temp.findings('Aud "S" ü') WHERE object LIKE '%"select".%'
                      OR object LIKE '%tap_aud_outside%'),
          'only the schemas asked for are audited');
SELECT ok(EXISTS (SELECT 1 FROM orm_ext.rls_audit() WHERE object = 'table public.tap_aud_outside')
          AND EXISTS (SELECT 1 FROM orm_ext.rls_audit(NULL) WHERE object = 'table "Aud ""S"" ü"."open writes"'),
          'with NULL (the default) every schema is audited');
SELECT ok(NOT EXISTS (SELECT 1 FROM orm_ext.rls_audit() WHERE object ~ '^(table|view|policy .* on|function) (pg_catalog|information_schema)\.'),
          'but not the system schemas');
SELECT is((SELECT count(*) FROM orm_ext.rls_audit(ARRAY['orm_ext']) WHERE object NOT LIKE 'role %'), 0::bigint,
          'the extension''s own objects are not reported');
SELECT is((SELECT count(*) FROM orm_ext.rls_audit('{}') WHERE object NOT LIKE 'role %'), 0::bigint,
          'an empty list of schemas: only the cluster-wide role findings');
SELECT is(ARRAY(SELECT DISTINCT severity FROM orm_ext.rls_audit() ORDER BY 1) <@ ARRAY['error', 'info', 'warning'], true,
          'severity is one of error, warning, info');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü', 'select', 'Aud "S" ü')), 19::bigint,
          'a schema named twice is audited once');

-- arguments
SELECT throws_ok($$SELECT * FROM orm_ext.rls_audit(ARRAY['tap_aud no "such" schema'])$$, '3F000',
                 'schema "tap_aud no ""such"" schema" does not exist', 'a missing schema: 3F000, naming it');
SELECT throws_ok($$SELECT * FROM orm_ext.rls_audit(ARRAY['Aud "S" ü', 'aud "s" ü'])$$, '3F000', NULL,
                 'schema names are case-sensitive: 3F000');
SELECT throws_ok($$SELECT * FROM orm_ext.rls_audit(ARRAY['Aud "S" ü', NULL])$$, '22004', NULL,
                 'a NULL schema name: 22004');
SELECT throws_ok($$SELECT * FROM orm_ext.rls_audit(ARRAY[NULL]::name[])$$, '22004', NULL,
                 'a list of only a NULL schema name: 22004');
SELECT throws_ok($$SELECT * FROM orm_ext.rls_audit(42)$$, '42883', NULL, 'an integer: 42883');
SELECT throws_ok($$SELECT * FROM orm_ext.rls_audit('Aud "S" ü'::text)$$, '42883', NULL, 'a text, not an array: 42883');

-- as an unprivileged role
SET ROLE tap_aud_user;
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü', 'select')), 19::bigint,
          'an unprivileged role gets the same audit');
RESET ROLE;

-------------------------------------------------------------------------------
-- each fix removes its finding
-------------------------------------------------------------------------------
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'policy "it''s per row" on "Aud ""S"" ü"."per row"'$$),
          '{}'::text[], 'the fix of the per-row policy executes');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object LIKE '%"per row"'), 0::bigint,
          'and removes the finding');
SELECT is((SELECT pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polname = 'it''s per row'),
          '("user" = ( SELECT (current_setting(''app.user_id''::text))::integer AS current_setting))',
          'the policy now reads the setting in a sub-select');
SELECT is((SELECT pg_get_expr(polwithcheck, polrelid) FROM pg_policy WHERE polname = 'it''s per row'),
          '("user" = ( SELECT (current_setting(''app.user_id''::text))::integer AS current_setting))',
          'its WITH CHECK too');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'policy mine on "Aud ""S"" ü"."per row fn"'$$),
          '{}'::text[], 'the fix of the per-row function call executes');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object LIKE '%"per row fn"'), 0::bigint,
          'and removes the finding');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'table "Aud ""S"" ü"."no index"'$$),
          '{}'::text[], 'the fix of the missing index executes');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object = 'table "Aud ""S"" ü"."no index"'), 0::bigint,
          'and removes the finding');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'view "Aud ""S"" ü"."v over"'$$),
          '{}'::text[], 'the fix of the view executes');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object = 'view "Aud ""S"" ü"."v over"'), 0::bigint,
          'and removes the finding');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'function "Aud ""S"" ü"."sec def"(integer)'$$),
          '{}'::text[], 'the fix of the SECURITY DEFINER function executes');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object LIKE 'function %'), 0::bigint,
          'and removes the finding');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'table "Aud ""S"" ü"."pub writes"'$$),
          '{}'::text[], 'the fix of the PUBLIC write grants executes');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object = 'table "Aud ""S"" ü"."pub writes"'), 0::bigint,
          'and removes the finding');
SELECT ok(NOT has_table_privilege('public', '"Aud ""S"" ü"."pub writes"', 'INSERT')
          AND NOT has_table_privilege('public', '"Aud ""S"" ü"."pub writes"', 'TRUNCATE'), 'PUBLIC may no longer write it');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü') WHERE object LIKE 'role %'$$),
          '{}'::text[], 'the fixes of the login roles execute');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü') WHERE object LIKE 'role %'), 0::bigint,
          'and remove the findings');

-- and then all the others (enabling isolation on a table without an index
-- warns, as expected)
SET LOCAL client_min_messages = error;
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü', 'select')
                                WHERE object <> 'table "Aud ""S"" ü"."no policy, no tenant"'$$),
          '{}'::text[], 'every remaining fix executes without error');
-- without a tenant column to guess, the fix for a table with no policy is a
-- CREATE POLICY template to edit (docs/rls.md): it names tenant_id, which
-- this table does not have
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü')
                                WHERE object = 'table "Aud ""S"" ü"."no policy, no tenant"'$$),
          ARRAY['table "Aud ""S"" ü"."no policy, no tenant": 42703'],
          'except the CREATE POLICY template for a table without a tenant column, which is to be edited first');
SELECT is((SELECT count(*) FROM pg_temp.findings('Aud "S" ü', 'select') WHERE severity = 'error'), 0::bigint,
          'after the fixes no error is left');
-- a second round: the tables just put under isolation get their index
SELECT FROM pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud "S" ü', 'select')$$);
SET LOCAL client_min_messages = warning;
SELECT is(ARRAY(SELECT object FROM pg_temp.findings('Aud "S" ü', 'select')
                 WHERE object <> 'table "Aud ""S"" ü"."no policy, no tenant"'),
          '{}'::text[], 'after a second round nothing is left (but the table whose tenant column cannot be guessed)');

-------------------------------------------------------------------------------
-- the helpers
-------------------------------------------------------------------------------
CREATE SCHEMA "Aud shapes";
GRANT USAGE ON SCHEMA "Aud shapes" TO PUBLIC;
CREATE FUNCTION "Aud shapes".of_row(integer) RETURNS integer LANGUAGE sql STABLE AS $$ SELECT $1 $$;
CREATE FUNCTION "Aud shapes".sealed() RETURNS integer LANGUAGE sql STABLE LEAKPROOF AS $$ SELECT 1 $$;
CREATE TABLE "Aud shapes".shapes (a integer, b integer, "Mixed Col" varchar(5), owner name, t integer, "user" integer);
SET LOCAL search_path = "Aud shapes", "Aud ""S"" ü", public;
CREATE POLICY s01_two_cols ON shapes USING (a = b);
CREATE POLICY s02_current_user ON shapes USING (owner = current_user);
CREATE POLICY s03_any ON shapes USING (t = ANY (ARRAY[1, 2]));
CREATE POLICY s04_lower ON shapes USING (lower("Mixed Col") = 'x');
CREATE POLICY s05_varchar ON shapes USING ("Mixed Col" = current_setting('app.x'));
CREATE POLICY s06_row_dependent ON shapes USING (a = of_row(b));
CREATE POLICY s07_leakproof ON shapes USING (a = sealed());
CREATE POLICY s08_immutable ON shapes USING (a = abs(-1));
CREATE POLICY s09_two_calls ON shapes USING ("user" = current_setting('app.a')::integer AND b = auth_uid());
CREATE POLICY s10_in_subselect ON shapes USING (a = (SELECT current_setting('app.a')::integer));
CREATE POLICY s11_check_only ON shapes FOR INSERT WITH CHECK (t = auth_uid());
CREATE POLICY s12_or ON shapes USING (t = auth_uid() OR a = (SELECT auth_uid()));
CREATE POLICY s13_volatile ON shapes USING (random() < 0.5 OR t = of_row((random() * 10)::integer)
                                            OR "user" = current_setting('app.a')::integer);
SET LOCAL search_path = public;

SELECT has_function('orm_ext', 'rls_expr_row_calls', ARRAY['pg_node_tree', 'regclass'], 'rls_expr_row_calls exists');
SELECT has_function('orm_ext', 'rls_expr_hoisted', ARRAY['pg_node_tree', 'regclass'], 'rls_expr_hoisted exists');
SELECT has_function('orm_ext', 'rls_expr_columns', ARRAY['pg_node_tree', 'regclass'], 'rls_expr_columns exists');
SELECT results_eq(
    $$SELECT polname::text COLLATE "default", orm_ext.rls_expr_row_calls(polqual, polrelid) COLLATE "default",
             orm_ext.rls_expr_row_calls(polwithcheck, polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = '"Aud shapes".shapes'::regclass ORDER BY 1$$,
    $$VALUES ('s01_two_cols', '{}'::text[], NULL::text[]),
             ('s02_current_user', '{}', NULL),
             ('s03_any', '{}', NULL),
             ('s04_lower', '{}', NULL),
             ('s05_varchar', '{current_setting(''app.x''::text)}', NULL),
             ('s06_row_dependent', '{}', NULL),
             ('s07_leakproof', '{}', NULL),
             ('s08_immutable', '{}', NULL),
             ('s09_two_calls', ARRAY['(current_setting(''app.a''::text))::integer', '"Aud ""S"" ü".auth_uid()'], NULL),
             ('s10_in_subselect', '{}', NULL),
             ('s11_check_only', NULL, '{"\"Aud \"\"S\"\" ü\".auth_uid()"}'),
             ('s12_or', ARRAY['"Aud ""S"" ü".auth_uid()'], NULL),
             ('s13_volatile', ARRAY['(current_setting(''app.a''::text))::integer'], NULL)$$,
    'rls_expr_row_calls: the row-independent, non-immutable, non-leakproof calls outside sub-selects, qualified as needed');
SELECT results_eq(
    $$SELECT polname::text COLLATE "default", orm_ext.rls_expr_hoisted(polqual, polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = '"Aud shapes".shapes'::regclass
         AND polname IN ('s01_two_cols', 's05_varchar', 's09_two_calls', 's10_in_subselect', 's12_or',
                         's13_volatile') ORDER BY 1$$,
    $$VALUES ('s01_two_cols', NULL),
             ('s05_varchar', '(("Mixed Col")::text = (SELECT current_setting(''app.x''::text)))'),
             ('s09_two_calls', '(("user" = (SELECT (current_setting(''app.a''::text))::integer)) AND (b = (SELECT "Aud ""S"" ü".auth_uid())))'),
             ('s10_in_subselect', NULL),
             ('s12_or', '((t = (SELECT "Aud ""S"" ü".auth_uid())) OR (a = (SELECT "Aud ""S"" ü".auth_uid() AS auth_uid)))'),
             ('s13_volatile', '((random() < (0.5)::double precision) OR (t = "Aud shapes".of_row(((random() * (10)::double precision))::integer)) OR ("user" = (SELECT (current_setting(''app.a''::text))::integer)))')$$,
    'rls_expr_hoisted: each per-row call wrapped in a sub-select, NULL when there is none; volatile calls stay per row');
SELECT lives_ok($$ALTER POLICY s09_two_calls ON "Aud shapes".shapes USING (
                    (("user" = (SELECT (current_setting('app.a'::text))::integer)) AND (b = (SELECT "Aud ""S"" ü".auth_uid()))))$$,
                'the hoisted text is a valid policy expression');
SELECT is((SELECT orm_ext.rls_expr_row_calls(polqual, polrelid) FROM pg_policy WHERE polname = 's09_two_calls'),
          '{}'::text[], 'which then has no per-row call');
SELECT results_eq(
    $$SELECT polname::text COLLATE "default", orm_ext.rls_expr_columns(polqual, polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = '"Aud shapes".shapes'::regclass AND polqual IS NOT NULL ORDER BY 1$$,
    $$VALUES ('s01_two_cols', '{}'::text[]),
             ('s02_current_user', '{owner}'),
             ('s03_any', '{t}'),
             ('s04_lower', '{}'),
             ('s05_varchar', '{"Mixed Col"}'),
             ('s06_row_dependent', '{}'),
             ('s07_leakproof', '{a}'),
             ('s08_immutable', '{a}'),
             ('s09_two_calls', '{user,b}'),
             ('s10_in_subselect', '{a}'),
             ('s12_or', '{t,a}'),
             ('s13_volatile', '{user}')$$,
    'rls_expr_columns: the columns compared with row-independent, non-volatile values, unquoted');
SELECT is((SELECT orm_ext.rls_expr_columns(polqual, polrelid) FROM pg_policy
            WHERE polrelid = '"Aud ""S"" ü".good'::regclass),
          '{tenant_id}'::text[], 'the column of an orm_ext policy');

CREATE SEQUENCE "Aud shapes".seq;
CREATE TABLE "Aud shapes".small (x integer);
CREATE INDEX ON "Aud shapes".shapes ((a + 1));
CREATE TEMP TABLE s08 AS SELECT polqual AS expr FROM pg_policy WHERE polname = 's08_immutable';
SELECT is(orm_ext.rls_expr_row_calls(NULL, '"Aud shapes".shapes'), NULL, 'rls_expr_row_calls: NULL expression: NULL');
SELECT is(orm_ext.rls_expr_row_calls((SELECT expr FROM s08), NULL), NULL, 'rls_expr_row_calls: NULL relation: NULL');
SELECT is(orm_ext.rls_expr_hoisted(NULL, '"Aud shapes".shapes'), NULL, 'rls_expr_hoisted: NULL expression: NULL');
SELECT is(orm_ext.rls_expr_columns((SELECT expr FROM s08), NULL), NULL, 'rls_expr_columns: NULL relation: NULL');
SELECT throws_ok($$SELECT orm_ext.rls_expr_row_calls((SELECT expr FROM s08), '4294967295'::oid)$$, '42P01', NULL,
                 'rls_expr_row_calls: a missing relation OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.rls_expr_hoisted((SELECT expr FROM s08), '4294967295'::oid)$$, '42P01', NULL,
                 'rls_expr_hoisted: a missing relation OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.rls_expr_columns((SELECT expr FROM s08), '4294967295'::oid)$$, '42P01', NULL,
                 'rls_expr_columns: a missing relation OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.rls_expr_row_calls((SELECT expr FROM s08), '"Aud shapes".seq')$$, '42809', NULL,
                 'rls_expr_row_calls: a sequence: 42809');
SELECT throws_ok($$SELECT orm_ext.rls_expr_hoisted((SELECT expr FROM s08), '"Aud shapes".seq')$$, '42809', NULL,
                 'rls_expr_hoisted: a sequence: 42809');
SELECT throws_ok($$SELECT orm_ext.rls_expr_columns((SELECT expr FROM s08), '"Aud shapes".seq')$$, '42809', NULL,
                 'rls_expr_columns: a sequence: 42809');
SELECT throws_ok($$SELECT orm_ext.rls_expr_columns((SELECT polqual FROM pg_policy WHERE polname = 's09_two_calls'),
                                                   '"Aud shapes".small')$$, '22023', NULL,
                 'an expression of another table''s policy: 22023');
SELECT throws_ok($$SELECT orm_ext.rls_expr_columns(indexprs, indrelid) FROM pg_index
                    WHERE indrelid = '"Aud shapes".shapes'::regclass$$, '22023', NULL,
                 'index expressions (a list, not a policy expression): 22023');
SELECT throws_ok($$SELECT orm_ext.rls_expr_row_calls(ev_action, ev_class) FROM pg_rewrite
                    WHERE ev_class = '"Aud ""S"" ü"."v over"'::regclass$$, '42809', NULL,
                 'a view''s rule action (query trees, and not a table): 42809');
SELECT throws_ok($$SELECT orm_ext.rls_expr_columns('{CONST :consttype 23}', '"Aud shapes".shapes')$$, '0A000', NULL,
                 'a node tree cannot be forged from a literal: 0A000');
SELECT throws_ok($$SELECT orm_ext.rls_expr_columns('x'::text, '"Aud shapes".shapes')$$, '42883', NULL,
                 'rls_expr_columns: a text expression: 42883');
SELECT throws_ok($$SELECT orm_ext.rls_expr_row_calls((SELECT expr FROM s08), true)$$, '42883', NULL,
                 'rls_expr_row_calls: a boolean relation: 42883');

-- rls_equality_operator ------------------------------------------------------------
CREATE DOMAIN "Aud shapes"."Tenant Dom" AS integer CHECK (VALUE > 0);
CREATE TYPE "Aud shapes"."select" AS ENUM ('a', 'it''s');
SELECT results_eq(
    $$SELECT t::text COLLATE "default", orm_ext.rls_equality_operator(t) COLLATE "default"
        FROM unnest(ARRAY['integer', 'bigint', 'uuid', 'text', 'character varying',
                          '"Aud shapes"."Tenant Dom"', '"Aud shapes"."select"']::regtype[]) t$$,
    $$VALUES ('integer', 'OPERATOR(pg_catalog.=)'), ('bigint', 'OPERATOR(pg_catalog.=)'),
             ('uuid', 'OPERATOR(pg_catalog.=)'), ('text', 'OPERATOR(pg_catalog.=)'),
             ('character varying', 'OPERATOR(pg_catalog.=)'), ('"Aud shapes"."Tenant Dom"', 'OPERATOR(pg_catalog.=)'),
             ('"Aud shapes"."select"', 'OPERATOR(pg_catalog.=)')$$,
    'rls_equality_operator: the btree equality, schema-qualified, for base types, varchar, a domain and an enum');
SELECT is(orm_ext.rls_equality_operator(NULL), NULL, 'rls_equality_operator: NULL: NULL');
SELECT throws_ok($$SELECT orm_ext.rls_equality_operator('json')$$, '42883', 'type json has no default btree equality operator',
                 'rls_equality_operator: json has none: 42883');
SELECT throws_ok($$SELECT orm_ext.rls_equality_operator('point')$$, '42883', NULL, 'point has none: 42883');
SELECT throws_ok($$SELECT orm_ext.rls_equality_operator(0)$$, '42704', NULL, 'rls_equality_operator: type OID 0: 42704');
SELECT throws_ok($$SELECT orm_ext.rls_equality_operator('4294967295'::oid)$$, '42704', NULL,
                 'rls_equality_operator: a missing type OID: 42704');
SELECT throws_ok($$SELECT orm_ext.rls_equality_operator('"Aud shapes".nope')$$, '42704', NULL,
                 'rls_equality_operator: a missing type name: 42704');
SELECT throws_ok($$SELECT orm_ext.rls_equality_operator(true)$$, '42883', NULL, 'rls_equality_operator: a boolean: 42883');

-- rls_guess_tenant_column ------------------------------------------------------------
CREATE TABLE "Aud shapes".g1 (user_id integer, tenant_id integer, author_id integer);
CREATE TABLE "Aud shapes".g2 (author_id integer, owner_id integer);
CREATE TABLE "Aud shapes".g3 (a integer, b integer);
CREATE TABLE "Aud shapes".g4 (workspace_id integer, "Team Key" text);
CREATE TABLE "Aud shapes".g5 (tenant_id integer, user_id integer);
ALTER TABLE "Aud shapes".g5 DROP COLUMN tenant_id;
CREATE TABLE "Aud shapes".team_table ("Team Key" text);
CREATE INDEX ON "Aud shapes".team_table ("Team Key");
CREATE VIEW "Aud shapes".g_view AS SELECT * FROM "Aud shapes".g1;
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g1'), 'tenant_id'::name,
          'rls_guess_tenant_column: tenant_id before user_id and author_id');
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g2'), 'owner_id'::name, 'owner_id before author_id');
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g3'), NULL, 'no conventional column: NULL');
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g5'), 'user_id'::name, 'a dropped column is not proposed');
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g4'), 'workspace_id'::name,
          'workspace_id, while no orm_ext policy uses "Team Key"');
SELECT orm_ext.enable_tenant_isolation('"Aud shapes".team_table', 'Team Key', 'app.team', ARRAY['tap_aud_user']);
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g4'), 'Team Key'::name,
          'a column orm_ext''s policies use on other tables comes first');
-- the columns orm_ext's policies use are read from the policies, not from
-- their comments, which the table's owner may edit
COMMENT ON POLICY orm_ext_tenant_isolation ON "Aud shapes".team_table IS '{edited by hand}';
SELECT lives_ok($$SELECT count(*) FROM orm_ext.rls_audit()$$,
                'rls_audit: a hand-edited comment on orm_ext''s policy does not break the audit');
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".g4'), 'Team Key'::name,
          'rls_guess_tenant_column: a used column still wins with the policy''s comment edited');
SELECT is(orm_ext.rls_guess_tenant_column(NULL), NULL, 'rls_guess_tenant_column: NULL: NULL');
SELECT is(orm_ext.rls_guess_tenant_column('4294967295'::oid), NULL,
          'rls_guess_tenant_column: a missing table OID: NULL (it raises nothing, docs/rls.md)');
SELECT is(orm_ext.rls_guess_tenant_column('"Aud shapes".seq'), NULL, 'a sequence: NULL');
SELECT throws_ok($$SELECT orm_ext.rls_guess_tenant_column(true)$$, '42883', NULL, 'rls_guess_tenant_column: a boolean: 42883');

-- rls_owned_table --------------------------------------------------------------------
CREATE TABLE "Aud shapes"."Owned ""T""" (tenant_id integer);
CREATE TABLE "Aud shapes".parted (tenant_id integer) PARTITION BY LIST (tenant_id);
SELECT is(orm_ext.rls_owned_table('"Aud shapes"."Owned ""T"""', 'me'), '"Aud shapes"."Owned ""T"""',
          'rls_owned_table: the quoted name of an owned table');
SELECT is(orm_ext.rls_owned_table('"Aud shapes".parted', 'me'), '"Aud shapes".parted', 'a partitioned table is a table');
SELECT throws_ok($$SELECT orm_ext.rls_owned_table(NULL, 'me')$$, '22004', 'me: table must not be null',
                 'rls_owned_table: NULL: 22004, naming the caller');
SELECT throws_ok($$SELECT orm_ext.rls_owned_table('4294967295'::oid, 'me')$$, '42P01', NULL,
                 'rls_owned_table: a missing table OID: 42P01');
SELECT throws_ok($$SELECT orm_ext.rls_owned_table('"Aud shapes".g_view', 'me')$$, '42809', '"Aud shapes".g_view is not a table',
                 'rls_owned_table: a view: 42809');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.rls_owned_table('"Aud shapes".seq', 'it''s me')$$),
          '42809: it''s me() applies row level security, which only tables have.',
          'rls_owned_table: a sequence: 42809, and the detail names the caller');
SET ROLE tap_aud_user;
SELECT throws_ok($$SELECT orm_ext.rls_owned_table('"Aud shapes"."Owned ""T"""', 'me')$$, '42501',
                 'must be owner of table "Aud shapes"."Owned ""T"""', 'rls_owned_table: not the owner: 42501');
RESET ROLE;
SELECT throws_ok($$SELECT orm_ext.rls_owned_table(true, 'me')$$, '42883', NULL, 'rls_owned_table: a boolean: 42883');

-- rls_policy_name --------------------------------------------------------------------
SELECT is(orm_ext.rls_policy_name(), 'orm_ext_tenant_isolation'::name, 'rls_policy_name() is orm_ext_tenant_isolation');
SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'orm_ext.rls_policy_name()'::regprocedure), 'i',
          'and IMMUTABLE');
SELECT throws_ok($$SELECT orm_ext.rls_policy_name('x')$$, '42883', NULL, 'rls_policy_name takes no argument: 42883');

-- expressions whose parts are not expressions of their own (CASE arms, the
-- lists of a row comparison, subscripts, xmlattributes) and the element
-- expression of an array cast: analysed, never XX000
CREATE TABLE "Aud shapes"."Odd ""Exprs""" (id int, tenant int, v text, tags text[]);
ALTER TABLE "Aud shapes"."Odd ""Exprs""" ENABLE ROW LEVEL SECURITY;
CREATE POLICY o_case ON "Aud shapes"."Odd ""Exprs""" USING (CASE WHEN tenant = 1 THEN true ELSE false END);
CREATE POLICY o_case_call ON "Aud shapes"."Odd ""Exprs""" USING (CASE WHEN current_setting('app.x') = 'y' THEN tenant = 1 ELSE false END);
CREATE POLICY o_simple_case ON "Aud shapes"."Odd ""Exprs""" USING (CASE tenant WHEN 1 THEN true ELSE false END);
CREATE POLICY o_row ON "Aud shapes"."Odd ""Exprs""" USING ((tenant, v) < (current_setting('app.t')::int, 'x'));
CREATE POLICY o_subscript ON "Aud shapes"."Odd ""Exprs""" USING (tags[current_setting('app.i')::int] = 'a');
CREATE POLICY o_xml ON "Aud shapes"."Odd ""Exprs""" USING (xmlelement(name a, xmlattributes(current_setting('app.x') AS b), v) IS NOT NULL);
CREATE POLICY o_array_cast ON "Aud shapes"."Odd ""Exprs""" USING (tags::timestamptz[] IS NOT NULL);
SELECT results_eq(
    $$SELECT polname::text COLLATE "default", orm_ext.rls_expr_row_calls(polqual, polrelid) COLLATE "default"
        FROM pg_policy WHERE polrelid = '"Aud shapes"."Odd ""Exprs"""'::regclass ORDER BY polname$$,
    $$VALUES ('o_array_cast', '{}'::text[]),
             ('o_case', '{}'),
             ('o_case_call', ARRAY['(current_setting(''app.x''::text) = ''y''::text)']),
             ('o_row', ARRAY['(current_setting(''app.t''::text))::integer']),
             ('o_simple_case', '{}'),
             ('o_subscript', ARRAY['(current_setting(''app.i''::text))::integer']),
             ('o_xml', ARRAY['current_setting(''app.x''::text)'])$$,
    'CASE, row comparisons, subscripts, xmlattributes and array casts: the calls inside them, no XX000');
SELECT is((SELECT orm_ext.rls_expr_hoisted(polqual, polrelid) FROM pg_policy WHERE polname = 'o_row'),
          '(ROW(tenant, v) < ROW((SELECT (current_setting(''app.t''::text))::integer), ''x''::text))',
          'the hoisted row comparison');
SELECT is((SELECT count(*)::int FROM orm_ext.rls_audit()
            WHERE object LIKE 'policy %Odd%' AND fix NOT LIKE '%USING (%'),
          0, 'rls_audit runs over them, every fix with a USING clause');

-- 10. a permissive policy beside the tenant isolation policy widens it
CREATE SCHEMA "Aud wide";
CREATE ROLE "tap_aud Wide ""R""" NOLOGIN;
CREATE TABLE "Aud wide".notes (id int, tenant_id int);
CREATE INDEX ON "Aud wide".notes (tenant_id);
CREATE INDEX ON "Aud wide".notes (id);
CREATE POLICY "Open ""All""" ON "Aud wide".notes FOR SELECT USING (true);
CREATE POLICY "for R" ON "Aud wide".notes TO "tap_aud Wide ""R""", tap_aud_user USING (id > 0);
CREATE POLICY kept ON "Aud wide".notes AS RESTRICTIVE USING (id < 1000);
CREATE TABLE "Aud wide".bare (id int, tenant_id int);       -- permissive policy, no tenant policy: not this finding
CREATE INDEX ON "Aud wide".bare (tenant_id);
ALTER TABLE "Aud wide".bare ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY open ON "Aud wide".bare USING (true);
SET LOCAL client_min_messages = error;                -- the WARNING is expected (sql/rls.sql shows it)
SELECT orm_ext.enable_tenant_isolation('"Aud wide".notes', 'tenant_id', roles => '{tap_aud_user}');
SET LOCAL client_min_messages = warning;
SELECT results_eq(
    $$SELECT severity, object, problem, fix FROM pg_temp.findings('Aud wide')$$,
    $$VALUES ('warning', 'policy "Open ""All""" on "Aud wide".notes',
              'the policy is permissive, so it is OR''ed with orm_ext_tenant_isolation: a row it allows is open to every role, whatever their tenant',
              'DROP POLICY "Open ""All""" ON "Aud wide".notes;  -- or create it again AS RESTRICTIVE'),
             ('warning', 'policy "for R" on "Aud wide".notes',
              'the policy is permissive, so it is OR''ed with orm_ext_tenant_isolation: a row it allows is open to "tap_aud Wide ""R""", tap_aud_user, whatever their tenant',
              'DROP POLICY "for R" ON "Aud wide".notes;  -- or create it again AS RESTRICTIVE')$$,
    'a permissive policy beside the tenant isolation policy: a warning naming its roles; not a restrictive one, nor one on a table without the tenant policy');
SELECT is(pg_temp.apply_fixes($$SELECT object, fix FROM pg_temp.findings('Aud wide')$$), '{}', 'the fixes run');
SELECT is((SELECT count(*)::int FROM pg_temp.findings('Aud wide')), 0, 'and leave no finding');
SELECT is((SELECT array_agg(polname::text ORDER BY polname) FROM pg_policy WHERE polrelid = '"Aud wide".notes'::regclass),
          '{kept,orm_ext_tenant_isolation}', 'the restrictive policy stays');

SELECT * FROM finish();
ROLLBACK;
