-- enum_drop_value: removing a label rebuilds the type and converts every
-- dependent column, keeping what hangs off them; what cannot be kept fails
-- cleanly and changes nothing.
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(67);

CREATE SCHEMA "Odd ""Schema"" Name";
CREATE TYPE "Odd ""Schema"" Name"."select" AS ENUM
    ('new', 'it''s on', 'done', 'gone é', 'chk', 'vw', 'dm', 'éééééééééééééééééééééééééééééééx');
COMMENT ON TYPE "Odd ""Schema"" Name"."select" IS 'the status';
CREATE ROLE orm_ext_enum_drop_reader NOLOGIN;
GRANT USAGE ON SCHEMA "Odd ""Schema"" Name" TO orm_ext_enum_drop_reader;
GRANT USAGE ON TYPE "Odd ""Schema"" Name"."select" TO orm_ext_enum_drop_reader;
CREATE DOMAIN "Odd ""Schema"" Name"."Sel Dom" AS "Odd ""Schema"" Name"."select"
    DEFAULT 'new' CONSTRAINT not_dm CHECK (VALUE <> 'dm');
COMMENT ON DOMAIN "Odd ""Schema"" Name"."Sel Dom" IS 'a domain';
CREATE TABLE "Odd ""Schema"" Name"."Order Tbl" (
    id int PRIMARY KEY,
    "select" "Odd ""Schema"" Name"."select" NOT NULL DEFAULT 'new'
        CONSTRAINT "no chk" CHECK ("select" <> 'chk' OR id < 0),
    tags "Odd ""Schema"" Name"."select"[] DEFAULT '{new}',
    d "Odd ""Schema"" Name"."Sel Dom"
);
COMMENT ON COLUMN "Odd ""Schema"" Name"."Order Tbl"."select" IS 'the column';
CREATE INDEX "partial idx" ON "Odd ""Schema"" Name"."Order Tbl" (id) WHERE "select" = 'it''s on';
CREATE INDEX expr_idx ON "Odd ""Schema"" Name"."Order Tbl" ((("select" IN ('new', 'done'))));
CREATE INDEX plain_idx ON "Odd ""Schema"" Name"."Order Tbl" ("select", id);
CREATE VIEW "Odd ""Schema"" Name"."V One" AS
    SELECT id, "select", tags FROM "Odd ""Schema"" Name"."Order Tbl" WHERE "select" <> 'new';
CREATE VIEW v_two AS SELECT id, "select" FROM "Odd ""Schema"" Name"."V One" WHERE id > 0;
CREATE VIEW v_vw AS SELECT id FROM "Odd ""Schema"" Name"."Order Tbl" WHERE "select" = 'vw' OR id < 0;
COMMENT ON VIEW "Odd ""Schema"" Name"."V One" IS 'view one';
GRANT SELECT ON v_two TO orm_ext_enum_drop_reader;
COMMENT ON COLUMN v_two."select" IS 'a view column';
GRANT SELECT (id) ON "Odd ""Schema"" Name"."V One" TO orm_ext_enum_drop_reader;
ALTER VIEW v_two ALTER COLUMN id SET DEFAULT 7;
INSERT INTO "Odd ""Schema"" Name"."Order Tbl" VALUES
    (1, 'new', '{new,gone é}', 'new'),
    (2, 'gone é', '{gone é,gone é}', 'gone é'),
    (3, 'it''s on', '{}', 'it''s on'),
    (4, 'done', NULL, NULL),
    (5, 'it''s on', '{done,it''s on}', 'gone é');

