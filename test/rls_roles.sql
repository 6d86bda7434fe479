-- setup_roles(): the three application roles, their attributes, USAGE on
-- orm_ext, idempotency, hostile prefixes, and the 42501 a caller without the
-- needed privilege gets.  Roles are cluster-wide: every role here starts with
-- tap_rol and disappears with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(52);

\ir lib/detail_of.sql

-- the roles as a comparable row set
CREATE FUNCTION pg_temp.roles_of(prefix text)
RETURNS TABLE(name text, login boolean, super boolean, bypassrls boolean, createrole boolean,
              createdb boolean, inherit boolean)
LANGUAGE sql AS $$
    SELECT rolname::text COLLATE "default", rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolinherit
      FROM pg_roles WHERE rolname IN (prefix || '_user', prefix || '_system', prefix || '_admin')
     ORDER BY 1
$$;

SELECT has_function('orm_ext', 'setup_roles', ARRAY['text'], 'setup_roles(text) exists');
SELECT function_returns('orm_ext', 'setup_roles', ARRAY['text'], 'void', 'setup_roles returns void');
SELECT is(pg_get_function_arguments('orm_ext.setup_roles(text)'::regprocedure), 'prefix text DEFAULT ''app''::text',
          'the prefix defaults to ''app''');

-- happy path ----------------------------------------------------------------------
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol')$$, 'setup_roles(''tap_rol'')');
SELECT results_eq($$SELECT * FROM pg_temp.roles_of('tap_rol')$$,
    $$VALUES ('tap_rol_admin', false, false, true, false, false, true),
             ('tap_rol_system', false, false, false, false, false, true),
             ('tap_rol_user', false, false, false, false, false, true)$$,
    'three NOLOGIN roles: _user and _system without BYPASSRLS, _admin with it; none superuser');
SELECT results_eq(
    $$SELECT rolname::text COLLATE "default", shobj_description(oid, 'pg_authid') COLLATE "default"
        FROM pg_roles WHERE rolname LIKE 'tap\_rol\_%' ORDER BY 1$$,
    $$VALUES ('tap_rol_admin', 'orm_ext application role: cron and migrations; bypasses row level security'),
             ('tap_rol_system', 'orm_ext application role: the application''s own jobs; row level security applies'),
             ('tap_rol_user', 'orm_ext application role: end users; row level security applies')$$,
    'each role has a comment saying what it is for');
SELECT is(ARRAY(SELECT a.grantee::regrole::text FROM pg_namespace n, aclexplode(n.nspacl) a
                 WHERE n.nspname = 'orm_ext' AND a.privilege_type = 'USAGE'
                   AND a.grantee::regrole::text LIKE 'tap\_rol\_%' ORDER BY 1),
          ARRAY['tap_rol_admin', 'tap_rol_system', 'tap_rol_user'],
          'USAGE on schema orm_ext is granted to each role by name');
SELECT ok(has_schema_privilege('tap_rol_user', 'orm_ext', 'USAGE')
          AND has_function_privilege('tap_rol_user', 'orm_ext.context(text)', 'EXECUTE')
          AND has_function_privilege('tap_rol_system', 'orm_ext.set_context(text,text)', 'EXECUTE'),
          'the roles may call the context functions');

CREATE TEMP TABLE first_oids AS SELECT rolname, oid FROM pg_roles WHERE rolname LIKE 'tap\_rol\_%';
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol')$$, 'a second call is a no-op');
SELECT is((SELECT count(*) FROM pg_roles r JOIN first_oids f USING (rolname, oid)), 3::bigint,
          'the same three roles, not recreated');
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tap\_rol\_%'), 3::bigint, 'and no other');

-- the default prefix: app_user etc. may exist in this cluster already; when
-- they do with the right attributes the call is a no-op, when one has the
-- wrong ones it must refuse
SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles
                          WHERE (rolname IN ('app_user', 'app_system') AND (rolsuper OR rolbypassrls))
                             OR (rolname = 'app_admin' AND (rolsuper OR NOT rolbypassrls)))
            THEN throws_ok($$SELECT orm_ext.setup_roles()$$, '55000', NULL,
                           'setup_roles() refuses existing app_* roles with the wrong attributes')
            ELSE lives_ok($$SELECT orm_ext.setup_roles()$$, 'setup_roles() with the default prefix')
       END;
SELECT results_eq($$SELECT name, bypassrls FROM pg_temp.roles_of('app')$$,
    $$VALUES ('app_admin', true), ('app_system', false), ('app_user', false)$$,
    'the default prefix makes app_user, app_system and app_admin');

-- hostile prefixes ----------------------------------------------------------------
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol "Q" it''s ü SELECT')$$,
                'a prefix with quotes, spaces, unicode, mixed case and a reserved word');
