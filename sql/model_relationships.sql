--
-- Relationships between models, derived from foreign keys: the view and the
-- navigation functions, for the seeds' blog (users, posts, comments with
-- replies, tags through post_tags) and a one-to-one profile.
--
SET client_min_messages = warning;
CREATE SCHEMA blog;
CREATE TABLE blog.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, username text NOT NULL UNIQUE);
CREATE TABLE blog.profiles (user_id bigint PRIMARY KEY REFERENCES blog.users, bio text);
CREATE TABLE blog.posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES blog.users,
    title text NOT NULL,
    deleted_at timestamptz
);
CREATE TABLE blog.comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES blog.posts,
    parent_id bigint REFERENCES blog.comments,
    body text NOT NULL
);
CREATE TABLE blog.tags (id integer PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE blog.post_tags (
    post_id bigint REFERENCES blog.posts,
    tag_id integer REFERENCES blog.tags,
    PRIMARY KEY (post_id, tag_id)
);
SELECT count(orm_ext.model_register(t))
FROM unnest('{blog.users, blog.profiles, blog.comments, blog.tags}'::regclass[]) AS t;
SELECT orm_ext.model_register('blog.posts', '{"soft_delete": true}');
COMMENT ON CONSTRAINT comments_parent_id_fkey ON blog.comments IS '@orm_ext reverse=replies';

SELECT model, name, kind, target, columns, target_columns, through, through_columns, through_target_columns
FROM orm_ext.model_relationships ORDER BY model, name;
SELECT f.kind, f.function, pg_get_function_result(f.function::oid) AS returns
FROM orm_ext.model_functions f WHERE f.kind LIKE 'rel:%' ORDER BY f.function::text;

INSERT INTO blog.users (username) VALUES ('alice'), ('bob');
INSERT INTO blog.profiles VALUES (1, 'writes SQL');
INSERT INTO blog.posts (author_id, title) VALUES (1, 'first'), (1, 'second'), (2, 'third');
INSERT INTO blog.comments (post_id, parent_id, body) VALUES (1, NULL, 'nice'), (1, 1, 'thanks'), (1, 2, 'welcome');
INSERT INTO blog.tags VALUES (1, 'sql'), (2, 'python');
INSERT INTO blog.post_tags VALUES (1, 1), (1, 2), (3, 2);

SELECT u.username, (blog.users_profiles(u)).bio,
       ARRAY(SELECT p.title FROM blog.users_posts(u) AS p) AS posts
FROM blog.users AS u ORDER BY u.id;
SELECT c.body, (blog.comments_parent(c)).body AS parent,
       ARRAY(SELECT r.body FROM blog.comments_replies(c) AS r) AS replies,
       (blog.comments_post(c)).title AS post
FROM blog.comments AS c ORDER BY c.id;
SELECT t.name, ARRAY(SELECT p.title FROM blog.tags_posts(t) AS p) AS posts FROM blog.tags AS t ORDER BY t.id;
-- a soft-deleted post leaves its author's and its tags' lists
SELECT blog.posts_delete(1);
SELECT ARRAY(SELECT p.title FROM blog.users_posts(u) AS p) AS posts FROM blog.users AS u WHERE u.id = 1;
SELECT ARRAY(SELECT p.title FROM blog.tags_posts(t) AS p) AS posts FROM blog.tags AS t WHERE t.id = 2;
-- attribute notation, with the API schema on the search path
SET search_path = blog, public;
SELECT p.title, (p.posts_author).username FROM blog.posts AS p ORDER BY p.id;
RESET search_path;

-- _fetch: the graph in one statement, with options on to-many steps
SELECT jsonb_pretty(blog.users_fetch(1, '{posts, posts.comments, posts.comments.replies, posts.tags, profiles}'));
SELECT blog.posts_fetch(3, '{author, "comments(limit=1,order=id desc)"}');
SELECT blog.users_fetch(2, '{"posts(order=title desc)", posts.author}') -> 'posts';
SELECT blog.posts_fetch(1) IS NULL AS soft_deleted_is_null, blog.users_fetch(42) IS NULL AS absent_is_null;
-- _fetch_many: a page in primary key order, each row with its includes
SELECT blog.users_fetch_many(include => '{posts, profiles}', page_size => 1) AS page \gset
SELECT :'page'::jsonb -> 'items' AS first_page, :'page'::jsonb ->> 'next_cursor' IS NOT NULL AS has_next;
SELECT blog.users_fetch_many('{}', '{posts}', 1, :'page'::jsonb ->> 'next_cursor');
\set VERBOSITY terse
SELECT blog.users_fetch(1, '{posts.nope}');
SELECT blog.users_fetch(1, '{"posts(limit=0)"}');
SELECT blog.users_fetch(1, '{"profiles(limit=1)"}');
\set VERBOSITY default

-- _create_graph: a user with a profile, posts and tags (one new, one linked)
SELECT blog.users_create_graph('{"username": "carol", "profiles": {"bio": "new here"},
                                 "posts": [{"title": "hello", "tags": [{"id": 1}, {"id": 3, "name": "intro"}]}]}') AS graph \gset
SELECT jsonb_pretty(:'graph'::jsonb);
\set VERBOSITY terse
SELECT blog.users_create_graph('{"username": "dave", "posts": [{"title": "x", "tags": [{"id": 1, "name": "again"}]}]}');
SELECT blog.users_create_graph('{"username": "erin", "posts": [{"title": null}]}');
\set VERBOSITY default
SELECT count(*) AS users FROM blog.users;

-- DROP TABLE of the association table and of a target drops what used them
DROP TABLE blog.post_tags;
DROP TABLE blog.profiles;
SELECT model, name, kind FROM orm_ext.model_relationships ORDER BY model, name;
SELECT count(*) AS navigation_functions FROM orm_ext.model_functions WHERE kind LIKE 'rel:%';

SELECT count(orm_ext.model_unregister(m."table")) FROM orm_ext.models AS m;
DROP SCHEMA blog CASCADE;
