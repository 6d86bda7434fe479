-- Subtransactions: what a rolled-back savepoint or a caught error inserted
-- leaves no trace in balances, seqs, hashes or heads; what a released one
-- inserted stays.
-- (pgTAP records its results in tables, so no assertion runs between a
-- SAVEPOINT and the ROLLBACK TO that undoes it.)
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(37);

CREATE TABLE rb_parent (id int PRIMARY KEY);
INSERT INTO rb_parent VALUES (1);
CREATE TABLE rb_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    acct text NOT NULL,
    amt bigint NOT NULL CHECK (amt <> 13),
    bal bigint,
    ref text UNIQUE,
    parent int REFERENCES rb_parent (id)
);
SELECT orm_ext.ledger_attach('rb_ledger', 'acct', 'amt', 'bal', allow_negative => false, hash_chain => true);

-- the state of an account: balance from ledger_balance, the heads row, and its last entry
CREATE FUNCTION pg_temp.state(account text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    head record;
    last record;
BEGIN
    EXECUTE format('SELECT balance, seq FROM %s WHERE account = $1',
                   (SELECT heads FROM orm_ext.ledgers WHERE ledger = 'rb_ledger'::regclass))
        INTO head USING account;
    SELECT bal, entry_seq INTO last FROM rb_ledger WHERE acct = account ORDER BY entry_seq DESC LIMIT 1;
    RETURN format('balance %s, head %s/%s, last entry %s/%s',
                  orm_ext.ledger_balance('rb_ledger', account),
                  coalesce(head.balance::text, 'none'), coalesce(head.seq::text, 'none'),
                  coalesce(last.bal::text, 'none'), coalesce(last.entry_seq::text, 'none'));
END
$$;

-------------------------------------------------------------------------------
-- ROLLBACK TO SAVEPOINT
-------------------------------------------------------------------------------
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 100);
SAVEPOINT s;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 50), ('a', 25), ('b', 10);
SELECT orm_ext.ledger_post('rb_ledger', '[{"acct": "a", "amt": 5}, {"acct": "b", "amt": 7}]');
ROLLBACK TO SAVEPOINT s;

SELECT is(pg_temp.state('a'), 'balance 100, head 100/1, last entry 100/1',
          'after ROLLBACK TO SAVEPOINT an account keeps its balance from before the savepoint');
SELECT is(orm_ext.ledger_balance('rb_ledger', 'b'), 0::numeric,
          'an account first written inside the rolled-back savepoint reads as 0');
SELECT results_eq($$INSERT INTO rb_ledger (acct, amt) VALUES ('a', 1), ('b', 2), ('c', 3) RETURNING acct, bal, entry_seq$$,
                  $$VALUES ('a'::text, 101::bigint, 2::bigint), ('b', 2, 1), ('c', 3, 1)$$,
                  'the next inserts chain on the state before the savepoint: no gap in seq, no phantom amount');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('rb_ledger')), 0::bigint,
          'the ledger verifies after the rollback (hashes chain on the pre-savepoint entry)');

-- the same savepoint rolled back to twice
SAVEPOINT again;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 1000);
ROLLBACK TO SAVEPOINT again;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 2000);
ROLLBACK TO SAVEPOINT again;
RELEASE SAVEPOINT again;
SELECT is(pg_temp.state('a'), 'balance 101, head 101/2, last entry 101/2',
          'rolling back to the same savepoint twice undoes both attempts');

-- a released savepoint keeps what it inserted
SAVEPOINT kept;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 9), ('d', 4);
RELEASE SAVEPOINT kept;
SELECT is(pg_temp.state('a'), 'balance 110, head 110/3, last entry 110/3', 'a released savepoint keeps its inserts');
SELECT is(pg_temp.state('d'), 'balance 4, head 4/1, last entry 4/1',
          'including an account it created');

-------------------------------------------------------------------------------
-- nested savepoints
-------------------------------------------------------------------------------
SAVEPOINT s1;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 10);          -- a: 120 / 4
SAVEPOINT s2;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 20), ('e', 1); -- a: 140 / 5
SAVEPOINT s3;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 40), ('e', 2); -- a: 180 / 6
ROLLBACK TO SAVEPOINT s2;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 1);            -- a: 121 / 5
RELEASE SAVEPOINT s1;
SELECT is(pg_temp.state('a'), 'balance 121, head 121/5, last entry 121/5',
          'ROLLBACK TO an inner savepoint undoes it and the ones inside it, keeps the outer one');
