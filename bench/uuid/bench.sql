-------------------------------------------------------------------------------
-- bench/uuid/bench.sql: objects for the UUID benchmark (run by bench/uuid/run
-- in a throwaway cluster that already has CREATE EXTENSION orm_ext).
--
-- Every timing is taken inside the server with clock_timestamp(), so client
-- round trips and psql's own work are not measured.
--
--   bench.per_call(runs, nrows)     part a: count(f()) over generate_series
--   bench.insert_prepare(kind)      part b: a fresh table bench.t whose
--                                   primary key defaults to kind's function
--   bench.insert_run(kind, run, n)  part b: the timed INSERT, then sizes
--   bench.insert_vacuumed(kind, run) part b: index size after VACUUM
-------------------------------------------------------------------------------

CREATE SCHEMA bench;

CREATE TABLE bench.call_result (
    kind text NOT NULL,       -- loop | uuidv7 | gen_random_uuid
    run  int  NOT NULL,
    ms   float8 NOT NULL
);

CREATE TABLE bench.insert_result (
    kind                text NOT NULL,   -- uuidv7 | gen_random_uuid
    run                 int  NOT NULL,
    ms                  float8 NOT NULL,
    table_bytes         bigint NOT NULL,
    index_bytes         bigint NOT NULL,
    index_bytes_vacuumed bigint
);

-- Part a.  Round 0 warms up (caches, the random pool, the tuplestore) and is
-- not recorded.  The order of the three queries rotates every round so that
-- drift and position effects fall on all of them alike.
CREATE PROCEDURE bench.per_call(runs int, nrows int)
LANGUAGE plpgsql AS $$
DECLARE
    kinds text[] := ARRAY['loop', 'uuidv7', 'gen_random_uuid'];
    k  text;
    t0 timestamptz;
    t1 timestamptz;
    c  bigint;
BEGIN
    FOR r IN 0..runs LOOP
        FOR i IN 0..2 LOOP
            k := kinds[1 + (i + r) % 3];
            t0 := clock_timestamp();
            IF k = 'loop' THEN
                SELECT count(1) INTO c FROM generate_series(1, nrows);
            ELSIF k = 'uuidv7' THEN
                SELECT count(orm_ext.uuidv7()) INTO c FROM generate_series(1, nrows);
            ELSE
                SELECT count(gen_random_uuid()) INTO c FROM generate_series(1, nrows);
            END IF;
            t1 := clock_timestamp();
            IF c <> nrows THEN
                RAISE EXCEPTION '% counted % rows, expected %', k, c, nrows;
            END IF;
            IF r > 0 THEN
                INSERT INTO bench.call_result
                VALUES (k, r, extract(epoch FROM t1 - t0) * 1000);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- Part b.
CREATE FUNCTION bench.insert_prepare(kind text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS bench.t;
    EXECUTE format(
        'CREATE TABLE bench.t (id uuid PRIMARY KEY DEFAULT %s, n int)',
        CASE kind
            WHEN 'uuidv7' THEN 'orm_ext.uuidv7()'
            WHEN 'gen_random_uuid' THEN 'gen_random_uuid()'
        END);
END
$$;

CREATE FUNCTION bench.insert_run(kind text, run int, nrows int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
BEGIN
    t0 := clock_timestamp();
    INSERT INTO bench.t (n) SELECT g FROM generate_series(1, nrows) AS g;
    t1 := clock_timestamp();
    INSERT INTO bench.insert_result (kind, run, ms, table_bytes, index_bytes)
    VALUES (kind, run, extract(epoch FROM t1 - t0) * 1000,
            pg_relation_size('bench.t'), pg_relation_size('bench.t_pkey'));
END
$$;

CREATE FUNCTION bench.insert_vacuumed(kind text, run int)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE bench.insert_result AS r
    SET index_bytes_vacuumed = pg_relation_size('bench.t_pkey')
    WHERE r.kind = insert_vacuumed.kind AND r.run = insert_vacuumed.run;
END
$$;
