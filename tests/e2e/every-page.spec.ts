/**
 * Every page, as every role, on a 360-px phone: the expected answer (the page, "not allowed", "not
 * found" or the sign-in page), no axe violation, nothing wider than the screen, and no request to
 * any host but the app's own and the configured tile server (which is blocked).
 *
 * The list is checked against app/routes: a new route file fails the first test until it is
 * listed here as a page or exempted (by name, with the reason) as a resource route.
 * (pages.spec.ts keeps the headings, the 1280-px widths and the query-string variants.)
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { blockTiles, DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, TILE_HOST, type DemoRole } from "./helpers";
import { E2E_PORT } from "./paths";

type Role = "visitor" | Extract<DemoRole, "observer" | "coordinator" | "attorney" | "hotline" | "admin">;
const ROLES: Role[] = ["visitor", "observer", "coordinator", "attorney", "hotline", "admin"];

/** What a role gets: the page itself, "not allowed" (403), "not found" (404), or sent elsewhere. */
type Expect = "ok" | "forbidden" | "notFound" | "signIn" | "home";

interface Ids {
  shift: string;
  zone: string;
  /** A report by observer@example.org that review has not started on (so it can still be edited). */
  report: string;
  /** A dispatch observer@example.org was sent on (3 hours ago: no banner on other pages). */
  dispatch: string;
  /** A call logged by hotline@example.org. */
  call: string;
}

interface PageSpec {
  path: (ids: Ids) => string;
  /** By role; a role not named gets `others`. */
  expect: Partial<Record<Role, Expect>>;
  others: Expect;
}

const signedIn = (outcome: Expect): Partial<Record<Role, Expect>> => ({ visitor: "signIn", observer: outcome, coordinator: outcome, attorney: outcome, hotline: outcome, admin: outcome });
const only = (...roles: Role[]): Partial<Record<Role, Expect>> => ({ visitor: "signIn", ...Object.fromEntries(roles.map((r) => [r, "ok"])) });

/** Route file (without extension) → how to visit it and what each role must get. */
const PAGES: Record<string, PageSpec> = {
  $: { path: () => "/no-such-page", expect: {}, others: "notFound" },
  _index: { path: () => "/", expect: signedIn("ok"), others: "ok" },
  // Public: the same page for everyone, signed in or not (no session read, no script).
  alerts: { path: () => "/alerts", expect: {}, others: "ok" },
  "admin.people": { path: () => "/admin/people", expect: only("admin", "coordinator"), others: "forbidden" },
  "admin.settings": { path: () => "/admin/settings", expect: only("admin"), others: "forbidden" },
  "coordinate.coverage": { path: () => "/coordinate/coverage", expect: only("coordinator", "admin"), others: "forbidden" },
  "coordinate.observers": { path: () => "/coordinate/observers", expect: only("coordinator", "admin"), others: "forbidden" },
  "coordinate.live": { path: () => "/coordinate/live", expect: only("coordinator", "admin"), others: "forbidden" },
  "coordinate.shifts._index": { path: () => "/coordinate/shifts", expect: only("coordinator", "admin"), others: "forbidden" },
  "coordinate.shifts.$id._index": { path: (ids) => `/coordinate/shifts/${ids.shift}`, expect: only("coordinator", "admin"), others: "forbidden" },
  "coordinate.zones._index": { path: () => "/coordinate/zones", expect: only("coordinator", "admin"), others: "forbidden" },
  "coordinate.zones.$id": { path: (ids) => `/coordinate/zones/${ids.zone}`, expect: only("coordinator", "admin"), others: "forbidden" },
  // Its recipients and coordinators; anyone else gets "not found" (RLS).
  "dispatch.$id": { path: (ids) => `/dispatch/${ids.dispatch}`, expect: only("observer", "coordinator", "admin"), others: "notFound" },
  // The development outbox: only in development and test mode, on a loopback host; no sign-in.
  "dev.outbox": { path: () => "/dev/outbox", expect: {}, others: "ok" },
  // Calls to the hotline (ADR 025): volunteers, coordinators, admins and attorneys; logging one, volunteers.
  "hotline._index": { path: () => "/hotline", expect: only("hotline", "coordinator", "attorney", "admin"), others: "forbidden" },
  "hotline.new": { path: () => "/hotline/new", expect: only("hotline"), others: "forbidden" },
  "hotline.$id": { path: (ids) => `/hotline/${ids.call}`, expect: only("hotline", "coordinator", "attorney", "admin"), others: "forbidden" },
  "login._index": { path: () => "/login", expect: { visitor: "ok" }, others: "home" },
  // Without a pending sign-in it sends people to /login; the visitor's run reaches it for real below.
  "login.verify": { path: () => "/login/verify", expect: { visitor: "signIn" }, others: "home" },
  "my.shifts": { path: () => "/my/shifts", expect: only("observer"), others: "forbidden" },
  profile: { path: () => "/profile", expect: signedIn("ok"), others: "ok" },
  "reports._index": { path: () => "/reports", expect: only("observer"), others: "forbidden" },
  "reports.new": { path: () => "/reports/new", expect: only("observer"), others: "forbidden" },
  // Its author, attorneys and admins may read a report (RLS); a coordinator may not.
  "reports.$id._index": { path: (ids) => `/reports/${ids.report}`, expect: { ...only("observer", "attorney", "admin") }, others: "notFound" },
  // Only its author: for anyone else another's report is not found.
  "reports.$id.declaration": { path: (ids) => `/reports/${ids.report}/declaration`, expect: only("observer"), others: "notFound" },
  "reports.$id.edit": { path: (ids) => `/reports/${ids.report}/edit`, expect: only("observer"), others: "forbidden" },
  "review._index": { path: () => "/review", expect: only("attorney", "admin"), others: "forbidden" },
  "review.$id._index": { path: (ids) => `/review/${ids.report}`, expect: only("attorney"), others: "forbidden" },
  "review.key": { path: () => "/review/key", expect: only("attorney"), others: "forbidden" },
  "review.map": { path: () => "/review/map", expect: only("attorney"), others: "forbidden" },
  "review.share": { path: () => "/review/share", expect: only("attorney", "admin"), others: "forbidden" },
  "shifts._index": { path: () => "/shifts", expect: signedIn("ok"), others: "ok" },
  "shifts.$id": { path: (ids) => `/shifts/${ids.shift}`, expect: signedIn("ok"), others: "ok" },
};

