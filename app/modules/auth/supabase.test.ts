import { randomInt, randomUUID } from "node:crypto";
import { createChunks, stringToBase64URL } from "@supabase/ssr";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from "jose";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { readAsUser, sql, withSystem } from "~/db/client.server";
import { createPersona, type Persona } from "../../../tests/setup/personas";
import { getUser, type RequestScope } from "./guards.server";
import { authProvider, resetAuthProvider, type AuthProvider } from "./provider.server";

// env() caches on first call, so the Supabase settings must be in place before anything reads it.
const SUPABASE = vi.hoisted(() => {
  const settings = {
    url: "https://testigo-test.supabase.co",
    anonKey: "test-anon-key",
    serviceRoleKey: "test-service-role-key",
  };
  process.env.SUPABASE_URL = settings.url;
  process.env.SUPABASE_ANON_KEY = settings.anonKey;
  process.env.SUPABASE_SERVICE_ROLE_KEY = settings.serviceRoleKey;
  return settings;
});

const AUTH = `${SUPABASE.url}/auth/v1`;
/** supabase-js names its storage key after the first label of the project host. */
const COOKIE_KEY = "sb-testigo-test-auth-token";
const KID = "testigo-test-key";

// ---------------------------------------------------------------------------------------------
// A small stand-in for Supabase Auth (GoTrue), answering with the shapes auth-js 2.109 reads.
// ---------------------------------------------------------------------------------------------

interface Account {
  id: string;
  email: string;
  /** GoTrue merges an update's user_metadata into the stored one. */
  metadata?: Record<string, unknown>;
}

interface Recorded {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: unknown;
}

let signingKey: CryptoKey;
let verifyingKey: CryptoKey;
let publicJwk: JWK;

/** Accounts Supabase knows, by email. In production these are the same rows as `auth.users`. */
const accounts = new Map<string, Account>();
/** The code Supabase last emailed to each address (what the person would read in their inbox). */
const inbox = new Map<string, string>();
/** Every code email Supabase sent, with the user_metadata.language its template saw. */
let emailed: { email: string; code: string; language: string | undefined }[] = [];
/** Refresh tokens Supabase issued and has not yet rotated. */
const refreshTokens = new Map<string, Account>();
/** The access token Supabase last issued to each account id. */
const issued = new Map<string, string>();
/** Every request the app made to Supabase in the current test, in order. */
let requests: Recorded[] = [];
/** Every JWKS download over the whole file: auth-js caches the key set for ten minutes. */
let jwksFetches = 0;

async function record(request: Request) {
  const url = new URL(request.url);
  const text = request.method === "GET" ? "" : await request.clone().text();
  const entry: Recorded = {
    method: request.method,
    path: url.pathname,
    search: url.search,
    headers: request.headers,
    body: text ? JSON.parse(text) : undefined,
  };
  requests.push(entry);
  return entry;
}

const sent = (method: string, path: string) => requests.filter((r) => r.method === method && r.path === `/auth/v1${path}`);

/** GoTrue's error body: `{code, message}` for clients that send the 2024-01-01 API version header, as auth-js does. */
function authError(request: Request, status: number, code: string, message: string) {
  if (request.headers.get("x-supabase-api-version") === "2024-01-01") {
    return HttpResponse.json({ code, message }, { status, headers: { "x-supabase-api-version": "2024-01-01" } });
  }
  return HttpResponse.json({ code: status, error_code: code, msg: message }, { status });
}

function userJson(account: Account, extra: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    id: account.id,
    aud: "authenticated",
    role: "authenticated",
    email: account.email,
    email_confirmed_at: now,
    phone: "",
    confirmed_at: now,
    last_sign_in_at: now,
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: account.metadata ?? {},
    identities: [],
    created_at: now,
    updated_at: now,
    is_anonymous: false,
    ...extra,
  };
}

