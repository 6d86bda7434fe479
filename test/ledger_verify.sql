-- ledger_verify() and ledger_digest(): a clean ledger has no problems;
-- changes made behind the triggers' back (by the owner or a superuser with
-- the append-only trigger disabled) are named by account and entry; a
-- consistent rewrite of an account's history is caught by an earlier digest;
-- altered and malformed digests; privileges and row-level security.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(53);

SELECT has_function('orm_ext', 'ledger_verify', ARRAY['regclass', 'jsonb'], 'ledger_verify(regclass, jsonb) exists');
SELECT has_function('orm_ext', 'ledger_digest', ARRAY['regclass'], 'ledger_digest(regclass) exists');

-- A ledger of three accounts with five entries each: amounts 1..5, so the
-- balances are 1, 3, 6, 10, 15.  id and note make every row distinct.
CREATE FUNCTION pg_temp.make_ledger(tbl text, hashed bool, fill bool DEFAULT true) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE %I (id bigint PRIMARY KEY, acct text NOT NULL, amt bigint NOT NULL,
                                      bal bigint, note text)', tbl);
    PERFORM orm_ext.ledger_attach(tbl::regclass, 'acct', 'amt', 'bal', hash_chain => hashed);
    IF fill THEN
        EXECUTE format($q$INSERT INTO %I (id, acct, amt, note)
                          SELECT row_number() OVER (ORDER BY g, a), a, g, a || ' #' || g
                          FROM generate_series(1, 5) g, unnest(ARRAY['alice', 'bob', 'carol']) a
                          ORDER BY g, a$q$, tbl);
    END IF;
END
$$;
-- runs sql with the ledger's append-only trigger disabled, as its owner could
CREATE FUNCTION pg_temp.behind_the_back(tbl text, sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %I DISABLE TRIGGER orm_ext_append_only', tbl);
    EXECUTE sql;
    EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER orm_ext_append_only', tbl);
END
$$;
CREATE FUNCTION pg_temp.heads_of(tbl text) RETURNS regclass LANGUAGE sql AS $$
    SELECT heads FROM orm_ext.ledgers WHERE ledger = tbl::regclass
$$;
-------------------------------------------------------------------------------
-- clean ledgers and their digests
-------------------------------------------------------------------------------
SELECT pg_temp.make_ledger('v_plain', false);
SELECT pg_temp.make_ledger('v_hashed', true);
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('v_plain')), 0::bigint, 'a clean ledger: no rows');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('v_hashed')), 0::bigint, 'a clean hash-chained ledger: no rows');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('v_plain', NULL)), 0::bigint, 'a NULL digest means no digest');

CREATE TEMP TABLE digests AS
SELECT 'v_plain'::text AS tbl, orm_ext.ledger_digest('v_plain') AS d
UNION ALL SELECT 'v_hashed', orm_ext.ledger_digest('v_hashed');

SELECT is((SELECT array_agg(k ORDER BY k) FROM digests, jsonb_object_keys(d) k WHERE tbl = 'v_hashed'),
          ARRAY['accounts', 'algorithm', 'hash_chain', 'heads', 'ledger', 'root', 'taken_at'],
          'a digest has the documented keys');
SELECT results_eq($$SELECT d->>'ledger', d->>'algorithm', (d->>'hash_chain')::bool, (d->>'accounts')::int,
                           jsonb_array_length(d->'heads')
                    FROM digests ORDER BY tbl$$,
                  $$VALUES ('public.v_hashed', 'sha256', true, 3, 3), ('public.v_plain', 'sha256', false, 3, 3)$$,
                  'ledger, algorithm, hash_chain, accounts and one head per account');
SELECT results_eq($$SELECT h->>'account', (h->>'seq')::bigint, (h->>'balance')::numeric, length(h->>'hash')
                    FROM digests, jsonb_array_elements(d->'heads') WITH ORDINALITY x(h, n)
                    WHERE tbl = 'v_hashed' ORDER BY n$$,
                  $$VALUES ('alice', 5::bigint, 15::numeric, 64), ('bob', 5, 15, 64), ('carol', 5, 15, 64)$$,
                  'each head has its account, seq, balance and a hex sha256 hash, in account order');
