import type { AppLoadContext } from "@remix-run/node";
import net from "node:net";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { NotSignedIn, PersonLookup, readAsUser, sql, withSystem, withUser } from "~/db/client.server";
import { createPersona, type Persona } from "../../../tests/setup/personas";
import { sessionCookie } from "./cookies.server";
import { newSessionToken, sha256 } from "./crypto.server";
import { getUser, requestContext, requireRole, type RequestScope } from "./guards.server";

// The request context (docs/decisions/012-request-pipeline.md): the person found once per request
// in one statement, and the loaders' reads in one read-only transaction shared through RLS.

let ana: Persona;
let luis: Persona;

async function cookieFor(persona: Persona, options: { expired?: boolean } = {}) {
  const token = newSessionToken();
  await withSystem((trx) =>
    trx
      .insertInto("private.sessions")
      .values({ token_hash: sha256(token), user_id: persona.id, expires_at: sql<Date>`now() + ${options.expired ? "-1 minute" : "1 day"}::interval` })
      .execute(),
  );
  return (await sessionCookie().serialize(token)).split(";")[0]!;
}

const scopes: RequestScope[] = [];
/** A load context as server.ts makes one, ended after each test as server.ts ends it. */
function loadContext(): AppLoadContext {
  const scope: RequestScope = {};
  scopes.push(scope);
  return { cspNonce: "n", clientKey: "k", requestScope: scope };
}

const requestActor = (request: Request, context: AppLoadContext) => requestContext(context).actor(request);

/** The socket writes `fn` makes, and its result: one write is one round trip, everything sent at once. */
async function countWrites<T>(fn: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const single = vi.spyOn(net.Socket.prototype as unknown as { _write: () => void }, "_write");
  const many = vi.spyOn(net.Socket.prototype as unknown as { _writev: () => void }, "_writev");
  try {
    const result = await fn();
    return { result, writes: single.mock.calls.length + many.mock.calls.length };
  } finally {
    single.mockRestore();
    many.mockRestore();
  }
}

const get = (cookie: string, method = "GET") => new Request("http://localhost/shifts", { method, headers: { Cookie: cookie } });

