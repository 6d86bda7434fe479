-------------------------------------------------------------------------------
-- bench/rls/report.sql: prints the results gathered by bench/rls/run as
-- Markdown.  Run with psql -At -v rows=N -v tenants=N -v tenant=N (the
-- tenant of the plans).
-------------------------------------------------------------------------------

\set QUIET on

CREATE FUNCTION pg_temp.label(variant text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE variant
        WHEN 'orm_ext' THEN 'orm_ext: `enable_tenant_isolation`, policy `tenant_id = (SELECT orm_ext.context(''app.tenant_id'')::integer)`'
        WHEN 'baseline' THEN 'baseline: no RLS, `WHERE tenant_id = $1`, with the `set_context` statement'
        WHEN 'baseline_noctx' THEN 'baseline end to end: no RLS, `WHERE tenant_id = $1`, no `set_context` statement (one round trip fewer)'
        WHEN 'naive_sql' THEN 'naive: policy `tenant_id = app_current_tenant()`, function `LANGUAGE sql STABLE` (inlined)'
        WHEN 'naive_plpgsql' THEN 'naive: the same function as `LANGUAGE plpgsql STABLE` (not inlinable)'
        WHEN 'naive_volatile' THEN 'naive: the same PL/pgSQL function without a volatility clause (VOLATILE)'
    END
$$;

CREATE FUNCTION pg_temp.ord(variant text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_position(ARRAY['orm_ext', 'baseline', 'baseline_noctx', 'naive_sql',
                                'naive_plpgsql', 'naive_volatile'], variant)
$$;

CREATE FUNCTION pg_temp.n(x float8, fmt text DEFAULT 'FM999,999,990') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(to_char(x, fmt), '–')
$$;

-- server_us, client_us: CPU time per transaction of the backends and of
-- pgbench, in microseconds
CREATE TEMP VIEW stats AS
SELECT variant, clients,
       max(tps) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS median,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY page_ms) AS page_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY server_ms * 1000 / processed) AS server_us,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY client_ms * 1000 / processed) AS client_us,
       string_agg(format('%s (%s%%)', to_char(tps, 'FM9999990'), to_char(other_cpu, 'FM990')),
                  ' ' ORDER BY run) AS runs,
       count(*) AS nruns,
       sum(failed) AS failed,
       min(seconds) AS seconds
FROM bench.result
WHERE run > 0                 -- run 0 is the warm-up
GROUP BY variant, clients;

CREATE TEMP VIEW ratios AS
SELECT s.variant, s.clients, s.median, s.best, s.latency, s.page_ms, s.server_us,
       s.median / b.median AS ratio_median,
       s.best / b.best AS ratio_best,
       s.page_ms / b.page_ms AS page_ratio,
       s.server_us / b.server_us AS server_ratio
FROM stats s
JOIN stats b ON b.variant = 'baseline' AND b.clients = s.clients;

-- ---- throughput, one table per number of clients -------------------------
SELECT format(E'### Page query, %s clients (%s s per run, %s each, interleaved, after a warm-up round)\n\n'
              '| variant | median tps | best tps | tps / baseline (median) | median latency ms | page query ms (median) | page query / baseline | server CPU µs / transaction (median) | server CPU / baseline | pgbench CPU µs / transaction | failed | runs: tps (others'' CPU %%) |\n'
              '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n'
              '%s\n',
              c.clients, min(s.seconds),
              max(s.nruns) || CASE WHEN max(s.nruns) = 1 THEN ' run' ELSE ' runs' END,
              string_agg(format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
                                pg_temp.label(s.variant),
                                pg_temp.n(s.median), pg_temp.n(s.best),
                                pg_temp.n(r.ratio_median, 'FM990.000'),
                                pg_temp.n(s.latency, 'FM990.000'),
                                pg_temp.n(s.page_ms, 'FM990.000'),
                                pg_temp.n(r.page_ratio, 'FM990.00'),
                                pg_temp.n(s.server_us, 'FM999,990.0'),
                                pg_temp.n(r.server_ratio, 'FM990.00'),
                                pg_temp.n(s.client_us, 'FM999,990.0'),
                                s.failed, s.runs),
                         E'\n' ORDER BY pg_temp.ord(s.variant)))
