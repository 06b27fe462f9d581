-- Viewer tokens for publication: their aggregates suppress small cells.
ALTER TABLE api_tokens ADD COLUMN public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1));
