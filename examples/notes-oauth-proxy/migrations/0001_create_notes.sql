-- Portable SQL: runs unchanged on SQLite (dev) and PostgreSQL (production).
CREATE TABLE notes (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);
CREATE INDEX notes_created_at ON notes (created_at);
