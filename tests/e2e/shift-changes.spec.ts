import { expect, test, type Browser, type Page } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, outboxFor, signInThroughUi, storageStateFor, type DemoRole } from "./helpers";

test.describe.configure({ mode: "serial" });

// A day far enough ahead that the demo data and the other specs never touch it: Monday 7 June 2027.
const DAY = "2027-06-07";

async function pageFor(browser: Browser, role: DemoRole | null, width = 1280) {
  const context = await browser.newContext({ ...(role ? { storageState: storageStateFor(role) } : {}), viewport: { width, height: 900 } });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** A shift on DAY between two local times (organisation's zone) in a demo zone, straight into the database. */
async function shiftAt(zone: string, start: string, end: string, capacity = 2) {
  const [row] = await e2eSql<{ id: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     select z.id, ($2::date + $3::time) at time zone o.time_zone, ($2::date + $4::time) at time zone o.time_zone, $5
     from public.zones z cross join public.org_settings o where z.name = $1 returning id`,
    [zone, DAY, start, end, capacity],
  );
  return row!.id;
}

async function putOn(shiftId: string, email: string) {
  await e2eSql(
    `insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, period)
     select $1::uuid, p.id, 'claimed', now(), tstzrange(s.starts_at, s.ends_at) from public.profiles p, public.shifts s where p.email = $2 and s.id = $1::uuid`,
    [shiftId, email],
  );
}

test("an observer without training sees why and whom to ask, and no Claim button, at 360 px", async ({ browser }) => {
  const email = `untrained.${Date.now()}@example.org`;
  // Someone invited and signed up, whose training nobody has recorded yet.
  await e2eSql(`insert into public.invitations (email, display_name, roles) values ($1, 'Uma Untrained', '{observer}')`, [email]);
  await e2eSql(`insert into auth.users (email) values ($1)`, [email]);
  const shift = await shiftAt("Pilsen", "10:00", "12:00");
  const page = await pageFor(browser, null, 360);
  await signInThroughUi(page, email);

  await page.goto("/shifts");
  await hydrated(page);
  await expect(page.getByText("You cannot claim shifts yet: your observer training is not recorded.")).toBeVisible();
  await expect(page.getByText(/Ask a coordinator of .+ to record your training/)).toBeVisible();
  await expectNoHorizontalScroll(page);
  await expectNoAxeViolations(page);

  await page.goto(`/shifts/${shift}`);
  await hydrated(page);
  await expect(page.getByText("You cannot claim shifts yet: your observer training is not recorded.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Claim shift" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /waitlist/i })).toHaveCount(0);
  await expectNoHorizontalScroll(page);
  await expectNoAxeViolations(page);

  // The same page for a trained observer has the button: the reason is the person's, not the shift's.
  const trained = await pageFor(browser, "observer2", 360);
  await trained.goto(`/shifts/${shift}`);
  await expect(trained.getByRole("button", { name: "Claim shift" })).toBeVisible();
  await trained.context().close();
  await page.context().close();
});

test("a coordinator changes a shift's time: a double-booking is named, the person taken off on confirmation, everyone told", async ({ browser }) => {
  const moving = await shiftAt("Little Village", "18:00", "22:00");
  const morning = await shiftAt("Pilsen", "10:00", "14:00");
  await putOn(moving, DEMO.observer);
  await putOn(morning, DEMO.observer);
  await putOn(moving, DEMO.observer2);
  const [oscar] = await e2eSql<{ display_name: string }>(`select display_name from public.profiles where email = $1`, [DEMO.observer]);

  const page = await pageFor(browser, "coordinator", 360);
  await page.goto(`/coordinate/shifts/${moving}`);
  await hydrated(page);
  const form = page.getByRole("region", { name: "Change the time" });
  await form.getByLabel("Start time").fill("12:00");
  await form.getByLabel("End time").fill("16:00");
  await form.getByRole("button", { name: "Change the time" }).click();
  // at the start time, and at the top of the form, linked to it
  await expect(form.locator("#reschedule-start-error")).toContainText(`The new time does not suit: ${oscar!.display_name}.`);
  await expect(form.locator(".error-summary").getByRole("link", { name: `The new time does not suit: ${oscar!.display_name}.` })).toHaveAttribute("href", "#reschedule-start");
  // What was typed stays.
  await expect(form.getByLabel("Start time")).toHaveValue("12:00");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  await form.getByRole("checkbox", { name: `Take ${oscar!.display_name} off this shift` }).check();
  await form.getByRole("button", { name: "Change the time" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The time was changed" })).toHaveText("The time was changed and everyone on the shift will be told.");
  await expect(page.locator("p.lead")).toContainText("12:00 PM – 4:00 PM");

  // Told by email, each in their own language (the runner sends every 2 s): Oscar that he was
  // taken off, Olivia the new time.
  await expect.poll(() => outboxFor(DEMO.observer).some((m) => /taken off a shift in Little Village|Se te quitó de un turno en Little Village/.test(m.subject)), { timeout: 15_000 }).toBe(true);
  await expect.poll(() => outboxFor(DEMO.observer2).some((m) => /New time for your shift in Little Village|Nuevo horario de tu turno en Little Village/.test(m.subject)), { timeout: 15_000 }).toBe(true);
  await page.context().close();
});

test("someone already checked in stays: a time that double-books them is refused without a box to take them off, and the coordinator is told who stayed", async ({ browser }) => {
  // A new volunteer (no other spec sees them), checked in on a shift that starts in 20 minutes, and
  // on another shift in four hours.
  const email = `checked.in.${Date.now()}@example.org`;
  await e2eSql(`insert into public.invitations (email, display_name, roles) values ($1, 'Cora Checkedin', '{observer}')`, [email]);
  await e2eSql(`insert into auth.users (email) values ($1)`, [email]);
  const near = await e2eSql<{ id: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     select z.id, now() + s.a, now() + s.b, 2 from public.zones z,
       (values (interval '20 minutes', interval '2 hours', 'Little Village'), (interval '4 hours', interval '6 hours', 'Pilsen')) as s(a, b, zone)
     where z.name = s.zone order by s.a returning id`,
  );
  const [moving, later] = near.map((r) => r.id) as [string, string];
  await e2eSql(
    `insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, checked_in_at, period)
     select s.id, p.id, case when s.id = $1::uuid then 'checked_in'::public.assignment_status else 'claimed' end, now(),
            case when s.id = $1::uuid then now() end, tstzrange(s.starts_at, s.ends_at)
     from public.profiles p, public.shifts s where p.email = $3 and s.id in ($1::uuid, $2::uuid)`,
    [moving, later, email],
  );
  const local = async (hours: number) =>
    (
      await e2eSql<{ day: string; time: string }>(
        `select to_char((now() + make_interval(hours => $1)) at time zone time_zone, 'YYYY-MM-DD') as day,
                to_char((now() + make_interval(hours => $1)) at time zone time_zone, 'HH24:MI') as time from public.org_settings`,
        [hours],
      )
    )[0]!;

  try {
    const page = await pageFor(browser, "coordinator", 360);
    await page.goto(`/coordinate/shifts/${moving}`);
    await hydrated(page);
    const form = page.getByRole("region", { name: "Change the time" });
    const moveTo = async (from: number, to: number) => {
      const [start, end] = [await local(from), await local(to)];
      await form.getByLabel("Day").fill(start.day);
      await form.getByLabel("Start time").fill(start.time);
      await form.getByLabel("End time").fill(end.time);
      await form.getByRole("button", { name: "Change the time" }).click();
    };
    await moveTo(3, 5);
    await expect(form.getByText("Already checked in, so staying on this shift: Cora Checkedin.", { exact: false }).first()).toBeVisible();
    await expect(form.getByText(/Cora Checkedin stays: already checked in here, and on Pilsen/)).toBeVisible();
    await expect(form.getByRole("checkbox", { name: /Take Cora Checkedin off/ })).toHaveCount(0);
    await expectNoAxeViolations(page);

    await moveTo(1, 3);
    await expect(page.getByRole("status").filter({ hasText: "The time was changed" })).toHaveText(
      "The time was changed and everyone on the shift will be told. 1 person already checked in stays on it.",
    );
    const [after] = await e2eSql<{ status: string }>(`select a.status from public.shift_assignments a join public.profiles p on p.id = a.observer_id where a.shift_id = $1::uuid and p.email = $2`, [moving, email]);
    expect(after!.status).toBe("checked_in");
    await page.context().close();
  } finally {
    await e2eSql(`delete from public.shifts where id in ($1::uuid, $2::uuid)`, [moving, later]);
  }
});

