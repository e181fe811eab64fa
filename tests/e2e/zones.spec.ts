import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { blockTiles, e2eSql, storageStateFor } from "./helpers";

test.use({ storageState: storageStateFor("coordinator") });

test.beforeEach(async ({ page }) => {
  await blockTiles(page);
});

async function mapReady(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator(".leaflet-container")).toBeVisible();
  await expect(page.locator("path.leaflet-interactive").first()).toBeVisible();
}

test("zones still render when the tile server cannot be reached", async ({ page }) => {
  await page.goto("/coordinate/zones");
  await mapReady(page);
  expect(await page.locator("path.leaflet-interactive").count()).toBeGreaterThanOrEqual(7);
  await expect(page.getByRole("note")).toHaveText("The base map is not available; zones are shown on a plain background.");
});

test("draw a polygon with the mouse, save it, and find it again after a reload", async ({ page }) => {
  await page.goto("/coordinate/zones");
  await mapReady(page);
  await page.locator(".leaflet-pm-icon-polygon").click();
  const box = (await page.locator(".leaflet-container").boundingBox())!;
  const at = (fx: number, fy: number) => [box.x + box.width * fx, box.y + box.height * fy] as const;
  for (const [fx, fy] of [[0.08, 0.55], [0.25, 0.55], [0.25, 0.85], [0.08, 0.85]] as const) {
    await page.mouse.click(...at(fx, fy));
  }
  await page.mouse.click(...at(0.08, 0.55));
  const outline = page.getByRole("textbox", { name: "Outline (GeoJSON)" });
  await expect(outline).toHaveValue(/"type":"Polygon"/);
  await page.getByRole("textbox", { name: "Name", exact: true }).fill("Drawn by hand");
  await page.getByRole("button", { name: "Save zone" }).click();
  await expect(page).toHaveURL(/\/coordinate\/zones\/[0-9a-f-]{36}$/);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Drawn by hand" })).toBeVisible();
  const saved = JSON.parse(await page.getByRole("textbox", { name: "Outline (GeoJSON)" }).inputValue());
  expect(saved.type).toBe("Polygon");
  expect(saved.coordinates[0]).toHaveLength(5);
});

test("a zone made with the keyboard alone; a broken outline is refused and kept", async ({ page }) => {
  await page.goto("/coordinate/zones");
  const form = page.getByRole("region", { name: "New zone" });
  await form.getByRole("textbox", { name: "Name", exact: true }).fill("Keyboard zone");
  const outline = form.getByRole("textbox", { name: "Outline (GeoJSON)" });
  const bowTie = '{"type":"Polygon","coordinates":[[[-87.8,41.7],[-87.79,41.71],[-87.79,41.7],[-87.8,41.71],[-87.8,41.7]]]}';
  await outline.fill(bowTie);
  await form.getByRole("button", { name: "Save zone" }).press("Enter");
  await expect(form.locator("#new-zone-geometry-error")).toHaveText("The outline crosses itself.");
  // the summary at the top of the form takes focus and links to the field
  await expect(form.locator(".error-summary")).toBeFocused();
  await expect(form.locator(".error-summary").getByRole("link", { name: "The outline crosses itself." })).toHaveAttribute("href", "#new-zone-geometry");
  await expect(outline).toHaveValue(bowTie);
  await expect(form.getByRole("textbox", { name: "Name", exact: true })).toHaveValue("Keyboard zone");

  await outline.fill('{"type":"Polygon","coordinates":[[[-87.8,41.7],[-87.79,41.7],[-87.79,41.71],[-87.8,41.71],[-87.8,41.7]]]}');
  await form.getByRole("button", { name: "Save zone" }).press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Keyboard zone" })).toBeVisible();
});

test("export then import gives the same zones; a broken file is explained feature by feature", async ({ page, request }, testInfo) => {
  const exported = await (await request.get("/coordinate/zones/export")).text();
  mkdirSync(testInfo.outputDir, { recursive: true });
  const file = path.join(testInfo.outputDir, "zones.geojson");
  writeFileSync(file, exported);
  await page.goto("/coordinate/zones");
  await page.getByLabel("GeoJSON file (FeatureCollection)").setInputFiles(file);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const count = JSON.parse(exported).features.length;
  await expect(page.getByRole("status")).toHaveText(`Imported ${count} zones.`);
  expect(JSON.parse(await (await request.get("/coordinate/zones/export")).text())).toEqual(JSON.parse(exported));

  const broken = path.join(testInfo.outputDir, "broken.geojson");
  writeFileSync(
    broken,
    JSON.stringify({
      type: "FeatureCollection",
      features: [
        { type: "Feature", properties: { name: "Open ring" }, geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } },
        { type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } },
      ],
    }),
  );
  await page.getByLabel("GeoJSON file (FeatureCollection)").setInputFiles(broken);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const problems = page.getByRole("alert");
  await expect(problems).toContainText("Nothing was imported.");
  await expect(problems).toContainText("Feature 1 (Open ring): Ring 1 of polygon 1 is not closed");
  await expect(problems).toContainText("Feature 2: Every feature needs a “name” property");
  expect(readFileSync(file, "utf8")).toBe(exported);
});

