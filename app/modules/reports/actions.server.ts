import { parseWithZod } from "@conform-to/zod";
import { data } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { ReportSchema } from "./schema";

/** Parses a report form; bad input answers 400 with field errors and everything typed kept. */
export function parseReport(formData: FormData) {
  return parseWithZod(formData, { schema: ReportSchema });
}

type Submission = ReturnType<typeof parseReport>;

/** A refusal from the report module as field errors on the form (never a 500). */
export function reportErrorReply(submission: Submission, error: unknown) {
  if (!(error instanceof DomainError)) throw error;
  // Without JavaScript the typed values go back into the same person's form (nothing typed is
  // lost); they are never stored or logged. With JavaScript P2 arrived sealed, so there is none.
  const reply = submission.reply({ fieldErrors: { [error.field ?? "clientUuid"]: [error.messageKey] } });
  return data({ result: reply }, { status: error.status });
}