-- everything that must survive a rebuild as it was, and the data
CREATE FUNCTION pg_temp.structure() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(E'\n',
        (SELECT string_agg(pg_get_indexdef(indexrelid), E'\n' ORDER BY indexrelid::regclass::text)
           FROM pg_index WHERE indrelid = '"Odd ""Schema"" Name"."Order Tbl"'::regclass),
        (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E'\n' ORDER BY conname)
           FROM pg_constraint WHERE conrelid = '"Odd ""Schema"" Name"."Order Tbl"'::regclass),
        (SELECT string_agg(format('%s %s %s %s', attname, format_type(atttypid, atttypmod), attnotnull,
                                  pg_get_expr(ad.adbin, ad.adrelid)), E'\n' ORDER BY attnum)
           FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
          WHERE a.attrelid = '"Odd ""Schema"" Name"."Order Tbl"'::regclass AND a.attnum > 0),
        pg_get_viewdef('"Odd ""Schema"" Name"."V One"'), pg_get_viewdef('v_two'), pg_get_viewdef('v_vw'),
        (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E'\n')
           FROM pg_constraint WHERE contypid = '"Odd ""Schema"" Name"."Sel Dom"'::regtype),
        (SELECT typdefault || ' ' || typbasetype::regtype::text FROM pg_type
          WHERE oid = '"Odd ""Schema"" Name"."Sel Dom"'::regtype),
        obj_description('"Odd ""Schema"" Name"."V One"'::regclass, 'pg_class'),
        obj_description('"Odd ""Schema"" Name"."select"'::regtype, 'pg_type'),
        obj_description('"Odd ""Schema"" Name"."Sel Dom"'::regtype, 'pg_type'),
        col_description('"Odd ""Schema"" Name"."Order Tbl"'::regclass, 2),
        has_table_privilege('orm_ext_enum_drop_reader', 'v_two', 'SELECT')::text,
        col_description('v_two'::regclass, 2),
        has_column_privilege('orm_ext_enum_drop_reader', '"Odd ""Schema"" Name"."V One"', 'id', 'SELECT')::text,
        has_column_privilege('orm_ext_enum_drop_reader', '"Odd ""Schema"" Name"."V One"', 'select', 'SELECT')::text,
        (SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'v_two'::regclass),
        has_type_privilege('orm_ext_enum_drop_reader', '"Odd ""Schema"" Name"."select"', 'USAGE')::text,
        (SELECT string_agg(typname, ',' ORDER BY typname) FROM pg_type
          WHERE typnamespace = '"Odd ""Schema"" Name"'::regnamespace))
$$;
CREATE FUNCTION pg_temp.data() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(format('%s %s %s %s', id, "select", tags, d), '; ' ORDER BY id)
      FROM "Odd ""Schema"" Name"."Order Tbl"
$$;
-- everything, including the type's OID and labels: unchanged by a failure
CREATE FUNCTION pg_temp.snapshot() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(E'\n', '"Odd ""Schema"" Name"."select"'::regtype::oid,
                     '"Odd ""Schema"" Name"."Sel Dom"'::regtype::oid,
                     orm_ext.enum_values('"Odd ""Schema"" Name"."select"'),
                     pg_temp.structure(), pg_temp.data(),
                     (SELECT string_agg(indexrelid::text, ',' ORDER BY indexrelid) FROM pg_index
                       WHERE indrelid = '"Odd ""Schema"" Name"."Order Tbl"'::regclass),
                     pg_relation_filenode('"Odd ""Schema"" Name"."Order Tbl"'))
$$;
\ir lib/detail_of.sql
CREATE TEMP TABLE snap AS SELECT pg_temp.snapshot() AS s, pg_temp.structure() AS st;

-- argument errors ------------------------------------------------------------
SELECT throws_ok($$SELECT orm_ext.enum_drop_value(NULL, 'done')$$, '22004', NULL, 'NULL t: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', NULL)$$, '22004', NULL,
                 'NULL label: 22004');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('int4', 'done')$$, '42809', NULL, 'a non-enum type: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."Sel Dom"', 'done')$$, '42809', NULL,
                 'a domain over the enum: 42809');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value(0, 'done')$$, '42704', NULL, 'OID 0: 42704');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'nope')$$, '22023', NULL,
                 'a missing label: 22023');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'done', 'nope')$$, '22P02', NULL,
                 'replace_with that is not a label: 22P02');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'done', 'done')$$, '22P02', NULL,
                 'replace_with equal to the label: 22P02');

