import { expect, test, type Browser } from "@playwright/test";
import { blockTiles, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, outboxFor, storageStateFor, watchForThirdPartyRequests, type DemoRole } from "./helpers";

test.describe.configure({ mode: "serial" });

const PERSON = `Rosa Review-${Date.now().toString(36)}`;
const NOTE = `Called family at 9:40 - ${Date.now().toString(36)}`;
const PLACE = `Review Ave & ${Date.now().toString(36)} St`;
let reportId = "";

async function pageFor(browser: Browser, role: DemoRole, width = 1280) {
  const context = await browser.newContext({ storageState: storageStateFor(role), viewport: { width, height: 900 } });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

test("an observer's sealed report reaches the queue; an attorney unseals it and sees the detained person's name", async ({ browser }) => {
  const observer = await pageFor(browser, "observer2", 360);
  await observer.goto("/reports/new");
  await expect(observer.locator("html")).toHaveAttribute("data-hydrated", "true");
  await observer.getByRole("checkbox", { name: "Detaining someone" }).check();
  await observer.getByRole("checkbox", { name: "ICE (ERO)" }).check();
  await observer.getByRole("radio", { name: "Someone is being taken now" }).check();
  await observer.getByRole("textbox", { name: "Cross streets or landmark" }).fill(PLACE);
  await observer.locator("details.sealed-section").first().locator("summary").click();
  await observer.locator('input[name="detained[0].name"]').fill(PERSON);
  await observer.locator('input[name="detained[0].aNumber"]').fill("A-123-456-789");
  await observer.getByRole("button", { name: "Submit report" }).first().click();
  await expect(observer).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
  reportId = /\/reports\/([0-9a-f-]{36})/.exec(observer.url())![1]!;
  await observer.context().close();

  const [row] = await e2eSql<{ sealed: string }>("select sealed::text from public.reports where id = $1", [reportId]);
  expect(row!.sealed).not.toContain(PERSON);

  const page = await pageFor(browser, "attorney");
  const foreign = watchForThirdPartyRequests(page);
  await page.goto("/review?status=new&urgency=critical");
  await expect(page.getByRole("heading", { level: 1, name: "Review queue" })).toBeVisible();
  await expect(page.getByRole("link", { name: "New", exact: false }).first()).toBeVisible();
  await page.getByRole("link", { name: new RegExp(PLACE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) }).click();
  await expect(page).toHaveURL(new RegExp(`/review/${reportId}$`));
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText(PERSON)).toHaveCount(0);

  await page.getByLabel("Passphrase").fill("wrong passphrase entirely");
  await page.getByRole("button", { name: "Unseal" }).click();
  await expect(page.getByRole("alert")).toContainText("passphrase", { timeout: 30_000 });

  await page.getByLabel("Passphrase").fill("testigo demo attorney");
  await page.getByRole("button", { name: "Unseal" }).click();
  await expect(page.getByText(PERSON)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("A-123-456-789")).toBeVisible();
  await expectNoAxeViolations(page);

  // "Lock now" forgets what was shown; a second unseal needs no passphrase until then
  await page.getByRole("button", { name: "Lock now" }).click();
  await expect(page.getByText(PERSON)).toHaveCount(0);
  await expect(page.getByLabel("Passphrase")).toBeVisible();

  const events = await e2eSql<{ event: string }>("select event from public.audit_events where report_id = $1 order by seq", [reportId]);
  expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["viewed", "unsealed"]));
  expect(foreign).toEqual([]);
  await page.context().close();
});