SELECT results_eq($$SELECT name, bypassrls FROM pg_temp.roles_of('tap_rol "Q" it''s ü SELECT')$$,
    $$VALUES ('tap_rol "Q" it''s ü SELECT_admin', true), ('tap_rol "Q" it''s ü SELECT_system', false),
             ('tap_rol "Q" it''s ü SELECT_user', false)$$,
    'creates the roles with exactly those names');
SELECT ok(EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) a, pg_roles r
                  WHERE n.nspname = 'orm_ext' AND a.grantee = r.oid AND a.privilege_type = 'USAGE'
                    AND r.rolname = 'tap_rol "Q" it''s ü SELECT_user'),
          'and grants USAGE on orm_ext to the hostile name');
SELECT lives_ok($$SELECT orm_ext.setup_roles(E'tap_rol\\%s_%I')$$, 'a prefix with a backslash, % and _');
SELECT is((SELECT count(*) FROM pg_temp.roles_of(E'tap_rol\\%s_%I')), 3::bigint, 'makes exactly those three roles');
SELECT lives_ok(format('SELECT orm_ext.setup_roles(%L)', repeat('é', 28)), 'a 56-byte prefix (the longest role is 63 bytes)');
SELECT is((SELECT octet_length(name) FROM pg_temp.roles_of(repeat('é', 28)) WHERE name LIKE '%\_system'), 63,
          'the _system role name is 63 bytes, not truncated');
SELECT throws_ok(format('SELECT orm_ext.setup_roles(%L)', repeat('é', 28) || 'x'), '22023', NULL,
                 'a 57-byte prefix would be truncated: 22023');

-- arguments -----------------------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.setup_roles(NULL)$$, '22004', 'role prefix must not be null', 'NULL prefix: 22004');
SELECT throws_ok($$SELECT orm_ext.setup_roles('')$$, '22023', 'role prefix must not be empty', 'empty prefix: 22023');
SELECT throws_ok($$SELECT orm_ext.setup_roles('pg')$$, '42939', 'role prefix "pg" is reserved',
                 'a prefix giving pg_user is reserved: 42939, before any role is made');
SELECT throws_ok($$SELECT orm_ext.setup_roles('pg_app')$$, '42939', NULL, 'so is one starting with pg_');
SELECT lives_ok($$SELECT orm_ext.setup_roles('pga')$$, 'pga is not reserved');
SET LOCAL standard_conforming_strings = off;
ALTER FUNCTION orm_ext.setup_roles(text) COST 100;   -- compiled again, under the setting
SELECT lives_ok($$SELECT orm_ext.setup_roles('pga')$$, 'nor under standard_conforming_strings off');
SET LOCAL standard_conforming_strings = on;
SELECT throws_ok($$SELECT orm_ext.setup_roles(42)$$, '42883', NULL, 'an integer prefix: 42883');
SELECT throws_ok($$SELECT orm_ext.setup_roles(ARRAY['tap_rol_arr'])$$, '42883', NULL, 'an array prefix: 42883');

-- existing roles with the wrong attributes -------------------------------------------
CREATE ROLE tap_rol_bad1_user NOLOGIN BYPASSRLS;
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol_bad1')$$, '55000',
                 'role "tap_rol_bad1_user" exists with the wrong attributes', 'an existing _user with BYPASSRLS: 55000');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.setup_roles('tap_rol_bad1')$$),
          '55000: It should have neither BYPASSRLS nor SUPERUSER, so that row level security applies to it.',
          'the detail says what is wrong');
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tap\_rol\_bad1\_%'), 1::bigint,
          'and nothing else was created');
CREATE ROLE tap_rol_bad2_admin NOLOGIN NOBYPASSRLS;
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol_bad2')$$, '55000', NULL, 'an existing _admin without BYPASSRLS: 55000');
CREATE ROLE tap_rol_bad3_system NOLOGIN SUPERUSER;
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol_bad3')$$, '55000', NULL, 'an existing superuser _system: 55000');
-- a role row level security applies to that can SET ROLE to one it does not
CREATE ROLE "tap_rol ""M"" x_user" NOLOGIN;
CREATE ROLE "tap_rol ""M"" x_admin" NOLOGIN BYPASSRLS;
GRANT "tap_rol ""M"" x_admin" TO "tap_rol ""M"" x_user";
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$, '55000',
                 'role "tap_rol "M" x_user" is a member of role "tap_rol "M" x_admin", which bypasses row level security',
                 'an existing _user that is a member of _admin: 55000');
SELECT is(pg_temp.hint_of($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$),
          '55000: REVOKE "tap_rol ""M"" x_admin" FROM "tap_rol ""M"" x_user";', 'the hint is the REVOKE that fixes it');
