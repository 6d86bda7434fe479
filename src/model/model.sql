-------------------------------------------------------------------------------
-- The mapping layer, part 1: models and their typed CRUD functions
-- (src/model/model.c, src/model/triggers.c).
--
-- model_register() records a table in orm_ext.model_registry and generates,
-- in the model's api_schema, typed SQL functions for it:
--   <m>_create, <m>_get, <m>_update, <m>_upsert, <m>_delete, <m>_list,
--   <m>_page.
-- They are ordinary SECURITY INVOKER functions owned by whoever generated
-- them, so the caller's privileges and the table's RLS policies apply; they
-- are not members of the extension, so pg_dump keeps them like any function.
-- Event triggers regenerate them after DDL on the table, in the same
-- transaction, and drop them with it.
--
-- Privileges: the registry tables are readable by PUBLIC and writable only
-- for tables (and functions) the current user owns, which their row level
-- security policies enforce; every function is SECURITY INVOKER.
-------------------------------------------------------------------------------

CREATE TABLE orm_ext.model_registry (
    model_table       pg_catalog.regclass PRIMARY KEY,
    model_name        pg_catalog.text NOT NULL CHECK (model_name OPERATOR(pg_catalog.<>) ''),
    api_schema        pg_catalog.name NOT NULL,
    options           pg_catalog.jsonb NOT NULL,
    created_at_column pg_catalog.name,
    updated_at_column pg_catalog.name,
    deleted_at_column pg_catalog.name,
    version_column    pg_catalog.name,
    UNIQUE (api_schema, model_name),
    CHECK ((created_at_column IS NULL) = (updated_at_column IS NULL))
);
SELECT pg_catalog.pg_extension_config_dump('orm_ext.model_registry', '');
COMMENT ON TABLE orm_ext.model_registry IS
    'orm_ext: registered models (maintained by model_register/model_unregister and the DDL event triggers)';

CREATE TABLE orm_ext.model_generated_functions (
    model_table pg_catalog.regclass NOT NULL,
    kind        pg_catalog.text NOT NULL,
    function    pg_catalog.regprocedure NOT NULL UNIQUE,
    reads       pg_catalog.regclass,  -- another table the function reads (an association table)
    PRIMARY KEY (model_table, kind)
);
CREATE INDEX ON orm_ext.model_generated_functions (reads) WHERE reads IS NOT NULL;
SELECT pg_catalog.pg_extension_config_dump('orm_ext.model_generated_functions', '');
COMMENT ON TABLE orm_ext.model_generated_functions IS
    'orm_ext: the functions generated for each model; orm_ext replaces or drops only these';

-- Anyone may read the registry; rows may be written only for tables the
-- current user owns (and, for functions, functions it owns).  A row whose
-- table is gone may be removed by anyone.
ALTER TABLE orm_ext.model_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE orm_ext.model_generated_functions ENABLE ROW LEVEL SECURITY;
CREATE POLICY model_registry_read ON orm_ext.model_registry
    FOR SELECT USING (true);
CREATE POLICY model_registry_write ON orm_ext.model_registry
    FOR ALL
    USING (COALESCE(orm_ext.owns_relation(model_table::pg_catalog.oid), true))
    WITH CHECK (orm_ext.owns_relation(model_table::pg_catalog.oid)
                -- the functions are generated there, by whoever runs the
                -- next DDL: the owner must be allowed to create them itself
                AND pg_catalog.has_schema_privilege(api_schema, 'CREATE'));
CREATE POLICY model_functions_read ON orm_ext.model_generated_functions
    FOR SELECT USING (true);
CREATE POLICY model_functions_write ON orm_ext.model_generated_functions
    FOR ALL
    USING (COALESCE(orm_ext.owns_function(function::pg_catalog.oid), true))
    WITH CHECK (orm_ext.owns_function(function::pg_catalog.oid)
                AND orm_ext.owns_relation(model_table::pg_catalog.oid));
GRANT SELECT, INSERT, UPDATE, DELETE ON orm_ext.model_registry TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON orm_ext.model_generated_functions TO PUBLIC;

-------------------------------------------------------------------------------
-- C helpers and triggers
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.model_value_literal(tbl pg_catalog.regclass, col pg_catalog.name, value pg_catalog.jsonb)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_model_value_literal'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION orm_ext.model_value_literal(pg_catalog.regclass, pg_catalog.name, pg_catalog.jsonb) IS
    'a JSON value as a SQL literal of the column''s type (''42''::integer); a bad value raises its SQLSTATE (22P02, 22003, ...) naming the column';

CREATE FUNCTION orm_ext.model_cursor_value(value pg_catalog.text, proto anyelement)
RETURNS anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_cursor_value'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION orm_ext.model_cursor_value(pg_catalog.text, anyelement) IS
    'a value of a _page cursor: the text read as a value of proto''s type under the settings the cursor was written with (DateStyle ISO, extra_float_digits 1, ...), whatever the session''s';

CREATE FUNCTION orm_ext.model_cursor_literal(tbl pg_catalog.regclass, col pg_catalog.name, value pg_catalog.text)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_model_cursor_literal'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION orm_ext.model_cursor_literal(pg_catalog.regclass, pg_catalog.name, pg_catalog.text) IS
    'a value of a _page cursor as an expression of the column''s base type for dynamic SQL (orm_ext.model_cursor_value(''1.5'', NULL::double precision)); a bad value raises its SQLSTATE naming the column';

CREATE FUNCTION orm_ext.model_operator(tbl pg_catalog.regclass, col pg_catalog.name, op pg_catalog.text)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_model_operator'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION orm_ext.model_operator(pg_catalog.regclass, pg_catalog.name, pg_catalog.text) IS
    'the qualified btree operator (eq, neq, lt, lte, gt, gte) of a column''s type, as OPERATOR(schema.op), 42883 if it has none; for like and ilike, the ~~ or ~~* operator of the type (its base type) with text on the right, from the type''s schema, or NULL if it has none';

CREATE FUNCTION orm_ext.model_row_query(statement pg_catalog.text, proto anyelement)
RETURNS anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_row_query'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION orm_ext.model_row_query(pg_catalog.text, anyelement) IS
    'runs a read-only statement with a plan kept for the session and returns its one value (NULL for no row), typed like proto; the body of generated _get functions';

CREATE FUNCTION orm_ext.model_row_query(statement pg_catalog.text, proto anyelement, VARIADIC args "any")
RETURNS anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_row_query'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION orm_ext.model_row_query(pg_catalog.text, anyelement, "any") IS
    'runs a read-only statement with $1, $2, ... bound to args, with a plan kept for the session; returns its one value (NULL for no row), typed like proto';

CREATE FUNCTION orm_ext.model_statement_check(statement pg_catalog.text, argtypes pg_catalog.regtype[])
RETURNS void
AS 'MODULE_PATHNAME', 'orm_ext_model_statement_check'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION orm_ext.model_statement_check(pg_catalog.text, pg_catalog.regtype[]) IS
    'parses and analyses a statement with parameters of these types, raising what it would raise (42703, 42P01, ...), without running it; nothing when check_function_bodies is off';

CREATE FUNCTION orm_ext.model_row_get(statement pg_catalog.text, tbl pg_catalog.regclass, deleted pg_catalog.name,
                                      proto anyelement, VARIADIC key "any")
RETURNS anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_row_get'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION orm_ext.model_row_get(pg_catalog.text, pg_catalog.regclass, pg_catalog.name, anyelement, "any") IS
    'the row of tbl with this primary key, skipping rows whose column deleted is set, looked up in the key''s index when no row security applies and by running statement otherwise; the body of generated _get functions';

CREATE FUNCTION orm_ext.model_row_exec(statement pg_catalog.text, proto anyelement)
RETURNS anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_row_exec'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION orm_ext.model_row_exec(pg_catalog.text, anyelement) IS
    'runs a statement that may write, with a plan kept for the session, and returns its one value (NULL for no row), typed like proto; the body of generated _create and _upsert functions';

CREATE FUNCTION orm_ext.model_row_exec(statement pg_catalog.text, proto anyelement, VARIADIC args "any")
RETURNS anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_row_exec'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION orm_ext.model_row_exec(pg_catalog.text, anyelement, "any") IS
    'runs a statement that may write, with $1, $2, ... bound to args and a plan kept for the session; returns its one value (NULL for no row), typed like proto';

CREATE FUNCTION orm_ext.timestamps()
RETURNS trigger
AS 'MODULE_PATHNAME', 'orm_ext_timestamps'
LANGUAGE C;
COMMENT ON FUNCTION orm_ext.timestamps() IS
    'trigger BEFORE INSERT OR UPDATE FOR EACH ROW, arguments (created_at, updated_at): sets both on INSERT; keeps created_at and sets updated_at on UPDATE, also when the UPDATE moves the row to another partition';

CREATE FUNCTION orm_ext.soft_delete()
RETURNS trigger
AS 'MODULE_PATHNAME', 'orm_ext_soft_delete'
LANGUAGE C;
COMMENT ON FUNCTION orm_ext.soft_delete() IS
    'trigger BEFORE DELETE FOR EACH ROW, argument (deleted_at): sets the column instead of deleting the row; attached BEFORE UPDATE OR DELETE, it lets an UPDATE move a row to another partition';

-------------------------------------------------------------------------------
-- Catalog reflection
-------------------------------------------------------------------------------

