// What the hotline's pages need on the client, without zod (their bundles stay small): the
// choices of the forms and the list's filters (docs/decisions/025-hotline-intake.md).

/** How many people named the form offers slots for. */
export const NAMED_SLOTS = 3;
export const SITUATIONS = ["detained", "at_risk"] as const;
export const SETTLED = ["confirmed", "false_alarm"] as const;
export const VERIFICATIONS = ["unconfirmed", ...SETTLED] as const;
export const STATUSES = ["new", "in_review", "follow_up", "referred", "closed"] as const;
export const REASON_MAX = 500;

/** The list's filters, from the query string; anything unknown is no filter. */
export function intakeFilters(params: URLSearchParams) {
  const status = params.get("status");
  const verification = params.get("verification");
  return {
    status: (STATUSES as readonly string[]).includes(status ?? "") ? (status as (typeof STATUSES)[number]) : null,
    verification: (VERIFICATIONS as readonly string[]).includes(verification ?? "") ? (verification as (typeof VERIFICATIONS)[number]) : null,
  };
}
