-------------------------------------------------------------------------------
-- bench/ledger/report.sql: prints the results gathered by bench/ledger/run as
-- Markdown.  Run with psql -At -v rows=N -v accounts=N -v clients=N.
-------------------------------------------------------------------------------

\set QUIET on

CREATE FUNCTION pg_temp.label(variant text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE variant
        WHEN 'plain' THEN 'plain table, no trigger, no index'
        WHEN 'plain_idx' THEN 'plain table, no trigger, unique index (user_id, entry_seq)'
        WHEN 'orm_ext' THEN 'orm_ext ledger, unique index (user_id, entry_seq)'
        WHEN 'orm_ext_noidx' THEN 'orm_ext ledger, seq_index => false: no index'
        WHEN 'orm_ext_hash' THEN 'orm_ext ledger, hash_chain => true, unique index (user_id, entry_seq)'
        WHEN 'plpgsql' THEN 'PL/pgSQL trigger + heads table, unique index (user_id, entry_seq)'
        WHEN 'seed_plain' THEN 'seeds'' shape: plain table, no trigger, primary key only'
        WHEN 'seed_plain_idx' THEN 'seeds'' shape: plain table, no trigger, primary key + unique index (user_id, entry_seq)'
        WHEN 'seed_orm_ext' THEN 'seeds'' shape: orm_ext ledger, primary key + unique index (user_id, entry_seq)'
        WHEN 'seed_orm_ext_noidx' THEN 'seeds'' shape: orm_ext ledger, seq_index => false: primary key only'
        WHEN 'seed_plpgsql' THEN 'seeds'' shape: PL/pgSQL trigger + heads table, primary key + unique index (user_id, entry_seq)'
    END
$$;

CREATE FUNCTION pg_temp.ord(variant text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_position(ARRAY['plain', 'plain_idx', 'orm_ext', 'orm_ext_noidx', 'orm_ext_hash', 'plpgsql',
                                'seed_plain', 'seed_plain_idx', 'seed_orm_ext', 'seed_orm_ext_noidx',
                                'seed_plpgsql'], variant)
$$;

CREATE FUNCTION pg_temp.n(x float8, fmt text DEFAULT 'FM999,999,990.0') RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(to_char(x, fmt), '–')
$$;

-- ---- 1. OLTP ------------------------------------------------------------
CREATE TEMP VIEW oltp_stats AS
SELECT part, variant,
       max(tps) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS median,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency,
       string_agg(to_char(tps, 'FM999990'), ' ' ORDER BY run) AS runs,
       sum(processed) AS processed,
       sum(failed) AS failed,
       sum(nrows) AS nrows,
       min(seconds) AS seconds
FROM bench.oltp_result
GROUP BY part, variant;

SELECT format('### 1. OLTP: single-row inserts, %s clients, a random one of %s accounts per transaction (%s s per run, %s each, interleaved)',
              :clients, to_char(:accounts, 'FM999,999,999'),
              (SELECT min(seconds) FROM bench.oltp_result),
              (SELECT count(*) || CASE WHEN count(*) = 1 THEN ' run' ELSE ' runs' END
               FROM bench.oltp_result WHERE part = 'oltp' AND variant = 'orm_ext'));
SELECT '';
SELECT '| table | median tps | best tps | median latency ms | failed | runs, tps |';
SELECT '|---|--:|--:|--:|--:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s |', pg_temp.label(variant),
              pg_temp.n(median, 'FM999,990'), pg_temp.n(best, 'FM999,990'),
              pg_temp.n(latency, 'FM990.000'), failed, runs)
FROM oltp_stats WHERE part = 'oltp'
ORDER BY pg_temp.ord(variant);
SELECT '';

-- Round by round: the variants of one round run one after the other, so a
-- ratio within a round compares runs a few minutes apart, while the ratio of
-- the medians above may pair runs from different rounds.  Both are printed;
-- the summary keeps the ratio of the medians.  One table per shape; shape is
-- '' (minimal) or 'seed_'.
CREATE TEMP VIEW oltp_rounds AS
SELECT shape, run,
       max(tps) FILTER (WHERE variant = shape || 'plain') AS plain,
       max(tps) FILTER (WHERE variant = shape || 'orm_ext_noidx') AS noidx,
       max(tps) FILTER (WHERE variant = shape || 'plain_idx') AS plain_idx,
       max(tps) FILTER (WHERE variant = shape || 'orm_ext') AS ledger
FROM bench.oltp_result,
     LATERAL (SELECT CASE WHEN left(variant, 5) = 'seed_' THEN 'seed_' ELSE '' END AS shape) s
WHERE part = 'oltp'
GROUP BY shape, run;

SELECT concat_ws(E'\n',
       format('Round by round, %s (tps of each run, and the ratio of the two runs of the same round):',
              CASE shape WHEN '' THEN 'minimal shape' ELSE 'seeds'' shape (every table also has its primary key)' END),
       '', '| round | plain, no index | ledger, seq_index => false | ratio | plain, unique index | ledger, unique index | ratio |',
       '|--:|--:|--:|--:|--:|--:|--:|',
       (SELECT string_agg(format('| %s | %s | %s | %s | %s | %s | %s |', run,
                                 pg_temp.n(plain, 'FM999,990'), pg_temp.n(noidx, 'FM999,990'),
                                 pg_temp.n(noidx / plain, 'FM990.000'),
                                 pg_temp.n(plain_idx, 'FM999,990'), pg_temp.n(ledger, 'FM999,990'),
                                 pg_temp.n(ledger / plain_idx, 'FM990.000')), E'\n' ORDER BY run)
        FROM oltp_rounds r WHERE r.shape = sh.shape),
       (SELECT format('| median of the rounds | | | %s | | | %s |',
                      pg_temp.n(percentile_cont(0.5) WITHIN GROUP (ORDER BY noidx / plain), 'FM990.000'),
                      pg_temp.n(percentile_cont(0.5) WITHIN GROUP (ORDER BY ledger / plain_idx), 'FM990.000'))
        FROM oltp_rounds r WHERE r.shape = sh.shape),
       '')
FROM (SELECT DISTINCT shape FROM oltp_rounds) sh
ORDER BY shape;

-- ---- 2. bulk ------------------------------------------------------------
-- A cancelled run (statement_timeout) only says "longer than ms": when a
-- variant has one, its best and median are "> the longest cancelled time"
-- unless completed runs exist, and ratios against it are lower bounds.
CREATE TEMP VIEW bulk_stats AS
SELECT variant,
       min(ms) FILTER (WHERE NOT cancelled) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE NOT cancelled) AS median,
       max(ms) FILTER (WHERE cancelled) AS cancelled_ms,
       string_agg(CASE WHEN cancelled THEN '>' ELSE '' END || to_char(ms, 'FM999990.0'),
                  ' ' ORDER BY run) AS runs,
       count(*) FILTER (WHERE NOT cancelled) AS nruns,
       count(*) FILTER (WHERE cancelled) AS ncancelled
