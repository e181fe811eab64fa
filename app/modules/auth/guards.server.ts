import { redirect, type AppLoadContext } from "@remix-run/node";
import { literal, PersonLookup, queryAsLogin, SharedReads, withSharedReads, type Actor, type Claims } from "~/db/client.server";
import type { AppRole } from "~/db/types";
import { authProvider, type Identity } from "./provider.server";
import { sha256 } from "./crypto.server";
import { signInKey } from "./still-signed-in.server";
import { HEX_64, UUID } from "~/utils/misc";

export interface CurrentUser {
  claims: Claims;
  id: string;
  email: string;
  displayName: string;
  preferredLanguage: "en" | "es";
  trainingDate: string | null;
  roles: AppRole[];
}

interface PersonRow {
  id: string;
  email: string;
  display_name: string;
  preferred_language: string;
  training_date: string | null;
  roles: AppRole[] | string;
}

const ASSET_SIGN_IN_MS = 30_000;
const MAX_RECENT_SIGN_INS = 5_000;
/** Sign-in keys (never tokens: keys are hashes or subject ids) → when last found standing; oldest first. */
const recentSignIns = new Map<string, number>();

/**
 * One request's view of who is signed in (docs/decisions/012-request-pipeline.md). Made by
 * `getLoadContext` in server.ts for every request, so the root loader, the route's loaders and
 * its action resolve the person once, in one statement, and share one read-only transaction
 * that the server ends when the response is done.
 */
export class RequestContext {
  /** Cookies the auth provider refreshed; the root loader sends them. */
  readonly headers = new Headers();
  #user: Promise<CurrentUser | null> | undefined;
  #identity: Identity | null = null;
  #reads: SharedReads | null = null;
  #ended = false;
  readonly #shareReads: boolean;

  constructor(options: { shareReads: boolean }) {
    this.#shareReads = options.shareReads;
  }

  user(request: Request): Promise<CurrentUser | null> {
    this.#user ??= this.#resolve(request);
    return this.#user;
  }

  /**
   * The key of the sign-in the person was found by (app/modules/auth/still-signed-in.server.ts),
   * once `user()` has found them: what a long-lived response re-checks.
   */
  signInKey(): string | null {
    return this.#identity ? signInKey(this.#identity) : null;
  }

  /**
   * Whether someone is signed in, for the many small assets a page loads (map tiles): a sign-in
   * found within the last 30 s in this instance is taken as standing without asking the database
   * again, so a map of 20 tiles costs one lookup, not 20. A sign-out or deactivation reaches these
   * assets within 30 s (the pages and actions themselves always ask).
   */
  async signedInForAssets(request: Request, now = Date.now()): Promise<boolean> {
    const identity = await (await authProvider()).identify(request, this.headers);
    const key = identity ? signInKey(identity) : null;
    if (!key) return false;
    const seen = recentSignIns.get(key);
    if (seen !== undefined && now - seen < ASSET_SIGN_IN_MS) return true;
    const user = await this.user(request);
    if (!user) {
      recentSignIns.delete(key);
      return false;
    }
    if (recentSignIns.size >= MAX_RECENT_SIGN_INS) recentSignIns.delete(recentSignIns.keys().next().value!);
    recentSignIns.delete(key);
    recentSignIns.set(key, now);
    return true;
  }

  /**
   * What names this sign-in (not the person) for as long as it lasts: push subscriptions made
   * under it are deleted when it signs out. A hash, so the table holds nothing a session is made of.
   */
  sessionKey(): string | null {
    const identity = this.#identity;
    if (!identity) return null;
    if (identity.kind === "session") return HEX_64.test(identity.tokenHash) ? sha256(`s:${identity.tokenHash}`) : null;
    const { sub, session_id: sessionId } = identity.claims as { sub?: unknown; session_id?: unknown };
    if (typeof sessionId === "string" && sessionId) return sha256(`j:${sessionId}`);
    return typeof sub === "string" && UUID.test(sub) ? sha256(`j:${sub}`) : null;
  }

  /** Ends the shared reads; later reads with the person's claims get transactions of their own. */
  async end(): Promise<void> {
    this.#ended = true;
    await this.#user?.catch(() => null);
    await this.#reads?.end();
  }

