-- bench/enum/finish.sql: run by bench/enum/run right after a migration file,
-- in the same psql session; prints "ms changed" (changed is empty unless the
-- migration set it with \gset).
SELECT extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz) * 1000 AS ms
\gset
\echo :ms :changed
