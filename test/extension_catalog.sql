-- Extension-wide guarantees that every component must keep: install layout,
-- comments, privileges, and SECURITY DEFINER hygiene.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(16);

SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'orm_ext'), '0.1.0', 'version 0.1.0');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'orm_ext'), 'orm_ext',
          'installed in schema orm_ext');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'orm_ext'), false, 'not relocatable');
SELECT ok(has_schema_privilege('public', 'orm_ext', 'USAGE'), 'PUBLIC has USAGE on schema orm_ext');
SELECT ok(NOT has_schema_privilege('public', 'orm_ext', 'CREATE'), 'PUBLIC cannot create in schema orm_ext');

SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace
                  AND obj_description(p.oid, 'pg_proc') IS NULL ORDER BY 1),
          ARRAY[]::text[], 'every function in orm_ext has a COMMENT');

SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace AND p.prosecdef
                  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
                ORDER BY 1),
          ARRAY[]::text[], 'every SECURITY DEFINER function pins search_path');

SELECT is(ARRAY(SELECT d.objid::regprocedure::text FROM pg_depend d
                JOIN pg_proc p ON p.oid = d.objid
                WHERE d.refclassid = 'pg_extension'::regclass
                  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'orm_ext')
                  AND d.classid = 'pg_proc'::regclass
                  AND p.pronamespace <> 'orm_ext'::regnamespace),
          ARRAY[]::text[], 'the extension puts no function outside schema orm_ext');

-- EXECUTE: the UUID utilities and append_only() are open to every role
-- (docs/security.md)
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace
                  AND (p.proname LIKE 'uuid%' OR p.proname = 'append_only')
                  AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
                ORDER BY 1),
          ARRAY[]::text[], 'PUBLIC may execute every UUID function and append_only()');

-- the ledger functions check the caller's rights on the table themselves
-- (the two event trigger functions are nobody's to call)
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace
                  AND p.proname LIKE 'ledger%' AND p.proname NOT IN ('ledger_on_drop', 'ledger_before_drop_extension')
                  AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
                ORDER BY 1),
          ARRAY[]::text[], 'PUBLIC may execute every ledger function');
SELECT is(has_function_privilege('public', 'orm_ext.ledger_before_drop_extension(boolean)', 'EXECUTE'), false,
          'PUBLIC may not execute ledger_before_drop_extension (it drops the heads tables)');
-- the RLS functions act as the caller and check its rights themselves
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace
                  AND (p.proname LIKE 'rls%' OR p.proname LIKE '%context'
                       OR p.proname IN ('setup_roles', 'enable_tenant_isolation', 'disable_tenant_isolation'))
                  AND (p.prosecdef OR NOT has_function_privilege('public', p.oid, 'EXECUTE'))
                ORDER BY 1),
          ARRAY[]::text[], 'PUBLIC may execute every RLS function, and none is SECURITY DEFINER');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace AND p.prosecdef
                  AND has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1),
          ARRAY[]::text[],
          'no SECURITY DEFINER function is executable by PUBLIC');
SELECT is(ARRAY(SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'orm_ext'::regnamespace AND p.prosecdef ORDER BY 1),
          ARRAY['orm_ext.append_only_on_rewrite()', 'orm_ext.ledger_on_drop()'],
          'the ledger''s two event trigger functions are the only SECURITY DEFINER functions (docs/security.md)');

-- a plain role, with no grants of its own, can use them
CREATE ROLE orm_ext_catalog_plain NOLOGIN;
SET LOCAL ROLE orm_ext_catalog_plain;
SELECT is(orm_ext.uuid_extract_version(orm_ext.uuidv7()), 7::smallint, 'a plain role can call uuidv7()');
SELECT is(orm_ext.uuid_from_base32(orm_ext.uuid_to_base32(orm_ext.uuidv7_lower('2025-01-01'))),
          orm_ext.uuidv7_lower('2025-01-01'), 'a plain role can call the base32 and bound functions');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
