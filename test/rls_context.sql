-- context(), set_context() and clear_context(): the request context that
-- tenant policies read.  NULL when unset or empty, transaction-local, keys
-- that are custom setting names, any value.  (That the context is gone in the
-- next transaction of the same session is proven by the isolation spec
-- specs/rls_context_pooling.spec: pgTAP runs the whole file in one.)
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(64);

\ir lib/detail_of.sql
SELECT orm_ext.setup_roles('tap_ctx');
CREATE ROLE tap_ctx_plain NOLOGIN;

-- declarations ----------------------------------------------------------------
SELECT has_function('orm_ext', 'context', ARRAY['text'], 'context(text) exists');
SELECT function_returns('orm_ext', 'context', ARRAY['text'], 'text', 'context returns text');
SELECT has_function('orm_ext', 'set_context', ARRAY['text', 'text'], 'set_context(text, text) exists');
SELECT function_returns('orm_ext', 'set_context', ARRAY['text', 'text'], 'void', 'set_context returns void');
SELECT has_function('orm_ext', 'clear_context', ARRAY['text'], 'clear_context(text) exists');
SELECT function_returns('orm_ext', 'clear_context', ARRAY['text'], 'void', 'clear_context returns void');
SELECT results_eq(
    $$SELECT p.proname::text COLLATE "default", l.lanname::text COLLATE "default", p.provolatile::text, p.proparallel::text, p.proisstrict
        FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       WHERE p.oid IN ('orm_ext.context(text)'::regprocedure, 'orm_ext.set_context(text,text)'::regprocedure,
                       'orm_ext.clear_context(text)'::regprocedure)
       ORDER BY 1$$,
    $$VALUES ('clear_context', 'c', 'v', 'u', false),
             ('context', 'c', 's', 's', true),
             ('set_context', 'c', 'v', 'u', false)$$,
    'context() is C, STABLE, PARALLEL SAFE and STRICT; set_context() and clear_context() are C, VOLATILE, PARALLEL UNSAFE and not STRICT');

-- context() ---------------------------------------------------------------------
SELECT is(orm_ext.context('tap_ctx.never_set'), NULL, 'a key never set: NULL, not an error');
SELECT is(orm_ext.context(NULL), NULL, 'NULL key: NULL (STRICT)');
SELECT throws_ok($$SELECT orm_ext.context('nodot')$$, '22023', 'context key "nodot" is not a custom setting name',
                 'a key without a dot: 22023');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.context('nodot')$$),
          '22023: context() takes keys of the form "prefix.name", such as "app.user_id".',
          'and the detail shows the form of a key');
SELECT throws_ok($$SELECT orm_ext.context('search_path')$$, '22023', NULL,
                 'a server setting (search_path) is not a context key: 22023');
SELECT throws_ok($$SELECT orm_ext.context('')$$, '22023', NULL, 'an empty key: 22023');
SELECT throws_ok($$SELECT orm_ext.context(42)$$, '42883', NULL, 'an integer key: 42883 (no such function)');

SELECT FROM set_config('tap_ctx.plain', 'set by set_config', true);
SELECT is(orm_ext.context('tap_ctx.plain'), 'set by set_config', 'a value set by set_config is read back');
SET LOCAL tap_ctx.by_set = 'set by SET LOCAL';
SELECT is(orm_ext.context('tap_ctx.by_set'), 'set by SET LOCAL', 'a value set by SET LOCAL is read back');
SET tap_ctx.session = 'set by SET';
SELECT is(orm_ext.context('tap_ctx.session'), 'set by SET', 'a value set by a plain SET is read back');
SELECT FROM set_config('tap_ctx.empty', '', true);
SELECT is(orm_ext.context('tap_ctx.empty'), NULL,
          'the empty string (what a finished SET LOCAL leaves behind) counts as unset: NULL');
SELECT is(current_setting('tap_ctx.empty'), '', 'while current_setting() would return the empty string');

-- a SET LOCAL inside a function's SET clause ends with the call and leaves ''
CREATE FUNCTION pg_temp.set_inside() RETURNS text LANGUAGE sql
    SET tap_ctx.leftover = 'inside' AS $$ SELECT orm_ext.context('tap_ctx.leftover') $$;