FROM (SELECT DISTINCT clients FROM stats) c
JOIN stats s ON s.clients = c.clients
LEFT JOIN ratios r ON r.variant = s.variant AND r.clients = s.clients
GROUP BY c.clients
ORDER BY c.clients;

SELECT 'Latency: pgbench''s average per transaction (`BEGIN` to `END`). Page query: the '
       || 'average of the `SELECT` alone (pgbench `-r`). Server CPU: the CPU time of the '
       || 'backends (the postmaster''s reaped children, from /proc) over the transactions '
       || 'pgbench counted; pgbench CPU likewise. Ratios are against the baseline with the '
       || '`set_context` statement, of the same number of clients. Others'' CPU: the share of '
       || 'the machine''s CPU time (all CPUs) that processes other than the cluster and the '
       || 'benchmark''s clients used during the run; '
       || format('the hypervisor stole at most %s%% in any timed run.',
                 (SELECT to_char(max(steal), 'FM990.0') FROM bench.result WHERE run > 0));
SELECT '';

-- ---- plans --------------------------------------------------------------
SELECT format('### Plans: one page query of tenant %s, as a member of app_user with the context set (`EXPLAIN (ANALYZE, BUFFERS) EXECUTE` of the prepared query, after six executions)',
              :tenant);
SELECT '';
SELECT 'The baseline without the `set_context` statement runs the same query, and so the same plan, as the baseline. '
       || '"Function calls" are the calls of user functions (`track_functions = ''all''`, '
       || '`pg_stat_xact_user_functions`) during the `EXPLAIN ANALYZE`; built-in functions such as '
       || '`current_setting` are not counted.';
SELECT '';
SELECT format(E'#### %s\n\nFunction calls: %s\n\n```text\n%s\n```\n\n%s',
              pg_temp.label(v.variant),
              coalesce((SELECT string_agg(format('`%s` %s', c.func, c.calls), ', ' ORDER BY c.func)
                        FROM bench.plan_calls c
                        WHERE c.variant = v.variant AND c.calls > 0), 'none'),
              (SELECT string_agg(p.text, E'\n' ORDER BY p.line)
               FROM bench.plan p WHERE p.variant = v.variant),
              coalesce('`orm_ext.rls_audit()` on bench.items: '
                       || (SELECT string_agg(format('%s: %s', a.severity, a.problem), '; ' ORDER BY a.severity, a.problem)
                           FROM bench.audit a WHERE a.variant = v.variant) || E'\n',
                       E'`orm_ext.rls_audit()` on bench.items: no finding.\n'))
FROM (SELECT DISTINCT variant FROM bench.plan) v
ORDER BY pg_temp.ord(v.variant);

-- ---- summary ------------------------------------------------------------
SELECT '### Summary';
SELECT '';
SELECT '| variant | clients | median tps | baseline median tps | ratio (median) | ratio (best) | server CPU µs / transaction, variant / baseline | ratio baseline / variant | target |';
SELECT '|---|--:|--:|--:|--:|--:|--:|--:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              pg_temp.label(r.variant), r.clients,
              pg_temp.n(r.median), pg_temp.n(b.median),
              pg_temp.n(r.ratio_median, 'FM990.000'), pg_temp.n(r.ratio_best, 'FM990.000'),
              pg_temp.n(r.server_us, 'FM999,990.0') || ' / ' || pg_temp.n(b.server_us, 'FM999,990.0'),
              pg_temp.n(1 / r.server_ratio, 'FM990.000'),
              CASE WHEN r.variant = 'orm_ext'
                   THEN '≥ 0.9 (tps): ' || CASE WHEN r.ratio_median >= 0.9 THEN 'met' ELSE 'not met' END
                   ELSE '–' END)
FROM ratios r
JOIN stats b ON b.variant = 'baseline' AND b.clients = r.clients
WHERE r.variant <> 'baseline'
ORDER BY pg_temp.ord(r.variant), r.clients;
