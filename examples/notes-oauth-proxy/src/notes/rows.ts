import type { Selectable } from 'kysely';
import type { NotesTable } from '../db/schema.js';

export interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  createdAt: string;
}

export function toNote(row: Selectable<NotesTable>): Note {
  return { id: row.id, title: row.title, body: row.body, tags: JSON.parse(row.tags) as string[], createdAt: row.created_at };
}

/** Escapes LIKE wildcards so user text matches literally (used with `ESCAPE '\'`). */
export function likePattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

/** A LIKE pattern for values starting with `text`, taken literally (used with `ESCAPE '\'`). */
export function likePrefix(text: string): string {
  return `${escapeLike(text)}%`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