SELECT is(pg_temp.state('e'), 'balance 0, head none/none, last entry none/none',
          'an account created in the undone inner savepoints has no head and no entry');
SELECT results_eq($$SELECT amt, bal, entry_seq FROM rb_ledger WHERE acct = 'a' ORDER BY entry_seq$$,
                  $$VALUES (100::bigint, 100::bigint, 1::bigint), (1, 101, 2), (9, 110, 3), (10, 120, 4), (1, 121, 5)$$,
                  'the entries of the account chain exactly over the nested savepoints');

SAVEPOINT o1;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 1), ('f', 5);
SAVEPOINT o2;
INSERT INTO rb_ledger (acct, amt) VALUES ('a', 2), ('f', 6);
RELEASE SAVEPOINT o2;
ROLLBACK TO SAVEPOINT o1;
RELEASE SAVEPOINT o1;
SELECT is(pg_temp.state('a'), 'balance 121, head 121/5, last entry 121/5',
          'rolling back an outer savepoint undoes an inner one that was released');
SELECT is(orm_ext.ledger_balance('rb_ledger', 'f'), 0::numeric, 'an account created inside it is gone too');

-- an account first locked in an inner savepoint that is released, changed in a later one rolled back
SAVEPOINT p1;
INSERT INTO rb_ledger (acct, amt) VALUES ('g', 30);
RELEASE SAVEPOINT p1;
SAVEPOINT p2;
INSERT INTO rb_ledger (acct, amt) VALUES ('g', -30), ('g', 8);
ROLLBACK TO SAVEPOINT p2;
RELEASE SAVEPOINT p2;
SELECT is(pg_temp.state('g'), 'balance 30, head 30/1, last entry 30/1',
          'a head locked in a released savepoint keeps that savepoint''s balance when a later one is undone');
SELECT results_eq($$INSERT INTO rb_ledger (acct, amt) VALUES ('g', -30) RETURNING bal, entry_seq$$,
                  $$VALUES (0::bigint, 2::bigint)$$, 'and chains on from it');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('rb_ledger')), 0::bigint,
          'the ledger verifies after the nested savepoints');

-------------------------------------------------------------------------------
-- errors caught in PL/pgSQL EXCEPTION blocks
-------------------------------------------------------------------------------
CREATE TEMP TABLE caught (step text, sqlstate text);

DO $$
BEGIN
    INSERT INTO rb_ledger (acct, amt) VALUES ('h', 10);
    BEGIN
        INSERT INTO rb_ledger (acct, amt) VALUES ('h', 5);
        INSERT INTO rb_ledger (acct, amt) VALUES ('h', -100);   -- below zero: 23514
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO caught VALUES ('below zero', SQLSTATE);
    END;
    INSERT INTO rb_ledger (acct, amt) VALUES ('h', 1);
END
$$;
SELECT is((SELECT sqlstate FROM caught WHERE step = 'below zero'), '23514',
          'the block caught 23514 from the balance trigger');
SELECT results_eq($$SELECT amt, bal, entry_seq FROM rb_ledger WHERE acct = 'h' ORDER BY entry_seq$$,
                  $$VALUES (10::bigint, 10::bigint, 1::bigint), (1, 11, 2)$$,
                  'the failed block''s earlier insert is undone and the next insert chains on the state before it');

-- errors raised after the balance was computed: a CHECK constraint, a
-- unique index, a foreign key (an AFTER ROW trigger), and ON CONFLICT DO NOTHING
INSERT INTO rb_ledger (acct, amt, ref) VALUES ('i', 50, 'r1');
DO $$
BEGIN
    BEGIN
        INSERT INTO rb_ledger (acct, amt) VALUES ('i', 13);
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO caught VALUES ('check', SQLSTATE);
    END;
    BEGIN
        INSERT INTO rb_ledger (acct, amt, ref) VALUES ('i', 1, 'r2'), ('i', 2, 'r1');
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO caught VALUES ('unique', SQLSTATE);
    END;
    BEGIN
        INSERT INTO rb_ledger (acct, amt, parent) VALUES ('i', 3, 1), ('i', 4, 2);
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO caught VALUES ('foreign key', SQLSTATE);
    END;
    BEGIN
        INSERT INTO rb_ledger (acct, amt, ref) VALUES ('i', 5, 'r1') ON CONFLICT DO NOTHING;
    EXCEPTION WHEN OTHERS THEN
        INSERT INTO caught VALUES ('on conflict', SQLSTATE);
    END;
