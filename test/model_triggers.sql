-- orm_ext.timestamps() and orm_ext.soft_delete() as plain row triggers, on
-- their own (model_register installs timestamps() for a model with the
-- option "timestamps"): what they write, what they keep, custom column names,
-- timestamp without time zone, partitions, and every misuse (39P01, 42703,
-- 42804, 0A000).  Roles made here start with tap_mtrg and go with the ROLLBACK.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(83);
SET LOCAL client_min_messages = warning;

\ir lib/error_of.sql
-- the number of rows a statement touched
CREATE FUNCTION pg_temp.row_count(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE q;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

SELECT has_function('orm_ext', 'timestamps', ARRAY[]::name[], 'orm_ext.timestamps() exists');
SELECT function_returns('orm_ext', 'timestamps', ARRAY[]::name[], 'trigger', 'timestamps() returns trigger');
SELECT has_function('orm_ext', 'soft_delete', ARRAY[]::name[], 'orm_ext.soft_delete() exists');
SELECT function_returns('orm_ext', 'soft_delete', ARRAY[]::name[], 'trigger', 'soft_delete() returns trigger');
SELECT isnt(obj_description('orm_ext.timestamps()'::regprocedure, 'pg_proc'), NULL, 'timestamps() has a comment');
SELECT isnt(obj_description('orm_ext.soft_delete()'::regprocedure, 'pg_proc'), NULL, 'soft_delete() has a comment');

CREATE SCHEMA "Trg ""S"" ü";
SET LOCAL search_path = "Trg ""S"" ü", public;

-------------------------------------------------------------------------------
-- timestamps(): default column names, timestamptz
-------------------------------------------------------------------------------
CREATE TABLE "Stamped It's" (id int PRIMARY KEY, body text, created_at timestamptz, updated_at timestamptz);
CREATE TRIGGER ts BEFORE INSERT OR UPDATE ON "Stamped It's"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();

INSERT INTO "Stamped It's" (id, body) VALUES (1, 'a');
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 1$$,
                  $$VALUES (now(), now())$$, 'INSERT sets created_at and updated_at to now()');
INSERT INTO "Stamped It's" VALUES (2, 'b', '2001-01-01', '2002-02-02');
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 2$$,
                  $$VALUES (now(), now())$$, 'INSERT ignores client values for both columns');
INSERT INTO "Stamped It's" VALUES (3, 'c', NULL, NULL);
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 3$$,
                  $$VALUES (now(), now())$$, 'INSERT with explicit NULLs sets both as well');

-- give the rows an old past, past the trigger
SET LOCAL session_replication_role = replica;
UPDATE "Stamped It's" SET created_at = '2000-01-01 00:00+00', updated_at = '2000-06-01 00:00+00';
SET LOCAL session_replication_role = origin;
SELECT is((SELECT count(*) FROM "Stamped It's" WHERE created_at = '2000-01-01 00:00+00'), 3::bigint,
          '(set-up: every row now has created_at 2000-01-01)');

UPDATE "Stamped It's" SET body = 'a2' WHERE id = 1;
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 1$$,
                  $$VALUES ('2000-01-01 00:00+00'::timestamptz, now())$$,
                  'UPDATE keeps created_at and sets updated_at to now()');
UPDATE "Stamped It's" SET created_at = '2030-01-01', updated_at = '2031-01-01' WHERE id = 2;
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 2$$,
                  $$VALUES ('2000-01-01 00:00+00'::timestamptz, now())$$,
                  'UPDATE that sets created_at and updated_at: created_at is kept, updated_at is now()');
UPDATE "Stamped It's" SET created_at = NULL WHERE id = 3;
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 3$$,
                  $$VALUES ('2000-01-01 00:00+00'::timestamptz, now())$$,
                  'UPDATE that sets created_at to NULL: it is kept');
-- a row whose created_at was NULL before the trigger existed keeps its NULL
SET LOCAL session_replication_role = replica;
INSERT INTO "Stamped It's" VALUES (4, 'd', NULL, NULL);
SET LOCAL session_replication_role = origin;
UPDATE "Stamped It's" SET body = 'd2' WHERE id = 4;
SELECT results_eq($$SELECT created_at, updated_at FROM "Stamped It's" WHERE id = 4$$,
                  $$VALUES (NULL::timestamptz, now())$$,
                  'UPDATE of a row with NULL created_at keeps the NULL (created_at is never invented)');