async function signAccessToken(
  account: Account,
  { key = signingKey, kid = KID, alg = "ES256", expiresIn = 3600 }: { key?: CryptoKey; kid?: string; alg?: string; expiresIn?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    email: account.email,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "otp", timestamp: now }],
    session_id: randomUUID(),
    is_anonymous: false,
  })
    .setProtectedHeader({ alg, kid, typ: "JWT" })
    .setIssuer(AUTH)
    .setSubject(account.id)
    .setAudience("authenticated")
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(key);
}

async function sessionJson(account: Account, accessToken?: string) {
  const refreshToken = randomUUID().replaceAll("-", "");
  refreshTokens.set(refreshToken, account);
  const token = accessToken ?? (await signAccessToken(account));
  issued.set(account.id, token);
  return {
    access_token: token,
    token_type: "bearer",
    expires_in: 3600,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    refresh_token: refreshToken,
    user: userJson(account),
  };
}

function bearer(request: Request) {
  return request.headers.get("Authorization")?.replace(/^Bearer /, "") ?? "";
}

const handlers = [
  http.post(`${AUTH}/otp`, async ({ request }) => {
    const { body } = await record(request);
    const { email, create_user } = body as { email: string; create_user: boolean };
    if (!accounts.has(email) && !create_user) return authError(request, 422, "otp_disabled", "Signups not allowed for otp");
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    inbox.set(email, code);
    // What the Magic Link template renders with: the language the account's metadata holds then.
    const language = accounts.get(email)?.metadata?.language;
    emailed.push({ email, code, language: typeof language === "string" ? language : undefined });
    return HttpResponse.json({});
  }),

  http.post(`${AUTH}/verify`, async ({ request }) => {
    const { body } = await record(request);
    const { email, token, type } = body as { email: string; token: string; type: string };
    const account = accounts.get(email);
    if (type !== "email" || !account || !inbox.has(email) || inbox.get(email) !== token) {
      return authError(request, 403, "otp_expired", "Token has expired or is invalid");
    }
    inbox.delete(email);
    return HttpResponse.json(await sessionJson(account));
  }),

  http.get(`${AUTH}/.well-known/jwks.json`, async ({ request }) => {
    await record(request);
    jwksFetches++;
    return HttpResponse.json({ keys: [publicJwk] });
  }),

  // auth-js falls back to asking the server when it has no key for a token's kid.
  http.get(`${AUTH}/user`, async ({ request }) => {
    await record(request);
    try {
      const { payload } = await jwtVerify(bearer(request), verifyingKey, { issuer: AUTH, audience: "authenticated" });
      const account = [...accounts.values()].find((a) => a.id === payload.sub);
      if (!account) return authError(request, 403, "user_not_found", "User from sub claim in JWT does not exist");
      return HttpResponse.json(userJson(account));
    } catch {
      return authError(request, 403, "bad_jwt", "invalid JWT: unable to parse or verify signature");
    }
  }),

  http.post(`${AUTH}/token`, async ({ request }) => {
    const { body, search } = await record(request);
    const { refresh_token } = body as { refresh_token: string };
    const account = refreshTokens.get(refresh_token);
    if (search !== "?grant_type=refresh_token" || !account) {
      return authError(request, 400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
    }
    refreshTokens.delete(refresh_token);
    return HttpResponse.json(await sessionJson(account));
  }),

  http.post(`${AUTH}/logout`, async ({ request }) => {
    await record(request);
    try {
      await jwtVerify(bearer(request), verifyingKey);
    } catch {
      return authError(request, 403, "bad_jwt", "invalid JWT: unable to parse or verify signature");
    }
    return new HttpResponse(null, { status: 204 });
  }),

  http.post(`${AUTH}/admin/users`, async ({ request }) => {
    const { body } = await record(request);
    if (bearer(request) !== SUPABASE.serviceRoleKey) return authError(request, 403, "not_admin", "User not allowed");
    const { email } = body as { email: string };
    if (accounts.has(email)) return authError(request, 422, "email_exists", "A user with this email address has already been registered");
    const account = { id: randomUUID(), email };
    accounts.set(email, account);
    return HttpResponse.json(userJson(account));
  }),

  http.put(`${AUTH}/admin/users/:id`, async ({ request, params }) => {
    const { body } = await record(request);
    if (bearer(request) !== SUPABASE.serviceRoleKey) return authError(request, 403, "not_admin", "User not allowed");
    const account = [...accounts.values()].find((a) => a.id === params.id);
    if (!account) return authError(request, 404, "user_not_found", "User not found");
    const { ban_duration, user_metadata } = body as { ban_duration?: string; user_metadata?: Record<string, unknown> };
    if (user_metadata) account.metadata = { ...account.metadata, ...user_metadata };
    const hours = Number(/^(\d+)h$/.exec(ban_duration ?? "")?.[1] ?? 0);
    return HttpResponse.json(userJson(account, { banned_until: new Date(Date.now() + hours * 3_600_000).toISOString() }));
  }),
];

const server = setupServer(...handlers);

// ---------------------------------------------------------------------------------------------

let provider: AuthProvider;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  signingKey = pair.privateKey;
  verifyingKey = pair.publicKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: "ES256", use: "sig", key_ops: ["verify"] };

  server.listen({ onUnhandledRequest: "error" });
  server.events.on("request:unhandled", ({ request }) => {
    requests.push({ method: request.method, path: new URL(request.url).pathname, search: "", headers: request.headers, body: undefined });
  });
  resetAuthProvider();
  provider = await authProvider();
});

