-------------------------------------------------------------------------------
-- Row-level security helpers (src/rls.c, src/rls.sql): roles, request
-- context, tenant isolation policies, and an audit of what is unprotected.
--
-- The context functions and the policy-expression analysis are C.  The set-up
-- functions are PL/pgSQL: they run once per migration and are DDL.  They are
-- SECURITY INVOKER, check the caller's rights themselves so that the error is
-- a clear 42501 before anything is changed, quote every name they put into
-- SQL, and pin search_path so that what they build resolves the same way
-- whatever the caller's path.
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.context(key pg_catalog.text)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_context'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.context(pg_catalog.text) IS
    'the value of a request context key (a custom setting such as app.user_id), or NULL when it is unset or empty';

CREATE FUNCTION orm_ext.set_context(key pg_catalog.text, value pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'orm_ext_set_context'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION orm_ext.set_context(pg_catalog.text, pg_catalog.text) IS
    'sets a request context key for the rest of the current transaction (NULL clears it); warns outside a transaction block';

CREATE FUNCTION orm_ext.clear_context(key pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'orm_ext_clear_context'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION orm_ext.clear_context(pg_catalog.text) IS
    'unsets a request context key for the rest of the current transaction';

-- Internal helpers of enable_tenant_isolation() and rls_audit().

CREATE FUNCTION orm_ext.rls_equality_operator(t pg_catalog.regtype)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_rls_equality_operator'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.rls_equality_operator(pg_catalog.regtype) IS
    'the equality operator of a type''s default btree class, as OPERATOR(schema.=); 42883 when it has none';

CREATE FUNCTION orm_ext.rls_expr_row_calls(expr pg_catalog.pg_node_tree, rel pg_catalog.regclass)
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'orm_ext_rls_expr_row_calls'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.rls_expr_row_calls(pg_catalog.pg_node_tree, pg_catalog.regclass) IS
    'the calls of a stored policy expression that do not depend on the row but run once per row (not immutable, not leakproof, outside a sub-select)';

CREATE FUNCTION orm_ext.rls_expr_hoisted(expr pg_catalog.pg_node_tree, rel pg_catalog.regclass)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_rls_expr_hoisted'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.rls_expr_hoisted(pg_catalog.pg_node_tree, pg_catalog.regclass) IS
    'a stored policy expression with each per-row call wrapped in a sub-select, or NULL when there is none';

CREATE FUNCTION orm_ext.rls_expr_columns(expr pg_catalog.pg_node_tree, rel pg_catalog.regclass)
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'orm_ext_rls_expr_columns'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.rls_expr_columns(pg_catalog.pg_node_tree, pg_catalog.regclass) IS
    'the columns a stored policy expression compares with row-independent values';

-- The table behind a regclass argument, checked (orm_ext.owned_table): 22004,
-- 42P01, 42809, 42501.
CREATE FUNCTION orm_ext.rls_owned_table(tbl pg_catalog.regclass, caller pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT orm_ext.owned_table(tbl, caller,
        pg_catalog.format('%s() applies row level security, which only tables have.', caller),
        pg_catalog.format('%s() alters the table''s row level security, which only its owner may do.', caller))
$$;

COMMENT ON FUNCTION orm_ext.rls_owned_table(pg_catalog.regclass, pg_catalog.text) IS
    'the quoted name of a table the caller owns; 22004, 42P01, 42809 or 42501 otherwise';

-------------------------------------------------------------------------------
-- Roles
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.setup_roles(prefix pg_catalog.text DEFAULT 'app')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    wanted record;
    existing record;
    bypasser record;
    can_bypass boolean;
BEGIN
    IF prefix IS NULL THEN
        RAISE EXCEPTION 'role prefix must not be null' USING ERRCODE = '22004';
    END IF;
    IF prefix = '' THEN
        RAISE EXCEPTION 'role prefix must not be empty' USING ERRCODE = '22023';
    END IF;
    -- the longest name is <prefix>_system; a longer one would be truncated
    IF pg_catalog.octet_length(prefix) + 7 >= 64 THEN
        RAISE EXCEPTION 'role prefix "%" is too long', prefix
            USING ERRCODE = '22023',
                  DETAIL = 'Role names are at most 63 bytes, and the longest is the prefix followed by "_system".';
    END IF;
    IF pg_catalog.starts_with(prefix || '_', 'pg_') THEN
        RAISE EXCEPTION 'role prefix "%" is reserved', prefix
            USING ERRCODE = '42939',
                  DETAIL = 'Role names starting with "pg_" are reserved for the system.';
    END IF;

    -- Check everything first, so that a missing privilege changes nothing.
    FOR wanted IN
        SELECT v.name, v.bypass
          FROM (VALUES (prefix || '_user', false), (prefix || '_system', false),
                       (prefix || '_admin', true)) AS v(name, bypass)
    LOOP
        SELECT r.rolbypassrls, r.rolsuper INTO existing
          FROM pg_catalog.pg_roles r WHERE r.rolname = wanted.name;
        IF FOUND THEN
            IF existing.rolsuper OR existing.rolbypassrls <> wanted.bypass THEN
                RAISE EXCEPTION 'role "%" exists with the wrong attributes', wanted.name
                    USING ERRCODE = '55000',
                          DETAIL = CASE WHEN wanted.bypass
                                   THEN 'It should have BYPASSRLS and no SUPERUSER.'
                                   ELSE 'It should have neither BYPASSRLS nor SUPERUSER, so that row level security applies to it.' END,
                          HINT = pg_catalog.format('ALTER ROLE %I %s NOSUPERUSER;', wanted.name,
                                   CASE WHEN wanted.bypass THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
            END IF;
            -- a role row level security applies to must not be able to
            -- become one it does not apply to (SET ROLE app_admin), nor
            -- one that can grant itself such a role (CREATEROLE), nor
            -- have CREATEROLE itself
            IF NOT wanted.bypass AND (SELECT r.rolcreaterole FROM pg_catalog.pg_roles r
                                       WHERE r.rolname = wanted.name) THEN
                RAISE EXCEPTION 'role "%" exists with the wrong attributes', wanted.name
                    USING ERRCODE = '55000',
                          DETAIL = 'It has CREATEROLE, with which it could grant itself a role that bypasses row level security.',
                          HINT = pg_catalog.format('ALTER ROLE %I NOCREATEROLE;', wanted.name);
            END IF;
            IF NOT wanted.bypass THEN
                SELECT b.rolname, b.rolcreaterole AND NOT (b.rolsuper OR b.rolbypassrls) AS creates,
                       EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                                WHERE m.roleid = b.oid
                                  AND m.member = (SELECT r.oid FROM pg_catalog.pg_roles r
                                                   WHERE r.rolname = wanted.name)) AS direct
                  INTO bypasser
                  FROM pg_catalog.pg_roles b
                 WHERE (b.rolsuper OR b.rolbypassrls OR b.rolcreaterole) AND b.rolname <> wanted.name
                   AND pg_catalog.pg_has_role(wanted.name, b.oid, 'MEMBER')
                 ORDER BY b.rolname
                 LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'role "%" is a member of role "%", which %', wanted.name, bypasser.rolname,
                                    CASE WHEN bypasser.creates THEN 'can grant roles that bypass row level security'
                                         ELSE 'bypasses row level security' END
                        USING ERRCODE = '55000',
                              DETAIL = CASE WHEN bypasser.creates
                                       THEN pg_catalog.format('A session of %I could SET ROLE %I, grant itself a role that bypasses row level security, and see every tenant''s rows.',
                                                              wanted.name, bypasser.rolname)
                                       ELSE pg_catalog.format('A session of %I could SET ROLE %I and see every tenant''s rows.',
                                                              wanted.name, bypasser.rolname) END,
                              HINT = CASE WHEN bypasser.direct
                                     THEN pg_catalog.format('REVOKE %I FROM %I;', bypasser.rolname, wanted.name)
                                     ELSE pg_catalog.format('Revoke the memberships through which %I is a member of %I.',
                                                            wanted.name, bypasser.rolname) END;
                END IF;
            END IF;
            CONTINUE;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                        WHERE r.rolname = CURRENT_USER AND (r.rolsuper OR r.rolcreaterole)) THEN
            RAISE EXCEPTION 'permission denied to create role "%"', wanted.name
                USING ERRCODE = '42501',
                      DETAIL = 'setup_roles() needs the CREATEROLE attribute.';
        END IF;
        IF wanted.bypass THEN
            -- superuser only before PostgreSQL 16; from 16 on, a CREATEROLE
            -- role may give the attribute only if it has it itself
            SELECT r.rolsuper OR (pg_catalog.current_setting('server_version_num')::integer >= 160000
                                  AND r.rolbypassrls)
              INTO can_bypass
              FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER;
            IF NOT can_bypass THEN
                RAISE EXCEPTION 'permission denied to create role "%" with BYPASSRLS', wanted.name
                    USING ERRCODE = '42501',
                          DETAIL = CASE WHEN pg_catalog.current_setting('server_version_num')::integer >= 160000
                                   THEN 'Only a superuser, or a CREATEROLE role that has BYPASSRLS itself, may create a role with BYPASSRLS.'
                                   ELSE 'Only a superuser may create a role with BYPASSRLS.' END,
                          HINT = 'Run setup_roles() as a superuser once, or create the role yourself first.';
            END IF;
        END IF;
    END LOOP;

    FOR wanted IN
        SELECT v.name, v.bypass, v.what
          FROM (VALUES (prefix || '_user', false, 'end users; row level security applies'),
                       (prefix || '_system', false, 'the application''s own jobs; row level security applies'),
                       (prefix || '_admin', true, 'cron and migrations; bypasses row level security'))
               AS v(name, bypass, what)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = wanted.name) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN NOSUPERUSER %s', wanted.name,
                                          CASE WHEN wanted.bypass THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END);
                EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', wanted.name,
                                          'orm_ext application role: ' || wanted.what);
            EXCEPTION WHEN unique_violation OR duplicate_object THEN
                -- another session created it meanwhile (a concurrent
                -- setup_roles()): accept it if it is what would have been made
                IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                                WHERE r.rolname = wanted.name AND NOT r.rolsuper
                                  AND r.rolbypassrls = wanted.bypass) THEN
                    RAISE EXCEPTION 'role "%" exists with the wrong attributes', wanted.name
                        USING ERRCODE = '55000',
                              DETAIL = 'Another session created it while setup_roles() ran.';
                END IF;
            END;
        END IF;
        -- USAGE on orm_ext is granted to PUBLIC already; grant it by name
        -- too when the caller may, so that revoking it from PUBLIC keeps the
        -- application roles working
        IF pg_catalog.has_schema_privilege(CURRENT_USER, 'orm_ext', 'USAGE WITH GRANT OPTION') THEN
            EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA orm_ext TO %I', wanted.name);
        ELSIF NOT pg_catalog.has_schema_privilege(wanted.name, 'orm_ext', 'USAGE') THEN
            RAISE EXCEPTION 'permission denied to grant USAGE on schema orm_ext to "%"', wanted.name
                USING ERRCODE = '42501',
                      HINT = 'Run setup_roles() as the owner of the extension, or have it grant USAGE on schema orm_ext.';
        END IF;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION orm_ext.setup_roles(pg_catalog.text) IS
    'creates the NOLOGIN roles <prefix>_user and <prefix>_system (row level security applies) and <prefix>_admin (BYPASSRLS); idempotent';

