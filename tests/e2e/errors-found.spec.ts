import { expect, test, type Browser, type Locator, type Page, type Response } from "@playwright/test";
import { blockTiles, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, type DemoRole } from "./helpers";

// Issue 18 item 7 on the forms that had no error summary yet: the observers' training, invite and
// import forms, the shift-change forms, triage / hold / notes / request on the attorney's report
// page, the sealing-key setup, and the report form's numbered groups (officers, vehicles, detained
// people, witnesses). Each refused form lists its errors at the top, each a link that moves focus
// to its field; the field shows its own message; nothing typed is lost; the server answers 4xx.

test.describe.configure({ mode: "serial" });

// A day far ahead that the demo data and the other specs never touch: Monday 14 June 2027.
const DAY = "2027-06-14";

async function pageFor(browser: Browser, role: DemoRole, javaScriptEnabled = true) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width: 360, height: 740 }, javaScriptEnabled });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Clicks a submit button and returns the answer to the POST it makes (a fetch with JS, the page without). */
async function postBy(page: Page, button: Locator): Promise<Response> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), button.click()]);
  return response;
}

/** The summary of `form` lists `message` as a link to `#fieldId`; following it by keyboard focuses that field. */
async function summaryLeadsTo(page: Page, form: Locator, message: string, fieldId: string, { justRefused = true } = {}) {
  const summary = form.locator(".error-summary");
  await expect(summary.getByRole("heading", { name: "There is a problem" })).toBeVisible();
  // a refused form's summary takes focus (unless a link of it was followed already)
  if (justRefused) await expect(summary).toBeFocused();
  const link = summary.getByRole("link", { name: message, exact: true });
  await expect(link).toHaveAttribute("href", `#${fieldId}`);
  const field = page.locator(`[id="${fieldId}"]`);
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(`[id="${fieldId}-error"]`)).toHaveText(message);
  expect((await field.getAttribute("aria-describedby"))?.split(" ")).toContain(`${fieldId}-error`);
  await link.focus();
  await page.keyboard.press("Enter");
  await expect(field).toBeFocused();
}

const SAME_ORIGIN = (page: Page) => ({ Origin: new URL(page.url()).origin, "Sec-Fetch-Site": "same-origin" });

/** Lets a field take more than its HTML limit, as an old copy of the page (or a paste elsewhere) would. */
const unlimited = (field: Locator) => field.evaluate((el) => el.removeAttribute("maxlength"));

test("report form: an officer's, a vehicle's, a detained person's and a witness's fields get their own errors, and the summary lands on each", async ({ browser }) => {
  const page = await pageFor(browser, "observer2");
  await page.goto("/reports/new");
  await hydrated(page);
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("18th & Ashland");
  await page.getByText("Legal details", { exact: true }).click();
  const officer = page.getByRole("textbox", { name: "Officer 2: name" });
  await unlimited(officer);
  await officer.fill("O".repeat(121));
  const plate = page.getByRole("textbox", { name: "Vehicle 1: plate" });
  await unlimited(plate);
  await plate.fill("P".repeat(21));
  await page.getByText("People detained (sealed)", { exact: true }).click();
  const where = page.locator("#report-detained-0-whereTaken");
  await unlimited(where);
  await where.fill("W".repeat(301));
  await page.locator("#report-detained-0-name").fill("Canary Detained Name");
  await page.getByText("Witnesses (sealed)", { exact: true }).click();
  const contact = page.locator("#report-witnesses-1-contact");
  await unlimited(contact);
  await contact.fill("C".repeat(301));
  // every section closed again: the errors must open them
  const open = page.locator("details.card[open]");
  while (await open.count()) await open.first().locator("summary").click();
  await page.getByRole("button", { name: "Submit report" }).first().click();

  const form = page.locator("form#report");
  await summaryLeadsTo(page, form, "“Officer 2: Name” must be 120 characters or fewer.", "report-officers-1-name");
  await summaryLeadsTo(page, form, "“Vehicle 1: Plate” must be 20 characters or fewer.", "report-vehicles-0-plate", { justRefused: false });
  await summaryLeadsTo(page, form, "“Detained person 1: Where they were taken” must be 300 characters or fewer.", "report-detained-0-whereTaken", { justRefused: false });
  await summaryLeadsTo(page, form, "“Witness 2: Contact” must be 300 characters or fewer.", "report-witnesses-1-contact", { justRefused: false });
  // nothing typed is lost
  await expect(officer).toHaveValue("O".repeat(121));
  await expect(page.locator("#report-detained-0-name")).toHaveValue("Canary Detained Name");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();
});