END
$$;
SELECT results_eq($$SELECT step, sqlstate FROM caught WHERE step IN ('check', 'unique', 'foreign key', 'on conflict')
                    ORDER BY step$$,
                  $$VALUES ('check'::text, '23514'::text), ('foreign key', '23503'), ('on conflict', '0A000'),
                           ('unique', '23505')$$,
                  'each block caught its error');
SELECT is(pg_temp.state('i'), 'balance 50, head 50/1, last entry 50/1',
          'balances computed before a CHECK, unique, foreign key or ON CONFLICT failure leave no trace');
SELECT results_eq($$INSERT INTO rb_ledger (acct, amt, parent) VALUES ('i', 6, 1) RETURNING bal, entry_seq$$,
                  $$VALUES (56::bigint, 2::bigint)$$, 'the next insert chains on the last good entry');

-- a DO block inserting for several accounts, some of them failing inside BEGIN .. EXCEPTION
DO $$
DECLARE
    n int;
BEGIN
    FOR n IN 1 .. 6 LOOP
        INSERT INTO rb_ledger (acct, amt) VALUES ('loop' || n, 100);
        BEGIN
            INSERT INTO rb_ledger (acct, amt) VALUES ('loop' || n, -50);
            IF n % 2 = 1 THEN
                INSERT INTO rb_ledger (acct, amt) VALUES ('loop' || n, -51), ('loop' || n, -100);
            END IF;
        EXCEPTION WHEN check_violation THEN
            INSERT INTO caught VALUES ('loop' || n, SQLSTATE);
        END;
    END LOOP;
END
$$;
SELECT is(ARRAY(SELECT step || ':' || sqlstate FROM caught WHERE step LIKE 'loop%' ORDER BY step),
          ARRAY['loop1:23514', 'loop3:23514', 'loop5:23514'], 'the odd accounts'' blocks failed with 23514');
SELECT is(ARRAY(SELECT orm_ext.ledger_balance('rb_ledger', 'loop' || n) FROM generate_series(1, 6) n),
          ARRAY[100, 50, 100, 50, 100, 50]::numeric[],
          'failed blocks left their accounts at 100, the others at 50');
SELECT is(ARRAY(SELECT max(entry_seq) FROM rb_ledger WHERE acct LIKE 'loop%' GROUP BY acct ORDER BY acct),
          ARRAY[1, 2, 1, 2, 1, 2]::bigint[], 'and with one or two entries');
SELECT is(ARRAY(SELECT pg_temp.state('loop' || n) FROM generate_series(1, 2) n),
          ARRAY['balance 100, head 100/1, last entry 100/1', 'balance 50, head 50/2, last entry 50/2'],
          'heads agree with the entries after the loop');
INSERT INTO rb_ledger (acct, amt) SELECT 'loop' || n, n FROM generate_series(1, 6) n;
SELECT is(ARRAY(SELECT bal || '/' || entry_seq FROM rb_ledger WHERE acct LIKE 'loop%'
                AND (acct, entry_seq) IN (SELECT acct, max(entry_seq) FROM rb_ledger GROUP BY acct) ORDER BY acct),
          ARRAY['101/2', '52/3', '103/2', '54/3', '105/2', '56/3'],
          'the next inserts chain on without gaps');

-- an exception block inside a function called per row of an INSERT ... SELECT
CREATE FUNCTION pg_temp.try_insert(account text, amount bigint) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rb_ledger (acct, amt) VALUES (account, amount);
    RETURN true;
EXCEPTION WHEN check_violation THEN
    RETURN false;
END
$$;
SELECT is(ARRAY(SELECT pg_temp.try_insert('j', a) FROM unnest(ARRAY[10, -20, 5, -15, -1]::bigint[]) WITH ORDINALITY x(a, o)
                ORDER BY o),
          ARRAY[true, false, true, true, false], 'a function with an exception block, called per row');
SELECT results_eq($$SELECT amt, bal, entry_seq FROM rb_ledger WHERE acct = 'j' ORDER BY entry_seq$$,
                  $$VALUES (10::bigint, 10::bigint, 1::bigint), (5, 15, 2), (-15, 0, 3)$$,
                  'only the successful inserts are chained');