FROM bench.bulk_result
WHERE run > 0
GROUP BY variant;

-- median, or the lower bound when no run completed
CREATE TEMP VIEW bulk_time AS
SELECT variant,
       coalesce(median, cancelled_ms) AS ms,
       median IS NULL AS lower_bound
FROM bulk_stats;

SELECT format('### 2. Bulk: INSERT ... SELECT of %s rows over %s accounts (fresh table per run, %s each, interleaved, after a warm-up round)',
              to_char(:rows, 'FM999,999,999'), to_char(:accounts, 'FM999,999,999'),
              (SELECT nruns || CASE WHEN nruns = 1 THEN ' run' ELSE ' runs' END
               FROM bulk_stats WHERE variant = 'orm_ext'));
SELECT '';
SELECT '| table | best ms | median ms | rows/s (median) | runs, ms |';
SELECT '|---|--:|--:|--:|---|';
SELECT format('| %s | %s | %s | %s | %s |', pg_temp.label(variant),
              CASE WHEN best IS NULL THEN '> ' || pg_temp.n(cancelled_ms) ELSE pg_temp.n(best) END,
              CASE WHEN median IS NULL THEN '> ' || pg_temp.n(cancelled_ms) ELSE pg_temp.n(median) END,
              CASE WHEN median IS NULL THEN '< ' || pg_temp.n(:rows / cancelled_ms * 1000, 'FM999,999,990')
                   ELSE pg_temp.n(:rows / median * 1000, 'FM999,999,990') END,
              runs)