REVOKE "tap_rol ""M"" x_admin" FROM "tap_rol ""M"" x_user";
CREATE ROLE "tap_rol Mid" NOLOGIN;
CREATE ROLE "tap_rol ""M"" x_system" NOLOGIN;
GRANT "tap_rol Mid" TO "tap_rol ""M"" x_system";
GRANT "tap_rol ""M"" x_admin" TO "tap_rol Mid";
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$, '55000',
                 'role "tap_rol "M" x_system" is a member of role "tap_rol "M" x_admin", which bypasses row level security',
                 'an existing _system that is a member of _admin through another role: 55000');
SELECT is(pg_temp.hint_of($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$),
          '55000: Revoke the memberships through which "tap_rol ""M"" x_system" is a member of "tap_rol ""M"" x_admin".',
          'the hint for a membership through another role');
REVOKE "tap_rol ""M"" x_admin" FROM "tap_rol Mid";
GRANT "tap_rol ""M"" x_user" TO "tap_rol ""M"" x_admin";
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$, 'once revoked it works; _admin may be a member of _user');
-- CREATEROLE: a role that has it can grant itself _admin
CREATE ROLE "tap_rol Creator" NOLOGIN CREATEROLE;
GRANT "tap_rol Creator" TO "tap_rol ""M"" x_user";
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$, '55000',
                 'role "tap_rol "M" x_user" is a member of role "tap_rol Creator", which can grant roles that bypass row level security',
                 'an existing _user that is a member of a CREATEROLE role: 55000');
REVOKE "tap_rol Creator" FROM "tap_rol ""M"" x_user";
ALTER ROLE "tap_rol ""M"" x_system" CREATEROLE;
SELECT is(pg_temp.hint_of($$SELECT orm_ext.setup_roles('tap_rol "M" x')$$),
          '55000: ALTER ROLE "tap_rol ""M"" x_system" NOCREATEROLE;', 'an existing _system with CREATEROLE: 55000, and the fix');
ALTER ROLE "tap_rol ""M"" x_system" NOCREATEROLE;

-- privileges ----------------------------------------------------------------------------
CREATE ROLE tap_rol_plain NOLOGIN;
CREATE ROLE tap_rol_creator NOLOGIN CREATEROLE;

SET ROLE tap_rol_plain;
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol_p')$$, '42501', 'permission denied to create role "tap_rol_p_user"',
                 'a role without CREATEROLE: 42501');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.setup_roles('tap_rol_p')$$),
          '42501: setup_roles() needs the CREATEROLE attribute.', 'naming the missing CREATEROLE attribute');
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol')$$,
                'but once the roles exist, re-running it needs no privilege');
RESET ROLE;

SET ROLE tap_rol_creator;
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol_c')$$, '42501',
                 'permission denied to create role "tap_rol_c_admin" with BYPASSRLS',
                 'a CREATEROLE non-superuser cannot create the BYPASSRLS admin role on PostgreSQL 15: 42501');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.setup_roles('tap_rol_c')$$),
          '42501: Only a superuser may create a role with BYPASSRLS.', 'and the detail says who may');
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_roles WHERE rolname LIKE 'tap\_rol\_c\_%'), 0::bigint, 'nothing was created');

-- with the admin role made by a superuser first, CREATEROLE is enough
CREATE ROLE tap_rol_c2_admin NOLOGIN BYPASSRLS;
SET ROLE tap_rol_creator;
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol_c2')$$,
                'a CREATEROLE role completes the set when the admin role exists');
RESET ROLE;
SELECT results_eq($$SELECT name, bypassrls, super FROM pg_temp.roles_of('tap_rol_c2')$$,
    $$VALUES ('tap_rol_c2_admin', true, false), ('tap_rol_c2_system', false, false), ('tap_rol_c2_user', false, false)$$,
    'with the right attributes');

-- when PUBLIC has no USAGE on orm_ext and the caller cannot grant it
REVOKE USAGE ON SCHEMA orm_ext FROM PUBLIC;
GRANT USAGE ON SCHEMA orm_ext TO tap_rol_creator;
CREATE ROLE tap_rol_c3_admin NOLOGIN BYPASSRLS;
SET ROLE tap_rol_creator;
SELECT throws_ok($$SELECT orm_ext.setup_roles('tap_rol_c3')$$, '42501', NULL,
                 'without GRANT OPTION on orm_ext, and PUBLIC without USAGE: 42501');
RESET ROLE;
SELECT lives_ok($$SELECT orm_ext.setup_roles('tap_rol_c3')$$, 'the extension owner can then do it');
SELECT ok(has_schema_privilege('tap_rol_c3_user', 'orm_ext', 'USAGE'), 'and the roles get USAGE by name');
GRANT USAGE ON SCHEMA orm_ext TO PUBLIC;

SELECT * FROM finish();
ROLLBACK;