-- INSERT ... ON CONFLICT DO UPDATE: the update path keeps created_at
INSERT INTO "Stamped It's" VALUES (1, 'up', '1999-01-01', '1999-01-01')
    ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, created_at = EXCLUDED.created_at;
SELECT results_eq($$SELECT body, created_at, updated_at FROM "Stamped It's" WHERE id = 1$$,
                  $$VALUES ('up', '2000-01-01 00:00+00'::timestamptz, now())$$,
                  'INSERT ... ON CONFLICT DO UPDATE keeps created_at and sets updated_at');

-------------------------------------------------------------------------------
-- timestamps(): timestamp without time zone, custom names, domains
-------------------------------------------------------------------------------
CREATE DOMAIN "Stamp Dom" AS timestamptz;
CREATE TABLE plain_ts ("Made At" timestamp, "Touched ""At""" "Stamp Dom", n int);
CREATE TRIGGER ts BEFORE INSERT OR UPDATE ON plain_ts
    FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('Made At', 'Touched "At"');
INSERT INTO plain_ts VALUES ('1990-01-01', '1990-01-01', 1);
SELECT results_eq($$SELECT "Made At", "Touched ""At"""::timestamptz FROM plain_ts$$,
                  $$VALUES (now()::timestamp, now())$$,
                  'custom column names with spaces and quotes; timestamp without time zone gets now() in the session''s time zone, a domain over timestamptz works');
SET LOCAL session_replication_role = replica;
UPDATE plain_ts SET "Made At" = '1990-01-01';
SET LOCAL session_replication_role = origin;
UPDATE plain_ts SET n = 2, "Made At" = '2040-01-01';
SELECT results_eq($$SELECT "Made At", "Touched ""At"""::timestamptz FROM plain_ts$$,
                  $$VALUES ('1990-01-01'::timestamp, now())$$,
                  'timestamp without time zone: UPDATE keeps the created column and sets the updated one');
SET LOCAL TimeZone = 'Asia/Tokyo';
INSERT INTO plain_ts VALUES (NULL, NULL, 3);
SELECT is((SELECT "Made At" FROM plain_ts WHERE n = 3), now()::timestamp,
          'timestamp without time zone follows the TimeZone setting (Asia/Tokyo)');
SET LOCAL TimeZone = 'UTC';

-------------------------------------------------------------------------------
-- timestamps(): misuse
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.timestamps()$$, '0A000', 'timestamps() can only be called as a trigger',
                 'timestamps() called directly: 0A000');
CREATE TABLE ts_bad (id int, created_at timestamptz, updated_at timestamptz, other timestamptz,
                     born date, "Txt" text);
INSERT INTO ts_bad VALUES (1);

CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('created_at');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '39P01', NULL, 'timestamps() with one argument: 39P01');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW
    EXECUTE FUNCTION orm_ext.timestamps('created_at', 'updated_at', 'other');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '39P01', NULL, 'timestamps() with three arguments: 39P01');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('created_at', 'created_at');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '39P01', NULL, 'timestamps() naming one column twice: 39P01');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('created_at', 'nope');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '42703', NULL, 'timestamps() naming a missing column: 42703');
SELECT throws_ok($$UPDATE ts_bad SET id = 3$$, '42703', NULL, 'on UPDATE too');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('Created_At', 'updated_at');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '42703', NULL,
                 'column names are taken literally (Created_At is not created_at): 42703');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('born', 'updated_at');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '42804', NULL, 'timestamps() on a date column: 42804');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('created_at', 'Txt');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '42804', NULL, 'timestamps() on a text column: 42804');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('ctid', 'updated_at');
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '42703', NULL, 'timestamps() naming a system column: 42703');
DROP TRIGGER t ON ts_bad;
-- no arguments on a table without created_at/updated_at
CREATE TABLE ts_none (id int);
CREATE TRIGGER t BEFORE INSERT ON ts_none FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
SELECT throws_ok($$INSERT INTO ts_none VALUES (1)$$, '42703', NULL,
                 'timestamps() without arguments on a table without created_at: 42703');
