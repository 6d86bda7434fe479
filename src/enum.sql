-------------------------------------------------------------------------------
-- Enum utilities (src/enum.c, src/enum.sql): reading enums, and a lifecycle
-- (create, add, rename, drop, diff, sync) that works from the catalogs.
--
-- The readers are C.  The lifecycle functions are PL/pgSQL: they run once
-- per migration and are mostly DDL.  They are SECURITY INVOKER and check
-- ownership of the type themselves, so that the error is a clear 42501
-- before anything is changed.  Every name they put into SQL is quoted with
-- format('%I') or quote_literal(); they pin search_path so that the
-- statements they build resolve the same way whatever the caller's path.
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.enum_values(t pg_catalog.regtype)
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'orm_ext_enum_values'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.enum_values(pg_catalog.regtype) IS
    'the labels of an enum type in sort order';

CREATE FUNCTION orm_ext.enum_has(t pg_catalog.regtype, label pg_catalog.text)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'orm_ext_enum_has'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.enum_has(pg_catalog.regtype, pg_catalog.text) IS
    'whether an enum type has a label';

CREATE FUNCTION orm_ext.enum_try_cast(label pg_catalog.text, hint anyenum)
RETURNS anyenum
AS 'MODULE_PATHNAME', 'orm_ext_enum_try_cast'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION orm_ext.enum_try_cast(pg_catalog.text, anyenum) IS
    'the enum value of a label in the type of hint, or NULL when the type has no such label';

-- The quoted, schema-qualified name of an enum type: 42704 for an OID that
-- names no type, 42809 for a type that is not an enum.
CREATE FUNCTION orm_ext.enum_name(t pg_catalog.regtype)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    SELECT ty.typname, ty.typtype, n.nspname
      INTO r
      FROM pg_catalog.pg_type ty
      JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace
     WHERE ty.oid = t;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'type with OID % does not exist', t::pg_catalog.oid
            USING ERRCODE = 'undefined_object';
    END IF;
    IF r.typtype OPERATOR(pg_catalog.<>) 'e' THEN
        RAISE EXCEPTION 'type % is not an enum', pg_catalog.format('%I.%I', r.nspname, r.typname)
            USING ERRCODE = 'wrong_object_type';
    END IF;
    RETURN pg_catalog.format('%I.%I', r.nspname, r.typname);
END
$$;

COMMENT ON FUNCTION orm_ext.enum_name(pg_catalog.regtype) IS
    'the quoted qualified name of an enum type (42704 for an unknown OID, 42809 for a type that is not an enum); used by the enum functions';

