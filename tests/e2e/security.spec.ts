import { expect, test } from "@playwright/test";
import { blockTiles, e2eSql, expectNoAxeViolations, storageStateFor } from "./helpers";
import { E2E_PORT } from "./paths";

/** Findings of the security review (issue 16), each seen failing before its fix. */

const ELSEWHERE = `http://127.0.0.1:${E2E_PORT}`;
const HERE = `http://localhost:${E2E_PORT}`;
const crossSite = { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" };

test.describe("finding 8: another site cannot write", () => {
  test.use({ storageState: storageStateFor("attorney") });

  test("a cross-site POST to a resource route is refused with 403 and changes nothing", async ({ page }) => {
    for (const path of ["/logout", "/language", `/reports/00000000-0000-4000-8000-000000000000/media`, `/review/00000000-0000-4000-8000-000000000000/sealed`]) {
      const response = await page.request.post(path, { headers: crossSite, form: { lng: "es" }, maxRedirects: 0 });
      expect([path, response.status()]).toEqual([path, 403]);
      expect(await response.text()).toContain("another site");
    }
    // An Origin alone (a browser that sends no Sec-Fetch-Site, over plain HTTP) is checked too.
    const byOrigin = await page.request.post("/logout", { headers: { Origin: "https://evil.example" }, maxRedirects: 0 });
    expect(byOrigin.status()).toBe(403);
    // Still signed in, still in English.
    await page.goto("/review");
    await expect(page).toHaveURL(/\/review$/);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    // The same request from this site goes through.
    const own = await page.request.post("/language", { headers: { Origin: HERE, "Sec-Fetch-Site": "same-origin" }, form: { lng: "en", redirectTo: "/review" }, maxRedirects: 0 });
    expect(own.status()).toBe(302);
  });

  test("a report opened from another site's link asks first, and only the chosen view is audited", async ({ page }) => {
    await blockTiles(page);
    const [report] = await e2eSql<{ id: string }>("select id from public.reports order by created_at desc limit 1");
    const views = async () =>
      Number((await e2eSql<{ n: string }>("select count(*) as n from public.audit_events where report_id = $1 and event = 'viewed'", [report!.id]))[0]!.n);
    const before = await views();
    // A page on another site (127.0.0.1 is another site than localhost) with a link to the report.
    await page.route(`${ELSEWHERE}/elsewhere`, (route) =>
      route.fulfill({ contentType: "text/html", body: `<!doctype html><title>Elsewhere</title><a href="${HERE}/review/${report!.id}">a report</a>` }),
    );
    await page.goto(`${ELSEWHERE}/elsewhere`);
    await page.getByRole("link", { name: "a report" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Open this report?" })).toBeVisible();
    expect(await views()).toBe(before);
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: "Open the report" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Report:");
    expect(await views()).toBe(before + 1);
  });
});

test.describe("finding 15: map tiles come through this server", () => {
  test.use({ storageState: storageStateFor("attorney") });

  test("a map asks /tiles here, never the tile server; /tiles is for signed-in people and real tiles only", async ({ page, browser }) => {
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto("/review/map");
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator(".leaflet-container")).toBeVisible();
    await expect.poll(() => requests.filter((u) => u.startsWith(`${HERE}/tiles/`)).length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(HERE) && !u.startsWith("data:") && !u.startsWith("blob:"))).toEqual([]);
    const csp = (await page.request.get("/review/map")).headers()["content-security-policy"]!;
    expect(csp).toContain("img-src 'self' data: blob:;");
    // This machine reaches no tile server: the tile is not available, and the map says so.
    const tile = await page.request.get("/tiles/12/1050/1522");
    expect([tile.status(), tile.headers()["cache-control"]]).toEqual([502, "private, no-store"]);
    expect((await page.request.get("/tiles/20/0/0")).status()).toBe(404);
    expect((await page.request.get("/tiles/2/4/0")).status()).toBe(404);
    const visitor = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    expect((await visitor.request.get(`${HERE}/tiles/12/1050/1522`)).status()).toBe(401);
    await visitor.close();
  });
});
