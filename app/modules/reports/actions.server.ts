import { parseWithZod } from "@conform-to/zod";
import { data } from "@remix-run/node";
import { ReportError } from "./reports.server";
import { ReportSchema } from "./schema";

/** Parses a report form; bad input answers 400 with field errors and everything typed kept. */
export function parseReport(formData: FormData) {
  return parseWithZod(formData, { schema: ReportSchema });
}

type Submission = ReturnType<typeof parseReport>;

/** A refusal from the report module as field errors on the form (never a 500). */
export function reportErrorReply(submission: Submission, error: unknown) {
  if (!(error instanceof ReportError)) throw error;
  // The form never shows P2 text back to the browser once it was sent for sealing.
  const reply = submission.reply({ fieldErrors: { [error.field ?? "clientUuid"]: [error.messageKey] } });
  return data({ result: reply }, { status: error.status });
}
