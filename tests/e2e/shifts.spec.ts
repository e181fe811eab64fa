import { readFileSync } from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { blockTiles, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, outboxFor, storageStateFor, watchForThirdPartyRequests, type DemoRole, DEMO } from "./helpers";

// Runs in order: the coordinator's series is what the observers then claim.
test.describe.configure({ mode: "serial" });

// A week far enough ahead that the demo data never touches it: Monday 3 May 2027.
const SERIES_DATE = "2027-05-03";
const SERIES_UNTIL = "2027-05-16";

async function pageFor(browser: Browser, role: DemoRole, width = 1280) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width, height: 900 } });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

let seriesShiftUrl = "";

test("a coordinator creates a weekly series; bad input is explained and kept", async ({ browser }) => {
  const page = await pageFor(browser, "coordinator");
  await page.goto("/coordinate/shifts");
  await hydrated(page);
  const form = page.getByRole("region", { name: "Create shift" });
  await form.getByRole("combobox", { name: "Zone" }).selectOption({ label: "Logan Square" });
  await form.getByLabel("Date (first day of a series)").fill(SERIES_DATE);
  await form.getByLabel("Start time").fill("19:00");
  await form.getByLabel("End time").fill("22:00");
  await form.getByRole("spinbutton", { name: "Observers needed" }).fill("1");
  await form.getByRole("radio", { name: "Every week" }).check();
  await form.getByRole("textbox", { name: "Notes" }).fill("Meet at the Milwaukee Ave Blue Line exit.");
  // No weekday chosen: refused with a message at the field; what was typed stays.
  await form.getByRole("button", { name: "Create shift" }).click();
  await expect(form.locator("#create-weekdays-error")).toHaveText("Choose at least one day of the week.");
  // the summary at the top of the form takes focus and links to the field
  await expect(form.locator(".error-summary")).toBeFocused();
  await expect(form.locator(".error-summary").getByRole("link", { name: "Choose at least one day of the week." })).toHaveAttribute("href", "#create-weekdays-error");
  await expect(form.getByRole("textbox", { name: "Notes" })).toHaveValue("Meet at the Milwaukee Ave Blue Line exit.");

  await form.getByRole("checkbox", { name: "Monday" }).check();
  await form.getByRole("checkbox", { name: "Wednesday" }).check();
  await form.getByLabel("Last day").fill(SERIES_UNTIL);
  await form.getByRole("button", { name: "Create shift" }).click();
  await expect(page.getByRole("status")).toHaveText("4 shifts created.");
  await expect(page).toHaveURL(/week=2027-05-03/);
  const zone = page.getByRole("region", { name: "Logan Square" });
  await expect(zone.getByRole("link", { name: "7:00 PM–10:00 PM" })).toHaveCount(2);
  await expectNoAxeViolations(page);

  await zone.getByRole("link", { name: "7:00 PM–10:00 PM" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Logan Square" })).toBeVisible();
  await expect(page.getByText("Monday, May 3 · 7:00 PM – 10:00 PM")).toBeVisible();
  seriesShiftUrl = page.url().replace(/\/coordinate\/shifts\//, "/shifts/").replace(/\?.*$/, "");
  await expectNoAxeViolations(page);
  await page.context().close();
});

test("an observer claims, another joins the waitlist and is promoted when the first cancels", async ({ browser }) => {
  expect(seriesShiftUrl).not.toBe("");
  const olivia = await pageFor(browser, "observer2", 360);
  const foreign = watchForThirdPartyRequests(olivia);
  // find the shift through the filters, as an observer would
  await olivia.goto("/shifts");
  await hydrated(olivia);
  // The filters are folded away on a phone, so the first screen shows shifts.
  await olivia.getByText("Filter shifts", { exact: true }).click();
  await olivia.getByLabel("Day", { exact: true }).fill(SERIES_DATE);
  await olivia.getByRole("combobox", { name: "Zone" }).selectOption({ label: "Logan Square" });
  await olivia.getByRole("button", { name: "Show shifts" }).click();
  await expect(olivia).toHaveURL(/day=2027-05-03/);
  await olivia.getByRole("link", { name: /Logan Square/ }).first().click();
  await expect(olivia).toHaveURL(seriesShiftUrl);
  await expectNoAxeViolations(olivia);
  await expectNoHorizontalScroll(olivia);
  await olivia.getByRole("button", { name: "Claim shift" }).click();
  await expect(olivia.getByRole("status")).toContainText("You are on this shift.");
  await expect(olivia.getByText("Full")).toBeVisible();

  // Oscar reads Spanish; the shift is now full, so he may only join the waitlist
  const oscar = await pageFor(browser, "observer", 360);
  await oscar.goto(seriesShiftUrl);
  await hydrated(oscar);
  await expect(oscar.getByRole("button", { name: /Tomar turno|Claim shift/ })).toHaveCount(0);
  await oscar.getByRole("button", { name: /Unirme a la lista de espera|Join waitlist/ }).click();
  await expect(oscar.getByRole("status")).toContainText(/1/);
  await expectNoAxeViolations(oscar);

  // Olivia gives up her spot; Oscar has it at once
  // giving a spot away takes two taps
  await expect(olivia.getByRole("button", { name: "Cancel my spot" })).toBeHidden();
  await olivia.getByText("Can't go?").click();
  await olivia.getByRole("button", { name: "Cancel my spot" }).click();
  await expect(olivia.getByRole("status")).toContainText("You gave up your spot.");
  await oscar.goto("/my/shifts");
  const item = oscar.getByRole("listitem").filter({ hasText: "Logan Square" });
  await expect(item).toContainText(/Estás en este turno|You are on this shift/);
  // and is told by email, in Spanish
  await expect.poll(() => outboxFor(DEMO.observer).some((m) => m.text.includes("Logan Square") && /lista de espera/i.test(m.text)), { timeout: 15_000 }).toBe(true);
  expect(foreign).toEqual([]);
  await olivia.context().close();
  await oscar.context().close();
});

test("an observer checks in and out of a shift that is about to start, without JavaScript too", async ({ browser }) => {
  // a shift starting in 10 minutes, so check-in is open
  const [shift] = await e2eSql<{ id: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     select id, now() + interval '10 minutes', now() + interval '3 hours', 2 from public.zones where name = 'Belmont Cragin'
     returning id`,
  );
  const context = await browser.newContext({ storageState: storageStateFor("observer2"), javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`/shifts/${shift!.id}`);
  await page.getByRole("button", { name: "Claim shift" }).click();
  await expect(page.getByRole("status")).toContainText("You are on this shift.");
  await page.getByRole("button", { name: "Check in" }).click();
  await expect(page.getByRole("status")).toContainText(/Checked in at \d{1,2}:\d{2} [AP]M/);
  const [row] = await e2eSql<{ status: string; checked_in_at: Date | null }>(
    `select a.status, a.checked_in_at from public.shift_assignments a join public.profiles p on p.id = a.observer_id
     where a.shift_id = $1 and p.email = $2`,
    [shift!.id, DEMO.observer2],
  );
  expect(row?.status).toBe("checked_in");
  expect(Math.abs(new Date(row!.checked_in_at!).getTime() - Date.now())).toBeLessThan(60_000);
  await page.getByRole("button", { name: "Check out" }).click();
  await expect(page.getByRole("status")).toContainText("Checked out.");
  await context.close();
});

test("my shifts: a private calendar link that opens as iCalendar, and stops working when replaced", async ({ browser }) => {
  const page = await pageFor(browser, "observer", 1280);
  await page.goto("/my/shifts");
  await hydrated(page);
  await page.getByRole("button", { name: /Crear enlace de calendario|Create calendar link/ }).click();
  const link = page.getByRole("textbox", { name: /enlace privado|private calendar link/i });
  await expect(link).toHaveValue(/\/my\/calendar\.ics\?token=[A-Za-z0-9_-]{43}$/);
  const url = await link.inputValue();
  await expectNoAxeViolations(page);

  const response = await page.request.get(url);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("text/calendar");
  expect(response.headers()["cache-control"]).toContain("no-store");
  const ics = await response.text();
  expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
  expect(ics).toContain("X-WR-TIMEZONE:America/Chicago");
  // the promoted Logan Square shift, 7 pm Chicago daylight time = 00:00 UTC next day
  expect(ics).toContain("DTSTART:20270504T000000Z");
  expect(ics).toMatch(/SUMMARY:.*Logan Square/);
  expect(ics).not.toContain("observer2@example.org");

  await page.getByRole("button", { name: /enlace nuevo|new link/i }).click();
  await expect(page.getByRole("textbox", { name: /enlace privado|private calendar link/i })).not.toHaveValue(url);
  expect((await page.request.get(url)).status()).toBe(404);
  expect((await page.request.get("/my/calendar.ics?token=nonsense")).status()).toBe(404);
  await page.context().close();
});

test("the coordinator's roster shows who is on the shift, exports CSV, and cancelling emails them", async ({ browser }) => {
  const page = await pageFor(browser, "coordinator", 360);
  await page.goto(seriesShiftUrl.replace("/shifts/", "/coordinate/shifts/"));
  await hydrated(page);
  const roster = page.getByRole("region", { name: "Roster" });
  await expect(roster.getByRole("listitem").filter({ hasText: "Oscar Observador" })).toContainText("observer@example.org");
  await expect(roster.getByRole("button", { name: "Unassign Oscar Observador" })).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  const download = page.waitForEvent("download");
  await roster.getByRole("link", { name: "Download the roster (CSV)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^roster-logan-square-2027-05-03\.csv$/);
  const csv = readFileSync((await file.path())!, "utf8");
  expect(csv.split("\r\n")[0]).toContain('"Name","Email","Phone"');
  expect(csv).toContain('"Oscar Observador","observer@example.org"');

  // capacity below the people on it is refused, with the number kept
  await page.getByRole("spinbutton", { name: "Observers needed" }).fill("0");
  await page.getByRole("button", { name: "Save changes" }).click();
  // At the field, and as the summary's link to it.
  await expect(page.locator("#edit-capacity-error")).toHaveText("“Observers needed” can't be less than 1.");
  await expect(page.getByRole("link", { name: "“Observers needed” can't be less than 1." })).toHaveAttribute("href", "#edit-capacity");

  await page.getByRole("textbox", { name: /Reason/ }).fill("Storm warning");
  await page.getByRole("button", { name: "Cancel shift" }).click();
  await expect(page.getByRole("status")).toContainText("The shift is cancelled");
  await expect.poll(() => outboxFor(DEMO.observer).some((m) => m.text.includes("Storm warning")), { timeout: 15_000 }).toBe(true);
  await page.context().close();
});

test("a busy fortnight: whole days are listed until 40 shifts, later days are links with their counts", async ({ browser }) => {
  // 45 shifts in two days' time and 5 more three days after: more than a phone should load at once.
  const added = await e2eSql<{ id: string; day: string }>(
    `with tz as (select time_zone from public.org_settings limit 1),
     plan as (select n, case when n < 45 then 2 else 5 end as days_ahead from generate_series(0, 49) n)
     insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     select z.id,
       ((date_trunc('day', now() at time zone tz.time_zone) + make_interval(days => p.days_ahead, hours => 8, mins => (p.n % 45) * 15)) at time zone tz.time_zone),
       ((date_trunc('day', now() at time zone tz.time_zone) + make_interval(days => p.days_ahead, hours => 11, mins => (p.n % 45) * 15)) at time zone tz.time_zone),
       2
     from plan p, tz, public.zones z where z.name = 'Albany Park'
     returning id, to_char(starts_at at time zone (select time_zone from tz), 'YYYY-MM-DD') as day`,
  );
  try {
    const laterDay = added.find((s) => added.filter((o) => o.day === s.day).length === 5)!.day;
    const page = await pageFor(browser, "observer2", 360);
    const foreign = watchForThirdPartyRequests(page);
    await page.goto("/shifts");
    await hydrated(page);
    const listed = page.locator(".shift-list > li");
    expect(await listed.count()).toBeGreaterThanOrEqual(40);
    expect(await listed.count()).toBeLessThan(40 + 45);
    const later = page.getByRole("region", { name: "Later days" });
    await expect(later).toBeVisible();
    const item = later.getByRole("listitem").filter({ has: page.locator(`a[href*="day=${laterDay}"]`) });
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(/\d+ shifts · (\d+ with (a )?free spots?|all full)/);
    const link = item.getByRole("link");
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);

    await link.click();
    await expect(page).toHaveURL(new RegExp(`day=${laterDay}`));
    await expect(page.getByRole("region", { name: "Later days" })).toHaveCount(0);
    const [onThatDay] = await e2eSql<{ n: number }>(
      `select count(*)::int as n from public.shifts s join public.zones z on z.id = s.zone_id, public.org_settings o
       where z.name = 'Albany Park' and s.cancelled_at is null and to_char(s.starts_at at time zone o.time_zone, 'YYYY-MM-DD') = $1`,
      [laterDay],
    );
    expect(onThatDay!.n).toBeGreaterThanOrEqual(5);
    await expect(page.locator(".shift-list > li").filter({ hasText: "Albany Park" })).toHaveCount(onThatDay!.n);
    expect(foreign).toEqual([]);
    await page.context().close();
  } finally {
    await e2eSql(`delete from public.shifts where id = any($1::uuid[])`, [added.map((s) => s.id)]);
  }
});
