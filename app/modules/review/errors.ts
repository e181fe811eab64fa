import { DomainError, type GuardOptions } from "~/db/errors.server";

/**
 * The review functions' readings of database errors beyond the shared `TS4xx` ones: a value the
 * database cannot take is the attorney's bad input, and a row naming a report that does not exist
 * is a 404.
 */
export const REVIEW_REFUSALS: GuardOptions = {
  also: ({ code, constraint }, field) => {
    if (code === "22P02" || code === "22008" || code === "23514") return new DomainError(400, "review.errors.invalid", field);
    if (code === "23503") {
      return constraint?.endsWith("_report_id_fkey") ? new DomainError(404, "errors.notFound") : new DomainError(400, "review.errors.invalid", field);
    }
    return undefined;
  },
};
