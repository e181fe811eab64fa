import type { Claims } from "~/db/client.server";

/**
 * Who a request says it is, found without the database: a local session token's hash (the
 * session is looked up with the person, in one statement), or claims from a verified JWT.
 */
export type Identity = { kind: "session"; tokenHash: string } | { kind: "jwt"; claims: Claims };

/**
 * A sign-in between asking for a code and typing it, as the asking browser remembers it. `codeId`
 * names the one code that browser may try, so no one else's request or guess touches it (security
 * review, finding 6); null where the provider keeps codes itself (Supabase).
 */
export interface PendingSignIn {
  email: string;
  codeId: string | null;
}

export type VerifyResult = { ok: true; userId: string } | { ok: false; reason: "invalid" | "attempts" };

/**
 * How people prove who they are. Two implementations: local (codes and sessions in our tables)
 * and Supabase Auth. Everything else in the app sees only `Claims`.
 */
export interface AuthProvider {
  readonly name: "local" | "supabase";
  /**
   * Sends a code when `email` belongs to an active, invited person; silently does nothing otherwise.
   * Returns the code's id for the asking browser alone, the same for known and unknown emails.
   */
  requestCode(email: string, language: "en" | "es"): Promise<string | null>;
  /** On success, appends the session cookie(s) to `headers`. */
  verifyCode(pending: PendingSignIn, code: string, request: Request, headers: Headers): Promise<VerifyResult>;
  /** What the request's cookies claim, checked without the database. May append refreshed cookies to `headers`. */
  identify(request: Request, headers: Headers): Promise<Identity | null>;
  /** The signed-in person's claims, or null. May append refreshed cookies to `headers`. */
  getClaims(request: Request, headers: Headers): Promise<Claims | null>;
  signOut(request: Request, headers: Headers): Promise<void>;
  /** Creates the account of an invited person; the database trigger gives them a profile and roles. */
  createUser(email: string): Promise<string>;
  /** Creates the accounts of invited people in bulk (an import); emails that have one already are left alone. */
  createUsers(emails: string[]): Promise<void>;
  /** Ends every session of a person at once. */
  revokeSessions(userId: string): Promise<void>;
  /** Lets a reactivated person sign in again. */
  restoreAccess(userId: string): Promise<void>;
}
