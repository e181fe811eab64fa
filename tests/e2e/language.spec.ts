import { expect, test } from "@playwright/test";
import { storageStateFor } from "./helpers";

test("the language switch translates the page and is remembered", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByRole("button", { name: "Español" }).click();
  await expect(page.getByRole("heading", { name: "Iniciar sesión" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page).toHaveTitle("Iniciar sesión · Chicago Rapid Response (demo)");
  await page.reload();
  await expect(page.getByRole("button", { name: "Enviar código" })).toBeVisible();
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("button", { name: "Send code" })).toBeVisible();
});

test("a first visit follows the browser's language", async ({ browser }) => {
  const context = await browser.newContext({ locale: "es-MX", extraHTTPHeaders: { "Accept-Language": "es-MX,es;q=0.9" } });
  const page = await context.newPage();
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Iniciar sesión" })).toBeVisible();
  await context.close();
});

test.describe("signed in", () => {
  test.use({ storageState: storageStateFor("attorney") });

  test("the choice is kept in the person's profile", async ({ page, browser }) => {
    await page.goto("/");
    await page.getByRole("button", { name: "Español" }).click();
    await expect(page.getByRole("heading", { name: /Hola/ })).toBeVisible();
    // Same session, no language cookie: the profile decides.
    const state = await page.context().storageState();
    const context = await browser.newContext({ storageState: { ...state, cookies: state.cookies.filter((c) => c.name !== "lng") } });
    const other = await context.newPage();
    await other.goto("/");
    await expect(other.getByRole("heading", { name: /Hola/ })).toBeVisible();
    await other.getByRole("button", { name: "English" }).click();
    await expect(other.getByRole("heading", { name: /Welcome/ })).toBeVisible();
    await context.close();
  });
});