beforeEach(() => {
  requests = [];
  emailed = [];
});

afterEach(() => {
  server.resetHandlers();
});

afterAll(() => {
  server.close();
  resetAuthProvider();
  // Worker processes are reused across test files: leave no Supabase mode behind for the next one.
  delete process.env.SUPABASE_URL;
  delete process.env.SUPABASE_ANON_KEY;
  delete process.env.SUPABASE_SERVICE_ROLE_KEY;
});

/** A person invited in our database whom Supabase also knows, as after a real invitation. */
async function enrolled(handle: string): Promise<Persona> {
  const persona = await createPersona(handle, ["observer"]);
  accounts.set(persona.email, { id: persona.id, email: persona.email });
  return persona;
}

async function setLanguage(persona: Persona, language: "en" | "es") {
  await withSystem((trx) => trx.updateTable("profiles").set({ preferred_language: language }).where("id", "=", persona.id).execute());
}

async function deactivate(persona: Persona) {
  await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", persona.id).execute());
}

/** The Cookie header a browser would send back after receiving these Set-Cookie headers. */
function cookieHeader(headers: Headers) {
  return headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((pair) => !pair.endsWith("="))
    .join("; ");
}

function requestWithCookies(cookie: string) {
  return new Request("http://localhost/", { headers: cookie ? { Cookie: cookie } : {} });
}

/** Session cookies encoded exactly as @supabase/ssr writes them (base64url, chunked). */
function sessionCookie(session: Record<string, unknown>) {
  return createChunks(COOKIE_KEY, `base64-${stringToBase64URL(JSON.stringify(session))}`)
    .map((c) => `${c.name}=${c.value}`)
    .join("; ");
}

async function signIn(persona: Persona) {
  await provider.requestCode(persona.email, "en");
  const headers = new Headers();
  const result = await provider.verifyCode({ email: persona.email, codeId: null }, inbox.get(persona.email)!, requestWithCookies(""), headers);
  expect(result).toEqual({ ok: true, userId: persona.id });
  return { headers, request: requestWithCookies(cookieHeader(headers)) };
}