-- in use, no replacement -------------------------------------------------------
SELECT is(pg_temp.detail_of($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'gone é')$$),
          '2BP01: Column "select" of "Odd ""Schema"" Name"."Order Tbl" holds ''gone é'' in 1 row(s). '
          'Column tags of "Odd ""Schema"" Name"."Order Tbl" holds ''gone é'' in 2 row(s). '
          'Column d of "Odd ""Schema"" Name"."Order Tbl" holds ''gone é'' in 2 row(s).',
          'a label in use without replace_with: 2BP01 with the usage of every column (in rows) in the detail');
SELECT is(pg_temp.detail_of($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'done')$$),
          '2BP01: Column "select" of "Odd ""Schema"" Name"."Order Tbl" holds ''done'' in 1 row(s). '
          'Column tags of "Odd ""Schema"" Name"."Order Tbl" holds ''done'' in 1 row(s).',
          'in use in an array only in one column: 2BP01');
SELECT is(pg_temp.snapshot(), (SELECT s FROM snap), 'the refused calls changed nothing');

-- a label in no row: removed, nothing to replace -------------------------------
SELECT is(orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'éééééééééééééééééééééééééééééééx'), 0::bigint,
          'an unused 63-byte label: removed, 0 rows changed');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'),
          ARRAY['new', 'it''s on', 'done', 'gone é', 'chk', 'vw', 'dm'], 'the label is gone, the order kept');

-- with replace_with --------------------------------------------------------------
SELECT is(orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'gone é', 'it''s on'), 3::bigint,
          'replace_with: the number of rows changed (a row counts once, whichever columns held the label)');
SELECT is(orm_ext.enum_values('"Odd ""Schema"" Name"."select"'),
          ARRAY['new', 'it''s on', 'done', 'chk', 'vw', 'dm'], 'the label is gone');
SELECT is(pg_temp.data(),
          '1 new {new,"it''s on"} new; 2 it''s on {"it''s on","it''s on"} it''s on; 3 it''s on {} it''s on; '
          '4 done  ; 5 it''s on {done,"it''s on"} it''s on',
          'plain, array and domain columns were rewritten to the replacement');
SELECT is(pg_temp.structure(), (SELECT st FROM snap),
          'indexes, constraints, NOT NULL, defaults, views, domain, comments and grants are as before');
SELECT is((SELECT atttypid FROM pg_attribute WHERE attrelid = '"Odd ""Schema"" Name"."Order Tbl"'::regclass
            AND attname = 'select'), '"Odd ""Schema"" Name"."select"'::regtype::oid,
          'the column has the new type');
SELECT isnt('"Odd ""Schema"" Name"."select"'::regtype::oid, (SELECT split_part(s, E'\n', 1)::oid FROM snap),
            'which is a new type');
