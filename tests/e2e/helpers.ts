import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import pg from "pg";
import { E2E_DATA_DIR } from "./paths";
import { expect, type Page } from "@playwright/test";

export const DEMO = {
  admin: "admin@example.org",
  coordinator: "coordinator@example.org",
  observer: "observer@example.org",
  observer2: "observer2@example.org",
  attorney: "attorney@example.org",
  hotline: "hotline@example.org",
} as const;
export type DemoRole = keyof typeof DEMO;

export const storageStateFor = (role: DemoRole) => path.resolve(`${E2E_DATA_DIR}-state`, `${role}.json`);

/** The newest sign-in code the development outbox holds for `email`. */
export function latestCode(email: string): string {
  const dir = path.resolve(E2E_DATA_DIR, "outbox");
  const messages = readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .reverse()
    .map((n) => JSON.parse(readFileSync(path.join(dir, n), "utf8")) as { to: string; subject: string; text: string });
  // Shift emails (reminders, promotions) land in the same outbox: only a sign-in code's subject has 6 digits.
  const message = messages.find((m) => m.to === email && /\b\d{6}\b/.test(m.subject));
  if (!message) throw new Error(`No message for ${email} in the outbox`);
  return /\b(\d{6})\b/.exec(message.text)![1]!;
}

export async function signInThroughUi(page: Page, email: string) {
  await page.goto("/login");
  await page.getByRole("textbox", { name: /email|correo/i }).fill(email);
  await page.getByRole("button", { name: /send code|enviar código/i }).click();
  await expect(page).toHaveURL(/\/login\/verify/);
  await expect.poll(() => { try { return latestCode(email); } catch { return null; } }).not.toBeNull();
  await page.getByRole("textbox", { name: /code|código/i }).fill(latestCode(email));
  await page.getByRole("button", { name: /^verify$|^verificar$/i }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** axe with WCAG 2.x A/AA rules; any violation fails with its ids and targets. */
export async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

/** Nothing may be wider than a 360-px phone. */
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(0);
}

/** The demo's configured tile server: the only other host a page may ask, and blocked in tests. */
export const TILE_HOST = /^https:\/\/tile\.openstreetmap\.org\//;

export async function blockTiles(page: Page) {
  await page.route(TILE_HOST, (route) => route.abort());
}

/** Fails on any request that leaves localhost: map tiles too come through this server (/tiles). */
export function watchForThirdPartyRequests(page: Page) {
  const foreign: string[] = [];
  void blockTiles(page);
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (!["localhost", "127.0.0.1"].includes(url.hostname) && !["data:", "blob:"].includes(url.protocol)) foreign.push(request.url());
  });
  return foreign;
}

/** All outbox messages to `email`, newest first. */
export function outboxFor(email: string) {
  const dir = path.resolve(E2E_DATA_DIR, "outbox");
  return readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .sort()
    .reverse()
    .map((n) => JSON.parse(readFileSync(path.join(dir, n), "utf8")) as { to: string; subject: string; text: string })
    .filter((m) => m.to === email);
}

/** Runs SQL as the owner on the e2e server's embedded database (for setting up times relative to now). */
export async function e2eSql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const creds = JSON.parse(readFileSync(path.resolve(E2E_DATA_DIR, "postgres.json"), "utf8")) as { port: number; password: string };
  const client = new pg.Client({ host: "127.0.0.1", port: creds.port, user: "postgres", password: creds.password, database: "postgres" });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
