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
      FROM regexp_matches(COALESCE(substring(comment FROM '(?n)^\s*@orm_ext\s+(.*)$'), ''),
                          '([a-z_]+)=([^\s]+)', 'g') AS kv
$$;
COMMENT ON FUNCTION orm_ext.model_directive(pg_catalog.text) IS
    'the key=value pairs of the "@orm_ext ..." line of a comment, as jsonb ({} without one)';

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
        alive := CASE WHEN tm.deleted_at_column IS NULL THEN ''
                      ELSE format(' AND t.%I IS NULL', tm.deleted_at_column) END;
        conds := '{}';
        args := '{}';
        label := format('orm_ext model %s: the %s relationship %s to model %s',
                        quote_ident(m.model_name), r.kind, quote_ident(r.name), quote_ident(tm.model_name));
        IF r.kind = 'many_to_many' THEN
            -- t: the far rows; a: the association rows of this row
            FOR n IN 1 .. cardinality(r.columns) LOOP
                conds := conds || format('a.%I OPERATOR(pg_catalog.=) $1.%I', r.through_columns[n], r.columns[n]);
            END LOOP;
            FOR n IN 1 .. cardinality(r.target_columns) LOOP
                conds := conds || format('a.%I OPERATOR(pg_catalog.=) t.%I', r.through_target_columns[n], r.target_columns[n]);
            END LOOP;
            body := format('SELECT t.* FROM %s AS t WHERE EXISTS (SELECT FROM %s AS a WHERE %s)%s ORDER BY %s',
                           trowtype, r.through, array_to_string(conds, ' AND '), alive,
                           (SELECT string_agg(format('t.%I', i.column_name), ', ' ORDER BY i.pk_position)
                              FROM orm_ext.model_column_info(r.target) i WHERE i.pk_position IS NOT NULL));
        ELSE
            FOR n IN 1 .. cardinality(r.columns) LOOP
                conds := conds || format('t.%I OPERATOR(pg_catalog.=) $1.%I', r.target_columns[n], r.columns[n]);
            END LOOP;
            body := format('SELECT t.* FROM %s AS t WHERE %s%s ORDER BY %s',
                           trowtype, array_to_string(conds, ' AND '), alive,
                           (SELECT string_agg(format('t.%I', i.column_name), ', ' ORDER BY i.pk_position)
                              FROM orm_ext.model_column_info(r.target) i WHERE i.pk_position IS NOT NULL));
        END IF;
        IF r.kind IN ('many_to_one', 'one_to_one') THEN
            -- to-one: the row, or NULL; by the target's primary key, the
            -- lookup of _get (model_row_get)
            IF r.target_columns = (SELECT array_agg(i.column_name ORDER BY i.pk_position)
                                     FROM orm_ext.model_column_info(r.target) i
                                    WHERE i.pk_position IS NOT NULL) THEN
                conds := '{}';
                args := '{}';
                FOR n IN 1 .. cardinality(r.columns) LOOP
                    conds := conds || format('t.%I OPERATOR(pg_catalog.=) $%s', r.target_columns[n], n);
                    args := args || format('$1.%I', r.columns[n]);
                END LOOP;
                body := format('SELECT orm_ext.model_row_get(%L, %L::pg_catalog.regclass, %L::pg_catalog.name, NULL::%s, %s)',
                               format('SELECT (t.*)::%s FROM %s AS t WHERE %s%s', trowtype, trowtype,
                                      array_to_string(conds, ' AND '), alive),
                               trowtype, tm.deleted_at_column, trowtype, array_to_string(args, ', '));
            ELSE
                body := format('SELECT (%s LIMIT 1)', replace(body, 'SELECT t.* FROM', format('SELECT (t.*)::%s FROM', trowtype)));
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
    IF EXISTS (SELECT FROM unnest(paths) AS p WHERE p ~ '(^|\.)\s*(\.|$)') THEN
        RAISE EXCEPTION '%_fetch: an include path has an empty relationship name', model
            USING ERRCODE = '22023', HINT = 'Write paths like ''posts'' or ''posts.comments''.';
    END IF;
    -- the first segments, each with the rest of its paths
    FOR seg IN
        SELECT x.head, array_remove(array_agg(x.tail ORDER BY x.n), NULL) AS tails,
               array_remove(array_agg(x.opts ORDER BY x.n), NULL) AS optlist
          FROM (SELECT p.n,
                       (regexp_match(split_part(p.path, '.', 1), '^\s*([^(]*?)\s*(\((.*)\))?\s*$'))[1] AS head,
                       (regexp_match(split_part(p.path, '.', 1), '^\s*([^(]*?)\s*(\((.*)\))?\s*$'))[3] AS opts,
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
                opt := regexp_match(item, '^\s*(limit|order)\s*=\s*(.*?)\s*$');
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
                    parts := regexp_match(opt[2], '^(.*?)(\s+(asc|desc))?$', 'i');
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
                    '%L, (SELECT COALESCE(pg_catalog.json_agg(%s ORDER BY %s), ''[]'') FROM %s(%s) AS %s)',
                    seg.head, sub, ord_sql, nav.function::regproc, me, child);
            ELSE
                -- the first lim rows in that order, then aggregated in it
                fields := fields || format(
                    '%L, (SELECT COALESCE(pg_catalog.json_agg(s.j ORDER BY s.n), ''[]'') FROM '
                    '(SELECT %s AS j, pg_catalog.row_number() OVER (ORDER BY %s) AS n FROM %s(%s) AS %s ORDER BY %s LIMIT %s) AS s)',
                    seg.head, sub, ord_sql, nav.function::regproc, me, child, ord_sql, lim);
            END IF;
        ELSIF cardinality(seg.tails) = 0 THEN
            -- a to-one leaf: the function's value itself (NULL stays NULL)
            fields := fields || format('%L, pg_catalog.row_to_json(%s(%s))', seg.head, nav.function::regproc, me);
        ELSE
            fields := fields || format('%L, (SELECT %s FROM %s(%s) AS %s WHERE NOT (%s.* IS NULL))',
                                       seg.head, sub, nav.function::regproc, me, child, child);
        END IF;
    END LOOP;
    -- json, not jsonb, while nesting (much cheaper to build); the caller
    -- casts the whole document once.  The row's columns come first; a
    -- relationship named like a column takes its place.
    RETURN format('pg_catalog.json_build_object(%s)',
                  array_to_string(ARRAY(SELECT format('%L, %s.%I', a.attname, me, a.attname)
                                          FROM pg_attribute a
                                         WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
                                           AND NOT a.attname = ANY (relnames)
                                         ORDER BY a.attnum) || fields, ', '));
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
        conds := conds || format('t0.%I OPERATOR(pg_catalog.=) $%s', c, n);
    END LOOP;
    IF m.deleted_at_column IS NOT NULL THEN
        conds := conds || format('t0.%I IS NULL', m.deleted_at_column);
    END IF;
    RETURN format('SELECT (%s)::pg_catalog.jsonb FROM %s AS t0 WHERE %s',
                  orm_ext.model_fetch_json(tbl, m.model_name, include, 0), tbl,
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
