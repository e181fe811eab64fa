import type { ActionFunctionArgs, AppLoadContext } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { sessionCookie } from "~/modules/auth/cookies.server";
import { newSessionToken, sha256 } from "~/modules/auth/crypto.server";
import type { RequestScope } from "~/modules/auth/guards.server";
import { DEFAULT_QUICK_EXIT_URL } from "~/modules/settings/schema";
import { action as exit, loader as exitLoader } from "~/routes/exit";
import { action as logout } from "~/routes/logout";
import { createPersona, type Persona } from "../setup/personas";

// A seized phone gives little away (issue 18): signing out and "Quick exit" end the session, delete
// the push subscriptions made under it (and only those), and ask the browser to forget the site's
// cache and storage. Quick exit's page moves on to the neutral address without a redirect.

let person: Persona;
let n = 0;
const B64 = (length: number, c: string) => c.repeat(length);

async function signedIn() {
  const token = newSessionToken();
  await withSystem((trx) =>
    trx.insertInto("private.sessions").values({ token_hash: sha256(token), user_id: person.id, expires_at: sql<Date>`now() + interval '1 day'` }).execute(),
  );
  const sessionKey = sha256(`s:${sha256(token)}`);
  await withSystem((trx) =>
    trx
      .insertInto("push_subscriptions")
      .values({ person_id: person.id, endpoint: `https://push.example.com/sign-out-${++n}`, p256dh: B64(87, "A"), auth: B64(22, "B"), session_key: sessionKey })
      .execute(),
  );
  return { token, sessionKey, cookie: (await sessionCookie().serialize(token)).split(";")[0]! };
}

const post = (path: string, cookie: string) =>
  new Request(`http://localhost${path}`, { method: "POST", headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin" } });
const context = () => ({ cspNonce: "test", clientKey: "sign-out-test", requestScope: {} as RequestScope }) as unknown as AppLoadContext;
const run = async (route: typeof logout, request: Request) => {
  try {
    return (await route({ request, params: {}, context: context() } as ActionFunctionArgs)) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
};
/** The session if it still lets anyone in (signing out revokes it). */
const sessionsOf = (token: string) =>
  withSystem((trx) => trx.selectFrom("private.sessions").select("token_hash").where("token_hash", "=", sha256(token)).where("revoked_at", "is", null).execute());
const subscriptionsOf = (sessionKey: string) => withSystem((trx) => trx.selectFrom("push_subscriptions").select("id").where("session_key", "=", sessionKey).execute());

beforeAll(async () => {
  person = await createPersona("sign_out_observer", ["observer"]);
});
afterAll(async () => {
  await withSystem((trx) => trx.updateTable("org_settings").set({ quick_exit_url: DEFAULT_QUICK_EXIT_URL }).where("id", "=", true).execute());
});

describe("signing out", () => {
  it("ends the session, deletes this sign-in's push subscriptions only, and asks the browser to clear the site's data", async () => {
    const phone = await signedIn();
    const laptop = await signedIn();
    const response = await run(logout, post("/logout", phone.cookie));
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).toBeLessThan(400);
    expect(response.headers.get("Location")).toBe("/login");
    expect(response.headers.get("Clear-Site-Data")).toBe('"cache", "storage"');
    expect(response.headers.get("Set-Cookie")).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(await sessionsOf(phone.token)).toEqual([]);
    expect(await subscriptionsOf(phone.sessionKey)).toEqual([]);
    // The person's other sign-in keeps its session and its alerts.
    expect(await sessionsOf(laptop.token)).toHaveLength(1);
    expect(await subscriptionsOf(laptop.sessionKey)).toHaveLength(1);
  });

  it("answers a sign-out without a session the same way (the phone is still wiped)", async () => {
    const response = await run(logout, post("/logout", ""));
    expect(response.headers.get("Location")).toBe("/login");
    expect(response.headers.get("Clear-Site-Data")).toBe('"cache", "storage"');
  });
});

describe("Quick exit without JavaScript (POST /exit)", () => {
  it("ends the session and its alerts, clears the site's data, and moves on to the neutral address by a meta refresh", async () => {
    const phone = await signedIn();
    const response = await run(exit, post("/exit", phone.cookie));
    expect(response.status).toBe(200);
    expect(response.headers.get("Location")).toBeNull();
    expect(response.headers.get("Clear-Site-Data")).toBe('"cache", "storage"');
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    expect(response.headers.get("Set-Cookie")).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    const html = await response.text();
    expect(html).toContain(`<meta http-equiv="refresh" content="0; url='https://weather.com/'">`);
    expect(html).not.toMatch(/testigo/i);
    expect(await sessionsOf(phone.token)).toEqual([]);
    expect(await subscriptionsOf(phone.sessionKey)).toEqual([]);
  });

  it("goes where the organisation set, written safely into the page", async () => {
    await withSystem((trx) => trx.updateTable("org_settings").set({ quick_exit_url: "https://example.org/a'b\"c<d>" }).where("id", "=", true).execute());
    const html = await (await run(exit, post("/exit", ""))).text();
    expect(html).toContain(`content="0; url='https://example.org/a%27b%22c%3Cd%3E'"`);
    expect(html).not.toContain("<d>");
  });

  it("a GET changes nothing: it goes home", async () => {
    const phone = await signedIn();
    const response = exitLoader();
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/");
    expect(await sessionsOf(phone.token)).toHaveLength(1);
  });
});
