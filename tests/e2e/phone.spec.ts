import { mkdirSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, watchForThirdPartyRequests } from "./helpers";

// Issue 18, items 1–4: the observer's phone on a raid night, at 360×740 (a small Android phone).

const PHONE = { width: 360, height: 740 };

// Specs before this one (dispatch, hotline) leave the demo observer checked in somewhere with a live
// dispatch, whose banner leads every page: this file measures the plain first screen, so it starts
// from an observer with neither.
test.beforeAll(async () => {
  await e2eSql("update public.dispatches set cancelled_at = now() where cancelled_at is null");
  await e2eSql(
    `update public.shift_assignments set status = 'checked_out', checked_out_at = now()
     where status = 'checked_in' and observer_id = (select id from public.profiles where email = $1)`,
    [DEMO.observer2],
  );
});
const HOTLINE_HREF = "tel:3125550199"; // the demo organisation's "(312) 555-0199"
const SCREENS = path.resolve(".data/reports/screens");

async function phone(browser: Browser, javaScriptEnabled = true) {
  const context = await browser.newContext({ storageState: storageStateFor("observer2"), viewport: PHONE, javaScriptEnabled });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** A shift two days from now at an hour no demo shift uses, so observer2 can claim it. */
async function freshShift(hour: number) {
  const [row] = await e2eSql<{ id: string; day: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     select id, d + make_interval(hours => $1), d + make_interval(hours => $1 + 1), 2
     from public.zones, (select ((now() at time zone 'America/Chicago')::date + 2)::timestamp at time zone 'America/Chicago' as d) day
     where name = 'Logan Square'
     returning id, to_char(starts_at at time zone 'America/Chicago', 'YYYY-MM-DD') as day`,
    [hour],
  );
  return row!;
}

async function assignmentStatus(shiftId: string) {
  const rows = await e2eSql<{ status: string }>(
    `select a.status from public.shift_assignments a join public.profiles p on p.id = a.observer_id where a.shift_id = $1 and p.email = $2`,
    [shiftId, DEMO.observer2],
  );
  return rows[0]?.status ?? null;
}

async function saveScreen(page: Page, testInfo: TestInfo, name: string) {
  mkdirSync(SCREENS, { recursive: true });
  const file = path.join(SCREENS, `phone-${name}.png`);
  const body = await page.screenshot({ path: file });
  await testInfo.attach(`phone-${name}.png (360×740, first screen)`, { body, contentType: "image/png" });
}

test("on every observer page: the bar stays on screen, the header fits, nothing is covered", async ({ browser }, testInfo) => {
  // Nine pages, each with axe, on a shared machine.
  test.setTimeout(240_000);
  const [shift] = await e2eSql<{ id: string }>("select id from public.shifts where starts_at > now() and cancelled_at is null order by starts_at limit 1");
  const [report] = await e2eSql<{ id: string }>(
    `insert into public.reports (client_uuid, author_id, zone_id, occurred_at, location, location_accuracy_m, cross_streets, activities, agencies, narrative)
     select gen_random_uuid(), p.id, z.id, now() - interval '1 hour', '{"type": "Point", "coordinates": [-87.7077, 41.9216]}', 15, 'Milwaukee & Kedzie',
            array['questioning'], array['ice_ero'], 'Two agents asked a man for his papers.'
     from public.profiles p, public.zones z where p.email = $1 and z.name = 'Logan Square'
     returning id`,
    [DEMO.observer2],
  );
  const pages = ["/", "/shifts", "/shifts?view=map", `/shifts/${shift!.id}`, "/my/shifts", "/reports", "/reports/new", `/reports/${report!.id}`, "/profile"];
  const page = await phone(browser);
  const foreign = watchForThirdPartyRequests(page);
  const heights: Record<string, number> = {};
  for (const url of pages) {
    await page.goto(url);
    await hydrated(page);
    if (url === "/reports/new") await expect(page.locator("form#report")).not.toHaveAttribute("aria-busy", "true");
    if (["/", "/shifts", "/reports/new"].includes(url)) await saveScreen(page, testInfo, url === "/" ? "home" : url.slice(1).replace(/\//g, "-"));

    const header = await page.locator("header.site-header").boundingBox();
    heights[url] = header!.height;
    expect(header!.height, `header height on ${url}`).toBeLessThanOrEqual(64);
    // The first screen is the page's own: its heading is on it.
    const h1 = await page.getByRole("heading", { level: 1 }).boundingBox();
    expect(h1!.y + h1!.height, `h1 on the first screen of ${url}`).toBeLessThanOrEqual(PHONE.height / 3);

    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const bar = page.getByRole("navigation", { name: "Quick actions" });
    const report = bar.getByRole("link", { name: "Report an incident" });
    const call = bar.getByRole("link", { name: "Call hotline" });
    await expect(report).toHaveAttribute("href", "/reports/new");
    await expect(call).toHaveAttribute("href", HOTLINE_HREF);
    for (const action of [report, call]) {
      await expect(action).toBeInViewport({ ratio: 1 });
      const box = (await action.boundingBox())!;
      expect(box.y + box.height, `${url}: bottom of the bar's action`).toBeLessThanOrEqual(PHONE.height);
    }

    // The page's last button can always be brought into view above the bar.
    const covered = await page.evaluate(() => {
      const buttons = [...document.querySelectorAll<HTMLElement>("main button, main input[type=submit]")].filter((b) => b.checkVisibility({ visibilityProperty: true }));
      const last = buttons.at(-1);
      if (!last) return null;
      last.scrollIntoView({ block: "center" });
      const r = last.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit && (hit === last || last.contains(hit)) ? "" : `${last.outerHTML.slice(0, 80)} is under ${hit?.outerHTML.slice(0, 80)}`;
    });
    expect(covered ?? "", `${url}: last button covered`).toBe("");
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
  }
  testInfo.annotations.push({ type: "header heights at 360 px", description: JSON.stringify(heights) });
  console.log(`header heights at 360×740: ${JSON.stringify(heights)}`);
  expect(foreign).toEqual([]);
  await page.context().close();
});

