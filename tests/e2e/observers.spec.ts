import { expect, test } from "@playwright/test";
import { e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, outboxFor, signInThroughUi, storageStateFor } from "./helpers";
import { E2E_PORT } from "./paths";

// A coordinator's first real task: invite a volunteer, who gets an email and can sign in; then
// import a few more from a spreadsheet. On a 360-px phone, by keyboard-reachable controls.

test.describe("as a coordinator, on a phone", () => {
  test.use({ storageState: storageStateFor("coordinator"), viewport: { width: 360, height: 800 } });

  test("invites an observer, who reads the email in the outbox, signs in and lands on their home", async ({ page, browser }) => {
    const email = `invitee-${Date.now()}@example.org`;
    await page.goto("/coordinate/observers");
    await expect(page.getByRole("heading", { level: 1, name: "Observers" })).toBeVisible();
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);

    const invite = page.getByRole("region", { name: "Invite an observer" });
    await invite.getByRole("textbox", { name: "Email" }).fill(email);
    await invite.getByRole("textbox", { name: "Name" }).fill("Inés Invitada");
    await invite.getByRole("combobox", { name: "Language of the invitation" }).selectOption("es");
    await invite.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("status")).toHaveText(`Invitation sent to ${email}. It says how to sign in.`);
    await expect(page.getByRole("listitem", { name: "Inés Invitada" })).toContainText("Has not signed in yet. Invitation sent");

    // The job runner (every 2 s in tests) sends it after the commit.
    await expect.poll(() => outboxFor(email).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const [mail] = outboxFor(email);
    expect(mail!.subject).toMatch(/^Te invitan a .+ en Testigo$/);
    expect(mail!.text).toContain("te invitó a unirte a");
    expect(mail!.text).toContain(`abre http://localhost:${E2E_PORT}/login y escribe este correo (${email})`);

    const context = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport: { width: 360, height: 800 } });
    const newcomer = await context.newPage();
    await newcomer.goto(/https?:\/\/\S+\/login/.exec(mail!.text)![0]);
    await signInThroughUi(newcomer, email);
    await expect(newcomer).toHaveURL("/");
    await expect(newcomer.locator("#observer-home")).toBeVisible();
    await context.close();
  });

  test("imports a small CSV: the check lists each row, the import invites the new ones, a second check finds them", async ({ page }) => {
    const stamp = Date.now();
    const file = {
      name: "volunteers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        [
          "name,email,phone,languages,training date",
          `Rosa Díaz,rosa-${stamp}@example.org,+1 312 555 0101,en;es,2026-01-10`,
          `Tomás,tomas-${stamp}@example.org,,es,`,
          "Bad,not-an-email,,,",
        ].join("\n"),
      ),
    };
    await page.goto("/coordinate/observers");
    const section = page.getByRole("region", { name: "Import volunteers" });
    await section.getByLabel("CSV file").setInputFiles(file);
    await section.getByRole("button", { name: "Check the file" }).click();
    await expect(section.getByText("2 new, 0 already members or invited, 1 with errors.")).toBeVisible();
    await expect(section.getByText("Not a valid email address.")).toBeVisible();
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);
    await section.getByRole("button", { name: "Import 2 people" }).click();
    await expect(page.getByRole("status")).toHaveText("2 people imported and invited.");
    await expect(page.getByRole("listitem", { name: "Rosa Díaz" })).toContainText("English, Español");

    await section.getByLabel("CSV file").setInputFiles(file);
    await section.getByRole("button", { name: "Check the file" }).click();
    await expect(section.getByText("0 new, 2 already members or invited, 1 with errors.")).toBeVisible();
    await expect(section.getByText("There is nobody new to import.")).toBeVisible();
  });

  test("records training for two selected observers at once, and filters by training status without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ storageState: storageStateFor("coordinator"), viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/coordinate/observers");
    await page.getByRole("checkbox", { name: "Select Oscar Observador" }).check();
    await page.getByRole("checkbox", { name: "Select Olivia Observer" }).check();
    await page.getByRole("textbox", { name: "Training date" }).fill("2020-03-01");
    await page.getByRole("button", { name: "Record training for the selected" }).click();
    await expect(page.getByRole("status")).toHaveText("Training recorded for 2 people.");

    await page.getByRole("combobox", { name: "Training" }).selectOption("expired");
    await page.getByRole("button", { name: "Show", exact: true }).click();
    await expect(page).toHaveURL(/training=expired/);
    await expect(page.getByRole("listitem", { name: "Oscar Observador" })).toContainText("Expired");
    await expect(page.getByRole("listitem", { name: "Olivia Observer" })).toBeVisible();

    // Put the demo observers' training back, for the other specs that claim shifts.
    await page.goto("/coordinate/observers");
    await page.getByRole("checkbox", { name: "Select Oscar Observador" }).check();
    await page.getByRole("checkbox", { name: "Select Olivia Observer" }).check();
    await page.getByRole("textbox", { name: "Training date" }).fill(new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10));
    await page.getByRole("button", { name: "Record training for the selected" }).click();
    await expect(page.getByRole("status")).toHaveText("Training recorded for 2 people.");
    await context.close();
  });

  test("a file with a formula is refused with a clear message", async ({ page }) => {
    await page.goto("/coordinate/observers");
    const section = page.getByRole("region", { name: "Import volunteers" });
    await section.getByLabel("CSV file").setInputFiles({
      name: "evil.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("name,email,phone,languages,training date\n=1+2,x@example.org,,,\n"),
    });
    await section.getByRole("button", { name: "Check the file" }).click();
    await expect(section.getByRole("alert")).toHaveText("Row 2 has a formula (name starts with =, +, - or @). Remove formulas and try again; nothing was imported.");
  });
});

