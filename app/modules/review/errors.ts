/** A refusal an attorney can cause, with the i18n key of its message and (optionally) the field. */
export class ReviewError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413,
    readonly messageKey: string,
    readonly field?: string,
  ) {
    super(messageKey);
  }
}

const STATUS_OF: Record<string, 403 | 404 | 409> = { TS403: 403, TS404: 404, TS409: 409 };

/** Maps the database's refusals (SQLSTATE TS403/TS404/TS409 with an i18n key) to a ReviewError. */
export function asReviewError(error: unknown, field?: string): unknown {
  const { code, message } = error as { code?: string; message?: string };
  if (code && STATUS_OF[code] && message) return new ReviewError(STATUS_OF[code], message, field);
  if (code === "42501") return new ReviewError(403, "errors.forbidden");
  if (code === "22P02" || code === "22008" || code === "23514") return new ReviewError(400, "review.errors.invalid", field);
  // A row that names a report (or anything else) that does not exist.
  if (code === "23503") {
    const { constraint } = error as { constraint?: string };
    return constraint?.endsWith("_report_id_fkey") ? new ReviewError(404, "errors.notFound") : new ReviewError(400, "review.errors.invalid", field);
  }
  if (code === "40P01" || code === "40001") return new ReviewError(409, "errors.busy");
  return error;
}