test("the menu opens and its links work by keyboard; Escape closes it", async ({ browser }) => {
  const page = await phone(browser);
  await page.goto("/reports");
  await hydrated(page);
  // Closed, the menu's links are not on screen (nor in the accessibility tree).
  await expect(page.getByRole("link", { name: "My shifts" })).toBeHidden();
  const menu = page.locator("details.menu");
  const button = page.locator("summary.menu-button");
  await expect(button).toHaveAccessibleName("Menu");
  await button.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("open", "");
  const nav = page.locator(".menu-panel").getByRole("navigation", { name: "Main" });
  for (const name of ["Home", "Shifts", "My shifts", "My reports", "My profile"]) await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Español" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await expectNoAxeViolations(page);

  await page.keyboard.press("Escape");
  await expect(menu).not.toHaveAttribute("open", "");
  await expect(button).toBeFocused();

  // Open again; Tab reaches the first link, then the next; Enter follows it and the menu closes.
  await page.keyboard.press("Space");
  await expect(menu).toHaveAttribute("open", "");
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Home" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(nav.getByRole("link", { name: "Shifts", exact: true })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/shifts$/);
  await expect(page.getByRole("heading", { level: 1, name: "Shifts" })).toBeVisible();
  await expect(menu).not.toHaveAttribute("open", "");
  await page.context().close();
});