SELECT alike(pg_get_indexdef('"Odd ""Schema"" Name"."partial idx"'::regclass),
            '%WHERE ("select" = ''it''''s on''::"Odd ""Schema"" Name"."select")',
            'the partial index has its predicate');
SELECT alike(pg_get_indexdef('"Odd ""Schema"" Name".expr_idx'::regclass),
            '%("select" = ANY (ARRAY[''new''::"Odd ""Schema"" Name"."select", ''done''::"Odd ""Schema"" Name"."select"]))%',
            'the expression index has its expression');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'no chk'),
          'CHECK ((("select" <> ''chk''::"Odd ""Schema"" Name"."select") OR (id < 0)))', 'the CHECK constraint is back');
SELECT is((SELECT count(*) FROM pg_constraint WHERE conname = 'not_dm'
            AND contypid = '"Odd ""Schema"" Name"."Sel Dom"'::regtype), 1::bigint, 'the domain CHECK is back');
SELECT ok((SELECT attnotnull FROM pg_attribute WHERE attrelid = '"Odd ""Schema"" Name"."Order Tbl"'::regclass
            AND attname = 'select'), 'NOT NULL is kept');
SELECT throws_ok($$INSERT INTO "Odd ""Schema"" Name"."Order Tbl" (id, "select") VALUES (9, 'chk')$$, '23514', NULL,
                 'the CHECK constraint is enforced');
SELECT throws_ok($$INSERT INTO "Odd ""Schema"" Name"."Order Tbl" (id, d) VALUES (9, 'dm')$$, '23514', NULL,
                 'the domain CHECK is enforced');
INSERT INTO "Odd ""Schema"" Name"."Order Tbl" (id) VALUES (6);
SELECT is((SELECT format('%s %s', "select", tags) FROM "Odd ""Schema"" Name"."Order Tbl" WHERE id = 6), 'new {new}',
          'the defaults work');
SELECT is((SELECT string_agg(format('%s %s', id, "select"), ', ' ORDER BY id) FROM v_two),
          '2 it''s on, 3 it''s on, 4 done, 5 it''s on', 'the view over the view returns the rows');
SET LOCAL enable_seqscan = off;
SELECT is((SELECT array_agg(id ORDER BY id) FROM "Odd ""Schema"" Name"."Order Tbl" WHERE "select" = 'it''s on'),
          ARRAY[2, 3, 5], 'the partial index finds the rows');
RESET enable_seqscan;
SET LOCAL ROLE orm_ext_enum_drop_reader;
SELECT is((SELECT count(*) FROM v_two), 4::bigint, 'the grant on the view survived');
RESET ROLE;

-- a failure halfway leaves everything as it was --------------------------------
DELETE FROM "Odd ""Schema"" Name"."Order Tbl" WHERE id = 6;
UPDATE snap SET s = pg_temp.snapshot();
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'chk', 'done')$$, '2BP01', NULL,
                 'a CHECK constraint that names the label cannot be recreated: 2BP01');
SELECT is(pg_temp.snapshot(), (SELECT s FROM snap), 'and the type, data, indexes, constraints and views are as before');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'vw', 'done')$$, '2BP01', NULL,
                 'a view that names the label cannot be recreated: 2BP01');
SELECT is(pg_temp.snapshot(), (SELECT s FROM snap), 'everything as before');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'dm', 'done')$$, '2BP01', NULL,
                 'a domain CHECK that names the label cannot be recreated: 2BP01');
SELECT is(pg_temp.snapshot(), (SELECT s FROM snap), 'everything as before');

-- dependents that cannot be carried over: 0A000 up front -----------------------
CREATE FUNCTION pg_temp.refused(setup text, teardown text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
    before text;
    unchanged boolean;
BEGIN
    EXECUTE setup;
    before := pg_temp.snapshot();
    res := pg_temp.detail_of($q$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'done', 'new')$q$);
    unchanged := pg_temp.snapshot() = before;
    EXECUTE teardown;
    RETURN split_part(res, ':', 1) || CASE WHEN unchanged THEN ', nothing changed' ELSE ', CHANGED' END;
END $$;
SELECT is(pg_temp.refused($$CREATE FUNCTION public.uses_enum(x "Odd ""Schema"" Name"."select") RETURNS int
                            LANGUAGE sql AS 'SELECT 1'$$,
                          $$DROP FUNCTION public.uses_enum("Odd ""Schema"" Name"."select")$$),
          '0A000, nothing changed', 'a function with the type in its signature: 0A000');
SELECT is(pg_temp.refused($$CREATE MATERIALIZED VIEW mv AS SELECT "select" FROM "Odd ""Schema"" Name"."Order Tbl"$$,
                          'DROP MATERIALIZED VIEW mv'),
          '0A000, nothing changed', 'a materialized view with a column of the type: 0A000');
SELECT is(pg_temp.refused($$CREATE MATERIALIZED VIEW mv AS SELECT id FROM "Odd ""Schema"" Name"."Order Tbl"
                             WHERE "select" = 'new'$$, 'DROP MATERIALIZED VIEW mv'),
          '0A000, nothing changed', 'a materialized view that only filters on the column: 0A000');
CREATE FUNCTION pg_temp.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
SELECT is(pg_temp.refused($$CREATE TRIGGER tg BEFORE UPDATE OF "select" ON "Odd ""Schema"" Name"."Order Tbl"
                             FOR EACH ROW EXECUTE FUNCTION pg_temp.trg()$$,
                          $$DROP TRIGGER tg ON "Odd ""Schema"" Name"."Order Tbl"$$),
          '0A000, nothing changed', 'a trigger on UPDATE OF the column: 0A000');
SELECT is(pg_temp.refused($$CREATE TRIGGER tg BEFORE UPDATE ON "Odd ""Schema"" Name"."Order Tbl"
                             FOR EACH ROW WHEN (NEW."select" = 'done') EXECUTE FUNCTION pg_temp.trg()$$,
                          $$DROP TRIGGER tg ON "Odd ""Schema"" Name"."Order Tbl"$$),
          '0A000, nothing changed', 'a trigger whose WHEN uses the column: 0A000');
SELECT is(pg_temp.refused($$CREATE POLICY pol ON "Odd ""Schema"" Name"."Order Tbl" USING ("select" <> 'done')$$,
                          $$DROP POLICY pol ON "Odd ""Schema"" Name"."Order Tbl"$$),
          '0A000, nothing changed', 'a policy using the column: 0A000');
SELECT is(pg_temp.refused($$ALTER TABLE "Odd ""Schema"" Name"."Order Tbl"
                              ADD COLUMN g boolean GENERATED ALWAYS AS ("select" = 'new') STORED$$,
                          $$ALTER TABLE "Odd ""Schema"" Name"."Order Tbl" DROP COLUMN g$$),
          '0A000, nothing changed', 'a generated column over the column: 0A000');
SELECT is(pg_temp.refused($$CREATE TYPE public.comp AS (x "Odd ""Schema"" Name"."select")$$, 'DROP TYPE public.comp'),
          '0A000, nothing changed', 'a composite type with an attribute of the type: 0A000');

-- a role that does not own the type ---------------------------------------------
UPDATE snap SET s = pg_temp.snapshot();
SET LOCAL ROLE orm_ext_enum_drop_reader;
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'done', 'new')$$, '42501', NULL,
                 'a non-owner: 42501');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Odd ""Schema"" Name"."select"', 'chk')$$, '42501', NULL,
                 'a non-owner, an unused label: 42501');
RESET ROLE;
SELECT is(pg_temp.snapshot(), (SELECT s FROM snap), 'the non-owner changed nothing');

-- a partitioned table: the parent's index comes back on every partition,
-- and what hangs off a partition (a local index, a default, a view) too
CREATE TYPE part_status AS ENUM ('a', 'b', 'c');
CREATE TABLE pt (s part_status DEFAULT 'a', n int) PARTITION BY RANGE (n);
CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (10);
CREATE TABLE pt_2 PARTITION OF pt (s DEFAULT 'b') FOR VALUES FROM (10) TO (20);
CREATE INDEX pt_s ON pt (s) WHERE s <> 'a';
CREATE INDEX pt_1_local ON pt_1 (n) WHERE s = 'b';
CREATE VIEW pt_2_view AS SELECT n FROM pt_2 WHERE s = 'b';
INSERT INTO pt VALUES ('a', 1), ('c', 2), ('b', 11), ('c', 12);
CREATE FUNCTION pg_temp.pt_structure() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(E'\n',
        (SELECT string_agg(format('%s %s %s', pg_get_indexdef(i.indexrelid), i.indisvalid,
                                  (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = i.indexrelid)),
                           E'\n' ORDER BY i.indexrelid::regclass::text)
           FROM pg_index i WHERE i.indrelid IN ('pt'::regclass, 'pt_1'::regclass, 'pt_2'::regclass)),
        (SELECT string_agg(format('%s %s', adrelid::regclass, pg_get_expr(adbin, adrelid)), E'\n' ORDER BY adrelid::regclass::text)
           FROM pg_attrdef WHERE adrelid IN ('pt'::regclass, 'pt_1'::regclass, 'pt_2'::regclass)),
        pg_get_viewdef('pt_2_view'))
$$;
CREATE TEMP TABLE pt_snap AS SELECT pg_temp.pt_structure() AS st;
SELECT is(orm_ext.enum_drop_value('part_status', 'c', 'b'), 2::bigint, 'a partitioned table: the rows of every partition');
SELECT is((SELECT string_agg(format('%s %s', s, n), ', ' ORDER BY n) FROM pt), 'a 1, b 2, b 11, b 12',
          'rewritten in every partition');
SELECT is(pg_temp.pt_structure(), (SELECT st FROM pt_snap),
          'the parent''s partial index is back on every partition (valid), the local index, defaults and view too');
SELECT is((SELECT string_agg(n::text, ',' ORDER BY n) FROM pt_2_view), '11,12', 'the view over a partition works');

-- a domain over a domain over the type, even one no column uses: 0A000
CREATE TYPE nest_status AS ENUM ('a', 'b', 'c');
CREATE DOMAIN nest_d1 AS nest_status;
CREATE DOMAIN nest_d2 AS nest_d1 NOT NULL;
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('nest_status', 'b')$$, '0A000', NULL,
                 'a domain over a domain over the type: 0A000');
SELECT is(orm_ext.enum_values('nest_status'), ARRAY['a', 'b', 'c'], 'and the type keeps its labels');

-- a replacement that breaks a unique key: PostgreSQL's own 23505, nothing changed
CREATE TYPE shade AS ENUM ('dark', 'grey', 'light');
CREATE TABLE shades (s shade PRIMARY KEY);
INSERT INTO shades VALUES ('dark'), ('grey');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('shade', 'grey', 'dark')$$, '23505', NULL,
                 'a replacement that duplicates a primary key: 23505');
SELECT is((SELECT string_agg(s::text, ',' ORDER BY s) FROM shades), 'dark,grey', 'and the rows are unchanged');
SELECT is(orm_ext.enum_values('shade'), ARRAY['dark', 'grey', 'light'], 'and so is the type');

-------------------------------------------------------------------------------
-- what hangs off a converted column and is not in its definition: the
-- replica identity index, the CLUSTER mark, a partition's own index name,
-- a domain's privileges and its default (deparsed under the rebuild's
-- search_path), a child's own column beside the inherited one
CREATE SCHEMA "Keep ""Me""";
SET LOCAL search_path = "Keep ""Me""", public;
CREATE TYPE "Mood" AS ENUM ('happy', 'sad', 'meh');
CREATE DOMAIN "Mood D" AS "Mood" DEFAULT 'happy';
REVOKE USAGE ON DOMAIN "Mood D" FROM PUBLIC;
GRANT USAGE ON DOMAIN "Mood D" TO orm_ext_enum_drop_reader;
CREATE TABLE "Feel" (id integer NOT NULL, m "Mood" NOT NULL, d "Mood D");
CREATE UNIQUE INDEX "Feel id m" ON "Feel" (id, m);
ALTER TABLE "Feel" REPLICA IDENTITY USING INDEX "Feel id m";
CLUSTER "Feel" USING "Feel id m";
CREATE TABLE "Feel P" (k integer, m "Mood") PARTITION BY RANGE (k);
CREATE TABLE "Feel P1" PARTITION OF "Feel P" FOR VALUES FROM (0) TO (10);
CREATE INDEX "my P1 index" ON "Feel P1" (m);
CREATE INDEX ON "Feel P" (m);
CREATE TABLE "Feel Kid" ("order" "Mood") INHERITS ("Feel");
INSERT INTO "Feel" VALUES (1, 'happy', 'sad');
INSERT INTO "Feel Kid" VALUES (2, 'meh', 'happy', 'meh');
INSERT INTO "Feel P" VALUES (1, 'meh');
RESET search_path;
SELECT is(orm_ext.enum_drop_value('"Keep ""Me"""."Mood"', 'meh', 'sad'), 2::bigint,
          'a domain with a default, a partition and a child with a column of its own: each changed row counted once');
SELECT results_eq($$SELECT id, m::text, d::text FROM "Keep ""Me"""."Feel" ORDER BY id$$,
                  $$VALUES (1, 'happy', 'sad'), (2, 'sad', 'happy')$$, 'the inherited column is converted');
SELECT is((SELECT "order"::text FROM "Keep ""Me"""."Feel Kid"), 'sad', 'and so is the child''s own column');
SELECT results_eq($$SELECT i.indexrelid::regclass::text, i.indisreplident, i.indisclustered, c.relreplident::text
                      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                     WHERE i.indrelid = '"Keep ""Me"""."Feel"'::regclass$$,
                  $$VALUES ('"Keep ""Me"""."Feel id m"', true, true, 'i')$$,
                  'the replica identity index and the CLUSTER mark are kept');
SELECT is((SELECT string_agg(indexrelid::regclass::text, ',') FROM pg_index
            WHERE indrelid = '"Keep ""Me"""."Feel P1"'::regclass),
          '"Keep ""Me"""."my P1 index"', 'a partition''s index keeps its name');
SELECT ok(NOT has_type_privilege('public', '"Keep ""Me"""."Mood D"', 'USAGE')
          AND has_type_privilege('orm_ext_enum_drop_reader', '"Keep ""Me"""."Mood D"', 'USAGE'),
          'the domain keeps its privileges');
INSERT INTO "Keep ""Me"""."Feel" (id, m) VALUES (3, 'sad');
SELECT is((SELECT d::text FROM "Keep ""Me"""."Feel" WHERE id = 3), 'happy', 'and its default');

-- a view with a rule, even one that does not show a column of the type
CREATE VIEW "Keep ""Me"""."happy ids" AS SELECT id FROM "Keep ""Me"""."Feel" WHERE m = 'happy';
CREATE RULE "add happy" AS ON INSERT TO "Keep ""Me"""."happy ids"
    DO INSTEAD INSERT INTO "Keep ""Me"""."Feel" (id, m) VALUES (NEW.id, 'happy');
SELECT throws_ok($$SELECT orm_ext.enum_drop_value('"Keep ""Me"""."Mood"', 'sad', 'happy')$$, '0A000', NULL,
                 'a rule on a view that is recreated: 0A000');
SELECT is((SELECT count(*) FROM pg_rewrite WHERE ev_class = '"Keep ""Me"""."happy ids"'::regclass), 2::bigint,
          'and the rule stays');
DROP VIEW "Keep ""Me"""."happy ids";

-- a name of 63 bytes in fewer characters: the old type steps aside under a
-- name that truncation cannot bring back to its own
SELECT set_config('statement_timeout', '20s', true);
SELECT orm_ext.enum_create('"Keep ""Me""".' || quote_ident(repeat('状', 21)), ARRAY['a', 'b', 'c']);
SELECT is(orm_ext.enum_drop_value(('"Keep ""Me""".' || quote_ident(repeat('状', 21)))::regtype, 'b'), 0::bigint,
          'a 63-byte multibyte type name is rebuilt');
SELECT format('CREATE DOMAIN %I.%I AS %I.%I', 'Keep "Me"', repeat('域', 21), 'Keep "Me"', 'Mood') \gexec
SELECT format('CREATE TABLE %I."Dom Use" (a %I.%I)', 'Keep "Me"', 'Keep "Me"', repeat('域', 21)) \gexec
SELECT lives_ok($$SELECT orm_ext.enum_drop_value('"Keep ""Me"""."Mood"', 'sad', 'happy')$$,
                'so is an enum with a 63-byte domain over it');
SELECT set_config('statement_timeout', '0', true);

SELECT * FROM finish();
ROLLBACK;