CREATE TRIGGER t AFTER INSERT OR UPDATE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '39P01', NULL, 'timestamps() fired AFTER: 39P01');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE INSERT OR UPDATE ON ts_bad FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.timestamps();
SELECT throws_ok($$INSERT INTO ts_bad (id) VALUES (2)$$, '39P01', NULL, 'timestamps() FOR EACH STATEMENT: 39P01');
DROP TRIGGER t ON ts_bad;
CREATE TRIGGER t BEFORE DELETE ON ts_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
SELECT throws_ok($$DELETE FROM ts_bad$$, '39P01', NULL, 'timestamps() fired by DELETE: 39P01');
DROP TRIGGER t ON ts_bad;
SELECT is((SELECT count(*) FROM ts_bad), 1::bigint, 'none of the refused statements changed ts_bad');

-------------------------------------------------------------------------------
-- soft_delete()
-------------------------------------------------------------------------------
CREATE TABLE "Soft ""T""" (id int PRIMARY KEY, body text, deleted_at timestamptz);
CREATE TRIGGER sd BEFORE DELETE ON "Soft ""T""" FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
INSERT INTO "Soft ""T""" SELECT g, 'row ' || g, NULL FROM generate_series(1, 5) g;
INSERT INTO "Soft ""T""" VALUES (6, 'old', '2001-01-01 00:00+00');

SELECT is(pg_temp.row_count($$DELETE FROM "Soft ""T""" WHERE id = 1$$), 0::bigint,
          'DELETE reports no row deleted');
SELECT results_eq($$SELECT body, deleted_at FROM "Soft ""T""" WHERE id = 1$$,
                  $$VALUES ('row 1', now())$$, 'the row stays, with deleted_at = now()');
SELECT is_empty($$DELETE FROM "Soft ""T""" WHERE id = 2 RETURNING *$$, 'DELETE ... RETURNING returns no row');
SELECT results_eq($$SELECT deleted_at FROM "Soft ""T""" WHERE id = 2$$, $$VALUES (now())$$,
                  'and the row is marked');
SELECT lives_ok($$DELETE FROM "Soft ""T""" WHERE id = 6$$, 'deleting an already soft-deleted row');
SELECT results_eq($$SELECT deleted_at FROM "Soft ""T""" WHERE id = 6$$,
                  $$VALUES ('2001-01-01 00:00+00'::timestamptz)$$, 'keeps its earlier deleted_at');
SELECT is(pg_temp.row_count($$DELETE FROM "Soft ""T""" WHERE id >= 3$$), 0::bigint, 'a DELETE of several rows');
SELECT results_eq($$SELECT id, deleted_at FROM "Soft ""T""" ORDER BY id$$,
                  $$VALUES (1, now()), (2, now()), (3, now()), (4, now()), (5, now()),
                           (6, '2001-01-01 00:00+00'::timestamptz)$$,
                  'marks every row (the old one keeps its value) and deletes none');

-- custom column, timestamp without time zone, with other triggers around
CREATE TABLE soft_custom (id int, "Gone ""When""" timestamp, deleted_at text);
CREATE TRIGGER sd BEFORE DELETE ON soft_custom FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('Gone "When"');
INSERT INTO soft_custom VALUES (1, NULL, 'untouched');
DELETE FROM soft_custom;
SELECT results_eq($$SELECT "Gone ""When""", deleted_at FROM soft_custom$$,
                  $$VALUES (now()::timestamp, 'untouched')$$,
                  'a custom column name (with a quote) of type timestamp: set to now(); deleted_at is not touched');
-- combined with timestamps(): the soft delete's UPDATE fires the update trigger
CREATE TABLE soft_stamped (id int, created_at timestamptz, updated_at timestamptz, deleted_at timestamptz);
CREATE TRIGGER ts BEFORE INSERT OR UPDATE ON soft_stamped FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps();
CREATE TRIGGER sd BEFORE DELETE ON soft_stamped FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
INSERT INTO soft_stamped (id) VALUES (1);
SET LOCAL session_replication_role = replica;
UPDATE soft_stamped SET created_at = '2000-01-01 00:00+00', updated_at = '2000-01-01 00:00+00';
SET LOCAL session_replication_role = origin;
DELETE FROM soft_stamped;
SELECT results_eq($$SELECT created_at, updated_at, deleted_at FROM soft_stamped$$,
                  $$VALUES ('2000-01-01 00:00+00'::timestamptz, now(), now())$$,
                  'with timestamps() too: the soft delete is an UPDATE, so updated_at moves and created_at stays');

