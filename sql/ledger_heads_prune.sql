--
-- The heads table of a ledger: fillfactor 50, and its pages pruned in
-- batches.  Every transaction that inserts an entry leaves a dead version of
-- its account's head behind; the trigger prunes a heads page only when less
-- than a tenth of it is free, so that one prune reclaims the versions of
-- many transactions.  Counted in the WAL with pg_walinspect (PostgreSQL 15
-- and later; the Makefile leaves this test out before 15).
--
CREATE EXTENSION pg_walinspect;
SET synchronous_commit = on;	-- pg_walinspect reads flushed WAL only

CREATE TABLE prune_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    acct int NOT NULL,
    amount bigint NOT NULL,
    bal bigint
);
SELECT orm_ext.ledger_attach('prune_ledger', 'acct', 'amount', 'bal');
SELECT heads AS heads FROM orm_ext.ledgers WHERE ledger = 'prune_ledger'::regclass \gset
SELECT c.reloptions
  FROM pg_class c
 WHERE c.oid = :'heads'::regclass;
-- no autovacuum of these tables between the steps
ALTER TABLE prune_ledger SET (autovacuum_enabled = off);
ALTER TABLE :heads SET (autovacuum_enabled = off);

-- one single-row transaction per entry, account 1 + i % accounts
CREATE PROCEDURE prune_entries(n int, accounts int)
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        INSERT INTO prune_ledger (acct, amount) VALUES (1 + i % accounts, 1);
        COMMIT;
    END LOOP;
END
$$;

-- 100 accounts, each created in a transaction of its own: the inserts fill
-- the heads pages up to the fillfactor
CALL prune_entries(100, 100);

-- 2,000 single-row transactions on 50 of them.  Pruning every heads page
-- whenever its free space is below the fillfactor's reserve, as an index
-- scan would, writes about 55 prune records here; the trigger writes about
-- 20.  (A snapshot held by another session of the database meanwhile can
-- only make prunes fewer, and move some heads to another page.)
SELECT pg_current_wal_flush_lsn() AS start_lsn \gset
CALL prune_entries(2000, 50);
SELECT count(*) FILTER (WHERE w.record_type LIKE 'PRUNE%') > 0 AS pruned,
       count(*) FILTER (WHERE w.record_type LIKE 'PRUNE%') < 2000 / 50 AS pruned_in_batches,
       count(*) FILTER (WHERE w.record_type LIKE 'HOT_UPDATE%') > 2000 * 0.9 AS mostly_hot
  FROM pg_get_wal_records_info(:'start_lsn', pg_current_wal_flush_lsn()) AS w
 WHERE w.block_ref ~ (' rel \d+/\d+/' || pg_relation_filenode(:'heads') || ' ');

-- The same under SERIALIZABLE, where every transaction finds its head
-- through the heads' primary key (for the predicate lock on the key)
-- instead of at the TID the session remembers: the index path prunes by the
-- same rule.  Pruning by the server's rule for index scans writes about 55
-- prune records here too.
SET default_transaction_isolation = serializable;
SELECT pg_current_wal_flush_lsn() AS start_lsn \gset
CALL prune_entries(2000, 50);
RESET default_transaction_isolation;
SELECT count(*) FILTER (WHERE w.record_type LIKE 'PRUNE%') > 0 AS pruned,
       count(*) FILTER (WHERE w.record_type LIKE 'PRUNE%') < 2000 / 50 AS pruned_in_batches,
       count(*) FILTER (WHERE w.record_type LIKE 'HOT_UPDATE%') > 2000 * 0.9 AS mostly_hot
  FROM pg_get_wal_records_info(:'start_lsn', pg_current_wal_flush_lsn()) AS w
 WHERE w.block_ref ~ (' rel \d+/\d+/' || pg_relation_filenode(:'heads') || ' ');

SELECT acct, bal, entry_seq
  FROM prune_ledger
 WHERE id IN (SELECT max(id) FROM prune_ledger GROUP BY acct)
   AND acct IN (1, 50, 51, 100)
 ORDER BY acct;
SELECT count(*) AS problems FROM orm_ext.ledger_verify('prune_ledger');

SELECT orm_ext.ledger_detach('prune_ledger');
DROP TABLE prune_ledger;
DROP PROCEDURE prune_entries(int, int);
DROP EXTENSION pg_walinspect;