SELECT is((SELECT d->'heads'->0 ? 'hash' FROM digests WHERE tbl = 'v_plain'), false,
          'the heads of a ledger without hash chain carry no hash');
SELECT is((SELECT d->>'root' ~ '^[0-9a-f]{64}$' FROM digests WHERE tbl = 'v_plain'), true,
          'the root is a hex sha256');
SELECT is((SELECT count(*) FROM digests, orm_ext.ledger_verify(tbl::regclass, d)), 0::bigint,
          'a clean ledger matches its own digest');

-- a digest stays valid while the ledger grows
INSERT INTO v_hashed (id, acct, amt, note) VALUES (100, 'alice', -7, 'later'), (101, 'dave', 1, 'new account');
INSERT INTO v_plain (id, acct, amt, note) VALUES (100, 'alice', -7, 'later'), (101, 'dave', 1, 'new account');
SELECT is((SELECT count(*) FROM digests, orm_ext.ledger_verify(tbl::regclass, d)), 0::bigint,
          'entries inserted after the digest was taken do not make it fail');
SELECT isnt((SELECT d->>'root' FROM digests WHERE tbl = 'v_plain'), orm_ext.ledger_digest('v_plain')->>'root',
            'the root of a new digest differs once the ledger has grown');

-------------------------------------------------------------------------------
-- tampering behind the triggers' back
-------------------------------------------------------------------------------
-- an amount changed: the balance chain breaks at that entry
SELECT pg_temp.make_ledger('t_update', false);
SELECT pg_temp.behind_the_back('t_update', $$UPDATE t_update SET amt = 100 WHERE acct = 'alice' AND entry_seq = 3$$);
SELECT results_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('t_update')$$,
                  $$VALUES ('alice', '3', 'balance is 6, but the previous balance 3 plus the amount 100 is 103')$$,
                  'an updated amount: the account and entry are named with a balance problem');

SELECT pg_temp.make_ledger('t_update_hashed', true);
SELECT pg_temp.behind_the_back('t_update_hashed',
                               $$UPDATE t_update_hashed SET amt = 100 WHERE acct = 'alice' AND entry_seq = 3$$);
SELECT set_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('t_update_hashed')$$,
              $$VALUES ('alice', '3', 'balance is 6, but the previous balance 3 plus the amount 100 is 103'),
                       ('alice', '3', 'hash does not match the entry and the previous hash: the entry was changed')$$,
              'with hash_chain, an updated amount is also a hash problem at that entry');

-- a column outside amount and balance changed: only the hash sees it
SELECT pg_temp.make_ledger('t_note', true);
SELECT pg_temp.behind_the_back('t_note', $$UPDATE t_note SET note = 'forged' WHERE acct = 'bob' AND entry_seq = 2$$);
SELECT results_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('t_note')$$,
                  $$VALUES ('bob', '2', 'hash does not match the entry and the previous hash: the entry was changed')$$,
                  'a changed note: a hash problem naming the entry, and nothing else');

-- the amount and the balances after it changed consistently: only the hash sees it
SELECT pg_temp.make_ledger('t_consistent', true);
SELECT pg_temp.behind_the_back('t_consistent',
    $$UPDATE t_consistent SET amt = amt + 1000, bal = bal + 1000 WHERE acct = 'carol' AND entry_seq = 4;
      UPDATE t_consistent SET bal = bal + 1000 WHERE acct = 'carol' AND entry_seq = 5$$);
SELECT is(ARRAY(SELECT DISTINCT account || '#' || entry FROM orm_ext.ledger_verify('t_consistent')
                WHERE problem LIKE 'hash does not match%' ORDER BY 1),
          ARRAY['carol#4', 'carol#5'],
          'a consistently re-balanced change is caught by the hash at each changed entry');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('t_consistent') WHERE account = 'carol' AND entry IS NULL),
          'and the head no longer agrees with the last entry');

-- a middle entry deleted
SELECT pg_temp.make_ledger('t_delete', false);
SELECT pg_temp.behind_the_back('t_delete', $$DELETE FROM t_delete WHERE acct = 'bob' AND entry_seq = 3$$);
SELECT results_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('t_delete')$$,
                  $$VALUES ('bob', '3', 'entry is missing')$$,
                  'a deleted middle entry: ''entry is missing'' naming the account and seq');

