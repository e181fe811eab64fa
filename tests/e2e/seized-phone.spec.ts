import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, signInThroughUi, type DemoRole } from "./helpers";

// A seized phone gives little away (issue 18, item 6). Canaries typed into a draft and into the
// form must be gone from every IndexedDB database, every cache, localStorage and sessionStorage
// after signing out or "Quick exit", with JavaScript and without (where the answer's
// Clear-Site-Data does all the work: headless Chromium honours it on http://localhost).

const RUN = Date.now().toString(36);
const NEUTRAL = "https://weather.com/";

/** Everything this origin keeps in the browser, and where the canaries are. */
interface Scan {
  databases: number;
  stores: number;
  records: number;
  caches: number;
  entries: number;
  localStorage: number;
  sessionStorage: number;
  serviceWorkers: number;
  hits: string[];
}

function scan(page: Page, canaries: string[]): Promise<Scan> {
  return page.evaluate(async (canaries) => {
    const found = (where: string, text: string) => canaries.filter((c) => text.includes(c)).map((c) => `${c} in ${where}`);
    const out = { databases: 0, stores: 0, records: 0, caches: 0, entries: 0, localStorage: 0, sessionStorage: 0, serviceWorkers: 0, hits: [] as string[] };
    for (const info of await indexedDB.databases()) {
      out.databases += 1;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        out.stores += 1;
        const [keys, values] = await Promise.all(
          (["getAllKeys", "getAll"] as const).map(
            (method) =>
              new Promise<unknown[]>((resolve, reject) => {
                const request = db.transaction(store).objectStore(store)[method]();
                request.onsuccess = () => resolve(request.result as unknown[]);
                request.onerror = () => reject(request.error);
              }),
          ),
        );
        out.records += values!.length;
        out.hits.push(...found(`indexedDB ${info.name}/${store}`, JSON.stringify({ keys, values })));
      }
      db.close();
    }
    for (const name of await caches.keys()) {
      out.caches += 1;
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        out.entries += 1;
        const response = await cache.match(request);
        out.hits.push(...found(`cache ${name} ${new URL(request.url).pathname}`, `${request.url} ${(await response?.text()) ?? ""}`));
      }
    }
    for (const [kind, storage] of [
      ["localStorage", localStorage],
      ["sessionStorage", sessionStorage],
    ] as const) {
      out[kind] = storage.length;
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)!;
        out.hits.push(...found(kind, `${key}=${storage.getItem(key)}`));
      }
    }
    out.serviceWorkers = (await navigator.serviceWorker.getRegistrations()).length;
    return out;
  }, canaries);
}

async function signedInContext(browser: Browser, role: DemoRole): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  // The neutral page is only navigated to: the test answers for it, nothing leaves this machine.
  await context.route("https://weather.com/**", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Weather</title><h1>Weather</h1>" }));
  const page = await context.newPage();
  await blockTiles(page);
  // This file signs the same two people in six times within minutes; with global setup and
  // auth.spec that passes the five codes an hour one (email, client) pair gets at once, and the
  // sixth is told to slow down. The limits are tested in rate-limit.test.ts, not here.
  await e2eSql("delete from private.rate_limits where key like 'code-email-client:%' or key like 'verify-email-client:%'");
  await signInThroughUi(page, DEMO[role]);
  return { context, page };
}