-- A list of labels as the lifecycle functions take it: no NULL element
-- (22004), no label twice (22023).
CREATE FUNCTION orm_ext.enum_require_labels(labels pg_catalog.text[])
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dup pg_catalog.text;
BEGIN
    IF pg_catalog.array_position(labels, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'labels must not contain NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT l INTO dup FROM pg_catalog.unnest(labels) l GROUP BY l HAVING pg_catalog.count(*) > 1 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'label % appears more than once in labels', pg_catalog.quote_literal(dup)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_require_labels(pg_catalog.text[]) IS
    'raises 22004 when a list of labels contains NULL and 22023 when it names a label twice; used by the enum lifecycle functions';

-- The quoted, schema-qualified name of a type, and a check that the caller
-- owns it (42501 otherwise).  Shared by the functions that change types.
CREATE FUNCTION orm_ext.enum_owned_name(t pg_catalog.regtype, action pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tname pg_catalog.text := orm_ext.enum_name(t);
    owner pg_catalog.oid;
BEGIN
    SELECT typowner INTO owner FROM pg_catalog.pg_type WHERE oid = t;
    IF NOT pg_catalog.pg_has_role(owner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of type % to %', tname, action
            USING ERRCODE = 'insufficient_privilege',
                  HINT = pg_catalog.format('The type is owned by role %I.',
                                           pg_catalog.pg_get_userbyid(owner));
    END IF;
    RETURN tname;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_owned_name(pg_catalog.regtype, pg_catalog.text) IS
    'the quoted qualified name of an enum type, after checking that the caller owns it (42501); used by the enum lifecycle functions';

-- NULL arguments of the lifecycle functions raise 22004 naming the argument.
CREATE FUNCTION orm_ext.enum_require(arg anyelement, argname pg_catalog.text, func pg_catalog.text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF arg IS NULL THEN
        RAISE EXCEPTION 'argument % of %() must not be NULL', argname, func
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_require(anyelement, pg_catalog.text, pg_catalog.text) IS
    'raises 22004 when a required argument of an enum lifecycle function is NULL';

-- enum_create() itself (below) only supplies the caller's current schema:
-- inside a function that pins search_path, current_schema() is pg_catalog.
CREATE FUNCTION orm_ext.enum_create_in(default_schema pg_catalog.name, t pg_catalog.text,
                                       labels pg_catalog.text[])
RETURNS pg_catalog.regtype
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts pg_catalog.text[];
    nsp pg_catalog.text;
    typ pg_catalog.text;
    existing pg_catalog.oid;
    have pg_catalog.text[];
    missing pg_catalog.text;
    extra pg_catalog.text;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_create');
    PERFORM orm_ext.enum_require(labels, 'labels', 'enum_create');
    PERFORM orm_ext.enum_require_labels(labels);

    parts := pg_catalog.parse_ident(t);
    IF pg_catalog.cardinality(parts) = 1 THEN
        nsp := default_schema;
        IF nsp IS NULL THEN
            RAISE EXCEPTION 'no schema has been selected to create type %', t
                USING ERRCODE = 'invalid_schema_name',
                      HINT = 'Qualify the name with its schema.';
        END IF;
        typ := parts[1];
    ELSIF pg_catalog.cardinality(parts) = 2 THEN
        nsp := parts[1];
        typ := parts[2];
    ELSE
        RAISE EXCEPTION 'improper type name: %', t
            USING ERRCODE = 'invalid_name',
                  HINT = 'Use type or schema.type.';
    END IF;

    -- pg_temp is an alias of the session's temporary schema, as in CREATE
    -- TYPE (none yet: pg_my_temp_schema() is 0, so no type is found)
    SELECT ty.oid INTO existing
      FROM pg_catalog.pg_type ty
     WHERE ty.typnamespace = CASE WHEN nsp = 'pg_temp' THEN pg_catalog.pg_my_temp_schema()
                                  ELSE (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = nsp) END
       AND ty.typname = typ;
    IF FOUND THEN
        IF (SELECT typtype FROM pg_catalog.pg_type WHERE oid = existing) <> 'e' THEN
            RAISE EXCEPTION 'type %.% already exists and is not an enum',
                            pg_catalog.quote_ident(nsp), pg_catalog.quote_ident(typ)
                USING ERRCODE = 'duplicate_object';
        END IF;
        have := orm_ext.enum_values(existing::pg_catalog.regtype);
        IF have = labels THEN
            RETURN existing::pg_catalog.regtype;
        END IF;
        SELECT pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ' ORDER BY o) INTO missing
          FROM pg_catalog.unnest(labels) WITH ORDINALITY AS u(l, o) WHERE l <> ALL (have);
        SELECT pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ' ORDER BY o) INTO extra
          FROM pg_catalog.unnest(have) WITH ORDINALITY AS u(l, o) WHERE l <> ALL (labels);
        RAISE EXCEPTION 'type %.% already exists with other labels',
                        pg_catalog.quote_ident(nsp), pg_catalog.quote_ident(typ)
            USING ERRCODE = 'duplicate_object',
                  DETAIL = pg_catalog.concat_ws(' ',
                      'Not in the type: ' || missing || '.',
                      'Only in the type: ' || extra || '.',
                      CASE WHEN missing IS NULL AND extra IS NULL
                           THEN 'The same labels in another order.' END,
                      'The type has (' || pg_catalog.array_to_string(
                          ARRAY(SELECT pg_catalog.quote_literal(h) FROM pg_catalog.unnest(have) h), ', ') || ').'),
                  HINT = 'Use orm_ext.enum_sync() to change the type.';
    END IF;

    EXECUTE pg_catalog.format('CREATE TYPE %I.%I AS ENUM (%s)', nsp, typ,
        (SELECT COALESCE(pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ' ORDER BY o), '')
           FROM pg_catalog.unnest(labels) WITH ORDINALITY AS u(l, o)));
    RETURN pg_catalog.format('%I.%I', nsp, typ)::pg_catalog.regtype;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_create_in(pg_catalog.name, pg_catalog.text, pg_catalog.text[]) IS
    'enum_create() with the schema of an unqualified name given (the caller''s current schema); used by enum_create()';

-- No SET search_path here, so that current_schema() is the caller's: an
-- unqualified name goes where CREATE TYPE would put it.  The body names
-- nothing but schema-qualified functions.
-- A label that must already be in the type: 22023 otherwise.
CREATE FUNCTION orm_ext.enum_require_label(t pg_catalog.regtype, label pg_catalog.text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT orm_ext.enum_has(t, label) THEN
        RAISE EXCEPTION '% is not a label of type %', pg_catalog.quote_literal(label),
                        orm_ext.enum_name(t)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_require_label(pg_catalog.regtype, pg_catalog.text) IS
    'raises 22023 unless an enum type has the label; used by the enum lifecycle functions';

CREATE FUNCTION orm_ext.enum_create(t pg_catalog.text, labels pg_catalog.text[])
RETURNS pg_catalog.regtype
LANGUAGE sql VOLATILE
AS $$
    SELECT orm_ext.enum_create_in(pg_catalog.current_schema(), t, labels)
$$;

COMMENT ON FUNCTION orm_ext.enum_create(pg_catalog.text, pg_catalog.text[]) IS
    'creates an enum type (schema-qualified name allowed, else in the current schema); a no-op when it exists with exactly these labels, 42710 when it exists with others';

CREATE FUNCTION orm_ext.enum_add_value(t pg_catalog.regtype, label pg_catalog.text,
                                       before pg_catalog.text DEFAULT NULL,
                                       after pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.bool
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tname pg_catalog.text;
    neighbour pg_catalog.text := COALESCE(before, after);
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_add_value');
    PERFORM orm_ext.enum_require(label, 'label', 'enum_add_value');
    tname := orm_ext.enum_owned_name(t, 'add a value to it');
    IF before IS NOT NULL AND after IS NOT NULL THEN
        RAISE EXCEPTION 'enum_add_value() takes before or after, not both'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF orm_ext.enum_has(t, label) THEN
        RETURN false;
    END IF;
    IF neighbour IS NOT NULL THEN
        PERFORM orm_ext.enum_require_label(t, neighbour);
    END IF;
    -- a concurrent call may add the label first: ADD VALUE waits for it and
    -- then finds the label there
    BEGIN
        EXECUTE pg_catalog.format('ALTER TYPE %s ADD VALUE %L', tname, label)
            || CASE WHEN before IS NOT NULL THEN pg_catalog.format(' BEFORE %L', before)
                    WHEN after IS NOT NULL THEN pg_catalog.format(' AFTER %L', after)
                    ELSE '' END;
    EXCEPTION WHEN duplicate_object THEN
        RETURN false;
    END;
    RETURN true;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_add_value(pg_catalog.regtype, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'adds a label to an enum type without rewriting anything; false when it is already there. The new label can be used once the transaction commits (55P04 before)';

CREATE FUNCTION orm_ext.enum_rename_value(t pg_catalog.regtype, old pg_catalog.text, new pg_catalog.text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tname pg_catalog.text;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_rename_value');
    PERFORM orm_ext.enum_require(old, 'old', 'enum_rename_value');
    PERFORM orm_ext.enum_require(new, 'new', 'enum_rename_value');
    tname := orm_ext.enum_owned_name(t, 'rename its values');
    PERFORM orm_ext.enum_require_label(t, old);
    IF old = new THEN
        RETURN;
    END IF;
    IF orm_ext.enum_has(t, new) THEN
        RAISE EXCEPTION 'type % already has a label %', tname, pg_catalog.quote_literal(new)
            USING ERRCODE = 'duplicate_object';
    END IF;
    EXECUTE pg_catalog.format('ALTER TYPE %s RENAME VALUE %L TO %L', tname, old, new);
END
$$;

COMMENT ON FUNCTION orm_ext.enum_rename_value(pg_catalog.regtype, pg_catalog.text, pg_catalog.text) IS
    'renames a label of an enum type in place: no table is locked or rewritten';

-- The types that carry an enum's values into columns: the enum, domains
-- over it (at any depth), and the array types of all of these, found
-- through pg_depend.
CREATE FUNCTION orm_ext.enum_carrier_types(t pg_catalog.regtype)
RETURNS TABLE (carrier pg_catalog.regtype, kind pg_catalog.text, depth pg_catalog.int4)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE doms(oid, depth) AS (
        SELECT t::pg_catalog.oid, 0
        UNION ALL
        SELECT d.objid, doms.depth + 1
          FROM doms
          JOIN pg_catalog.pg_depend d
            ON d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
           AND d.refobjid = doms.oid
           AND d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
           AND d.deptype = 'n'
          JOIN pg_catalog.pg_type ty ON ty.oid = d.objid AND ty.typtype = 'd'
         WHERE doms.depth < 16
    )
    SELECT DISTINCT doms.oid::pg_catalog.regtype, CASE WHEN doms.depth = 0 THEN 'enum' ELSE 'domain' END,
           pg_catalog.max(doms.depth) OVER (PARTITION BY doms.oid)
      FROM doms
    UNION
    SELECT ty.typarray::pg_catalog.regtype,
           CASE WHEN doms.depth = 0 THEN 'array' ELSE 'domain array' END,
           pg_catalog.max(doms.depth) OVER (PARTITION BY doms.oid)
      FROM doms
      JOIN pg_catalog.pg_type ty ON ty.oid = doms.oid
     WHERE ty.typarray <> 0
$$;

COMMENT ON FUNCTION orm_ext.enum_carrier_types(pg_catalog.regtype) IS
    'an enum type, the domains over it and the array types of both: the types whose columns hold its values';

-- The columns whose values are labels of t, with the expression that gives
-- a row's labels as text[] and whether the caller may read the column.
-- Inherited columns are left out: their parent's column covers them.
CREATE FUNCTION orm_ext.enum_columns(t pg_catalog.regtype)
RETURNS TABLE (relation pg_catalog.regclass, relkind pg_catalog.char, column_name pg_catalog.name,
               attnum pg_catalog.int2, carrier pg_catalog.regtype, kind pg_catalog.text,
               depth pg_catalog.int4, readable pg_catalog.bool)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.oid::pg_catalog.regclass, c.relkind, a.attname, a.attnum, ct.carrier, ct.kind, ct.depth,
           pg_catalog.has_schema_privilege(c.relnamespace, 'USAGE')
           AND pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT')
      FROM orm_ext.enum_carrier_types(t) ct
      JOIN pg_catalog.pg_depend d
        ON d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
       AND d.refobjid = ct.carrier
       AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objsubid > 0
      JOIN pg_catalog.pg_class c ON c.oid = d.objid
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
     WHERE NOT a.attisdropped
       AND a.attinhcount = 0
$$;

COMMENT ON FUNCTION orm_ext.enum_columns(pg_catalog.regtype) IS
    'the columns of tables, views and composite types whose type is an enum, a domain over it, or an array of either (from pg_depend)';

-- SQL for the labels one row holds in a column, as text[].
CREATE FUNCTION orm_ext.enum_labels_expr(column_name pg_catalog.name, kind pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN kind IN ('array', 'domain array')
                THEN pg_catalog.format('(%I)::pg_catalog.text[]', column_name)
                ELSE pg_catalog.format('ARRAY[(%I)::pg_catalog.text]', column_name) END
$$;

COMMENT ON FUNCTION orm_ext.enum_labels_expr(pg_catalog.name, pg_catalog.text) IS
    'SQL giving the labels one row holds in an enum-valued column, as text[]';

CREATE FUNCTION orm_ext.enum_usage(t pg_catalog.regtype)
RETURNS TABLE (label pg_catalog.text, relation pg_catalog.regclass, column_name pg_catalog.name,
               "rows" pg_catalog.int8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col record;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_usage');
    PERFORM orm_ext.enum_name(t);
    FOR col IN
        SELECT * FROM orm_ext.enum_columns(t) ec
         WHERE ec.relkind IN ('r', 'p', 'm', 'f') AND ec.readable
         ORDER BY ec.relation::pg_catalog.oid, ec.attnum
    LOOP
        RETURN QUERY EXECUTE pg_catalog.format(
            'SELECT v.l, $1, $2, COALESCE(u.n, 0)::pg_catalog.int8
               FROM pg_catalog.unnest($3) WITH ORDINALITY AS v(l, o)
               LEFT JOIN (SELECT x.l, pg_catalog.count(*) AS n
                            FROM %s AS r,
                                 LATERAL (SELECT DISTINCT e AS l FROM pg_catalog.unnest(%s) AS e) AS x
                           GROUP BY x.l) AS u ON u.l = v.l
              ORDER BY v.o',
            col.relation, orm_ext.enum_labels_expr(col.column_name, col.kind))
            USING col.relation, col.column_name, orm_ext.enum_values(t);
    END LOOP;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_usage(pg_catalog.regtype) IS
    'for each label of an enum and each column that holds it (plain, array or domain, in tables the caller can read), the number of rows using it';

-- Rebuild an enum type with exactly "labels", in that order.  Rows holding a
-- label that goes away are rewritten to replacements->>label, or the call
-- fails with 2BP01.  Every dependent column (plain, array, domain) is
-- converted; its defaults, CHECK and other constraints, indexes and the
-- views over it are captured before and recreated after, never dropped with
-- CASCADE.  What cannot be preserved is refused up front with 0A000.
CREATE FUNCTION orm_ext.enum_rebuild(t pg_catalog.regtype, labels pg_catalog.text[],
                                     replacements pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    tname pg_catalog.text;
    nsp pg_catalog.name;
    typ pg_catalog.name;
    tmpname pg_catalog.name;
    aside pg_catalog.text;
    k pg_catalog.int4;
    have pg_catalog.text[];
    gone pg_catalog.text[];
    repl pg_catalog.jsonb;
    r record;
    obj record;
    q pg_catalog.text;
    used pg_catalog.text;
    usage_detail pg_catalog.text;
    changed pg_catalog.int8 := 0;
    n pg_catalog.int8;
    tables pg_catalog.oid[];
    cols pg_catalog.int2[];
    dom_oids pg_catalog.oid[];
    expr pg_catalog.text;
    target pg_catalog.text;
    kv record;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_rebuild');
    PERFORM orm_ext.enum_require(labels, 'labels', 'enum_rebuild');
    tname := orm_ext.enum_owned_name(t, 'rebuild it');
    repl := COALESCE(replacements, '{}');
    IF pg_catalog.jsonb_typeof(repl) <> 'object' THEN
        RAISE EXCEPTION 'replacements must be a JSON object of label: replacement'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM orm_ext.enum_require_labels(labels);
    SELECT ty.typname, n.nspname INTO typ, nsp
      FROM pg_catalog.pg_type ty JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace
     WHERE ty.oid = t;

    have := orm_ext.enum_values(t);
    IF have = labels THEN
        RETURN 0;
    END IF;
    gone := ARRAY(SELECT h FROM pg_catalog.unnest(have) WITH ORDINALITY AS u(h, o)
                   WHERE h <> ALL (labels) ORDER BY o);
    FOR r IN SELECT key, value FROM pg_catalog.jsonb_each(repl) LOOP
        IF pg_catalog.jsonb_typeof(r.value) <> 'string' THEN
            RAISE EXCEPTION 'the replacement of % must be a string', pg_catalog.quote_literal(r.key)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF r.key <> ALL (gone) THEN
            RAISE EXCEPTION '% is not a label that the rebuild of % removes', pg_catalog.quote_literal(r.key), tname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF (r.value #>> '{}') <> ALL (labels) THEN
            RAISE EXCEPTION 'invalid input value for enum %: %', tname, pg_catalog.quote_literal(r.value #>> '{}')
                USING ERRCODE = 'invalid_text_representation',
                      DETAIL = pg_catalog.format('%s would replace %s, but it is not among the labels the type keeps.',
                                                 pg_catalog.quote_literal(r.value #>> '{}'), pg_catalog.quote_literal(r.key));
        END IF;
    END LOOP;

    -- 1. What depends on the type, and what orm_ext cannot carry over.
    -- (created once per transaction, quietly: no IF NOT EXISTS notice)
    IF pg_catalog.to_regclass('pg_temp.orm_ext_enum_cols') IS NULL THEN
        CREATE TEMP TABLE orm_ext_enum_cols (relid pg_catalog.oid, relkind pg_catalog.char,
            attname pg_catalog.name, attnum pg_catalog.int2, carrier pg_catalog.oid, kind pg_catalog.text,
            depth pg_catalog.int4, inherited pg_catalog.bool) ON COMMIT DROP;
    END IF;
    TRUNCATE pg_temp.orm_ext_enum_cols;
    INSERT INTO pg_temp.orm_ext_enum_cols
    SELECT ec.relation, ec.relkind, ec.column_name, ec.attnum, ec.carrier, ec.kind, ec.depth, false
      FROM orm_ext.enum_columns(t) ec;
    -- the same columns in partitions and inheritance children: ALTER TABLE
    -- converts them with their parent's, but their own indexes, constraints,
    -- defaults, triggers and views have to be handled too
    INSERT INTO pg_temp.orm_ext_enum_cols
    WITH RECURSIVE kids(relid, attname, carrier, kind, depth) AS (
        SELECT inh.inhrelid, ec.attname, ec.carrier, ec.kind, ec.depth
          FROM pg_temp.orm_ext_enum_cols ec
          JOIN pg_catalog.pg_inherits inh ON inh.inhparent = ec.relid
         WHERE ec.relkind IN ('r', 'p')
        UNION
        SELECT inh.inhrelid, kids.attname, kids.carrier, kids.kind, kids.depth
          FROM kids
          JOIN pg_catalog.pg_inherits inh ON inh.inhparent = kids.relid
    )
    SELECT DISTINCT kids.relid, c.relkind, a.attname, a.attnum, kids.carrier, kids.kind, kids.depth, true
      FROM kids
      JOIN pg_catalog.pg_class c ON c.oid = kids.relid
      JOIN pg_catalog.pg_attribute a ON a.attrelid = kids.relid AND a.attname = kids.attname
     WHERE NOT a.attisdropped;

    FOR r IN SELECT * FROM pg_temp.orm_ext_enum_cols WHERE relkind NOT IN ('r', 'p', 'v') LOOP
        RAISE EXCEPTION 'cannot rebuild type %: column % of % cannot be converted', tname,
                        pg_catalog.quote_ident(r.attname), r.relid::pg_catalog.regclass
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = CASE r.relkind WHEN 'c' THEN 'It belongs to a composite type.'
                                          WHEN 'm' THEN 'It belongs to a materialized view.'
                                          WHEN 'f' THEN 'It belongs to a foreign table.'
                                          ELSE 'It belongs to a relation of kind ' || r.relkind::pg_catalog.text || '.' END;
    END LOOP;
    FOR r IN SELECT * FROM pg_temp.orm_ext_enum_cols WHERE depth > 1 OR kind = 'domain array' LOOP
        RAISE EXCEPTION 'cannot rebuild type %: column % of % has type %', tname,
                        pg_catalog.quote_ident(r.attname), r.relid::pg_catalog.regclass, r.carrier::pg_catalog.regtype
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Only the enum, its array type and domains declared directly over the enum are converted.';
    END LOOP;
    -- domains declared directly over the enum are recreated; others are refused below
    dom_oids := ARRAY(SELECT ct.carrier FROM orm_ext.enum_carrier_types(t) ct
                       WHERE ct.kind = 'domain' AND ct.depth = 1);
    FOR r IN
        SELECT d.classid, d.objid, d.objsubid, d.refobjid
          FROM pg_catalog.pg_depend d
         WHERE d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
           AND d.refobjid IN (SELECT ct.carrier FROM orm_ext.enum_carrier_types(t) ct)
           AND d.deptype = 'n'
           AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid > 0)
           AND NOT (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = ANY (dom_oids))
           AND NOT (d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass)
           AND NOT (d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass)
           AND NOT (d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass)
           AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = d.objid) IN ('i', 'I'))
    LOOP
        RAISE EXCEPTION 'cannot rebuild type %: % depends on it', tname,
                        pg_catalog.pg_describe_object(r.classid, r.objid, r.objsubid)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Drop it, rebuild the type, and create it again.';
    END LOOP;

    tables := ARRAY(SELECT DISTINCT relid FROM pg_temp.orm_ext_enum_cols
                     WHERE relkind IN ('r', 'p') AND NOT inherited ORDER BY 1);

    -- what hangs off the converted columns: objects orm_ext cannot recreate
    FOR r IN
        SELECT d.classid, d.objid, d.objsubid
          FROM pg_catalog.pg_depend d
          JOIN pg_temp.orm_ext_enum_cols ec ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                   AND d.refobjid = ec.relid AND d.refobjsubid = ec.attnum
         WHERE ec.relkind IN ('r', 'p')
           AND d.classid IN ('pg_catalog.pg_trigger'::pg_catalog.regclass,
                             'pg_catalog.pg_policy'::pg_catalog.regclass)
        UNION
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, d.objid, d.objsubid
          FROM pg_catalog.pg_depend d
          JOIN pg_temp.orm_ext_enum_cols ec ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                   AND d.refobjid = ec.relid AND d.refobjsubid = ec.attnum
         WHERE ec.relkind IN ('r', 'p') AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
           AND d.objid = ec.relid AND d.objsubid <> ec.attnum
        UNION
        -- a generated column: its expression (pg_attrdef of another column)
        -- depends on the converted column
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, ad.adrelid, ad.adnum
          FROM pg_catalog.pg_depend d
          JOIN pg_temp.orm_ext_enum_cols ec ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                   AND d.refobjid = ec.relid AND d.refobjsubid = ec.attnum
          JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                                       AND ad.oid = d.objid
         WHERE ec.relkind IN ('r', 'p') AND ad.adnum <> ec.attnum
        UNION
        SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, ec.relid, ec.attnum
          FROM pg_temp.orm_ext_enum_cols ec
          JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = ec.relid
         WHERE ec.attnum = ANY (pt.partattrs::pg_catalog.int2[])
    LOOP
        RAISE EXCEPTION 'cannot rebuild type %: % uses a column of the type', tname,
                        pg_catalog.pg_describe_object(r.classid, r.objid, r.objsubid)
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Triggers, policies, generated columns and partition keys over the type''s columns are not recreated.',
                  HINT = 'Drop it, rebuild the type, and create it again.';
    END LOOP;

    -- 2. Lock the dependent tables, in OID order, before reading their rows.
    FOR r IN SELECT pg_catalog.unnest(tables) AS relid LOOP
        EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', r.relid::pg_catalog.regclass);
    END LOOP;

    -- 3. Rows holding a label that goes away: replaced, or refused with the
    --    usage of every column (rows, not array elements) in the detail.
    --    Each scan is skipped when it cannot find anything.
    FOR r IN SELECT * FROM pg_temp.orm_ext_enum_cols WHERE relkind IN ('r', 'p') AND NOT inherited
                AND EXISTS (SELECT 1 FROM pg_catalog.unnest(gone) g WHERE NOT repl ? g)
              ORDER BY relid, attnum LOOP
        EXECUTE pg_catalog.format('SELECT pg_catalog.string_agg(pg_catalog.format(%L, pg_catalog.quote_literal(l), n), %L
                                                            ORDER BY pg_catalog.array_position($1, l))
                                     FROM (SELECT x.l, pg_catalog.count(*) AS n
                                             FROM %s AS r,
                                                  LATERAL (SELECT DISTINCT g AS l FROM pg_catalog.unnest(%s) AS g) AS x
                                            WHERE x.l = ANY ($1) AND NOT ($2 ? x.l)
                                            GROUP BY x.l) s',
                                  '%s in %s row(s)', ', ', r.relid::pg_catalog.regclass,
                                  orm_ext.enum_labels_expr(r.attname, r.kind))
            INTO used USING gone, repl;
        IF used IS NOT NULL THEN
            usage_detail := pg_catalog.concat_ws(' ', usage_detail,
                pg_catalog.format('Column %I of %s holds %s.', r.attname, r.relid::pg_catalog.regclass, used));
        END IF;
    END LOOP;
    IF usage_detail IS NOT NULL THEN
        RAISE EXCEPTION 'cannot remove labels of type % that are in use', tname
            USING ERRCODE = 'dependent_objects_still_exist',
                  DETAIL = usage_detail,
                  HINT = 'Pass a replacement for them (replace_with), or change those rows first.';
    END IF;
    -- the rows rewritten: each table's own rows (ONLY), with its own and its
    -- inherited columns, so that a row is counted once
    FOR r IN SELECT c.relid, pg_catalog.array_agg(c.attname ORDER BY c.attnum) AS names,
                    pg_catalog.array_agg(c.kind ORDER BY c.attnum) AS kinds
               FROM (SELECT DISTINCT relid, attname, attnum, kind FROM pg_temp.orm_ext_enum_cols
                      WHERE relkind = 'r') c
              WHERE pg_catalog.cardinality(gone) > 0 GROUP BY c.relid LOOP
        SELECT pg_catalog.string_agg(pg_catalog.format('%s && $1', orm_ext.enum_labels_expr(u.nm, u.kd)), ' OR ')
          INTO q FROM ROWS FROM (pg_catalog.unnest(r.names), pg_catalog.unnest(r.kinds)) AS u(nm, kd);
        EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM ONLY %s WHERE %s', r.relid::pg_catalog.regclass, q)
            INTO n USING gone;
        changed := changed + n;
    END LOOP;

    -- 4. Capture, with the type still under its name, everything that is
    --    dropped and recreated: views (with the views over them), constraints,
    --    indexes, defaults, domains.
    IF pg_catalog.to_regclass('pg_temp.orm_ext_enum_redo') IS NULL THEN
        CREATE TEMP TABLE orm_ext_enum_redo (ord pg_catalog.int4, phase pg_catalog.text,
            undo pg_catalog.text, redo pg_catalog.text, what pg_catalog.text, target pg_catalog.text) ON COMMIT DROP;
    END IF;
    TRUNCATE pg_temp.orm_ext_enum_redo;

    WITH RECURSIVE v(oid, depth) AS (
        SELECT DISTINCT rw.ev_class, 1
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
           AND rw.ev_class <> d.refobjid
           AND ((d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                 AND (d.refobjid, d.refobjsubid) IN (SELECT relid, attnum FROM pg_temp.orm_ext_enum_cols))
                OR (d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.refobjid IN (SELECT ct.carrier FROM orm_ext.enum_carrier_types(t) ct)))
        UNION
        SELECT rw.ev_class, v.depth + 1
          FROM v
          JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                     AND d.refobjid = v.oid
                                     AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
          JOIN pg_catalog.pg_rewrite rw ON rw.oid = d.objid AND rw.ev_class <> v.oid
         WHERE v.depth < 64
    )
    INSERT INTO pg_temp.orm_ext_enum_redo
    SELECT pg_catalog.max(v.depth), CASE WHEN c.relkind = 'v' THEN 'view' ELSE 'unsupported' END,
           pg_catalog.format('DROP VIEW %s', v.oid::pg_catalog.regclass),
           pg_catalog.format('CREATE VIEW %s%s AS %s', v.oid::pg_catalog.regclass,
                             CASE WHEN c.reloptions IS NOT NULL
                                  THEN ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')' ELSE '' END,
                             pg_catalog.rtrim(pg_catalog.pg_get_viewdef(v.oid), ';'))
           || pg_catalog.format('; ALTER VIEW %s OWNER TO %I', v.oid::pg_catalog.regclass,
                                pg_catalog.pg_get_userbyid(c.relowner))
           || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format('; GRANT %s ON %s TO %s%s',
                                        a.privilege_type, v.oid::pg_catalog.regclass,
                                        CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                             ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                                        CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), '')
                                     FROM pg_catalog.aclexplode(c.relacl) a
                                    WHERE a.grantee <> c.relowner), '')
           || CASE WHEN pg_catalog.obj_description(v.oid, 'pg_class') IS NULL THEN '' ELSE pg_catalog.format('; COMMENT ON VIEW %s IS %L', v.oid::pg_catalog.regclass, pg_catalog.obj_description(v.oid, 'pg_class')) END
           -- column comments, column defaults and column-level grants of the view
           || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format('; COMMENT ON COLUMN %s.%I IS %L',
                                        v.oid::pg_catalog.regclass, va.attname,
                                        pg_catalog.col_description(v.oid, va.attnum)), '' ORDER BY va.attnum)
                          FROM pg_catalog.pg_attribute va
                         WHERE va.attrelid = v.oid AND va.attnum > 0 AND NOT va.attisdropped
                           AND pg_catalog.col_description(v.oid, va.attnum) IS NOT NULL), '')
           || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format('; ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s',
                                        v.oid::pg_catalog.regclass, va.attname,
                                        pg_catalog.pg_get_expr(vd.adbin, vd.adrelid)), '' ORDER BY va.attnum)
                          FROM pg_catalog.pg_attribute va
                          JOIN pg_catalog.pg_attrdef vd ON vd.adrelid = va.attrelid AND vd.adnum = va.attnum
                         WHERE va.attrelid = v.oid AND va.attnum > 0 AND NOT va.attisdropped), '')
           || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format('; GRANT %s (%I) ON %s TO %s%s',
                                        a.privilege_type, va.attname, v.oid::pg_catalog.regclass,
                                        CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                             ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                                        CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), ''
                                        ORDER BY va.attnum)
                          FROM pg_catalog.pg_attribute va, pg_catalog.aclexplode(va.attacl) a
                         WHERE va.attrelid = v.oid AND va.attnum > 0 AND NOT va.attisdropped
                           AND va.attacl IS NOT NULL), ''),
           pg_catalog.format('view %s', v.oid::pg_catalog.regclass),
           pg_catalog.format('%s', v.oid)
      FROM v
      JOIN pg_catalog.pg_class c ON c.oid = v.oid
     GROUP BY v.oid, c.relkind, c.reloptions, c.relowner, c.relacl;
    -- a materialized view cannot be recreated without running its query
    FOR r IN SELECT o.target FROM pg_temp.orm_ext_enum_redo o WHERE o.phase = 'unsupported' LOOP
        RAISE EXCEPTION 'cannot rebuild type %: % uses its columns', tname,
                        pg_catalog.pg_describe_object('pg_catalog.pg_class'::pg_catalog.regclass,
                                                      r.target::pg_catalog.oid, 0)
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Only plain views over the type''s columns are recreated.',
                  HINT = 'Drop it, rebuild the type, and create it again.';
    END LOOP;
    -- (a view is recreated without its rules, whether or not it shows a
    -- column of the type)
    FOR r IN SELECT DISTINCT v.oid FROM (SELECT rw.ev_class AS oid FROM pg_catalog.pg_rewrite rw
                                 WHERE (rw.ev_class IN (SELECT relid FROM pg_temp.orm_ext_enum_cols)
                                        OR rw.ev_class IN (SELECT o.target::pg_catalog.oid FROM pg_temp.orm_ext_enum_redo o
                                                            WHERE o.phase = 'view'))
                                   AND rw.rulename <> '_RETURN') v ORDER BY 1 LOOP
        RAISE EXCEPTION 'cannot rebuild type %: relation % has rules', tname, r.oid::pg_catalog.regclass
            USING ERRCODE = 'feature_not_supported';
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_temp.orm_ext_enum_redo o
                 JOIN pg_catalog.pg_class c ON o.what = pg_catalog.format('view %s', c.oid::pg_catalog.regclass)
                 JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = c.oid) THEN
        RAISE EXCEPTION 'cannot rebuild type %: a view over its columns has triggers', tname
            USING ERRCODE = 'feature_not_supported';
    END IF;

    -- constraints on the converted columns (CHECK, unique, primary key,
    -- exclusion, foreign keys either way); their indexes go with them
    INSERT INTO pg_temp.orm_ext_enum_redo
    SELECT DISTINCT 0, 'constraint',
           pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', con.conrelid::pg_catalog.regclass, con.conname),
           pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', con.conrelid::pg_catalog.regclass, con.conname,
                             pg_catalog.pg_get_constraintdef(con.oid))
           || CASE WHEN pg_catalog.obj_description(con.oid, 'pg_constraint') IS NULL THEN '' ELSE pg_catalog.format('; COMMENT ON CONSTRAINT %I ON %s IS %L', con.conname,
                                                    con.conrelid::pg_catalog.regclass, pg_catalog.obj_description(con.oid, 'pg_constraint')) END
           || COALESCE((SELECT pg_catalog.format('; ALTER TABLE %s REPLICA IDENTITY USING INDEX %I',
                                                 con.conrelid::pg_catalog.regclass, con.conname)
                          FROM pg_catalog.pg_index ci WHERE ci.indexrelid = con.conindid AND ci.indisreplident), '')
           || COALESCE((SELECT pg_catalog.format('; ALTER TABLE %s CLUSTER ON %I',
                                                 con.conrelid::pg_catalog.regclass, con.conname)
                          FROM pg_catalog.pg_index ci WHERE ci.indexrelid = con.conindid AND ci.indisclustered), ''),
           pg_catalog.format('constraint %I on %s', con.conname, con.conrelid::pg_catalog.regclass)
      FROM pg_catalog.pg_constraint con
      JOIN pg_temp.orm_ext_enum_cols ec
        ON (con.conrelid = ec.relid AND ec.attnum = ANY (con.conkey))
        OR (con.confrelid = ec.relid AND ec.attnum = ANY (con.confkey))
        OR (con.conrelid = ec.relid AND con.contype = 'c' AND EXISTS (
                SELECT 1 FROM pg_catalog.pg_depend d
                 WHERE d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objid = con.oid
                   AND d.refobjid = ec.relid AND d.refobjsubid = ec.attnum))
     WHERE ec.relkind IN ('r', 'p') AND con.conrelid <> 0 AND con.conparentid = 0 AND con.coninhcount = 0;
    -- foreign keys go first and come back last
    UPDATE pg_temp.orm_ext_enum_redo o SET ord = -1
      FROM pg_catalog.pg_constraint con
     WHERE o.phase = 'constraint' AND con.contype = 'f'
       AND o.what = pg_catalog.format('constraint %I on %s', con.conname, con.conrelid::pg_catalog.regclass);

    -- other indexes over the converted columns (key, expression, predicate);
    -- the definition of a partitioned index says ON ONLY, which would leave
    -- the partitions without theirs, so it is recreated without ONLY
    INSERT INTO pg_temp.orm_ext_enum_redo
    SELECT DISTINCT 0, 'index',
           pg_catalog.format('DROP INDEX %s', i.indexrelid::pg_catalog.regclass),
           CASE WHEN ic.relkind = 'I'
                THEN pg_catalog.replace(pg_catalog.pg_get_indexdef(i.indexrelid),
                                        pg_catalog.format(' %I ON ONLY %s USING ', ic.relname, i.indrelid::pg_catalog.regclass),
                                        pg_catalog.format(' %I ON %s USING ', ic.relname, i.indrelid::pg_catalog.regclass))
                ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END
           || CASE WHEN pg_catalog.obj_description(i.indexrelid, 'pg_class') IS NULL THEN '' ELSE pg_catalog.format('; COMMENT ON INDEX %s IS %L', i.indexrelid::pg_catalog.regclass, pg_catalog.obj_description(i.indexrelid, 'pg_class')) END
           || CASE WHEN i.indisreplident
                   THEN pg_catalog.format('; ALTER TABLE %s REPLICA IDENTITY USING INDEX %I',
                                          i.indrelid::pg_catalog.regclass, ic.relname) ELSE '' END
           || CASE WHEN i.indisclustered
                   THEN pg_catalog.format('; ALTER TABLE %s CLUSTER ON %I',
                                          i.indrelid::pg_catalog.regclass, ic.relname) ELSE '' END,
           pg_catalog.format('index %s', i.indexrelid::pg_catalog.regclass)
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_temp.orm_ext_enum_cols ec ON i.indrelid = ec.relid
     WHERE ec.relkind IN ('r', 'p')
       AND (ec.attnum = ANY (i.indkey::pg_catalog.int2[])
            OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                          AND d.objid = i.indexrelid AND d.refobjid = ec.relid AND d.refobjsubid = ec.attnum))
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid
                          AND con.contype IN ('p', 'u', 'x'))
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid);

    -- a recreated partitioned index makes its partitions' indexes anew, under
    -- names of the server's choice: they take back their own afterwards
    INSERT INTO pg_temp.orm_ext_enum_redo
    SELECT 0, 'partition index', NULL, pc.relname,
           pg_catalog.format('%s', o.what), pg_catalog.format('%s', pi.indrelid)
      FROM pg_temp.orm_ext_enum_redo o
      JOIN pg_catalog.pg_class ic ON o.phase IN ('index', 'constraint') AND ic.relkind = 'I'
                                 AND o.what = pg_catalog.format('index %s', ic.oid::pg_catalog.regclass)
      JOIN pg_catalog.pg_inherits ph ON ph.inhparent = ic.oid
      JOIN pg_catalog.pg_index pi ON pi.indexrelid = ph.inhrelid
      JOIN pg_catalog.pg_class pc ON pc.oid = ph.inhrelid;

    -- defaults of the converted columns
    INSERT INTO pg_temp.orm_ext_enum_redo
    SELECT 0, 'default',
           pg_catalog.format('ALTER TABLE ONLY %s ALTER COLUMN %I DROP DEFAULT', ec.relid::pg_catalog.regclass, ec.attname),
           pg_catalog.format('ALTER TABLE ONLY %s ALTER COLUMN %I SET DEFAULT %s', ec.relid::pg_catalog.regclass, ec.attname,
                             pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)),
           pg_catalog.format('default of column %I of %s', ec.attname, ec.relid::pg_catalog.regclass)
      FROM pg_temp.orm_ext_enum_cols ec
      JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = ec.relid AND ad.adnum = ec.attnum
     WHERE ec.relkind IN ('r', 'p');

    -- domains over the type: recreated over the new type under their names
    INSERT INTO pg_temp.orm_ext_enum_redo
    SELECT 0, 'domain', NULL,
           pg_catalog.format('CREATE DOMAIN %I.%I AS %s', dn.nspname, dt.typname, tname)
           || CASE WHEN dt.typcollation <> 0 AND dt.typcollation <> 100
                   THEN pg_catalog.format(' COLLATE %I.%I', cn.nspname, co.collname) ELSE '' END
           || CASE WHEN dt.typdefaultbin IS NOT NULL
                   THEN ' DEFAULT ' || pg_catalog.pg_get_expr(dt.typdefaultbin, 0) ELSE '' END
           || CASE WHEN dt.typnotnull THEN ' NOT NULL' ELSE '' END
           || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format(' CONSTRAINT %I %s', dc.conname,
                                                                                  pg_catalog.pg_get_constraintdef(dc.oid)),
                                                                '' ORDER BY dc.conname)
                                     FROM pg_catalog.pg_constraint dc WHERE dc.contypid = dt.oid AND dc.contype = 'c'), '')
           || pg_catalog.format('; ALTER DOMAIN %I.%I OWNER TO %I', dn.nspname, dt.typname,
                                pg_catalog.pg_get_userbyid(dt.typowner))
           || CASE WHEN pg_catalog.obj_description(dt.oid, 'pg_type') IS NULL THEN '' ELSE pg_catalog.format('; COMMENT ON DOMAIN %I.%I IS %L', dn.nspname, dt.typname, pg_catalog.obj_description(dt.oid, 'pg_type')) END
           -- its privileges: a new domain grants USAGE to PUBLIC
           || CASE WHEN dt.typacl IS NULL THEN ''
                   ELSE pg_catalog.format('; REVOKE ALL ON DOMAIN %I.%I FROM PUBLIC', dn.nspname, dt.typname)
                        || COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format('; GRANT %s ON DOMAIN %I.%I TO %s%s',
                                                 a.privilege_type, dn.nspname, dt.typname,
                                                 CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                                      ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                                                 CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), '')
                                       FROM pg_catalog.aclexplode(dt.typacl) a
                                      WHERE a.grantee <> dt.typowner), '') END,
           pg_catalog.format('%s', dt.oid),
           pg_catalog.format('%I.%I', dn.nspname, dt.typname)
      FROM pg_catalog.pg_type dt
      JOIN pg_catalog.pg_namespace dn ON dn.oid = dt.typnamespace
      LEFT JOIN pg_catalog.pg_collation co ON co.oid = dt.typcollation
      LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
     WHERE dt.oid = ANY (dom_oids);

    -- 5. Take the old objects apart: views (deepest first), foreign keys,
    --    other constraints, indexes, defaults.
    FOR r IN SELECT o.undo FROM pg_temp.orm_ext_enum_redo o WHERE o.phase = 'view' ORDER BY o.ord DESC LOOP
        EXECUTE r.undo;
    END LOOP;
    FOR r IN SELECT o.undo FROM pg_temp.orm_ext_enum_redo o WHERE o.phase IN ('constraint', 'index', 'default')
              ORDER BY o.ord, o.phase LOOP
        EXECUTE r.undo;
    END LOOP;

    -- 6. The old type and its domains step aside; the new ones take their names.
    --    A name is cut to 63 bytes, so the old name is cut to 30 bytes
    --    first: what follows it is then never cut away.
    aside := typ;
    WHILE pg_catalog.octet_length(aside) > 30 LOOP
        aside := pg_catalog.left(aside, -1);
    END LOOP;
    k := 0;
    tmpname := aside || '_orm_ext_old';
    WHILE EXISTS (SELECT 1 FROM pg_catalog.pg_type WHERE typname = tmpname
                     AND typnamespace = (SELECT typnamespace FROM pg_catalog.pg_type WHERE oid = t)) LOOP
        k := k + 1;
        tmpname := aside || '_orm_ext_old_' || k;
    END LOOP;
    EXECUTE pg_catalog.format('ALTER TYPE %s RENAME TO %I', tname, tmpname);
    EXECUTE pg_catalog.format('CREATE TYPE %s AS ENUM (%s)', tname,
        (SELECT COALESCE(pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ' ORDER BY o), '')
           FROM pg_catalog.unnest(labels) WITH ORDINALITY AS u(l, o)));
    EXECUTE pg_catalog.format('ALTER TYPE %s OWNER TO %I', tname,
                              (SELECT pg_catalog.pg_get_userbyid(typowner) FROM pg_catalog.pg_type WHERE oid = t));
    IF pg_catalog.obj_description(t, 'pg_type') IS NOT NULL THEN
        EXECUTE pg_catalog.format('COMMENT ON TYPE %s IS %L', tname, pg_catalog.obj_description(t, 'pg_type'));
    END IF;
    IF (SELECT typacl FROM pg_catalog.pg_type WHERE oid = t) IS NOT NULL THEN
        EXECUTE pg_catalog.format('REVOKE ALL ON TYPE %s FROM PUBLIC', tname);
        FOR r IN SELECT a.grantee, a.privilege_type, a.is_grantable
                   FROM pg_catalog.pg_type ty, pg_catalog.aclexplode(ty.typacl) a
                  WHERE ty.oid = t AND a.grantee <> ty.typowner LOOP
            EXECUTE pg_catalog.format('GRANT %s ON TYPE %s TO %s%s', r.privilege_type, tname,
                                      CASE WHEN r.grantee = 0 THEN 'PUBLIC'
                                           ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END,
                                      CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END IF;
    FOR r IN SELECT o.redo, o.target, o.what::pg_catalog.oid AS dom FROM pg_temp.orm_ext_enum_redo o WHERE o.phase = 'domain' LOOP
        aside := (SELECT typname FROM pg_catalog.pg_type WHERE oid = r.dom);
        WHILE pg_catalog.octet_length(aside) > 30 LOOP
            aside := pg_catalog.left(aside, -1);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER DOMAIN %s RENAME TO %I', r.dom::pg_catalog.regtype,
                                  aside || '_orm_ext_old_' || r.dom);
        BEGIN
            EXECUTE r.redo;
        EXCEPTION WHEN invalid_text_representation THEN
            RAISE EXCEPTION 'cannot rebuild type %: the domain % cannot be recreated over it', tname,
                            r.target
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = SQLERRM || ' (recreating it with: ' || r.redo || ')',
                      HINT = 'A constraint or default that names a removed label has to be changed first.';
        END;
    END LOOP;

    -- 7. Convert the columns, one ALTER TABLE (one rewrite) per table.
    FOR r IN SELECT relid FROM pg_temp.orm_ext_enum_cols WHERE relkind IN ('r', 'p') AND NOT inherited
              GROUP BY relid ORDER BY relid LOOP
        q := NULL;
        FOR obj IN SELECT * FROM pg_temp.orm_ext_enum_cols WHERE relid = r.relid AND NOT inherited
                    ORDER BY attnum LOOP
            IF obj.kind = 'array' THEN
                expr := pg_catalog.format('(%I)::pg_catalog.text[]', obj.attname);
                FOR kv IN SELECT key, value #>> '{}' AS val FROM pg_catalog.jsonb_each(repl) ORDER BY key LOOP
                    expr := pg_catalog.format('pg_catalog.array_replace(%s, %L, %L)', expr, kv.key, kv.val);
                END LOOP;
                target := tname || '[]';
            ELSE
                expr := pg_catalog.format('(%I)::pg_catalog.text', obj.attname);
                IF repl <> '{}' THEN
                    expr := pg_catalog.format('CASE %s %s ELSE %s END', expr,
                        (SELECT pg_catalog.string_agg(pg_catalog.format('WHEN %L THEN %L', key, value #>> '{}'), ' ')
                           FROM pg_catalog.jsonb_each(repl)), expr);
                END IF;
                IF obj.kind = 'enum' THEN
                    target := tname;
                ELSE
                    SELECT o.target INTO target FROM pg_temp.orm_ext_enum_redo o
                     WHERE o.phase = 'domain' AND o.what = obj.carrier::pg_catalog.text;
                END IF;
            END IF;
            q := pg_catalog.concat_ws(', ', q, pg_catalog.format('ALTER COLUMN %I TYPE %s USING (%s)::%s',
                                                                 obj.attname, target, expr, target));
        END LOOP;
        EXECUTE pg_catalog.format('ALTER TABLE %s %s', r.relid::pg_catalog.regclass, q);
    END LOOP;

    -- 8. Put back what was taken apart; an object that names a removed label
    --    cannot come back, and the whole call fails.
    FOR r IN SELECT o.redo, o.what FROM pg_temp.orm_ext_enum_redo o WHERE o.phase IN ('default', 'index', 'constraint')
              ORDER BY o.ord DESC, o.phase DESC LOOP
        BEGIN
            EXECUTE r.redo;
        EXCEPTION WHEN invalid_text_representation THEN
            RAISE EXCEPTION 'cannot rebuild type %: the % cannot be recreated', tname, r.what
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = SQLERRM || ' (recreating it with: ' || r.redo || ')',
                      HINT = 'An expression that names a removed label has to be changed first.';
        END;
    END LOOP;
    FOR r IN SELECT o.redo AS old_name, o.target::pg_catalog.oid AS part, c.oid AS idx
               FROM pg_temp.orm_ext_enum_redo o
               JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(pg_catalog.substr(o.what, 7))
              WHERE o.phase = 'partition index' LOOP
        SELECT ci.indexrelid::pg_catalog.regclass::pg_catalog.text INTO q
          FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_index ci ON ci.indexrelid = h.inhrelid
         WHERE h.inhparent = r.idx AND ci.indrelid = r.part;
        IF q IS NOT NULL AND (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = q::pg_catalog.regclass)
                             <> r.old_name THEN
            EXECUTE pg_catalog.format('ALTER INDEX %s RENAME TO %I', q, r.old_name);
        END IF;
    END LOOP;
    FOR r IN SELECT o.redo, o.what::pg_catalog.oid AS dom FROM pg_temp.orm_ext_enum_redo o WHERE o.phase = 'domain' LOOP
        EXECUTE pg_catalog.format('DROP DOMAIN %s', r.dom::pg_catalog.regtype);
    END LOOP;
    BEGIN
        EXECUTE pg_catalog.format('DROP TYPE %s', t);
    EXCEPTION WHEN dependent_objects_still_exist THEN
        RAISE EXCEPTION 'cannot rebuild type %: the old type is still in use', tname
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = SQLERRM;
    END;
    FOR r IN SELECT o.redo, o.what FROM pg_temp.orm_ext_enum_redo o WHERE o.phase = 'view' ORDER BY o.ord LOOP
        BEGIN
            EXECUTE r.redo;
        EXCEPTION WHEN invalid_text_representation THEN
            RAISE EXCEPTION 'cannot rebuild type %: the % cannot be recreated', tname, r.what
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = SQLERRM || ' (recreating it with: ' || r.redo || ')',
                      HINT = 'A view that names a removed label has to be changed first.';
        END;
    END LOOP;
    TRUNCATE pg_temp.orm_ext_enum_cols;
    TRUNCATE pg_temp.orm_ext_enum_redo;
    RETURN changed;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_rebuild(pg_catalog.regtype, pg_catalog.text[], pg_catalog.jsonb) IS
    'rebuilds an enum type with exactly the given labels in that order, converting every dependent column and recreating its defaults, constraints, indexes and views; returns the number of rows rewritten';

CREATE FUNCTION orm_ext.enum_drop_value(t pg_catalog.regtype, label pg_catalog.text,
                                        replace_with pg_catalog.text DEFAULT NULL)
RETURNS pg_catalog.int8
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tname pg_catalog.text;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_drop_value');
    PERFORM orm_ext.enum_require(label, 'label', 'enum_drop_value');
    tname := orm_ext.enum_owned_name(t, 'drop its values');
    PERFORM orm_ext.enum_require_label(t, label);
    IF replace_with IS NOT NULL AND (replace_with = label OR NOT orm_ext.enum_has(t, replace_with)) THEN
        RAISE EXCEPTION 'invalid input value for enum %: %', tname, pg_catalog.quote_literal(replace_with)
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = 'replace_with must be another label of the type.';
    END IF;
    RETURN orm_ext.enum_rebuild(t,
        pg_catalog.array_remove(orm_ext.enum_values(t), label),
        CASE WHEN replace_with IS NULL THEN '{}'::pg_catalog.jsonb
             ELSE pg_catalog.jsonb_build_object(label, replace_with) END);
END
$$;

COMMENT ON FUNCTION orm_ext.enum_drop_value(pg_catalog.regtype, pg_catalog.text, pg_catalog.text) IS
    'removes a label from an enum type by rebuilding it; rows using it are rewritten to replace_with (2BP01 without one); returns the number of rows changed';

CREATE FUNCTION orm_ext.enum_diff(t pg_catalog.regtype, labels pg_catalog.text[],
                                  renames pg_catalog.jsonb DEFAULT '{}')
RETURNS TABLE (step pg_catalog.int4, action pg_catalog.text, sql pg_catalog.text, rewrites pg_catalog.bool)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    tname pg_catalog.text;
    have pg_catalog.text[];
    kept_have pg_catalog.text[];
    kept_want pg_catalog.text[];
    kv record;
    n pg_catalog.int4 := 0;
    i pg_catalog.int4;
    l pg_catalog.text;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_diff');
    PERFORM orm_ext.enum_require(labels, 'labels', 'enum_diff');
    tname := orm_ext.enum_name(t);
    PERFORM orm_ext.enum_require_labels(labels);
    renames := COALESCE(renames, '{}');
    IF pg_catalog.jsonb_typeof(renames) <> 'object' THEN
        RAISE EXCEPTION 'renames must be a JSON object of old label: new label'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    have := orm_ext.enum_values(t);
    FOR kv IN SELECT key, value FROM pg_catalog.jsonb_each(renames) ORDER BY key LOOP
        IF pg_catalog.jsonb_typeof(kv.value) <> 'string' THEN
            RAISE EXCEPTION 'the new name of % must be a string', pg_catalog.quote_literal(kv.key)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF kv.key <> ALL (have) THEN
            RAISE EXCEPTION 'cannot rename %: it is not a label of type %', pg_catalog.quote_literal(kv.key), tname
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF (kv.value #>> '{}') = ANY (have) AND NOT renames ? (kv.value #>> '{}') THEN
            RAISE EXCEPTION 'cannot rename % to %: type % already has that label',
                            pg_catalog.quote_literal(kv.key), pg_catalog.quote_literal(kv.value #>> '{}'), tname
                USING ERRCODE = 'duplicate_object';
        END IF;
    END LOOP;
    IF (SELECT pg_catalog.count(DISTINCT value) FROM pg_catalog.jsonb_each(renames))
       <> (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_each(renames)) THEN
        RAISE EXCEPTION 'renames give two labels the same new name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.jsonb_each(renames) WHERE renames ? (value #>> '{}')
                  AND key <> (value #>> '{}')) THEN
        RAISE EXCEPTION 'renames that chain or swap labels are not supported'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Rename in two steps through a temporary label.';
    END IF;

    -- renames first: in place, no rewrite
    FOR kv IN SELECT key, value #>> '{}' AS val FROM pg_catalog.jsonb_each(renames)
               WHERE key <> (value #>> '{}') ORDER BY pg_catalog.array_position(have, key) LOOP
        n := n + 1;
        step := n; action := 'rename'; rewrites := false;
        sql := pg_catalog.format('ALTER TYPE %s RENAME VALUE %L TO %L', tname, kv.key, kv.val);
        RETURN NEXT;
        have[pg_catalog.array_position(have, kv.key)] := kv.val;
    END LOOP;

    -- what stays must keep its order, and nothing may go, or the type is rebuilt
    kept_have := ARRAY(SELECT h FROM pg_catalog.unnest(have) WITH ORDINALITY AS u(h, o) WHERE h = ANY (labels) ORDER BY o);
    kept_want := ARRAY(SELECT w FROM pg_catalog.unnest(labels) WITH ORDINALITY AS u(w, o) WHERE w = ANY (have) ORDER BY o);
    IF pg_catalog.cardinality(kept_have) <> pg_catalog.cardinality(have) OR kept_have <> kept_want THEN
        n := n + 1;
        step := n; action := 'rebuild'; rewrites := true;
        sql := pg_catalog.format('SELECT orm_ext.enum_rebuild(%L::pg_catalog.regtype, %L::pg_catalog.text[])',
                                 tname, labels);
        RETURN NEXT;
        RETURN;
    END IF;

    -- appends and inserts, each placed after its predecessor in labels
    FOR i IN 1 .. COALESCE(pg_catalog.cardinality(labels), 0) LOOP
        l := labels[i];
        CONTINUE WHEN l = ANY (have);
        n := n + 1;
        step := n; action := 'add'; rewrites := false;
        IF i > 1 THEN
            sql := pg_catalog.format('ALTER TYPE %s ADD VALUE %L AFTER %L', tname, l, labels[i - 1]);
        ELSIF pg_catalog.cardinality(have) > 0 THEN
            sql := pg_catalog.format('ALTER TYPE %s ADD VALUE %L BEFORE %L', tname, l, have[1]);
        ELSE
            sql := pg_catalog.format('ALTER TYPE %s ADD VALUE %L', tname, l);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_diff(pg_catalog.regtype, pg_catalog.text[], pg_catalog.jsonb) IS
    'the minimal plan to make an enum type equal to labels: renames, then ADD VALUE with BEFORE/AFTER, or one rebuild when labels are removed or reordered';

CREATE FUNCTION orm_ext.enum_sync(t pg_catalog.regtype, labels pg_catalog.text[],
                                  renames pg_catalog.jsonb DEFAULT '{}')
RETURNS pg_catalog.int4
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s record;
    n pg_catalog.int4 := 0;
BEGIN
    PERFORM orm_ext.enum_require(t, 't', 'enum_sync');
    PERFORM orm_ext.enum_require(labels, 'labels', 'enum_sync');
    PERFORM orm_ext.enum_owned_name(t, 'change it');
    FOR s IN SELECT * FROM orm_ext.enum_diff(t, labels, renames) d ORDER BY d.step LOOP
        EXECUTE s.sql;
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

COMMENT ON FUNCTION orm_ext.enum_sync(pg_catalog.regtype, pg_catalog.text[], pg_catalog.jsonb) IS
    'makes an enum type equal to labels by running the plan of enum_diff(); returns the number of steps run';