-------------------------------------------------------------------------------
-- Tenant isolation
-------------------------------------------------------------------------------

-- The name of orm_ext's policy; the comment on it records what
-- enable_tenant_isolation() found, so that disable_tenant_isolation() can
-- put it back.
CREATE FUNCTION orm_ext.rls_policy_name()
RETURNS pg_catalog.name
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 'orm_ext_tenant_isolation'::pg_catalog.name $$;

COMMENT ON FUNCTION orm_ext.rls_policy_name() IS
    'the name of the policy enable_tenant_isolation() creates';

CREATE FUNCTION orm_ext.enable_tenant_isolation(
    tbl pg_catalog.regclass,
    tenant_column pg_catalog.name,
    key pg_catalog.text DEFAULT 'app.user_id',
    roles pg_catalog.name[] DEFAULT ARRAY['app_user', 'app_system']::pg_catalog.name[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qname text;
    col record;
    rel record;
    missing text;
    role_list text;
    value_expr text;
    qual text;
    prior jsonb;
    old_comment text;
    base pg_catalog.oid;
    eq_op text;
    widening text;
BEGIN
    qname := orm_ext.rls_owned_table(tbl, 'enable_tenant_isolation');
    IF tenant_column IS NULL THEN
        RAISE EXCEPTION 'tenant column must not be null' USING ERRCODE = '22004';
    END IF;
    IF key IS NULL THEN
        RAISE EXCEPTION 'context key must not be null' USING ERRCODE = '22004';
    END IF;
    IF roles IS NULL OR pg_catalog.cardinality(roles) = 0
       OR pg_catalog.array_position(roles, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'roles must be a non-empty array of role names'
            USING ERRCODE = CASE WHEN roles IS NULL THEN '22004' ELSE '22023' END;
    END IF;

    -- what is read below is what is changed: a concurrent enable or disable
    -- of the same table waits here (CREATE POLICY takes this lock anyway)
    EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', qname);

    SELECT a.attnum, a.atttypid INTO col
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = tenant_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', tenant_column, qname
            USING ERRCODE = '42703';
    END IF;
    -- The context is cast to the column's type without its length, so that
    -- a long value never turns into another tenant's by being cut: a domain
    -- is cast to its base type (a domain over varchar(3) would cut), and the
    -- types that always cut are refused.
    base := col.atttypid;
    WHILE (SELECT t.typtype FROM pg_catalog.pg_type t WHERE t.oid = base) = 'd' LOOP
        SELECT t.typbasetype INTO base FROM pg_catalog.pg_type t WHERE t.oid = base;
    END LOOP;
    IF base IN ('pg_catalog.name'::pg_catalog.regtype, 'pg_catalog."char"'::pg_catalog.regtype) THEN
        RAISE EXCEPTION 'tenant column "%" of % has type %, which cuts longer values',
                        tenant_column, qname, pg_catalog.format_type(col.atttypid, NULL)
            USING ERRCODE = '0A000',
                  DETAIL = 'A context value cast to it would be cut to its length, and could name another tenant.',
                  HINT = 'Use text, varchar or an integer type for the tenant column.';
    END IF;
    -- the equality operator; this also loads orm_ext's library, whose
    -- settings (the reserved "orm_ext." prefix) the key check below relies on
    eq_op := orm_ext.rls_equality_operator(base);

    -- The key must be a name set_context() can set.  Try it, and undo it.
    IF pg_catalog.strpos(key, '.') = 0 THEN
        RAISE EXCEPTION 'context key "%" is not a custom setting name', key
            USING ERRCODE = '22023',
                  DETAIL = 'Context keys have the form "prefix.name", such as "app.user_id".';
    END IF;
    BEGIN
        PERFORM pg_catalog.set_config(key, '', true);
        RAISE EXCEPTION USING ERRCODE = 'OXK00';
    EXCEPTION
        WHEN SQLSTATE 'OXK00' THEN
            NULL;
        WHEN OTHERS THEN
            RAISE EXCEPTION 'invalid context key "%"', key
                USING ERRCODE = CASE WHEN SQLSTATE = '42501' THEN '42501' ELSE '22023' END,
                      DETAIL = SQLERRM;
    END;

    SELECT pg_catalog.string_agg(r, ', ') INTO missing
      FROM pg_catalog.unnest(roles) AS r
     WHERE r <> 'public' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.rolname = r);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'role % does not exist', missing
            USING ERRCODE = '42704',
                  HINT = CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.unnest(roles) AS r
                                            WHERE r <> 'public' AND pg_catalog.lower(r) = 'public')
                              THEN 'Role names are case-sensitive here: write public, in lower case, for every role.'
                              ELSE 'orm_ext.setup_roles() creates app_user, app_system and app_admin; or pass roles => ARRAY[...].' END;
    END IF;
    SELECT pg_catalog.string_agg(CASE WHEN r = 'public' THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r) END, ', ')
      INTO role_list FROM (SELECT DISTINCT r FROM pg_catalog.unnest(roles) AS r) d;

    -- tenant_column = (SELECT orm_ext.context(key)::type): the sub-select,
    -- cast included, is an InitPlan run once per statement, and the
    -- comparison can be an index condition.  The type is written with no
    -- modifier at all (format_type with -1: "bpchar" and "bit", not
    -- "character" and "bit", which mean char(1) and bit(1)), so that a long
    -- value is never truncated into another tenant's (varchar(n) and char(n)
    -- casts silently cut).
    value_expr := pg_catalog.format('(SELECT orm_ext.context(%L)::%s)',
                                    key, pg_catalog.format_type(base, -1));
    qual := pg_catalog.format('(%I %s %s)', tenant_column, eq_op, value_expr);

    SELECT c.relrowsecurity, c.relforcerowsecurity INTO rel
      FROM pg_catalog.pg_class c WHERE c.oid = tbl;
    -- keep what the table had before the first enable, not what we set
    SELECT pg_catalog.obj_description(p.oid, 'pg_policy') INTO old_comment
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polname = orm_ext.rls_policy_name();
    BEGIN
        prior := old_comment::jsonb;
    EXCEPTION WHEN OTHERS THEN
        prior := NULL;
    END;
    IF prior IS NULL OR NOT prior ? 'rls_enabled_before' THEN
        prior := pg_catalog.jsonb_build_object('rls_enabled_before', rel.relrowsecurity,
                                               'rls_forced_before', rel.relforcerowsecurity);
    END IF;
    prior := pg_catalog.jsonb_build_object('orm_ext', 'tenant_isolation',
                                           'column', tenant_column, 'key', key)
             || (prior - 'orm_ext' - 'column' - 'key');

    IF old_comment IS NOT NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
                                           WHERE p.polrelid = tbl AND p.polname = orm_ext.rls_policy_name()) THEN
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', orm_ext.rls_policy_name(), qname);
    END IF;
    EXECUTE pg_catalog.format('CREATE POLICY %I ON %s AS PERMISSIVE FOR ALL TO %s USING %s WITH CHECK %s',
                              orm_ext.rls_policy_name(), qname, role_list, qual, qual);
    EXECUTE pg_catalog.format('COMMENT ON POLICY %I ON %s IS %L',
                              orm_ext.rls_policy_name(), qname, prior::text);
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', qname);

    -- Permissive policies are OR'ed: any other one lets the roles it applies
    -- to see (and, by its WITH CHECK, write) whatever rows it allows, across
    -- tenants.
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname) INTO widening
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polpermissive AND p.polname <> orm_ext.rls_policy_name();
    IF widening IS NOT NULL THEN
        RAISE WARNING 'table % has other permissive policies: %', qname, widening
            USING DETAIL = 'Permissive policies are OR''ed with the tenant isolation policy: a row one of them allows is open to the roles it applies to, whatever their tenant.',
                  HINT = 'Drop them, or create them again AS RESTRICTIVE to add conditions every row must meet.';
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                    WHERE i.indrelid = tbl AND i.indkey[0] = col.attnum
                      AND i.indisvalid AND i.indpred IS NULL) THEN
        RAISE WARNING 'no index on % leads with its tenant column "%"', qname, tenant_column
            USING DETAIL = 'Every query through the policy will scan the whole table.',
                  HINT = pg_catalog.format('CREATE INDEX ON %s (%I);', qname, tenant_column);
    END IF;
