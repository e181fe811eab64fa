import { registerMailJob, registerRunTask } from "~/jobs/runner.server";
import { AuditDigestPayload, auditDigestMail, enqueueAuditDigests } from "./audit-digest.server";
import { infoRequestedMail, InfoRequestedPayload } from "./info-request-mail.server";
import { runRetentionOnce } from "./retention.server";

/** Retention on every run, and the email a request for more information causes. */
export function registerReviewJobs() {
  // One instance at a time; a failure is logged and the emails still go.
  registerRunTask({
    name: "Retention",
    run: async () => {
      const { reports, dispatchesCoarsened, filesDeleted, filesFailed } = await runRetentionOnce({ exclusive: true });
      if (reports.length || filesFailed || dispatchesCoarsened) {
        console.log(
          `Retention: ${reports.length} reports purged, ${filesDeleted} files deleted, ${filesFailed} file deletions failed, ${dispatchesCoarsened} dispatch places coarsened`,
        );
      }
    },
  });
  // An attorney asked a report's author for more information: the email only says so.
  registerMailJob("info_requested", InfoRequestedPayload, (trx, p) => infoRequestedMail(trx, p.message_id));
  // Once a day, the audit log's head to every attorney, when it moved (a copy kept outside the database).
  registerRunTask({ name: "Audit digest", run: async () => void (await enqueueAuditDigests()) });
  registerMailJob("audit_digest", AuditDigestPayload, (trx, p) => auditDigestMail(trx, p));
}
