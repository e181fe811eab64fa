import { registerMailJob, registerRunTask } from "~/jobs/runner.server";
import { runLiveChecks } from "./live.server";
import { safetyCheckMail, SafetyCheckPayload } from "./safety-mail.server";

/** The live checks on every run, and the "are you OK?" emails they cause. */
export function registerLiveJobs() {
  registerRunTask({
    name: "Live checks",
    run: async () => {
      await runLiveChecks();
    },
  });
  // "Are you OK?" to an observer who missed a check-in or a check-out.
  registerMailJob("safety_check", SafetyCheckPayload, (trx, p) => safetyCheckMail(trx, p.alert_id));
}