SELECT pg_temp.make_ledger('t_delete_hashed', true);
SELECT pg_temp.behind_the_back('t_delete_hashed', $$DELETE FROM t_delete_hashed WHERE acct = 'bob' AND entry_seq = 3$$);
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('t_delete_hashed')
                  WHERE account = 'bob' AND entry = '3' AND problem = 'entry is missing'),
          'with hash_chain, a deleted middle entry is named too');
SELECT is(ARRAY(SELECT DISTINCT account FROM orm_ext.ledger_verify('t_delete_hashed')), ARRAY['bob'],
          'and no other account is reported');

SELECT pg_temp.make_ledger('t_delete_range', false);
SELECT pg_temp.behind_the_back('t_delete_range', $$DELETE FROM t_delete_range WHERE acct = 'alice' AND entry_seq BETWEEN 2 AND 4$$);
SELECT results_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('t_delete_range')$$,
                  $$VALUES ('alice', '2', 'entries 2 to 4 are missing')$$,
                  'deleted consecutive entries are one row naming the range');

SELECT pg_temp.make_ledger('t_delete_last', false);
SELECT pg_temp.behind_the_back('t_delete_last', $$DELETE FROM t_delete_last WHERE acct = 'carol' AND entry_seq = 5$$);
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('t_delete_last')
                  WHERE account = 'carol' AND entry IS NULL
                    AND problem = 'head counts 5 entries, but the last entry is 4'),
          'a deleted last entry: the head counts more entries than there are');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('t_delete_last')
                  WHERE account = 'carol' AND entry IS NULL AND problem LIKE 'head balance 15 differs from %'),
          'and its balance differs from the last entry''s');

-- a head changed behind the trigger's back
SELECT pg_temp.make_ledger('t_head', false);
SELECT pg_temp.behind_the_back('t_head',
    format('UPDATE %s SET balance = balance + 1 WHERE account = %L', pg_temp.heads_of('t_head'), 'alice'));
SELECT is(ARRAY(SELECT account || coalesce('#' || entry, '') FROM orm_ext.ledger_verify('t_head')), ARRAY['alice'],
          'a forged head balance is a head-level problem of that account');

-------------------------------------------------------------------------------
-- a consistent rewrite of one account's history, caught by an earlier digest
-------------------------------------------------------------------------------
-- The balance trigger keeps the heads this transaction has locked until the
-- transaction ends, so within this one test transaction it would not see a
-- head reset made after it wrote that head.  The history to rewrite is
-- therefore written by the trigger into a scratch ledger and copied, rows and
-- heads, into the ledger under test (as a restore would), with the balance
-- trigger disabled.  The ledger under test then has never been written by
-- the trigger in this transaction, like a ledger attacked in a session of its own.
CREATE FUNCTION pg_temp.copied_ledger(tbl text, hashed bool) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.make_ledger(tbl || '_scratch', hashed);
    PERFORM pg_temp.make_ledger(tbl, hashed, fill => false);
    EXECUTE format('ALTER TABLE %I DISABLE TRIGGER orm_ext_ledger_balance', tbl);
    EXECUTE format('INSERT INTO %I SELECT * FROM %I ORDER BY id', tbl, tbl || '_scratch');
    EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER orm_ext_ledger_balance', tbl);
    EXECUTE format('INSERT INTO %s SELECT * FROM %s', pg_temp.heads_of(tbl), pg_temp.heads_of(tbl || '_scratch'));
END
$$;
-- deletes an account's entries, resets its head, and inserts other entries through the trigger
CREATE FUNCTION pg_temp.rewrite(tbl text, account text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.behind_the_back(tbl, format('DELETE FROM %I WHERE acct = %L', tbl, account));
    EXECUTE format('UPDATE %s SET balance = 0, seq = 0, hash = NULL WHERE account = %L',
                   pg_temp.heads_of(tbl), account);
    EXECUTE format($q$INSERT INTO %I (id, acct, amt, note)
                      SELECT 1000 + g, %L, g * 3, 'rewritten' FROM generate_series(1, 6) g ORDER BY g$q$,
                   tbl, account);
END
$$;

SELECT pg_temp.copied_ledger('r_hashed', true);
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('r_hashed')), 0::bigint,
          'rewrite set-up: the copied hash-chained ledger verifies');