-- The columns of a table as the mapping layer sees them.  server_owned
-- columns are written by the server only: identity ALWAYS, generated, the
-- model's timestamps, deleted_at and version columns, and an attached
-- ledger's balance, seq and hash columns.
CREATE FUNCTION orm_ext.model_column_info(tbl pg_catalog.regclass)
RETURNS TABLE (attnum pg_catalog.int2, column_name pg_catalog.name,
               type_oid pg_catalog.oid, type_name pg_catalog.text,
               nullable boolean, column_default pg_catalog.text,
               server_owned boolean, pk_position integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.attnum, a.attname, a.atttypid,
           pg_catalog.format_type(a.atttypid, a.atttypmod),
           NOT a.attnotnull,
           CASE
               WHEN a.attgenerated OPERATOR(pg_catalog.<>) '' THEN NULL
               WHEN ad.adbin IS NOT NULL THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
               WHEN a.attidentity OPERATOR(pg_catalog.=) 'd' THEN
                   pg_catalog.format('pg_catalog.nextval(%L::pg_catalog.regclass)',
                                     pg_catalog.pg_get_serial_sequence(tbl::pg_catalog.text, a.attname))
               WHEN t.typtype OPERATOR(pg_catalog.=) 'd' AND t.typdefaultbin IS NOT NULL THEN
                   pg_catalog.pg_get_expr(t.typdefaultbin, 0)
           END,
           (a.attidentity OPERATOR(pg_catalog.=) 'a'
            OR a.attgenerated OPERATOR(pg_catalog.<>) ''
            OR a.attname OPERATOR(pg_catalog.=) ANY (ARRAY[m.created_at_column, m.updated_at_column,
                                                           m.deleted_at_column, m.version_column])
            OR a.attname OPERATOR(pg_catalog.=) ANY (ARRAY[l.balance_column, l.seq_column, l.hash_column]))
           IS TRUE,
           k.pos::integer
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
      LEFT JOIN pg_catalog.pg_attrdef ad
             ON ad.adrelid OPERATOR(pg_catalog.=) a.attrelid AND ad.adnum OPERATOR(pg_catalog.=) a.attnum
      LEFT JOIN orm_ext.model_registry m ON m.model_table OPERATOR(pg_catalog.=) tbl
      LEFT JOIN orm_ext.ledgers l ON l.ledger OPERATOR(pg_catalog.=) tbl
      LEFT JOIN LATERAL (
          SELECT u.pos
            FROM pg_catalog.pg_index i,
                 LATERAL pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS u(col, pos)
           WHERE i.indrelid OPERATOR(pg_catalog.=) tbl AND i.indisprimary
             AND u.col OPERATOR(pg_catalog.=) a.attnum
             AND u.pos OPERATOR(pg_catalog.<=) i.indnkeyatts) k ON true
     WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attnum OPERATOR(pg_catalog.>) 0
       AND NOT a.attisdropped
     ORDER BY a.attnum
$$;
COMMENT ON FUNCTION orm_ext.model_column_info(pg_catalog.regclass) IS
    'the columns of a table as the mapping layer sees them: type, nullability, default, server ownership, primary key position';

-- A column named by an option: it must exist (42703) and be of one of the
-- given base types (42804).
CREATE FUNCTION orm_ext.model_option_column(tbl pg_catalog.regclass, option_name pg_catalog.text,
                                            col pg_catalog.text, types pg_catalog.regtype[])
RETURNS pg_catalog.name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    typ oid;
BEGIN
    SELECT a.atttypid INTO typ
      FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of table % does not exist', col, tbl
            USING ERRCODE = '42703',
                  DETAIL = format('Option "%s" names it.', option_name);
    END IF;
    IF NOT (orm_ext.model_base_type(typ) = ANY (types::oid[])) THEN
        RAISE EXCEPTION 'column "%" of table % has type %, but option "%" needs one of %',
                        col, tbl, format_type(typ, NULL), option_name,
                        array_to_string(types::text[], ', ')
            USING ERRCODE = '42804';
    END IF;
    RETURN col;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_option_column(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.regtype[]) IS
    'a column named by a model option, checked to exist (42703) and to have an accepted type (42804)';

CREATE FUNCTION orm_ext.model_base_type(typ pg_catalog.oid)
RETURNS pg_catalog.oid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE d(oid, base, typtype) AS (
        SELECT t.oid, t.typbasetype, t.typtype FROM pg_type t WHERE t.oid = typ
        UNION ALL
        SELECT t.oid, t.typbasetype, t.typtype FROM pg_type t JOIN d ON t.oid = d.base
         WHERE d.typtype = 'd')
    SELECT d.oid FROM d WHERE d.typtype <> 'd'
$$;
COMMENT ON FUNCTION orm_ext.model_base_type(pg_catalog.oid) IS
    'the base type of a type, looking through domains';

-------------------------------------------------------------------------------
-- Registration
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.model_register(tbl pg_catalog.regclass, options pg_catalog.jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qname text := orm_ext.owned_table(tbl, 'model_register', 'Models map ordinary and partitioned tables.',
        'model_register() changes the functions and triggers of the table, which only its owner may do.');
    known constant text[] := ARRAY['api_schema', 'name', 'timestamps', 'soft_delete', 'version'];
    key text;
    opt jsonb;
    v_schema name;
    v_name text;
    v_created name;
    v_updated name;
    v_deleted name;
    v_version name;
    ts_types constant regtype[] := ARRAY['timestamp with time zone', 'timestamp without time zone']::regtype[];
    old record;
    kind text;
    clash record;
BEGIN
    IF options IS NULL THEN
        RAISE EXCEPTION 'model_register: options must not be null' USING ERRCODE = '22004',
            HINT = 'Pass ''{}'' for the defaults.';
    END IF;
    IF jsonb_typeof(options) <> 'object' THEN
        RAISE EXCEPTION 'model_register: options must be a JSON object, not %', jsonb_typeof(options)
            USING ERRCODE = '22023';
    END IF;
    FOR key IN SELECT jsonb_object_keys(options) LOOP
        IF NOT key = ANY (known) THEN
            RAISE EXCEPTION 'model_register: unknown option "%"', key
                USING ERRCODE = '22023',
                      HINT = 'The options are ' || array_to_string(known, ', ') || '.';
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = tbl AND i.indisprimary) THEN
        RAISE EXCEPTION 'table % has no primary key', qname
            USING ERRCODE = '42P16',
                  DETAIL = 'A model''s get, update and delete functions take the primary key.',
                  HINT = 'Add one with ALTER TABLE ... ADD PRIMARY KEY.';
    END IF;

    -- api_schema: default the table's schema
    opt := options -> 'api_schema';
    IF opt IS NULL OR opt = 'null' THEN
        SELECT n.nspname INTO v_schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = tbl;
    ELSIF jsonb_typeof(opt) <> 'string' THEN
        RAISE EXCEPTION 'model_register: option "api_schema" must be a string' USING ERRCODE = '22023';
    ELSE
        v_schema := opt #>> '{}';
        IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = v_schema) THEN
            RAISE EXCEPTION 'schema "%" does not exist', v_schema
                USING ERRCODE = '3F000', DETAIL = 'Option "api_schema" names it.';
        END IF;
    END IF;
    IF NOT has_schema_privilege(v_schema, 'CREATE') THEN
        RAISE EXCEPTION 'permission denied for schema %', quote_ident(v_schema)
            USING ERRCODE = '42501',
                  DETAIL = 'The model''s functions are created there.';
    END IF;

    -- name: default the table's name
    opt := options -> 'name';
    IF opt IS NULL OR opt = 'null' THEN
        SELECT c.relname INTO v_name FROM pg_class c WHERE c.oid = tbl;
    ELSIF jsonb_typeof(opt) <> 'string' OR opt #>> '{}' = '' THEN
        RAISE EXCEPTION 'model_register: option "name" must be a non-empty string' USING ERRCODE = '22023';
    ELSE
        v_name := opt #>> '{}';
    END IF;
    -- the longest generated name is <name>_create_graph
    IF octet_length(v_name) + 13 > 63 THEN
        RAISE EXCEPTION 'model name "%" is too long', v_name
            USING ERRCODE = '42622',
                  DETAIL = 'Function names such as "' || v_name || '_create_graph" must fit in 63 bytes.',
                  HINT = 'Choose a shorter name with the option "name".';
    END IF;

    -- timestamps: true, false, or {"created_at": ..., "updated_at": ...}
    opt := options -> 'timestamps';
    IF opt IS NULL OR opt IN ('null', 'false') THEN
        NULL;
    ELSIF opt = 'true' THEN
        v_created := orm_ext.model_option_column(tbl, 'timestamps', 'created_at', ts_types);
        v_updated := orm_ext.model_option_column(tbl, 'timestamps', 'updated_at', ts_types);
    ELSIF jsonb_typeof(opt) = 'object' THEN
        FOR key IN SELECT jsonb_object_keys(opt) LOOP
            IF key NOT IN ('created_at', 'updated_at') OR jsonb_typeof(opt -> key) <> 'string' THEN
                RAISE EXCEPTION 'model_register: option "timestamps" takes the string keys created_at and updated_at, not "%"', key
                    USING ERRCODE = '22023';
            END IF;
        END LOOP;
        v_created := orm_ext.model_option_column(tbl, 'timestamps',
                                                 COALESCE(opt ->> 'created_at', 'created_at'), ts_types);
        v_updated := orm_ext.model_option_column(tbl, 'timestamps',
                                                 COALESCE(opt ->> 'updated_at', 'updated_at'), ts_types);
        IF v_created = v_updated THEN
            RAISE EXCEPTION 'model_register: option "timestamps" names column "%" twice', v_created
                USING ERRCODE = '22023';
        END IF;
    ELSE
        RAISE EXCEPTION 'model_register: option "timestamps" must be true, false or an object'
            USING ERRCODE = '22023';
    END IF;

    -- soft_delete: true, false or a column name
    opt := options -> 'soft_delete';
    IF opt IS NULL OR opt IN ('null', 'false') THEN
        NULL;
    ELSIF opt = 'true' OR jsonb_typeof(opt) = 'string' THEN
        v_deleted := orm_ext.model_option_column(tbl, 'soft_delete',
                                                 CASE WHEN opt = 'true' THEN 'deleted_at' ELSE opt #>> '{}' END,
                                                 ts_types);
        IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = tbl AND attname = v_deleted AND attnotnull) THEN
            RAISE EXCEPTION 'column "%" of table % must be nullable', v_deleted, qname
                USING ERRCODE = '22023', DETAIL = 'Option "soft_delete": NULL marks a row that is not deleted.';
        END IF;
    ELSE
        RAISE EXCEPTION 'model_register: option "soft_delete" must be true, false or a column name'
            USING ERRCODE = '22023';
    END IF;

    -- version: true, false or a column name
    opt := options -> 'version';
    IF opt IS NULL OR opt IN ('null', 'false') THEN
        NULL;
    ELSIF opt = 'true' OR jsonb_typeof(opt) = 'string' THEN
        v_version := orm_ext.model_option_column(tbl, 'version',
                                                 CASE WHEN opt = 'true' THEN 'version' ELSE opt #>> '{}' END,
                                                 ARRAY['smallint', 'integer', 'bigint']::regtype[]);
    ELSE
        RAISE EXCEPTION 'model_register: option "version" must be true, false or a column name'
            USING ERRCODE = '22023';
    END IF;

    IF cardinality(array_remove(ARRAY[v_created, v_updated, v_deleted, v_version], NULL))
       <> (SELECT count(DISTINCT c) FROM unnest(ARRAY[v_created, v_updated, v_deleted, v_version]) c
            WHERE c IS NOT NULL) THEN
        RAISE EXCEPTION 'model_register: the options name one column for two purposes'
            USING ERRCODE = '22023';
    END IF;

    -- another model by that name in that schema
    SELECT m.model_table INTO clash FROM orm_ext.model_registry m
     WHERE m.api_schema = v_schema AND m.model_name = v_name AND m.model_table <> tbl;
    IF FOUND THEN
        RAISE EXCEPTION 'model "%" already exists in schema %', v_name, quote_ident(v_schema)
            USING ERRCODE = '42723',
                  DETAIL = format('Table %s is registered under that name.', clash.model_table),
                  HINT = 'Register with another "name" or "api_schema".';
    END IF;

    -- re-registration under another name or schema: drop the old functions
    SELECT * INTO old FROM orm_ext.model_registry m WHERE m.model_table = tbl;
    IF FOUND AND (old.api_schema <> v_schema OR old.model_name <> v_name) THEN
        PERFORM orm_ext.model_drop_functions(tbl);
    END IF;

    INSERT INTO orm_ext.model_registry AS m
           (model_table, model_name, api_schema, options, created_at_column,
            updated_at_column, deleted_at_column, version_column)
    VALUES (tbl, v_name, v_schema, options, v_created, v_updated, v_deleted, v_version)
    ON CONFLICT (model_table) DO UPDATE
       SET model_name = EXCLUDED.model_name, api_schema = EXCLUDED.api_schema,
           options = EXCLUDED.options, created_at_column = EXCLUDED.created_at_column,
           updated_at_column = EXCLUDED.updated_at_column,
           deleted_at_column = EXCLUDED.deleted_at_column,
           version_column = EXCLUDED.version_column;

    -- the timestamps trigger: replaced on every registration
    IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'orm_ext_timestamps') THEN
        EXECUTE format('DROP TRIGGER orm_ext_timestamps ON %s', qname);
    END IF;
    IF v_created IS NOT NULL THEN
        EXECUTE format('CREATE TRIGGER orm_ext_timestamps BEFORE INSERT OR UPDATE ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION orm_ext.timestamps(%L, %L)',
                       qname, v_created, v_updated);
    END IF;

    PERFORM orm_ext.model_generate(tbl);