test("report form without JavaScript: the server refuses a detained person's too-long field with a 400, at the field, keeping the rest", async ({ browser }) => {
  const page = await pageFor(browser, "observer2", false);
  await page.goto("/reports/new");
  // without JavaScript the page's limit cannot be lifted: the full-page POST a browser makes, by hand
  const response = await page.request.post("/reports/new", {
    form: { clientUuid: crypto.randomUUID(), occurredAt: "2026-12-01T10:00", crossStreets: "Cermak & Damen", "detained[0].name": "Canary", "detained[0].whereTaken": "W".repeat(301) },
    headers: SAME_ORIGIN(page),
  });
  expect(response.status()).toBe(400);
  const html = await response.text();
  expect(html).toContain('href="#report-detained-0-whereTaken"');
  expect(html).toContain("“Detained person 1: Where they were taken” must be 300 characters or fewer.");
  expect(html).toMatch(/id="report-detained-0-whereTaken"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="report-detained-0-whereTaken"/);
  await page.context().close();
});

test("observers: the training form without anyone ticked or a date, the invite and the import list their errors and keep what was typed", async ({ browser }) => {
  const page = await pageFor(browser, "coordinator");
  await page.goto("/coordinate/observers");
  await hydrated(page);
  const training = page.locator("form#record-training");
  await page.getByRole("button", { name: "Record training for the selected" }).click();
  await summaryLeadsTo(page, training, "Fill in “Training date”.", "field-trainingDate");
  const tick = "Tick the box next to at least one person's name, then record their training.";
  const link = training.locator(".error-summary").getByRole("link", { name: tick });
  await link.focus();
  await page.keyboard.press("Enter");
  await expect(page.locator("input[name=userIds]").first()).toBeFocused();
  await expect(page.locator("input[name=userIds]").first()).toHaveAttribute("aria-invalid", "true");

  const invite = page.locator("form#invite-observer");
  await page.locator("#invite-name").fill("Nadia Nueva");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await summaryLeadsTo(page, invite, "Fill in “Email”.", "invite-email");
  await expect(page.locator("#invite-name")).toHaveValue("Nadia Nueva");

  const file = page.locator("#import-file");
  await file.evaluate((el) => el.removeAttribute("required"));
  await page.getByRole("button", { name: "Check the file" }).click();
  await summaryLeadsTo(page, page.locator("form#import-observers"), "Choose a CSV file for “CSV file”.", "import-file");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();
});

test("observers without JavaScript: a training date that is no date is refused with a 400, the people ticked stay ticked", async ({ browser }) => {
  const page = await pageFor(browser, "coordinator", false);
  await page.goto("/coordinate/observers");
  await page.getByRole("checkbox", { name: "Select Oscar Observador" }).check();
  const response = await postBy(page, page.getByRole("button", { name: "Record training for the selected" }));
  expect(response.status()).toBe(400);
  const summary = page.locator("form#record-training .error-summary");
  await expect(summary.getByRole("link", { name: "Fill in “Training date”." })).toHaveAttribute("href", "#field-trainingDate");
  await expect(page.locator("#field-trainingDate")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("checkbox", { name: "Select Oscar Observador" })).toBeChecked();
  await page.context().close();
});

test("a shift's change forms: the time, the edit and the cancellation list their errors; without JavaScript too", async ({ browser }) => {
  const [row] = await e2eSql<{ id: string }>(
    `insert into public.shifts (zone_id, starts_at, ends_at, capacity)
     select z.id, ($1::date + time '09:00') at time zone o.time_zone, ($1::date + time '12:00') at time zone o.time_zone, 2
     from public.zones z cross join public.org_settings o order by z.name limit 1 returning id`,
    [DAY],
  );
  const page = await pageFor(browser, "coordinator");
  await page.goto(`/coordinate/shifts/${row!.id}`);
  await hydrated(page);
  await page.locator("#reschedule-date").fill("");
  await page.locator("#reschedule-end").fill("09:00");
  const reschedule = page.locator("form#reschedule-form");
  await reschedule.getByRole("button", { name: "Change the time" }).click();
  await summaryLeadsTo(page, reschedule, "Fill in “Day”.", "reschedule-date");
  await expect(page.locator("#reschedule-end")).toHaveValue("09:00");

  await page.locator("#edit-capacity").fill("0");
  await page.locator("#edit-notes").fill("Bring water");
  const edit = page.locator("form#edit-form");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await summaryLeadsTo(page, edit, "“Observers needed” can't be less than 1.", "edit-capacity");
  await expect(page.locator("#edit-notes")).toHaveValue("Bring water");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();

  const nojs = await pageFor(browser, "coordinator", false);
  await nojs.goto(`/coordinate/shifts/${row!.id}`);
  const reason = nojs.locator("#cancel-reason");
  await reason.fill("R".repeat(500));
  // 501 characters, past the field's own limit: as a hand-made or old page would send
  const response = await nojs.request.post(`/coordinate/shifts/${row!.id}`, { form: { intent: "cancel", reason: "R".repeat(501) }, headers: SAME_ORIGIN(nojs) });
  expect(response.status()).toBe(400);
  const html = await response.text();
  expect(html).toContain('href="#cancel-reason"');
  expect(html).toContain("“Reason” must be 500 characters or fewer.");
  // and a refused time by the page's own form, without JavaScript
  await nojs.locator("#reschedule-start").fill("");
  const answer = await postBy(nojs, nojs.locator("form#reschedule-form").getByRole("button", { name: "Change the time" }));
  expect(answer.status()).toBe(400);
  await expect(nojs.locator("form#reschedule-form .error-summary").getByRole("link", { name: "Enter “Start time” as a time, like 18:00." })).toHaveAttribute("href", "#reschedule-start");
  await expect(nojs.locator("#reschedule-start")).toHaveAttribute("aria-invalid", "true");
  await nojs.context().close();
  const [still] = await e2eSql<{ cancelled: boolean }>("select cancelled_at is not null as cancelled from public.shifts where id = $1", [row!.id]);
  expect(still!.cancelled).toBe(false);
});