/** What identifies a transaction from inside it: its backend and its start time. */
const whichTransaction = (trx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
  sql<{ pid: number; started: string; me: string | null }>`select pg_backend_pid() as pid, now()::text as started, auth.uid()::text as me`
    .execute(trx)
    .then((r) => r.rows[0]!);

beforeAll(async () => {
  ana = await createPersona("context_ana", ["observer"], { trainingDate: "2026-01-15" });
  luis = await createPersona("context_luis", ["attorney", "admin"]);
});

afterEach(async () => {
  await Promise.all(scopes.splice(0).map((s) => s.context?.end()));
});

describe("the request context", () => {
  it("finds the person once for every loader of a request, with profile and roles", async () => {
    const context = loadContext();
    const request = get(await cookieFor(luis));
    const [a, b] = await Promise.all([getUser(request, context), getUser(request, context)]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ id: luis.id, email: luis.email, displayName: "context_luis", roles: ["admin", "attorney"], preferredLanguage: "en" });
    expect(a!.claims).toEqual({ sub: luis.id, email: luis.email, role: "authenticated" });
    // Another request is another context: found again.
    expect(await getUser(request, loadContext())).not.toBe(a);
  });

  it("shares one read-only transaction between the loaders, as the person", async () => {
    const context = loadContext();
    const user = (await getUser(get(await cookieFor(ana)), context))!;
    const [root, route] = await Promise.all([readAsUser(user.claims, whichTransaction), readAsUser(user.claims, whichTransaction)]);
    expect(root).toEqual(route);
    expect(root.me).toBe(ana.id);
    const own = await withUser(user.claims, whichTransaction);
    expect(own.started).not.toBe(root.started);
    await expect(readAsUser(user.claims, (trx) => sql`insert into public.zones (name, geometry) values ('x', '{}')`.execute(trx))).rejects.toMatchObject({
      code: "25006",
    });
  });

  it("keeps one loader's failed statement from failing another's reads", async () => {
    const context = loadContext();
    const user = (await getUser(get(await cookieFor(ana)), context))!;
    const [bad, good] = await Promise.allSettled([
      readAsUser(user.claims, (trx) => sql`select 'not a uuid'::uuid`.execute(trx)),
      readAsUser(user.claims, whichTransaction),
    ]);
    expect(bad.status).toBe("rejected");
    expect(good).toMatchObject({ status: "fulfilled", value: { me: ana.id } });
    // And reads after it work too.
    expect((await readAsUser(user.claims, whichTransaction)).me).toBe(ana.id);
  });

  it("after the request ends, reads get transactions of their own, and the shared one refuses statements", async () => {
    const context = loadContext();
    const user = (await getUser(get(await cookieFor(ana)), context))!;
    let held: Parameters<Parameters<typeof withUser>[1]>[0] | undefined;
    const during = await readAsUser(user.claims, async (trx) => {
      held = trx;
      return whichTransaction(trx);
    });
    await requestContext(context).end();
    const after = await readAsUser(user.claims, whichTransaction);
    expect(after.me).toBe(ana.id);
    expect(after.started).not.toBe(during.started);
    await expect(whichTransaction(held!)).rejects.toThrow(/transaction is over/);
  });

  it("ends only when the reads inside it are done", async () => {
    const context = loadContext();
    const user = (await getUser(get(await cookieFor(ana)), context))!;
    const slow = readAsUser(user.claims, async (trx) => {
      await sql`select pg_sleep(0.2)`.execute(trx);
      return whichTransaction(trx);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await requestContext(context).end();
    expect((await slow).me).toBe(ana.id);
  });

  it("an action finds the person without holding a transaction open", async () => {
    const context = loadContext();
    const user = (await getUser(get(await cookieFor(ana), "POST"), context))!;
    expect(user.id).toBe(ana.id);
    const { rows } = await withSystem((trx) =>
      sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'idle in transaction'`.execute(trx),
    );
    expect(rows[0]!.n).toBe(0);
    // Its loaders' reads still share one transaction, begun with the first of them.
    const [a, b] = await Promise.all([readAsUser(user.claims, whichTransaction), readAsUser(user.claims, whichTransaction)]);
    expect(a).toEqual(b);
  });

  it("an action's write finds the person in its own first round trip, and its loaders know them after", async () => {
    const context = loadContext();
    const request = get(await cookieFor(ana), "POST");
    const actor = await requestActor(request, context);
    expect(actor).toBeInstanceOf(PersonLookup);
    await withUser({ sub: ana.id, role: "authenticated" }, async () => null); // a connection, already open
    // begin, the lookup and its guard, the statement and commit: one write, so one round trip.
    const trips = await countWrites(() => withUser(actor!, whichTransaction, { statements: 1 }));
    expect(trips.result.me).toBe(ana.id);
    expect(trips.writes).toBe(1);
    // The loaders after the action: the same person, found without asking again, reading in a transaction of their own.
    const user = (await getUser(request, context))!;
    expect(user).toMatchObject({ id: ana.id, email: ana.email, roles: ["observer"] });
    expect(user.claims).toEqual({ sub: ana.id, email: ana.email, role: "authenticated" });
    const [a, b] = await Promise.all([readAsUser(user.claims, whichTransaction), readAsUser(user.claims, whichTransaction)]);
    expect(a).toEqual(b);
    expect(a.started).not.toBe(trips.result.started);
    // Once the person is known, a later write acts with their claims.
    expect(await requestActor(request, context)).toEqual(user.claims);
  });

  it("an action's write whose sign-in no longer stands runs as no one, writes nothing and says so", async () => {
    const zone = `context-zone-${Date.now()}`;
    const insertZone = (trx: Parameters<Parameters<typeof withUser>[1]>[0]) =>
      sql`insert into public.zones (name, geometry) values (${zone}, '{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[0,0]]]}')`.execute(trx);
    const revoked = await cookieFor(luis);
    await withSystem((trx) => trx.updateTable("private.sessions").set({ revoked_at: sql`now()` }).where("user_id", "=", luis.id).where("revoked_at", "is", null).execute());
    const unknown = (await sessionCookie().serialize(newSessionToken())).split(";")[0]!;
    for (const cookie of [revoked, unknown, await cookieFor(ana, { expired: true })]) {
      const context = loadContext();
      const request = get(cookie, "POST");
      const actor = await requestActor(request, context);
      expect(actor).toBeInstanceOf(PersonLookup);
      // luis is an admin: had the insert run as him, or as the connection's own login, it would be there.
      await expect(withUser(actor!, insertZone, { statements: 1 })).rejects.toBeInstanceOf(NotSignedIn);
      await expect(withUser(actor!, insertZone)).rejects.toBeInstanceOf(NotSignedIn);
      expect(await getUser(request, context)).toBeNull();
    }
    const { rows } = await withSystem((trx) => sql<{ n: number }>`select count(*)::int as n from public.zones where name = ${zone}`.execute(trx));
    expect(rows[0]!.n).toBe(0);
    expect(await requestActor(new Request("http://localhost/shifts", { method: "POST" }), loadContext())).toBeNull();
  });

  it("signs out an expired, revoked or unknown session and a deactivated person, and holds nothing open", async () => {
    const expired = await cookieFor(ana, { expired: true });
    expect(await getUser(get(expired), loadContext())).toBeNull();
    const revoked = await cookieFor(ana);
    await withSystem((trx) => trx.updateTable("private.sessions").set({ revoked_at: sql`now()` }).where("user_id", "=", ana.id).execute());
    expect(await getUser(get(revoked), loadContext())).toBeNull();
    const unknown = (await sessionCookie().serialize(newSessionToken())).split(";")[0]!;
    expect(await getUser(get(unknown), loadContext())).toBeNull();
    const gone = await createPersona("context_gone", ["observer"]);
    const goneCookie = await cookieFor(gone);
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", gone.id).execute());
    expect(await getUser(get(goneCookie), loadContext())).toBeNull();
    expect(await getUser(new Request("http://localhost/"), loadContext())).toBeNull();
    const { rows } = await withSystem((trx) =>
      sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`.execute(trx),
    );
    expect(rows[0]!.n).toBe(0);
  });

  it("a request whose client went away before its loaders ran shares nothing, so nothing is left open", async () => {
    const scope: RequestScope = { closed: true };
    const user = (await getUser(get(await cookieFor(ana)), { cspNonce: "n", clientKey: "k", requestScope: scope }))!;
    expect(user.id).toBe(ana.id);
    await readAsUser(user.claims, whichTransaction);
    const { rows } = await withSystem((trx) =>
      sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`.execute(trx),
    );
    expect(rows[0]!.n).toBe(0);
  });

  it("without a load context (a route module called directly), nothing is shared or held", async () => {
    const request = get(await cookieFor(luis));
    const user = await requireRole(request, undefined, "attorney");
    expect(user.id).toBe(luis.id);
    const [a, b] = await Promise.all([readAsUser(user.claims, whichTransaction), readAsUser(user.claims, whichTransaction)]);
    expect(a.started === b.started && a.pid === b.pid).toBe(false);
    await expect(requireRole(request, undefined, "coordinator")).rejects.toMatchObject({ status: 403 });
  });

  it("map tiles ask the database about a sign-in at most every 30 s, and refuse an unknown or signed-out one", async () => {
    const cookie = await cookieFor(ana);
    const t0 = Date.now();
    const asked = async (at: number) => {
      const scope: RequestScope = {};
      const allowed = await requestContext({ cspNonce: "n", clientKey: "k", requestScope: scope }).signedInForAssets(get(cookie), at);
      await scope.context?.end();
      return allowed;
    };
    expect(await asked(t0)).toBe(true);
    // signed out now: still served from the 30 s memo, then refused
    await withSystem((trx) => trx.updateTable("private.sessions").set({ revoked_at: sql`now()` }).where("user_id", "=", ana.id).execute());
    expect(await asked(t0 + 10_000)).toBe(true);
    expect(await asked(t0 + 31_000)).toBe(false);
    expect(await asked(t0 + 32_000)).toBe(false);
    const unknown = (await sessionCookie().serialize(newSessionToken())).split(";")[0]!;
    expect(await requestContext(loadContext()).signedInForAssets(get(unknown), t0)).toBe(false);
    expect(await requestContext(loadContext()).signedInForAssets(new Request("http://localhost/tiles/1/1/1"), t0)).toBe(false);
  });
});
