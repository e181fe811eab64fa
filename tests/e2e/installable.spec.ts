import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { CHROMIUM_FLAGS, findChromium } from "./chromium";
import { blockTiles, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, watchForThirdPartyRequests, type DemoRole } from "./helpers";

// An observer adds Testigo to their phone's home screen; without signal, any page says so and the
// report form is one tap away. Nothing but the form, the offline page and hashed assets is kept.

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}
interface Manifest {
  id?: string;
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  background_color: string;
  theme_color: string;
  icons: ManifestIcon[];
}

const BRAND = "#0b4f6c";

/** Width and height from a PNG's IHDR chunk (bytes 16–23, after the 8-byte signature). */
function pngSize(bytes: Buffer) {
  expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

async function contextFor(browser: Browser, role: DemoRole) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await blockTiles(page);
  return { context, page };
}

/** The service worker controls the page and has the offline page (and, for observers, the form). */
async function serviceWorkerReady(page: Page, form: boolean) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect
    .poll(
      () =>
        page.evaluate(async (form) => {
          if (!navigator.serviceWorker.controller) return false;
          if (!(await caches.match("/offline.html")) || !(await caches.match("/offline.js"))) return false;
          return !form || Boolean(await caches.match("/reports/new"));
        }, form),
      { timeout: 20_000 },
    )
    .toBe(true);
}

/** Every path this origin's caches hold. */
function cachedPaths(page: Page) {
  return page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
    return paths;
  });
}

async function afterLoad(page: Page, action: () => Promise<unknown>) {
  await Promise.all([page.waitForEvent("load"), action()]);
}

test("the manifest is served as a manifest, names the app and points at icons of the sizes it says", async ({ request, page }) => {
  const response = await request.get("/manifest.webmanifest");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toMatch(/^application\/manifest\+json/);
  const manifest = JSON.parse(await response.text()) as Manifest;
  expect(manifest).toMatchObject({
    name: "Testigo",
    short_name: "Testigo",
    start_url: "/",
    scope: "/",
    display: "standalone",
    theme_color: BRAND,
  });
  expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/);
  expect(manifest.short_name.length).toBeLessThanOrEqual(12);

  const purposes = (icon: ManifestIcon) => (icon.purpose ?? "any").split(" ");
  for (const [size, purpose] of [
    ["192x192", "any"],
    ["512x512", "any"],
    ["192x192", "maskable"],
    ["512x512", "maskable"],
  ] as const) {
    expect(manifest.icons.some((i) => i.type === "image/png" && i.sizes === size && purposes(i).includes(purpose)), `${size} ${purpose}`).toBe(true);
  }
  expect(manifest.icons.some((i) => i.type === "image/svg+xml" && i.sizes === "any")).toBe(true);

  for (const icon of manifest.icons) {
    const file = await request.get(icon.src);
    expect(file.status(), icon.src).toBe(200);
    expect(file.headers()["content-type"], icon.src).toContain(icon.type);
    const body = await file.body();
    if (icon.type === "image/png") expect(pngSize(body), icon.src).toBe(icon.sizes);
    else expect(body.toString("utf8"), icon.src).toMatch(/^<svg[^>]+viewBox="0 0 512 512"/);
  }
  const apple = await request.get("/icons/apple-touch-icon.png");
  expect(apple.status()).toBe(200);
  expect(pngSize(await apple.body())).toBe("180x180");

  // Maskable icons: opaque to every edge, and the mark (anything not the brand colour) inside the
  // central circle of 40% radius that every mask shape keeps. "any" icons: transparent corners.
  await page.goto("/login");
  for (const icon of manifest.icons.filter((i) => i.type === "image/png")) {
    const check = await page.evaluate(async (src) => {
      const image = new Image();
      image.src = src;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
      let transparent = 0;
      let markOutsideSafeZone = 0;
      let mark = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 4;
          if (data[i + 3]! < 255) transparent++;
          // The brand colour is #0b4f6c; anything clearly lighter is the white mark.
          if (data[i + 3]! > 0 && data[i]! > 128) {
            mark++;
            if (Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2) > 0.4 * width) markOutsideSafeZone++;
          }
        }
      }
      return { transparent, markOutsideSafeZone, mark, corner: Array.from(data.subarray(0, 4)) };
    }, icon.src);
    expect(check.mark, icon.src).toBeGreaterThan(0);
    expect(check.markOutsideSafeZone, icon.src).toBe(0);
    if (icon.purpose === "maskable") {
      expect(check.transparent, icon.src).toBe(0);
      expect(check.corner, icon.src).toEqual([0x0b, 0x4f, 0x6c, 255]);
    } else {
      expect(check.corner[3], icon.src).toBe(0);
    }
  }
});