test("a coordinator assigns an observer to a zone, and the observer sees it first", async ({ page, browser }) => {
  await page.goto("/coordinate/zones");
  await page.getByRole("link", { name: "Belmont Cragin" }).click();
  await page.getByRole("combobox", { name: "Observer" }).selectOption({ label: "Olivia Observer" });
  await page.getByRole("button", { name: "Assign observer" }).click();
  await expect(page.getByRole("status")).toHaveText("Observer assigned.");
  await expect(page.getByRole("region", { name: "Observers in this zone" })).toContainText("Olivia Observer");

  const context = await browser.newContext({ storageState: storageStateFor("observer2") });
  const observer = await context.newPage();
  await blockTiles(observer);
  await observer.goto("/shifts?view=map");
  // Her zone is listed before every other zone, in the legend and in the zone filter, and marked as hers.
  const legend = observer.getByRole("region", { name: "Zones with open spots" }).getByRole("listitem");
  await expect(legend.first()).toContainText("Belmont Cragin");
  await expect(legend.first()).toContainText("Your zone");
  await expect(legend.filter({ hasText: "Your zone" })).toHaveCount(1);
  await observer.getByText("Filter shifts", { exact: true }).click();
  await expect(observer.getByRole("combobox", { name: "Zone" }).locator("option").nth(1)).toHaveText("★ Belmont Cragin");
  await context.close();

  await page.getByRole("button", { name: "Remove Olivia Observer" }).click();
  await expect(page.getByRole("status")).toHaveText("Observer removed from this zone.");
});

test("a retired zone disappears for observers and keeps its history for coordinators", async ({ page, browser }) => {
  await page.goto("/coordinate/zones");
  await page.getByRole("link", { name: "Logan Square" }).click();
  await page.getByRole("button", { name: "Retire zone" }).click();
  await expect(page.getByRole("status")).toHaveText("Zone “Logan Square” retired. Its history is kept.");

  const context = await browser.newContext({ storageState: storageStateFor("observer2") });
  const observer = await context.newPage();
  await blockTiles(observer);
  await observer.goto("/shifts?view=map");
  await expect(observer.getByRole("region", { name: "Zones with open spots" }).getByRole("link", { name: "Albany Park" })).toBeVisible();
  await expect(observer.getByText("Logan Square")).toHaveCount(0);
  await context.close();

  await page.getByRole("button", { name: "Restore zone" }).click();
  await expect(page.getByRole("status")).toHaveText("Zone “Logan Square” is active again.");
});

test("Leaflet is fetched only by pages with a map, and the drawing tools only by pages that draw", async ({ page }) => {
  const scripts: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(r.url());
  });
  await page.goto("/profile");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  expect(scripts.filter((s) => /zone-map|leaflet/i.test(s))).toEqual([]);
  await page.goto("/coordinate/coverage");
  await mapReady(page);
  // A read-only map leaves the drawing tools behind.
  expect(scripts.filter((s) => /zone-map\.client/i.test(s)).length).toBeGreaterThan(0);
  expect(scripts.filter((s) => /zone-map-editor/i.test(s))).toEqual([]);
  await page.goto("/coordinate/zones");
  await mapReady(page);
  expect(scripts.filter((s) => /zone-map-editor/i.test(s)).length).toBeGreaterThan(0);
});

test("home zones can also be set from the observer's row on the people page", async ({ page, browser }) => {
  await page.goto("/admin/people");
  const olivia = page.getByRole("form", { name: "Home zones of Olivia Observer" });
  await olivia.getByRole("checkbox", { name: "Brighton Park" }).check();
  await olivia.getByRole("button", { name: "Save home zones" }).click();
  await expect(page.getByRole("status")).toHaveText("Home zones saved.");

  const context = await browser.newContext({ storageState: storageStateFor("observer2") });
  const observer = await context.newPage();
  await blockTiles(observer);
  await observer.goto("/shifts?view=map");
  const legend = observer.getByRole("region", { name: "Zones with open spots" }).getByRole("listitem");
  await expect(legend.filter({ hasText: "Your zone" })).toHaveText([/Brighton Park/]);
  await context.close();

  await page.getByRole("form", { name: "Home zones of Olivia Observer" }).getByRole("checkbox", { name: "Brighton Park" }).uncheck();
  await page.getByRole("form", { name: "Home zones of Olivia Observer" }).getByRole("button", { name: "Save home zones" }).click();
  await expect(page.getByRole("status")).toHaveText("Home zones saved.");
});

test("a zone's name reaches the map's tooltip as text, never as markup (security review, finding 11)", async ({ page }) => {
  const name = `<img src=x id=injected><b>Hostile</b> & "zone" ${Date.now()}`;
  const [zone] = await e2eSql<{ id: string }>(
    `insert into public.zones (name, geometry) values ($1, $2) returning id`,
    [name, { type: "Polygon", coordinates: [[[-87.70, 41.80], [-87.60, 41.80], [-87.60, 41.90], [-87.70, 41.90], [-87.70, 41.80]]] }],
  );
  try {
    await page.goto(`/coordinate/zones/${zone!.id}`);
    await mapReady(page);
    await page.locator("path.leaflet-interactive").first().hover();
    const tooltip = page.locator(".leaflet-tooltip");
    await expect(tooltip).toBeVisible();
    await expect(tooltip).toHaveText(name);
    expect(await page.locator(".leaflet-tooltip img, .leaflet-tooltip b, #injected").count()).toBe(0);
  } finally {
    await e2eSql("delete from public.zones where id = $1", [zone!.id]);
  }
});
