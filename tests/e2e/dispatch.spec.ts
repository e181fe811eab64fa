import { expect, test, type Browser } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, outboxFor, storageStateFor, watchForThirdPartyRequests, type DemoRole } from "./helpers";

// Dispatch: the coordinator sends the observers checked in near an incoming report; the observer
// sees the alert live in another browser and answers; the board shows the answer live.
test.describe.configure({ mode: "serial" });

async function pageFor(browser: Browser, role: DemoRole, width = 1280, javaScriptEnabled = true) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width, height: 900 }, javaScriptEnabled });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

const stamp = Date.now().toString(36);

/** `email` checked in to a shift in `zone` that started 10 minutes ago. Returns the assignment. */
async function checkedIn(email: string, zone: string) {
  const [row] = await e2eSql<{ id: string }>(
    `with s as (
       insert into public.shifts (zone_id, starts_at, ends_at, capacity)
       select id, now() - interval '10 minutes', now() + interval '3 hours', 3 from public.zones where name = $2
       returning id, starts_at, ends_at)
     insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, checked_in_at, period)
     select s.id, p.id, 'checked_in', now() - interval '1 day', now() - interval '5 minutes', tstzrange(s.starts_at, s.ends_at)
     from s, public.profiles p where p.email = $1
     returning id`,
    [email, zone],
  );
  return row!.id;
}

const checkOut = (assignmentId: string) =>
  e2eSql(`update public.shift_assignments set status = 'checked_out', checked_out_at = now() where id = $1`, [assignmentId]);