FROM bulk_stats
ORDER BY pg_temp.ord(variant);
SELECT '';
SELECT format('"> ms": cancelled by statement_timeout after that time (LEDGER_BENCH_PLPGSQL_TIMEOUT); '
              'the variant then sat out the remaining rounds.')
FROM bulk_stats HAVING sum(ncancelled) > 0;
SELECT '' FROM bulk_stats HAVING sum(ncancelled) > 0;

-- ---- 3. hot account -----------------------------------------------------
SELECT format('### 3. Hot account: single-row inserts, %s clients, all on one account (%s s, one run each)',
              :clients, (SELECT min(seconds) FROM bench.oltp_result WHERE part = 'hot'));
SELECT '';
SELECT '| table | tps | latency ms | transactions | failed transactions (pgbench) | rows afterwards |';
SELECT '|---|--:|--:|--:|--:|--:|';
SELECT format('| %s | %s | %s | %s | %s | %s |', pg_temp.label(variant),
              pg_temp.n(median, 'FM999,990'), pg_temp.n(latency, 'FM990.000'),
              processed, failed, nrows)
FROM oltp_stats WHERE part = 'hot'
ORDER BY pg_temp.ord(variant);
SELECT '';

-- ---- 4. hash chain and verify -------------------------------------------
CREATE TEMP VIEW scan_stats AS
SELECT variant,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY sum_ms) AS sum_median,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY verify_ms) AS verify_median,
       string_agg(to_char(sum_ms, 'FM999990.0'), ' ' ORDER BY run) AS sum_runs,
       string_agg(to_char(verify_ms, 'FM999990.0'), ' ' ORDER BY run) AS verify_runs
FROM bench.scan_result
WHERE run > 0
GROUP BY variant;

SELECT format('### 4. Scans of the %s-row ledgers (after each bulk insert of part 2, hint bits already set; medians)',
              to_char(:rows, 'FM999,999,999'));
SELECT '';
SELECT '| ledger | `sum(amount_cents)` ms | `count(*) FROM ledger_verify()` ms | verify / sum | runs, sum ms | runs, verify ms |';
SELECT '|---|--:|--:|--:|---|---|';
SELECT format('| %s | %s | %s | %s | %s | %s |', pg_temp.label(variant),
              pg_temp.n(sum_median), pg_temp.n(verify_median),
              pg_temp.n(verify_median / sum_median, 'FM9990.00'), sum_runs, verify_runs)
FROM scan_stats
ORDER BY pg_temp.ord(variant);
SELECT '';

-- ---- 5. memory ----------------------------------------------------------
SELECT format('### 5. Backend memory during one INSERT ... SELECT of %s rows (VmRSS and RssAnon of the backend from /proc/<pid>/status, kB, sampled every 0.2 s; the first sample is taken while the session sleeps before the insert)',
              to_char(min(nrows), 'FM999,999,999'))
FROM bench.memory_result HAVING count(*) > 0;
SELECT '' FROM bench.memory_result HAVING count(*) > 0;
SELECT '| table | insert ms | samples | VmRSS start | VmRSS peak | RssAnon start | RssAnon at 10% | at 50% | at 90% | RssAnon peak | RssAnon last |'
FROM bench.memory_result HAVING count(*) > 0;
SELECT '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|' FROM bench.memory_result HAVING count(*) > 0;
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', pg_temp.label(variant),
              pg_temp.n(ms), samples, rss_start, rss_peak, anon_start, anon_10, anon_50, anon_90,
              anon_peak, anon_end)