  /**
   * Who an action's write acts as. The claims when the person is already known; otherwise a
   * PersonLookup, which the write's own transaction runs with `begin` in its first round trip
   * (a claim then costs one round trip, not two), and which tells this context whom it found, for
   * the loaders that run after the action. Null when the request carries no sign-in at all. A
   * write given a lookup that finds nobody throws NotSignedIn, having run as no one.
   */
  async actor(request: Request): Promise<Claims | PersonLookup<PersonRow> | null> {
    if (this.#user) return (await this.#user)?.claims ?? null;
    const identity = await (await authProvider()).identify(request, this.headers);
    const lookup = identity ? personLookup(identity) : null;
    if (!identity || !lookup) return null;
    this.#identity = identity;
    return new PersonLookup<PersonRow>(settingClaims(identity, lookup), (row) => {
      this.#user ??= Promise.resolve(row ? this.#later(row, claimsOf(identity, row)) : null);
    });
  }

  async #resolve(request: Request): Promise<CurrentUser | null> {
    const identity = await (await authProvider()).identify(request, this.headers);
    if (!identity) return null;
    this.#identity = identity;
    const lookup = personLookup(identity);
    if (!lookup) return null;
    // Not for the reads of a page (an action's, or outside a request): the person alone, in
    // one statement outside any transaction. An action's loaders then share reads begun later.
    if (!this.#shareReads || this.#ended || !["GET", "HEAD"].includes(request.method)) {
      const [row] = await queryAsLogin<PersonRow>(`select p.* from ${lookup} p`);
      return row ? this.#later(row, claimsOf(identity, row)) : null;
    }
    const { row, reads } = await SharedReads.open<PersonRow>(settingClaims(identity, lookup), (found) => claimsOf(identity, found));
    if (!row || !reads) return null;
    this.#reads = reads;
    if (this.#ended) void reads.end();
    return personOf(row, withSharedReads(claimsOf(identity, row), reads));
  }

  /** The person found outside the shared reads: the loaders after an action share reads begun later. */
  #later(row: PersonRow, claims: Claims): CurrentUser {
    if (!this.#shareReads || this.#ended) return personOf(row, claims);
    this.#reads ??= SharedReads.later(claims);
    return personOf(row, withSharedReads(claims, this.#reads));
  }
}

const claimsOf = (identity: Identity, row: PersonRow): Claims =>
  identity.kind === "jwt" ? identity.claims : { sub: row.id, email: row.email, role: "authenticated" };

/**
 * The statement that finds the person and sets the transaction's claims and role to the claims of
 * the row it returns: only for a row, so a transaction without one never ran as anyone.
 */
function settingClaims(identity: Identity, lookup: string): string {
  const claimsSql =
    identity.kind === "jwt"
      ? literal(JSON.stringify(identity.claims))
      : `json_build_object('sub', p.id, 'email', p.email, 'role', 'authenticated')::text`;
  return `select p.*, set_config('request.jwt.claims', ${claimsSql}, true) is not null as claims_set, set_config('role', 'authenticated', true) is not null as role_set from ${lookup} p`;
}

/**
 * The set-returning function that finds the person, with its argument checked and quoted. It runs
 * as the requests' login, before the role `authenticated` is taken: these two are all of the
 * private schema that login may call (security definer, docs/decisions/017-request-login.md).
 */
function personLookup(identity: Identity): string | null {
  if (identity.kind === "session") return HEX_64.test(identity.tokenHash) ? `private.session_person(${literal(identity.tokenHash)})` : null;
  const sub = identity.claims.sub;
  return typeof sub === "string" && UUID.test(sub) ? `private.active_person(${literal(sub)}::uuid)` : null;
}

function personOf(row: PersonRow, claims: Claims): CurrentUser {
  const roles = Array.isArray(row.roles) ? row.roles : parseArray(row.roles);
  return {
    claims,
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    preferredLanguage: row.preferred_language === "es" ? "es" : "en",
    trainingDate: row.training_date,
    roles: [...roles].sort() as AppRole[],
  };
}

/** An enum array arrives as PostgreSQL's text form (`{admin,observer}`): its values are plain words. */
function parseArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, "");
  return inner ? inner.split(",") : [];
}

/**
 * Where the load context holds the request context. server.ts gives every request an empty
 * holder; the app's code (the server build, which has its own copies of these modules) fills it
 * on first use, and server.ts ends it when the response is closed.
 */
export interface RequestScope {
  context?: { end(): Promise<void> };
  /**
   * Set by server.ts when the response is closed. Remix may still run loaders after that (the
   * client went away first): their context then shares nothing, since nobody would end it.
   */
  closed?: boolean;
}

/**
 * The request's context from Remix's load context. Called without one (a test calling a route
 * module directly), each call gets a context of its own that shares nothing and holds nothing open.
 */
export function requestContext(context?: AppLoadContext): RequestContext {
  const scope = context?.requestScope;
  if (!scope) return new RequestContext({ shareReads: false });
  scope.context ??= new RequestContext({ shareReads: !scope.closed });
  return scope.context as RequestContext;
}
/** The signed-in person, or null. */
export function getUser(request: Request, context?: AppLoadContext): Promise<CurrentUser | null> {
  return requestContext(context).user(request);
}

/** To the sign-in page, and back to this page after. */
export function loginRedirect(request: Request): Response {
  const url = new URL(request.url);
  const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
  return redirect(`/login?${params}`);
}

export async function requireUser(request: Request, context?: AppLoadContext): Promise<CurrentUser> {
  const user = await getUser(request, context);
  if (!user) throw loginRedirect(request);
  return user;
}

/**
 * Who an action's one write acts as (RequestContext.actor): the person is found by the write's
 * own transaction. Redirects to sign in when the request carries no sign-in; the write itself
 * throws NotSignedIn when that sign-in no longer stands: answer it with `loginRedirect`.
 */
export async function requireActor(request: Request, context?: AppLoadContext): Promise<Actor> {
  const actor = await requestContext(context).actor(request);
  if (!actor) throw loginRedirect(request);
  return actor;
}

/** UX guard only: RLS still decides what the person can read and change. */
export async function requireRole(request: Request, context: AppLoadContext | undefined, ...roles: AppRole[]): Promise<CurrentUser> {
  const user = await requireUser(request, context);
  if (!roles.some((role) => user.roles.includes(role))) {
    throw new Response("Forbidden", { status: 403 });
  }
  return user;
}

export const hasRole = (user: Pick<CurrentUser, "roles"> | null | undefined, role: AppRole) =>
  Boolean(user?.roles.includes(role));
