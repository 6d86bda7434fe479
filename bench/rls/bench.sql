-------------------------------------------------------------------------------
-- bench/rls/bench.sql: objects for the row level security benchmark (run by
-- bench/rls/run as the superuser postgres, in a throwaway cluster that
-- already has CREATE EXTENSION orm_ext; psql variables rows and tenants).
--
-- One table, filled once, that every variant reads:
--
--   CREATE TABLE bench.items (
--       id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--       tenant_id  int NOT NULL,
--       created_at timestamptz NOT NULL,
--       title      text NOT NULL,
--       body       text NOT NULL          -- 100 bytes
--   );
--   CREATE INDEX items_tenant_id_id_idx ON bench.items (tenant_id, id);
--
-- with :rows rows, :rows / :tenants per tenant.  The rows are inserted in
-- random order (setseed(0.42), so every run has the same data), and id
-- follows the insertion order: id order is heap order, and a tenant's rows
-- are spread over the whole heap, not clustered.
--
-- The variants differ only in the table's row level security, which
-- bench.use_variant() switches between the pgbench runs (the indexes stay
-- the same):
--
--   orm_ext          orm_ext.enable_tenant_isolation('bench.items',
--                    'tenant_id', 'app.tenant_id'): the policy
--                    tenant_id = (SELECT orm_ext.context('app.tenant_id')::integer)
--   baseline         no row level security; the query has
--                    WHERE tenant_id = $1
--   baseline_noctx   the same, and the transaction does not set the context
--   naive_sql        a hand-written policy USING (tenant_id =
--                    bench.app_current_tenant()), a LANGUAGE sql STABLE
--                    function returning current_setting('app.tenant_id')::int
--   naive_plpgsql    the same function written in LANGUAGE plpgsql STABLE,
--                    which the planner cannot inline
--   naive_volatile   the same PL/pgSQL function without a volatility
--                    clause, so VOLATILE (the default)
--
-- The hand-written policies are FOR ALL TO app_user, app_system like
-- orm_ext's, and the table is then ENABLEd and FORCEd as orm_ext does.
--
-- The queries run as bench_app, a LOGIN role that is a member of app_user
-- (not the owner, not superuser, not BYPASSRLS); the plans are taken as
-- bench_explain, the same but with track_functions = 'all', so that
-- pg_stat_xact_user_functions counts the calls of the policy's function.
-------------------------------------------------------------------------------

CREATE SCHEMA bench;

CREATE TABLE bench.result (
    variant    text   NOT NULL,
    clients    int    NOT NULL,
    run        int    NOT NULL,   -- 0 is the warm-up
    seconds    int    NOT NULL,
    tps        float8 NOT NULL,   -- pgbench, without initial connection time
    latency_ms float8 NOT NULL,   -- pgbench's latency average (a transaction)
    page_ms    float8 NOT NULL,   -- pgbench -r: the page query's statement
    processed  bigint NOT NULL,   -- transactions pgbench counted
    failed     bigint NOT NULL,
    server_ms  float8 NOT NULL,   -- CPU time of the cluster's backends
    client_ms  float8 NOT NULL,   -- CPU time of pgbench
    other_cpu  float8 NOT NULL,   -- % of the machine's CPU time that other
                                  -- processes used during the run
    steal      float8 NOT NULL    -- % of it the hypervisor stole
);

-- The plan of one page query per variant and what the audit says about it.
CREATE TABLE bench.plan (
    variant    text   NOT NULL,
    line       int    NOT NULL,
    text       text   NOT NULL
);
CREATE TABLE bench.plan_calls (
    variant    text   NOT NULL,
    func       text   NOT NULL,   -- schema.name of a policy function
    calls      bigint NOT NULL    -- calls during one EXPLAIN ANALYZE
);
CREATE TABLE bench.audit (
    variant    text   NOT NULL,
    severity   text   NOT NULL,
    object     text   NOT NULL,
    problem    text   NOT NULL
);

-- ---- data ---------------------------------------------------------------

CREATE TABLE bench.items (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  int NOT NULL,
    created_at timestamptz NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL
);

SELECT setseed(0.42);
-- The sort is in the sub-select, so that the identity (evaluated by the
-- INSERT, after it) numbers the rows in the order they are written.
INSERT INTO bench.items (tenant_id, created_at, title, body)
SELECT s.tenant_id,
       timestamptz '2026-01-01 00:00:00+00' + s.g * interval '7 seconds',
       'item ' || s.g,
       substr(repeat(md5(s.g::text), 4), 1, 100)
FROM (SELECT g % :tenants + 1 AS tenant_id, g
      FROM generate_series(0, :rows - 1) AS g
      ORDER BY random()) AS s;

CREATE INDEX items_tenant_id_id_idx ON bench.items (tenant_id, id);
VACUUM (ANALYZE) bench.items;

-- What each tenant's page must be (computed here, as superuser, without
-- row level security): the ids, in order, of its first 100 rows by id, and
-- its row count.
CREATE TABLE bench.expected (
    tenant_id int PRIMARY KEY,
    ids       bigint[] NOT NULL,
    nrows     bigint NOT NULL
);
INSERT INTO bench.expected
SELECT tenant_id,
       (array_agg(id ORDER BY id))[1:100],
       count(*)
FROM bench.items
GROUP BY tenant_id;

-- ---- roles --------------------------------------------------------------

SELECT orm_ext.setup_roles();
CREATE ROLE bench_app LOGIN IN ROLE app_user;
CREATE ROLE bench_explain LOGIN IN ROLE app_user;
ALTER ROLE bench_explain SET track_functions = 'all';
GRANT USAGE ON SCHEMA bench TO app_user, app_system;
GRANT SELECT ON bench.items, bench.expected TO app_user, app_system;