FROM bench.memory_result
ORDER BY pg_temp.ord(variant);
SELECT '' FROM bench.memory_result HAVING count(*) > 0;

-- ---- summary ------------------------------------------------------------
-- ratio_kind: 'mine/base' (tps, verify time) or 'base/mine' (insert times);
-- base_lb: the baseline time is a lower bound (cancelled), so is the ratio.
CREATE TEMP VIEW summary AS
WITH o AS (SELECT variant, median FROM oltp_stats WHERE part = 'oltp'),
     h AS (SELECT variant, median, failed FROM oltp_stats WHERE part = 'hot'),
     s AS (SELECT * FROM scan_stats WHERE variant = 'orm_ext_hash')
SELECT ord, metric, mine, base, base_lb, unit, target, ratio_kind,
       CASE ratio_kind WHEN 'mine/base' THEN mine / base ELSE base / mine END AS ratio
FROM (
    SELECT 1 AS ord, 'OLTP, minimal shape: tps, orm_ext ledger with seq_index => false vs plain table, both without index (ratio orm_ext / baseline)' AS metric,
           (SELECT median FROM o WHERE variant = 'orm_ext_noidx') AS mine,
           (SELECT median FROM o WHERE variant = 'plain') AS base, false AS base_lb,
           'tps' AS unit, 0.8 AS target, 'mine/base' AS ratio_kind
    UNION ALL
    SELECT 2, 'OLTP, minimal shape: tps, orm_ext ledger vs plain table, both with the unique index (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'orm_ext'),
           (SELECT median FROM o WHERE variant = 'plain_idx'), false, 'tps', 0.8, 'mine/base'
    UNION ALL
    SELECT 3, 'OLTP, minimal shape: tps, orm_ext ledger (with its index) vs plain table without index (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'orm_ext'),
           (SELECT median FROM o WHERE variant = 'plain'), false, 'tps', 0.8, 'mine/base'
    UNION ALL
    SELECT 4, 'OLTP, minimal shape: tps, orm_ext ledger vs PL/pgSQL trigger, both with the unique index (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'orm_ext'),
           (SELECT median FROM o WHERE variant = 'plpgsql'), false, 'tps', NULL, 'mine/base'
    UNION ALL
    SELECT 4.1, 'OLTP, seeds'' shape: tps, orm_ext ledger with seq_index => false vs plain table, both with the primary key only (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'seed_orm_ext_noidx'),
           (SELECT median FROM o WHERE variant = 'seed_plain'), false, 'tps', 0.8, 'mine/base'
    UNION ALL
    SELECT 4.2, 'OLTP, seeds'' shape: tps, orm_ext ledger vs plain table, both with the primary key and the unique index (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'seed_orm_ext'),
           (SELECT median FROM o WHERE variant = 'seed_plain_idx'), false, 'tps', 0.8, 'mine/base'
    UNION ALL
    SELECT 4.3, 'OLTP, seeds'' shape: tps, orm_ext ledger (with its index) vs plain table with the primary key only (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'seed_orm_ext'),
           (SELECT median FROM o WHERE variant = 'seed_plain'), false, 'tps', 0.8, 'mine/base'
    UNION ALL
    SELECT 4.4, 'OLTP, seeds'' shape: tps, orm_ext ledger vs PL/pgSQL trigger, both with the primary key and the unique index (ratio orm_ext / baseline)',
           (SELECT median FROM o WHERE variant = 'seed_orm_ext'),
           (SELECT median FROM o WHERE variant = 'seed_plpgsql'), false, 'tps', NULL, 'mine/base'
    UNION ALL
    SELECT 5, 'bulk insert: ms, orm_ext ledger with seq_index => false vs plain table, both without index (ratio baseline / orm_ext)',
           (SELECT ms FROM bulk_time WHERE variant = 'orm_ext_noidx'),
           (SELECT ms FROM bulk_time WHERE variant = 'plain'),
           (SELECT lower_bound FROM bulk_time WHERE variant = 'plain'), 'ms', 0.5, 'base/mine'
    UNION ALL
    SELECT 6, 'bulk insert: ms, orm_ext ledger vs plain table, both with the unique index (ratio baseline / orm_ext)',
           (SELECT ms FROM bulk_time WHERE variant = 'orm_ext'),
           (SELECT ms FROM bulk_time WHERE variant = 'plain_idx'),
           (SELECT lower_bound FROM bulk_time WHERE variant = 'plain_idx'), 'ms', 0.5, 'base/mine'
    UNION ALL
    SELECT 7, 'bulk insert: ms, orm_ext ledger (with its index) vs plain table without index (ratio baseline / orm_ext)',
           (SELECT ms FROM bulk_time WHERE variant = 'orm_ext'),
           (SELECT ms FROM bulk_time WHERE variant = 'plain'),
           (SELECT lower_bound FROM bulk_time WHERE variant = 'plain'), 'ms', NULL, 'base/mine'
    UNION ALL
    SELECT 8, 'bulk insert: ms, orm_ext ledger vs PL/pgSQL trigger, both with the unique index (ratio baseline / orm_ext)',
           (SELECT ms FROM bulk_time WHERE variant = 'orm_ext'),
           (SELECT ms FROM bulk_time WHERE variant = 'plpgsql'),
           (SELECT lower_bound FROM bulk_time WHERE variant = 'plpgsql'), 'ms', 3, 'base/mine'
    UNION ALL
    SELECT 9, format('hot account: tps, orm_ext vs PL/pgSQL trigger (ratio orm_ext / baseline); failed transactions: orm_ext %s, PL/pgSQL %s',
                     (SELECT failed FROM h WHERE variant = 'orm_ext'),
                     (SELECT failed FROM h WHERE variant = 'plpgsql')),
           (SELECT median FROM h WHERE variant = 'orm_ext'),
           (SELECT median FROM h WHERE variant = 'plpgsql'), false, 'tps', NULL, 'mine/base'
    UNION ALL
    SELECT 10, 'bulk insert: ms, orm_ext with hash_chain vs without (ratio baseline / orm_ext)',
           (SELECT ms FROM bulk_time WHERE variant = 'orm_ext_hash'),
           (SELECT ms FROM bulk_time WHERE variant = 'orm_ext'), false, 'ms', NULL, 'base/mine'
    UNION ALL
    SELECT 11, 'hashed ledger: ms, ledger_verify vs sum(amount_cents) on the same table (ratio orm_ext / baseline)',
           (SELECT verify_median FROM s), (SELECT sum_median FROM s), false, 'ms', NULL, 'mine/base'
) x;

