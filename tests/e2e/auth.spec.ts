import { expect, test } from "@playwright/test";
import { DEMO, latestCode, signInThroughUi, type DemoRole } from "./helpers";

const HOME_SECTION: Record<DemoRole, string> = {
  admin: "#admin-home",
  coordinator: "#coordinator-home",
  observer: "#observer-home",
  observer2: "#observer-home",
  attorney: "#attorney-home",
  hotline: "#hotline-home",
};

for (const role of Object.keys(DEMO) as DemoRole[]) {
  test(`${role} signs in with an outbox code, lands on their home and signs out`, async ({ page }) => {
    await signInThroughUi(page, DEMO[role]);
    await expect(page).toHaveURL("/");
    await expect(page.locator(HOME_SECTION[role])).toBeVisible();
    await page.getByRole("button", { name: /sign out|cerrar sesión/i }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login\?redirectTo=%2F$/);
  });
}

test("a protected page sends you to sign in and back", async ({ page }) => {
  await page.goto("/admin/settings");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fadmin%2Fsettings/);
  await page.getByRole("textbox", { name: "Email" }).fill(DEMO.admin);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page).toHaveURL(/\/login\/verify\?redirectTo=%2Fadmin%2Fsettings/);
  await page.getByRole("textbox", { name: "6-digit code" }).fill(latestCode(DEMO.admin));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL("/admin/settings");
  await expect(page.getByRole("heading", { name: "Organization settings" })).toBeVisible();
});

test("bad input gets a field error and keeps what was typed", async ({ page }) => {
  await page.goto("/login");
  const email = page.getByRole("textbox", { name: "Email" });
  await email.fill("not-an-email");
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  await expect(email).toHaveValue("not-an-email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
});

test("without JavaScript, bad input still gets a 400 with a field error", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByRole("textbox", { name: "Email" }).fill("nope");
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.getByRole("button", { name: "Send code" }).click(),
  ]);
  expect(response.status()).toBe(400);
  await expect(page.getByText("Enter a valid email address.")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Email" })).toHaveValue("nope");
  await context.close();
});

test("a wrong code is refused with a clear message", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("textbox", { name: "Email" }).fill(DEMO.attorney);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page).toHaveURL(/\/login\/verify/);
  const right = latestCode(DEMO.attorney);
  await page.getByRole("textbox", { name: "6-digit code" }).fill(right === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is wrong or has expired.", { exact: false })).toBeVisible();
  await expect(page).toHaveURL(/\/login\/verify/);
});

test("an unknown email sees exactly what an invited one sees", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("textbox", { name: "Email" }).fill("stranger@example.org");
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page).toHaveURL(/\/login\/verify$/);
  await expect(page.getByRole("status")).toHaveText(/If this email has an invitation/);
});

test("signing in works with the keyboard alone", async ({ page }) => {
  await page.goto("/login");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.getByRole("textbox", { name: "Email" }).focus();
  await page.keyboard.type(DEMO.observer2);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/login\/verify/);
  await expect(page.getByRole("textbox", { name: "6-digit code" })).toBeVisible();
  await page.getByRole("textbox", { name: "6-digit code" }).focus();
  await page.keyboard.type(latestCode(DEMO.observer2));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL("/");
});
