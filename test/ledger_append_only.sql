-- append_only(): UPDATE, DELETE and TRUNCATE are refused with 23001 for
-- every role, whatever the statement; INSERT goes through.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(29);

SELECT has_function('orm_ext', 'append_only', ARRAY[]::name[], 'append_only() exists');
SELECT function_returns('orm_ext', 'append_only', ARRAY[]::name[], 'trigger', 'it is a trigger function');

-- a table with a hostile name in a hostile schema
CREATE SCHEMA "Ledger Schema";
CREATE TABLE "Ledger Schema"."select ""entries"""(
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Account" text NOT NULL,
    amount bigint NOT NULL
);
CREATE TRIGGER "no update or delete" BEFORE UPDATE OR DELETE ON "Ledger Schema"."select ""entries"""
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
CREATE TRIGGER "no truncate" BEFORE TRUNCATE ON "Ledger Schema"."select ""entries"""
    FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only();
INSERT INTO "Ledger Schema"."select ""entries""" ("Account", amount) VALUES ('alice', 100), ('bob', -5);

SELECT is((SELECT count(*) FROM "Ledger Schema"."select ""entries"""), 2::bigint, 'INSERT goes through');

-- as the superuser who owns it
SELECT throws_ok($$UPDATE "Ledger Schema"."select ""entries""" SET amount = 0$$, '23001',
                 'cannot update append-only table "Ledger Schema"."select ""entries"""',
                 'UPDATE by the owning superuser: 23001 naming the table');
SELECT throws_ok($$DELETE FROM "Ledger Schema"."select ""entries""" WHERE "Account" = 'bob'$$, '23001',
                 'cannot delete from append-only table "Ledger Schema"."select ""entries"""',
                 'DELETE by the owning superuser: 23001 naming the table');
SELECT throws_ok($$TRUNCATE "Ledger Schema"."select ""entries"""$$, '23001',
                 'cannot truncate append-only table "Ledger Schema"."select ""entries"""',
                 'TRUNCATE by the owning superuser: 23001 naming the table');
SELECT throws_ok($$UPDATE "Ledger Schema"."select ""entries""" SET "Account" = "Account"$$, '23001', NULL,
                 'a no-op UPDATE is refused too');
SELECT lives_ok($$UPDATE "Ledger Schema"."select ""entries""" SET amount = 0 WHERE false$$,
                'an UPDATE that matches no row changes nothing and passes (row-level trigger)');
SELECT throws_ok($$MERGE INTO "Ledger Schema"."select ""entries""" t USING (VALUES ('alice')) v(a)
                   ON t."Account" = v.a WHEN MATCHED THEN UPDATE SET amount = 1$$, '23001', NULL,
                 'MERGE ... UPDATE is refused');
SELECT throws_ok($$MERGE INTO "Ledger Schema"."select ""entries""" t USING (VALUES ('bob')) v(a)
                   ON t."Account" = v.a WHEN MATCHED THEN DELETE$$, '23001', NULL,
                 'MERGE ... DELETE is refused');

