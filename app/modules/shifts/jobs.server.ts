import { sql, withSystem } from "~/db/client.server";
import { registerMailJob, registerRunTask } from "~/jobs/runner.server";
import { SeriesChangedPayload, seriesChangedMail } from "./series-mail.server";
import { SHIFT_MAIL_KINDS, shiftMail, ShiftMailPayload } from "./shift-mail.server";

/** One instance at a time adds the due reminders; the others go straight to sending. */
const ENQUEUE_LOCK = "testigo.enqueue_due_reminders";

/** Shift emails, and the reminders each run adds when they fall due. */
export function registerShiftJobs() {
  registerRunTask({
    name: "Reminders",
    // When even this fails (the database is out of reach), the run ends here; the next tick tries again.
    onFailure: "ends-run",
    run: async () => {
      await withSystem((trx) =>
        sql`select private.enqueue_due_reminders() where pg_try_advisory_xact_lock(hashtext(${ENQUEUE_LOCK}))`.execute(trx),
      );
    },
  });
  for (const kind of SHIFT_MAIL_KINDS) registerMailJob(kind, ShiftMailPayload, (trx, payload) => shiftMail(trx, kind, payload));
  // One notice per person and series edit, listing their shifts (ADR 030).
  registerMailJob("series_changed", SeriesChangedPayload, seriesChangedMail);
}