/** Routes that are not pages: nothing for axe to read. Each with the reason. */
const EXEMPT: Record<string, string> = {
  "alerts[.json]": "JSON Feed of the community alerts (alerts.spec.ts checks it)",
  "coordinate.shifts.$id.roster[.csv]": "CSV download of a shift's roster",
  "coordinate.zones.export": "GeoJSON download of the zones",
  exit: "Quick exit: form post only (a GET redirects to /); answers a page of no words that moves on to another site",
  "dispatch.$id.answer": "answer posted by the service worker from a notification (post only; a GET is 404)",
  healthz: "JSON health check",
  language: "form post only (a GET redirects to /)",
  "live.events": "server-sent event stream",
  logout: "form post only (a GET redirects to /)",
  "push.subscription": "this device's push subscription, posted by Turn on alerts (post only; a GET is 404)",
  "my.calendar[.ics]": "iCalendar feed",
  "reports.$id.media": "upload endpoint (form post only; a GET is 404)",
  "reports.$id.declaration[.pdf]": "PDF download (the author's declaration to sign)",
  "review.$id.declaration[.pdf]": "PDF download",
  "review.$id.media.$mediaId": "sealed media download (ciphertext)",
  "review.$id.sealed": "JSON endpoint (post only; a GET is 404)",
  "review.export[.csv]": "CSV download of the queue",
  "tiles.$z.$x.$y": "map tile image, through this server",
};

test("every route file is a listed page or an exempt resource route", () => {
  const files = readdirSync(path.resolve("app/routes"))
    // Tests beside their route are not routes (vite.config.ts: ignoredRouteFiles).
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => f.replace(/\.tsx?$/, ""))
    .sort();
  expect(files.filter((f) => !(f in PAGES) && !(f in EXEMPT)), "route files with no entry in PAGES or EXEMPT").toEqual([]);
  expect([...Object.keys(PAGES), ...Object.keys(EXEMPT)].filter((k) => !files.includes(k)).sort(), "entries with no route file").toEqual([]);
  expect(Object.keys(PAGES).filter((k) => k in EXEMPT)).toEqual([]);
});

let ids: Ids;

test.beforeAll(async () => {
  const [shift] = await e2eSql<{ id: string }>(
    `select id from public.shifts where cancelled_at is null and starts_at > now() order by starts_at limit 1`,
  );
  const [zone] = await e2eSql<{ id: string }>(`select id from public.zones where retired_at is null order by name limit 1`);
  const [report] = await e2eSql<{ id: string }>(
    `select r.id from public.reports r join public.profiles p on p.id = r.author_id
     where p.email = $1 and r.review_started_at is null order by r.submitted_at desc limit 1`,
    [DEMO.observer],
  );
  expect(shift && zone && report, "demo data has an upcoming shift, a zone and an unreviewed report by observer@example.org").toBeTruthy();
  const [dispatch] = await e2eSql<{ id: string }>(
    `with d as (
       insert into public.dispatches (created_by, created_at, source, point, cross_streets, zone_id, zone_ids, note)
       select c.id, now() - interval '3 hours', 'point', '{"type": "Point", "coordinates": [-87.7049, 41.8446]}', '', z.id, array[z.id], 'Meet at the arch'
       from public.profiles c, public.zones z where c.email = $1 and z.name = 'Little Village'
       returning id)
     insert into public.dispatch_recipients (dispatch_id, observer_id, notified_at)
     select d.id, p.id, now() - interval '3 hours' from d, public.profiles p where p.email = $2
     returning dispatch_id as id`,
    [DEMO.coordinator, DEMO.observer],
  );
  const [call] = await e2eSql<{ id: string }>(
    `insert into public.reports (client_uuid, source, logged_by, occurred_at, cross_streets, narrative, activities, agencies)
     select gen_random_uuid(), 'hotline', p.id, now() - interval '20 minutes', 'Cermak & Kedzie', 'Caller saw agents at a house', '{at_home}', '{ice_ero}'
     from public.profiles p where p.email = $1
     returning id`,
    [DEMO.hotline],
  );
  ids = { shift: shift!.id, zone: zone!.id, report: report!.id, dispatch: dispatch!.id, call: call!.id };
});

