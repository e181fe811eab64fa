import { expect, test, type Browser, type Page } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, type DemoRole } from "./helpers";

// Never lost, never doubled, nothing about people kept on the phone in plain text.

const CANARY = `CANARY-phone-${Date.now().toString(36)}`;

async function contextFor(browser: Browser, role: DemoRole) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await blockTiles(page);
  return { context, page };
}

/** The report form, hydrated and done reading the phone's drafts. */
async function openForm(page: Page, how: "goto" | "reload" = "goto") {
  if (how === "goto") await page.goto("/reports/new");
  else await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator("form#report")).not.toHaveAttribute("aria-busy", "true");
}

/** Everything in this origin's IndexedDB, every database and store. */
function dumpIndexedDb(page: Page) {
  return page.evaluate(async () => {
    const out: Record<string, unknown[]> = {};
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        out[`${info.name}/${store}`] = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
      }
      db.close();
    }
    return out;
  });
}

async function reportsOf(role: DemoRole, crossStreets?: string) {
  const rows = await e2eSql<{ n: string }>(
    `select count(*) as n from public.reports r join public.profiles p on p.id = r.author_id
     where p.email = $1 and ($2::text is null or r.cross_streets like $2)`,
    [DEMO[role], crossStreets ?? null],
  );
  return Number(rows[0]!.n);
}

test.describe.configure({ mode: "serial" });

