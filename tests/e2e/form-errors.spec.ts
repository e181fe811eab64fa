import { expect, test, type Browser, type Page } from "@playwright/test";
import { blockTiles, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, type DemoRole } from "./helpers";

// Issue 18 item 7: a refused form says what is wrong at its top, linked to each field, and opens
// the collapsed section holding a field with an error; nothing typed is lost.

async function pageFor(browser: Browser, javaScriptEnabled: boolean, role: DemoRole = "observer2") {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width: 360, height: 740 }, javaScriptEnabled });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

/** Types into the quick part and into the collapsed "Coordinates" section, then closes it again. */
async function fillWithAnErrorInACollapsedSection(page: Page) {
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Cermak & Blue Island");
  await page.getByRole("spinbutton", { name: "How many agents (at least)" }).fill("5");
  const coordinates = page.locator("details.coordinates");
  await coordinates.locator("summary").click();
  await page.getByRole("textbox", { name: "Latitude" }).fill("95");
  await page.getByRole("textbox", { name: "Longitude" }).fill("-87.6955");
  await coordinates.locator("summary").click();
  await expect(coordinates).not.toHaveAttribute("open", "");
  await page.getByText("What you saw, in your words").click();
  await page.getByRole("textbox", { name: "Narrative" }).fill("Two vans at the corner");
}

for (const javaScriptEnabled of [true, false]) {
  test(`report form ${javaScriptEnabled ? "with" : "without"} JavaScript: the error summary leads to the field in a collapsed section`, async ({ browser }) => {
    const page = await pageFor(browser, javaScriptEnabled);
    await page.goto("/reports/new");
    if (javaScriptEnabled) await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await fillWithAnErrorInACollapsedSection(page);
    await page.getByRole("button", { name: "Submit report" }).first().click();

    const summary = page.locator(".error-summary");
    await expect(summary.getByRole("heading", { name: "There is a problem" })).toBeVisible();
    await expect(summary).toBeFocused();
    // the summary is the first thing in the form
    expect(await page.locator("form#report > *").first().evaluate((el) => el.classList.contains("error-summary"))).toBe(true);
    const link = summary.getByRole("link", { name: "Latitude must be between -90 and 90." });
    await expect(link).toHaveAttribute("href", "#report-latitude");
    await expect(page.locator("details.coordinates")).toHaveAttribute("open", "");
    await expect(page.getByRole("textbox", { name: "Latitude" })).toBeVisible();
    await expect(page.getByRole("textbox", { name: "Latitude" })).toHaveAttribute("aria-invalid", "true");
    // nothing typed is lost
    await expect(page.getByRole("textbox", { name: "Latitude" })).toHaveValue("95");
    await expect(page.getByRole("textbox", { name: "Longitude" })).toHaveValue("-87.6955");
    await expect(page.getByRole("textbox", { name: "Cross streets or landmark" })).toHaveValue("Cermak & Blue Island");
    await expect(page.getByRole("spinbutton", { name: "How many agents (at least)" })).toHaveValue("5");
    await expect(page.getByRole("textbox", { name: "Narrative" })).toHaveValue("Two vans at the corner");
    // axe runs scripts in the page: checked with JavaScript, the markup is the same
    if (javaScriptEnabled) {
      await expectNoAxeViolations(page);
      await expectNoHorizontalScroll(page);
    }

    await link.click();
    if (javaScriptEnabled) await expect(page.getByRole("textbox", { name: "Latitude" })).toBeFocused();
    else await expect(page).toHaveURL(/#report-latitude$/);

    // fixed, it goes through
    await page.getByRole("textbox", { name: "Latitude" }).fill("41.8525");
    await page.getByRole("button", { name: "Submit report" }).first().click();
    await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
    await page.context().close();
  });
}

test("report form with JavaScript: a second failed submit focuses the summary again", async ({ browser }) => {
  const page = await pageFor(browser, true);
  await page.goto("/reports/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("26th & Pulaski");
  await page.getByRole("spinbutton", { name: "How many agents (at least)" }).fill("-2");
  const submit = page.getByRole("button", { name: "Submit report" }).first();
  await submit.click();
  const summary = page.locator(".error-summary");
  await expect(summary.getByRole("link", { name: "Agents can't be fewer than 0." })).toHaveAttribute("href", "#report-agentCountMin");
  await expect(summary).toBeFocused();
  await page.getByRole("spinbutton", { name: "How many agents (at least)" }).focus();
  await submit.click();
  await expect(summary).toBeFocused();
  await page.context().close();
});

test("review queue: a range from after to says so at the field instead of showing nothing", async ({ browser }) => {
  const page = await pageFor(browser, false, "attorney");
  await page.goto("/review?from=2026-12-05&to=2026-12-01");
  const summary = page.locator(".error-summary");
  const message = "“Incident until” must be the same day as “Incident from” or later: no report can be in this range.";
  await expect(summary.getByRole("link", { name: message })).toHaveAttribute("href", "#rf-to");
  await expect(summary).toBeFocused();
  await expect(page.locator("#rf-to")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#rf-to-error")).toHaveText(message);
  await expect(page.locator("#rf-to")).toHaveValue("2026-12-01");
  await page.context().close();
});

test("review: a task due in the past is refused at the field, in the summary, with what was typed kept", async ({ browser }) => {
  const [report] = await e2eSql<{ id: string }>("select id from public.reports order by created_at desc limit 1");
  const page = await pageFor(browser, true, "attorney");
  await page.goto(`/review/${report!.id}`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("New task").fill("Call the family back");
  await page.getByLabel("Due date").fill("2020-01-15");
  await page.getByRole("button", { name: "Add task" }).click();
  const summary = page.locator("#task-form .error-summary");
  await expect(summary.getByRole("link", { name: "The due date must be today or in the future." })).toHaveAttribute("href", "#task-due");
  await expect(summary).toBeFocused();
  await expect(page.getByLabel("Due date")).toHaveValue("2020-01-15");
  await expect(page.getByLabel("New task")).toHaveValue("Call the family back");
  await expectNoAxeViolations(page);
  await page.context().close();
});
