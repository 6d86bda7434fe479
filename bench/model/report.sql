-------------------------------------------------------------------------------
-- bench/model/report.sql: prints the results gathered by bench/model/run as
-- Markdown.  Run with psql -At -v models=N.
-------------------------------------------------------------------------------

\set QUIET on

CREATE FUNCTION pg_temp.n(x float8, fmt text DEFAULT 'FM999,999,990') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(to_char(x, fmt), '–')
$$;

CREATE TEMP VIEW stats AS
SELECT part, variant,
       max(tps) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS median,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY statement_ms) AS stmt,
       string_agg(to_char(tps, 'FM9999990'), ' ' ORDER BY run) AS runs,
       count(*) AS nruns
FROM bench_result
WHERE run > 0                 -- run 0 is the warm-up
GROUP BY part, variant;

-- the baseline of each part
CREATE TEMP VIEW base AS
SELECT * FROM stats
WHERE (part, variant) IN (('get', 'hand-written'), ('create', 'hand-written'),
                          ('page', 'hand-written'), ('ddl', 'unrelated, no orm_ext'),
                          ('ddl_model', 'no orm_ext'));

\echo '### Get and create: one statement per transaction (median of the runs; ratio = orm_ext / hand-written)'
\echo
\echo '| part | variant | median tps | best tps | runs (tps) | latency (ms) | ratio of medians | ratio of bests |'
\echo '|---|---|---:|---:|---|---:|---:|---:|'
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |', s.part, s.variant,
              pg_temp.n(s.median), pg_temp.n(s.best), s.runs, pg_temp.n(s.latency, 'FM990.000'),
              pg_temp.n(s.median / b.median, 'FM990.00') || '×', pg_temp.n(s.best / b.best, 'FM990.00') || '×')
FROM stats s JOIN base b USING (part)
WHERE s.part IN ('get', 'create')
ORDER BY s.part DESC, s.variant = b.variant, s.variant;
\echo
\echo '### Page of 20 rows after a position (latency of the page statement alone, pgbench -r; median of the runs; ratio = hand-written keyset query / variant, so higher is faster)'
\echo
\echo '| variant | page statement (ms) | ratio | transaction tps (median) |'
\echo '|---|---:|---:|---:|'
SELECT format('| %s | %s | %s | %s |', s.variant, pg_temp.n(s.stmt, 'FM990.000'),
              pg_temp.n(b.stmt / s.stmt, 'FM990.00') || '×', pg_temp.n(s.median))
FROM stats s JOIN base b USING (part)
WHERE s.part = 'page'
ORDER BY s.variant = b.variant DESC, s.variant;
\echo
SELECT format('### DDL: one client, -M simple (transaction = the script''s statements; median of the runs; %s tables in each database)', :'models');
\echo
\echo '| workload | database | transaction latency (ms) | per statement (ms) | × without orm_ext |'
\echo '|---|---|---:|---:|---:|'
SELECT format('| %s | %s | %s | %s | %s |',
              CASE s.part WHEN 'ddl' THEN 'unrelated DDL (SET/DROP DEFAULT, CREATE/DROP TABLE)'
                          ELSE 'DDL on ddl.t001 (SET/DROP DEFAULT)' END,
              s.variant, pg_temp.n(s.latency, 'FM990.000'),
              pg_temp.n(s.latency / CASE s.part WHEN 'ddl' THEN 4 ELSE 2 END, 'FM990.000'),
              pg_temp.n(s.latency / b.latency, 'FM990.00') || '×')
FROM stats s JOIN base b USING (part)
WHERE s.part IN ('ddl', 'ddl_model')
ORDER BY s.part, s.latency;