test("the coordinator dispatches from an incoming report; the observer sees it live and answers; the board shows the answer live", async ({ browser }) => {
  // Olivia is out in Logan Square; Oscar in Albany Park, 3 km from it (not a neighbour).
  const olivia = await checkedIn(DEMO.observer2, "Logan Square");
  const oscar = await checkedIn(DEMO.observer, "Albany Park");
  // A report comes in from Logan Square.
  await e2eSql(
    `insert into public.reports (client_uuid, author_id, zone_id, occurred_at, location, location_accuracy_m, cross_streets, activities, agencies, narrative)
     select gen_random_uuid(), p.id, z.id, now() - interval '5 minutes', '{"type": "Point", "coordinates": [-87.7077, 41.9216]}', 15, $1,
            array['detaining'], array['ice_ero'], $2
     from public.profiles p, public.zones z where p.email = $3 and z.name = 'Logan Square'`,
    [`Milwaukee & Kedzie ${stamp}`, `NARRATIVE-${stamp}`, DEMO.observer],
  );

  const board = await pageFor(browser, "coordinator");
  const foreign = watchForThirdPartyRequests(board);
  await board.goto("/coordinate/live");
  await expect(board.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(board.getByRole("status").filter({ hasText: /^Live/ })).toHaveText("Live: updates appear as they happen.");

  const observer = await pageFor(browser, "observer2", 360);
  const observerForeign = watchForThirdPartyRequests(observer);
  await observer.goto("/");
  await expect(observer.locator("html")).toHaveAttribute("data-hydrated", "true");
  const oscarPage = await pageFor(browser, "observer", 360);
  await oscarPage.goto("/");
  await expect(oscarPage.locator("html")).toHaveAttribute("data-hydrated", "true");

  // "Send observers" on the report: the form says where, which zones and who it will reach
  const report = board.getByRole("listitem").filter({ hasText: `Milwaukee & Kedzie ${stamp}` });
  await report.getByRole("link", { name: "Send observers" }).click();
  const form = board.getByRole("region", { name: "Send observers" });
  await expect(form).toContainText(`To the report in Logan Square: Milwaukee & Kedzie ${stamp}`);
  await expect(form).toContainText("Alerts the observers checked in to Logan Square");
  await expect(form).toContainText("It will reach 1 observer:");
  await expect(form.getByRole("listitem")).toHaveText(["Olivia Observer, in Logan Square"]);
  await expect(form).toBeFocused();
  await expectNoAxeViolations(board);
  await form.getByRole("textbox", { name: "Note for the observers (optional)" }).fill("Go to the corner of Milwaukee & Kedzie, north side");

  let started = Date.now();
  await form.getByRole("button", { name: "Send the alert" }).click();
  // the observer's banner appears without a reload
  const banner = observer.getByRole("region", { name: "A coordinator is asking you to go to Logan Square" });
  await expect(banner).toBeVisible({ timeout: 10_000 });
  const alertDelay = Date.now() - started;
  await expect(banner).toContainText(`Where: Milwaukee & Kedzie ${stamp}`);
  await expect(banner).toContainText("Note: Go to the corner of Milwaukee & Kedzie, north side");
  await expect(banner).not.toContainText(`NARRATIVE-${stamp}`);

  // the board: sent, and the panel lists Olivia without an answer yet
  await expect(board.getByText("Alert sent to 1 observer. Their answers appear under Dispatches.")).toBeVisible();
  const panel = board.getByRole("region", { name: "Dispatches (last 12 hours)" });
  const dispatch = panel.getByRole("listitem").filter({ hasText: `Milwaukee & Kedzie ${stamp}, sent at` }).first();
  await expect(dispatch).toContainText("0 on their way · 0 can't · 1 no answer yet");
  await expect(dispatch.getByRole("listitem").filter({ hasText: "Olivia Observer" })).toContainText("No answer yet");
  await expect(board.getByRole("region", { name: "Send observers" })).toHaveCount(0);

  await expectNoAxeViolations(observer);
  await expectNoHorizontalScroll(observer);
  // Oscar, 3 km away, was not sent and sees nothing of it
  await expect(oscarPage.locator(".dispatch-banner")).toHaveCount(0);

  started = Date.now();
  await banner.getByRole("button", { name: "On my way" }).click();
  await expect(dispatch.getByRole("listitem").filter({ hasText: "Olivia Observer" })).toContainText("On my way", { timeout: 10_000 });
  const answerDelay = Date.now() - started;
  await expect(dispatch).toContainText("1 on their way · 0 can't · 0 no answer yet");

  // she lands on the dispatch's page: where, the note, her answer
  await expect(observer).toHaveURL(/\/dispatch\/[0-9a-f-]{36}$/);
  await expect(observer.getByText("Thank you. Your coordinator sees that you are on your way.")).toBeVisible();
  await expect(observer.getByRole("heading", { level: 1, name: "Dispatch to Logan Square" })).toBeVisible();
  await expect(observer.getByText(/^You said you are on your way/)).toBeVisible();
  await expect(observer.getByRole("link", { name: "Open in your map app" })).toHaveAttribute("href", "geo:41.9216,-87.7077?q=41.9216,-87.7077");
  await expect(observer.locator(".leaflet-container")).toBeVisible();
  await expectNoAxeViolations(observer);
  await expectNoHorizontalScroll(observer);

  // and by email, in her language, with the link; never the narrative
  const mailFor = () => outboxFor(DEMO.observer2).find((m) => m.subject === "Can you go? Observers needed in Logan Square" && m.text.includes(stamp));
  await expect.poll(() => mailFor() ?? null, { timeout: 15_000 }).not.toBeNull();
  const mail = mailFor()!;
  expect(mail.text).toMatch(/\/dispatch\/[0-9a-f-]{36}/);
  expect(mail.text).toContain("Note: Go to the corner of Milwaukee & Kedzie, north side");
  expect(mail.text).not.toContain("NARRATIVE");
  expect(outboxFor(DEMO.observer).some((m) => m.text.includes(stamp))).toBe(false);

  console.log(`Dispatch delay (Playwright, click in one browser → shown in another): alert ${alertDelay} ms, answer ${answerDelay} ms`);
  test.info().annotations.push({ type: "dispatch-delay-ms", description: `alert ${alertDelay}, answer ${answerDelay}` });
  expect(alertDelay).toBeLessThan(3000);
  expect(answerDelay).toBeLessThan(3000);

  // called off: her "on my way" line goes away live
  await observer.goto("/");
  await expect(observer.getByText(`You are on your way to Milwaukee & Kedzie ${stamp}.`)).toBeVisible();
  await dispatch.getByRole("button", { name: "Call off" }).click();
  await expect(board.getByText("Dispatch called off. The observers no longer see it.")).toBeVisible();
  await expect(dispatch).toContainText("Called off at");
  await expect(observer.getByText(`You are on your way to Milwaukee & Kedzie ${stamp}.`)).toHaveCount(0, { timeout: 10_000 });
  await expectNoAxeViolations(board);

  expect(foreign).toEqual([]);
  expect(observerForeign).toEqual([]);
  await checkOut(olivia);
  await checkOut(oscar);
  for (const page of [board, observer, oscarPage]) await page.context().close();
});

test("without JavaScript: a point typed in, the alert sent, the observer answers “Can't” from the banner", async ({ browser }) => {
  const olivia = await checkedIn(DEMO.observer2, "Logan Square");
  const board = await pageFor(browser, "coordinator", 360, false);
  await board.goto("/coordinate/live");
  const point = board.getByRole("form", { name: "Send observers to a point" });
  // a bad coordinate is explained on its field
  await point.getByRole("textbox", { name: "Latitude" }).fill("141.9");
  await point.getByRole("textbox", { name: "Longitude" }).fill("-87.70");
  await point.getByRole("button", { name: "See who it would reach" }).click();
  await expect(board.getByRole("textbox", { name: "Latitude" })).toHaveAttribute("aria-invalid", "true");
  await expect(board.getByText("Enter a latitude between -90 and 90, like 41.8781.")).toBeVisible();
  await board.getByRole("textbox", { name: "Latitude" }).fill("41.92");
  await board.getByRole("button", { name: "See who it would reach" }).click();
  const form = board.getByRole("region", { name: "Send observers" });
  await expect(form).toContainText("To the point 41.92, -87.7 (Logan Square)");
  await expect(form.getByRole("listitem")).toContainText(["Olivia Observer, in Logan Square"]);
  // (axe needs JavaScript: the same form is checked with it in pages.spec.ts)
  await expectNoHorizontalScroll(board);
  await form.getByRole("textbox", { name: "Note for the observers (optional)" }).fill(`Corner of Kedzie & Fullerton ${stamp}`);
  await form.getByRole("button", { name: "Send the alert" }).click();
  await expect(board.getByText("Alert sent to 1 observer. Their answers appear under Dispatches.")).toBeVisible();

  const observer = await pageFor(browser, "observer2", 360, false);
  // The report form is the page the service worker keeps on the phone: no alert in its document.
  await observer.goto("/reports/new");
  await expect(observer.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await observer.content()).not.toContain(stamp);
  await observer.goto("/my/shifts");
  const banner = observer.getByRole("region", { name: "A coordinator is asking you to go to Logan Square" }).filter({ hasText: stamp });
  await expect(banner).toContainText("Where: 41.92, -87.7");
  await banner.getByRole("button", { name: "Can't" }).click();
  await expect(observer.getByText("Thank you. Your coordinator sees that you can't go.")).toBeVisible();
  await expect(observer.getByText(/^You said you can't go/)).toBeVisible();
  await observer.goto("/my/shifts");
  await expect(observer.getByRole("region", { name: "A coordinator is asking you to go to Logan Square" }).filter({ hasText: stamp })).toHaveCount(0);

  await board.goto("/coordinate/live");
  const dispatch = board.getByRole("listitem").filter({ hasText: `Note: Corner of Kedzie & Fullerton ${stamp}` });
  await expect(dispatch.getByRole("listitem").filter({ hasText: "Olivia Observer" })).toContainText("Can't");
  await dispatch.getByRole("button", { name: "Call off" }).click();
  await expect(board.getByText("Dispatch called off. The observers no longer see it.")).toBeVisible();
  await checkOut(olivia);
  await board.context().close();
  await observer.context().close();
});

test("a dispatch page is for its recipients and coordinators only; a bad answer is a 400", async ({ browser, request }) => {
  const [row] = await e2eSql<{ id: string }>(`select id from public.dispatches order by created_at desc limit 1`);
  const attorney = await pageFor(browser, "attorney");
  expect((await attorney.goto(`/dispatch/${row!.id}`))!.status()).toBe(404);
  const oscar = await pageFor(browser, "observer");
  expect((await oscar.goto(`/dispatch/${row!.id}`))!.status()).toBe(404);
  expect((await oscar.goto(`/dispatch/not-a-uuid`))!.status()).toBe(404);
  const status = await oscar.evaluate(async (id) => {
    const body = new URLSearchParams({ response: "maybe" });
    return (await fetch(`/dispatch/${id}`, { method: "POST", body })).status;
  }, row!.id);
  expect(status).toBe(400);
  const coordinator = await pageFor(browser, "coordinator");
  await coordinator.goto(`/dispatch/${row!.id}`);
  await expect(coordinator.getByRole("region", { name: "Observers sent" })).toContainText("Olivia Observer");
  await expectNoAxeViolations(coordinator);
  expect((await request.get(`/dispatch/${row!.id}`, { maxRedirects: 0 })).status()).toBe(302);
  for (const page of [attorney, oscar, coordinator]) await page.context().close();
});