const FORBIDDEN = /not allowed|no permitido/i;
const NOT_FOUND = /not found|no se encontr|no encontrad/i;

/**
 * Requests to anywhere but the app's own origin (scheme, host and port) and the configured tile
 * host (blocked, as in every test). Stricter than helpers' watchForThirdPartyRequests, which lets
 * any localhost port through.
 */
function watchForeignRequests(page: Page) {
  const foreign: string[] = [];
  const origin = `http://localhost:${E2E_PORT}`;
  void blockTiles(page);
  const check = (url: string) => {
    if (TILE_HOST.test(url) || url.startsWith("data:") || url.startsWith("blob:")) return;
    const { protocol, host } = new URL(url);
    if (`${protocol.replace(/^ws/, "http")}//${host}` !== origin) foreign.push(url);
  };
  page.on("request", (request) => check(request.url()));
  page.on("websocket", (socket) => check(socket.url()));
  return foreign;
}

async function settle(page: Page) {
  // Public pages (/alerts) carry no script: nothing to hydrate.
  if (!(await page.locator("script").count())) return;
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  // Maps draw on the client; axe must see them too.
  if (await page.locator(".map-frame").count()) await expect(page.locator(".leaflet-container").first()).toBeVisible();
}

/** Everything a page must be, once it is the page we expected. */
async function checkPage(page: Page, label: string, axe: boolean) {
  await expect.soft(page, `${label}: its own title (WCAG 2.4.2)`).toHaveTitle(/^.+ · Chicago Rapid Response \(demo\)$/);
  if (axe) {
    await test.step(`axe: ${label}`, async () => {
      await expectNoAxeViolations(page).catch((error: Error) => expect.soft(error.message, label).toBe(""));
    });
  }
  await expectNoHorizontalScroll(page).catch((error: Error) => expect.soft(error.message, label).toBe(""));
}

for (const role of ROLES) {
  test(`every page as ${role} at 360 px: expected answer, axe-clean, no third party`, async ({ browser }) => {
    test.setTimeout(300_000);
    const context = await browser.newContext({
      viewport: { width: 360, height: 800 },
      ...(role === "visitor" ? {} : { storageState: storageStateFor(role) }),
    });
    const page = await context.newPage();
    const foreign = watchForeignRequests(page);
    const crashes: string[] = [];
    page.on("pageerror", (error) => crashes.push(`${page.url()}: ${error.message}`));
    // Error pages look alike: axe reads each kind once per role.
    const axedErrorPages = new Set<Expect>();

    for (const [route, spec] of Object.entries(PAGES)) {
      const url = spec.path(ids);
      const expected = spec.expect[role] ?? spec.others;
      const label = `${url} as ${role} (${route})`;
      await test.step(label, async () => {
        const response = await page.goto(url);
        const status = response?.status();
        const landed = new URL(page.url());
        switch (expected) {
          case "ok":
            expect.soft(status, label).toBe(200);
            expect.soft(landed.pathname, `${label}: not sent elsewhere`).toBe(new URL(url, landed).pathname);
            break;
          case "forbidden":
            expect.soft(status, label).toBe(403);
            await expect.soft(page.getByRole("heading", { level: 1, name: FORBIDDEN }), label).toBeVisible();
            break;
          case "notFound":
            expect.soft(status, label).toBe(404);
            await expect.soft(page.getByRole("heading", { level: 1, name: NOT_FOUND }), label).toBeVisible();
            break;
          case "signIn":
            expect.soft(landed.pathname, `${label}: sent to sign in`).toBe("/login");
            if (route !== "login.verify") expect.soft(landed.searchParams.get("redirectTo"), label).toBe(url);
            break;
          case "home":
            expect.soft(landed.pathname, `${label}: sent home`).toBe("/");
            break;
        }
        await settle(page);
        // Pages that were asked for are read in full; the pages people are sent to are pages too.
        const axe = expected === "ok" || !axedErrorPages.has(expected);
        axedErrorPages.add(expected);
        await checkPage(page, label, axe);
        expect.soft(foreign, `${label}: third-party requests`).toEqual([]);
        foreign.length = 0;
      });
    }

    if (role === "visitor") {
      // /login/verify for real: after asking for a code (for an address that gets none).
      await test.step("/login/verify after asking for a code", async () => {
        await page.goto("/login");
        await page.getByRole("textbox", { name: /email|correo/i }).fill("nobody@example.org");
        await page.getByRole("button", { name: /send code|enviar código/i }).click();
        await expect(page).toHaveURL(/\/login\/verify/);
        await settle(page);
        await checkPage(page, "/login/verify", true);
        expect.soft(foreign, "/login/verify: third-party requests").toEqual([]);
      });
    }

    expect(crashes, "uncaught errors in the browser").toEqual([]);
    await context.close();
  });
}
