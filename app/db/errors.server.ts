/**
 * One error protocol from the database to the page. The SQL refuses what a person may not do with
 * `raise '<i18n key>' using errcode = 'TS4xx'` (TS400, TS403, TS404, TS409); the app turns that into a
 * DomainError: an HTTP status, the same i18n key, and the form field it belongs to when there is one.
 * Modules throw DomainErrors for their own refusals too; routes render them (field error, notice
 * or a thrown Response), never a 500.
 */

export type DomainStatus = 400 | 403 | 404 | 409 | 413;

/** A refusal a person can cause: the HTTP status, the i18n key of its message, and (optionally) the field. */
export class DomainError extends Error {
  override name = "DomainError";
  constructor(
    readonly status: DomainStatus,
    readonly messageKey: string,
    readonly field?: string,
  ) {
    super(messageKey);
  }
}

/** What node-postgres tells us of a failed statement. */
export interface DatabaseError {
  code?: string;
  message?: string;
  constraint?: string;
}

/** The SQLSTATE of a database error (or the `code` of an auth provider's), if any. */
export const sqlState = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null ? (error as DatabaseError).code : undefined;

const STATUS_OF: Record<string, DomainStatus> = { TS400: 400, TS403: 403, TS404: 404, TS409: 409 };

/**
 * A module's own reading of database errors that are not `TS4xx` (a named constraint, a bad uuid),
 * asked first; return undefined to fall through to the shared mapping.
 */
export type Refusals = (error: DatabaseError, field?: string) => DomainError | undefined;

export interface GuardOptions {
  /** The form field the refusal belongs to. */
  field?: string;
  also?: Refusals;
}

/**
 * The DomainError a database error stands for, or undefined when it is not one a person can cause
 * (then the caller rethrows it and it is a 500, as it should be).
 */
export function domainErrorFrom(error: unknown, { field, also }: GuardOptions = {}): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (typeof error !== "object" || error === null) return undefined;
  const dbError = error as DatabaseError;
  const refined = also?.(dbError, field);
  if (refined) return refined;
  const { code, message } = dbError;
  if (code && STATUS_OF[code] && message) return new DomainError(STATUS_OF[code], message, field);
  // Row-level security or a missing grant: the policy said no.
  if (code === "42501") return new DomainError(403, "errors.forbidden");
  // Lock contention that PostgreSQL resolved by giving up on this transaction: safe to try again.
  if (code === "40P01" || code === "40001") return new DomainError(409, "errors.busy");
  return undefined;
}

/** Runs `fn`, turning the database's refusals into DomainErrors; anything else passes through. */
export async function guarded<T>(fn: () => Promise<T>, options?: GuardOptions): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw domainErrorFrom(error, options) ?? error;
  }
}