test("the attorney's report page: triage, hold, notes and a request refused list their errors at the top, each leading to its field", async ({ browser }) => {
  const [report] = await e2eSql<{ id: string }>("select id from public.reports order by created_at desc limit 1");
  const page = await pageFor(browser, "attorney");
  await page.goto(`/review/${report!.id}`);
  await hydrated(page);

  // a value no option offers (a stale or hand-made page)
  await page.locator("#triage-verification").evaluate((el: HTMLSelectElement) => {
    el.options[0]!.value = "bogus";
    el.value = "bogus";
  });
  const triage = page.locator("form#triage-form");
  await triage.getByRole("button", { name: "Update status" }).click();
  await summaryLeadsTo(page, triage, "Choose a verification.", "triage-verification");

  const reason = page.locator("#hold-reason");
  await unlimited(reason);
  await reason.fill("H".repeat(501));
  const hold = page.locator("form#hold-form");
  await hold.getByRole("button", { name: "Save legal hold" }).click();
  await summaryLeadsTo(page, hold, "“Reason for the hold (no names)” must be 500 characters or fewer.", "hold-reason");
  await expect(reason).toHaveValue("H".repeat(501));

  const notes = page.locator("form#note-form");
  await notes.getByRole("button", { name: "Add sealed note" }).click();
  await summaryLeadsTo(page, notes, "Fill in “New note”.", "note-text");

  const request = page.locator("form#request-form");
  if (await request.count()) {
    await page.locator("#request-message").evaluate((el) => el.removeAttribute("required"));
    await request.getByRole("button", { name: "Send request" }).click();
    await summaryLeadsTo(page, request, "Fill in “Your question to the observer”.", "request-message");
  }
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();
});

test("the attorney's report page without JavaScript: a posted note cannot be sealed, said at the note field with a 400", async ({ browser }) => {
  const [report] = await e2eSql<{ id: string }>("select id from public.reports order by created_at desc limit 1");
  const page = await pageFor(browser, "attorney", false);
  await page.goto(`/review/${report!.id}`);
  // the button waits for JavaScript; a full-page POST of the form (an old page, a script blocker) is refused
  await expect(page.locator("form#note-form").getByRole("button", { name: "Add sealed note" })).toBeDisabled();
  const response = await page.request.post(`/review/${report!.id}`, { form: { intent: "note" }, headers: SAME_ORIGIN(page) });
  expect(response.status()).toBe(400);
  const html = await response.text();
  expect(html).toContain('href="#note-text"');
  expect(html).toContain("Notes are sealed in the browser, which needs JavaScript. Nothing was saved.");
  expect(html).toMatch(/id="note-text"[^>]*aria-describedby="note-help note-text-error"/);
  await page.context().close();
});

test("key setup: a short passphrase and a different repetition are named at their fields; no key is made", async ({ browser }) => {
  const [before] = await e2eSql<{ n: number }>("select count(*)::int as n from public.sealing_keys");
  const page = await pageFor(browser, "attorney");
  await page.goto("/review/key");
  await hydrated(page);
  const form = page.locator("form#attorney-key-form");
  await page.locator("#new-passphrase").fill("too short");
  await page.locator("#confirm-passphrase").fill("too short");
  await form.getByRole("button").click();
  await summaryLeadsTo(page, form, "“New passphrase” must be at least 12 characters.", "new-passphrase");
  await page.locator("#new-passphrase").fill("a long enough passphrase");
  await page.locator("#confirm-passphrase").fill("a different passphrase");
  await form.getByRole("button").click();
  await summaryLeadsTo(page, form, "“Repeat the passphrase” must be the same passphrase as above: type it again.", "confirm-passphrase");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();

  const admin = await pageFor(browser, "admin");
  await admin.goto("/admin/settings");
  await hydrated(admin);
  const recovery = admin.locator("form#recovery-key-form");
  await admin.locator("#recovery-passphrase").fill("short");
  await recovery.getByRole("button").click();
  await summaryLeadsTo(admin, recovery, "“Passphrase for the recovery key” must be at least 12 characters.", "recovery-passphrase");
  await admin.context().close();
  const [after] = await e2eSql<{ n: number }>("select count(*)::int as n from public.sealing_keys");
  expect(after!.n).toBe(before!.n);
});