INSERT INTO digests VALUES ('r_hashed', orm_ext.ledger_digest('r_hashed'));
SELECT pg_temp.rewrite('r_hashed', 'bob');
SELECT results_eq($$SELECT amt, bal, entry_seq FROM r_hashed WHERE acct = 'bob' ORDER BY entry_seq LIMIT 2$$,
                  $$VALUES (3::bigint, 3::bigint, 1::bigint), (6, 9, 2)$$,
                  'rewrite set-up: the trigger chained the new entries from the reset head');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('r_hashed')), 0::bigint,
          'a consistent rewrite with a reset head passes ledger_verify without a digest');
SELECT results_eq($$SELECT account, entry, problem
                    FROM orm_ext.ledger_verify('r_hashed', (SELECT d FROM digests WHERE tbl = 'r_hashed'))$$,
                  $$VALUES ('bob', '5', 'entry differs from the digest: it or an entry before it was rewritten')$$,
                  'with the earlier digest, the rewritten account is reported at the digest''s entry');

SELECT pg_temp.copied_ledger('r_plain', false);
INSERT INTO digests VALUES ('r_plain', orm_ext.ledger_digest('r_plain'));
SELECT pg_temp.rewrite('r_plain', 'carol');
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('r_plain')), 0::bigint,
          'without hash chain too, the rewrite passes ledger_verify without a digest');
SELECT is(ARRAY(SELECT DISTINCT account FROM orm_ext.ledger_verify('r_plain', (SELECT d FROM digests WHERE tbl = 'r_plain'))),
          ARRAY['carol'], 'and the earlier digest reports the rewritten account, and only it');

SELECT pg_temp.copied_ledger('r_short', true);
INSERT INTO digests VALUES ('r_short', orm_ext.ledger_digest('r_short'));
SELECT pg_temp.behind_the_back('r_short', $$DELETE FROM r_short WHERE acct = 'alice' AND entry_seq > 2$$);
SELECT pg_temp.behind_the_back('r_short',
    format($$UPDATE %s h SET seq = 2, balance = 3, hash = (SELECT entry_hash FROM r_short WHERE acct = 'alice' AND entry_seq = 2)
             WHERE account = 'alice'$$, pg_temp.heads_of('r_short')));
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('r_short')), 0::bigint,
          'an account cut back to an earlier entry, head included, passes without a digest');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('r_short', (SELECT d FROM digests WHERE tbl = 'r_short'))
                  WHERE account = 'alice' AND entry = '5'),
          'the earlier digest names the account and the entry it covered that is gone');

-------------------------------------------------------------------------------
-- digests altered by hand, and malformed ones
-------------------------------------------------------------------------------
SELECT pg_temp.make_ledger('d_clean', true);
INSERT INTO digests VALUES ('d_clean', orm_ext.ledger_digest('d_clean'));
SELECT results_eq($$SELECT account, entry, problem FROM orm_ext.ledger_verify('d_clean',
                      jsonb_set((SELECT d FROM digests WHERE tbl = 'd_clean'), '{root}', to_jsonb(repeat('ab', 32))))$$,
                  $$VALUES (NULL::text, NULL::text, 'the digest''s root hash does not match its heads: the digest itself was altered')$$,
                  'a changed root: a root mismatch row, and nothing else');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('d_clean',
                      jsonb_set((SELECT d FROM digests WHERE tbl = 'd_clean'), '{heads,1,seq}', '4'))
                  WHERE account IS NULL AND problem LIKE 'the digest''s root hash does not match its heads%'),
          'a head''s seq lowered in the digest: root mismatch');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('d_clean',
                      jsonb_set((SELECT d FROM digests WHERE tbl = 'd_clean'), '{heads,0,balance}', '16'))
                  WHERE account IS NULL AND problem LIKE 'the digest''s root hash does not match its heads%'),
          'a head''s balance changed in the digest: root mismatch');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('d_clean',
                      jsonb_set((SELECT d FROM digests WHERE tbl = 'd_clean'), '{heads}',
                                (SELECT d->'heads' FROM digests WHERE tbl = 'd_clean') - 1))
                  WHERE account IS NULL AND problem LIKE 'the digest''s root hash does not match its heads%'),
          'a head removed from the digest: root mismatch');
