import { expect, test, type Browser, type Page } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, outboxFor, storageStateFor, watchForThirdPartyRequests, type DemoRole } from "./helpers";

// The coordinators' live board, fed by server-sent events, with the people it shows acting in
// other browsers. Runs in order: the second test builds on a quiet board.
test.describe.configure({ mode: "serial" });

async function pageFor(browser: Browser, role: DemoRole, width = 1280) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width, height: 900 } });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

async function liveBoard(browser: Browser, width = 1280) {
  const board = await pageFor(browser, "coordinator", width);
  const foreign = watchForThirdPartyRequests(board);
  await board.goto("/coordinate/live");
  await expect(board.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(board.getByRole("status").filter({ hasText: /^Live/ })).toHaveText("Live: updates appear as they happen.");
  return { board, foreign };
}

/** Milliseconds from `started` until `locator` is visible on the board (polled every 25 ms). */
async function delayUntilVisible(page: Page, text: string | RegExp, started: number) {
  await expect(page.getByText(text).first()).toBeVisible({ timeout: 10_000 });
  return Date.now() - started;
}

const stamp = Date.now().toString(36);

test("the board updates live when an observer in another browser checks in and files a report", async ({ browser }) => {
  // Olivia is on a Belmont Cragin shift that starts in 10 minutes (check-in is open), one of two spots taken.
  const [shift] = await e2eSql<{ id: string }>(
    `with s as (
       insert into public.shifts (zone_id, starts_at, ends_at, capacity)
       select id, now() + interval '10 minutes', now() + interval '2 hours', 2 from public.zones where name = 'Belmont Cragin'
       returning id, starts_at, ends_at)
     insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
     select s.id, p.id, 'claimed', now(), tstzrange(s.starts_at, s.ends_at) from s, public.profiles p where p.email = $1
     returning shift_id as id`,
    [DEMO.observer2],
  );
  const { board, foreign } = await liveBoard(browser);
  // a shift within the hour short of people (the job runner announces it)
  const short = board.getByRole("region", { name: "Short of people within the hour" });
  await expect(short.getByRole("listitem").filter({ hasText: "Belmont Cragin" })).toContainText("1 of 2 observers", { timeout: 15_000 });

  const olivia = await pageFor(browser, "observer2", 360);
  await olivia.goto(`/shifts/${shift!.id}`);
  await expect(olivia.locator("html")).toHaveAttribute("data-hydrated", "true");
  const out = board.getByRole("region", { name: /^Checked in now/ });
  await expect(out).not.toContainText("Olivia Observer");
  let started = Date.now();
  await olivia.getByRole("button", { name: "Check in" }).click();
  await expect(out.getByRole("region", { name: "Belmont Cragin: 1 observer" })).toContainText("Olivia Observer", { timeout: 10_000 });
  const checkInDelay = Date.now() - started;

  // she files a report; the board shows its P0 facts, never the narrative
  await olivia.goto("/reports/new");
  await expect(olivia.locator("html")).toHaveAttribute("data-hydrated", "true");
  await olivia.getByRole("checkbox", { name: "Detaining someone" }).check();
  await olivia.getByRole("spinbutton", { name: "How many agents (at least)" }).fill("5");
  await olivia.getByRole("checkbox", { name: "ICE (ERO)" }).check();
  await olivia.getByRole("textbox", { name: "Cross streets or landmark" }).fill(`Fullerton & Central ${stamp}`);
  await olivia.getByText("What you saw, in your words").click();
  await olivia.getByRole("textbox", { name: "Narrative" }).fill(`NARRATIVE-${stamp} stays off the board`);
  started = Date.now();
  await olivia.getByRole("button", { name: "Submit report" }).first().click();
  const reportDelay = await delayUntilVisible(board, `Fullerton & Central ${stamp}`, started);
  const item = board.getByRole("listitem").filter({ hasText: `Fullerton & Central ${stamp}` });
  await expect(item).toContainText("Belmont Cragin");
  await expect(item).toContainText("Detaining someone");
  await expect(item).toContainText("ICE (ERO)");
  await expect(item).toContainText("At least 5 agents");
  await expect(board.locator("body")).not.toContainText(`NARRATIVE-${stamp}`);
  await expect(olivia).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);

  console.log(`Live board delay (Playwright, click in one browser → shown in another): check-in ${checkInDelay} ms, report ${reportDelay} ms`);
  test.info().annotations.push({ type: "live-delay-ms", description: `check-in ${checkInDelay}, report ${reportDelay}` });
  // "within 2 s of submission", measured here from the click, so including the form's own round trip
  expect(reportDelay).toBeLessThan(2000);
  expect(checkInDelay).toBeLessThan(2000);
  await expectNoAxeViolations(board);

  // she checks out: gone from the board
  await olivia.goto(`/shifts/${shift!.id}`);
  await olivia.getByRole("button", { name: "Check out" }).click();
  await expect(out).not.toContainText("Olivia Observer");
  expect(foreign).toEqual([]);
  await board.context().close();
  await olivia.context().close();
});