-- a partitioned table: the row stays in its partition
CREATE TABLE soft_parted (id int, region text, deleted_at timestamptz) PARTITION BY LIST (region);
CREATE TABLE "soft_parted eu" PARTITION OF soft_parted FOR VALUES IN ('eu');
CREATE TABLE soft_parted_us PARTITION OF soft_parted FOR VALUES IN ('us');
CREATE TRIGGER sd BEFORE DELETE ON soft_parted FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
INSERT INTO soft_parted VALUES (1, 'eu'), (2, 'us');
SELECT is(pg_temp.row_count($$DELETE FROM soft_parted WHERE id = 1$$), 0::bigint,
          'partitioned table: the DELETE deletes nothing');
SELECT results_eq($$SELECT tableoid::regclass::text, id, deleted_at IS NOT NULL FROM soft_parted ORDER BY id$$,
                  $$VALUES ('"soft_parted eu"', 1, true), ('soft_parted_us', 2, false)$$,
                  'and marks exactly that row, in its partition');

-- row movement: an UPDATE that moves a row to another partition deletes and
-- inserts it; the row keeps its created_at, and with soft_delete() attached
-- BEFORE UPDATE OR DELETE it moves instead of being marked deleted
CREATE TABLE "Moved ""Rows""" (id int, "Region Of" text, "Made At" timestamptz, changed timestamptz, gone timestamptz)
    PARTITION BY LIST ("Region Of");
CREATE TABLE "Moved eu" PARTITION OF "Moved ""Rows""" FOR VALUES IN ('eu');
-- another column order, and a partition partitioned again
CREATE TABLE "Moved us" (gone timestamptz, changed timestamptz, "Region Of" text, id int, "Made At" timestamptz)
    PARTITION BY RANGE (id);
CREATE TABLE "Moved us low" PARTITION OF "Moved us" FOR VALUES FROM (MINVALUE) TO (100);
CREATE TABLE "Moved us high" PARTITION OF "Moved us" FOR VALUES FROM (100) TO (MAXVALUE);
ALTER TABLE "Moved ""Rows""" ATTACH PARTITION "Moved us" FOR VALUES IN ('us');
CREATE TRIGGER ts BEFORE INSERT OR UPDATE ON "Moved ""Rows"""
    FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('Made At', 'changed');
CREATE TRIGGER sd BEFORE UPDATE OR DELETE ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('gone');
INSERT INTO "Moved ""Rows""" (id, "Region Of") VALUES (1, 'eu'), (2, 'eu'), (3, 'us'), (4, 'us');
SET LOCAL session_replication_role = replica;
UPDATE "Moved ""Rows""" SET "Made At" = ('2000-01-0' || id || ' 00:00+00')::timestamptz, changed = '2000-02-01 00:00+00';
SET LOCAL session_replication_role = origin;
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET "Region Of" = 'us' WHERE id = 1$$), 1::bigint,
          'an UPDATE moving a row to another partition updates it (soft_delete() does not cancel the move)');
SELECT results_eq($$SELECT tableoid::regclass::text, id, "Made At", changed = now(), gone FROM "Moved ""Rows""" ORDER BY id$$,
                  $$VALUES ('"Moved us low"', 1, '2000-01-01 00:00+00'::timestamptz, true, NULL::timestamptz),
                           ('"Moved eu"', 2, '2000-01-02 00:00+00', false, NULL),
                           ('"Moved us low"', 3, '2000-01-03 00:00+00', false, NULL),
                           ('"Moved us low"', 4, '2000-01-04 00:00+00', false, NULL)$$,
                  'the moved row is in the new partition, with its created_at, a new updated_at, and not deleted');
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET "Region Of" = CASE "Region Of" WHEN 'us' THEN 'eu' ELSE 'us' END,
                                                   id = CASE WHEN id = 4 THEN 104 ELSE id END$$), 4::bigint,
          'one UPDATE moving every row, one across two levels of partitions');
SELECT results_eq($$SELECT tableoid::regclass::text, id, "Made At", gone FROM "Moved ""Rows""" ORDER BY id$$,
                  $$VALUES ('"Moved eu"', 1, '2000-01-01 00:00+00'::timestamptz, NULL::timestamptz),
                           ('"Moved us low"', 2, '2000-01-02 00:00+00', NULL),
                           ('"Moved eu"', 3, '2000-01-03 00:00+00', NULL),
                           ('"Moved eu"', 104, '2000-01-04 00:00+00', NULL)$$,
                  'every moved row kept its created_at and none was marked deleted');
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET id = 102 WHERE id = 2$$), 1::bigint,
          'a move between sub-partitions');
