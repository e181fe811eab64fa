import { registerMailJob } from "~/jobs/runner.server";
import { DispatchAlertPayload, dispatchAlertMail } from "./dispatch-mail.server";

/** A coordinator sent observers: the alert by email to each recipient. */
export function registerDispatchJobs() {
  registerMailJob("dispatch_alert", DispatchAlertPayload, (trx, p) => dispatchAlertMail(trx, p.dispatch_id, p.observer_id));
}
