import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { sessionCookie } from "~/modules/auth/cookies.server";
import { newSessionToken, sha256 } from "~/modules/auth/crypto.server";
import type { RequestScope } from "~/modules/auth/guards.server";
import { stopSettingsWatch } from "~/modules/settings/settings.server";
import { loader as rootLoader } from "~/root";
import { loader as alertsLoader } from "~/routes/alerts";
import { loader as feedLoader } from "~/routes/alerts[.json]";
import { createCast } from "../setup/personas";

// The browser's translation URLs come from a Vite plugin the tests do not run.
vi.mock("virtual:translations", () => ({ translationUrls: { en: "/en.json", es: "/es.json" } }));

// /alerts and /alerts.json take the public path through the root loader: with a valid session
// cookie they are the same response as without one, the session is never looked up (the request
// context is never made), nothing sets a cookie, and the caching headers are public.

let cookie: string;

beforeAll(async () => {
  const cast = await createCast();
  const token = newSessionToken();
  await withSystem((trx) =>
    trx.insertInto("private.sessions").values({ token_hash: sha256(token), user_id: cast.attorney_luis.id, expires_at: sql<Date>`now() + interval '1 day'` }).execute(),
  );
  cookie = (await sessionCookie().serialize(token)).split(";")[0]!;
});

// The organisation's settings are watched (LISTEN) once read: stop, or the worker waits for it.
afterAll(() => stopSettingsWatch());

interface DataResult {
  data: unknown;
  init: { headers?: HeadersInit } | null;
}

async function call(loader: (args: LoaderFunctionArgs) => Promise<unknown>, url: string, headers: Record<string, string> = {}) {
  const scope: RequestScope = {};
  const context = { cspNonce: "test", clientKey: "alerts-test", requestScope: scope } as unknown as AppLoadContext;
  const result = await loader({ request: new Request(url, { headers }), params: {}, context } as LoaderFunctionArgs);
  // as server.ts does when the response is done: the shared reads (if any) end
  await scope.context?.end();
  if (result instanceof Response) return { scope, headers: result.headers, body: await result.text() };
  const { data, init } = result as DataResult;
  return { scope, headers: new Headers(init?.headers), body: JSON.stringify(data) };
}

describe("the public path", () => {
  it.each([
    ["root loader on /alerts", rootLoader, "http://localhost/alerts"],
    ["/alerts", alertsLoader, "http://localhost/alerts"],
    ["/alerts.json", feedLoader, "http://localhost/alerts.json"],
  ] as const)("%s: same with a valid session, no session read, no cookie, public for a minute", async (_name, loader, url) => {
    const withSession = await call(loader as never, url, { Cookie: `${cookie}; lng=es`, "Accept-Language": "en-US" });
    const without = await call(loader as never, url, { "Accept-Language": "en-US" });
    expect(withSession.body).toBe(without.body);
    for (const result of [withSession, without]) {
      expect(result.scope.context, "the request context (and so the session) was never made").toBeUndefined();
      expect(result.headers.get("Set-Cookie")).toBeNull();
      expect(result.headers.get("Cache-Control")).toBe("public, max-age=60");
      expect(result.headers.get("Vary")).toBe("Accept-Language");
    }
    // the language cookie is ignored: the page would otherwise differ by cookie
    if (loader === rootLoader) expect(JSON.parse(withSession.body)).toMatchObject({ locale: "en", user: null, flash: null, publicPage: true });
  });

  it("the root loader on any other page still finds the person (the test can fail)", async () => {
    const home = await call(rootLoader as never, "http://localhost/", { Cookie: cookie });
    expect(home.scope.context).toBeDefined();
    expect(JSON.parse(home.body)).toMatchObject({ user: { email: "attorney_luis@test.example" }, publicPage: false });
  });

  it("?lang= chooses the language and drops Vary", async () => {
    const es = await call(rootLoader as never, "http://localhost/alerts?lang=es", { "Accept-Language": "en" });
    expect(JSON.parse(es.body)).toMatchObject({ locale: "es" });
    expect(es.headers.get("Vary")).toBeNull();
    const bogus = await call(rootLoader as never, "http://localhost/alerts?lang=xx", { "Accept-Language": "es-MX" });
    expect(JSON.parse(bogus.body)).toMatchObject({ locale: "es" });
    expect(bogus.headers.get("Vary")).toBe("Accept-Language");
  });
});