async function openForm(page: Page) {
  await page.goto("/reports/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator("form#report")).not.toHaveAttribute("aria-busy", "true");
}

/**
 * Types canaries into the report form (kept as a draft: cross streets, narrative, an officer's
 * name) and into the sealed part (never kept), waits for the service worker to keep the form
 * and for the draft to be written, and plants one in each web storage.
 */
async function typeCanaries(page: Page, tag: string) {
  const canaries = [`CANARY-${tag}-${RUN}-street`, `CANARY-${tag}-${RUN}-story`, `CANARY-${tag}-${RUN}-officer`, `CANARY-${tag}-${RUN}-person`, `CANARY-${tag}-${RUN}-web`];
  await openForm(page);
  const kept = () => page.evaluate(async () => Boolean(navigator.serviceWorker.controller) && Boolean(await caches.match("/reports/new")));
  // The worker keeps the form when the page asks it to, once it is up. On a first visit that ask has
  // sometimes gone unanswered in these runs (cause not found; the next visit keeps it): one reload.
  if (!(await expect.poll(kept, { timeout: 20_000 }).toBe(true).then(() => true, () => false))) {
    await openForm(page);
    await expect.poll(kept, { timeout: 20_000 }).toBe(true);
  }
  await page.locator('input[name="crossStreets"]').fill(canaries[0]!);
  await page.locator("details", { has: page.locator('textarea[name="narrative"]') }).locator("summary").click();
  await page.locator('textarea[name="narrative"]').fill(canaries[1]!);
  await page.locator("details", { has: page.locator('input[name="officers[0].name"]') }).locator("summary").click();
  await page.locator('input[name="officers[0].name"]').fill(canaries[2]!);
  await page.locator("details", { has: page.locator('input[name="detained[0].name"]') }).locator("summary").click();
  await page.locator('input[name="detained[0].name"]').fill(canaries[3]!);
  await page.evaluate((c) => {
    localStorage.setItem("testigo.canary", c);
    sessionStorage.setItem("testigo.canary", c);
  }, canaries[4]!);
  return canaries;
}

async function expectSignedOut(page: Page) {
  const response = await page.request.get("/reports/new", { maxRedirects: 0 });
  expect(response.status()).toBeGreaterThanOrEqual(300);
  expect(response.headers()["location"]).toMatch(/^\/login/);
}

/** Scans from a page of the origin that runs nothing of ours. */
async function scanAfter(page: Page, canaries: string[], label: string) {
  await page.goto("/healthz");
  const after = await scan(page, canaries);
  console.log(`Canary scan after ${label}:`, JSON.stringify(after));
  test.info().annotations.push({ type: "canary-scan", description: `${label}: ${JSON.stringify(after)}` });
  expect(after.hits).toEqual([]);
  expect(after.serviceWorkers).toBe(0);
  expect(after.records).toBe(0);
  expect(after.entries).toBe(0);
  return after;
}

async function scanBefore(page: Page, canaries: string[], label: string) {
  let before: Scan | undefined;
  // The draft is written 300 ms after the last keystroke: the scan must see it (or it proves nothing).
  await expect
    .poll(async () => {
      before = await scan(page, canaries);
      return before.hits.filter((h) => h.includes("testigo-drafts")).length;
    })
    .toBeGreaterThanOrEqual(3);
  expect(before!.hits.some((h) => h.includes("-person"))).toBe(false);
  expect(before!.hits.filter((h) => h.includes("Storage"))).toHaveLength(2);
  expect(before!.entries).toBeGreaterThan(0);
  test.info().annotations.push({ type: "canary-scan", description: `before ${label}: ${JSON.stringify(before)}` });
  console.log(`Canary scan before ${label}:`, JSON.stringify(before));
}

test.describe.configure({ mode: "serial" });

/** Sign out on a phone: the button is in the header's menu (docs/decisions/022-the-observers-phone-header-and-bar.md). */
async function signOutFromMenu(page: Page) {
  const menu = page.locator("details.menu");
  if ((await menu.getAttribute("open")) === null) await menu.locator("summary").click();
  // in whichever language the person uses
  await menu.locator('form[action="/logout"] button[type="submit"]').click();
}

test("every report field, and the form, have autocomplete off", async ({ browser }) => {
  const { context, page } = await signedInContext(browser, "observer2");
  await openForm(page);
  await expect(page.locator("form#report")).toHaveAttribute("autocomplete", "off");
  const fields = await page.locator('form#report :is(input:not([type="hidden"]), select, textarea)').evaluateAll((all) =>
    all.map((f) => ({ name: f.getAttribute("name"), autocomplete: f.getAttribute("autocomplete") })),
  );
  expect(fields.length).toBeGreaterThan(40);
  expect(fields.filter((f) => f.autocomplete !== "off")).toEqual([]);
  await context.close();
});

test("signing out with JavaScript: unsent reports are asked about, other tabs stop keeping drafts, and the phone keeps no canary", async ({ browser }) => {
  const { context, page } = await signedInContext(browser, "observer2");
  // One report waits in the outbox: the server cannot be reached for it (from any tab).
  await openForm(page);
  await context.route(
    (url) => url.pathname.startsWith("/reports/new"),
    (route) => (route.request().method() === "POST" ? route.abort() : route.fallback()),
  );
  await page.locator('input[name="crossStreets"]').fill(`CANARY-outbox-${RUN}`);
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page.getByText("Saved on this phone — will send when online.")).toBeVisible();

  const canaries = [...(await typeCanaries(page, "signout")), `CANARY-outbox-${RUN}`];
  // A second tab with the form open, typing.
  const other = await context.newPage();
  await openForm(other);
  await other.locator('input[name="crossStreets"]').fill(`CANARY-tab-${RUN}`);
  canaries.push(`CANARY-tab-${RUN}`);
  await scanBefore(page, canaries, "sign-out (JS)");

  await signOutFromMenu(page);
  const dialog = page.getByRole("dialog", { name: "Reports not sent yet" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("One report on this phone has not reached the server yet.");
  await expect(dialog.getByRole("button", { name: "Send now" })).toBeFocused();
  await expectNoAxeViolations(page);
  // Send now: still no way through, so it says so and asks again.
  await dialog.getByRole("button", { name: "Send now" }).click();
  await expect(dialog.getByText("One report could not be sent.")).toBeVisible();
  // Escape keeps the person signed in, with everything where it was.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/reports\/new$/);
  await signOutFromMenu(page);
  await dialog.getByRole("button", { name: "Discard and sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  // The other tab dropped its form and left for the sign-in page.
  await expect(other).toHaveURL(/\/login/, { timeout: 10_000 });
  await expect(other.locator('input[name="crossStreets"]')).toHaveCount(0);
  await expectSignedOut(page);
  await other.close();
  await scanAfter(page, canaries, "sign-out (JS)");
  await context.close();
});

test("signing out without JavaScript: the answer's Clear-Site-Data wipes the phone", async ({ browser }) => {
  const { context, page } = await signedInContext(browser, "observer");
  const canaries = await typeCanaries(page, "signout-nojs");
  await scanBefore(page, canaries, "sign-out (no JS)");
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
  await page.goto("/reports/new");
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
  const signOut = page.waitForResponse((r) => r.url().endsWith("/logout") && r.request().method() === "POST");
  await signOutFromMenu(page);
  const answer = await signOut;
  expect(await answer.headerValue("clear-site-data")).toBe('"cache", "storage"');
  await expect(page).toHaveURL(/\/login/);
  await cdp.send("Emulation.setScriptExecutionDisabled", { value: false });
  await expectSignedOut(page);
  await scanAfter(page, canaries, "sign-out (no JS)");
  await context.close();
});

test("Quick exit with JavaScript: one tap wipes the phone, ends the session and leaves for the neutral page", async ({ browser }) => {
  const { context, page } = await signedInContext(browser, "observer2");
  const canaries = await typeCanaries(page, "exit");
  await scanBefore(page, canaries, "Quick exit (JS)");
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(new URL(r.url()).pathname);
  });
  await page.getByRole("main").getByRole("button", { name: "Quick exit" }).click();
  await expect(page).toHaveURL(NEUTRAL);
  expect(posts).toContain("/exit");
  // It replaced the form in the tab's history.
  await page.goBack().catch(() => undefined);
  expect(page.url()).not.toMatch(/\/reports\/new/);
  await expectSignedOut(page);
  await scanAfter(page, canaries, "Quick exit (JS)");
  await context.close();
});

test("Quick exit without JavaScript: /exit ends the session, clears the site's data, and a meta refresh leaves for the neutral page", async ({ browser }) => {
  const { context, page } = await signedInContext(browser, "observer");
  const canaries = await typeCanaries(page, "exit-nojs");
  await scanBefore(page, canaries, "Quick exit (no JS)");
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
  await page.goto("/shifts");
  const exit = page.waitForResponse((r) => r.url().endsWith("/exit") && r.request().method() === "POST");
  // Quick exit in the phone's menu, beside Sign out
  const menu = page.locator("details.menu");
  await menu.locator("summary").click();
  await menu.locator('form[action="/exit"] button[type="submit"]').click();
  const answer = await exit;
  expect(answer.status()).toBe(200);
  expect(await answer.headerValue("clear-site-data")).toBe('"cache", "storage"');
  await expect(page).toHaveURL(NEUTRAL);
  await cdp.send("Emulation.setScriptExecutionDisabled", { value: false });
  await expectSignedOut(page);
  await scanAfter(page, canaries, "Quick exit (no JS)");
  await context.close();
});

test("drafts older than the organisation's limit are erased, never offered; drafts of the unsalted tag are adopted once", async ({ browser }) => {
  const { context, page } = await signedInContext(browser, "observer2");
  await openForm(page);
  await page.locator('input[name="crossStreets"]').fill(`Old draft ${RUN}`);
  const drafts = () =>
    page.evaluate(
      () =>
        new Promise<{ owner: string; updatedAt: number; entries: [string, string][] }[]>((resolve, reject) => {
          const open = indexedDB.open("testigo-drafts");
          open.onsuccess = () => {
            const request = open.result.transaction("drafts").objectStore("drafts").getAll();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          };
        }),
    );
  await expect.poll(async () => (await drafts()).length).toBe(1);
  const salted = (await drafts())[0]!.owner;
  // The same draft written 25 hours ago: on the next load it goes, unseen.
  const rewrite = (change: { ageHours: number; owner?: string }) =>
    page.evaluate(
      ({ ageHours, owner }) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open("testigo-drafts");
          open.onsuccess = () => {
            const store = open.result.transaction("drafts", "readwrite").objectStore("drafts");
            const all = store.getAll();
            all.onsuccess = () => {
              for (const d of all.result) store.put({ ...d, owner: owner ?? d.owner, updatedAt: Date.now() - ageHours * 3_600_000 }, d.clientUuid);
              store.transaction.oncomplete = () => resolve();
            };
            all.onerror = () => reject(all.error);
          };
        }),
      change,
    );
  await rewrite({ ageHours: 25 });
  await openForm(page);
  await expect(page.locator('input[name="crossStreets"]')).toHaveValue("");
  await expect(page.getByText(/is back in the form/)).toHaveCount(0);
  expect(await drafts()).toEqual([]);

  // The limit is the organisation's: at 48 hours, the same draft is offered again.
  await e2eSql("update public.org_settings set draft_ttl_hours = 48");
  try {
    await page.locator('input[name="crossStreets"]').fill(`Kept draft ${RUN}`);
    await expect.poll(async () => (await drafts()).length).toBe(1);
    // Written before tags were salted: the tag was the bare hash of the email.
    const unsalted = await page.evaluate(async (email) => {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`testigo:${email}`)));
      return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
    }, DEMO.observer2);
    expect(unsalted).not.toBe(salted);
    await rewrite({ ageHours: 30, owner: unsalted });
    await openForm(page);
    await expect(page.locator('input[name="crossStreets"]')).toHaveValue(`Kept draft ${RUN}`);
    await expect.poll(async () => (await drafts()).map((d) => d.owner)).toEqual([salted]);
  } finally {
    await e2eSql("update public.org_settings set draft_ttl_hours = 24");
  }
  await context.close();
});
