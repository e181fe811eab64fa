import { expect, test, type Page } from "@playwright/test";
import { e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, watchForThirdPartyRequests } from "./helpers";

// The attorney's language may be either; every name is matched in both.
const HEADING = /^incident map$|^mapa de incidentes$/i;
const TAG = "map-e2e";
const N = 2000;

/** Located reports the attorney sees, as the map should count them (RLS lets attorneys see all). */
async function locatedCount(where = "true") {
  const [row] = await e2eSql<{ n: number }>(`select count(*)::int as n from public.reports r where r.location is not null and ${where}`);
  return Math.min(row!.n, 5000);
}

const zoomOf = async (page: Page) => Number(await page.locator(".incident-map").getAttribute("data-zoom"));

/** After a zoom, the clustering animates for a moment; clusters and markers are counted after it. */
async function settled(page: Page) {
  await expect.poll(() => page.locator(".leaflet-map-pane.leaflet-cluster-anim").count()).toBe(0);
}

/** Zooms in by clicking (or with Enter on) a cluster, and waits for the map to settle. */
async function zoomInto(page: Page, how: "click" | "keyboard") {
  const zoom = await zoomOf(page);
  const cluster = await biggestCluster(page);
  if (how === "click") {
    await cluster.click();
  } else {
    await cluster.focus();
    await page.keyboard.press("Enter");
  }
  await expect.poll(() => zoomOf(page)).toBeGreaterThan(zoom);
  await settled(page);
}

/**
 * Of the markers or clusters matching `selector`, the index of the one (with the most reports, for
 * clusters) whose centre is well inside the map: Leaflet keeps some just outside the visible frame.
 */
async function indexInside(page: Page, selector: string) {
  return page.evaluate((sel) => {
    // In view, so that what covers a marker can be asked (elementFromPoint sees the viewport only).
    document.querySelector(".incident-map")!.scrollIntoView({ block: "center" });
    const frame = document.querySelector(".incident-map")!.getBoundingClientRect();
    let best = -1;
    let most = -1;
    document.querySelectorAll<HTMLElement>(sel).forEach((el, i) => {
      const box = el.getBoundingClientRect();
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      const count = Number(el.firstElementChild?.textContent) || 0;
      // Away from the zoom buttons (top left) and the attribution (bottom right), and not under
      // anything else drawn over the map (the note that the base map is unavailable): a click there
      // would land on that instead.
      const hit = document.elementFromPoint(x, y);
      const reachable = hit !== null && (el === hit || el.contains(hit));
      if (reachable && x > frame.left + 70 && x < frame.right - 30 && y > frame.top + 30 && y < frame.bottom - 40 && count > most) {
        most = count;
        best = i;
      }
    });
    return best;
  }, selector);
}

async function biggestCluster(page: Page) {
  const index = await indexInside(page, ".marker-cluster");
  expect(index, "a cluster inside the map").toBeGreaterThanOrEqual(0);
  return page.locator(".marker-cluster").nth(index);
}