SELECT results_eq($$SELECT tableoid::regclass::text, "Made At", gone FROM "Moved ""Rows""" WHERE id = 102$$,
                  $$VALUES ('"Moved us high"', '2000-01-02 00:00+00'::timestamptz, NULL::timestamptz)$$,
                  'kept its created_at too');
SELECT is(pg_temp.row_count($$DELETE FROM "Moved ""Rows""" WHERE id = 3$$), 0::bigint,
          'a DELETE after the moves still deletes nothing');
SELECT results_eq($$SELECT tableoid::regclass::text, gone = now() FROM "Moved ""Rows""" WHERE id = 3$$,
                  $$VALUES ('"Moved eu"', true)$$, 'and marks the row');
SELECT results_eq($$INSERT INTO "Moved ""Rows""" (id, "Region Of", "Made At", changed)
                    VALUES (5, 'us', '2000-01-01 00:00+00', now()) RETURNING "Made At"$$,
                  $$VALUES (now())$$,
                  'an INSERT sending another row''s created_at still gets now()');
-- an UPDATE within a partition, and one that changes the key but stays
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET id = 50 WHERE id = 5$$), 1::bigint,
          'an UPDATE changing the key within its partition');
SELECT results_eq($$SELECT tableoid::regclass::text, "Made At", gone FROM "Moved ""Rows""" WHERE id = 50$$,
                  $$VALUES ('"Moved us low"', now(), NULL::timestamptz)$$, 'stays, as before');
-- triggers that run SQL between (each advances the command counter), one
-- firing after timestamps() and soft_delete() that sets the partition key,
-- and a BEFORE DELETE trigger that writes before soft_delete() does
CREATE TABLE moved_audit (n int);
CREATE FUNCTION pg_temp.moved_chk() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM moved_audit LIMIT 1;
    BEGIN
        INSERT INTO moved_audit VALUES (1);
    EXCEPTION WHEN OTHERS THEN
        NULL;
    END;
    RETURN NEW;
END $$;
CREATE FUNCTION pg_temp.moved_route() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id BETWEEN 200 AND 299 THEN
        NEW."Region Of" := 'eu';
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION pg_temp.moved_audit_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO moved_audit VALUES (2);
    RETURN OLD;
END $$;
CREATE TRIGGER zz_chk BEFORE UPDATE ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION pg_temp.moved_chk();
CREATE TRIGGER zz_route BEFORE UPDATE ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION pg_temp.moved_route();
CREATE TRIGGER aa_audit BEFORE DELETE ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION pg_temp.moved_audit_del();
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET id = 201 WHERE id = 102$$), 1::bigint,
          'a move whose partition key a later trigger sets, with triggers running SQL around it');
SELECT results_eq($$SELECT tableoid::regclass::text, "Made At", gone FROM "Moved ""Rows""" WHERE id = 201$$,
                  $$VALUES ('"Moved eu"', '2000-01-02 00:00+00'::timestamptz, NULL::timestamptz)$$,
                  'the row moved, kept its created_at, and was not marked deleted');
SELECT is(pg_temp.row_count($$DELETE FROM "Moved ""Rows""" WHERE id = 201$$), 0::bigint,
          'a DELETE with those triggers still deletes nothing');
SELECT results_eq($$SELECT gone = now(), (SELECT count(*) FROM moved_audit WHERE n = 2) > 0
                      FROM "Moved ""Rows""" WHERE id = 201$$,
                  $$VALUES (true, true)$$, 'and marks the row');
DROP TRIGGER zz_chk ON "Moved ""Rows""";
DROP TRIGGER zz_route ON "Moved ""Rows""";
DROP TRIGGER aa_audit ON "Moved ""Rows""";
-- triggers that update another row of the same table between the note and
-- the DELETE or INSERT: each statement keeps its own note
CREATE FUNCTION pg_temp.moved_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- more statements than a backend has slots for notes: each gives its
    -- slot back when it ends
    FOR i IN 1 .. 20 LOOP
        UPDATE "Moved ""Rows""" SET changed = changed WHERE id = 104;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER aa_touch BEFORE DELETE ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION pg_temp.moved_touch();