test("a missed check-in: the board shows the alert, the observer answers “I'm OK”, the coordinator acknowledges", async ({ browser }) => {
  // Oscar (Spanish) was due in Albany Park 16 minutes ago and has not checked in.
  const [row] = await e2eSql<{ id: string }>(
    `with s as (
       insert into public.shifts (zone_id, starts_at, ends_at, capacity)
       select id, now() - interval '16 minutes', now() + interval '2 hours', 2 from public.zones where name = 'Albany Park'
       returning id, starts_at, ends_at)
     insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
     select s.id, p.id, 'claimed', now() - interval '1 day', tstzrange(s.starts_at, s.ends_at) from s, public.profiles p where p.email = $1
     returning id`,
    [DEMO.observer],
  );
  const { board } = await liveBoard(browser, 360);
  const alerts = board.getByRole("region", { name: /^Safety alerts/ });
  const alert = alerts.getByRole("listitem").filter({ hasText: "Oscar Observador has not checked in" });
  // the job runner (every 2 s here) raises it; the board shows it without a reload
  await expect(alert).toBeVisible({ timeout: 15_000 });
  await expect(alert).toContainText("Albany Park");
  await expectNoAxeViolations(board);
  await expectNoHorizontalScroll(board);

  // "Are you OK?" by email, in Spanish, with the link to answer
  await expect.poll(() => outboxFor(DEMO.observer).find((m) => m.subject === "¿Estás bien? Tu turno en Albany Park")?.text ?? "", { timeout: 15_000 }).toMatch(/\/my\/shifts/);

  const oscar = await pageFor(browser, "observer", 360);
  await oscar.goto("/my/shifts");
  const check = oscar.getByRole("region", { name: "¿Estás bien?" });
  await expect(check).toContainText("Albany Park");
  await expectNoAxeViolations(oscar);
  await check.getByRole("button", { name: "Estoy bien" }).click();
  await expect(oscar.getByText("Gracias. Tu coordinador ya ve que estás bien.")).toBeVisible();
  await expect(oscar.getByRole("region", { name: "¿Estás bien?" })).toHaveCount(0);

  await expect(alert).toContainText("Said they are OK at");
  await alert.getByRole("button", { name: "Acknowledge" }).click();
  await expect(board.getByText("Alert acknowledged.")).toBeVisible();
  await expect(alert).toHaveCount(0);

  await e2eSql(`update public.shift_assignments set status = 'cancelled', cancelled_at = now() where id = $1`, [row!.id]);
  await board.context().close();
  await oscar.context().close();
});

test("without JavaScript the board is a snapshot with a refresh link, and acknowledging still works", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("coordinator"), javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto("/coordinate/live");
  await expect(page.getByRole("status")).toHaveText(/^As of \d{1,2}:\d{2} [AP]M\. Refresh to update\.$/);
  await expect(page.getByRole("link", { name: "Refresh" })).toHaveAttribute("href", "/coordinate/live");
  await expect(page.getByRole("heading", { name: "Short of people within the hour" })).toBeVisible();

  // Olivia is 20 minutes late in Logan Square; the check runs (as the job runner would)
  const [row] = await e2eSql<{ id: string }>(
    `with s as (
       insert into public.shifts (zone_id, starts_at, ends_at, capacity)
       select id, now() - interval '20 minutes', now() + interval '1 hour', 1 from public.zones where name = 'Logan Square'
       returning id, starts_at, ends_at)
     insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
     select s.id, p.id, 'claimed', now() - interval '1 day', tstzrange(s.starts_at, s.ends_at) from s, public.profiles p where p.email = $1
     returning id`,
    [DEMO.observer2],
  );
  await e2eSql("select private.detect_live_conditions()");
  await page.getByRole("link", { name: "Refresh" }).click();
  const alert = page.getByRole("listitem").filter({ hasText: "Olivia Observer has not checked in" });
  await alert.getByRole("button", { name: "Acknowledge" }).click();
  await expect(page.getByText("Alert acknowledged.")).toBeVisible();
  await expect(alert).toHaveCount(0);
  await e2eSql(`update public.shift_assignments set status = 'cancelled', cancelled_at = now() where id = $1`, [row!.id]);
  await context.close();
});

test("the event stream: signed-in people only, never compressed or cached", async ({ browser, request }) => {
  expect((await request.get("/live/events")).status()).toBe(401);
  const page = await pageFor(browser, "observer2");
  await page.goto("/profile");
  const result = await page.evaluate(async () => {
    const controller = new AbortController();
    const response = await fetch("/live/events?after=0", { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      encoding: response.headers.get("content-encoding"),
      cache: response.headers.get("cache-control"),
      first,
    };
  });
  expect(result).toMatchObject({ status: 200, type: "text/event-stream; charset=utf-8", encoding: null });
  expect(result.cache).toContain("no-store");
  expect(result.first).toMatch(/^retry: \d+\n/);
  const bad = await page.evaluate(async () => (await fetch("/live/events?after=abc")).status);
  expect(bad).toBe(400);
  await page.context().close();
});