END;
$$;

COMMENT ON FUNCTION orm_ext.enable_tenant_isolation(pg_catalog.regclass, pg_catalog.name, pg_catalog.text, pg_catalog.name[]) IS
    'enables and forces row level security on a table, with one policy that shows and accepts only the rows whose tenant column equals the request context key';

CREATE FUNCTION orm_ext.disable_tenant_isolation(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qname text;
    pol record;
    prior jsonb;
    others integer;
BEGIN
    qname := orm_ext.rls_owned_table(tbl, 'disable_tenant_isolation');
    EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', qname);
    SELECT p.oid, pg_catalog.obj_description(p.oid, 'pg_policy') AS comment INTO pol
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid = tbl AND p.polname = orm_ext.rls_policy_name();
    IF NOT FOUND THEN
        RAISE NOTICE 'table % has no tenant isolation policy, skipping', qname;
        RETURN;
    END IF;
    BEGIN
        prior := pol.comment::jsonb;
    EXCEPTION WHEN OTHERS THEN
        prior := NULL;
    END;

    EXECUTE pg_catalog.format('DROP POLICY %I ON %s', orm_ext.rls_policy_name(), qname);

    -- put back what the table had before enable_tenant_isolation(); only a
    -- JSON true counts as "it was on" (a comment edited by hand into
    -- anything else counts as off).  FORCE goes back in any case: the other
    -- policies still apply to every other role.
    IF prior IS NULL OR jsonb_typeof(prior) <> 'object'
       OR (prior -> 'rls_forced_before') IS DISTINCT FROM 'true'::jsonb THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', qname);
    END IF;
    SELECT pg_catalog.count(*) INTO others FROM pg_catalog.pg_policy p WHERE p.polrelid = tbl;
    IF others > 0 THEN
        RAISE NOTICE 'row level security stays enabled on %, which has other policies (%)', qname, others
            USING HINT = pg_catalog.format('Drop them and run ALTER TABLE %s DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY to open the table.', qname);
        RETURN;
    END IF;
    IF prior IS NULL OR jsonb_typeof(prior) <> 'object'
       OR (prior -> 'rls_enabled_before') IS DISTINCT FROM 'true'::jsonb THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', qname);
    END IF;
END;
$$;

COMMENT ON FUNCTION orm_ext.disable_tenant_isolation(pg_catalog.regclass) IS
    'drops the policy of enable_tenant_isolation() and, when no other policy remains, restores the row level security the table had before';

-------------------------------------------------------------------------------
-- Audit
-------------------------------------------------------------------------------

-- A column that probably holds the tenant: one that orm_ext's policies use on
-- other tables, else a conventional name.  NULL when there is none.  A name
-- used elsewhere does not count when it is "id" or unique in this table: a
-- tenant column holds the same value in many rows, and a table protected by
-- its own key (users by id) says nothing about the others.
CREATE FUNCTION orm_ext.rls_guess_tenant_column(tbl pg_catalog.regclass)
RETURNS pg_catalog.name
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.attname
      FROM pg_catalog.pg_attribute a
      -- read from the policies themselves, not from their comments, which
      -- anyone who owns the table may edit
      LEFT JOIN (SELECT DISTINCT c AS name
                   FROM pg_catalog.pg_policy p,
                        pg_catalog.unnest(orm_ext.rls_expr_columns(p.polqual, p.polrelid)) AS c
                  WHERE p.polname = orm_ext.rls_policy_name()
                    AND p.polqual IS NOT NULL) used
             ON used.name = a.attname
      LEFT JOIN (SELECT n, o FROM pg_catalog.unnest(ARRAY['tenant_id', 'org_id', 'organization_id',
                        'workspace_id', 'account_id', 'user_id', 'owner_id', 'author_id'])
                        WITH ORDINALITY AS c(n, o)) conv
             ON conv.n = a.attname
     WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
       AND (conv.n IS NOT NULL
            OR (used.name IS NOT NULL AND a.attname OPERATOR(pg_catalog.<>) 'id'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                 WHERE i.indrelid = tbl AND i.indisunique AND i.indnatts = 1
                                   AND i.indkey[0] = a.attnum AND i.indpred IS NULL)))
     ORDER BY used.name IS NULL, conv.o, a.attnum
     LIMIT 1