test.describe("the incident map with 2,000 reports", () => {
  test.use({ storageState: storageStateFor("attorney"), viewport: { width: 1280, height: 900 } });

  test.beforeAll(async () => {
    // One statement as the owner: spread over Chicago's west side, every urgency, open statuses.
    await e2eSql(
      `insert into public.reports (client_uuid, occurred_at, location, urgency, status, agencies, cross_streets)
       select gen_random_uuid(), now() - make_interval(mins => g * 7),
         jsonb_build_object('type', 'Point', 'coordinates', jsonb_build_array(
           round((-87.80 + random() * 0.20)::numeric, 6), round((41.78 + random() * 0.12)::numeric, 6))),
         (array['critical', 'high', 'medium', 'low'])[1 + g % 4]::public.report_urgency,
         (array['new', 'in_review', 'follow_up', 'referred'])[1 + (g / 4) % 4]::public.report_status,
         array[(array['ice_ero', 'cbp', 'hsi', 'unknown'])[1 + g % 4]], $1 || ' ' || g
       from generate_series(1, $2::int) g`,
      [TAG, N],
    );
  });

  test.afterAll(async () => {
    await e2eSql("delete from public.reports where cross_streets like $1", [`${TAG} %`]);
  });

  test("clusters them, narrows them with a filter, zooms into a cluster, and measures the render", async ({ page }) => {
    const foreign = watchForThirdPartyRequests(page);
    // Long tasks on the main thread, from the first byte on.
    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: "longtask", buffered: true });
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");

    await page.goto("/review/map");
    await expect(page.getByRole("heading", { level: 1, name: HEADING })).toBeVisible();
    const frame = page.locator(".incident-map");
    const all = await locatedCount();
    expect(all).toBeGreaterThanOrEqual(N);
    await expect(frame).toHaveAttribute("data-markers", String(all), { timeout: 20_000 });
    await settled(page);
    expect(await page.locator(".marker-cluster").count()).toBeGreaterThan(0);

    // Main-thread time (printed, not asserted: it depends on the machine).
    const metrics = async () =>
      Object.fromEntries(((await cdp.send("Performance.getMetrics")).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));
    const takeLongTasks = () =>
      page.evaluate(() => {
        const w = window as unknown as { __longTasks: number[] };
        const list = w.__longTasks;
        w.__longTasks = [];
        return list;
      });
    const report = async (label: string, since: Record<string, number>, points: number) => {
      const now = await metrics();
      const longTasks = await takeLongTasks();
      const ms = (name: string) => `${Math.round((now[name]! - (since[name] ?? 0)) * 1000)} ms`;
      console.log(
        `[review-map] ${label}, ${points} points: clustering ${await frame.getAttribute("data-render-ms")} ms (effect to last chunk); ` +
          `main thread: tasks ${ms("TaskDuration")}, script ${ms("ScriptDuration")}, layout ${ms("LayoutDuration")}, style ${ms("RecalcStyleDuration")}; ` +
          `long tasks ${longTasks.length} totalling ${Math.round(longTasks.reduce((a, b) => a + b, 0))} ms (longest ${Math.round(Math.max(0, ...longTasks))} ms); ` +
          `${await page.locator(".marker-cluster").count()} clusters on screen`,
      );
      return now;
    };
    await report("first load (navigation, hydration, map)", {}, all);

    // Nothing but the map's own markers is told by colour alone: the legend names each letter.
    await expect(page.getByRole("list", { name: /urgency|urgencia/i }).getByRole("listitem")).toHaveCount(4);
    await expectNoAxeViolations(page);

    // Keyboard: a cluster takes focus and Enter zooms into it.
    await zoomInto(page, "keyboard");

    // A filter narrows the map, through the same GET form as the list.
    const critical = await locatedCount("r.urgency = 'critical'");
    expect(critical).toBeLessThan(all);
    await page
      .getByRole("group", { name: /^urgency$|^urgencia$/i })
      .getByRole("checkbox", { name: /^critical$|^crítica$/i })
      .check();
    await takeLongTasks();
    const beforeFilter = await metrics();
    await page.getByRole("button", { name: /apply filters|aplicar filtros/i }).click();
    await expect(page).toHaveURL(/[?&]urgency=critical(&|$)/);
    await expect(frame).toHaveAttribute("data-markers", String(critical), { timeout: 20_000 });
    await settled(page);
    await report("filter applied (client navigation, new clusters)", beforeFilter, critical);
    await expect(page.getByRole("status").filter({ hasText: new RegExp(`${critical.toLocaleString("en-US")}|${critical.toLocaleString("es-US")}`) })).toBeVisible();
    // The switch to the list keeps the filters.
    await expect(page.getByRole("link", { name: /^list$|^lista$/i })).toHaveAttribute("href", "/review?urgency=critical");

    // A click on a cluster zooms in; repeated, it reaches single reports, whose popup links to the report.
    await settled(page);
    await zoomInto(page, "click");
    for (let i = 0; i < 8 && (await indexInside(page, ".incident-marker")) < 0; i++) await zoomInto(page, "click");
    await page.locator(".incident-marker").nth(await indexInside(page, ".incident-marker")).click();
    const popup = page.locator(".leaflet-popup");
    await expect(popup).toContainText(/critical|crítica/i);
    await expect(popup.getByRole("link", { name: /open report|abrir reporte/i })).toHaveAttribute("href", /^\/review\/[0-9a-f-]{36}$/);
    // Leaflet fades a popup in over 0.2 s; axe measuring contrast mid-fade sees a paler link than anyone reads.
    await expect(popup).toHaveCSS("opacity", "1");
    await expectNoAxeViolations(page);
    expect(foreign).toEqual([]);
  });

  test("works at 360 px, with the counts and the way back to the list", async ({ browser }) => {
    const context = await browser.newContext({ storageState: storageStateFor("attorney"), viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    const foreign = watchForThirdPartyRequests(page);
    await page.goto("/review/map?urgency=high");
    await expect(page.getByRole("heading", { level: 1, name: HEADING })).toBeVisible();
    await expect(page.locator(".incident-map")).toHaveAttribute("data-markers", String(await locatedCount("r.urgency = 'high'")), { timeout: 20_000 });
    await expect(page.getByRole("link", { name: /back to the list|volver a la lista/i })).toHaveAttribute("href", "/review?urgency=high");
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);
    expect(foreign).toEqual([]);
    await context.close();
  });
});

test.describe("without JavaScript", () => {
  test.use({ storageState: storageStateFor("attorney"), javaScriptEnabled: false });

  test("the filters still work and the counts say what the map would show", async ({ page }) => {
    await page.goto("/review/map");
    await page
      .getByRole("group", { name: /^urgency$|^urgencia$/i })
      .getByRole("checkbox", { name: /^low$|^baja$/i })
      .check();
    await page.getByRole("button", { name: /apply filters|aplicar filtros/i }).click();
    await expect(page).toHaveURL(/[?&]urgency=low(&|$)/);
    await expect(page.getByRole("group", { name: /^urgency$|^urgencia$/i }).getByRole("checkbox", { name: /^low$|^baja$/i })).toBeChecked();
    const [row] = await e2eSql<{ n: number }>("select count(*)::int as n from public.reports where urgency = 'low'");
    await expect(page.locator("#map-summary")).toContainText(new RegExp(`^${row!.n.toLocaleString("en-US")} report`));
    await expect(page.getByRole("link", { name: /back to the list|volver a la lista/i })).toHaveAttribute("href", "/review?urgency=low");
  });
});

test("the incident map is for attorneys only", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("coordinator") });
  const page = await context.newPage();
  const response = await page.goto("/review/map");
  expect(response?.status()).toBe(403);
  await context.close();
});