SELECT ok(EXISTS (SELECT FROM orm_ext.ledger_verify('d_clean', (SELECT d FROM digests WHERE tbl = 'v_hashed'))
                  WHERE account IS NULL),
          'the digest of another ledger is reported');

SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('d_clean', '{}')$$, '22023', NULL, 'an empty object: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('d_clean', '[]')$$, '22023', NULL, 'an array: 22023');
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('d_clean', '"digest"')$$, '22023', NULL, 'a string: 22023');
SELECT throws_ok(format('SELECT * FROM orm_ext.ledger_verify(%L, %L)', 'd_clean',
                        (SELECT d - 'heads' FROM digests WHERE tbl = 'd_clean')),
                 '22023', 'digest is not an orm_ext ledger digest', 'a digest without heads: 22023');
SELECT throws_ok(format('SELECT * FROM orm_ext.ledger_verify(%L, %L)', 'd_clean',
                        (SELECT jsonb_set(d, '{heads}', '"none"') FROM digests WHERE tbl = 'd_clean')),
                 '22023', NULL, 'heads that are not an array: 22023');
SELECT throws_ok(format('SELECT * FROM orm_ext.ledger_verify(%L, %L)', 'd_clean',
                        (SELECT jsonb_set(d, '{heads,0,seq}', '"five"') FROM digests WHERE tbl = 'd_clean')),
                 '22023', NULL, 'a head whose seq is not a number: 22023');

-------------------------------------------------------------------------------
-- errors, privileges, row-level security
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify(NULL)$$, '22004', NULL, 'NULL tbl: 22004');
CREATE TABLE v_not_ledger (acct text, amt bigint, bal bigint);
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('v_not_ledger')$$, '42704', NULL, 'not a ledger: 42704');
SELECT throws_ok($$SELECT orm_ext.ledger_digest('v_not_ledger')$$, '42704', NULL, 'ledger_digest of a non-ledger: 42704');

CREATE ROLE orm_ext_lv_nobody NOLOGIN;
CREATE ROLE orm_ext_lv_auditor NOLOGIN;
CREATE ROLE orm_ext_lv_user NOLOGIN;
GRANT SELECT ON v_plain TO orm_ext_lv_auditor, orm_ext_lv_user;
ALTER TABLE v_plain ENABLE ROW LEVEL SECURITY;
CREATE POLICY v_plain_auditor ON v_plain FOR SELECT TO orm_ext_lv_auditor USING (true);
CREATE POLICY v_plain_user ON v_plain FOR SELECT TO orm_ext_lv_user USING (acct = 'alice');
SET LOCAL ROLE orm_ext_lv_nobody;
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('v_plain')$$, '42501', NULL, 'without SELECT: 42501');
SELECT throws_ok($$SELECT orm_ext.ledger_digest('v_plain')$$, '42501', NULL, 'ledger_digest without SELECT: 42501');
RESET ROLE;
SET LOCAL ROLE orm_ext_lv_user;
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('v_plain')$$, '42501', NULL,
                 'a caller subject to row-level security: 42501');
SELECT throws_ok($$SELECT orm_ext.ledger_digest('v_plain')$$, '42501', NULL,
                 'ledger_digest for a caller subject to row-level security: 42501');
RESET ROLE;
SET LOCAL ROLE orm_ext_lv_auditor;
SELECT throws_ok($$SELECT * FROM orm_ext.ledger_verify('v_plain')$$, '42501', NULL,
                 'subject to row-level security, even under a policy that shows every row: 42501');
RESET ROLE;
SELECT is((SELECT count(*) FROM orm_ext.ledger_verify('v_plain')), 0::bigint,
          'the owner, not subject to its table''s RLS, verifies it');

SELECT * FROM finish();
ROLLBACK;