test("a draft survives a reload without details about people; “Discard draft” clears it", async ({ browser }) => {
  const { context, page } = await contextFor(browser, "observer2");
  await openForm(page);
  await expect(page.getByText("Details about people are never kept in drafts on this phone.")).toBeVisible();
  await page.getByRole("checkbox", { name: "Detaining someone" }).check();
  await page.getByRole("spinbutton", { name: "How many agents (at least)" }).fill("7");
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Draft St & Kept Ave");
  await page.getByText("Legal details").click();
  await page.getByRole("textbox", { name: "Officer 1: badge number" }).fill("4471");
  await page.getByText("People detained (sealed)").click();
  const person = page.getByRole("group", { name: "Person 1" });
  await person.getByRole("textbox", { name: "Name" }).fill(CANARY);
  await person.getByRole("textbox", { name: "A-number, if known" }).fill("A-987-654-321");
  await page.getByText("Witnesses (sealed)").click();
  await page.getByRole("group", { name: "Witness 1" }).getByRole("textbox", { name: "Contact" }).fill(`${CANARY}-witness 555-0199`);
  await page.getByText("What you saw, in your words").click();
  await page.getByRole("textbox", { name: "Narrative" }).fill("Two unmarked vans.");

  await expect.poll(async () => JSON.stringify(await dumpIndexedDb(page))).toContain("Two unmarked vans.");
  const stored = JSON.stringify(await dumpIndexedDb(page));
  expect(stored).toContain("Draft St & Kept Ave");
  expect(stored).toContain("4471");
  expect(stored).not.toContain(CANARY);
  expect(stored).not.toContain("987-654-321");
  expect(stored).not.toMatch(/detained\[|witnesses\[/);

  await openForm(page, "reload");
  await expect(page.getByText(/Your draft from .+ is back in the form/)).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toHaveValue("Draft St & Kept Ave");
  await expect(page.getByRole("checkbox", { name: "Detaining someone" })).toBeChecked();
  await expect(page.getByRole("spinbutton", { name: "How many agents (at least)" })).toHaveValue("7");
  await expect(page.getByRole("textbox", { name: "Narrative" })).toHaveValue("Two unmarked vans.");
  await expect(page.locator('input[name="detained[0].name"]')).toHaveValue("");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  await page.getByRole("button", { name: "Discard draft" }).click();
  await expect(page.getByText("Draft discarded. The form is empty again.")).toBeVisible();
  await expect(page.getByText("Draft discarded. The form is empty again.")).toBeFocused();
  await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toHaveValue("");
  await expect(page.getByRole("checkbox", { name: "Detaining someone" })).not.toBeChecked();
  expect((await dumpIndexedDb(page))["testigo-drafts/drafts"] ?? []).toEqual([]);
  await openForm(page, "reload");
  await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toHaveValue("");
  await expect(page.getByRole("button", { name: "Discard draft" })).toHaveCount(0);
  await context.close();
});

test("offline, “Submit report” keeps the sealed report on the phone and sends it once online", async ({ browser }) => {
  const { context, page } = await contextFor(browser, "observer2");
  const before = await reportsOf("observer2");
  await openForm(page);
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Offline Ave & Queue St");
  await page.getByText("People detained (sealed)").click();
  await page.getByRole("group", { name: "Person 1" }).getByRole("textbox", { name: "Name" }).fill(CANARY);

  await context.setOffline(true);
  await page.getByRole("button", { name: "Submit report" }).first().click();
  const saved = page.getByText("Saved on this phone — will send when online.");
  await expect(saved).toBeVisible();
  await expect(saved).toBeFocused();
  const list = page.getByRole("region", { name: "Reports on this phone" });
  await expect(list.getByText("Waiting to send")).toBeVisible();
  await expect(list.getByText("Tried 1 time", { exact: true })).toBeVisible();
  // A new report starts: empty, under a new clientUuid.
  await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toHaveValue("");
  const stored = await dumpIndexedDb(page);
  const outbox = stored["testigo-outbox/outbox"] as { body: [string, string][]; state: string; clientUuid: string }[];
  expect(outbox).toHaveLength(1);
  expect(outbox[0]!.body.map(([name]) => name)).toContain("sealed");
  expect(JSON.stringify(stored)).not.toContain(CANARY);
  expect(stored["testigo-drafts/drafts"] ?? []).toEqual([]);
  expect(await page.locator('input[name="clientUuid"]').inputValue()).not.toBe(outbox[0]!.clientUuid);
  expect(await reportsOf("observer2")).toBe(before);
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // Back online, but the server is failing: it waits, and says how often it tried.
  await context.route("**/reports/new", (route) => (route.request().method() === "POST" ? route.fulfill({ status: 503, body: "down" }) : route.fallback()));
  await context.setOffline(false);
  await expect(list.getByText(/^Tried [2-9] times$/)).toBeVisible({ timeout: 20_000 });
  // On a phone the header's links are in its menu (ADR 022).
  await page.getByText("Menu", { exact: true }).click();
  await page.getByRole("link", { name: "My reports" }).click();
  const onReports = page.getByRole("region", { name: "Reports on this phone" });
  await expect(onReports.getByText("Waiting to send")).toBeVisible();
  expect(await reportsOf("observer2")).toBe(before);

  // The server is back: the retry timer sends it, and it joins the list of reports.
  await context.unroute("**/reports/new");
  await expect(page.getByText(/^Your report of .+ was sent\.$/)).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("link", { name: /Offline Ave & Queue St/ })).toBeVisible();
  await expect(onReports).toHaveCount(0);
  expect(await reportsOf("observer2")).toBe(before + 1);
  await expectNoAxeViolations(page);

  await page.getByRole("link", { name: "Report an incident" }).first().click();
  await expect(page.getByRole("region", { name: "Reports on this phone" }).getByText("Sent", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: /Open the report of/ }).click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  await expect(page.getByText("Offline Ave & Queue St")).toBeVisible();
  expect(JSON.stringify(await dumpIndexedDb(page))).not.toContain("Offline Ave");
  await context.close();
});

test("a queued report the server refuses shows why, and goes back into the form to be corrected", async ({ browser }) => {
  const { context, page } = await contextFor(browser, "observer2");
  const before = await reportsOf("observer2");
  await openForm(page);
  await page.getByRole("textbox", { name: "When" }).fill("2025-01-02T10:00");
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Too Old Rd");
  await context.setOffline(true);
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page.getByText("Saved on this phone — will send when online.")).toBeVisible();
  await context.setOffline(false);
  const list = page.getByRole("region", { name: "Reports on this phone" });
  await expect(list.getByText("Not accepted")).toBeVisible({ timeout: 20_000 });
  await expect(list.getByText("This is more than 90 days ago. Ask your coordinator how to report it.")).toBeVisible();
  expect(await reportsOf("observer2")).toBe(before);
  await expectNoAxeViolations(page);

  await list.getByRole("button", { name: "Edit and send again" }).click();
  await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toHaveValue("Too Old Rd");
  await expect(page.getByRole("textbox", { name: "When" })).toHaveValue("2025-01-02T10:00");
  await expect(list).toHaveCount(0);
  // an hour ago, as the organisation's clock reads it
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone: "America/Chicago", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(Date.now() - 3_600_000))
      .map((p) => [p.type, p.value]),
  );
  await page.getByRole("textbox", { name: "When" }).fill(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`);
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
  expect(await reportsOf("observer2")).toBe(before + 1);
  await context.close();
});

test("fault test: 100 reports through a network that drops, aborts and loses answers are each filed exactly once", async ({ browser }) => {
  test.setTimeout(300_000);
  const N = 100;
  const run = Date.now().toString(36);
  const { context, page } = await contextFor(browser, "observer");
  const before = await reportsOf("observer");
  const faults = { aborted: 0, answerLost: 0, through: 0, offlineSubmits: 0, filedAtOnce: 0, keptOnPhone: 0 };
  // Random, but the same for a given run id: every POST of a report (the form's own attempt and the
  // outbox's) may die before the server sees it, or after the server filed it (the answer is lost).
  let seed = [...run].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
  const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  // A request the page itself gave up on (a reload mid-send) is already handled: nothing to do.
  const ignoreGone = () => undefined;
  await context.route("**/reports/new*", async (route) => {
    if (route.request().method() !== "POST") return route.fallback().catch(ignoreGone);
    const r = random();
    if (r < 0.25) {
      faults.aborted++;
      return route.abort("failed").catch(ignoreGone);
    }
    if (r < 0.45) {
      faults.answerLost++;
      await route.fetch().catch(() => null);
      return route.abort("connectionreset").catch(ignoreGone);
    }
    faults.through++;
    return route.fallback().catch(ignoreGone);
  });

  const started = Date.now();
  await openForm(page);
  let offline = false;
  for (let i = 0; i < N; i++) {
    // The signal comes and goes: offline for a few reports now and then.
    const wantOffline = i % 9 >= 6;
    if (wantOffline !== offline) {
      await context.setOffline(wantOffline);
      offline = wantOffline;
    }
    if (offline) faults.offlineSubmits++;
    const where = page.getByRole("textbox", { name: "Cruce de calles o punto de referencia" });
    await where.fill(`Fault ${run} #${i}`);
    await page.getByRole("button", { name: "Enviar reporte" }).first().click();
    // Filed at once (the report's page), or kept on the phone (a new, empty form).
    await expect
      .poll(
        async () =>
          /\/reports\/[0-9a-f-]{36}/.test(page.url()) ? "filed" : (await where.inputValue({ timeout: 250 }).catch(() => "?")) === "" ? "kept" : "waiting",
        {
          timeout: 30_000,
          intervals: [50, 100, 200],
        },
      )
      .not.toBe("waiting");
    if (/\/reports\/[0-9a-f-]{36}/.test(page.url())) {
      faults.filedAtOnce++;
      await page.getByRole("link", { name: "Reportar un incidente" }).first().click();
      await expect(page).toHaveURL(/\/reports\/new$/);
      await expect(page.locator("form#report")).not.toHaveAttribute("aria-busy", "true");
    } else {
      if (++faults.keptOnPhone === 1) await expect(page.getByText("Guardado en este teléfono: se enviará cuando haya conexión.")).toBeVisible();
    }
  }
  await context.setOffline(false);
  await context.unroute("**/reports/new*");
  const submitted = Date.now();

  // Whatever still waits goes out: on page load, on `online`, on the retry timer.
  await expect
    .poll(
      async () => {
        const waiting = ((await dumpIndexedDb(page))["testigo-outbox/outbox"] ?? []) as { state: string }[];
        if (waiting.some((w) => w.state === "queued")) await openForm(page, "reload");
        return { waiting: waiting.filter((w) => w.state !== "sent").length, filed: await reportsOf("observer", `Fault ${run} #%`) };
      },
      { timeout: 120_000, intervals: [1_000, 2_000, 5_000] },
    )
    .toEqual({ waiting: 0, filed: N });

  const doubles = await e2eSql(`select cross_streets, count(*) from public.reports where cross_streets like $1 group by 1 having count(*) <> 1`, [
    `Fault ${run} #%`,
  ]);
  expect(doubles).toEqual([]);
  const distinct = await e2eSql<{ n: string }>(`select count(distinct cross_streets) as n from public.reports where cross_streets like $1`, [
    `Fault ${run} #%`,
  ]);
  expect(Number(distinct[0]!.n)).toBe(N);
  expect(await reportsOf("observer")).toBe(before + N);
  const took = { submitSeconds: (submitted - started) / 1000, drainSeconds: (Date.now() - submitted) / 1000 };
  console.log(`Fault test: ${N} submissions -> ${N} reports`, JSON.stringify({ ...faults, ...took }));
  test.info().annotations.push({ type: "fault-test", description: JSON.stringify({ ...faults, ...took }) });
  expect(faults.aborted + faults.answerLost).toBeGreaterThan(10);
  expect(faults.keptOnPhone).toBeGreaterThan(10);
  await context.close();
});