test.describe("a long list, without JavaScript, on a phone", () => {
  test.use({ storageState: storageStateFor("coordinator"), viewport: { width: 360, height: 800 }, javaScriptEnabled: false });

  test("comes in pages of 50 with the count; page links keep the search; training recorded for people selected on page 2 keeps page 2", async ({ page, browser }) => {
    const tag = `paged${Date.now()}`;
    // 120 volunteers who signed up, named so that a search finds them all and they sort by number.
    await e2eSql(
      `insert into public.invitations (email, display_name, roles)
       select $1 || '-' || lpad(n::text, 3, '0') || '@example.org', 'Paged ' || lpad(n::text, 3, '0'), '{observer}' from generate_series(1, 120) n`,
      [tag],
    );
    await e2eSql(`insert into auth.users (email) select $1 || '-' || lpad(n::text, 3, '0') || '@example.org' from generate_series(1, 120) n`, [tag]);
    try {
      await page.goto(`/coordinate/observers?q=${tag}&training=none`);
      await expect(page.getByRole("heading", { level: 2, name: "Observers (120)" })).toBeVisible();
      const pages = page.getByRole("navigation", { name: "Pages" });
      await expect(pages).toContainText("Showing 1–50 of 120 · Page 1 of 3");
      await expect(page.getByRole("checkbox", { name: /^Select Paged/ })).toHaveCount(50);
      // axe runs in the page: the same list with JavaScript.
      const context = await browser.newContext({ storageState: storageStateFor("coordinator"), viewport: { width: 360, height: 800 }, javaScriptEnabled: true });
      const scripted = await context.newPage();
      await scripted.goto(`/coordinate/observers?q=${tag}&training=none&page=2`);
      await expect(scripted.getByRole("navigation", { name: "Pages" })).toContainText("Page 2 of 3");
      await expectNoAxeViolations(scripted);
      await expectNoHorizontalScroll(scripted);
      // With scripts, one box selects everyone on the page shown (and only them).
      await scripted.getByRole("checkbox", { name: "Select everyone on this page" }).check();
      await expect(scripted.getByRole("checkbox", { name: /^Select Paged/, checked: true })).toHaveCount(50);
      await expect(scripted.getByRole("checkbox", { name: "Select Paged 051" })).toBeChecked();
      await context.close();

      await pages.getByRole("link", { name: "Next page" }).click();
      await expect(page).toHaveURL(new RegExp(`\\?q=${tag}&training=none&page=2$`));
      await expect(pages).toContainText("Showing 51–100 of 120 · Page 2 of 3");
      await expect(page.getByRole("checkbox", { name: "Select Paged 051" })).toBeVisible();
      await expect(page.getByRole("checkbox", { name: "Select Paged 050" })).toHaveCount(0);

      await page.getByRole("checkbox", { name: "Select Paged 051" }).check();
      await page.getByRole("checkbox", { name: "Select Paged 100" }).check();
      await page.getByRole("textbox", { name: "Training date" }).fill("2026-11-01");
      await page.getByRole("button", { name: "Record training for the selected" }).click();
      await expect(page.getByRole("status")).toHaveText("Training recorded for 2 people.");
      const trained = await e2eSql<{ email: string }>(`select email from public.profiles where email like $1 || '-%' and training_date = '2026-11-01' order by email`, [tag]);
      expect(trained.map((r) => r.email)).toEqual([`${tag}-051@example.org`, `${tag}-100@example.org`]);
      // Still page 2 of the same search; the two trained no longer match "no training".
      await expect(page.getByRole("heading", { level: 2, name: "Observers (118)" })).toBeVisible();
      await expect(pages).toContainText("Showing 51–100 of 118 · Page 2 of 3");

      await expect(pages.getByRole("link", { name: "Last page" })).toHaveCount(0); // the next page is the last
      await pages.getByRole("link", { name: "Next page" }).click();
      await expect(pages).toContainText("Showing 101–118 of 118 · Page 3 of 3");
      await expect(pages.getByRole("link", { name: "Next page" })).toHaveCount(0);
      await pages.getByRole("link", { name: "First page" }).click();
      await expect(page).toHaveURL(new RegExp(`\\?q=${tag}&training=none$`));
    } finally {
      await e2eSql(`update public.profiles set deactivated_at = now() where email like $1 || '-%'`, [tag]);
    }
  });
});
