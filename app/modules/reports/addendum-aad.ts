/**
 * The associated data a sealed addendum is bound to (ADR 023): its report and its own id, so its
 * box opens only as that addendum of that report. supabase/migrations/*_sealed_addenda.sql says the
 * same in SQL (for sharing and recovery). Its own module: the report page's browser code needs it
 * without the schema (zod stays off that page).
 */
export const addendumAad = (reportId: string, addendumId: string) => `addendum:${reportId}:${addendumId}`;