-- ---- the naive policies' functions --------------------------------------

-- The seeds' style: inlined by the planner into the policy.
CREATE FUNCTION bench.app_current_tenant()
RETURNS int
LANGUAGE sql STABLE
AS $$ SELECT current_setting('app.tenant_id')::int $$;

-- The same in PL/pgSQL: never inlined.
CREATE FUNCTION bench.app_current_tenant_plpgsql()
RETURNS int
LANGUAGE plpgsql STABLE
AS $$ BEGIN RETURN current_setting('app.tenant_id')::int; END $$;

-- The same without a volatility clause: VOLATILE.
CREATE FUNCTION bench.app_current_tenant_volatile()
RETURNS int
LANGUAGE plpgsql
AS $$ BEGIN RETURN current_setting('app.tenant_id')::int; END $$;

-- ---- switching the variant ------------------------------------------------

-- Puts bench.items into the row level security state of a variant, from
-- whatever state it was in.  Run as the owner (postgres), between runs.
CREATE FUNCTION bench.use_variant(variant text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    func text;
BEGIN
    DROP POLICY IF EXISTS naive_tenant ON bench.items;
    IF EXISTS (SELECT 1 FROM pg_policy p
                WHERE p.polrelid = 'bench.items'::regclass
                  AND p.polname = orm_ext.rls_policy_name()) THEN
        PERFORM orm_ext.disable_tenant_isolation('bench.items');
    END IF;
    ALTER TABLE bench.items NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

    func := CASE variant
        WHEN 'naive_sql' THEN 'bench.app_current_tenant'
        WHEN 'naive_plpgsql' THEN 'bench.app_current_tenant_plpgsql'
        WHEN 'naive_volatile' THEN 'bench.app_current_tenant_volatile'
    END;
    CASE
        WHEN variant = 'orm_ext' THEN
            PERFORM orm_ext.enable_tenant_isolation('bench.items', 'tenant_id', 'app.tenant_id');
        WHEN variant IN ('baseline', 'baseline_noctx') THEN
            NULL;
        WHEN func IS NOT NULL THEN
            EXECUTE format('CREATE POLICY naive_tenant ON bench.items FOR ALL TO app_user, app_system
                            USING (tenant_id = %s())', func);
            ALTER TABLE bench.items ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        ELSE
            RAISE EXCEPTION 'unknown variant "%"', variant;
    END CASE;
END
$$;

-- ---- checks -------------------------------------------------------------

-- Run as bench_app after bench.use_variant(variant): that the role is one
-- row level security applies to, that it applies to bench.items exactly for
-- the policy variants, and that the page query of the variant returns the
-- expected rows for the tenants given, with the context set as the pgbench
-- scripts set it.  count_tenants of them (the first ones) also have their
-- visible rows counted (SELECT count(*) without WHERE, through the policy),
-- which must be their row count; for orm_ext, a cleared context must show
-- no row.  Raises an exception on the first problem; returns the number of
-- pages checked.
CREATE FUNCTION bench.check_variant(variant text, tenants int[], count_tenants int DEFAULT 0)
RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    is_rls bool := variant NOT IN ('baseline', 'baseline_noctx');
    t int;
    i int := 0;
    got bigint[];
    want bigint[];
    n bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles r
                WHERE r.rolname = current_user AND (r.rolsuper OR r.rolbypassrls))
       OR pg_has_role(current_user, (SELECT relowner FROM pg_class
                                      WHERE oid = 'bench.items'::regclass), 'MEMBER')
       OR NOT pg_has_role(current_user, 'app_user', 'MEMBER') THEN
        RAISE EXCEPTION 'check_variant must run as a member of app_user that is neither superuser, BYPASSRLS nor the owner (it runs as %)', current_user;
    END IF;
    IF row_security_active('bench.items') IS DISTINCT FROM is_rls THEN
        RAISE EXCEPTION '%: row_security_active(bench.items) is %', variant,
            row_security_active('bench.items');
    END IF;
    FOREACH t IN ARRAY tenants LOOP
        i := i + 1;
        PERFORM orm_ext.set_context('app.tenant_id', t::text);
        IF is_rls THEN
            SELECT array_agg(p.id ORDER BY p.id) INTO got
            FROM (SELECT * FROM bench.items ORDER BY id LIMIT 100) AS p;
        ELSE
            SELECT array_agg(p.id ORDER BY p.id) INTO got
            FROM (SELECT * FROM bench.items WHERE tenant_id = t ORDER BY id LIMIT 100) AS p;
        END IF;
        SELECT e.ids INTO want FROM bench.expected e WHERE e.tenant_id = t;
        IF got IS DISTINCT FROM want THEN
            RAISE EXCEPTION '%: tenant %: the page has % rows (ids % ...), expected % (ids % ...)',
                variant, t, cardinality(got), got[1:3], cardinality(want), want[1:3];
        END IF;
        IF is_rls AND i <= count_tenants THEN
            SELECT count(*) INTO n FROM bench.items;
            IF n <> (SELECT e.nrows FROM bench.expected e WHERE e.tenant_id = t) THEN
                RAISE EXCEPTION '%: tenant % sees % rows through the policy, expected %',
                    variant, t, n, (SELECT e.nrows FROM bench.expected e WHERE e.tenant_id = t);
            END IF;
        END IF;
    END LOOP;
    IF variant = 'orm_ext' THEN
        PERFORM orm_ext.clear_context('app.tenant_id');
        SELECT count(*) INTO n FROM bench.items;
        IF n <> 0 THEN
            RAISE EXCEPTION 'orm_ext: % rows visible without a context', n;
        END IF;
    END IF;
    RETURN i;
END
$$;
