/** Table types for Kysely (`ctx.db`). Keep in step with migrations/. */
export interface Database {
  notes: NotesTable;
}

export interface NotesTable {
  id: string;
  title: string;
  body: string;
  /** JSON array of strings: SQLite has no array type, and this stays portable to PostgreSQL. */
  tags: string;
  /** ISO 8601 timestamp; text sorts chronologically. */
  created_at: string;
}