test("pages link the manifest, the theme colour and the home-screen icon", async ({ browser }) => {
  const { context, page } = await contextFor(browser, "observer2");
  await page.goto("/");
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", "/manifest.webmanifest");
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute("content", BRAND);
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute("href", "/icons/apple-touch-icon.png");
  await context.close();
});

/**
 * Chromium's own verdict. Its installability check refuses off-the-record profiles, which is what
 * `browser.newContext()` makes, so this one runs in a real (temporary) profile with the observer's
 * session cookie.
 */
test("Chromium finds the home page of a signed-in observer installable", async ({ baseURL }) => {
  const profile = mkdtempSync(path.join(tmpdir(), "testigo-install-"));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: findChromium() ?? undefined,
      args: CHROMIUM_FLAGS,
      baseURL,
      viewport: { width: 360, height: 800 },
    });
    const state = JSON.parse(readFileSync(storageStateFor("observer2"), "utf8")) as { cookies: Parameters<BrowserContext["addCookies"]>[0] };
    await context.addCookies(state.cookies);
    const page = context.pages()[0] ?? (await context.newPage());
    await blockTiles(page);
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1, name: /welcome/i })).toBeVisible();
    await serviceWorkerReady(page, false);
    // The start URL is controlled too: the worker answers navigations there (checked on reload).
    await page.reload();
    await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);

    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send("Page.getAppManifest")) as { url: string; errors: unknown[] };
    expect(new URL(manifest.url).pathname).toBe("/manifest.webmanifest");
    expect(manifest.errors).toEqual([]);
    await expect
      .poll(async () => ((await cdp.send("Page.getInstallabilityErrors")) as { installabilityErrors: { errorId: string }[] }).installabilityErrors, {
        timeout: 15_000,
      })
      .toEqual([]);
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test("offline, a page shows the offline page; its link opens the kept report form; back online, the page itself", async ({ browser }) => {
  const { context, page } = await contextFor(browser, "observer2");
  const foreign = watchForThirdPartyRequests(page);
  await page.goto("/reports/new");
  await serviceWorkerReady(page, true);
  await page.goto("/shifts");
  await expect(page.getByRole("heading", { level: 1, name: "Shifts" })).toBeVisible();

  await context.setOffline(true);
  await page.reload();
  await expect(page).toHaveURL(/\/shifts$/);
  const heading = page.getByRole("heading", { level: 1, name: "You’re offline" });
  await expect(heading).toBeVisible();
  await expect(page).toHaveTitle("Offline · Testigo");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByText("The report form still works without signal")).toBeVisible();
  // The organisation's hotline (remembered from the app) and the know-your-rights card, without signal.
  await expect(page.getByRole("link", { name: "Call hotline: (312) 555-0199" })).toHaveAttribute("href", "tel:3125550199");
  await expect(page.getByRole("heading", { level: 2, name: "Know your rights" })).toBeVisible();
  await expect(page.getByText("An administrative warrant (I-200 / I-205) does not allow entry into a home.")).toBeVisible();
  // Nothing of the page that was asked for, nor of the app's pages: the static page only.
  await expect(page.getByRole("navigation")).toHaveCount(0);
  await expect(page.getByText("Olivia")).toHaveCount(0);
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // Both languages are in the page; one is shown, the other a tap away.
  await page.getByRole("button", { name: "Español" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Sin conexión" })).toBeFocused();
  await expect(page.getByRole("link", { name: "Llamar a la línea: (312) 555-0199" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Conoce tus derechos" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(heading).toBeHidden();
  await expect(page.getByRole("button", { name: "Español" })).toHaveAttribute("aria-pressed", "true");
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "English" }).click();
  await expect(heading).toBeFocused();

  // "Try again" without signal: the same offline page, still at /shifts.
  await afterLoad(page, () => page.getByRole("button", { name: "Try again" }).click());
  await expect(page).toHaveURL(/\/shifts$/);
  await expect(heading).toBeVisible();

  // Any other page too, the home page (the installed app's start) included.
  await page.goto("/");
  await expect(heading).toBeVisible();

  // The form opens from the copy kept on this phone, and still takes a report.
  await page.getByRole("link", { name: "Report an incident" }).click();
  await expect(page).toHaveURL(/\/reports\/new$/);
  await expect(page.getByRole("heading", { level: 1, name: "Report an incident" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator("form#report")).not.toHaveAttribute("aria-busy", "true");
  await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toBeEditable();

  // Only the form, the offline page and hashed assets are kept: no other page, ever.
  const kept = await cachedPaths(page);
  expect(kept).toEqual(expect.arrayContaining(["/reports/new", "/offline.html", "/offline.js"]));
  expect(kept.filter((p) => !["/reports/new", "/offline.html", "/offline.js"].includes(p) && !p.startsWith("/assets/"))).toEqual([]);

  // Back online, the offline page loads the page that was asked for by itself.
  await page.goto("/shifts");
  await expect(heading).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByRole("heading", { level: 1, name: "Shifts" })).toBeVisible({ timeout: 15_000 });
  expect(foreign).toEqual([]);
  await context.close();
});

test("offline, without a kept form the offline page does not offer it", async ({ browser }) => {
  // A coordinator (not an observer): the worker runs for them too, but the report form is never kept.
  const { context, page } = await contextFor(browser, "coordinator");
  const foreign = watchForThirdPartyRequests(page);
  await page.goto("/coordinate/shifts");
  await serviceWorkerReady(page, false);
  expect(await cachedPaths(page)).not.toContain("/reports/new");

  await context.setOffline(true);
  await page.goto("/coordinate/zones");
  await expect(page.getByRole("heading", { level: 1, name: "You’re offline" })).toBeVisible();
  await expect(page.getByText("The report form works without signal once it has been opened on this phone with signal.")).toBeVisible();
  await expect(page.getByText("The report form still works without signal")).toBeHidden();
  await expect(page.getByRole("link", { name: "Report an incident" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Try again" })).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // The form's own address, with no copy kept: the offline page too, not the browser's error.
  await page.goto("/reports/new");
  await expect(page.getByRole("heading", { level: 1, name: "You’re offline" })).toBeVisible();
  expect(foreign).toEqual([]);
  await context.close();
});

test("the offline page speaks the language the app was last used in", async ({ browser }) => {
  // This observer uses the app in Spanish (their profile's language).
  const { context, page } = await contextFor(browser, "observer");
  const foreign = watchForThirdPartyRequests(page);
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await serviceWorkerReady(page, true);
  expect(await page.evaluate(() => localStorage.getItem("testigo:language"))).toBe("es");

  await context.setOffline(true);
  await page.goto("/my/shifts");
  await expect(page.getByRole("heading", { level: 1, name: "Sin conexión" })).toBeVisible();
  await expect(page).toHaveTitle("Sin conexión · Testigo");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.getByRole("button", { name: "Español" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("link", { name: "Reportar un incidente" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Intentar de nuevo" })).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await context.setOffline(false);
  await expect(page.getByRole("heading", { level: 1, name: "Mis turnos" })).toBeVisible({ timeout: 15_000 });
  expect(foreign).toEqual([]);
  await context.close();
});