CREATE TRIGGER aa_touch_ins BEFORE INSERT ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION pg_temp.moved_touch();
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET "Region Of" = 'us' WHERE id = 201$$), 1::bigint,
          'a move while DELETE and INSERT triggers update another row of the table, 20 times each');
SELECT results_eq($$SELECT tableoid::regclass::text, "Made At", gone = now() FROM "Moved ""Rows""" WHERE id = 201$$,
                  $$VALUES ('"Moved us high"', '2000-01-02 00:00+00'::timestamptz, true)$$,
                  'the row moved as it was (soft-deleted above), with its created_at');
DROP TRIGGER aa_touch ON "Moved ""Rows""";
DROP TRIGGER aa_touch_ins ON "Moved ""Rows""";
-- a partition moved to a tree partitioned by another column: its tree's top
-- is looked up again
CREATE TABLE "Moved by id" (id int, "Region Of" text, "Made At" timestamptz, changed timestamptz, gone timestamptz)
    PARTITION BY RANGE (id);
CREATE TABLE "Moved by id high" PARTITION OF "Moved by id" FOR VALUES FROM (1000) TO (MAXVALUE);
CREATE TRIGGER ts BEFORE INSERT OR UPDATE ON "Moved by id"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps('Made At', 'changed');
ALTER TABLE "Moved ""Rows""" DETACH PARTITION "Moved eu";
ALTER TABLE "Moved by id" ATTACH PARTITION "Moved eu" FOR VALUES FROM (MINVALUE) TO (1000);
SELECT is(pg_temp.row_count($$UPDATE "Moved by id" SET id = 1001 WHERE id = 1$$), 1::bigint,
          'a move in the new tree, by the column it is partitioned by');
SELECT results_eq($$SELECT tableoid::regclass::text, "Made At" FROM "Moved by id" WHERE id = 1001$$,
                  $$VALUES ('"Moved by id high"', '2000-01-01 00:00+00'::timestamptz)$$,
                  'the row kept its created_at');
-- soft_delete() attached BEFORE DELETE only cannot see the UPDATE: the move
-- is cancelled and the row marked, as documented
DROP TRIGGER sd ON "Moved ""Rows""";
CREATE TRIGGER sd BEFORE DELETE ON "Moved ""Rows""" FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('gone');
SELECT is(pg_temp.row_count($$UPDATE "Moved ""Rows""" SET "Region Of" = 'eu' WHERE id = 50$$), 0::bigint,
          'soft_delete() BEFORE DELETE only: the move is cancelled (UPDATE 0)');
SELECT results_eq($$SELECT tableoid::regclass::text, gone IS NOT NULL FROM "Moved ""Rows""" WHERE id = 50$$,
                  $$VALUES ('"Moved us low"', true)$$, 'and the row marked deleted, which is why it is attached for UPDATE too');

-- privileges: the marking UPDATE runs as the current user
CREATE ROLE tap_mtrg_deleter NOLOGIN;
GRANT USAGE ON SCHEMA "Trg ""S"" ü" TO tap_mtrg_deleter;
CREATE TABLE soft_priv (id int, deleted_at timestamptz);
INSERT INTO soft_priv VALUES (1), (2);
CREATE TRIGGER sd BEFORE DELETE ON soft_priv FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
GRANT SELECT, DELETE ON soft_priv TO tap_mtrg_deleter;
SET ROLE tap_mtrg_deleter;
SELECT throws_ok($$DELETE FROM soft_priv WHERE id = 1$$, '42501', NULL,
                 'a role with DELETE but no UPDATE on the table: the soft delete fails with 42501');
RESET ROLE;
GRANT UPDATE (deleted_at) ON soft_priv TO tap_mtrg_deleter;
SET ROLE tap_mtrg_deleter;
SELECT lives_ok($$DELETE FROM soft_priv WHERE id = 1$$, 'with UPDATE on the column it works');
RESET ROLE;
SELECT results_eq($$SELECT id, deleted_at IS NOT NULL FROM soft_priv ORDER BY id$$,
                  $$VALUES (1, true), (2, false)$$, 'and marked only that row');