test("the menu works without JavaScript", async ({ browser }) => {
  const page = await phone(browser, false);
  await page.goto("/");
  await page.getByText("Menu", { exact: true }).click();
  await expect(page.locator("details.menu")).toHaveAttribute("open", "");
  await page.locator(".menu-panel").getByRole("link", { name: "My shifts" }).click();
  await expect(page).toHaveURL(/\/my\/shifts$/);
  await expect(page.getByRole("heading", { level: 1, name: "My shifts" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Quick actions" }).getByRole("link", { name: "Call hotline" })).toHaveAttribute("href", HOTLINE_HREF);
  await page.context().close();
});

test("/shifts: the list comes first; List and Map switch by links that keep the filters", async ({ browser }) => {
  const shift = await freshShift(3);
  const page = await phone(browser);
  await page.goto(`/shifts?day=${shift.day}`);
  await hydrated(page);
  const item = page.locator("li", { has: page.locator(`#shift-${shift.id}`) });
  await expect(item).toBeInViewport();
  const views = page.getByRole("navigation", { name: "Show shifts as" });
  await expect(views.getByRole("link", { name: "List" })).toHaveAttribute("aria-current", "page");
  await views.getByRole("link", { name: "Map" }).click();
  await expect(page).toHaveURL(new RegExp(`/shifts\\?day=${shift.day}&view=map$`));
  await expect(views.getByRole("link", { name: "Map" })).toHaveAttribute("aria-current", "page");
  // Zones keep their colour by open spots, and each is labelled with its name on the map.
  await expect(page.locator(".leaflet-tooltip.zone-label", { hasText: "Logan Square" })).toBeVisible();
  await expect(page.locator(".leaflet-tooltip.zone-label").first()).toBeVisible();
  const labels = await page.locator(".leaflet-tooltip.zone-label").allTextContents();
  const zones = await e2eSql<{ name: string }>("select name from public.zones where retired_at is null");
  expect(labels.sort()).toEqual(zones.map((z) => z.name).sort());
  await expect(page.getByRole("link", { name: "Logan Square" })).toBeVisible();
  await expectNoAxeViolations(page);
  await views.getByRole("link", { name: "List" }).click();
  await expect(page).toHaveURL(new RegExp(`/shifts\\?day=${shift.day}$`));
  await expect(item).toBeVisible();
  await page.context().close();
});

test("Claim shift from the list, with JavaScript: the result is announced and the shift shows as yours", async ({ browser }) => {
  const shift = await freshShift(4);
  const page = await phone(browser);
  await page.goto(`/shifts?day=${shift.day}`);
  await hydrated(page);
  const item = page.locator("li", { has: page.locator(`#shift-${shift.id}`) });
  const claim = item.getByRole("button", { name: "Claim shift" });
  await expect(claim).toHaveAccessibleDescription(/Logan Square/);
  await claim.click();
  const notice = page.getByRole("status").filter({ hasText: "You are on this shift." });
  await expect(notice).toBeFocused();
  // The list stays, with its filters (Remix adds `index`: the form posted to this index route).
  await expect(page).toHaveURL(new RegExp(`/shifts\\?(index&)?day=${shift.day}$`));
  await expect(item.getByText("You are on this shift", { exact: true })).toBeVisible();
  await expect(item.getByRole("button", { name: "Claim shift" })).toHaveCount(0);
  expect(await assignmentStatus(shift.id)).toBe("claimed");
  await expectNoAxeViolations(page);
  await page.context().close();
});

test("Claim shift from the list, without JavaScript", async ({ browser }) => {
  const shift = await freshShift(5);
  const page = await phone(browser, false);
  await page.goto(`/shifts?day=${shift.day}`);
  const item = page.locator("li", { has: page.locator(`#shift-${shift.id}`) });
  await item.getByRole("button", { name: "Claim shift" }).click();
  await expect(page.getByRole("status").filter({ hasText: "You are on this shift." })).toBeVisible();
  await expect(item.getByText("You are on this shift", { exact: true })).toBeVisible();
  await expect(item.getByRole("button", { name: "Claim shift" })).toHaveCount(0);
  expect(await assignmentStatus(shift.id)).toBe("claimed");
  // The switch still leads to the map of the same day (the form's `index` left out).
  await expect(page.getByRole("navigation", { name: "Show shifts as" }).getByRole("link", { name: "Map", exact: true })).toHaveAttribute("href", `/shifts?day=${shift.day}&view=map`);
  await page.context().close();
});

test("someone who cannot claim gets no Claim button in the list", async ({ browser }) => {
  const shift = await freshShift(6);
  const [prior] = await e2eSql<{ training_date: string | null }>("select training_date::text from public.profiles where email = $1", [DEMO.observer2]);
  await e2eSql("update public.profiles set training_date = null where email = $1", [DEMO.observer2]);
  try {
    const page = await phone(browser);
    await page.goto(`/shifts?day=${shift.day}`);
    await hydrated(page);
    await expect(page.locator(`#shift-${shift.id}`)).toBeVisible();
    await expect(page.getByRole("button", { name: "Claim shift" })).toHaveCount(0);
    await expect(page.getByRole("note")).toBeVisible();
    await page.context().close();
  } finally {
    await e2eSql("update public.profiles set training_date = $2::date where email = $1", [DEMO.observer2, prior!.training_date]);
  }
});

test("a checked-in observer's home puts Report an incident first and Check out second", async ({ browser }) => {
  const [row] = await e2eSql<{ id: string }>(
    `with s as (
       insert into public.shifts (zone_id, starts_at, ends_at, capacity)
       select id, now() - interval '10 minutes', now() + interval '50 minutes', 3 from public.zones where name = 'Albany Park'
       returning id, starts_at, ends_at)
     insert into public.shift_assignments (shift_id, observer_id, status, claimed_at, checked_in_at, period)
     select s.id, p.id, 'checked_in', now() - interval '1 day', now() - interval '5 minutes', tstzrange(s.starts_at, s.ends_at)
     from s, public.profiles p where p.email = $1
     returning id`,
    [DEMO.observer2],
  );
  try {
    const page = await phone(browser);
    await page.goto("/");
    await hydrated(page);
    const main = page.locator("main");
    await expect(main.getByRole("heading", { level: 2, name: "You are checked in at Albany Park." })).toBeVisible();
    // The page's first two actions, in order: report (primary), then check out.
    const actions = main.locator("a.button, button").filter({ visible: true });
    await expect(actions.nth(0)).toHaveText("Report an incident");
    await expect(actions.nth(0)).toHaveClass(/primary/);
    await expect(actions.nth(1)).toHaveText("Check out");
    await expect(actions.nth(1)).not.toHaveClass(/primary/);
    await expect(actions.nth(0)).toBeInViewport();
    await expectNoAxeViolations(page);
    await actions.nth(0).click();
    await expect(page).toHaveURL(/\/reports\/new$/);
    await page.context().close();
  } finally {
    await e2eSql(`update public.shift_assignments set status = 'checked_out', checked_out_at = now() where id = $1`, [row!.id]);
  }
});