END;
$$;
COMMENT ON FUNCTION orm_ext.model_register(pg_catalog.regclass, pg_catalog.jsonb) IS
    'registers a table as a model and generates its typed CRUD functions; options api_schema, name, timestamps, soft_delete, version';

CREATE FUNCTION orm_ext.model_unregister(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    qname text := orm_ext.owned_table(tbl, 'model_unregister', 'Models map ordinary and partitioned tables.',
        'model_unregister() changes the functions and triggers of the table, which only its owner may do.');
BEGIN
    IF NOT EXISTS (SELECT FROM orm_ext.model_registry m WHERE m.model_table = tbl) THEN
        RAISE EXCEPTION 'table % is not a registered model', qname
            USING ERRCODE = '55000', HINT = 'See the view orm_ext.models.';
    END IF;
    PERFORM orm_ext.model_drop_functions(tbl);
    IF EXISTS (SELECT FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'orm_ext_timestamps') THEN
        EXECUTE format('DROP TRIGGER orm_ext_timestamps ON %s', qname);
    END IF;
    DELETE FROM orm_ext.model_registry m WHERE m.model_table = tbl;
    -- the relationships of the models it was linked to
    PERFORM orm_ext.model_refresh_relationships(ARRAY[tbl::oid]);
END;
$$;
COMMENT ON FUNCTION orm_ext.model_unregister(pg_catalog.regclass) IS
    'drops a model''s generated functions and its timestamps trigger, and forgets the model; the table and its data stay';

-- Drop the functions generated for a table (and only those).
CREATE FUNCTION orm_ext.model_drop_functions(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT g.function, g.kind FROM orm_ext.model_generated_functions g
              WHERE g.model_table = tbl ORDER BY g.kind LOOP
        IF EXISTS (SELECT FROM pg_proc p WHERE p.oid = f.function) THEN
            EXECUTE format('DROP FUNCTION %s', f.function::regprocedure);
        END IF;
    END LOOP;
    DELETE FROM orm_ext.model_generated_functions g WHERE g.model_table = tbl;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_drop_functions(pg_catalog.regclass) IS
    'drops the functions orm_ext generated for a model';

-- Called by the ddl_command_start event trigger before DROP TABLE: the
-- generated functions depend on the table's row type and would block it.
CREATE FUNCTION orm_ext.model_drop_functions_before_drop(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM orm_ext.model_registry) THEN
        RETURN;
    END IF;
    PERFORM orm_ext.model_drop_relationships_before_drop(tbl);
    IF EXISTS (SELECT FROM orm_ext.model_registry m
                 JOIN pg_class c ON c.oid = m.model_table
                WHERE m.model_table = tbl AND pg_has_role(CURRENT_USER, c.relowner, 'USAGE')) THEN
        PERFORM orm_ext.model_drop_functions(tbl);
    END IF;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_drop_functions_before_drop(pg_catalog.regclass) IS
    'event trigger helper: drops a registered table''s generated functions just before DROP TABLE';

-- Called by the ddl_command_start event trigger before DROP EXTENSION
-- orm_ext (or DROP SCHEMA orm_ext CASCADE, which drops the extension with
-- it).  The generated functions call orm_ext's functions from bodies kept as
-- text, which record no dependency: left behind, every one of them would
-- fail.  So the drop refuses while any exists, as for a dependent object,
-- and with CASCADE drops them first.
CREATE FUNCTION orm_ext.model_before_drop_extension(cascade pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    listed text;
    t regclass;
BEGIN
    SELECT count(*) INTO n
      FROM orm_ext.model_generated_functions g
     WHERE EXISTS (SELECT FROM pg_proc p WHERE p.oid = g.function);
    IF n = 0 THEN
        RETURN;
    END IF;
    IF NOT cascade THEN
        SELECT string_agg(format('model "%s" of table %s: %s generated functions', s.model, s.tbl, s.functions),
                          E'\n' ORDER BY s.tbl)
          INTO listed
          FROM (SELECT m.model_name AS model, g.model_table::text AS tbl, count(*) AS functions
                  FROM orm_ext.model_generated_functions g
                  JOIN orm_ext.model_registry m ON m.model_table = g.model_table
                 WHERE EXISTS (SELECT FROM pg_proc p WHERE p.oid = g.function)
                 GROUP BY m.model_name, g.model_table) s;
        RAISE EXCEPTION 'cannot drop extension orm_ext because other objects depend on it'
            USING ERRCODE = '2BP01',
                  DETAIL = COALESCE(listed, format('%s functions generated for models call it.', n)),
                  HINT = 'Call orm_ext.model_unregister() for each model first, or use DROP ... CASCADE to drop the generated functions too.';
    END IF;
    RAISE NOTICE 'drop cascades to % functions generated for orm_ext models', n;
    FOR t IN SELECT DISTINCT g.model_table FROM orm_ext.model_generated_functions g LOOP
        PERFORM orm_ext.model_drop_functions(t);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_before_drop_extension(pg_catalog.bool) IS
    'event trigger helper: before DROP EXTENSION orm_ext, refuses while generated functions exist, or drops them with CASCADE';

-------------------------------------------------------------------------------
-- Generation
-------------------------------------------------------------------------------

-- Create or replace one generated function.  A function of the same kind
-- whose signature is unchanged is replaced in place (its owner, privileges
-- and dependants stay); otherwise the old one is dropped and its privileges
-- are granted again on the new one.  A function of that name that orm_ext
-- did not generate for this model is never touched: 42723.
CREATE FUNCTION orm_ext.model_put_function(tbl pg_catalog.regclass, kind pg_catalog.text,
                                           api_schema pg_catalog.name, fname pg_catalog.text,
                                           params pg_catalog.text, body pg_catalog.text,
                                           comment pg_catalog.text, reads pg_catalog.regclass DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    old regprocedure;
    old_acl aclitem[];
    old_args text;
    old_names text[];
    other record;
    newproc oid;
    replaced boolean;
    owner oid;
    a record;
BEGIN
    SELECT g.function INTO old FROM orm_ext.model_generated_functions g
     WHERE g.model_table = tbl AND g.kind OPERATOR(pg_catalog.=) model_put_function.kind;
    IF FOUND AND NOT EXISTS (SELECT FROM pg_proc WHERE oid = old) THEN
        DELETE FROM orm_ext.model_generated_functions g WHERE g.function = old;
        old := NULL;
    END IF;

    -- anything else by that name in that schema is not ours to replace
    SELECT p.oid::regprocedure AS proc, g.model_table INTO other
      FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
      LEFT JOIN orm_ext.model_generated_functions g ON g.function = p.oid
     WHERE n.nspname = api_schema AND p.proname = fname
       AND (old IS NULL OR p.oid <> old)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'function %.% already exists', quote_ident(api_schema), quote_ident(fname)
            USING ERRCODE = '42723',
                  DETAIL = CASE WHEN other.model_table IS NULL
                                THEN format('%s was not generated by orm_ext, which never replaces such a function.', other.proc)
                                ELSE format('%s was generated for the model of table %s.', other.proc, other.model_table) END,
                  HINT = 'Register the model with another "name" or "api_schema", or drop the function.';
    END IF;

    IF old IS NOT NULL THEN
        SELECT pg_get_function_identity_arguments(p.oid), p.proargnames, p.proacl
          INTO old_args, old_names, old_acl
          FROM pg_proc p WHERE p.oid = old;
    END IF;

    IF old IS NOT NULL
       AND (SELECT p.proname = fname AND n.nspname = api_schema
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = old) THEN
        -- same name: try in place; a changed signature needs a new function
        BEGIN
            EXECUTE format('CREATE OR REPLACE FUNCTION %I.%I(%s) %s', api_schema, fname, params, body);
            replaced := true;
        EXCEPTION WHEN invalid_function_definition THEN
            -- renamed parameters or removed defaults: not replaceable in place
            replaced := false;
        END;
        IF NOT replaced THEN
            EXECUTE format('DROP FUNCTION %s', old);
            EXECUTE format('CREATE FUNCTION %I.%I(%s) %s', api_schema, fname, params, body);
        ELSIF EXISTS (SELECT FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = api_schema AND p.proname = fname AND p.oid <> old) THEN
            -- other argument types: that made an overload beside the old one
            EXECUTE format('DROP FUNCTION %s', old);
        END IF;
    ELSE
        IF old IS NOT NULL THEN
            EXECUTE format('DROP FUNCTION %s', old);
        END IF;
        EXECUTE format('CREATE FUNCTION %I.%I(%s) %s', api_schema, fname, params, body);
    END IF;

    SELECT p.oid INTO newproc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = api_schema AND p.proname = fname;
    IF old IS NOT NULL AND newproc <> old::oid AND old_acl IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', newproc::regprocedure);
        FOR a IN SELECT * FROM aclexplode(old_acl) LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', newproc::regprocedure,
                           CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                           CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END IF;
    EXECUTE format('COMMENT ON FUNCTION %s IS %L', newproc::regprocedure, comment);
    -- generated by someone else (a superuser's ALTER TABLE): hand it to the
    -- table's owner, who must be able to regenerate it after the next DDL
    SELECT c.relowner INTO owner FROM pg_class c WHERE c.oid = tbl;
    IF (SELECT p.proowner FROM pg_proc p WHERE p.oid = newproc) <> owner
       AND pg_has_role(owner, 'MEMBER') THEN
        EXECUTE format('ALTER FUNCTION %s OWNER TO %s', newproc::regprocedure, owner::regrole);
    END IF;

    INSERT INTO orm_ext.model_generated_functions AS g (model_table, kind, function, reads)
    VALUES (tbl, kind, newproc, reads)
    ON CONFLICT (model_table, kind) DO UPDATE SET function = EXCLUDED.function, reads = EXCLUDED.reads;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_put_function(pg_catalog.regclass, pg_catalog.text, pg_catalog.name, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.regclass) IS
    'creates or replaces one generated function of a model, refusing (42723) to replace a function orm_ext did not generate for it';

-- (Re)generate every function of a registered model from the catalogs.
-- The comparison operators of a column's type, for the metadata baked into
-- _list and _page: {"eq": "OPERATOR(pg_catalog.=)", ...}, or {} when the type
-- has no btree operators (a filter or order on it then raises 42883 when used).
CREATE FUNCTION orm_ext.model_operators(tbl pg_catalog.regclass, col pg_catalog.name)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT jsonb_object_agg(op, orm_ext.model_operator(tbl, col, op))
              FROM unnest(ARRAY['eq', 'neq', 'lt', 'lte', 'gt', 'gte']) AS op);
EXCEPTION WHEN undefined_function THEN
    RETURN '{}';
END;
$$;
COMMENT ON FUNCTION orm_ext.model_operators(pg_catalog.regclass, pg_catalog.name) IS
    'the btree comparison operators of a column''s type as {"eq": ..., "lt": ...}, or {} when it has none';

CREATE FUNCTION orm_ext.model_generate(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
    qname text;
    rowtype text;
    cols record;
    create_params text[] := '{}';
    insert_cols text[] := '{}';
    insert_vals text[] := '{}';
    upsert_set text[] := '{}';
    pk_params text[] := '{}';
    pk_where text[] := '{}';
    pk_cols text[] := '{}';
    pk_text text[] := '{}';
    pk_args text[] := '{}';
    pk_types regtype[] := '{}';
    create_types regtype[] := '{}';
    call_args text := '';
    n int := 0;
    npk int := 0;
    alive text := '';
    body text;
    label text;
    meta jsonb;
    pk_names text[] := '{}';
BEGIN
    SELECT * INTO m FROM orm_ext.model_registry r WHERE r.model_table = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not a registered model', tbl USING ERRCODE = '55000';
    END IF;
    -- the API schema was renamed (by someone else, whose rename left this
    -- model alone): follow the functions to its new name
    IF NOT EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = m.api_schema) THEN
        UPDATE orm_ext.model_registry r
           SET api_schema = (SELECT n.nspname FROM orm_ext.model_generated_functions g
                               JOIN pg_proc p ON p.oid = g.function
                               JOIN pg_namespace n ON n.oid = p.pronamespace
                              WHERE g.model_table = tbl LIMIT 1)
         WHERE r.model_table = tbl
           AND EXISTS (SELECT FROM orm_ext.model_generated_functions g JOIN pg_proc p ON p.oid = g.function
                        WHERE g.model_table = tbl);
        SELECT * INTO m FROM orm_ext.model_registry r WHERE r.model_table = tbl;
    END IF;
    SELECT format('%I.%I', ns.nspname, c.relname) INTO qname
      FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE c.oid = tbl;
    rowtype := qname;
    label := format('orm_ext model %s of table %s', quote_ident(m.model_name), qname);
    IF NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = tbl AND i.indisprimary) THEN
        RAISE EXCEPTION 'table % has no primary key', qname
            USING ERRCODE = '42P16',
                  DETAIL = format('Table %s is registered as model "%s", whose functions take the primary key.', qname, m.model_name),
                  HINT = 'Add the new primary key in the same ALTER TABLE that drops the old one, or call orm_ext.model_unregister() first.';
    END IF;

    FOR cols IN SELECT * FROM orm_ext.model_column_info(tbl) LOOP
        IF NOT cols.server_owned THEN
            n := n + 1;
            create_params := create_params || format('%I %s DEFAULT %s', cols.column_name,
                                                     format_type(cols.type_oid, NULL),
                                                     COALESCE(cols.column_default, 'NULL'));
            insert_cols := insert_cols || quote_ident(cols.column_name);
            insert_vals := insert_vals || ('$' || n);
            call_args := call_args || ', $' || n;
            create_types := create_types || cols.type_oid::regtype;
            IF cols.pk_position IS NULL THEN
                upsert_set := upsert_set || format('%1$I = EXCLUDED.%1$I', cols.column_name);
            END IF;
        END IF;
    END LOOP;
    IF m.version_column IS NOT NULL THEN
        insert_cols := insert_cols || quote_ident(m.version_column);
        insert_vals := insert_vals || '1'::text;
        upsert_set := upsert_set || format('%1$I = t.%1$I OPERATOR(pg_catalog.+) 1', m.version_column);
    END IF;
    IF m.deleted_at_column IS NOT NULL THEN
        upsert_set := upsert_set || format('%I = NULL', m.deleted_at_column);
        alive := format(' AND t.%I IS NULL', m.deleted_at_column);
    END IF;

    FOR cols IN SELECT * FROM orm_ext.model_column_info(tbl) WHERE pk_position IS NOT NULL
                 ORDER BY pk_position LOOP
        npk := npk + 1;
        pk_params := pk_params || format('%I %s', cols.column_name, format_type(cols.type_oid, NULL));
        pk_where := pk_where || format('t.%I %s $%s', cols.column_name,
                                       orm_ext.model_operator(tbl, cols.column_name, 'eq'), npk);
        pk_cols := pk_cols || quote_ident(cols.column_name);
        pk_names := pk_names || cols.column_name::text;
        pk_text := pk_text || format('$%s::pg_catalog.text', npk);
        pk_args := pk_args || ('$' || npk);
        pk_types := pk_types || cols.type_oid::regtype;
    END LOOP;
    IF cardinality(upsert_set) = 0 THEN
        upsert_set := ARRAY[format('%1$s = EXCLUDED.%1$s', pk_cols[1])];
    END IF;

    -- create: a one-line SQL function the planner inlines into the calling
    -- query; model_row_exec() keeps the INSERT's plan for the session
    IF cardinality(insert_cols) = 0 THEN
        body := format('INSERT INTO %s AS t DEFAULT VALUES RETURNING (t.*)::%s', qname, rowtype);
    ELSE
        body := format('INSERT INTO %s AS t (%s) VALUES (%s) RETURNING (t.*)::%s', qname,
                       array_to_string(insert_cols, ', '), array_to_string(insert_vals, ', '), rowtype);
    END IF;
    PERFORM orm_ext.model_statement_check(body, create_types);
    body := format('SELECT orm_ext.model_row_exec(%L, NULL::%s%s)', body, rowtype, call_args);
    PERFORM orm_ext.model_put_function(tbl, 'create', m.api_schema, m.model_name || '_create',
        array_to_string(create_params, ', '),
        format('RETURNS %s LANGUAGE sql VOLATILE SECURITY INVOKER AS %L', rowtype, body),
        label || ': inserts a row; an omitted argument takes the column default, an explicit NULL is NULL');

    -- get
    -- model_row_get() looks the key up in the primary key index when no row
    -- security applies, and runs the SELECT otherwise
    -- (t.*) is the whole row even when a column is named t
    body := format('SELECT (t.*)::%s FROM %s AS t WHERE %s%s', rowtype, qname, array_to_string(pk_where, ' AND '), alive);
    PERFORM orm_ext.model_statement_check(body, pk_types);
    body := format('SELECT orm_ext.model_row_get(%L, %L::pg_catalog.regclass, %L::pg_catalog.name, NULL::%s, %s)',
                   body, qname, m.deleted_at_column, rowtype, array_to_string(pk_args, ', '));
    PERFORM orm_ext.model_put_function(tbl, 'get', m.api_schema, m.model_name || '_get',
        array_to_string(pk_params, ', '),
        format('RETURNS %s LANGUAGE sql STABLE SECURITY INVOKER AS %L', rowtype, body),
        label || ': the row with this primary key, or NULL when it is absent or not visible');

    -- update
    SELECT jsonb_build_object(
               'table', qname, 'model', m.model_name, 'version', m.version_column,
               'deleted', m.deleted_at_column,
               'touch', (SELECT a.attname FROM pg_attribute a
                          WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
                            AND a.attidentity <> 'a' AND a.attgenerated = ''
                          ORDER BY a.attnum LIMIT 1),
               'pk', (SELECT jsonb_agg(jsonb_build_object('col', i.column_name,
                                                          'op', orm_ext.model_operator(tbl, i.column_name, 'eq'),
                                                          'type', format_type(i.type_oid, NULL))
                                       ORDER BY i.pk_position)
                        FROM orm_ext.model_column_info(tbl) i WHERE i.pk_position IS NOT NULL),
               'cols', (SELECT jsonb_object_agg(i.column_name, i.server_owned)
                          FROM orm_ext.model_column_info(tbl) i))
      INTO meta;
    body := format('SELECT orm_ext.model_update_row(NULL::%s, ARRAY[%s], $%s, %L::pg_catalog.jsonb)', rowtype,
                   array_to_string(pk_text, ', '), npk + 1, meta);
    PERFORM orm_ext.model_put_function(tbl, 'update', m.api_schema, m.model_name || '_update',
        array_to_string(pk_params || CASE WHEN 'patch' = ANY (pk_names) THEN 'pg_catalog.jsonb'
                                          ELSE 'patch pg_catalog.jsonb' END, ', '),
        format('RETURNS %s LANGUAGE sql VOLATILE SECURITY INVOKER AS %L', rowtype, body),
        label || ': sets exactly the columns present in patch; returns the updated row, or NULL when no row matched');

    -- upsert
    IF cardinality(insert_cols) = 0 THEN
        body := format('INSERT INTO %s AS t DEFAULT VALUES RETURNING (t.*)::%s', qname, rowtype);
    ELSE
        body := format('INSERT INTO %s AS t (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s RETURNING (t.*)::%s',
                       qname, array_to_string(insert_cols, ', '), array_to_string(insert_vals, ', '),
                       array_to_string(pk_cols, ', '), array_to_string(upsert_set, ', '), rowtype);
    END IF;
    PERFORM orm_ext.model_statement_check(body, create_types);
    body := format('SELECT orm_ext.model_row_exec(%L, NULL::%s%s)', body, rowtype, call_args);
    PERFORM orm_ext.model_put_function(tbl, 'upsert', m.api_schema, m.model_name || '_upsert',
        array_to_string(create_params, ', '),
        format('RETURNS %s LANGUAGE sql VOLATILE SECURITY INVOKER AS %L', rowtype, body),
        label || ': inserts a row, or updates the row with the same primary key');

    -- delete
    IF m.deleted_at_column IS NOT NULL THEN
        body := format('WITH d AS (UPDATE %s AS t SET %I = pg_catalog.now() WHERE %s%s RETURNING 1) ',
                       qname, m.deleted_at_column, array_to_string(pk_where, ' AND '), alive);
    ELSE
        body := format('WITH d AS (DELETE FROM %s AS t WHERE %s RETURNING 1) ',
                       qname, array_to_string(pk_where, ' AND '));
    END IF;
    -- more than one row (a key repeated in tables that inherit from this
    -- one) fails with 21000, deleting nothing
    body := body || format('SELECT orm_ext.model_one_row(%L, %L::pg_catalog.regclass, pg_catalog.count(*)) FROM d',
                           m.model_name || '_delete', qname);
    PERFORM orm_ext.model_statement_check(body, pk_types);
    body := format('SELECT orm_ext.model_row_exec(%L, NULL::pg_catalog.bool, %s)',
                   body, array_to_string(pk_args, ', '));
    PERFORM orm_ext.model_put_function(tbl, 'delete', m.api_schema, m.model_name || '_delete',
        array_to_string(pk_params, ', '),
        format('RETURNS boolean LANGUAGE sql VOLATILE SECURITY INVOKER AS %L', body),
        label || CASE WHEN m.deleted_at_column IS NOT NULL
                      THEN format(': sets %I on the row (soft delete); true when a row was deleted', m.deleted_at_column)
                      ELSE ': deletes the row; true when a row was deleted' END);

    -- list
    -- list and page: what the engine needs to know of the table, baked in
    SELECT jsonb_build_object(
               'table', qname, 'model', m.model_name, 'deleted', m.deleted_at_column,
               'pk', (SELECT jsonb_agg(i.column_name ORDER BY i.pk_position)
                        FROM orm_ext.model_column_info(tbl) i WHERE i.pk_position IS NOT NULL),
               'cols', (SELECT jsonb_object_agg(i.column_name,
                                                jsonb_build_object('cat', ty.typcategory, 'nn', NOT i.nullable)
                                                || COALESCE(ops.o, '{}'))
                          FROM orm_ext.model_column_info(tbl) i
                          JOIN pg_type ty ON ty.oid = i.type_oid
                          CROSS JOIN LATERAL orm_ext.model_operators(tbl, i.column_name) AS ops(o)))
      INTO meta;
    body := format('SELECT * FROM orm_ext.model_list_rows(NULL::%s, %L::pg_catalog.jsonb, $1, $2, $3, $4)', rowtype, meta);
    PERFORM orm_ext.model_put_function(tbl, 'list', m.api_schema, m.model_name || '_list',
        'filter pg_catalog.jsonb DEFAULT ''{}'', order_by pg_catalog.text[] DEFAULT NULL, '
        'page_size integer DEFAULT 50, after pg_catalog.text DEFAULT NULL',
        format('RETURNS SETOF %s LANGUAGE sql STABLE SECURITY INVOKER ROWS 50 AS %L', rowtype, body),
        label || ': rows matching filter, in order_by order (default the primary key), page_size at most, after a cursor of _page');

    -- page
    body := format('SELECT orm_ext.model_page_rows(NULL::%s, %L::pg_catalog.jsonb, $1, $2, $3, $4)', rowtype, meta);
    PERFORM orm_ext.model_put_function(tbl, 'page', m.api_schema, m.model_name || '_page',
        'filter pg_catalog.jsonb DEFAULT ''{}'', order_by pg_catalog.text[] DEFAULT NULL, '
        'page_size integer DEFAULT 50, after pg_catalog.text DEFAULT NULL',
        format('RETURNS pg_catalog.jsonb LANGUAGE sql STABLE SECURITY INVOKER AS %L', body),
        label || ': {"items": [...], "next_cursor": ...}, keyset pagination over _list''s arguments');

    -- fetch: the row as jsonb with the relationships of include nested
    body := format('SELECT orm_ext.model_row_query(orm_ext.model_fetch_statement(%L::pg_catalog.regclass, $%s), '
                   'NULL::pg_catalog.jsonb, %s)', qname, npk + 1, array_to_string(pk_args, ', '));
    PERFORM orm_ext.model_put_function(tbl, 'fetch', m.api_schema, m.model_name || '_fetch',
        array_to_string(pk_params || CASE WHEN 'include' = ANY (pk_names) THEN 'pg_catalog.text[] DEFAULT ''{}'''
                                          ELSE 'include pg_catalog.text[] DEFAULT ''{}''' END, ', '),
        format('RETURNS pg_catalog.jsonb LANGUAGE sql STABLE SECURITY INVOKER AS %L', body),
        label || ': the row with this primary key as jsonb, with the relationships named in include nested in it; NULL when absent');

    -- fetch_many: a page of rows (filter and cursor as _page's) with includes
    body := format('SELECT orm_ext.model_fetch_many_rows(%L::pg_catalog.jsonb, $1, $2, $3, $4)', meta);
    PERFORM orm_ext.model_put_function(tbl, 'fetch_many', m.api_schema, m.model_name || '_fetch_many',
        'filter pg_catalog.jsonb DEFAULT ''{}'', include pg_catalog.text[] DEFAULT ''{}'', '
        'page_size integer DEFAULT 50, after pg_catalog.text DEFAULT NULL',
        format('RETURNS pg_catalog.jsonb LANGUAGE sql STABLE SECURITY INVOKER AS %L', body),
        label || ': {"items": [...], "next_cursor": ...}, rows matching filter in primary key order, each with the relationships named in include nested in it');

    -- create_graph: a row with nested children and links
    body := format('SELECT orm_ext.model_create_graph(%L::pg_catalog.regclass, $1)', qname);
    PERFORM orm_ext.model_put_function(tbl, 'create_graph', m.api_schema, m.model_name || '_create_graph',
        'doc pg_catalog.jsonb',
        format('RETURNS pg_catalog.jsonb LANGUAGE sql VOLATILE SECURITY INVOKER AS %L', body),
        label || ': creates a row with the children and links its document nests, in one statement; returns it as _fetch with them included');

    -- its relationships and those of the models linked to it
    PERFORM orm_ext.model_refresh_relationships(ARRAY[tbl::oid]);
END;
$$;
COMMENT ON FUNCTION orm_ext.model_generate(pg_catalog.regclass) IS
    'regenerates the typed functions of a registered model from the catalogs';

-------------------------------------------------------------------------------
-- The engine behind the generated update, list and page functions
-------------------------------------------------------------------------------

-- A primary key that matched more than one row: the table has children
-- (INHERITS) that repeat it.  Raised inside the statement, so that what it
-- changed is undone.
CREATE FUNCTION orm_ext.model_one_row(fname pg_catalog.text, tbl pg_catalog.regclass, n bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF fname IS NULL OR tbl IS NULL OR n IS NULL THEN
        RAISE EXCEPTION 'model_one_row: arguments must not be null' USING ERRCODE = '22004';
    END IF;
    IF n > 1 THEN
        RAISE EXCEPTION '%: % rows of % have this primary key', fname, n, tbl
            USING ERRCODE = '21000',
                  DETAIL = 'A primary key is not unique across the tables that inherit from a table.',
                  HINT = 'Register the child tables as models of their own, or give the rows distinct keys.';
    END IF;
    RETURN n = 1;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_one_row(pg_catalog.text, pg_catalog.regclass, bigint) IS
    'whether n, the rows a primary key matched, is 1 (false for 0); raises 21000 when it is more (inheritance children repeat keys)';

CREATE FUNCTION orm_ext.model_update_row(proto anyelement, pk pg_catalog.text[], patch pg_catalog.jsonb,
                                         meta pg_catalog.jsonb)
RETURNS anyelement
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- meta is written into the generated function by model_generate() and
    -- rewritten with it after DDL, so no catalog is read here:
    --   {"table": qualified name, "model": name, "version": column or null,
    --    "deleted": column or null, "touch": a column an UPDATE may set,
    --    "pk": [{"col", "op", "type"}, ...] in key order,
    --    "cols": {column: server_owned, ...}}
    tbl regclass := (meta ->> 'table')::regclass;
    model text := meta ->> 'model';
    version_column text := meta ->> 'version';
    deleted_column text := meta ->> 'deleted';
    info jsonb := meta -> 'cols';
    k jsonb;
    n int := 0;
    key text;
    sets text[] := '{}';
    conds text[] := '{}';
    expected text;
    result ALIAS FOR $0;
    current_version text;
    updated bigint;
BEGIN
    IF patch IS NULL THEN
        RAISE EXCEPTION '%_update: patch must not be null', model USING ERRCODE = '22004',
            HINT = 'Pass ''{}'' to change nothing.';
    END IF;
    IF jsonb_typeof(patch) <> 'object' THEN
        RAISE EXCEPTION '%_update: patch must be a JSON object, not %', model, jsonb_typeof(patch)
            USING ERRCODE = '22023';
    END IF;

    FOR k IN SELECT * FROM jsonb_array_elements(meta -> 'pk') LOOP
        n := n + 1;
        conds := conds || format('t.%I %s %s::%s', k ->> 'col', k ->> 'op',
                                 COALESCE(quote_literal(pk[n]), 'NULL'), k ->> 'type');
    END LOOP;
    IF deleted_column IS NOT NULL THEN
        conds := conds || format('t.%I IS NULL', deleted_column);
    END IF;

    FOR key IN SELECT jsonb_object_keys(patch) LOOP
        IF NOT info ? key THEN
            RAISE EXCEPTION 'column "%" of table % does not exist', key, tbl
                USING ERRCODE = '42703',
                      DETAIL = format('%s_update''s patch names it.', model);
        ELSIF key = version_column THEN
            IF jsonb_typeof(patch -> key) <> 'null' THEN
                expected := orm_ext.model_value_literal(tbl, key, patch -> key);
            END IF;
        ELSIF (info ->> key)::boolean THEN
            RAISE EXCEPTION 'column "%" of table % is written by the server', key, tbl
                USING ERRCODE = '428C9',
                      DETAIL = 'Identity ALWAYS, generated, timestamp, soft-delete, version and ledger columns cannot be set.',
                      HINT = format('Remove "%s" from the patch.', key);
        ELSE
            sets := sets || format('%I = %s', key, orm_ext.model_value_literal(tbl, key, patch -> key));
        END IF;
    END LOOP;

    IF version_column IS NOT NULL THEN
        IF expected IS NULL THEN
            RAISE EXCEPTION '%_update: patch must carry the current "%"', model, version_column
                USING ERRCODE = '40001',
                      DETAIL = 'The model uses optimistic locking.',
                      HINT = format('Read the row, and send its "%s" with the patch.', version_column);
        END IF;
        sets := sets || format('%1$I = t.%1$I OPERATOR(pg_catalog.+) 1', version_column);
    ELSIF cardinality(sets) = 0 THEN
        -- an empty patch still touches the row (triggers fire, updated_at moves)
        IF meta ->> 'touch' IS NULL THEN
            -- nothing an UPDATE may set: return the row as it is
            EXECUTE format('SELECT t.* FROM %s AS t WHERE %s', tbl, array_to_string(conds, ' AND '))
               INTO result;
            GET DIAGNOSTICS updated = ROW_COUNT;
            PERFORM orm_ext.model_one_row(model || '_update', tbl, updated);
            RETURN CASE WHEN updated = 0 THEN NULL ELSE result END;
        END IF;
        sets := ARRAY[format('%1$I = t.%1$I', meta ->> 'touch')];
    END IF;

    EXECUTE format('UPDATE %s AS t SET %s WHERE %s%s RETURNING t.*', tbl,
                   array_to_string(sets, ', '), array_to_string(conds, ' AND '),
                   CASE WHEN expected IS NULL THEN ''
                        ELSE format(' AND t.%I OPERATOR(pg_catalog.=) %s', version_column, expected) END)
       INTO result;
    GET DIAGNOSTICS updated = ROW_COUNT;
    PERFORM orm_ext.model_one_row(model || '_update', tbl, updated);
    IF updated = 0 AND expected IS NOT NULL THEN
        -- FOR UPDATE: a row the UPDATE policies hide is "no row", not a
        -- conflict; and a row at the patch's version that the UPDATE still
        -- did not match is not one either
        EXECUTE format('SELECT COALESCE(t.%1$I::pg_catalog.text, ''NULL'') FROM %2$s AS t '
                       'WHERE %3$s AND t.%1$I IS DISTINCT FROM %4$s FOR UPDATE',
                       version_column, tbl, array_to_string(conds, ' AND '), expected)
           INTO current_version;
        IF current_version IS NOT NULL THEN
            RAISE EXCEPTION '%_update: the row has changed since it was read', model
                USING ERRCODE = '40001',
                      DETAIL = format('The patch carries "%s" %s; the row is at %s.', version_column,
                                      patch ->> version_column, current_version),
                      HINT = 'Read the row again and reapply the change.';
        END IF;
    END IF;
    IF updated = 0 THEN
        RETURN NULL;
    END IF;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_update_row(anyelement, pg_catalog.text[], pg_catalog.jsonb, pg_catalog.jsonb) IS
    'engine of the generated _update functions: applies a JSON patch to the row with the given primary key';

-- The ORDER BY of a list or page: [(column, descending)], the primary key
-- appended as the tie-breaker.
CREATE FUNCTION orm_ext.model_order(meta pg_catalog.jsonb, order_by pg_catalog.text[])
RETURNS TABLE (column_name pg_catalog.name, descending boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item text;
    col text;
    dir text;
    seen text[] := '{}';
    parts text[];
BEGIN
    FOREACH item IN ARRAY COALESCE(order_by, '{}') LOOP
        IF item IS NULL THEN
            RAISE EXCEPTION '%_list: order_by must not contain NULL', meta ->> 'model' USING ERRCODE = '22004';
        END IF;
        -- A column's own name first, spaces and all; then "name asc|desc",
        -- the name keeping all but one of the spaces before the direction,
        -- or none of them; then the name with the spaces around it trimmed.
        parts := regexp_match(item, '^(.*)[[:space:]]+(asc|desc)[[:space:]]*$', 'i');
        dir := CASE WHEN parts IS NULL THEN 'asc' ELSE lower(parts[2]) END;
        IF (meta -> 'cols') ? item THEN
            col := item;
            dir := 'asc';
        ELSIF parts IS NULL THEN
            col := regexp_replace(item, '^[[:space:]]+|[[:space:]]+$', '', 'g');
        ELSIF (meta -> 'cols') ? parts[1] THEN
            col := parts[1];
        ELSIF (meta -> 'cols') ? regexp_replace(parts[1], '[[:space:]]+$', '') THEN
            col := regexp_replace(parts[1], '[[:space:]]+$', '');
        ELSE
            col := regexp_replace(parts[1], '^[[:space:]]+|[[:space:]]+$', '', 'g');
        END IF;
        IF NOT (meta -> 'cols') ? col THEN
            RAISE EXCEPTION 'column "%" of table % does not exist', col, meta ->> 'table'
                USING ERRCODE = '42703',
                      DETAIL = format('order_by names it in "%s".', item),
                      HINT = 'Write "column", "column asc" or "column desc".';
        END IF;
        IF col = ANY (seen) THEN
            CONTINUE;
        END IF;
        seen := seen || col;
        column_name := col;
        descending := dir = 'desc';
        RETURN NEXT;
    END LOOP;
    FOR col IN SELECT jsonb_array_elements_text(meta -> 'pk') LOOP
        IF NOT col = ANY (seen) THEN
            column_name := col;
            descending := false;
            RETURN NEXT;
        END IF;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_order(pg_catalog.jsonb, pg_catalog.text[]) IS
    'the columns and directions of a list''s ORDER BY, with the primary key appended as the tie-breaker; meta is what model_list_meta() baked into the generated function';

-- One value of a filter or a cursor in the SQL of a list: a literal of the
-- column's type ('42'::integer), or, for a statement model_list_rows()
-- keeps (parameterized), a parameter $n whose value model_list_rows() takes
-- from the call's filter or cursor at "path" each time.  params lists the
-- parameters so far, each {"c": column, "p": path, "k": kind}: kind "v" is a
-- JSON value of the column's type, "c" a cursor's value (a JSON string, the
-- text of a value of the column's type: see model_cursor_literal), "t" a
-- text (a LIKE pattern), and "a" (added by model_filter_sql for an "in"
-- list) an array of the column's type; its n-th entry is $n.  The value is
-- converted either way, so a bad one fails here, naming the column.
CREATE FUNCTION orm_ext.model_list_arg(tbl pg_catalog.regclass, col pg_catalog.name, value pg_catalog.jsonb,
                                       path pg_catalog.jsonb, kind "char", parameterized boolean,
                                       INOUT params pg_catalog.jsonb, OUT lit pg_catalog.text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind = 't' THEN
        lit := format('%L::pg_catalog.text', value #>> '{}');
    ELSIF kind = 'c' THEN
        lit := orm_ext.model_cursor_literal(tbl, col, value #>> '{}');
    ELSE
        lit := orm_ext.model_value_literal(tbl, col, value);
    END IF;
    IF parameterized THEN
        params := params || jsonb_build_array(jsonb_build_object('c', col, 'p', path, 'k', kind));
        lit := '$' || jsonb_array_length(params);
    END IF;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_list_arg(pg_catalog.regclass, pg_catalog.name, pg_catalog.jsonb, pg_catalog.jsonb, "char", boolean, pg_catalog.jsonb) IS
    'one filter or cursor value in the SQL of a list: a literal of the column''s type, or a parameter recorded in params';

-- The WHERE conditions of a filter document.
CREATE FUNCTION orm_ext.model_filter_sql(tbl pg_catalog.regclass, meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                         parameterized boolean, INOUT params pg_catalog.jsonb,
                                         OUT conds pg_catalog.text[])
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    model text := meta ->> 'model';
    info jsonb;
    f record;
    o record;
    e record;
    col text;
    lit text;
    typcat "char";
    is_null text;
    not_null text;
    likeop text;
    lits text[];
    ops constant text[] := ARRAY['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'is_null', 'like', 'ilike'];
BEGIN
    conds := '{}';
    IF filter IS NULL THEN
        RAISE EXCEPTION '%_list: filter must not be null', model USING ERRCODE = '22004',
            HINT = 'Pass ''{}'' for no filter.';
    END IF;
    IF jsonb_typeof(filter) <> 'object' THEN
        RAISE EXCEPTION '%_list: filter must be a JSON object, not %', model, jsonb_typeof(filter)
            USING ERRCODE = '22023';
    END IF;
    FOR f IN SELECT * FROM jsonb_each(filter) ORDER BY 1 LOOP
        info := meta -> 'cols' -> f.key;
        typcat := info ->> 'cat';
        IF info IS NULL THEN
            RAISE EXCEPTION 'column "%" of table % does not exist', f.key, tbl
                USING ERRCODE = '42703', DETAIL = format('%s_list''s filter names it.', model);
        END IF;
        col := 't.' || quote_ident(f.key);
        -- NULL is the value's absence: a composite value whose fields are
        -- all NULL IS NULL in SQL, but is not NULL
        is_null := CASE WHEN typcat = 'C' THEN ' IS NOT DISTINCT FROM NULL' ELSE ' IS NULL' END;
        not_null := CASE WHEN typcat = 'C' THEN ' IS DISTINCT FROM NULL' ELSE ' IS NOT NULL' END;
        IF jsonb_typeof(f.value) = 'null' THEN
            conds := conds || (col || is_null);
            CONTINUE;
        ELSIF jsonb_typeof(f.value) <> 'object' THEN
            SELECT a.lit, a.params INTO lit, params
              FROM orm_ext.model_list_arg(tbl, f.key, f.value, jsonb_build_array('f', f.key), 'v',
                                          parameterized, params) AS a;
            conds := conds || format('%s %s %s', col, COALESCE(info ->> 'eq', orm_ext.model_operator(tbl, f.key, 'eq')), lit);
            CONTINUE;
        END IF;
        FOR o IN SELECT * FROM jsonb_each(f.value) ORDER BY 1 LOOP
            IF NOT o.key = ANY (ops) THEN
                RAISE EXCEPTION '%_list: unknown filter operator "%" for column "%"', model, o.key, f.key
                    USING ERRCODE = '22023',
                          HINT = 'The operators are ' || array_to_string(ops, ', ') || '.';
            END IF;
            IF o.key IN ('eq', 'neq') AND jsonb_typeof(o.value) = 'null' THEN
                conds := conds || (col || CASE o.key WHEN 'eq' THEN is_null ELSE not_null END);
            ELSIF o.key IN ('eq', 'neq', 'lt', 'lte', 'gt', 'gte') THEN
                IF jsonb_typeof(o.value) = 'null' THEN
                    RAISE EXCEPTION '%_list: operator "%" on column "%" needs a value, not null', model, o.key, f.key
                        USING ERRCODE = '22023';
                END IF;
                SELECT a.lit, a.params INTO lit, params
                  FROM orm_ext.model_list_arg(tbl, f.key, o.value, jsonb_build_array('f', f.key, o.key), 'v',
                                              parameterized, params) AS a;
                conds := conds || format('%s %s %s', col, COALESCE(info ->> o.key, orm_ext.model_operator(tbl, f.key, o.key)), lit);
            ELSIF o.key = 'in' THEN
                IF jsonb_typeof(o.value) <> 'array' THEN
                    RAISE EXCEPTION '%_list: operator "in" on column "%" needs a JSON array', model, f.key
                        USING ERRCODE = '22023';
                END IF;
                -- JSON nulls never match: they are left out
                lits := '{}';
                FOR e IN SELECT x.v, x.i - 1 AS i FROM jsonb_array_elements(o.value) WITH ORDINALITY AS x(v, i)
                         WHERE jsonb_typeof(x.v) <> 'null' ORDER BY x.i LOOP
                    SELECT a.lit, a.params INTO lit, params
                      FROM orm_ext.model_list_arg(tbl, f.key, e.v, jsonb_build_array('f', f.key, 'in', e.i), 'v',
                                                  parameterized AND typcat = 'A', params) AS a;
                    lits := lits || lit;
                END LOOP;
                IF parameterized AND typcat <> 'A' THEN
                    -- one parameter, an array of the column's type that
                    -- model_list_rows() makes of the list's values: one
                    -- kept statement serves lists of every length
                    params := params || jsonb_build_array(jsonb_build_object(
                                  'c', f.key, 'p', jsonb_build_array('f', f.key, 'in'), 'k', 'a'));
                    conds := conds || format('%s %s ANY ($%s)', col,
                                             COALESCE(info ->> 'eq', orm_ext.model_operator(tbl, f.key, 'eq')),
                                             jsonb_array_length(params));
                ELSIF cardinality(lits) = 0 THEN
                    conds := conds || 'false'::text;
                ELSIF typcat = 'A' THEN
                    -- an array column: ARRAY[$1, $2] of arrays would be one
                    -- two-dimensional array, whose elements are not the
                    -- column's values, so one comparison each
                    conds := conds || format('(%s)',
                        (SELECT string_agg(format('%s %s %s', col,
                                                  COALESCE(info ->> 'eq', orm_ext.model_operator(tbl, f.key, 'eq')), l),
                                           ' OR ' ORDER BY n)
                           FROM unnest(lits) WITH ORDINALITY AS u(l, n)));
                ELSE
                    conds := conds || format('%s %s ANY (ARRAY[%s])', col,
                                             COALESCE(info ->> 'eq', orm_ext.model_operator(tbl, f.key, 'eq')),
                                             array_to_string(lits, ', '));
                END IF;
            ELSIF o.key = 'is_null' THEN
                IF jsonb_typeof(o.value) <> 'boolean' THEN
                    RAISE EXCEPTION '%_list: operator "is_null" on column "%" needs true or false', model, f.key
                        USING ERRCODE = '22023';
                END IF;
                conds := conds || (col || CASE WHEN o.value = 'true' THEN is_null ELSE not_null END);
            ELSE
                IF typcat <> 'S' THEN
                    RAISE EXCEPTION '%_list: operator "%" needs a string column, and "%" is not one', model, o.key, f.key
                        USING ERRCODE = '42883';
                END IF;
                IF jsonb_typeof(o.value) <> 'string' THEN
                    RAISE EXCEPTION '%_list: operator "%" on column "%" needs a string pattern', model, o.key, f.key
                        USING ERRCODE = '22023';
                END IF;
                SELECT a.lit, a.params INTO lit, params
                  FROM orm_ext.model_list_arg(tbl, f.key, o.value, jsonb_build_array('f', f.key, o.key), 't',
                                              parameterized, params) AS a;
                -- the type's own LIKE operator (citext's ignores case,
                -- character's keeps the padding); else the column's text
                likeop := orm_ext.model_operator(tbl, f.key, o.key);
                IF likeop IS NOT NULL THEN
                    conds := conds || format('%s %s %s', col, likeop, lit);
                ELSE
                    conds := conds || format('%s::pg_catalog.text %s %s', col,
                                             CASE o.key WHEN 'like' THEN 'OPERATOR(pg_catalog.~~)'
                                                        ELSE 'OPERATOR(pg_catalog.~~*)' END,
                                             lit);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_filter_sql(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, boolean, pg_catalog.jsonb) IS
    'the SQL conditions of a list filter: {"col": value} or {"col": {"op": value}} with eq, neq, lt, lte, gt, gte, in, is_null, like, ilike; with parameterized, values are parameters recorded in params';

-- The SELECT behind _list and _page.  Keyset pagination: the cursor holds
-- the order and the sort key of the last row returned; the next page starts
-- strictly after that key in that order (NULLs last ascending, first
-- descending, as ORDER BY puts them).  The cursor is base64url of the JSON
-- {"k": key, "o": order}: order as order_key below, key the last row's value
-- of each order column as its type's text (see model_cursor_value), or null
-- for SQL NULL.  A composite value whose fields are all NULL is not SQL
-- NULL, though IS NULL says it is, and one with some NULL fields is neither
-- NULL nor NOT NULL: for a composite column the key compares with IS
-- [NOT] DISTINCT FROM NULL, which looks at the value itself, as ORDER BY does.
--
-- parameterized gives the statement model_list_rows() keeps: it returns the
-- rows as values of the table's row type and every value of the filter and
-- the cursor is a parameter, listed in params (see model_list_arg), so that
-- it serves every call with a filter and a cursor of the same shape and the
-- same page size.  (The LIMIT stays a literal: with a parameter there, the
-- planner would not know how few rows a page is, and would keep planning
-- each call afresh rather than use one plan for all.)
CREATE FUNCTION orm_ext.model_list_build(tbl pg_catalog.regclass, meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                         order_by pg_catalog.text[], page_size integer,
                                         after pg_catalog.text, extra integer, parameterized boolean,
                                         OUT sql pg_catalog.text, OUT params pg_catalog.jsonb,
                                         OUT order_key pg_catalog.jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    model text := meta ->> 'model';
    deleted text := meta ->> 'deleted';
    conds text[];
    ord record;
    order_sql text[] := '{}';
    cur jsonb;
    vals jsonb;
    i int := 0;
    keyset text := NULL;
    term text;
    col text;
    lit text;
    is_null text;
    not_null text;
    qtbl text;
BEGIN
    IF page_size IS NULL THEN
        RAISE EXCEPTION '%_list: page_size must not be null', model USING ERRCODE = '22004';
    END IF;
    IF page_size < 1 THEN
        RAISE EXCEPTION '%_list: page_size must be at least 1, not %', model, page_size
            USING ERRCODE = '22023';
    END IF;
    SELECT f.conds, f.params INTO conds, params
      FROM orm_ext.model_filter_sql(tbl, meta, filter, parameterized, '[]') AS f;
    IF deleted IS NOT NULL THEN
        conds := conds || format('t.%I IS NULL', deleted);
    END IF;
    order_key := '[]';
    FOR ord IN SELECT * FROM orm_ext.model_order(meta, order_by) LOOP
        order_sql := order_sql || format('t.%I %s', ord.column_name, CASE WHEN ord.descending THEN 'DESC' ELSE 'ASC' END);
        order_key := order_key || jsonb_build_array(jsonb_build_array(ord.column_name, ord.descending));
    END LOOP;

    IF after IS NOT NULL THEN
        BEGIN
            cur := convert_from(decode(translate(after, '-_', '+/'), 'base64'), 'UTF8')::jsonb;
        EXCEPTION WHEN OTHERS THEN
            cur := NULL;
        END;
        IF cur IS NULL OR jsonb_typeof(cur) <> 'object' OR cur -> 'o' IS DISTINCT FROM order_key
           OR jsonb_typeof(cur -> 'k') IS DISTINCT FROM 'array'
           OR jsonb_array_length(cur -> 'k') <> jsonb_array_length(order_key) THEN
            RAISE EXCEPTION '%_list: invalid cursor', model
                USING ERRCODE = '22023',
                      DETAIL = 'A cursor is valid only with the order_by of the page that returned it.',
                      HINT = 'Pass the next_cursor of a _page call unchanged, with the same order_by.';
        END IF;
        vals := cur -> 'k';
        -- built from the last key column backwards:
        --   after(k) = gt(k) OR (eq(k) AND after(k+1))
        FOR i IN REVERSE jsonb_array_length(order_key) - 1 .. 0 LOOP
            col := order_key -> i ->> 0;
            IF meta -> 'cols' -> col ->> 'cat' = 'C' THEN
                is_null := 'IS NOT DISTINCT FROM NULL';
                not_null := 'IS DISTINCT FROM NULL';
            ELSE
                is_null := 'IS NULL';
                not_null := 'IS NOT NULL';
            END IF;
            IF jsonb_typeof(vals -> i) = 'null' THEN
                lit := NULL;
            ELSE
                BEGIN
                    IF jsonb_typeof(vals -> i) <> 'string' THEN
                        RAISE EXCEPTION 'a cursor''s value must be a JSON string';
                    END IF;
                    SELECT a.lit, a.params INTO lit, params
                      FROM orm_ext.model_list_arg(tbl, col, vals -> i, jsonb_build_array('c', i), 'c',
                                                  parameterized, params) AS a;
                EXCEPTION WHEN OTHERS THEN
                    RAISE EXCEPTION '%_list: invalid cursor', model USING ERRCODE = '22023',
                        DETAIL = 'It holds a value that does not fit the column.';
                END;
            END IF;
            IF (order_key -> i ->> 1)::boolean THEN
                -- descending, NULLS FIRST: after x come smaller values; after NULL, every non-null
                term := CASE WHEN lit IS NULL THEN format('t.%I %s', col, not_null)
                             ELSE format('t.%I %s %s', col, COALESCE(meta -> 'cols' -> col ->> 'lt', orm_ext.model_operator(tbl, col, 'lt')), lit) END;
            ELSIF lit IS NOT NULL AND (meta -> 'cols' -> col ->> 'nn')::boolean THEN
                -- ascending on a NOT NULL column: after x come larger values
                term := format('t.%I %s %s', col, COALESCE(meta -> 'cols' -> col ->> 'gt', orm_ext.model_operator(tbl, col, 'gt')), lit);
            ELSE
                -- ascending, NULLS LAST: after x come larger values and NULLs; after NULL, nothing
                term := CASE WHEN lit IS NULL THEN 'false'
                             ELSE format('(t.%1$I %2$s %3$s OR t.%1$I %4$s)', col,
                                         COALESCE(meta -> 'cols' -> col ->> 'gt', orm_ext.model_operator(tbl, col, 'gt')), lit,
                                         is_null) END;
            END IF;
            IF i = 0 AND keyset IS NOT NULL AND lit IS NOT NULL AND (meta -> 'cols' -> col ->> 'nn')::boolean THEN
                -- implied by the keyset, but a bound an index on the first
                -- order column can start its scan from
                conds := conds || format('t.%I %s %s', col,
                                         COALESCE(meta -> 'cols' -> col ->> CASE WHEN (order_key -> i ->> 1)::boolean THEN 'lte' ELSE 'gte' END,
                                                  orm_ext.model_operator(tbl, col, CASE WHEN (order_key -> i ->> 1)::boolean THEN 'lte' ELSE 'gte' END)),
                                         lit);
            END IF;
            IF keyset IS NOT NULL THEN
                term := format('(%s OR (%s AND %s))', term,
                               CASE WHEN lit IS NULL THEN format('t.%I %s', col, is_null)
                                    ELSE format('t.%I %s %s', col, COALESCE(meta -> 'cols' -> col ->> 'eq', orm_ext.model_operator(tbl, col, 'eq')), lit) END,
                               keyset);
            END IF;
            keyset := term;
        END LOOP;
        conds := conds || keyset;
    END IF;

    IF parameterized THEN
        -- qualified even for a temporary table: the kept statement may be
        -- analysed again under the caller's search_path
        SELECT format('%I.%I', n.nspname, c.relname) INTO qtbl
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = tbl;
        sql := format('SELECT (t.*)::%s FROM %s AS t%s ORDER BY %s LIMIT %s', qtbl, qtbl,
                      CASE WHEN cardinality(conds) = 0 THEN ''
                           ELSE ' WHERE ' || array_to_string(conds, ' AND ') END,
                      array_to_string(order_sql, ', '), page_size::bigint + extra);
    ELSE
        sql := format('SELECT t.* FROM %s AS t%s ORDER BY %s LIMIT %s', tbl,
                      CASE WHEN cardinality(conds) = 0 THEN ''
                           ELSE ' WHERE ' || array_to_string(conds, ' AND ') END,
                      array_to_string(order_sql, ', '), page_size::bigint + extra);
    END IF;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_list_build(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text, integer, boolean) IS
    'the SELECT behind a model''s _list and _page (filter, visibility, keyset cursor, order and limit), with literals or, parameterized, with the parameters it takes';

CREATE FUNCTION orm_ext.model_list_sql(tbl pg_catalog.regclass, meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                       order_by pg_catalog.text[], page_size integer,
                                       after pg_catalog.text, extra integer)
RETURNS pg_catalog.text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT b.sql FROM orm_ext.model_list_build(tbl, meta, filter, order_by, page_size, after, extra, false) AS b
$$;
COMMENT ON FUNCTION orm_ext.model_list_sql(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text, integer) IS
    'the SELECT behind a model''s _list and _page with the values written in as literals: filter, visibility, keyset cursor, order and limit';

-- What model_list_rows() keeps for a shape of call: the table, the SELECT
-- with parameters, where each parameter's value comes from, and the order
-- (for the cursors of _page).
CREATE FUNCTION orm_ext.model_list_plan(meta pg_catalog.jsonb, filter pg_catalog.jsonb, order_by pg_catalog.text[],
                                        page_size integer, after pg_catalog.text, extra integer,
                                        OUT relid pg_catalog.oid, OUT sql pg_catalog.text, OUT params pg_catalog.jsonb,
                                        OUT order_key pg_catalog.jsonb)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT x.tbl::pg_catalog.oid, b.sql, b.params, b.order_key
      FROM (SELECT (meta OPERATOR(pg_catalog.->>) 'table')::pg_catalog.regclass AS tbl) AS x,
           orm_ext.model_list_build(x.tbl, meta, filter, order_by, page_size, after, extra, true) AS b
$$;
COMMENT ON FUNCTION orm_ext.model_list_plan(pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text, integer) IS
    'the table, the SELECT with parameters and the parameters'' sources that model_list_rows() keeps for a shape of call';

CREATE FUNCTION orm_ext.model_list_rows(proto anyelement, meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                        order_by pg_catalog.text[], page_size integer, after pg_catalog.text)
RETURNS SETOF anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_list_rows'
LANGUAGE C STABLE;
COMMENT ON FUNCTION orm_ext.model_list_rows(anyelement, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text) IS
    'engine of the generated _list functions: the rows of a page, by a statement kept per backend for each shape of filter, order and cursor';

CREATE FUNCTION orm_ext.model_list_rows(proto anyelement, meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                        order_by pg_catalog.text[], page_size integer, after pg_catalog.text,
                                        extra integer)
RETURNS SETOF anyelement
AS 'MODULE_PATHNAME', 'orm_ext_model_list_rows'
LANGUAGE C STABLE;
COMMENT ON FUNCTION orm_ext.model_list_rows(anyelement, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text, integer) IS
    'the rows of a page and extra rows after them (_page asks for one more, to know whether there is a next page)';

CREATE FUNCTION orm_ext.model_page_rows(proto anyelement, meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                        order_by pg_catalog.text[], page_size integer, after pg_catalog.text)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'orm_ext_model_page_rows'
LANGUAGE C STABLE;
COMMENT ON FUNCTION orm_ext.model_page_rows(anyelement, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text) IS
    'engine of the generated _page functions: a page of rows as JSON and the cursor of the next page';

CREATE FUNCTION orm_ext.model_page_cursor(order_key pg_catalog.jsonb, last anyelement)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_model_page_cursor'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION orm_ext.model_page_cursor(pg_catalog.jsonb, anyelement) IS
    'the next_cursor of a page whose last row is last, in the order order_key ([[column, descending], ...]), as _page gives it';

-------------------------------------------------------------------------------
-- Introspection views
-------------------------------------------------------------------------------

CREATE VIEW orm_ext.models AS
SELECT m.model_name AS model, m.model_table AS "table", m.api_schema, m.options,
       m.created_at_column, m.updated_at_column, m.deleted_at_column, m.version_column
  FROM orm_ext.model_registry m;
COMMENT ON VIEW orm_ext.models IS 'orm_ext: the registered models';

CREATE VIEW orm_ext.model_columns AS
SELECT m.model_name AS model, m.model_table AS "table", i.column_name AS name,
       i.type_name AS type, i.nullable, i.column_default AS "default", i.server_owned,
       i.pk_position, i.attnum
  FROM orm_ext.model_registry m,
       LATERAL orm_ext.model_column_info(m.model_table) i;
COMMENT ON VIEW orm_ext.model_columns IS
    'orm_ext: the columns of every model: type, nullability, default, whether the server writes it, primary key position';

CREATE VIEW orm_ext.model_functions AS
SELECT m.model_name AS model, m.model_table AS "table", g.kind, g.function,
       m.api_schema
  FROM orm_ext.model_registry m
  JOIN orm_ext.model_generated_functions g ON g.model_table OPERATOR(pg_catalog.=) m.model_table;
COMMENT ON VIEW orm_ext.model_functions IS 'orm_ext: the functions generated for every model';

GRANT SELECT ON orm_ext.models, orm_ext.model_columns, orm_ext.model_functions TO PUBLIC;

-------------------------------------------------------------------------------
-- Keeping the functions in step with DDL
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.model_ddl_command_end()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regclass;
    r oid;
    schemas oid[];
    rels oid[];
    models oid[] := '{}';
BEGIN
    -- nothing registered: nothing to look at
    IF NOT EXISTS (SELECT FROM orm_ext.model_registry) THEN
        RETURN;
    END IF;
    -- The objects the commands touched, read once; the registry is probed by
    -- its key, so DDL on other tables costs the same with 500 models as
    -- with one.
    SELECT array_agg(c.objid) FILTER (WHERE c.classid = 'pg_namespace'::regclass),
           array_agg(CASE c.classid
                         WHEN 'pg_class'::regclass THEN
                             COALESCE((SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = c.objid), c.objid)
                         WHEN 'pg_trigger'::regclass THEN
                             (SELECT tg.tgrelid FROM pg_trigger tg WHERE tg.oid = c.objid)
                         WHEN 'pg_constraint'::regclass THEN
                             (SELECT co.conrelid FROM pg_constraint co WHERE co.oid = c.objid)
                     END) FILTER (WHERE c.classid IN ('pg_class'::regclass, 'pg_trigger'::regclass,
                                                      'pg_constraint'::regclass))
      INTO schemas, rels
      FROM pg_event_trigger_ddl_commands() c;
    -- ALTER SCHEMA ... RENAME: follow a renamed api schema, and regenerate
    -- the models whose tables or functions live in the schema
    FOR t IN
        SELECT DISTINCT m.model_table
          FROM orm_ext.model_registry m
          JOIN pg_class rel ON rel.oid = m.model_table
         WHERE schemas IS NOT NULL
           AND (rel.relnamespace = ANY (schemas)
                OR EXISTS (SELECT FROM orm_ext.model_generated_functions g JOIN pg_proc p ON p.oid = g.function
                            WHERE g.model_table = m.model_table AND p.pronamespace = ANY (schemas))
                OR EXISTS (SELECT FROM orm_ext.model_generated_functions g JOIN pg_class rc ON rc.oid = g.reads
                            WHERE g.model_table = m.model_table AND rc.relnamespace = ANY (schemas)))
    LOOP
        -- another owner's model: left for its owner (whose next DDL on it,
        -- or model_register, regenerates it)
        CONTINUE WHEN NOT orm_ext.owns_relation(t);
        UPDATE orm_ext.model_registry m
           SET api_schema = (SELECT n.nspname FROM orm_ext.model_generated_functions g
                               JOIN pg_proc p ON p.oid = g.function
                               JOIN pg_namespace n ON n.oid = p.pronamespace
                              WHERE g.model_table = t LIMIT 1)
         WHERE m.model_table = t
           AND NOT EXISTS (SELECT FROM pg_namespace n WHERE n.nspname = m.api_schema);
        -- regenerated below, with the models the other commands changed
        IF NOT t::oid = ANY (models) THEN
            models := models || t::oid;
        END IF;
    END LOOP;
    -- Every query below is simple and probes by key: DDL on tables that
    -- are not models must stay cheap however many models there are.
    FOREACH r IN ARRAY COALESCE(rels, '{}') LOOP
        -- functions that read this table (an association table whose keys
        -- may have changed or gone)
        IF EXISTS (SELECT FROM orm_ext.model_generated_functions g WHERE g.reads = r::regclass) THEN
            PERFORM orm_ext.model_refresh_relationships(
                ARRAY(SELECT DISTINCT g.model_table::oid FROM orm_ext.model_generated_functions g
                       WHERE g.reads = r::regclass));
        END IF;
        IF EXISTS (SELECT FROM orm_ext.model_registry m WHERE m.model_table = r::regclass) THEN
            IF NOT r = ANY (models) AND EXISTS (SELECT FROM pg_class c WHERE c.oid = r) THEN
                models := models || r;
            END IF;
        ELSIF EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = r AND c.contype = 'f') THEN
            -- a table that is not a model may link models through its
            -- foreign keys (an association table): regenerate the
            -- relationships of their targets
            PERFORM orm_ext.model_refresh_relationships(
                ARRAY(SELECT DISTINCT c.confrelid FROM pg_constraint c
                       WHERE c.conrelid = r AND c.contype = 'f'));
        END IF;
    END LOOP;
    FOREACH r IN ARRAY models LOOP
        t := r::regclass;
        -- without a primary key (dropped and not yet replaced, or not yet
        -- restored: pg_restore adds constraints one by one) the functions
        -- are kept as they are until one is added
        IF NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = t AND i.indisprimary) THEN
            -- the kept functions name the table: renamed or moved now, they
            -- would name a table that is gone, or one created under the old
            -- name later.  _get names it as a literal, which is exact.
            IF EXISTS (SELECT FROM orm_ext.model_generated_functions g
                         JOIN pg_proc p ON p.oid = g.function
                        WHERE g.model_table = t AND g.kind = 'get'
                          AND strpos(p.prosrc,
                                     format('%L::pg_catalog.regclass',
                                            (SELECT format('%I.%I', ns.nspname, c.relname)
                                               FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
                                              WHERE c.oid = t))) = 0) THEN
                RAISE EXCEPTION 'table % of model "%" has no primary key', t,
                                (SELECT m.model_name FROM orm_ext.model_registry m WHERE m.model_table = t)
                    USING ERRCODE = '42P16',
                          DETAIL = 'Its functions name the table by its old name and cannot be regenerated without a primary key.',
                          HINT = 'Add a primary key before renaming the table or moving it to another schema, or call orm_ext.model_unregister() first.';
            END IF;
            RAISE WARNING 'table % of model "%" has no primary key', t,
                          (SELECT m.model_name FROM orm_ext.model_registry m WHERE m.model_table = t)
                USING DETAIL = 'Its functions are left as they are until a primary key is added.';
            CONTINUE;
        END IF;
        PERFORM orm_ext.model_generate(t);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_ddl_command_end() IS
    'event trigger: regenerates the functions of the models whose tables a DDL command changed';

CREATE FUNCTION orm_ext.model_sql_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f record;
    rels regclass[];
    procs oid[];
    schemas name[];
BEGIN
    IF NOT EXISTS (SELECT FROM orm_ext.model_registry) THEN
        RETURN;
    END IF;
    -- what was dropped, read once; the registry tables are probed by key
    SELECT array_agg(d.objid::regclass) FILTER (WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0),
           array_agg(d.objid) FILTER (WHERE d.classid = 'pg_proc'::regclass),
           array_agg(d.object_name::name) FILTER (WHERE d.classid = 'pg_namespace'::regclass)
      INTO rels, procs, schemas
      FROM pg_event_trigger_dropped_objects() d;
    -- a table dropped by a cascade (DROP SCHEMA ... CASCADE) takes the
    -- functions that return its row type with it, but not _delete and _page
    IF rels IS NOT NULL THEN
        FOR f IN SELECT g.function FROM orm_ext.model_generated_functions g
                  WHERE g.model_table = ANY (rels)
                    AND EXISTS (SELECT FROM pg_proc p WHERE p.oid = g.function)
                    AND NOT g.function::oid = ANY (COALESCE(procs, '{}')) LOOP
            EXECUTE format('DROP FUNCTION %s', f.function);
        END LOOP;
        DELETE FROM orm_ext.model_generated_functions g WHERE g.model_table = ANY (rels);
        DELETE FROM orm_ext.model_registry m WHERE m.model_table = ANY (rels);
    END IF;
    IF procs IS NOT NULL THEN
        DELETE FROM orm_ext.model_generated_functions g WHERE g.function::oid = ANY (procs);
    END IF;
    IF schemas IS NOT NULL THEN
        DELETE FROM orm_ext.model_registry m WHERE m.api_schema = ANY (schemas);
    END IF;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_sql_drop() IS
    'event trigger: forgets the models whose tables or api schemas were dropped, and generated functions that were dropped';

CREATE FUNCTION orm_ext.model_ddl_command_start()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'orm_ext_model_ddl_command_start'
LANGUAGE C;
COMMENT ON FUNCTION orm_ext.model_ddl_command_start() IS
    'event trigger: before DROP TABLE, drops the generated functions of the registered tables it names; before DROP EXTENSION orm_ext, refuses while generated functions exist (drops them with CASCADE)';

CREATE EVENT TRIGGER orm_ext_model_ddl_command_start ON ddl_command_start
    WHEN TAG IN ('DROP TABLE', 'DROP EXTENSION', 'DROP SCHEMA')
    EXECUTE FUNCTION orm_ext.model_ddl_command_start();
CREATE EVENT TRIGGER orm_ext_model_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION orm_ext.model_ddl_command_end();
CREATE EVENT TRIGGER orm_ext_model_sql_drop ON sql_drop
    EXECUTE FUNCTION orm_ext.model_sql_drop();
