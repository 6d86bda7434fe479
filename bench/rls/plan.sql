-------------------------------------------------------------------------------
-- bench/rls/plan.sql: the plan of one page query, as the pgbench scripts run
-- it.  Run by bench/rls/run as bench_explain (a member of app_user with
-- track_functions = 'all') after bench.use_variant(), with psql -At and
--   -v tenant=N       the tenant whose page is read
--   -v where=true     the baseline's query (WHERE tenant_id = $1), else the
--                     policy variants' query (no WHERE)
--   -v planfile=F     where the EXPLAIN output goes
--   -v callsfile=F    where the calls of user functions during the EXPLAIN
--                     ANALYZE go, as name|calls lines
--
-- The query is prepared, as with pgbench -M prepared, and executed six times
-- before the EXPLAIN (ANALYZE, BUFFERS) EXECUTE, so that the plan shown is
-- the one the plan cache keeps (from the sixth execution on, a generic plan
-- when it is not costlier than the custom ones).  The calls are counted with
-- pg_stat_xact_user_functions, before and after the EXPLAIN, in the same
-- transaction.
-------------------------------------------------------------------------------

\set ON_ERROR_STOP on
\set QUIET on
BEGIN;
SELECT orm_ext.set_context('app.tenant_id', :'tenant') \g /dev/null
\if :where
PREPARE page(int) AS SELECT * FROM bench.items WHERE tenant_id = $1 ORDER BY id LIMIT 100;
\set exec 'EXECUTE page(' :tenant ')'
\else
PREPARE page AS SELECT * FROM bench.items ORDER BY id LIMIT 100;
\set exec 'EXECUTE page'
\endif
:exec \g /dev/null
:exec \g /dev/null
:exec \g /dev/null
:exec \g /dev/null
:exec \g /dev/null
:exec \g /dev/null
SELECT coalesce(json_object_agg(schemaname || '.' || funcname, calls), '{}') AS before
FROM pg_stat_xact_user_functions \gset
EXPLAIN (ANALYZE, BUFFERS) :exec \g :planfile
SELECT a.schemaname || '.' || a.funcname,
       a.calls - coalesce((:'before'::json ->> (a.schemaname || '.' || a.funcname))::bigint, 0)
FROM pg_stat_xact_user_functions a
ORDER BY 1 \g :callsfile
COMMIT;