test("the service worker: after one visit the form opens offline, a second report there gets its own clientUuid, and no other page is cached", async ({
  browser,
}) => {
  const { context, page } = await contextFor(browser, "observer2");
  const before = await reportsOf("observer2");
  await openForm(page);
  await expect
    .poll(() => page.evaluate(async () => Boolean(navigator.serviceWorker.controller) && Boolean(await caches.match("/reports/new"))), { timeout: 20_000 })
    .toBe(true);

  await context.setOffline(true);
  await openForm(page, "reload");
  await expect(page.getByRole("heading", { level: 1, name: "Report an incident" })).toBeVisible();
  const cachedUuid = await page.locator('input[name="clientUuid"]').inputValue();
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Cached Form St #1");
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page.getByText("Saved on this phone — will send when online.")).toBeVisible();

  // The same cached page again: its clientUuid is spent, so the form makes a new one.
  await openForm(page, "reload");
  expect(await page.locator('input[name="clientUuid"]').inputValue()).not.toBe(cachedUuid);
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Cached Form St #2");
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page.getByText("Saved on this phone — will send when online.")).toBeVisible();
  await expect(page.getByRole("region", { name: "Reports on this phone" }).getByText("Waiting to send")).toHaveCount(2);

  // Nothing but the form, the offline page and hashed assets is kept; other pages do not open
  // offline: they show the offline page (tests/e2e/installable.spec.ts), never a copy.
  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    return urls;
  });
  expect(cached.filter((p) => !["/reports/new", "/offline.html", "/offline.js"].includes(p) && !p.startsWith("/assets/"))).toEqual([]);
  await page.goto("/reports");
  await expect(page.getByRole("heading", { level: 1, name: "You’re offline" })).toBeVisible();
  await expect(page.getByText("Cached Form St")).toHaveCount(0);

  // Back online, the offline page loads /reports by itself; then the form.
  await context.setOffline(false);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await openForm(page);
  await expect.poll(() => reportsOf("observer2", "Cached Form St #%"), { timeout: 20_000 }).toBe(2);
  expect(await reportsOf("observer2")).toBe(before + 2);

  // Signing out (or any visit to the sign-in page) forgets the copy with the observer's name.
  await page.goto("/login");
  await expect.poll(() => page.evaluate(async () => Boolean(await caches.match("/reports/new")))).toBe(false);
  await context.close();
});