$$;

COMMENT ON FUNCTION orm_ext.rls_guess_tenant_column(pg_catalog.regclass) IS
    'the column rls_audit() proposes as a table''s tenant column, or NULL';

-- Whether rls_audit() looks at a schema: one of the given ones, or with NULL
-- any schema but the system ones (pg_catalog, information_schema, TOAST and
-- temporary schemas).
CREATE FUNCTION orm_ext.rls_in_scope(nspname pg_catalog.name, schemas pg_catalog.name[])
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN schemas IS NULL
                THEN nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema']::pg_catalog.name[])
                     AND NOT pg_catalog.starts_with(nspname::pg_catalog.text, 'pg_toast')
                     AND NOT pg_catalog.starts_with(nspname::pg_catalog.text, 'pg_temp_')
                ELSE nspname OPERATOR(pg_catalog.=) ANY (schemas) END
$$;

COMMENT ON FUNCTION orm_ext.rls_in_scope(pg_catalog.name, pg_catalog.name[]) IS
    'whether rls_audit() looks at a schema: one of schemas, or any non-system schema when schemas is NULL';

CREATE FUNCTION orm_ext.rls_audit(schemas pg_catalog.name[] DEFAULT NULL)
RETURNS TABLE(severity pg_catalog.text, object pg_catalog.text, problem pg_catalog.text, fix pg_catalog.text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    missing text;
BEGIN
    IF schemas IS NOT NULL THEN
        IF pg_catalog.array_position(schemas, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'schemas must not contain NULL' USING ERRCODE = '22004';
        END IF;
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(s), ', ') INTO missing
          FROM pg_catalog.unnest(schemas) AS s
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = s);
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'schema % does not exist', missing USING ERRCODE = '3F000';
        END IF;
    END IF;

    RETURN QUERY
    WITH
    -- the relations in scope: not system, not part of an extension
    rels AS (
        SELECT c.oid, c.relkind, c.relowner, c.relrowsecurity AS rls,
               c.relforcerowsecurity AS forced, c.relacl, c.reloptions,
               pg_catalog.format('%I.%I', n.nspname, c.relname) AS qname
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v')
           AND orm_ext.rls_in_scope(n.nspname, schemas)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
    ),
    -- privileges granted to roles that row level security would apply to
    grants AS (
        SELECT r.oid, a.grantee, a.privilege_type,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END AS who
          FROM rels r, LATERAL pg_catalog.aclexplode(r.relacl) a
         WHERE r.relkind IN ('r', 'p')
           AND a.grantee <> r.relowner
           AND (a.grantee = 0 OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles ro
                                              WHERE ro.oid = a.grantee AND (ro.rolsuper OR ro.rolbypassrls)))
    ),
    policies AS (
        SELECT p.polname, p.polqual, p.polwithcheck, r.oid AS relid, r.qname
          FROM pg_catalog.pg_policy p JOIN rels r ON r.oid = p.polrelid
    ),
    findings AS (
        -- 1. a table others may use, without row level security
        SELECT CASE WHEN pg_catalog.bool_or(g.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'))
                    THEN 'error' ELSE 'warning' END AS severity,
               'table ' || r.qname AS object,
               pg_catalog.format('row level security is not enabled, and %s may %s it: every tenant''s rows are open to them',
                                 pg_catalog.string_agg(DISTINCT g.who, ', '),
                                 pg_catalog.string_agg(DISTINCT g.privilege_type, ', ')) AS problem,
               CASE WHEN orm_ext.rls_guess_tenant_column(r.oid) IS NOT NULL
                    THEN pg_catalog.format('SELECT orm_ext.enable_tenant_isolation(%L, %L);',
                                           r.qname, orm_ext.rls_guess_tenant_column(r.oid))
                    ELSE pg_catalog.format('REVOKE ALL ON %s FROM %s;', r.qname,
                                           pg_catalog.string_agg(DISTINCT g.who, ', ')) END AS fix
          FROM rels r JOIN grants g ON g.oid = r.oid
         WHERE NOT r.rls
         GROUP BY r.oid, r.qname
        UNION ALL
        -- 2. enabled but not forced: the owner bypasses it
        SELECT 'warning', 'table ' || r.qname,
               pg_catalog.format('row level security is enabled but not forced: the owner %I bypasses every policy',
                                 pg_catalog.pg_get_userbyid(r.relowner)),
               pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY;', r.qname)
          FROM rels r
         WHERE r.relkind IN ('r', 'p') AND r.rls AND NOT r.forced
        UNION ALL
        -- 3. enabled with no policy: nobody it applies to sees a row
        SELECT 'warning', 'table ' || r.qname,
               'row level security is enabled but the table has no policy: every role it applies to sees no rows and can write none',
               CASE WHEN orm_ext.rls_guess_tenant_column(r.oid) IS NOT NULL
                    THEN pg_catalog.format('SELECT orm_ext.enable_tenant_isolation(%L, %L);',
                                           r.qname, orm_ext.rls_guess_tenant_column(r.oid))
                    ELSE pg_catalog.format('CREATE POLICY tenant_isolation ON %s FOR ALL TO app_user USING (tenant_id = (SELECT orm_ext.context(%L)::integer));',
                                           r.qname, 'app.user_id') END
          FROM rels r
         WHERE r.relkind IN ('r', 'p') AND r.rls
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = r.oid)
        UNION ALL
        -- 4. a policy that calls a function per row that could run once
        SELECT 'warning', pg_catalog.format('policy %I on %s', p.polname, p.qname),
               pg_catalog.format('the policy calls %s outside a sub-select, where it runs once for every row unless the comparison is an index condition; in a sub-select it runs once per statement',
                                 (SELECT pg_catalog.string_agg(c.call, ', ' ORDER BY c.first)
                                    FROM (SELECT u.call, pg_catalog.min(u.n) AS first
                                            FROM pg_catalog.unnest(
                                                     COALESCE(orm_ext.rls_expr_row_calls(p.polqual, p.relid), '{}')
                                                     || COALESCE(orm_ext.rls_expr_row_calls(p.polwithcheck, p.relid), '{}'))
                                                 WITH ORDINALITY AS u(call, n)
                                           GROUP BY u.call) c)),
               pg_catalog.format('ALTER POLICY %I ON %s%s%s;', p.polname, p.qname,
                                 ' USING (' || orm_ext.rls_expr_hoisted(p.polqual, p.relid) || ')',
                                 ' WITH CHECK (' || orm_ext.rls_expr_hoisted(p.polwithcheck, p.relid) || ')')
          FROM policies p
         WHERE pg_catalog.cardinality(COALESCE(orm_ext.rls_expr_row_calls(p.polqual, p.relid), '{}')) > 0
            OR pg_catalog.cardinality(COALESCE(orm_ext.rls_expr_row_calls(p.polwithcheck, p.relid), '{}')) > 0
        UNION ALL
        -- 5. a policy column no index leads with
        SELECT 'warning', 'table ' || pc.qname,
               pg_catalog.format('policy %s filters on column %I, but no index leads with it: every query through the policy scans the whole table',
                                 pg_catalog.string_agg(DISTINCT pg_catalog.quote_ident(pc.polname), ', '), pc.col),
               pg_catalog.format('CREATE INDEX ON %s (%I);', pc.qname, pc.col)
          FROM (SELECT p.polname, p.relid, p.qname, c AS col
                  FROM policies p, pg_catalog.unnest(orm_ext.rls_expr_columns(p.polqual, p.relid)) AS c
                 WHERE p.polqual IS NOT NULL) pc
          JOIN pg_catalog.pg_attribute a ON a.attrelid = pc.relid AND a.attname = pc.col
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                            WHERE i.indrelid = pc.relid AND i.indkey[0] = a.attnum
                              AND i.indisvalid AND i.indpred IS NULL)
         GROUP BY pc.qname, pc.col
        UNION ALL
        -- 6. roles that can log in and bypass row level security
        SELECT CASE WHEN ro.oid = 10 THEN 'info' ELSE 'warning' END,
               'role ' || pg_catalog.quote_ident(ro.rolname),
               CASE WHEN ro.oid = 10
                    THEN 'the bootstrap superuser can log in and bypasses row level security; applications must not connect as it'
                    ELSE pg_catalog.format('role can log in and bypasses row level security (%s)',
                                           CASE WHEN ro.rolsuper THEN 'SUPERUSER' ELSE 'BYPASSRLS' END) END,
               CASE WHEN ro.oid = 10
                    THEN 'CREATE ROLE app_login LOGIN IN ROLE app_user;  -- connect applications as this role'
                    WHEN ro.rolsuper
                    THEN pg_catalog.format('ALTER ROLE %I NOSUPERUSER;', ro.rolname)
                    ELSE pg_catalog.format('ALTER ROLE %I NOBYPASSRLS;  -- jobs that need it: SET ROLE app_admin', ro.rolname) END
          FROM pg_catalog.pg_roles ro
         WHERE ro.rolcanlogin AND (ro.rolsuper OR ro.rolbypassrls)
        UNION ALL
        -- 7. a view over a table with row level security that runs as its owner
        SELECT CASE WHEN pg_catalog.bool_or(o.rolsuper OR o.rolbypassrls OR (t.relowner = v.relowner AND NOT t.relforcerowsecurity))
                    THEN 'error' ELSE 'warning' END,
               'view ' || v.qname,
               pg_catalog.format('the view reads %s, which %s row level security, with the privileges of its owner %I%s',
                                 pg_catalog.string_agg(DISTINCT pg_catalog.format('%I.%I', tn.nspname, t.relname), ', '),
                                 CASE WHEN pg_catalog.count(DISTINCT t.oid) > 1 THEN 'have' ELSE 'has' END,
                                 pg_catalog.pg_get_userbyid(v.relowner),
                                 CASE WHEN pg_catalog.bool_or(o.rolsuper OR o.rolbypassrls OR (t.relowner = v.relowner AND NOT t.relforcerowsecurity))
                                      THEN ', who bypasses it: the view shows every tenant''s rows'
                                      ELSE ', not of the caller' END),
               pg_catalog.format('ALTER VIEW %s SET (security_invoker = true);', v.qname)
          FROM rels v
          JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = v.oid
          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                     AND d.objid = rw.oid
                                     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                     AND d.refobjid <> v.oid
          JOIN pg_catalog.pg_class t ON t.oid = d.refobjid AND t.relrowsecurity
          JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_catalog.pg_roles o ON o.oid = v.relowner
         WHERE v.relkind = 'v'
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_options_to_table(v.reloptions) opt
                            WHERE opt.option_name = 'security_invoker'
                              AND opt.option_value::boolean)
         GROUP BY v.oid, v.qname, v.relowner
        UNION ALL
        -- 8. SECURITY DEFINER without a pinned search_path
        SELECT 'warning', 'function ' || p.oid::pg_catalog.regprocedure::text,
               'SECURITY DEFINER function without a pinned search_path: a caller''s search_path can make it run the caller''s objects with its owner''s rights',
               pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp;',
                                 p.oid::pg_catalog.regprocedure)
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.prosecdef
           AND orm_ext.rls_in_scope(n.nspname, schemas)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) AS c WHERE pg_catalog.starts_with(c, 'search_path='))
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                              AND d.objid = p.oid AND d.deptype = 'e')
        UNION ALL
        -- 9. writes granted to PUBLIC
        SELECT 'error', 'table ' || r.qname,
               pg_catalog.format('PUBLIC may %s the table%s',
                                 pg_catalog.string_agg(g.privilege_type, ', ' ORDER BY g.privilege_type),
                                 CASE WHEN pg_catalog.bool_or(g.privilege_type = 'TRUNCATE')
                                      THEN ' (TRUNCATE ignores row level security)' ELSE '' END),
               pg_catalog.format('REVOKE %s ON %s FROM PUBLIC;',
                                 pg_catalog.string_agg(g.privilege_type, ', ' ORDER BY g.privilege_type), r.qname)
          FROM rels r JOIN grants g ON g.oid = r.oid
         WHERE g.grantee = 0 AND g.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
         GROUP BY r.oid, r.qname
        UNION ALL
        -- 10. a permissive policy beside the tenant isolation policy, which
        -- it widens (permissive policies are OR'ed)
        SELECT 'warning', pg_catalog.format('policy %I on %s', p.polname, p.qname),
               pg_catalog.format('the policy is permissive, so it is OR''ed with %I: a row it allows is open to %s, whatever their tenant',
                                 orm_ext.rls_policy_name(),
                                 CASE WHEN 0 OPERATOR(pg_catalog.=) ANY (x.polroles) THEN 'every role'
                                      ELSE (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(ro)), ', ' ORDER BY pg_catalog.pg_get_userbyid(ro))
                                              FROM pg_catalog.unnest(x.polroles) AS ro) END),
               pg_catalog.format('DROP POLICY %I ON %s;  -- or create it again AS RESTRICTIVE', p.polname, p.qname)
          FROM policies p
          JOIN pg_catalog.pg_policy x ON x.polrelid = p.relid AND x.polname = p.polname
         WHERE x.polpermissive AND p.polname <> orm_ext.rls_policy_name()
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy t
                        WHERE t.polrelid = p.relid AND t.polname = orm_ext.rls_policy_name())
    )
    SELECT f.severity, f.object, f.problem, f.fix
      FROM findings f
     ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
              f.object, f.problem;
END;
$$;

COMMENT ON FUNCTION orm_ext.rls_audit(pg_catalog.name[]) IS
    'row level security findings (error, warning, info) in the given schemas, or in every non-system schema, each with the SQL that fixes it';
