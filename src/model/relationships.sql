-------------------------------------------------------------------------------
-- The mapping layer, part 2: relationships derived from foreign keys, and
-- their typed navigation functions.
--
-- Between registered models, every foreign key gives a relationship on each
-- side, and an association table (its primary key is exactly the columns of
-- two foreign keys) gives a many-to-many relationship on each of the two
-- tables it links; the association table itself need not be registered.
-- model_relationship_info() derives them from the catalogs, with the naming
-- rules below; the view orm_ext.model_relationships shows them; and
-- model_generate_relationships() writes, in the model's api_schema, one
-- function <m>_<relationship>(r <row type>) per relationship.
--
-- Names (docs/models.md, "Relationships"):
--   to-one (many_to_one, one_to_one on the foreign key's side): the
--     column without its _id suffix for a one-column key named *_id, else
--     the target model's name;
--   the reverse side (one_to_many, or one_to_one): the name of the model
--     that holds the foreign key, or <that model>_by_<to-one name> when the
--     key points to its own table or its table has another foreign key to
--     the same target;
--   many_to_many: the far model's name;
--   a name that is taken (twice on one model, or one of the suffixes of
--   the CRUD functions) becomes <name>_by_<key columns joined by _> (to-one
--   and reverse side; for a reverse side <name> is the model's name) or
--   <name>_by_<to-one name of the far key> (many-to-many); one still taken
--   becomes <name>_by_<constraint> (to-one, reverse) or
--   <name>_via_<association table> (many-to-many); and one still taken after
--   that gets _<constraint> appended;
--   the comment of a foreign key constraint may override them, on a line
--   "@orm_ext name=<to-one> reverse=<reverse side> many=<many-to-many>"
--   (many= names, on the other linked table, the many-to-many that reaches
--   this key's target through the key's association table).
-------------------------------------------------------------------------------

-- The key=value pairs of an "@orm_ext ..." line of a comment, as jsonb.
CREATE FUNCTION orm_ext.model_directive(comment pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(jsonb_object_agg(kv[1], kv[2]), '{}')
      FROM regexp_matches(COALESCE(substring(comment FROM '(?n)^[[:space:]]*@orm_ext[[:space:]]+(.*)$'), ''),
                          '([a-z_]+)=([^[:space:]]+)', 'g') AS kv
$$;
COMMENT ON FUNCTION orm_ext.model_directive(pg_catalog.text) IS
    'the key=value pairs of the "@orm_ext ..." line of a comment, as jsonb ({} without one)';

-- The operator that compares a key column of a with one of b in a
-- relationship's condition: the equality of their type when both have the
-- same (through domains), which for citext is citext's own; else
-- pg_catalog's =, which PostgreSQL resolves across the two types as the
-- foreign key does (int4 with int8; a citext foreign key with a text key,
-- compared as text, as that foreign key compares them).
CREATE FUNCTION orm_ext.model_key_operator(a pg_catalog.regclass, acol pg_catalog.name,
                                           b pg_catalog.regclass, bcol pg_catalog.name)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    atype oid;
    btype oid;
BEGIN
    IF a IS NULL OR acol IS NULL OR b IS NULL OR bcol IS NULL THEN
        RAISE EXCEPTION 'model_key_operator: arguments must not be null' USING ERRCODE = '22004';
    END IF;
    SELECT orm_ext.model_base_type(x.atttypid) INTO atype FROM pg_attribute x
     WHERE x.attrelid = a AND x.attname = acol AND x.attnum > 0 AND NOT x.attisdropped;
    SELECT orm_ext.model_base_type(x.atttypid) INTO btype FROM pg_attribute x
     WHERE x.attrelid = b AND x.attname = bcol AND x.attnum > 0 AND NOT x.attisdropped;
    IF atype IS NULL OR btype IS NULL THEN
        RAISE EXCEPTION 'column "%" of table % does not exist',
                        CASE WHEN atype IS NULL THEN acol ELSE bcol END, CASE WHEN atype IS NULL THEN a ELSE b END
            USING ERRCODE = '42703';
    END IF;
    IF atype = btype THEN
        RETURN orm_ext.model_operator(a, acol, 'eq');
    END IF;
    RETURN 'OPERATOR(pg_catalog.=)';
END;
$$;
COMMENT ON FUNCTION orm_ext.model_key_operator(pg_catalog.regclass, pg_catalog.name, pg_catalog.regclass, pg_catalog.name) IS
    'the operator a relationship compares a key column of a with one of b by: their type''s equality when they have the same base type, else pg_catalog''s =';

CREATE FUNCTION orm_ext.model_relationship_info()
RETURNS TABLE (model_table pg_catalog.regclass, name pg_catalog.text, kind pg_catalog.text,
               target pg_catalog.regclass, columns pg_catalog.name[], target_columns pg_catalog.name[],
               through pg_catalog.regclass, through_columns pg_catalog.name[],
               through_target_columns pg_catalog.name[], constraint_name pg_catalog.name)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH m AS (
        SELECT r.model_table::oid AS relid, r.model_name FROM orm_ext.model_registry r
    ), fk AS (
        SELECT c.oid, c.conname, c.conrelid, c.confrelid, c.conkey,
               ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(n, i)
                       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                      ORDER BY k.i) AS cols,
               ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(n, i)
                       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n
                      ORDER BY k.i) AS refcols,
               orm_ext.model_directive(obj_description(c.oid, 'pg_constraint')) AS d,
               EXISTS (SELECT FROM pg_index i
                        WHERE i.indrelid = c.conrelid AND i.indisunique AND i.indisvalid
                          AND i.indpred IS NULL AND i.indexprs IS NULL
                          AND (i.indkey::int2[])[0:i.indnkeyatts - 1] <@ c.conkey) AS uniq,
               count(*) OVER (PARTITION BY c.conrelid, c.confrelid) AS siblings
          FROM pg_constraint c
         WHERE c.contype = 'f'
    ), named AS (
        SELECT f.*, t.model_name AS target_model,
               CASE WHEN cardinality(f.cols) = 1 AND f.cols[1] ~ '.+_id$'
                    THEN regexp_replace(f.cols[1], '_id$', '')
                    ELSE t.model_name END AS toone
          FROM fk f JOIN m t ON t.relid = f.confrelid
    ), candidates AS (
        -- n1: the name; n2 and n3: the names for when n1 (then n2) is taken
        -- to-one, on the foreign key's table
        SELECT f.conrelid AS relid, COALESCE(f.d ->> 'name', f.toone) AS n1,
               COALESCE(f.d ->> 'name', f.toone) || '_by_' || array_to_string(f.cols, '_') AS n2,
               COALESCE(f.d ->> 'name', f.toone) || '_by_' || f.conname AS n3,
               CASE WHEN f.uniq THEN 'one_to_one' ELSE 'many_to_one' END AS kind,
               f.confrelid AS target, f.cols AS columns, f.refcols AS target_columns,
               NULL::oid AS through, NULL::name[] AS through_columns, NULL::name[] AS through_target_columns,
               f.conname
          FROM named f JOIN m s ON s.relid = f.conrelid
        UNION ALL
        -- the reverse side, on the referenced table
        SELECT f.confrelid,
               COALESCE(f.d ->> 'reverse',
                        CASE WHEN f.conrelid = f.confrelid OR f.siblings > 1
                             THEN s.model_name || '_by_' || f.toone ELSE s.model_name END),
               COALESCE(f.d ->> 'reverse', s.model_name) || '_by_' || array_to_string(f.cols, '_'),
               COALESCE(f.d ->> 'reverse', s.model_name) || '_by_' || f.conname,
               CASE WHEN f.uniq THEN 'one_to_one' ELSE 'one_to_many' END,
               f.conrelid, f.refcols, f.cols, NULL, NULL, NULL,
               f.conname
          FROM named f JOIN m s ON s.relid = f.conrelid
        UNION ALL
        -- many-to-many through an association table whose primary key is
        -- the columns of f1 and f2
        SELECT f1.confrelid, COALESCE(f2.d ->> 'many', f2.target_model),
               COALESCE(f2.d ->> 'many', f2.target_model) || '_by_' || f2.toone,
               COALESCE(f2.d ->> 'many', f2.target_model) || '_via_' || (SELECT c.relname FROM pg_class c WHERE c.oid = f1.conrelid),
               'many_to_many',
               f2.confrelid, f1.refcols, f2.refcols, f1.conrelid, f1.cols, f2.cols,
               f2.conname
          FROM named f1
          JOIN named f2 ON f2.conrelid = f1.conrelid AND f2.oid <> f1.oid
          JOIN m x ON x.relid = f1.confrelid
          JOIN pg_index pk ON pk.indrelid = f1.conrelid AND pk.indisprimary
         WHERE NOT (f1.conkey && f2.conkey)
           AND (pk.indkey::int2[])[0:pk.indnkeyatts - 1] @> (f1.conkey || f2.conkey)
           AND (pk.indkey::int2[])[0:pk.indnkeyatts - 1] <@ (f1.conkey || f2.conkey)
    ), level1 AS (
        SELECT c.*,
               count(*) OVER (PARTITION BY c.relid, c.n1) > 1
               OR c.n1 = ANY (ARRAY['create', 'get', 'update', 'upsert', 'delete', 'list', 'page',
                                    'fetch', 'fetch_many', 'create_graph']) AS taken1
          FROM candidates c
    ), level2 AS (
        SELECT l.*, CASE WHEN l.taken1 THEN l.n2 ELSE l.n1 END AS name2
          FROM level1 l
    ), level3 AS (
        SELECT l.*, CASE WHEN count(*) OVER (PARTITION BY l.relid, l.name2) > 1 THEN l.n3 ELSE l.name2 END AS name3
          FROM level2 l
    )
    SELECT l.relid::regclass,
           CASE WHEN count(*) OVER (PARTITION BY l.relid, l.name3) > 1
                THEN l.name3 || '_' || l.conname ELSE l.name3 END,
           l.kind, l.target::regclass, l.columns, l.target_columns, l.through::regclass,
           l.through_columns, l.through_target_columns, l.conname
      FROM level3 l
     ORDER BY 1, 2
$$;
COMMENT ON FUNCTION orm_ext.model_relationship_info() IS
    'the relationships between registered models, derived from foreign keys and association tables, named by the rules of docs/models.md';

CREATE VIEW orm_ext.model_relationships AS
SELECT r.model_name AS model, i.model_table, i.name, i.kind,
       t.model_name AS target, i.target AS target_table,
       i.columns, i.target_columns, i.through, i.through_columns, i.through_target_columns,
       i.constraint_name,
       g.function
  FROM orm_ext.model_relationship_info() i
  JOIN orm_ext.model_registry r ON r.model_table OPERATOR(pg_catalog.=) i.model_table
  JOIN orm_ext.model_registry t ON t.model_table OPERATOR(pg_catalog.=) i.target
  LEFT JOIN orm_ext.model_generated_functions g
         ON g.model_table OPERATOR(pg_catalog.=) i.model_table
        AND g.kind OPERATOR(pg_catalog.=) ('rel:' OPERATOR(pg_catalog.||) i.name);
COMMENT ON VIEW orm_ext.model_relationships IS
    'orm_ext: the relationships of registered models (many_to_one, one_to_many, one_to_one, many_to_many) and their navigation functions';
GRANT SELECT ON orm_ext.model_relationships TO PUBLIC;

-- (Re)writes the navigation functions of one model and drops those of
-- relationships that no longer exist.
CREATE FUNCTION orm_ext.model_generate_relationships(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
    r record;
    tm record;
    f record;
    rowtype text;
    trowtype text;
    conds text[];
    args text[];
    body text;
    alive text;
    kinds text[] := '{}';
    target_pk name[];
    target_order text;
    n int;
    label text;
BEGIN
    SELECT * INTO m FROM orm_ext.model_registry g WHERE g.model_table = tbl;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    rowtype := tbl::text;
    FOR r IN SELECT * FROM orm_ext.model_relationship_info() i WHERE i.model_table = tbl LOOP
        SELECT * INTO tm FROM orm_ext.model_registry g WHERE g.model_table = r.target;
        trowtype := r.target::text;
        -- the target's primary key: the order of to-many rows, and whether a
        -- to-one can use _get's lookup
        target_pk := orm_ext.model_pk_columns(r.target);
        SELECT string_agg(format('t.%I', c), ', ') INTO target_order FROM unnest(target_pk) AS c;
        alive := CASE WHEN tm.deleted_at_column IS NULL THEN ''
                      ELSE format(' AND t.%I IS NULL', tm.deleted_at_column) END;
        conds := '{}';
        args := '{}';
        label := format('orm_ext model %s: the %s relationship %s to model %s',
                        quote_ident(m.model_name), r.kind, quote_ident(r.name), quote_ident(tm.model_name));
        IF r.kind = 'many_to_many' THEN
            -- t: the far rows; a: the association rows of this row
            FOR n IN 1 .. cardinality(r.columns) LOOP
                conds := conds || format('a.%I %s $1.%I', r.through_columns[n],
                                         orm_ext.model_key_operator(tbl, r.columns[n], r.through, r.through_columns[n]),
                                         r.columns[n]);
            END LOOP;
            FOR n IN 1 .. cardinality(r.target_columns) LOOP
                conds := conds || format('a.%I %s t.%I', r.through_target_columns[n],
                                         orm_ext.model_key_operator(r.target, r.target_columns[n],
                                                                    r.through, r.through_target_columns[n]),
                                         r.target_columns[n]);
            END LOOP;
            body := format('SELECT t.* FROM %s AS t WHERE EXISTS (SELECT FROM %s AS a WHERE %s)%s ORDER BY %s',
                           trowtype, r.through, array_to_string(conds, ' AND '), alive,
                           target_order);
        ELSE
            FOR n IN 1 .. cardinality(r.columns) LOOP
                conds := conds || format('t.%I %s $1.%I', r.target_columns[n],
                                         orm_ext.model_key_operator(r.target, r.target_columns[n], tbl, r.columns[n]),
                                         r.columns[n]);
            END LOOP;
            -- to-many: the rows; to-one: the first (only) row, as one value
            body := format('SELECT %s FROM %s AS t WHERE %s%s ORDER BY %s',
                           CASE WHEN r.kind IN ('many_to_one', 'one_to_one') THEN format('(t.*)::%s', trowtype)
                                ELSE 't.*' END,
                           trowtype, array_to_string(conds, ' AND '), alive,
                           target_order);
        END IF;
        -- names that cannot be an include step (dots, parentheses, commas)
        -- or a function name (63 bytes)
        IF r.name ~ '[.(),]' THEN
            RAISE WARNING 'relationship "%" of model "%" gets no function: its name has one of . ( ) ,', r.name, m.model_name
                USING HINT = 'Name it with "@orm_ext name=/reverse=/many=" in the comment of its foreign key.';
            CONTINUE;
        END IF;
        IF octet_length(m.model_name || '_' || r.name) > 63 THEN
            RAISE WARNING 'relationship "%" of model "%" gets no function: "%_%" passes 63 bytes',
                          r.name, m.model_name, m.model_name, r.name
                USING HINT = 'Name it with a shorter "@orm_ext name=/reverse=/many=" in the comment of its foreign key.';
            CONTINUE;
        END IF;
        IF r.kind IN ('many_to_one', 'one_to_one') THEN
            -- to-one: the row, or NULL; by the target's primary key, the
            -- lookup of _get (model_row_get)
            IF r.target_columns = target_pk THEN
                conds := '{}';
                args := '{}';
                FOR n IN 1 .. cardinality(r.columns) LOOP
                    conds := conds || format('t.%I %s $%s', r.target_columns[n],
                                             orm_ext.model_key_operator(r.target, r.target_columns[n], tbl, r.columns[n]), n);
                    args := args || format('$1.%I', r.columns[n]);
                END LOOP;
                body := format('SELECT orm_ext.model_row_get(%L, %L::pg_catalog.regclass, %L::pg_catalog.name, NULL::%s, %s)',
                               format('SELECT (t.*)::%s FROM %s AS t WHERE %s%s', trowtype, trowtype,
                                      array_to_string(conds, ' AND '), alive),
                               trowtype, tm.deleted_at_column, trowtype, array_to_string(args, ', '));
            ELSE
                body := format('SELECT (%s LIMIT 1)', body);
            END IF;
            PERFORM orm_ext.model_put_function(tbl, 'rel:' || r.name, m.api_schema, m.model_name || '_' || r.name,
                format('r %s', rowtype),
                format('RETURNS %s LANGUAGE sql STABLE SECURITY INVOKER AS %L', trowtype, body),
                label || ': the related row, or NULL');
        ELSE
            PERFORM orm_ext.model_put_function(tbl, 'rel:' || r.name, m.api_schema, m.model_name || '_' || r.name,
                format('r %s', rowtype),
                format('RETURNS SETOF %s LANGUAGE sql STABLE SECURITY INVOKER ROWS 10 AS %L', trowtype, body),
                label || ': the related rows, in primary key order', r.through);
        END IF;
        kinds := kinds || ('rel:' || r.name);
    END LOOP;

    FOR f IN SELECT g.function, g.kind FROM orm_ext.model_generated_functions g
              WHERE g.model_table = tbl AND g.kind LIKE 'rel:%' AND NOT g.kind = ANY (kinds) LOOP
        IF EXISTS (SELECT FROM pg_proc p WHERE p.oid = f.function) THEN
            EXECUTE format('DROP FUNCTION %s', f.function::regprocedure);
        END IF;
        DELETE FROM orm_ext.model_generated_functions g WHERE g.function = f.function;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_generate_relationships(pg_catalog.regclass) IS
    'writes the navigation functions <m>_<relationship>(r) of a registered model, and drops those of relationships that are gone';

-- The registered models whose relationships a change to these tables may
-- change: the tables themselves, the tables their foreign keys reference or
-- that reference them, and the other ends of association tables among them.
CREATE FUNCTION orm_ext.model_related(tbls pg_catalog.oid[])
RETURNS SETOF pg_catalog.regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH touched AS (
        SELECT unnest(tbls) AS relid
        UNION
        -- models with a navigation function returning one of these row types
        SELECT g.model_table::oid
          FROM orm_ext.model_generated_functions g
          JOIN pg_proc p ON p.oid = g.function
          JOIN pg_class c ON c.reltype = p.prorettype
         WHERE g.kind LIKE 'rel:%' AND c.oid = ANY (tbls)
        UNION
        SELECT c.confrelid FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY (tbls)
        UNION
        SELECT c.conrelid FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ANY (tbls)
    ), ends AS (
        SELECT t.relid FROM touched t
        UNION
        SELECT c2.confrelid
          FROM touched t
          JOIN pg_constraint c1 ON c1.contype = 'f' AND c1.confrelid = t.relid
          JOIN pg_constraint c2 ON c2.contype = 'f' AND c2.conrelid = c1.conrelid
    )
    SELECT m.model_table FROM orm_ext.model_registry m JOIN ends e ON e.relid = m.model_table::oid
     ORDER BY 1
$$;
COMMENT ON FUNCTION orm_ext.model_related(pg_catalog.oid[]) IS
    'the registered models whose relationships a change to these tables may change';

-- Regenerates the navigation functions of the models related to these
-- tables that the current user owns (the others follow when their owners
-- next register or alter them).
CREATE FUNCTION orm_ext.model_refresh_relationships(tbls pg_catalog.oid[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT r FROM orm_ext.model_related(tbls) AS r LOOP
        IF orm_ext.owns_relation(t) THEN
            PERFORM orm_ext.model_generate_relationships(t);
        END IF;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_refresh_relationships(pg_catalog.oid[]) IS
    'regenerates the navigation functions of the models related to these tables that the current user owns';

-- Before DROP TABLE of tbl (model or not): the navigation functions of other
-- models that return its row type or read it as an association table would
-- block the drop or break; drop them (the event trigger at the end of the
-- command regenerates what is left).
CREATE FUNCTION orm_ext.model_drop_relationships_before_drop(tbl pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f record;
BEGIN
    -- only a model's row type or an association table can be in use
    IF NOT EXISTS (SELECT FROM orm_ext.model_registry m WHERE m.model_table = tbl)
       AND NOT EXISTS (SELECT FROM orm_ext.model_generated_functions g WHERE g.reads = tbl) THEN
        RETURN;
    END IF;
    FOR f IN SELECT DISTINCT g.function
               FROM orm_ext.model_generated_functions g
               JOIN pg_proc p ON p.oid = g.function
               JOIN pg_class c ON c.oid = g.model_table
              WHERE g.kind LIKE 'rel:%' AND g.model_table <> tbl
                AND pg_has_role(CURRENT_USER, c.relowner, 'USAGE')
                AND (p.prorettype = (SELECT r.reltype FROM pg_class r WHERE r.oid = tbl)
                     OR g.reads = tbl) LOOP
        EXECUTE format('DROP FUNCTION %s', f.function::regprocedure);
        DELETE FROM orm_ext.model_generated_functions g WHERE g.function = f.function;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_drop_relationships_before_drop(pg_catalog.regclass) IS
    'before DROP TABLE: drops the navigation functions of other models that return the table''s row type or go through it';

-------------------------------------------------------------------------------
-- Nested eager loading: <m>_fetch(<pk>, include) and
-- <m>_fetch_many(filter, include, page_size, after).
--
-- The include paths ('{posts, posts.comments, posts.tags}', a to-many
-- segment optionally "name(limit=5,order=created_at desc)") are turned into
-- one SELECT that nests a sub-select per relationship, each reading through
-- the relationship's navigation function (inlined for to-many, so the
-- planner sees plain joins); the statement text depends only on the model
-- and the include list, so model_row_query() keeps its plan for the session.
-------------------------------------------------------------------------------

-- The primary key columns of a table, in key order.
CREATE FUNCTION orm_ext.model_pk_columns(tbl pg_catalog.regclass)
RETURNS pg_catalog.name[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT array_agg(a.attname ORDER BY k.i)
      FROM pg_index x
      CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(n, i)
      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n
     WHERE x.indrelid = tbl AND x.indisprimary AND k.i <= x.indnkeyatts
$$;
COMMENT ON FUNCTION orm_ext.model_pk_columns(pg_catalog.regclass) IS
    'the primary key columns of a table, in key order';

-- The jsonb expression of the row in alias t<depth> of model tbl, with the
-- relationships of the include paths nested under their names.
CREATE FUNCTION orm_ext.model_fetch_json(tbl pg_catalog.regclass, model pg_catalog.text,
                                         paths pg_catalog.text[], depth integer)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me text := 't' || depth;
    child text := 't' || (depth + 1);
    seg record;
    nav record;
    parts text[];
    opts text;
    item text;
    opt text[];
    lim bigint;
    ord_col text;
    ord_dir text;
    ord_sql text;
    pk name[];
    target_model text;
    sub text;
    fields text[] := '{}';
    pairs text[];
    relnames name[] := '{}';
BEGIN
    IF cardinality(paths) = 0 THEN
        RETURN format('pg_catalog.row_to_json(%s.*)', me);
    END IF;
    IF depth >= 10 THEN
        RAISE EXCEPTION '%_fetch: include paths nest deeper than 10 relationships', model
            USING ERRCODE = '54001',
                  DETAIL = 'A path that goes round a cycle (posts.author.posts...) stops here.',
                  HINT = 'Include fewer levels, and fetch deeper parts with a second call.';
    END IF;
    IF EXISTS (SELECT FROM unnest(paths) AS p WHERE p ~ '(^|[.])[[:space:]]*([.]|$)') THEN
        RAISE EXCEPTION '%_fetch: an include path has an empty relationship name', model
            USING ERRCODE = '22023', HINT = 'Write paths like ''posts'' or ''posts.comments''.';
    END IF;
    -- the first segments, each with the rest of its paths
    FOR seg IN
        SELECT x.head, array_remove(array_agg(x.tail ORDER BY x.n), NULL) AS tails,
               array_remove(array_agg(x.opts ORDER BY x.n), NULL) AS optlist
          FROM (SELECT p.n,
                       (regexp_match(split_part(p.path, '.', 1), '^[[:space:]]*([^(]*?)[[:space:]]*([(](.*)[)])?[[:space:]]*$'))[1] AS head,
                       (regexp_match(split_part(p.path, '.', 1), '^[[:space:]]*([^(]*?)[[:space:]]*([(](.*)[)])?[[:space:]]*$'))[3] AS opts,
                       NULLIF(substr(p.path, length(split_part(p.path, '.', 1)) + 2), '') AS tail
                  FROM unnest(paths) WITH ORDINALITY AS p(path, n)) x
         GROUP BY x.head
         ORDER BY min(x.n)
    LOOP
        IF seg.head IS NULL OR seg.head = '' THEN
            RAISE EXCEPTION '%_fetch: an include path has an empty relationship name', model
                USING ERRCODE = '22023', HINT = 'Write paths like ''posts'' or ''posts.comments''.';
        END IF;
        SELECT g.function, p.proretset, t.typrelid::regclass AS target
          INTO nav
          FROM orm_ext.model_generated_functions g
          JOIN pg_proc p ON p.oid = g.function
          JOIN pg_type t ON t.oid = p.prorettype
         WHERE g.model_table = tbl AND g.kind = 'rel:' || seg.head;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'relationship "%" of model "%" does not exist', seg.head, model
                USING ERRCODE = '42703',
                      DETAIL = COALESCE('Its relationships are: '
                                        || (SELECT string_agg(substr(g.kind, 5), ', ' ORDER BY g.kind)
                                              FROM orm_ext.model_generated_functions g
                                             WHERE g.model_table = tbl AND g.kind LIKE 'rel:%') || '.',
                                        'It has no relationships.'),
                      HINT = 'See the view orm_ext.model_relationships.';
        END IF;
        SELECT r.model_name INTO target_model FROM orm_ext.model_registry r WHERE r.model_table = nav.target;
        IF cardinality(seg.optlist) > 1
           AND (SELECT count(DISTINCT o) FROM unnest(seg.optlist) AS o) > 1 THEN
            RAISE EXCEPTION '%_fetch: relationship "%" is included with different options', model, seg.head
                USING ERRCODE = '22023', DETAIL = array_to_string(seg.optlist, '; ');
        END IF;
        opts := seg.optlist[1];
        lim := NULL;
        ord_col := NULL;
        ord_dir := 'ASC';
        IF opts IS NOT NULL THEN
            IF NOT nav.proretset THEN
                RAISE EXCEPTION '%_fetch: relationship "%" is to-one and takes no options', model, seg.head
                    USING ERRCODE = '22023';
            END IF;
            FOR item IN SELECT o FROM regexp_split_to_table(opts, ',') AS o LOOP
                opt := regexp_match(item, '^[[:space:]]*(limit|order)[[:space:]]*=[[:space:]]*(.*?)[[:space:]]*$');
                IF opt IS NOT NULL AND ((opt[1] = 'limit' AND lim IS NOT NULL)
                                        OR (opt[1] = 'order' AND ord_col IS NOT NULL)) THEN
                    RAISE EXCEPTION '%_fetch: option "%" is given twice for relationship "%"', model, opt[1], seg.head
                        USING ERRCODE = '22023';
                END IF;
                IF opt IS NULL THEN
                    RAISE EXCEPTION '%_fetch: bad options "(%)" for relationship "%"', model, opts, seg.head
                        USING ERRCODE = '22023', HINT = 'Write (limit=N), (order=column [asc|desc]) or both, separated by a comma.';
                ELSIF opt[1] = 'limit' THEN
                    IF opt[2] !~ '^[0-9]{1,9}$' OR opt[2]::bigint < 1 THEN
                        RAISE EXCEPTION '%_fetch: limit must be a positive integer, not "%"', model, opt[2]
                            USING ERRCODE = '22023';
                    END IF;
                    lim := opt[2]::bigint;
                ELSE
                    parts := regexp_match(opt[2], '^(.*?)([[:space:]]+(asc|desc))?$', 'i');
                    ord_col := parts[1];
                    ord_dir := upper(COALESCE(parts[3], 'asc'));
                    IF NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = nav.target AND a.attname = ord_col
                                                                AND a.attnum > 0 AND NOT a.attisdropped) THEN
                        RAISE EXCEPTION 'column "%" of table % does not exist', ord_col, nav.target
                            USING ERRCODE = '42703',
                                  DETAIL = format('The include option order=%s of relationship "%s" names it.', opt[2], seg.head);
                    END IF;
                END IF;
            END LOOP;
        END IF;

        sub := orm_ext.model_fetch_json(nav.target, target_model, seg.tails, depth + 1);
        relnames := relnames || seg.head::name;
        IF nav.proretset THEN
            pk := orm_ext.model_pk_columns(nav.target);
            SELECT string_agg(format('%s.%I', child, c), ', ') INTO ord_sql FROM unnest(pk) AS c;
            IF ord_col IS NOT NULL THEN
                ord_sql := format('%s.%I %s, ', child, ord_col, ord_dir) || ord_sql;
            END IF;
            IF lim IS NULL THEN
                fields := fields || format(
                    '%L, (SELECT COALESCE(pg_catalog.json_agg(%s ORDER BY %s), ''[]'') FROM %s(%s.*) AS %s)',
                    seg.head, sub, ord_sql, nav.function::regproc, me, child);
            ELSE
                -- the first lim rows in that order, then aggregated in it
                fields := fields || format(
                    '%L, (SELECT COALESCE(pg_catalog.json_agg(s.j ORDER BY s.n), ''[]'') FROM '
                    '(SELECT %s AS j, pg_catalog.row_number() OVER (ORDER BY %s) AS n FROM %s(%s.*) AS %s ORDER BY %s LIMIT %s) AS s)',
                    seg.head, sub, ord_sql, nav.function::regproc, me, child, ord_sql, lim);
            END IF;
        ELSIF cardinality(seg.tails) = 0 THEN
            -- a to-one leaf: the function's value itself (NULL stays NULL)
            fields := fields || format('%L, pg_catalog.row_to_json(%s(%s.*))', seg.head, nav.function::regproc, me);
        ELSE
            fields := fields || format('%L, (SELECT %s FROM %s(%s.*) AS %s WHERE NOT (%s.* IS NULL))',
                                       seg.head, sub, nav.function::regproc, me, child, child);
        END IF;
    END LOOP;
    -- json, not jsonb, while nesting (much cheaper to build); the caller
    -- casts the whole document once.  The row's columns come first; a
    -- relationship named like a column takes its place.
    pairs := ARRAY(SELECT format('%L, %s.%I', a.attname, me, a.attname)
                     FROM pg_attribute a
                    WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
                      AND NOT a.attname = ANY (relnames)
                    ORDER BY a.attnum) || fields;
    IF cardinality(pairs) <= 50 THEN
        RETURN format('pg_catalog.json_build_object(%s)', array_to_string(pairs, ', '));
    END IF;
    -- a function takes at most 100 arguments: a wide row is built in chunks
    -- of 50 pairs, joined as jsonb
    RETURN format('pg_catalog.to_json(%s)',
                  (SELECT string_agg(format('pg_catalog.jsonb_build_object(%s)',
                                            array_to_string(pairs[c * 50 + 1 : c * 50 + 50], ', ')),
                                     ' OPERATOR(pg_catalog.||) ' ORDER BY c)
                     FROM generate_series(0, (cardinality(pairs) - 1) / 50) AS c));
END;
$$;
COMMENT ON FUNCTION orm_ext.model_fetch_json(pg_catalog.regclass, pg_catalog.text, pg_catalog.text[], integer) IS
    'the jsonb expression of a row with the relationships of include paths nested in it (engine of _fetch and _fetch_many)';

-- The statement behind <m>_fetch: the row with the primary key $1, $2, ...
-- as jsonb, with its includes.
CREATE FUNCTION orm_ext.model_fetch_sql(tbl pg_catalog.regclass, include pg_catalog.text[])
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
    conds text[] := '{}';
    n int := 0;
    c name;
BEGIN
    SELECT * INTO m FROM orm_ext.model_registry r WHERE r.model_table = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not a registered model', tbl USING ERRCODE = '55000';
    END IF;
    IF include IS NULL OR array_position(include, NULL) IS NOT NULL THEN
        RAISE EXCEPTION '%_fetch: include must not be or contain NULL', m.model_name
            USING ERRCODE = '22004', HINT = 'Pass ''{}'' to include nothing.';
    END IF;
    FOREACH c IN ARRAY orm_ext.model_pk_columns(tbl) LOOP
        n := n + 1;
        conds := conds || format('t0.%I %s $%s', c, orm_ext.model_operator(tbl, c, 'eq'), n);
    END LOOP;
    IF m.deleted_at_column IS NOT NULL THEN
        conds := conds || format('t0.%I IS NULL', m.deleted_at_column);
    END IF;
    -- the table by schema and name: the statement runs under the caller's
    -- search_path, where a temporary table's unqualified name could mean a
    -- permanent table
    RETURN format('SELECT (%s)::pg_catalog.jsonb FROM %I.%I AS t0 WHERE %s',
                  orm_ext.model_fetch_json(tbl, m.model_name, include, 0),
                  (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.oid = tbl),
                  (SELECT c.relname FROM pg_class c WHERE c.oid = tbl),
                  array_to_string(conds, ' AND '));
END;
$$;
COMMENT ON FUNCTION orm_ext.model_fetch_sql(pg_catalog.regclass, pg_catalog.text[]) IS
    'the SELECT behind a model''s _fetch: the row with primary key $1, ... as jsonb with its includes nested';

CREATE FUNCTION orm_ext.model_fetch_statement(tbl pg_catalog.regclass, include pg_catalog.text[])
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'orm_ext_model_fetch_statement'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION orm_ext.model_fetch_statement(pg_catalog.regclass, pg_catalog.text[]) IS
    'model_fetch_sql(tbl, include), kept per session until a function or a relation changes; the body of generated _fetch functions';

-- The engine of <m>_fetch_many: one page of rows in primary key order, as
-- _page would return them, each with its includes nested, and the cursor of
-- the next page (the same cursor as _page's with the default order).
CREATE FUNCTION orm_ext.model_fetch_many_rows(meta pg_catalog.jsonb, filter pg_catalog.jsonb,
                                              include pg_catalog.text[], page_size integer,
                                              after pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl regclass := (meta ->> 'table')::regclass;
    model text := meta ->> 'model';
    list_sql text;
    json_expr text;
    pk name[];
    join_on text;
    order_t0 text;
    order_l text;
    items jsonb;
    more boolean;
    next_cursor text;
    order_key jsonb;
BEGIN
    IF include IS NULL OR array_position(include, NULL) IS NOT NULL THEN
        RAISE EXCEPTION '%_fetch_many: include must not be or contain NULL', model
            USING ERRCODE = '22004', HINT = 'Pass ''{}'' to include nothing.';
    END IF;
    -- one row more than the page: whether there is a next page
    list_sql := orm_ext.model_list_sql(tbl, meta, filter, NULL, page_size, after, 1);
    json_expr := orm_ext.model_fetch_json(tbl, model, include, 0);
    pk := orm_ext.model_pk_columns(tbl);
    SELECT string_agg(format('t0.%1$I %2$s l.%1$I', c, orm_ext.model_operator(tbl, c, 'eq')), ' AND '),
           string_agg(format('t0.%I', c), ', '),
           string_agg(format('l.%I', c), ', ')
      INTO join_on, order_t0, order_l
      FROM unnest(pk) AS c;
    -- _page's default order, the primary key: the cursor's
    SELECT jsonb_agg(jsonb_build_array(o.column_name, o.descending))
      INTO order_key
      FROM orm_ext.model_order(meta, NULL) AS o;
    -- the page's rows joined back to the table, so that t0.* is of its row type,
    -- and the cursor of the page's last row (made from the row, as _page
    -- makes it: the document may have a relationship in a key column's place)
    EXECUTE format('SELECT (COALESCE(pg_catalog.json_agg(%s ORDER BY %s) FILTER (WHERE l."orm_ext n" OPERATOR(pg_catalog.<=) %s), ''[]''))::pg_catalog.jsonb, '
                   'pg_catalog.count(*) OPERATOR(pg_catalog.>) %s, '
                   '(pg_catalog.array_agg(orm_ext.model_page_cursor(%L::pg_catalog.jsonb, t0.*)) FILTER (WHERE l."orm_ext n" OPERATOR(pg_catalog.=) %s))[1] '
                   'FROM (SELECT %s, pg_catalog.row_number() OVER (ORDER BY %s) AS "orm_ext n" FROM (%s) AS l) AS l '
                   'JOIN %s AS t0 ON %s',
                   json_expr, order_t0, page_size, page_size, order_key, page_size, order_l, order_l, list_sql, tbl, join_on)
       INTO items, more, next_cursor;
    RETURN jsonb_build_object('items', items, 'next_cursor', CASE WHEN more THEN next_cursor END);
END;
$$;
COMMENT ON FUNCTION orm_ext.model_fetch_many_rows(pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text[], integer, pg_catalog.text) IS
    'engine of the generated _fetch_many functions: a page of rows in primary key order with their includes nested, and the next cursor';

-------------------------------------------------------------------------------
-- Nested writes: <m>_create_graph(doc).
--
-- The document is a row of the model, as _create takes it (a key per column
-- to write; an omitted column takes its default, null is NULL), in which a
-- key may also name a relationship:
--   to-many (one_to_many), and one_to_one from the referenced side: the
--     child document(s), created with their foreign key set to this row;
--   many_to_many: documents of the far model; one holding just the far
--     primary key links that row, any other creates the row (with the key
--     it may give), then links it;
--   to-one from the foreign key's side: a document holding just the
--     target's primary key points to that row, any other creates it first;
--     null leaves the key NULL.
-- Everything runs in the calling statement, so any error undoes the whole
-- graph.  The result is the new row as _fetch returns it, with every
-- relationship the document named included.
-------------------------------------------------------------------------------

-- The relationships of all models, by table and name, for one graph.
CREATE FUNCTION orm_ext.model_relationship_map()
RETURNS pg_catalog.jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(jsonb_object_agg(x.model_table::oid::text, x.rels), '{}')
      FROM (SELECT i.model_table,
                   jsonb_object_agg(i.name, jsonb_build_object(
                       'kind', i.kind, 'target', i.target::oid, 'columns', i.columns,
                       'target_columns', i.target_columns, 'through', i.through::oid,
                       'through_columns', i.through_columns,
                       'through_target_columns', i.through_target_columns,
                       -- whether the foreign key is on this side
                       'fk_side', i.kind = 'many_to_one'
                                  OR (i.kind = 'one_to_one'
                                      AND EXISTS (SELECT FROM pg_constraint c
                                                   WHERE c.conrelid = i.model_table
                                                     AND c.confrelid = i.target
                                                     AND c.conname = i.constraint_name
                                                     AND c.contype = 'f'
                                                     AND i.columns = ARRAY(
                                                         SELECT a.attname
                                                           FROM unnest(c.conkey) WITH ORDINALITY AS k(n, o)
                                                           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n
                                                          ORDER BY k.o))))) AS rels
              FROM orm_ext.model_relationship_info() i
             -- only relationships that have a navigation function
             WHERE EXISTS (SELECT FROM orm_ext.model_generated_functions g
                            WHERE g.model_table = i.model_table AND g.kind = 'rel:' || i.name)
             GROUP BY i.model_table) x
$$;
COMMENT ON FUNCTION orm_ext.model_relationship_map() IS
    'the relationships of all registered models as {table oid: {name: {kind, target, columns, ...}}} (for _create_graph)';

-- The existing row of target whose primary key a document gives, as jsonb,
-- for a link: a foreign key may reference other columns than the key.
-- 23503 when there is no such row (or it is not visible).
CREATE FUNCTION orm_ext.model_graph_row_by_key(target pg_catalog.regclass, doc pg_catalog.jsonb,
                                               wanted pg_catalog.jsonb, root pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    conds text[] := '{}';
    c name;
    result jsonb;
BEGIN
    -- read as the caller even when the key is all the link needs: a row the
    -- caller cannot see is not linked (23503), as the docs promise
    FOREACH c IN ARRAY orm_ext.model_pk_columns(target) LOOP
        conds := conds || format('t.%I %s %s', c, orm_ext.model_operator(target, c, 'eq'),
                                 orm_ext.model_value_literal(target, c, doc -> c::text));
    END LOOP;
    EXECUTE format('SELECT pg_catalog.to_jsonb(t.*) FROM %s AS t WHERE %s', target, array_to_string(conds, ' AND '))
       INTO result;
    IF result IS NULL THEN
        RAISE EXCEPTION '%_create_graph: no row of table % has the key %', root, target, doc
            USING ERRCODE = '23503',
                  DETAIL = 'An object holding just a primary key links the existing row with that key.';
    END IF;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_graph_row_by_key(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text) IS
    'for _create_graph: the existing row a document holding just a primary key links to (23503 when there is none)';

-- Creates one row of the graph and what hangs off it; returns the row as
-- jsonb.  fixed: columns set by the parent ({column: value}).  relmap: the
-- relationships of model_relationship_map(), and under "columns" the columns
-- of every table the graph can reach ({table oid: [{"name", "server_owned"}]}).
CREATE FUNCTION orm_ext.model_create_graph_row(tbl pg_catalog.regclass, doc pg_catalog.jsonb,
                                               fixed pg_catalog.jsonb, relmap pg_catalog.jsonb,
                                               root pg_catalog.text, depth integer)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
    rels jsonb := COALESCE(relmap -> (tbl::oid::text), '{}');
    rel jsonb;
    info record;
    k text;
    v jsonb;
    child jsonb;
    target regclass;
    created jsonb;
    linked jsonb;
    cols text[] := '{}';
    vals text[] := '{}';
    setv jsonb := COALESCE(fixed, '{}');
    rowdoc jsonb;
    n int;
BEGIN
    IF depth > 10 THEN
        RAISE EXCEPTION '%_create_graph: the document nests deeper than 10 relationships', root
            USING ERRCODE = '54001';
    END IF;
    IF doc IS NULL OR jsonb_typeof(doc) <> 'object' THEN
        RAISE EXCEPTION '%_create_graph: a row of the document must be a JSON object, not %', root,
                        COALESCE(jsonb_typeof(doc), 'NULL')
            USING ERRCODE = '22023';
    END IF;
    SELECT * INTO m FROM orm_ext.model_registry r WHERE r.model_table = tbl;

    -- to-one relationships on the foreign key's side: their keys first
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(doc) AS e ORDER BY e.key LOOP
        rel := rels -> k;
        CONTINUE WHEN rel IS NULL OR NOT (rel ->> 'fk_side')::boolean;
        target := (rel ->> 'target')::oid::regclass;
        IF jsonb_typeof(v) = 'null' THEN
            linked := NULL;
        ELSIF jsonb_typeof(v) <> 'object' THEN
            RAISE EXCEPTION '%_create_graph: relationship "%" of model "%" takes an object or null, not %',
                            root, k, m.model_name, jsonb_typeof(v)
                USING ERRCODE = '22023';
        ELSE
            linked := orm_ext.model_graph_target(target, v, rel -> 'target_columns', relmap, root, depth);
        END IF;
        FOR n IN 1 .. jsonb_array_length(rel -> 'columns') LOOP
            IF setv ? (rel -> 'columns' ->> (n - 1)) THEN
                RAISE EXCEPTION '%_create_graph: column "%" of model "%" is set by the parent row, not by its relationship "%"',
                                root, rel -> 'columns' ->> (n - 1), m.model_name, k
                    USING ERRCODE = '22023', HINT = 'Leave the relationship out of the nested document.';
            END IF;
            IF doc ? (rel -> 'columns' ->> (n - 1)) AND NOT (rel -> 'columns' ->> (n - 1)) = k THEN
                RAISE EXCEPTION '%_create_graph: column "%" of model "%" is set by its relationship "%"',
                                root, rel -> 'columns' ->> (n - 1), m.model_name, k
                    USING ERRCODE = '22023', HINT = 'Give either the column or the relationship.';
            END IF;
            setv := setv || jsonb_build_object(rel -> 'columns' ->> (n - 1),
                                               COALESCE(linked -> (rel -> 'target_columns' ->> (n - 1)), 'null'));
        END LOOP;
    END LOOP;

    -- the row itself, as _create would insert it
    FOR info IN SELECT c ->> 'name' AS column_name, (c ->> 'server_owned')::boolean AS server_owned
                  FROM jsonb_array_elements(relmap -> 'columns' -> (tbl::oid::text)) AS c LOOP
        IF setv ? info.column_name THEN
            IF doc ? info.column_name THEN
                RAISE EXCEPTION '%_create_graph: column "%" of model "%" is set by the parent row',
                                root, info.column_name, m.model_name
                    USING ERRCODE = '22023', HINT = 'Leave it out of the nested document.';
            END IF;
            cols := cols || quote_ident(info.column_name);
            vals := vals || orm_ext.model_value_literal(tbl, info.column_name, setv -> info.column_name::text);
        ELSIF doc ? info.column_name AND NOT rels ? info.column_name THEN
            IF info.server_owned THEN
                RAISE EXCEPTION 'column "%" of table % is written by the server', info.column_name, tbl
                    USING ERRCODE = '428C9',
                          DETAIL = 'Identity ALWAYS, generated, timestamp, soft-delete, version and ledger columns cannot be set.',
                          HINT = format('Remove "%s" from the document.', info.column_name);
            END IF;
            cols := cols || quote_ident(info.column_name);
            vals := vals || orm_ext.model_value_literal(tbl, info.column_name, doc -> info.column_name::text);
        ELSIF info.column_name = m.version_column THEN
            cols := cols || quote_ident(info.column_name);
            vals := vals || '1'::text;
        END IF;
    END LOOP;
    FOR k IN SELECT e.key FROM jsonb_each(doc) AS e LOOP
        IF NOT rels ? k AND NOT EXISTS (SELECT FROM pg_attribute a
                                         WHERE a.attrelid = tbl AND a.attname = k AND a.attnum > 0
                                           AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column or relationship "%" of model "%" does not exist', k, m.model_name
                USING ERRCODE = '42703',
                      DETAIL = COALESCE('Its relationships are: '
                                        || (SELECT string_agg(r, ', ' ORDER BY r) FROM jsonb_object_keys(rels) AS r)
                                        || '.', 'It has no relationships.');
        END IF;
    END LOOP;
    IF cardinality(cols) = 0 THEN
        EXECUTE format('INSERT INTO %s AS t DEFAULT VALUES RETURNING pg_catalog.to_jsonb(t.*)', tbl) INTO rowdoc;
    ELSE
        EXECUTE format('INSERT INTO %s AS t (%s) VALUES (%s) RETURNING pg_catalog.to_jsonb(t.*)', tbl,
                       array_to_string(cols, ', '), array_to_string(vals, ', '))
           INTO rowdoc;
    END IF;

    -- what hangs off the row: children and links
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(doc) AS e ORDER BY e.key LOOP
        rel := rels -> k;
        CONTINUE WHEN rel IS NULL OR (rel ->> 'fk_side')::boolean;
        target := (rel ->> 'target')::oid::regclass;
        IF rel ->> 'kind' = 'one_to_one' THEN
            IF jsonb_typeof(v) = 'null' THEN
                CONTINUE;
            ELSIF jsonb_typeof(v) <> 'object' THEN
                RAISE EXCEPTION '%_create_graph: relationship "%" of model "%" takes an object or null, not %',
                                root, k, m.model_name, jsonb_typeof(v)
                    USING ERRCODE = '22023';
            END IF;
            v := jsonb_build_array(v);
        ELSIF jsonb_typeof(v) <> 'array' THEN
            RAISE EXCEPTION '%_create_graph: relationship "%" of model "%" takes an array, not %',
                            root, k, m.model_name, jsonb_typeof(v)
                USING ERRCODE = '22023';
        END IF;
        FOR child IN SELECT e FROM jsonb_array_elements(v) AS e LOOP
            IF rel ->> 'kind' = 'many_to_many' THEN
                IF jsonb_typeof(child) <> 'object' THEN
                    RAISE EXCEPTION '%_create_graph: relationship "%" of model "%" takes objects, not %',
                                    root, k, m.model_name, jsonb_typeof(child)
                        USING ERRCODE = '22023';
                END IF;
                created := orm_ext.model_graph_target(target, child, rel -> 'target_columns', relmap, root, depth);
                cols := '{}';
                vals := '{}';
                FOR n IN 1 .. jsonb_array_length(rel -> 'columns') LOOP
                    cols := cols || quote_ident(rel -> 'through_columns' ->> (n - 1));
                    vals := vals || format('%L', rowdoc ->> (rel -> 'columns' ->> (n - 1)));
                END LOOP;
                FOR n IN 1 .. jsonb_array_length(rel -> 'target_columns') LOOP
                    cols := cols || quote_ident(rel -> 'through_target_columns' ->> (n - 1));
                    vals := vals || format('%L', created ->> (rel -> 'target_columns' ->> (n - 1)));
                END LOOP;
                EXECUTE format('INSERT INTO %s (%s) VALUES (%s)', (rel ->> 'through')::oid::regclass,
                               array_to_string(cols, ', '), array_to_string(vals, ', '));
            ELSE
                fixed := '{}';
                FOR n IN 1 .. jsonb_array_length(rel -> 'columns') LOOP
                    fixed := fixed || jsonb_build_object(rel -> 'target_columns' ->> (n - 1),
                                                         rowdoc -> (rel -> 'columns' ->> (n - 1)));
                END LOOP;
                PERFORM orm_ext.model_create_graph_row(target, child, fixed, relmap, root, depth + 1);
            END IF;
        END LOOP;
    END LOOP;
    RETURN rowdoc;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_create_graph_row(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text, integer) IS
    'engine of _create_graph: inserts one row of the document and what hangs off it, returning the row as jsonb';

-- The include paths that return what a document named.
CREATE FUNCTION orm_ext.model_graph_paths(tbl pg_catalog.regclass, doc pg_catalog.jsonb,
                                          relmap pg_catalog.jsonb, prefix pg_catalog.text, depth integer)
RETURNS SETOF pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rels jsonb := COALESCE(relmap -> (tbl::oid::text), '{}');
    k text;
    v jsonb;
    child jsonb;
BEGIN
    IF depth > 10 OR jsonb_typeof(doc) <> 'object' THEN
        RETURN;
    END IF;
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(doc) AS e LOOP
        CONTINUE WHEN NOT rels ? k;
        RETURN NEXT prefix || k;
        FOR child IN SELECT e FROM jsonb_array_elements(CASE jsonb_typeof(v) WHEN 'array' THEN v
                                                                               WHEN 'object' THEN jsonb_build_array(v)
                                                                               ELSE '[]' END) AS e LOOP
            RETURN QUERY SELECT * FROM orm_ext.model_graph_paths((rels -> k ->> 'target')::oid::regclass, child,
                                                                 relmap, prefix || k || '.', depth + 1);
        END LOOP;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_graph_paths(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text, integer) IS
    'the include paths of the relationships a _create_graph document names';

CREATE FUNCTION orm_ext.model_create_graph(tbl pg_catalog.regclass, doc pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
    relmap jsonb;
    rowdoc jsonb;
    paths text[];
    fetch_fn regprocedure;
    args text[] := '{}';
    c name;
    result jsonb;
BEGIN
    SELECT * INTO m FROM orm_ext.model_registry r WHERE r.model_table = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not a registered model', tbl USING ERRCODE = '55000';
    END IF;
    IF doc IS NULL THEN
        RAISE EXCEPTION '%_create_graph: the document must not be NULL', m.model_name USING ERRCODE = '22004';
    END IF;
    relmap := orm_ext.model_relationship_map();
    -- the columns of the tables the graph can reach, read once for all its rows
    WITH RECURSIVE reach(relid) AS (
        SELECT tbl::oid
        UNION
        SELECT (r.value ->> 'target')::oid
          FROM reach, jsonb_each(relmap -> (reach.relid::text)) AS r
    )
    SELECT relmap || jsonb_build_object('columns', jsonb_object_agg(reach.relid::text,
               (SELECT jsonb_agg(jsonb_build_object('name', i.column_name, 'server_owned', i.server_owned)
                                 ORDER BY i.attnum)
                  FROM orm_ext.model_column_info(reach.relid::regclass) i)))
      INTO relmap
      FROM reach;
    rowdoc := orm_ext.model_create_graph_row(tbl, doc, NULL, relmap, m.model_name, 0);
    paths := ARRAY(SELECT DISTINCT p FROM orm_ext.model_graph_paths(tbl, doc, relmap, '', 0) AS p ORDER BY 1);
    SELECT g.function INTO fetch_fn FROM orm_ext.model_generated_functions g
     WHERE g.model_table = tbl AND g.kind = 'fetch';
    FOREACH c IN ARRAY orm_ext.model_pk_columns(tbl) LOOP
        args := args || orm_ext.model_value_literal(tbl, c, rowdoc -> c::text);
    END LOOP;
    -- as _fetch returns it (NULL when the new row is not visible to the caller)
    EXECUTE format('SELECT %s(%s, %L::pg_catalog.text[])', fetch_fn::regproc, array_to_string(args, ', '), paths)
       INTO result;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION orm_ext.model_create_graph(pg_catalog.regclass, pg_catalog.jsonb) IS
    'engine of the generated _create_graph functions: creates a row with nested children and links in one statement, and returns it as _fetch with every relationship the document named';

-- The row a to-one or many-to-many document stands for: the existing row
-- when it holds just the target's primary key, else a new row created from
-- it (with what it nests).
CREATE FUNCTION orm_ext.model_graph_target(target pg_catalog.regclass, doc pg_catalog.jsonb,
                                           wanted pg_catalog.jsonb, relmap pg_catalog.jsonb,
                                           root pg_catalog.text, depth integer)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tpk name[] := orm_ext.model_pk_columns(target);
BEGIN
    IF (SELECT bool_and(doc ? c) FROM unnest(tpk) AS c)
       AND NOT EXISTS (SELECT FROM jsonb_object_keys(doc) AS k WHERE NOT k = ANY (tpk)) THEN
        RETURN orm_ext.model_graph_row_by_key(target, doc, wanted, root);
    END IF;
    RETURN orm_ext.model_create_graph_row(target, doc, NULL, relmap, root, depth + 1);
END;
$$;
COMMENT ON FUNCTION orm_ext.model_graph_target(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.jsonb, pg_catalog.text, integer) IS
    'for _create_graph: the existing row a document holding just a primary key links to, or the row created from any other document';
