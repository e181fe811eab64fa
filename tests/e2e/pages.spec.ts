import { expect, test } from "@playwright/test";
import {
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  storageStateFor,
  watchForThirdPartyRequests,
  type DemoRole,
} from "./helpers";

const PAGES: { role: DemoRole | null; path: string; heading: RegExp }[] = [
  { role: null, path: "/login", heading: /sign in/i },
  { role: null, path: "/no-such-page", heading: /page not found/i },
  { role: "observer2", path: "/", heading: /welcome/i },
  { role: "observer", path: "/", heading: /hola/i },
  { role: "coordinator", path: "/", heading: /welcome/i },
  { role: "coordinator", path: "/admin/people", heading: /^people$/i },
  { role: "attorney", path: "/", heading: /welcome|hola/i },
  { role: "admin", path: "/", heading: /welcome/i },
  { role: "admin", path: "/admin/people", heading: /^people$/i },
  { role: "admin", path: "/admin/settings", heading: /organization settings/i },
  { role: "admin", path: "/dev/outbox", heading: /development outbox/i },
  { role: "observer2", path: "/admin/people", heading: /not allowed/i },
  { role: "observer2", path: "/profile", heading: /my profile/i },
  { role: "admin", path: "/profile", heading: /my profile/i },
  { role: "coordinator", path: "/coordinate/zones", heading: /^zones$/i },
  { role: "coordinator", path: "/coordinate/coverage", heading: /^coverage$/i },
  { role: "coordinator", path: "/coordinate/live", heading: /^live operations$/i },
  { role: "admin", path: "/coordinate/live", heading: /^live operations$/i },
  { role: "observer2", path: "/coordinate/live", heading: /not allowed/i },
  // the "Send observers" form for a point in Logan Square (nobody checked in there: explained)
  { role: "coordinator", path: "/coordinate/live?lat=41.92&lng=-87.7", heading: /^live operations$/i },
  { role: "observer2", path: "/shifts", heading: /^shifts$/i },
  { role: "observer", path: "/shifts", heading: /^turnos$/i },
  { role: "observer2", path: "/coordinate/zones", heading: /not allowed/i },
  { role: "observer2", path: "/my/shifts", heading: /^my shifts$/i },
  { role: "observer", path: "/my/shifts", heading: /^mis turnos$/i },
  { role: "attorney", path: "/my/shifts", heading: /not allowed|no permitido/i },
  { role: "coordinator", path: "/coordinate/shifts", heading: /^schedule$/i },
  { role: "observer2", path: "/coordinate/shifts", heading: /not allowed/i },
  { role: "attorney", path: "/review", heading: /^review queue$|^cola de revisión$/i },
  { role: "attorney", path: "/review?status=closed&sort=newest", heading: /^review queue$|^cola de revisión$/i },
  { role: "admin", path: "/review", heading: /^review queue$/i },
  { role: "observer2", path: "/review", heading: /not allowed/i },
  { role: "attorney", path: "/review/share", heading: /^share access$|^compartir acceso$/i },
  { role: "admin", path: "/review/share", heading: /^share access$/i },
  { role: "coordinator", path: "/review/share", heading: /not allowed/i },
  { role: "attorney", path: "/review/map", heading: /^incident map$|^mapa de incidentes$/i },
];

for (const width of [360, 1280]) {
  for (const { role, path, heading } of PAGES) {
    test.describe(`${path} as ${role ?? "visitor"} at ${width}px`, () => {
      test.use({ viewport: { width, height: 800 }, ...(role ? { storageState: storageStateFor(role) } : {}) });

      test("has no axe violations, fits the screen and calls no third party", async ({ page }) => {
        const foreign = watchForThirdPartyRequests(page);
        await page.goto(path);
        await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
        // Maps render on the client; axe must see them too.
        await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
        if (await page.locator(".map-frame").count()) await expect(page.locator(".leaflet-container")).toBeVisible();
        // Every page has its own title (WCAG 2.4.2).
        await expect(page).toHaveTitle(/^.+ · Chicago Rapid Response \(demo\)$/);
        await expectNoAxeViolations(page);
        await expectNoHorizontalScroll(page);
        expect(foreign).toEqual([]);
      });
    });
  }
}

test("a zone's page has no axe violations, at 360 px too", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("coordinator"), viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  const foreign = watchForThirdPartyRequests(page);
  await page.goto("/coordinate/zones");
  await page.getByRole("link", { name: "Little Village" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /Little Village/ })).toBeVisible();
  await expect(page.locator(".leaflet-container")).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  expect(foreign).toEqual([]);
  await context.close();
});

test("the verify page has no axe violations", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("textbox", { name: "Email" }).fill("someone@example.org");
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("heading", { name: "Enter your code" })).toBeVisible();
  await expectNoAxeViolations(page);
});

test("a field error has no axe violations", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectNoAxeViolations(page);
});

test.describe("an observer on any page", () => {
  test.use({ storageState: storageStateFor("observer2") });

  test("has the know-your-rights card and the hotline at hand", async ({ page }) => {
    await page.goto("/profile");
    const card = page.getByRole("group").filter({ hasText: "Know your rights" });
    await card.getByText("Know your rights").click();
    await expect(card).toContainText("An administrative warrant (I-200 / I-205) does not allow entry into a home.");
    // In the header's quick actions (at the foot of the screen on a phone: tests/e2e/phone.spec.ts).
    await expect(page.getByRole("navigation", { name: "Quick actions" }).getByRole("link", { name: "Call hotline" })).toHaveAttribute("href", "tel:3125550199");
    await expectNoAxeViolations(page);
  });
});

test("/healthz reports the database", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: "ok" });
});

test("an unknown page is a 404 without a stack trace", async ({ request }) => {
  const response = await request.get("/definitely/not/here");
  expect(response.status()).toBe(404);
  expect(await response.text()).not.toMatch(/at .*\.(ts|js):\d+/);
});

test("security headers are set", async ({ request }) => {
  const response = await request.get("/login");
  const csp = response.headers()["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response.headers()["referrer-policy"]).toBe("same-origin");
});
