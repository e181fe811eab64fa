import { registerMailJob } from "~/jobs/runner.server";
import { RecipientsChangedPayload, recipientsChangedMail } from "./recipients-mail.server";

/** The email every change of whom sealed data goes to causes (to each attorney and admin). */
export function registerReportJobs() {
  registerMailJob("recipients_changed", RecipientsChangedPayload, (trx, p) => recipientsChangedMail(trx, p));
}