describe("the provider", () => {
  it("is Supabase when SUPABASE_URL is set", () => {
    expect(provider.name).toBe("supabase");
  });

  it("lets no request to an unmocked endpoint escape", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(fetch(`${AUTH}/settings`)).rejects.toThrow();
      expect(error).toHaveBeenCalledWith(expect.stringContaining("GET https://testigo-test.supabase.co/auth/v1/settings"));
    } finally {
      error.mockRestore();
    }
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /auth/v1/settings"]);
  });
});

describe("requestCode", () => {
  it("asks Supabase to email a code to an active invited person, never creating users", async () => {
    const persona = await enrolled("supa_request");
    await provider.requestCode(persona.email, "es");
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /auth/v1/admin/users/${persona.id}`, "POST /auth/v1/otp"]);
    const otp = requests[1];
    expect(otp!.body).toMatchObject({ email: persona.email, create_user: false });
    expect(otp!.headers.get("apikey")).toBe(SUPABASE.anonKey);
    expect(inbox.get(persona.email)).toMatch(/^\d{6}$/);
  });

  it("emails the code in the person's profile language, whatever language the sign-in page was in", async () => {
    const persona = await enrolled("supa_language");
    await setLanguage(persona, "es");
    await provider.requestCode(persona.email, "en");
    const [update] = sent("PUT", `/admin/users/${persona.id}`);
    expect(update!.headers.get("Authorization")).toBe(`Bearer ${SUPABASE.serviceRoleKey}`);
    expect(update!.body).toEqual({ user_metadata: { language: "es" } });
    expect(emailed).toEqual([{ email: persona.email, code: inbox.get(persona.email), language: "es" }]);

    // A language changed in Testigo reaches the very next code.
    await setLanguage(persona, "en");
    await provider.requestCode(persona.email, "es");
    expect(emailed.at(-1)).toMatchObject({ email: persona.email, language: "en" });
  });

  it("still sends the code (template's English) when Supabase refuses the language update", async () => {
    const persona = await enrolled("supa_language_refused");
    await setLanguage(persona, "es");
    server.use(http.put(`${AUTH}/admin/users/:id`, ({ request }) => authError(request, 500, "unexpected_failure", "boom")));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await expect(provider.requestCode(persona.email, "es")).resolves.toBeNull();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("sign-in code language not set"));
    } finally {
      warn.mockRestore();
    }
    expect(emailed).toEqual([{ email: persona.email, code: inbox.get(persona.email), language: undefined }]);
  });

  it("makes no request at all for an email nobody was invited with", async () => {
    await provider.requestCode("stranger@test.example", "en");
    expect(requests).toEqual([]);
  });

  it("makes no request for a deactivated person", async () => {
    const persona = await enrolled("supa_request_gone");
    await deactivate(persona);
    await provider.requestCode(persona.email, "en");
    expect(requests).toEqual([]);
    expect(inbox.has(persona.email)).toBe(false);
  });

  it("stays silent when Supabase does not know an invited person (otp_disabled)", async () => {
    const persona = await createPersona("supa_request_unsynced", ["observer"]);
    await expect(provider.requestCode(persona.email, "en")).resolves.toBeNull();
    expect(sent("POST", "/otp")).toHaveLength(1);
  });
});

describe("verifyCode", () => {
  it("with the right code returns the user id and sets HttpOnly, SameSite=Lax session cookies", async () => {
    const persona = await enrolled("supa_verify");
    await provider.requestCode(persona.email, "en");
    const code = inbox.get(persona.email)!;
    requests = [];

    const headers = new Headers();
    const result = await provider.verifyCode({ email: persona.email, codeId: null }, code, requestWithCookies(""), headers);

    expect(result).toEqual({ ok: true, userId: persona.id });
    expect(sent("POST", "/verify").map((r) => r.body)).toEqual([
      expect.objectContaining({ email: persona.email, token: code, type: "email" }),
    ]);
    const cookies = headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(new RegExp(`^${COOKIE_KEY}(\\.\\d+)?=base64-`));
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).toMatch(/; SameSite=Lax/i);
      expect(cookie).toMatch(/; Path=\//i);
    }
    const invitation = await withSystem((trx) =>
      trx.selectFrom("invitations").select("accepted_at").where("email", "=", persona.email).executeTakeFirstOrThrow(),
    );
    expect(invitation.accepted_at).not.toBeNull();
  });

  it("with a wrong code returns invalid and sets no cookie", async () => {
    const persona = await enrolled("supa_verify_wrong");
    await provider.requestCode(persona.email, "en");
    const code = inbox.get(persona.email)!;
    const wrong = code === "000000" ? "111111" : "000000";

    const headers = new Headers();
    const result = await provider.verifyCode({ email: persona.email, codeId: null }, wrong, requestWithCookies(""), headers);

    expect(result).toEqual({ ok: false, reason: "invalid" });
    expect(headers.getSetCookie()).toEqual([]);
    // Supabase answered as it does for a wrong or expired code.
    expect(sent("POST", "/verify")).toHaveLength(1);
  });

  it("reports too many attempts when Supabase rate-limits verification", async () => {
    const persona = await enrolled("supa_verify_limited");
    server.use(
      http.post(`${AUTH}/verify`, ({ request }) =>
        authError(request, 429, "over_request_rate_limit", "Request rate limit reached"),
      ),
    );
    const headers = new Headers();
    const result = await provider.verifyCode({ email: persona.email, codeId: null }, "123456", requestWithCookies(""), headers);
    expect(result).toEqual({ ok: false, reason: "attempts" });
    expect(headers.getSetCookie()).toEqual([]);
  });

  it("refuses a deactivated person even when Supabase accepts the code", async () => {
    const persona = await enrolled("supa_verify_gone");
    await provider.requestCode(persona.email, "en");
    await deactivate(persona);
    const headers = new Headers();
    const result = await provider.verifyCode({ email: persona.email, codeId: null }, inbox.get(persona.email)!, requestWithCookies(""), headers);
    expect(result).toEqual({ ok: false, reason: "invalid" });
    expect(headers.getSetCookie()).toEqual([]);
  });
});

describe("the request context with Supabase Auth", () => {
  it("finds the person once per request from the verified JWT, reads as them, and signs out a deactivated one", async () => {
    const persona = await enrolled("supa_context");
    const { request } = await signIn(persona);
    const scope: RequestScope = {};
    const context = { cspNonce: "n", clientKey: "k", requestScope: scope };
    const [a, b] = await Promise.all([getUser(request, context), getUser(request, context)]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ id: persona.id, email: persona.email, roles: ["observer"] });
    // The JWT's own claims are what RLS sees, as Supabase's REST API would set them.
    expect(a!.claims).toMatchObject({ sub: persona.id, role: "authenticated", aud: "authenticated", iss: AUTH });
    const seen = await readAsUser(a!.claims, (trx) => sql<{ me: string; aud: string }>`select auth.uid()::text as me, auth.jwt() ->> 'aud' as aud`.execute(trx));
    expect(seen.rows[0]).toEqual({ me: persona.id, aud: "authenticated" });
    await scope.context?.end();

    await deactivate(persona);
    const later: RequestScope = {};
    expect(await getUser(request, { cspNonce: "n", clientKey: "k", requestScope: later })).toBeNull();
    await later.context?.end();
  });
});

describe("getClaims", () => {
  it("returns the claims from the session cookies, verified against the JWKS", async () => {
    const persona = await enrolled("supa_claims");
    const { request } = await signIn(persona);
    requests = [];

    const claims = await provider.getClaims(request, new Headers());

    expect(claims).toMatchObject({ sub: persona.id, email: persona.email, role: "authenticated", aud: "authenticated", iss: AUTH });
    // Verified locally with the published key: the JWKS was downloaded, /user never asked.
    expect(jwksFetches).toBeGreaterThan(0);
    expect(sent("GET", "/user")).toEqual([]);
  });

  it("returns null without a session cookie, asking Supabase nothing", async () => {
    expect(await provider.getClaims(requestWithCookies(""), new Headers())).toBeNull();
    expect(requests).toEqual([]);
  });

  it("returns null for a token signed with another key under the published kid", async () => {
    const persona = await enrolled("supa_claims_forged");
    const { privateKey } = await generateKeyPair("ES256");
    const session = await sessionJson(accounts.get(persona.email)!, await signAccessToken(accounts.get(persona.email)!, { key: privateKey }));
    expect(await provider.getClaims(requestWithCookies(sessionCookie(session)), new Headers())).toBeNull();
    expect(sent("GET", "/user")).toEqual([]);
  });

  it("returns null for a token signed with another key under an unknown kid (the server rejects it)", async () => {
    const persona = await enrolled("supa_claims_kid");
    const { privateKey } = await generateKeyPair("ES256");
    const account = accounts.get(persona.email)!;
    const session = await sessionJson(account, await signAccessToken(account, { key: privateKey, kid: "someone-else" }));
    expect(await provider.getClaims(requestWithCookies(sessionCookie(session)), new Headers())).toBeNull();
    // auth-js had no key for that kid, so it asked /user, which refused the signature.
    expect(sent("GET", "/user")).toHaveLength(1);
  });

  it("returns null for a deactivated person even with a valid token", async () => {
    const persona = await enrolled("supa_claims_gone");
    const { request } = await signIn(persona);
    expect((await provider.getClaims(request, new Headers()))?.sub).toBe(persona.id);
    await deactivate(persona);
    expect(await provider.getClaims(request, new Headers())).toBeNull();
  });

  it("returns null, not an error, for a corrupt or tampered session cookie", async () => {
    const persona = await enrolled("supa_claims_corrupt");
    const account = accounts.get(persona.email)!;
    const notJson = `${stringToBase64URL("not json")}.${stringToBase64URL("{}")}.c2ln`;
    const unknownAlg = await signAccessToken(account, { alg: "ES256" }).then((token) => {
      const [, payload, signature] = token.split(".");
      return `${stringToBase64URL(JSON.stringify({ alg: "PS256", kid: KID, typ: "JWT" }))}.${payload}.${signature}`;
    });
    for (const accessToken of [notJson, unknownAlg, "garbage"]) {
      const cookie = sessionCookie(await sessionJson(account, accessToken));
      await expect(provider.getClaims(requestWithCookies(cookie), new Headers())).resolves.toBeNull();
    }
    // A cookie that is not even base64url: @supabase/ssr warns and treats it as absent.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      await expect(provider.getClaims(requestWithCookies(`${COOKIE_KEY}=base64-%%%`), new Headers())).resolves.toBeNull();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("could not base64url-decode"), expect.anything());
    } finally {
      warn.mockRestore();
    }
  });

  it("refreshes a session about to expire and appends the new cookies", async () => {
    const persona = await enrolled("supa_claims_refresh");
    const account = accounts.get(persona.email)!;
    const expiring = {
      ...(await sessionJson(account, await signAccessToken(account, { expiresIn: 30 }))),
      expires_in: 30,
      expires_at: Math.floor(Date.now() / 1000) + 30,
    };
    const headers = new Headers();

    const claims = await provider.getClaims(requestWithCookies(sessionCookie(expiring)), headers);

    expect(claims?.sub).toBe(persona.id);
    expect(sent("POST", "/token").map((r) => r.body)).toEqual([{ refresh_token: expiring.refresh_token }]);
    const refreshed = headers.getSetCookie().filter((c) => !/Max-Age=0/i.test(c));
    expect(refreshed.length).toBeGreaterThan(0);
    expect(refreshed.every((c) => /; HttpOnly/i.test(c) && /; SameSite=Lax/i.test(c))).toBe(true);
    // The refreshed cookies carry the new session.
    expect((await provider.getClaims(requestWithCookies(cookieHeader(headers)), new Headers()))?.sub).toBe(persona.id);
    expect(sent("POST", "/token")).toHaveLength(1);
  });
});

describe("signOut", () => {
  it("ends the session at Supabase and clears the session cookies", async () => {
    const persona = await enrolled("supa_sign_out");
    const { request } = await signIn(persona);
    requests = [];

    const headers = new Headers();
    await provider.signOut(request, headers);

    const [logout] = sent("POST", "/logout");
    expect(logout!.search).toBe("?scope=local");
    expect(logout!.headers.get("Authorization")).toBe(`Bearer ${issued.get(persona.id)}`);
    const cleared = headers.getSetCookie();
    expect(cleared.length).toBeGreaterThan(0);
    expect(cleared.every((c) => c.startsWith(`${COOKIE_KEY}`) && /Max-Age=0/i.test(c))).toBe(true);
  });
});

describe("admin", () => {
  it("createUser asks Supabase with the service-role key and returns the new id", async () => {
    const id = await provider.createUser("supa_new@test.example");

    const [create] = sent("POST", "/admin/users");
    expect(create!.headers.get("Authorization")).toBe(`Bearer ${SUPABASE.serviceRoleKey}`);
    expect(create!.headers.get("apikey")).toBe(SUPABASE.serviceRoleKey);
    expect(create!.body).toEqual({ email: "supa_new@test.example", email_confirm: true });
    expect(id).toBe(accounts.get("supa_new@test.example")!.id);
  });

  it("createUser throws when Supabase refuses", async () => {
    await provider.createUser("supa_twice@test.example");
    await expect(provider.createUser("supa_twice@test.example")).rejects.toMatchObject({ status: 422, code: "email_exists" });
  });

  it("createUsers makes an import's accounts a few at a time, and an existing one is no failure", async () => {
    await provider.createUser("supa_bulk_0@test.example");
    let inFlight = 0;
    let most = 0;
    server.use(
      http.post(`${AUTH}/admin/users`, async ({ request }) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inFlight -= 1;
        const { email } = (await request.json()) as { email: string };
        if (accounts.has(email)) return authError(request, 422, "email_exists", "A user with this email address has already been registered");
        const account = { id: randomUUID(), email };
        accounts.set(email, account);
        return HttpResponse.json(userJson(account));
      }),
    );
    const emails = Array.from({ length: 30 }, (_, i) => `supa_bulk_${i}@test.example`);
    await provider.createUsers(emails);
    expect(emails.every((e) => accounts.has(e))).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
  });

  it("revokeSessions bans the user with the service-role key", async () => {
    const persona = await enrolled("supa_revoke");
    await provider.revokeSessions(persona.id);

    const [update] = sent("PUT", `/admin/users/${persona.id}`);
    expect(update!.headers.get("Authorization")).toBe(`Bearer ${SUPABASE.serviceRoleKey}`);
    expect(update!.body).toEqual({ ban_duration: expect.stringMatching(/^\d+h$/) });
    expect(Number.parseInt((update!.body as { ban_duration: string }).ban_duration)).toBeGreaterThanOrEqual(24 * 365 * 10);
  });

  it("restoreAccess lifts the ban so a reactivated person can sign in again", async () => {
    const persona = await enrolled("supa_restore");
    await provider.revokeSessions(persona.id);
    await provider.restoreAccess(persona.id);
    const updates = sent("PUT", `/admin/users/${persona.id}`);
    expect(updates.map((u) => u.body)).toEqual([{ ban_duration: expect.stringMatching(/^\d+h$/) }, { ban_duration: "none" }]);
    expect(updates[1]!.headers.get("Authorization")).toBe(`Bearer ${SUPABASE.serviceRoleKey}`);
  });

  it("revokeSessions throws when Supabase refuses", async () => {
    await expect(provider.revokeSessions(randomUUID())).rejects.toMatchObject({ status: 404 });
  });
});
