import { registerMailJob } from "~/jobs/runner.server";
import { invitationMail, InvitationPayload } from "./invitation-mail.server";

/** The invitation email, queued with every invitation and by "Send again". */
export function registerPeopleJobs() {
  registerMailJob("invitation", InvitationPayload, (trx, p) => invitationMail(trx, p.invitation_id));
}
