-------------------------------------------------------------------------------
-- bench/uuid/report.sql: prints the results gathered by bench.sql as Markdown.
-- Run with psql -At -v rows=N (N = rows per query).
-------------------------------------------------------------------------------

\set QUIET on

-- Part a: per-call cost.
CREATE TEMP VIEW call_stats AS
SELECT kind,
       min(ms) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       string_agg(to_char(ms, 'FM99990.0'), ' ' ORDER BY run) AS runs
FROM bench.call_result
GROUP BY kind;

CREATE TEMP VIEW call_net AS
SELECT s.kind, s.best, s.median, s.runs,
       (s.best - l.best) * 1e6 / :rows AS net_best_ns,
       (s.median - l.median) * 1e6 / :rows AS net_median_ns
FROM call_stats s, call_stats l
WHERE l.kind = 'loop';

SELECT '### Per-call cost (' || to_char(:rows, 'FM9,999,999,999') || ' calls per query, '
       || (SELECT count(*) FROM bench.call_result WHERE kind = 'loop')
       || ' runs each, interleaved, after a warm-up round)';
SELECT '';
SELECT '| query | best ms | median ms | ns/call net of loop (best) | ns/call net of loop (median) | runs, ms |';
SELECT '|---|--:|--:|--:|--:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s |',
              CASE kind
                  WHEN 'loop' THEN '`count(1)` (empty loop)'
                  WHEN 'uuidv7' THEN '`count(orm_ext.uuidv7())`'
                  ELSE '`count(gen_random_uuid())`'
              END,
              to_char(best, 'FM99990.0'), to_char(median, 'FM99990.0'),
              CASE WHEN kind = 'loop' THEN '–' ELSE to_char(net_best_ns, 'FM99990.0') END,
              CASE WHEN kind = 'loop' THEN '–' ELSE to_char(net_median_ns, 'FM99990.0') END,
              runs)
FROM call_net
ORDER BY array_position(ARRAY['loop', 'uuidv7', 'gen_random_uuid'], kind);
SELECT '';

SELECT '| ratio uuidv7 / gen_random_uuid | best | median |';
SELECT '|---|--:|--:|';
SELECT x.line
FROM call_net v, call_net g,
     LATERAL (VALUES
         (1, format('| raw (including the loop) | %s | %s |',
                    to_char(v.best / g.best, 'FM990.000'),
                    to_char(v.median / g.median, 'FM990.000'))),
         (2, format('| net of the empty loop | %s | %s |',
                    to_char(v.net_best_ns / g.net_best_ns, 'FM990.000'),
                    to_char(v.net_median_ns / g.net_median_ns, 'FM990.000')))
     ) AS x(ord, line)
WHERE v.kind = 'uuidv7' AND g.kind = 'gen_random_uuid'
ORDER BY x.ord;
SELECT '';
SELECT format('Target: per-call ratio uuidv7 / gen_random_uuid <= 1.0. Net of the loop, best of runs: %s (%s).',
              to_char(v.net_best_ns / g.net_best_ns, 'FM990.000'),
              CASE WHEN v.net_best_ns <= g.net_best_ns THEN 'met' ELSE 'not met' END)
FROM call_net v, call_net g
WHERE v.kind = 'uuidv7' AND g.kind = 'gen_random_uuid';
SELECT '';

-- Part b: inserts.
CREATE TEMP VIEW insert_stats AS
SELECT kind,
       min(ms) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       string_agg(to_char(ms, 'FM99990.0'), ' ' ORDER BY run) AS runs,
       min(table_bytes) AS table_min, max(table_bytes) AS table_max,
       avg(table_bytes) AS table_avg,
       min(index_bytes) AS index_min, max(index_bytes) AS index_max,
       avg(index_bytes) AS index_avg,
       min(index_bytes_vacuumed) AS vac_min, max(index_bytes_vacuumed) AS vac_max,
       avg(index_bytes_vacuumed) AS vac_avg
FROM bench.insert_result
WHERE run > 0                 -- run 0 is the warm-up
GROUP BY kind;

CREATE FUNCTION pg_temp.mib(lo bigint, hi bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN lo = hi THEN to_char(lo / 1048576.0, 'FM99990.00')
                ELSE to_char(lo / 1048576.0, 'FM99990.00') || '–'
                     || to_char(hi / 1048576.0, 'FM99990.00')
           END
$$;

SELECT '### Inserts (' || to_char(:rows, 'FM9,999,999,999') || ' rows, fresh table per run, '
       || (SELECT count(*) FROM bench.insert_result WHERE kind = 'uuidv7' AND run > 0)
       || ' runs each, interleaved, after a warm-up round)';
SELECT '';
SELECT '| primary key default | best ms | median ms | table MiB | index MiB | index MiB after VACUUM | runs, ms |';
SELECT '|---|--:|--:|--:|--:|--:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s |',
              CASE kind WHEN 'uuidv7' THEN '`orm_ext.uuidv7()`' ELSE '`gen_random_uuid()`' END,
              to_char(best, 'FM99990.0'), to_char(median, 'FM99990.0'),
              pg_temp.mib(table_min, table_max),
              pg_temp.mib(index_min, index_max),
              pg_temp.mib(vac_min, vac_max),
              runs)
FROM insert_stats
ORDER BY array_position(ARRAY['uuidv7', 'gen_random_uuid'], kind);
SELECT '';
SELECT '| ratio uuidv7 / gen_random_uuid | value |';
SELECT '|---|--:|';
SELECT format('| %s | %s |', x.what, to_char(x.ratio, 'FM990.000'))
FROM insert_stats v, insert_stats g,
     LATERAL (VALUES
         (1, 'insert time, best', v.best / g.best),
         (2, 'insert time, median', v.median / g.median),
         (3, 'table size', v.table_avg / g.table_avg),
         (4, 'index size', v.index_avg / g.index_avg),
         (5, 'index size after VACUUM', v.vac_avg / g.vac_avg)
     ) AS x(ord, what, ratio)
WHERE v.kind = 'uuidv7' AND g.kind = 'gen_random_uuid'
ORDER BY x.ord;
