-------------------------------------------------------------------------------
-- bench/enum/report.sql: prints the results gathered by bench/enum/run as
-- Markdown.  Run with psql -At -v rows=N.
-------------------------------------------------------------------------------

\set QUIET on

CREATE FUNCTION pg_temp.label(part text, variant text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE part || '/' || variant
        WHEN 'append/enum_sync' THEN '`orm_ext.enum_sync(t, ARRAY[..., ''legacy'', ''archived''])`: ALTER TYPE ... ADD VALUE'
        WHEN 'append/enum_rebuild' THEN '`orm_ext.enum_rebuild(t, ARRAY[..., ''legacy'', ''archived''])`: full rebuild by orm_ext'
        WHEN 'append/alembic' THEN 'Alembic recipe: rename, create, alter column, drop old type (full rebuild)'
        WHEN 'drop/enum_drop_value' THEN '`orm_ext.enum_drop_value(t, ''legacy'', replace_with => ''closed'')`'
        WHEN 'drop/alembic_update' THEN 'Alembic recipe after `UPDATE ... SET status = ''closed'' WHERE status = ''legacy''`'
        WHEN 'drop/alembic_case' THEN 'Alembic recipe with `CASE WHEN status::text = ''legacy'' THEN ''closed'' ...` in USING'
    END
$$;

CREATE FUNCTION pg_temp.ord(variant text) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_position(ARRAY['enum_sync', 'enum_rebuild', 'alembic',
                                'enum_drop_value', 'alembic_update', 'alembic_case'], variant)
$$;

CREATE FUNCTION pg_temp.ms(x float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x < 100 THEN to_char(x, 'FM990.00') ELSE to_char(x, 'FM999,999,990.0') END
$$;

CREATE FUNCTION pg_temp.ratio(x float8) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x < 0.01 THEN to_char(x, 'FM0.00000') ELSE to_char(x, 'FM99990.000') END
$$;

CREATE TEMP VIEW stats AS
SELECT part, variant,
       min(ms) AS best,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median,
       string_agg(to_char(ms, CASE WHEN ms < 100 THEN 'FM990.00' ELSE 'FM9999990.0' END), ' ' ORDER BY run) AS runs,
       count(*) AS nruns,
       bool_and(rewritten) AS all_rewritten,
       bool_or(rewritten) AS any_rewritten,
       min(replaced) AS replaced_min, max(replaced) AS replaced_max,
       min(changed) AS changed_min, max(changed) AS changed_max,
       avg(table_bytes) AS table_bytes
FROM bench.result
WHERE run > 0                 -- run 0 is the warm-up
GROUP BY part, variant;

CREATE FUNCTION pg_temp.rewritten(all_rewritten bool, any_rewritten bool) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN all_rewritten THEN 'yes (relfilenode changed)'
                WHEN NOT any_rewritten THEN 'no (relfilenode unchanged)'
                ELSE 'in some runs' END
$$;

SELECT format('Table `bench.sessions`: %s rows, %s MiB (`pg_table_size` before the migration, mean over the runs), '
              || 'a primary key and the partial index; %s rows (5%%) hold ''legacy''.',
              to_char(:rows, 'FM9,999,999,999'),
              to_char((SELECT avg(table_bytes) FROM bench.result WHERE run > 0) / 1048576.0, 'FM99990.0'),
              to_char((SELECT max(replaced) FROM bench.result WHERE run > 0 AND part = 'drop'), 'FM9,999,999,999'));
SELECT '';

-- ---- 1. append ----------------------------------------------------------
SELECT format('### 1. Appending one label (%s rows, %s runs each, interleaved, after a warm-up round)',
              to_char(:rows, 'FM9,999,999,999'),
              (SELECT max(nruns) FROM stats WHERE part = 'append'));
SELECT '';
SELECT '| variant | best ms | median ms | table rewritten | runs, ms |';
SELECT '|---|--:|--:|---|---|';
SELECT format('| %s | %s | %s | %s | %s |', pg_temp.label(part, variant),
              pg_temp.ms(best), pg_temp.ms(median),
              pg_temp.rewritten(all_rewritten, any_rewritten), runs)
FROM stats WHERE part = 'append'
ORDER BY pg_temp.ord(variant);
SELECT '';

-- ---- 2. drop ------------------------------------------------------------
SELECT format('### 2. Dropping a label that %s rows use, replaced by another (%s rows, %s runs each, interleaved, after a warm-up round)',
              to_char((SELECT max(replaced_max) FROM stats WHERE part = 'drop'), 'FM9,999,999,999'),
              to_char(:rows, 'FM9,999,999,999'),
              (SELECT max(nruns) FROM stats WHERE part = 'drop'));
SELECT '';
SELECT '| variant | best ms | median ms | rows replaced (checked) | returned | table rewritten | runs, ms |';
SELECT '|---|--:|--:|--:|--:|---|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', pg_temp.label(part, variant),
              pg_temp.ms(best), pg_temp.ms(median),
              CASE WHEN replaced_min = replaced_max THEN to_char(replaced_min, 'FM9,999,999,999')
                   ELSE replaced_min || '–' || replaced_max END,
              CASE WHEN changed_min IS NULL THEN '–'
                   WHEN changed_min = changed_max THEN to_char(changed_min, 'FM9,999,999,999')
                   ELSE changed_min || '–' || changed_max END,
              pg_temp.rewritten(all_rewritten, any_rewritten), runs)
FROM stats WHERE part = 'drop'
ORDER BY pg_temp.ord(variant);
SELECT '';
SELECT '"returned": the number of rows `enum_drop_value` reported as changed.';
SELECT '';

-- ---- summary ------------------------------------------------------------
SELECT '### Summary';
SELECT '';
SELECT '| comparison | orm_ext median ms | baseline median ms | ratio orm_ext / baseline (median) | ratio (best) | baseline / orm_ext (median) |';
SELECT '|---|--:|--:|--:|--:|--:|';
SELECT format('| %s | %s | %s | %s | %s | %s |', x.what,
              pg_temp.ms(o.median), pg_temp.ms(b.median),
              pg_temp.ratio(o.median / b.median), pg_temp.ratio(o.best / b.best),
              to_char(b.median / o.median, 'FM999,999,990.0'))
FROM (VALUES
        (1, 'append', 'enum_sync', 'alembic', 'append one label: `enum_sync` vs the Alembic recipe (full rebuild)'),
        (2, 'append', 'enum_sync', 'enum_rebuild', 'append one label: `enum_sync` vs `enum_rebuild` (full rebuild by orm_ext)'),
        (3, 'drop', 'enum_drop_value', 'alembic_update', 'drop a label with replacement: `enum_drop_value` vs `UPDATE` + Alembic recipe'),
        (4, 'drop', 'enum_drop_value', 'alembic_case', 'drop a label with replacement: `enum_drop_value` vs Alembic recipe with `CASE`')
     ) AS x(ord, part, ours, theirs, what)
JOIN stats o ON o.part = x.part AND o.variant = x.ours
JOIN stats b ON b.part = x.part AND b.variant = x.theirs
ORDER BY x.ord;
