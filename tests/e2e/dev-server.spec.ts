import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { DEV_PORT } from "../../playwright.config";
import { E2E_DATA_DIR } from "./paths";

// The quick-start promise: a fresh `npm run dev` serves a working, hydrated app on the first load.
test("npm run dev on a fresh clone hydrates the first page without errors", async ({ page }) => {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  await page.goto(`http://localhost:${DEV_PORT}/login`);
  const email = page.getByRole("textbox", { name: "Email" });
  await expect(email).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  // Client-side validation only runs once React has hydrated.
  await email.fill("not-an-email");
  const posts: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") posts.push(request.url());
  });
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  // Validated in the browser: nothing was sent.
  expect(posts).toEqual([]);
  expect(problems).toEqual([]);
});

/** The newest sign-in code the dev server's own outbox holds for `email`. */
function devCode(email: string): string | null {
  const dir = path.resolve(`${E2E_DATA_DIR}-dev`, "outbox");
  if (!existsSync(dir)) return null;
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort().reverse()) {
    const message = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as { to: string; subject: string; text: string };
    if (message.to === email && /\b\d{6}\b/.test(message.subject)) return /\b(\d{6})\b/.exec(message.text)![1]!;
  }
  return null;
}

// Development works like production for offline (issue 18, item 8): the service worker registers
// and a draft survives a reload; the form says offline mode itself needs the production build.
test("npm run dev: the service worker registers and a report's draft survives a reload", async ({ page }) => {
  test.setTimeout(240_000);
  const base = `http://localhost:${DEV_PORT}`;
  const email = "observer2@example.org";
  await page.route(/^https:\/\/tile\.openstreetmap\.org\//, (route) => route.abort());
  await page.goto(`${base}/login`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 60_000 });
  await page.getByRole("textbox", { name: "Email" }).fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page).toHaveURL(/\/login\/verify/, { timeout: 60_000 });
  await expect.poll(() => devCode(email), { timeout: 30_000 }).not.toBeNull();
  await page.getByRole("textbox", { name: /code/i }).fill(devCode(email)!);
  await page.getByRole("button", { name: /^verify$/i }).click();
  await expect(page).not.toHaveURL(/\/login/, { timeout: 60_000 });

  await page.goto(`${base}/reports/new`, { timeout: 120_000 });
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 120_000 });
  await expect(page.locator("form#report")).not.toHaveAttribute("aria-busy", "true", { timeout: 30_000 });
  await expect(page.getByText("Offline mode needs the production build: run npm run build && npm start.")).toBeVisible();
  await expect
    .poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.scriptURL ?? null), { timeout: 60_000 })
    .toBe(`${base}/sw.js?dev`);

  const street = `Dev Draft St ${Date.now().toString(36)}`;
  await page.locator('input[name="crossStreets"]').fill(street);
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            new Promise<string>((resolve) => {
              const open = indexedDB.open("testigo-drafts");
              open.onsuccess = () => {
                const request = open.result.transaction("drafts").objectStore("drafts").getAll();
                request.onsuccess = () => resolve(JSON.stringify(request.result));
                request.onerror = () => resolve("");
              };
              open.onerror = () => resolve("");
            }),
        ),
      { timeout: 15_000 },
    )
    .toContain(street);
  await page.reload({ timeout: 120_000 });
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true", { timeout: 120_000 });
  await expect(page.locator('input[name="crossStreets"]')).toHaveValue(street, { timeout: 30_000 });
  await expect(page.getByText(/is back in the form/)).toBeVisible();
});
