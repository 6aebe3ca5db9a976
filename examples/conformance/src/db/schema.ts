/**
 * Your Kysely table types: one property per table, e.g.
 *   notes: { id: Generated<number>; text: string; created_at: string };
 * Handlers get a typed `ctx.db` from it. Migrations live in migrations/*.sql.
 */
export interface Database {}