SELECT '### Summary';
SELECT '';
SELECT '| metric | orm_ext | baseline | ratio | target |';
SELECT '|---|--:|--:|--:|---|';
SELECT format('| %s | %s | %s%s | %s%s | %s |', metric,
              pg_temp.n(mine, CASE unit WHEN 'tps' THEN 'FM999,990' ELSE 'FM999,990.0' END),
              CASE WHEN base_lb THEN '> ' ELSE '' END,
              pg_temp.n(base, CASE unit WHEN 'tps' THEN 'FM999,990' ELSE 'FM999,990.0' END),
              CASE WHEN base_lb THEN '> ' ELSE '' END,
              pg_temp.n(ratio, 'FM9990.000'),
              CASE
                  WHEN ord = 9 THEN
                      CASE WHEN (SELECT failed FROM oltp_stats WHERE part = 'hot' AND variant = 'orm_ext') = 0
                           THEN '0 failed, verify 0 rows: met' ELSE '0 failed: not met' END
                  WHEN target IS NULL THEN '–'
                  WHEN ratio IS NULL THEN format('≥ %s: not measured', target)
                  WHEN ratio >= target THEN format('≥ %s: met', target)
                  WHEN base_lb THEN format('≥ %s: unknown (lower bound below the target)', target)
                  ELSE format('≥ %s: not met', target)
              END)
FROM summary
ORDER BY ord;