SELECT is(pg_temp.set_inside(), 'inside', 'inside a function with SET tap_ctx.leftover the value is seen');
SELECT is(current_setting('tap_ctx.leftover', true), '', 'after the call the key is left defined as ''''');
SELECT is(orm_ext.context('tap_ctx.leftover'), NULL, 'and context() reports it as unset');

-- set_context() -------------------------------------------------------------------
SELECT lives_ok($$SELECT orm_ext.set_context('app.user_id', '42')$$, 'set_context inside a transaction block');
SELECT is(orm_ext.context('app.user_id'), '42', 'context() reads it back');
SELECT is(current_setting('app.user_id'), '42', 'it is the custom setting app.user_id');
SELECT lives_ok($$SELECT orm_ext.set_context('app.user_id', '43')$$, 'set again');
SELECT is(orm_ext.context('app.user_id'), '43', 'the last value wins');

SAVEPOINT before_set;
SELECT orm_ext.set_context('app.user_id', '44');
ROLLBACK TO SAVEPOINT before_set;
SELECT is(orm_ext.context('app.user_id'), '43', 'a value set in a rolled-back subtransaction is undone');

SELECT lives_ok($$SELECT orm_ext.set_context('tap_ctx.session', 'overridden')$$,
                'set_context over a key set by a plain SET');
SELECT is(orm_ext.context('tap_ctx.session'), 'overridden', 'the transaction-local value wins');

SELECT lives_ok($$SELECT orm_ext.set_context('app.user_id', NULL)$$, 'set_context with a NULL value');
SELECT is(orm_ext.context('app.user_id'), NULL, 'a NULL value clears the key');
SELECT orm_ext.set_context('app.user_id', '7');
SELECT orm_ext.set_context('app.user_id', '');
SELECT is(orm_ext.context('app.user_id'), NULL, 'an empty value reads back as NULL');

SELECT throws_ok($$SELECT orm_ext.set_context(NULL, 'v')$$, '22004', 'context key must not be null', 'NULL key: 22004');
SELECT throws_ok($$SELECT orm_ext.set_context(NULL, NULL)$$, '22004', NULL, 'NULL key and NULL value: 22004');
SELECT throws_ok($$SELECT orm_ext.set_context('nodot', 'v')$$, '22023', 'context key "nodot" is not a custom setting name',
                 'a key without a dot: 22023');
SELECT throws_ok($$SELECT orm_ext.set_context('search_path', 'tap_ctx_evil')$$, '22023', NULL,
                 'a server setting (search_path): 22023');
SELECT isnt(current_setting('search_path'), 'tap_ctx_evil', 'and search_path is untouched');
SELECT throws_ok($$SELECT orm_ext.set_context('work_mem', '64MB')$$, '22023', NULL, 'work_mem: 22023 too');
SELECT throws_ok($$SELECT orm_ext.set_context(1, 2)$$, '42883', NULL, 'integer arguments: 42883');
SELECT throws_ok($$SELECT orm_ext.set_context('app.user_id')$$, '42883', NULL, 'a missing value argument: 42883');

-- hostile keys: a custom setting name is dot-separated identifiers; anything
-- else is refused by PostgreSQL with 42602 (invalid_name)
SELECT throws_ok($$SELECT orm_ext.set_context('app.''x', 'v')$$, '42602', NULL, 'a key with a single quote: 42602');
SELECT throws_ok($$SELECT orm_ext.set_context('app."x', 'v')$$, '42602', NULL, 'a key with a double quote: 42602');
SELECT throws_ok($$SELECT orm_ext.set_context('app.x y', 'v')$$, '42602', NULL, 'a key with a space: 42602');
SELECT throws_ok($$SELECT orm_ext.set_context('.x', 'v')$$, '42602', NULL, 'a key with an empty prefix: 42602');
SELECT throws_ok($$SELECT orm_ext.clear_context('app.''x')$$, '42602', NULL, 'clear_context with such a key: 42602');
SELECT throws_ok($$SELECT orm_ext.set_context('orm_ext.no_such_setting', 'v')$$, '42602', NULL,
                 'a key under the prefix orm_ext reserves: 42602');
SELECT is(orm_ext.context('app.''x'), NULL, 'context() of a key that can never be set: NULL (unset), as current_setting(key, true)');

SELECT lives_ok($$SELECT orm_ext.set_context('app.ténant_ü', 'x')$$, 'a key with non-ASCII letters is a valid name');
SELECT is(orm_ext.context('app.ténant_ü'), 'x', 'and is read back');
SELECT orm_ext.set_context('App.MiXed_Case', 'mixed');
SELECT is(orm_ext.context('app.mixed_case'), 'mixed', 'setting names are case-insensitive, as in SET');
SELECT orm_ext.set_context('app.a.b', 'three parts');
SELECT is(orm_ext.context('app.a.b'), 'three parts', 'a three-part key');

-- hostile values: anything round-trips
SELECT orm_ext.set_context('app.hostile', E'it''s "quoted" \\ ü 日本 🎉\n; DROP TABLE x; --');
SELECT is(orm_ext.context('app.hostile'), E'it''s "quoted" \\ ü 日本 🎉\n; DROP TABLE x; --',
          'a value with quotes, backslash, newline, unicode and SQL round-trips unchanged');
SELECT orm_ext.set_context('app.long', repeat('ü', 20000));
SELECT is(orm_ext.context('app.long'), repeat('ü', 20000), 'a 40 kB value round-trips');
SELECT orm_ext.set_context('app.spaces', '  ');
SELECT is(orm_ext.context('app.spaces'), '  ', 'whitespace is a value, not unset');

-- clear_context() -----------------------------------------------------------------
SELECT orm_ext.set_context('app.user_id', '9');
SELECT lives_ok($$SELECT orm_ext.clear_context('app.user_id')$$, 'clear_context');
SELECT is(orm_ext.context('app.user_id'), NULL, 'clears the key');
SELECT lives_ok($$SELECT orm_ext.clear_context('tap_ctx.never_set_either')$$, 'clearing a key never set is fine');
SELECT throws_ok($$SELECT orm_ext.clear_context(NULL)$$, '22004', 'context key must not be null', 'NULL key: 22004');
SELECT throws_ok($$SELECT orm_ext.clear_context('nodot')$$, '22023', NULL, 'a key without a dot: 22023');
SELECT throws_ok($$SELECT orm_ext.clear_context(true)$$, '42883', NULL, 'a boolean key: 42883');

-- as an unprivileged role ---------------------------------------------------------
SET ROLE tap_ctx_user;
SELECT lives_ok($$SELECT orm_ext.set_context('app.user_id', 'as app role')$$, 'an application role may set the context');
SELECT is(orm_ext.context('app.user_id'), 'as app role', 'and read it');
RESET ROLE;
SET ROLE tap_ctx_plain;
-- orm_ext.debug_clock_offset_ms is a real setting that only superusers may set
SELECT throws_ok($$SELECT orm_ext.set_context('orm_ext.debug_clock_offset_ms', '1000')$$, '42501', NULL,
                 'a superuser-only setting cannot be set through set_context: 42501');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
