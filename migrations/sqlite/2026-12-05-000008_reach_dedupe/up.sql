-- As on PostgreSQL, pruning (every ten minutes, rows older than an hour)
-- reads the table, which holds an hour of writes: the index on `at` cost
-- every write. SQLite keeps one row per write (it has no transaction id to
-- tell a same-transaction row from an earlier committed one).
DROP INDEX reach_changes_at;
