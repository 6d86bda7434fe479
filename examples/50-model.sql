-- ============================================================================
-- orm_ext walkthrough: models (typed CRUD generated from the catalogs)
-- ============================================================================
-- The seeds' User with its TimestampMixin.  The server owns the id, the
-- timestamps and deleted_at; model_register() generates, in schema blog,
-- users_create/get/update/upsert/delete/list/page, with one parameter per
-- column the client writes, named and defaulting like the column.
CREATE SCHEMA blog;
CREATE TABLE blog.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(100),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
SELECT orm_ext.model_register('blog.users', '{"timestamps": true, "soft_delete": true}');
\df blog.users_*

-- Create: an omitted argument takes the column default, an explicit NULL is NULL.
-- Always call a generated function in FROM: (f(...)).* would call it once per column.
SELECT id, username, display_name, is_active FROM blog.users_create('alice', 'alice@example.com', 'Alice');
SELECT id, username, display_name, is_active FROM blog.users_create(username => 'bob', email => 'bob@example.com');
\set ON_ERROR_STOP 0
SELECT * FROM blog.users_create(username => 'carol', email => 'carol@example.com', is_active => NULL);  -- 23502
\set ON_ERROR_STOP 1

-- Update takes a JSON patch: only the columns it names change, and the
-- timestamps trigger moves updated_at.  Values are converted to the column's
-- type first; the server's columns are refused.
SELECT id, display_name, updated_at > created_at AS touched
FROM blog.users_update(2, '{"display_name": "Bob"}');
\set ON_ERROR_STOP 0
SELECT * FROM blog.users_update(2, '{"is_active": "maybe"}');         -- 22P02, names the column
SELECT * FROM blog.users_update(2, '{"created_at": "2020-01-01"}');   -- 428C9
\set ON_ERROR_STOP 1

-- Soft delete: the row stays, the generated functions no longer see it.
SELECT blog.users_delete(2) AS deleted;
SELECT blog.users_get(2) IS NULL AS hidden, blog.users_delete(2) AS deleted_again;
SELECT id, username, deleted_at IS NOT NULL AS soft_deleted FROM blog.users ORDER BY id;

-- Posts: client-chosen UUIDs and optimistic locking with a version column.
CREATE TABLE blog.posts (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    author_id bigint NOT NULL REFERENCES blog.users (id),
    title varchar(200) NOT NULL,
    slug varchar(200) NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
SELECT orm_ext.model_register('blog.posts', '{"timestamps": true, "soft_delete": true, "version": true}');
SELECT p.slug, p.status, p.version
FROM (VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e01'::uuid, 'Getting Started with SQLAlchemy 2.0', 'getting-started', 'published'),
             ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e02'::uuid, 'Advanced Querying Techniques', 'advanced-querying', 'draft'),
             ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e03'::uuid, 'Python Best Practices', 'python-best-practices', 'published'))
     AS i (id, title, slug, status),
     LATERAL blog.posts_create(id => i.id, author_id => 1, title => i.title, slug => i.slug, status => i.status) AS p;
SELECT title, status, version
FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e02', '{"status": "published", "version": 1}');
\set ON_ERROR_STOP 0
SELECT * FROM blog.posts_update('01a1fe93-87d8-7b9e-9cf9-1808e6b39e02', '{"title": "Stale", "version": 1}');  -- 40001
\set ON_ERROR_STOP 1

-- Upsert replaces the row with that key (last writer wins) and revives a
-- soft-deleted one.
SELECT blog.posts_delete('01a1fe93-87d8-7b9e-9cf9-1808e6b39e03') AS deleted;
SELECT title, version, deleted_at IS NULL AS alive
FROM blog.posts_upsert(id => '01a1fe93-87d8-7b9e-9cf9-1808e6b39e03', author_id => 1,
                       title => 'Python Best Practices, 2nd ed.', slug => 'python-best-practices');

-- Lists: a JSON filter, "column [asc|desc]" order (the key breaks ties), and
-- keyset pages whose cursor continues after the last row of the page.
SELECT title, status FROM blog.posts_list('{"status": "published", "title": {"ilike": "%sql%"}}');
SELECT slug, version FROM blog.posts_list(order_by => ARRAY['version desc', 'slug']);
SELECT blog.posts_page(order_by => ARRAY['slug'], page_size => 2) AS page \gset
SELECT jsonb_path_query_array(:'page'::jsonb, '$.items[*].slug') AS first_page;
SELECT jsonb_path_query_array(blog.posts_page(order_by => ARRAY['slug'], page_size => 2,
                                              after => :'page'::jsonb ->> 'next_cursor'),
                              '$.items[*].slug') AS second_page;

-- DDL regenerates the functions, in the same transaction.
ALTER TABLE blog.posts ADD COLUMN body text NOT NULL DEFAULT '';
SELECT pg_get_function_arguments('blog.posts_create'::regproc) AS posts_create_arguments;
SELECT model, "table", api_schema, deleted_at_column, version_column FROM orm_ext.models ORDER BY model;

-- Relationships come from the foreign keys: posts.author_id gives posts.author
-- and users.posts, each with a typed navigation function.
SELECT model, name, kind, target, columns, target_columns FROM orm_ext.model_relationships ORDER BY model, name;
SELECT p.slug, (blog.posts_author(p)).username AS author FROM blog.posts_list(order_by => ARRAY['slug']) AS p;
SELECT u.username, ARRAY(SELECT p.slug FROM blog.users_posts(u) AS p) AS posts FROM blog.users_list() AS u;
-- The user with their posts as one JSON document, in one statement (no N+1),
-- and a user created with two posts in one call (all or nothing).
SELECT jsonb_path_query_array(blog.users_fetch(1, '{"posts(limit=2,order=slug)"}'), '$.posts[*].slug') AS first_two_posts;
SELECT g ->> 'username' AS username, jsonb_path_query_array(g, '$.posts[*].title') AS posts
FROM blog.users_create_graph('{"username": "carol", "email": "carol@example.com",
                               "posts": [{"title": "Hello", "slug": "hello"}, {"title": "Again", "slug": "again"}]}') AS g;

-- DROP TABLE drops the functions and forgets the model.
DROP TABLE blog.posts, blog.users;
SELECT count(*) AS models_left, (SELECT count(*) FROM pg_proc WHERE pronamespace = 'blog'::regnamespace) AS functions_left
FROM orm_ext.models;
DROP SCHEMA blog;