test("triage: only allowed steps are offered, the database refuses the others, and each change is audited", async ({ browser }) => {
  const page = await pageFor(browser, "attorney", 360);
  await page.goto(`/review/${reportId}`);
  const status = page.getByRole("combobox", { name: "Status" });
  const offered = await status.locator("option").allTextContents();
  expect(offered).toEqual(["New", "Move to: In review", "Move to: Closed"]);
  await status.selectOption("in_review");
  await page.getByRole("combobox", { name: "Verification" }).selectOption("confirmed");
  await page.getByRole("combobox", { name: "Attorney" }).first().selectOption({ label: "Luis Abogado (me)" });
  await page.getByRole("button", { name: "Update status" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Status updated." })).toBeVisible();
  const [row] = await e2eSql<{ status: string; verification: string; review_started_at: Date | null; assigned: string | null }>(
    "select status, verification, review_started_at, (select email from public.profiles where id = assigned_to) as assigned from public.reports where id = $1",
    [reportId],
  );
  expect(row).toMatchObject({ status: "in_review", verification: "confirmed", assigned: "attorney@example.org" });
  expect(row!.review_started_at).not.toBeNull();

  // a hand-made request for a step the workflow does not allow: a translated 409, not a 500
  const response = await page.request.post(`/review/${reportId}`, {
    form: { intent: "triage", status: "new", verification: "confirmed", urgency: "critical", assignedTo: "" },
    headers: { "Accept-Language": "es" },
  });
  expect(response.status()).toBe(409);
  await expectNoHorizontalScroll(page);

  await page.getByRole("combobox", { name: "Status" }).selectOption("follow_up");
  await page.getByRole("button", { name: "Update status" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Status updated." })).toBeVisible();
  await page.getByText(/Audit trail/).click();
  await expect(page.getByText(/changed the status from In review to Follow-up/)).toBeVisible();
  await expectNoAxeViolations(page);
  await page.context().close();
});

test("a sealed note reaches the server as ciphertext only; tasks and a request for more information", async ({ browser }) => {
  const page = await pageFor(browser, "attorney");
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.postData() ?? "");
  });
  await page.goto(`/review/${reportId}`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("New note").fill(NOTE);
  await page.getByRole("button", { name: "Add sealed note" }).click();
  await expect(page.getByText("Note sealed and saved.").first()).toBeVisible();
  expect(posts.join("\n")).not.toContain(NOTE.slice(0, 20));
  const notes = await e2eSql<{ sealed: string }>("select sealed::text from public.report_notes where report_id = $1", [reportId]);
  expect(notes).toHaveLength(1);
  expect(notes[0]!.sealed).not.toContain("Called family");

  // task: a missing title is refused with the field's error, and the date typed is kept
  await page.getByLabel("Due date").fill("2027-01-15");
  await page.getByRole("button", { name: "Add task" }).click();
  // the browser's own required check stops the empty title; bypass it to see the server's answer
  const refused = await page.request.post(`/review/${reportId}`, { form: { intent: "task", taskTitle: "  ", taskDue: "2027-01-15", taskAssignee: "" } });
  expect(refused.status()).toBe(400);
  await page.getByLabel("New task").fill("File FOIA request for the operation");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByText("Task added.")).toBeVisible();
  await page.getByRole("button", { name: "Mark “File FOIA request for the operation” done" }).click();
  await expect(page.getByRole("button", { name: "Reopen “File FOIA request for the operation”" })).toBeVisible();

  await page.getByLabel("Your question to the observer").fill("Which direction did the vehicles leave in?");
  await page.getByRole("button", { name: "Send request" }).click();
  await expect(page.getByText("Request sent to the observer.")).toBeVisible();

  // the unsealed view shows the note
  await page.getByLabel("Passphrase").fill("testigo demo attorney");
  await page.getByRole("button", { name: "Unseal" }).click();
  await expect(page.getByText(NOTE)).toBeVisible({ timeout: 30_000 });
  const events = await e2eSql<{ event: string }>("select event from public.audit_events where report_id = $1 order by seq", [reportId]);
  expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(["note_added", "task_added", "task_done", "info_requested"]));
  await page.context().close();

  // the email says only that there is a question (it is not sent once the question was read in the app)
  await expect
    .poll(() => outboxFor("observer2@example.org").find((m) => m.text.includes(`/reports/${reportId}`)), { timeout: 20_000 })
    .toBeTruthy();
  const mail = outboxFor("observer2@example.org").find((m) => m.text.includes(`/reports/${reportId}`))!;
  expect(mail.text).not.toContain("Which direction");
  expect(mail.text).not.toContain(PLACE);
  // the observer sees the question in the app
  const observer = await pageFor(browser, "observer2", 360);
  await observer.goto(`/reports/${reportId}`);
  await expect(observer.getByRole("heading", { name: "Questions from the legal team" })).toBeVisible();
  await expect(observer.getByText("Which direction did the vehicles leave in?")).toBeVisible();
  await expectNoAxeViolations(observer);
  await observer.context().close();
});

test("observers and coordinators cannot reach the review pages", async ({ browser }) => {
  for (const role of ["observer", "coordinator"] as const) {
    const page = await pageFor(browser, role);
    for (const url of ["/review", `/review/${reportId}`]) {
      const response = await page.goto(url);
      expect(response?.status(), `${role} ${url}`).toBe(403);
    }
    const sealed = await page.request.post(`/review/${reportId}/sealed`);
    expect(sealed.status()).toBe(403);
    await page.context().close();
  }
});