test("a coverage gap offers Create shift, pre-filled with its zone and window", async ({ browser }) => {
  const page = await pageFor(browser, "coordinator");
  await page.goto("/coordinate/coverage");
  await hydrated(page);
  const link = page.getByRole("link", { name: /^Create shift for / }).first();
  const name = (await link.textContent())!.replace(/^Create shift\s*for\s*/, "").trim();
  await link.click();
  await expect(page).toHaveURL(/\/coordinate\/shifts\?.*zone=/);
  const form = page.getByRole("region", { name: "Create shift" });
  await expect(form.getByRole("combobox", { name: "Zone" }).locator("option:checked")).toHaveText(name);
  const params = new URL(page.url()).searchParams;
  await expect(form.getByLabel("Date (first day of a series)")).toHaveValue(params.get("date")!);
  await expect(form.getByLabel("Start time")).toHaveValue(params.get("start")!);
  await page.context().close();
});

test("a coordinator changes a weekly series from a date on; earlier shifts keep their time", async ({ browser }) => {
  // Mondays 14, 21 and 28 June 2027, 9–11 am, in Pilsen.
  const [series] = await e2eSql<{ id: string }>(
    `insert into public.shift_series (zone_id, weekdays, start_time, end_time, starts_on, ends_on, time_zone)
     select z.id, '{1}', '09:00', '11:00', '2027-06-14', '2027-06-28', o.time_zone from public.zones z cross join public.org_settings o
     where z.name = 'Pilsen' returning id`,
  );
  const shifts = await e2eSql<{ id: string; day: string }>(
    `insert into public.shifts (zone_id, series_id, starts_at, ends_at, capacity)
     select ser.zone_id, ser.id, (d::date + ser.start_time) at time zone ser.time_zone, (d::date + ser.end_time) at time zone ser.time_zone, 2
     from public.shift_series ser cross join unnest(array['2027-06-14', '2027-06-21', '2027-06-28']) as d
     where ser.id = $1::uuid returning id, to_char(starts_at at time zone (select time_zone from public.org_settings), 'YYYY-MM-DD') as day`,
    [series!.id],
  );
  const second = shifts.find((s) => s.day === "2027-06-21")!;
  const third = shifts.find((s) => s.day === "2027-06-28")!;
  await putOn(second.id, DEMO.observer2);
  await putOn(third.id, DEMO.observer2);
  const seriesMail = /changed 2 of your shifts|cambió 2 de tus turnos/;

  const page = await pageFor(browser, "coordinator", 360);
  await page.goto(`/coordinate/shifts/${second.id}`);
  await hydrated(page);
  const form = page.getByRole("region", { name: "Change the weekly series" });
  await expect(form.getByLabel("From")).toHaveValue("2027-06-21");
  await form.getByLabel("Start time").fill("10:00");
  await form.getByLabel("End time").fill("12:00");
  await form.getByRole("spinbutton", { name: "Spots on each shift" }).fill("3");
  await form.getByRole("button", { name: "Change the series" }).click();
  await expect(page.getByRole("status").filter({ hasText: "series" })).toHaveText("2 shifts of the series were changed.");
  await expect(page.locator("p.lead")).toContainText("10:00 AM – 12:00 PM");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  const after = await e2eSql<{ day: string; start: string; capacity: number }>(
    `select to_char(starts_at at time zone o.time_zone, 'YYYY-MM-DD') as day, to_char(starts_at at time zone o.time_zone, 'HH24:MI') as start, capacity
     from public.shifts cross join public.org_settings o where series_id = $1::uuid order by starts_at`,
    [series!.id],
  );
  expect(after).toEqual([
    { day: "2027-06-14", start: "09:00", capacity: 2 },
    { day: "2027-06-21", start: "10:00", capacity: 3 },
    { day: "2027-06-28", start: "10:00", capacity: 3 },
  ]);
  // Olivia, on both changed shifts, gets one email that lists them (ADR 030), not one per shift.
  await expect.poll(() => outboxFor(DEMO.observer2).filter((m) => seriesMail.test(m.subject)).length, { timeout: 15_000 }).toBe(1);
  const mail = outboxFor(DEMO.observer2).find((m) => seriesMail.test(m.subject))!;
  expect(mail.text).toMatch(/(Monday, June 21|lunes 21 de junio) · (10:00 AM – 12:00 PM|10:00 – 12:00) (in|en) Pilsen/);
  expect(mail.text).toMatch(/(Monday, June 28|lunes 28 de junio) · (10:00 AM – 12:00 PM|10:00 – 12:00) (in|en) Pilsen/);
  expect(outboxFor(DEMO.observer2).filter((m) => /New time for your shift in Pilsen|Nuevo horario de tu turno en Pilsen/.test(m.subject))).toEqual([]);
  await page.context().close();
});