-------------------------------------------------------------------------------
-- errors caught around a whole ledger_post
-------------------------------------------------------------------------------
SAVEPOINT post;
SELECT orm_ext.ledger_post('rb_ledger', '[{"acct": "k", "amt": 10}, {"acct": "a", "amt": -10}]', true);
ROLLBACK TO SAVEPOINT post;
SELECT is(ARRAY[orm_ext.ledger_balance('rb_ledger', 'k'), orm_ext.ledger_balance('rb_ledger', 'a')],
          ARRAY[0, 121]::numeric[], 'a ledger_post rolled back to a savepoint leaves no trace');
SELECT throws_ok($$SELECT orm_ext.ledger_post('rb_ledger', '[{"acct": "k", "amt": 10}, {"acct": "a", "amt": -1000}]', true)$$,
                 '23514', NULL, 'a balanced posting whose second entry goes below zero: 23514');
SELECT is(ARRAY[orm_ext.ledger_balance('rb_ledger', 'k'), orm_ext.ledger_balance('rb_ledger', 'a')],
          ARRAY[0, 121]::numeric[], 'the failed posting''s first entry left no trace');
SELECT is(orm_ext.ledger_post('rb_ledger', '[{"acct": "k", "amt": 10}, {"acct": "a", "amt": -10}]', true)->1->>'bal',
          '111', 'the next posting chains on the state before the failed ones');

-------------------------------------------------------------------------------
-- a numeric (by-reference) balance through savepoints and caught errors
-------------------------------------------------------------------------------
CREATE TABLE rb_numeric (acct text NOT NULL, amt numeric NOT NULL, bal numeric(20,4));
SELECT orm_ext.ledger_attach('rb_numeric', 'acct', 'amt', 'bal', allow_negative => false);
INSERT INTO rb_numeric (acct, amt) VALUES ('n', 1.5);
SAVEPOINT n1;
INSERT INTO rb_numeric (acct, amt) VALUES ('n', 2.25);
INSERT INTO rb_numeric (acct, amt) VALUES ('n', 2.25);
SAVEPOINT n2;
INSERT INTO rb_numeric (acct, amt) VALUES ('n', 100.125);
ROLLBACK TO SAVEPOINT n2;
RELEASE SAVEPOINT n2;
ROLLBACK TO SAVEPOINT n1;
RELEASE SAVEPOINT n1;
DO $$
BEGIN
    INSERT INTO rb_numeric (acct, amt) VALUES ('n', 0.0001);
    BEGIN
        INSERT INTO rb_numeric (acct, amt) VALUES ('n', 1000.5);
        INSERT INTO rb_numeric (acct, amt) VALUES ('n', -5000);
    EXCEPTION WHEN check_violation THEN
        NULL;
    END;
END
$$;
SELECT is(orm_ext.ledger_balance('rb_numeric', 'n'), 1.5001::numeric,
          'a numeric balance is restored exactly after savepoints and a caught error');
SELECT results_eq($$INSERT INTO rb_numeric (acct, amt) VALUES ('n', 0.25), ('n', 0.25) RETURNING bal, entry_seq$$,
                  $$VALUES (1.7501::numeric(20,4), 3::bigint), (2.0001, 4)$$,
                  'and the numeric chain continues from it');

-------------------------------------------------------------------------------
-- several accounts created in one rolled-back savepoint
-------------------------------------------------------------------------------
SAVEPOINT many;
INSERT INTO rb_ledger (acct, amt) VALUES ('m1', 10);
INSERT INTO rb_ledger (acct, amt) VALUES ('m2', 20);
SELECT orm_ext.ledger_post('rb_ledger', '[{"acct": "m3", "amt": 30}, {"acct": "m4", "amt": 40}, {"acct": "a", "amt": 1}]');
ROLLBACK TO SAVEPOINT many;
SELECT is(ARRAY(SELECT orm_ext.ledger_balance('rb_ledger', x) FROM unnest(ARRAY['m1', 'm2', 'm3', 'm4', 'a']) x),
          ARRAY[0, 0, 0, 0, 111]::numeric[], 'a savepoint that created several accounts rolls back cleanly');
SELECT results_eq($$INSERT INTO rb_ledger (acct, amt) VALUES ('m1', 1), ('m4', 4), ('a', 1) RETURNING acct, bal, entry_seq$$,
                  $$VALUES ('m1'::text, 1::bigint, 1::bigint), ('m4', 4, 1), ('a', 112, 7)$$,
                  'and the accounts start afresh after it');

SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('rb_ledger')), 0::bigint,
          'after all of it the ledger verifies');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('rb_ledger', orm_ext.ledger_digest('rb_ledger'))), 0::bigint,
          'and matches its own digest');

SELECT * FROM finish();
ROLLBACK;
