import { expect, test } from "@playwright/test";
import { latestCode, signInThroughUi, storageStateFor } from "./helpers";

test.describe("as the admin", () => {
  test.use({ storageState: storageStateFor("admin") });

  test("invites someone with roles, who can then sign in", async ({ page, browser }) => {
    await page.goto("/admin/people");
    const invite = page.getByRole("region", { name: "Invite someone" });
    await invite.getByRole("textbox", { name: "Email" }).fill("Nueva.Persona@Example.org");
    await invite.getByRole("textbox", { name: "Name" }).fill("Nueva Persona");
    await invite.getByRole("checkbox", { name: "Attorney" }).check();
    await invite.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("status")).toHaveText(/nueva.persona@example.org/);
    await expect(page.getByRole("listitem", { name: "Nueva Persona" })).toContainText("Observer, Attorney");

    // A new context inherits this describe's admin session unless told otherwise.
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const newcomer = await context.newPage();
    await newcomer.goto("/login");
    await newcomer.getByRole("textbox", { name: "Email" }).fill("nueva.persona@example.org");
    await newcomer.getByRole("button", { name: "Send code" }).click();
    await expect(newcomer).toHaveURL(/\/login\/verify/);
    await newcomer.getByRole("textbox", { name: "6-digit code" }).fill(latestCode("nueva.persona@example.org"));
    await newcomer.getByRole("button", { name: "Verify" }).click();
    await expect(newcomer.locator("#attorney-home")).toBeVisible();
    await context.close();
  });

  test("an invitation with no role is refused on the roles field", async ({ page }) => {
    await page.goto("/admin/people");
    const invite = page.getByRole("region", { name: "Invite someone" });
    await invite.getByRole("textbox", { name: "Email" }).fill("norole@example.org");
    await invite.getByRole("textbox", { name: "Name" }).fill("No Role");
    await invite.getByRole("checkbox", { name: "Observer" }).uncheck();
    await invite.getByRole("button", { name: "Send invitation" }).click();
    // at the field, and in the error summary at the top of the form, which links to it
    await expect(invite.locator("#invite-roles-error")).toHaveText("Choose at least one role.");
    await expect(invite.locator(".error-summary")).toContainText("Choose at least one role.");
    await expect(invite.getByRole("textbox", { name: "Email" })).toHaveValue("norole@example.org");
  });

  test("deactivating someone signs them out at once", async ({ page, browser }) => {
    // A person of this test's own, so the demo accounts' saved sessions stay valid for other specs.
    await page.goto("/admin/people");
    const invite = page.getByRole("region", { name: "Invite someone" });
    await invite.getByRole("textbox", { name: "Email" }).fill("dana@example.org");
    await invite.getByRole("textbox", { name: "Name" }).fill("Dana Deactivated");
    await invite.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("listitem", { name: "Dana Deactivated" })).toBeVisible();

    const danaContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const dana = await danaContext.newPage();
    await signInThroughUi(dana, "dana@example.org");
    await expect(dana.locator("#observer-home")).toBeVisible();

    await page.getByRole("listitem", { name: "Dana Deactivated" }).getByRole("button", { name: /^Deactivate/ }).click();
    await expect(page.getByRole("status")).toHaveText(/Dana Deactivated is deactivated/);

    await dana.reload();
    await expect(dana).toHaveURL(/\/login/);

    await page.getByRole("listitem", { name: "Dana Deactivated" }).getByRole("button", { name: /^Reactivate/ }).click();
    await expect(page.getByRole("status")).toHaveText(/active again/);
    await danaContext.close();
  });
});

test.describe("as a coordinator", () => {
  test.use({ storageState: storageStateFor("coordinator") });

  test("may invite observers only and record training", async ({ page }) => {
    await page.goto("/admin/people");
    const invite = page.getByRole("region", { name: "Invite someone" });
    await expect(invite.getByRole("checkbox")).toHaveCount(1);
    await expect(invite.getByRole("checkbox", { name: "Observer" })).toBeChecked();
    await expect(page.getByRole("button", { name: /^Deactivate/ })).toHaveCount(0);
    const person = page.getByRole("listitem", { name: "Olivia Observer" });
    await person.getByLabel("Training date", { exact: true }).fill("2026-11-02");
    await person.getByRole("button", { name: "Save training date" }).click();
    await expect(page.getByRole("status")).toHaveText("Training date saved.");
    // The outcome takes the focus, so a keyboard user continues from there.
    await expect(page.getByRole("status")).toBeFocused();
    await expect(page.getByRole("listitem", { name: "Olivia Observer" })).toContainText("Nov 2, 2026");
  });
});
