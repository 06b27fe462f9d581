-- The old casing is not restored: it was a mistake in the source list.
SELECT 1;
