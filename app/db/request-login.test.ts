import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { derivedRequestLoginUrl, ensureRequestLogin, REQUEST_LOGIN, reviewLogin, scramSecret } from "./request-login.server";
import { startDatabase } from "./runtime.server";

// How server.ts finds the requests' login (docs/decisions/017-request-login.md).

const ownerUrl = process.env.DATABASE_URL!;
const loginUrl = process.env.DATABASE_APP_URL!;
const saved = { app: process.env.DATABASE_APP_URL, mode: process.env.NODE_ENV };

afterEach(() => {
  process.env.DATABASE_APP_URL = saved.app;
  process.env.NODE_ENV = saved.mode;
});

async function scalar(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Object.values(((await client.query(text)).rows[0] ?? {}) as object)[0];
  } finally {
    await client.end();
  }
}

describe("the derived login", () => {
  it("is the owner's server, database and options with testigo_app and a password of its own, the same every time", () => {
    const owner = "postgresql://owner:s3cret%2Fpw@db.example:6543/app?sslmode=require";
    const derived = new URL(derivedRequestLoginUrl(owner)!);
    expect([derived.hostname, derived.port, derived.pathname, derived.search]).toEqual(["db.example", "6543", "/app", "?sslmode=require"]);
    expect(derived.username).toBe(REQUEST_LOGIN);
    expect(derived.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(derived.password).not.toContain("s3cret");
    expect(derivedRequestLoginUrl(owner)).toBe(derived.toString());
    expect(new URL(derivedRequestLoginUrl(owner.replace("s3cret", "other"))!).password).not.toBe(derived.password);
    // A pooler's user name (Supabase's postgres.<project>) keeps its project.
    expect(new URL(derivedRequestLoginUrl("postgresql://postgres.abcd:pw@pooler.example:5432/postgres")!).username).toBe(`${REQUEST_LOGIN}.abcd`);
    expect(derivedRequestLoginUrl("postgresql://owner@db.example/app")).toBeNull();
  });

  it("is set with a SCRAM secret, never the password itself, that PostgreSQL accepts", async () => {
    const secret = scramSecret("correct horse");
    expect(secret).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(secret).not.toContain("correct horse");
    const probe = `testigo_scram_probe_${process.env.VITEST_POOL_ID ?? "0"}`;
    await scalar(ownerUrl, `drop role if exists ${probe}`);
    await scalar(ownerUrl, `create role ${probe} login password '${secret}'`);
    try {
      const url = new URL(ownerUrl);
      url.username = probe;
      url.password = "correct horse";
      expect(await scalar(url.toString(), "select session_user")).toBe(probe);
      url.password = "wrong horse";
      await expect(scalar(url.toString(), "select 1")).rejects.toMatchObject({ code: "28P01" });
    } finally {
      await scalar(ownerUrl, `drop role if exists ${probe}`);
    }
  });

  it("connects when its password is already set, and reviews clean: no superuser, no BYPASSRLS, owns nothing, may act as a person", async () => {
    const ensured = await ensureRequestLogin(ownerUrl);
    expect(ensured).toEqual({ url: expect.any(String) });
    expect(await reviewLogin(loginUrl)).toEqual({
      role: REQUEST_LOGIN,
      database: new URL(ownerUrl).pathname.slice(1),
      superuser: false,
      problems: [],
      canActAsPerson: true,
    });
    const owner = await reviewLogin(ownerUrl);
    expect(owner.problems.length).toBeGreaterThan(0);
  });
});

describe("startDatabase({ serve: true })", () => {
  it("uses the derived login when DATABASE_APP_URL is not set, and warns of nothing", async () => {
    delete process.env.DATABASE_APP_URL;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const running = await startDatabase({ migrate: false, seed: false, serve: true });
    expect(running.requestRole).toBe(REQUEST_LOGIN);
    expect(new URL(process.env.DATABASE_APP_URL!).username).toBe(REQUEST_LOGIN);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("warns, naming no secret, when requests would log in as the owner, and refuses a superuser in production", async () => {
    process.env.DATABASE_APP_URL = ownerUrl;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const running = await startDatabase({ migrate: false, seed: false, serve: true });
    expect(running.requestRole).not.toBe(REQUEST_LOGIN);
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    expect(message).toMatch(/owns the app's tables|is a superuser/);
    expect(message).toContain("DATABASE_APP_URL");
    expect(message).not.toContain("://");
    const { username, password } = new URL(ownerUrl);
    // (CI's PostgreSQL 15 role is named as its password: the role's name may appear.)
    if (password !== username) expect(message).not.toContain(decodeURIComponent(password));
    warn.mockRestore();

    const { superuser } = await reviewLogin(ownerUrl);
    process.env.NODE_ENV = "production";
    const started = startDatabase({ migrate: false, seed: false, serve: true });
    if (superuser) await expect(started).rejects.toThrow(/superuser is refused in production/);
    else await expect(started).resolves.toBeTruthy();
  });

  it("refuses a DATABASE_APP_URL that leads to another database than DATABASE_URL", async () => {
    const other = new URL(loginUrl);
    other.pathname = "/postgres";
    process.env.DATABASE_APP_URL = other.toString();
    await expect(startDatabase({ migrate: false, seed: false, serve: true })).rejects.toThrow(/must name the same one/);
  });
});
