/**
 * The associated data a sealed note is bound to (security review, finding 13): since aad_v 2 the
 * note's own id, so a note's box opens only as that note; aad_v 1 (notes sealed before) the
 * report's id, shared by all its notes. supabase/migrations/*_note_aad.sql says the same in SQL.
 */
export const noteAad = (reportId: string, noteId: string, version: number) => (version === 2 ? `note:${noteId}` : `${reportId}:note`);
export const NOTE_AAD_VERSION = 2;
