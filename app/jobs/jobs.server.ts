import { registerDispatchJobs } from "~/modules/dispatch/jobs.server";
import { registerLiveJobs } from "~/modules/live/jobs.server";
import { registerPeopleJobs } from "~/modules/people/jobs.server";
import { registerPushJobs } from "~/modules/push/jobs.server";
import { registerReportJobs } from "~/modules/reports/jobs.server";
import { registerReviewJobs } from "~/modules/review/jobs.server";
import { registerShiftJobs } from "~/modules/shifts/jobs.server";

// Every module's jobs, registered once when the runner is first imported. The order is the order
// of each run's tasks: reminders are enqueued first, then retention purges, then the live checks
// raise safety alerts so their emails go out in the same run. A module with jobs of its own adds
// its line here; the runner (./runner.server.ts) knows no module.
registerShiftJobs();
registerReviewJobs();
registerReportJobs();
registerLiveJobs();
registerDispatchJobs();
registerPeopleJobs();
registerPushJobs();

export { runJobsOnce, startJobRunner, type JobCounts } from "./runner.server";
