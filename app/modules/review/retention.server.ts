import { sql, withSystem } from "~/db/client.server";
import { fileStore } from "~/integrations/file-store.server";

// Retention (see private.purge_due_reports in the review migration): closed cases past the
// organisation's retention period, without a legal hold, lose their exact location, their sealed
// details and their media. The database does its part in one transaction; the media files are
// deleted from the file store only after that commits. Should a file deletion fail, what stays
// behind is ciphertext whose only key envelopes were just deleted with the media rows.

/** One instance at a time purges; the others skip (the purge itself would also be safe). */
const RETENTION_LOCK = "testigo.purge_due_reports";

export interface RetentionResult {
  /** false: another instance held the lock, nothing was done */
  ran: boolean;
  reports: string[];
  /** Dispatches to a map point (or whose report is gone) whose place was coarsened. */
  dispatchesCoarsened: number;
  filesDeleted: number;
  filesFailed: number;
}

export async function runRetentionOnce(options: { limit?: number; exclusive?: boolean } = {}): Promise<RetentionResult> {
  const { limit = 100, exclusive = false } = options;
  const purged = await withSystem(async (trx) => {
    if (exclusive) {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${RETENTION_LOCK})) as locked`.execute(trx);
      if (!rows[0]?.locked) return null;
    }
    const { rows } = await sql<{ report_id: string; storage_key: string | null }>`
      select report_id, storage_key from private.purge_due_reports(${limit}::integer)`.execute(trx);
    const keys = [...new Set(rows.flatMap((r) => (r.storage_key ? [r.storage_key] : [])))];
    // A file another report still points at (the same ciphertext uploaded twice) stays.
    const shared = keys.length
      ? await trx.selectFrom("report_media").select("storage_key").distinct().where("storage_key", "in", keys).execute()
      : [];
    const stillUsed = new Set(shared.map((r) => r.storage_key));
    const coarsened = await sql<{ n: number }>`select private.coarsen_old_dispatches(${limit}::integer) as n`.execute(trx);
    return {
      dispatchesCoarsened: coarsened.rows[0]?.n ?? 0,
      reports: rows.filter((r) => r.storage_key === null).map((r) => r.report_id),
      keys: keys.filter((k) => !stillUsed.has(k)),
    };
  });
  if (!purged) return { ran: false, reports: [], dispatchesCoarsened: 0, filesDeleted: 0, filesFailed: 0 };

  let filesDeleted = 0;
  let filesFailed = 0;
  const store = fileStore();
  for (const key of purged.keys) {
    try {
      await store.delete(key);
      filesDeleted += 1;
    } catch {
      filesFailed += 1;
    }
  }
  return { ran: true, reports: purged.reports, dispatchesCoarsened: purged.dispatchesCoarsened, filesDeleted, filesFailed };
}