-- the same column name, another type on another table: no plan confusion
CREATE TABLE soft_a (id int, deleted_at timestamptz);
CREATE TABLE soft_b (id int, deleted_at timestamp);
CREATE TRIGGER sd BEFORE DELETE ON soft_a FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
CREATE TRIGGER sd BEFORE DELETE ON soft_b FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
INSERT INTO soft_a VALUES (1);
INSERT INTO soft_b VALUES (1);
DELETE FROM soft_a;
DELETE FROM soft_b;
SELECT results_eq($$SELECT (SELECT deleted_at FROM soft_a), (SELECT deleted_at FROM soft_b)$$,
                  $$VALUES (now(), now()::timestamp)$$,
                  'two tables, timestamptz and timestamp columns of one name: each gets its own now()');
-- a table dropped and made again under the same name: the cached plan follows
DROP TABLE soft_a;
CREATE TABLE soft_a (extra int, id int, deleted_at timestamptz);
CREATE TRIGGER sd BEFORE DELETE ON soft_a FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
INSERT INTO soft_a VALUES (0, 1);
SELECT lives_ok($$DELETE FROM soft_a$$, 'a table dropped and created again with the same name');
SELECT results_eq($$SELECT extra, deleted_at FROM soft_a$$, $$VALUES (0, now())$$, 'is soft-deleted correctly');

-------------------------------------------------------------------------------
-- soft_delete(): misuse
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.soft_delete()$$, '0A000', 'soft_delete() can only be called as a trigger',
                 'soft_delete() called directly: 0A000');
CREATE TABLE sd_bad (id int, deleted_at timestamptz, gone date, other timestamptz);
INSERT INTO sd_bad VALUES (1);
CREATE TRIGGER t BEFORE DELETE ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('deleted_at', 'other');
SELECT throws_ok($$DELETE FROM sd_bad$$, '39P01', NULL, 'soft_delete() with two arguments: 39P01');
DROP TRIGGER t ON sd_bad;
CREATE TRIGGER t BEFORE DELETE ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('nope');
SELECT throws_ok($$DELETE FROM sd_bad$$, '42703', NULL, 'soft_delete() naming a missing column: 42703');
DROP TRIGGER t ON sd_bad;
CREATE TRIGGER t BEFORE DELETE ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('gone');
SELECT throws_ok($$DELETE FROM sd_bad$$, '42804', NULL, 'soft_delete() on a date column: 42804');
DROP TRIGGER t ON sd_bad;
CREATE TABLE sd_none (id int);
INSERT INTO sd_none VALUES (1);
CREATE TRIGGER t BEFORE DELETE ON sd_none FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
SELECT throws_ok($$DELETE FROM sd_none$$, '42703', NULL,
                 'soft_delete() without arguments on a table without deleted_at: 42703');
CREATE TRIGGER t AFTER DELETE ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
SELECT throws_ok($$DELETE FROM sd_bad$$, '39P01', NULL, 'soft_delete() fired AFTER: 39P01');
DROP TRIGGER t ON sd_bad;
CREATE TRIGGER t BEFORE DELETE ON sd_bad FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.soft_delete();
SELECT throws_ok($$DELETE FROM sd_bad$$, '39P01', NULL, 'soft_delete() FOR EACH STATEMENT: 39P01');
DROP TRIGGER t ON sd_bad;
CREATE TRIGGER t BEFORE UPDATE ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
SELECT is(pg_temp.row_count($$UPDATE sd_bad SET other = NULL$$), 1::bigint,
          'soft_delete() fired by UPDATE: the UPDATE goes through (it notes rows moving to another partition)');
DROP TRIGGER t ON sd_bad;
CREATE TRIGGER t BEFORE UPDATE ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete('gone');
SELECT throws_ok($$UPDATE sd_bad SET other = NULL$$, '42804', NULL, 'soft_delete() fired by UPDATE checks its column too: 42804');
DROP TRIGGER t ON sd_bad;
CREATE TRIGGER t BEFORE INSERT ON sd_bad FOR EACH ROW EXECUTE FUNCTION orm_ext.soft_delete();
SELECT throws_ok($$INSERT INTO sd_bad VALUES (3)$$, '39P01', NULL, 'soft_delete() fired by INSERT: 39P01');
DROP TRIGGER t ON sd_bad;
SELECT results_eq($$SELECT id, deleted_at FROM sd_bad$$, $$VALUES (1, NULL::timestamptz)$$,
                  'none of the refused statements changed sd_bad');

SELECT * FROM finish();
ROLLBACK;