-- the error carries a detail, a hint and the table in its fields
CREATE FUNCTION pg_temp.error_fields(sql text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    d text; h text; s text; t text;
BEGIN
    EXECUTE sql;
    RETURN NULL;
EXCEPTION WHEN restrict_violation THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT, s = SCHEMA_NAME, t = TABLE_NAME;
    RETURN ARRAY[d, h, s, t];
END
$$;
SELECT is(pg_temp.error_fields($$DELETE FROM "Ledger Schema"."select ""entries"""$$),
          ARRAY['Trigger "no update or delete" keeps the rows of this table unchanged once written.',
                'Insert a correcting row instead.', 'Ledger Schema', 'select "entries"'],
          'detail names the trigger, the hint says what to do, schema and table fields are set');

-- the data is untouched
SELECT results_eq($$SELECT "Account", amount FROM "Ledger Schema"."select ""entries""" ORDER BY id$$,
                  $$VALUES ('alice'::text, 100::bigint), ('bob', -5)$$, 'the rows are as inserted');

-- a non-owner with every table privilege is refused too, and cannot disable the trigger
CREATE ROLE orm_ext_ao_clerk NOLOGIN;
GRANT USAGE ON SCHEMA "Ledger Schema" TO orm_ext_ao_clerk;
GRANT ALL ON "Ledger Schema"."select ""entries""" TO orm_ext_ao_clerk;
SET LOCAL ROLE orm_ext_ao_clerk;
SELECT lives_ok($$INSERT INTO "Ledger Schema"."select ""entries""" ("Account", amount) VALUES ('carol', 7)$$,
                'a granted role can insert');
SELECT throws_ok($$UPDATE "Ledger Schema"."select ""entries""" SET amount = 0$$, '23001', NULL,
                 'a granted non-owner cannot update');
SELECT throws_ok($$DELETE FROM "Ledger Schema"."select ""entries"""$$, '23001', NULL,
                 'a granted non-owner cannot delete');
SELECT throws_ok($$TRUNCATE "Ledger Schema"."select ""entries"""$$, '23001', NULL,
                 'a granted non-owner cannot truncate');
SELECT throws_ok($$ALTER TABLE "Ledger Schema"."select ""entries""" DISABLE TRIGGER "no update or delete"$$,
                 '42501', NULL, 'a non-owner cannot disable the trigger');
RESET ROLE;

-- a non-superuser owner is refused like anyone else
CREATE ROLE orm_ext_ao_owner NOLOGIN;
CREATE TABLE ao_owned (id int PRIMARY KEY, v text);
CREATE TRIGGER ao_owned_append_only BEFORE UPDATE OR DELETE ON ao_owned
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
INSERT INTO ao_owned VALUES (1, 'a');
ALTER TABLE ao_owned OWNER TO orm_ext_ao_owner;
SET LOCAL ROLE orm_ext_ao_owner;
SELECT throws_ok($$UPDATE ao_owned SET v = 'b'$$, '23001', NULL, 'a non-superuser owner cannot update');
SELECT throws_ok($$DELETE FROM ao_owned$$, '23001', NULL, 'a non-superuser owner cannot delete');
RESET ROLE;

-- replica mode skips ordinary triggers; ENABLE ALWAYS keeps the protection on
SET LOCAL session_replication_role = replica;
SELECT lives_ok($$UPDATE ao_owned SET v = 'replica'$$,
                'in replica mode an ordinarily enabled trigger does not fire (documented)');
RESET session_replication_role;
ALTER TABLE ao_owned ENABLE ALWAYS TRIGGER ao_owned_append_only;
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$UPDATE ao_owned SET v = 'again'$$, '23001', NULL,
                 'an ENABLE ALWAYS trigger refuses UPDATE even in replica mode');
RESET session_replication_role;

-- a cascading foreign key cannot delete protected rows either
CREATE TABLE ao_parent (id int PRIMARY KEY);
CREATE TABLE ao_child (id int PRIMARY KEY, parent int REFERENCES ao_parent ON DELETE CASCADE);
CREATE TRIGGER ao_child_append_only BEFORE UPDATE OR DELETE ON ao_child
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
INSERT INTO ao_parent VALUES (1);
INSERT INTO ao_child VALUES (10, 1);
SELECT throws_ok($$DELETE FROM ao_parent WHERE id = 1$$, '23001', NULL,
                 'ON DELETE CASCADE into an append-only table is refused');
CREATE TRIGGER ao_child_no_truncate BEFORE TRUNCATE ON ao_child
    FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only();
SELECT throws_ok($$TRUNCATE ao_parent CASCADE$$, '23001',
                 'cannot truncate append-only table public.ao_child',
                 'TRUNCATE ... CASCADE of a referenced table cannot empty it either');

-- a statement-level trigger refuses even an UPDATE that matches nothing
CREATE TABLE ao_stmt (id int);
CREATE TRIGGER ao_stmt_append_only BEFORE UPDATE OR DELETE ON ao_stmt
    FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only();
SELECT throws_ok($$UPDATE ao_stmt SET id = 1 WHERE false$$, '23001', NULL,
                 'a statement-level trigger refuses an UPDATE matching no row');

-- misuse
SELECT throws_ok($$SELECT orm_ext.append_only()$$, '0A000', 'append_only() can only be called as a trigger',
                 'calling the trigger function directly: 0A000');
CREATE TABLE ao_misuse (id int);
CREATE TRIGGER ao_misuse_insert BEFORE INSERT ON ao_misuse
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
SELECT throws_ok($$INSERT INTO ao_misuse VALUES (1)$$, '39P01',
                 'append_only() must not be fired by INSERT', 'declared for INSERT: 39P01');
DROP TRIGGER ao_misuse_insert ON ao_misuse;
CREATE TRIGGER ao_misuse_args BEFORE DELETE ON ao_misuse
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only('oops');
INSERT INTO ao_misuse VALUES (1);
SELECT throws_ok($$DELETE FROM ao_misuse$$, '39P01', 'append_only() takes no arguments',
                 'declared with arguments: 39P01');

-- a plain role may attach it to its own table
SET LOCAL ROLE orm_ext_ao_owner;
SELECT lives_ok($$CREATE TRIGGER ao_owned_truncate BEFORE TRUNCATE ON ao_owned
                  FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only()$$,
                'a table owner without superuser can attach append_only()');
SELECT throws_ok($$TRUNCATE ao_owned$$, '23001', NULL, 'and its TRUNCATE is then refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
