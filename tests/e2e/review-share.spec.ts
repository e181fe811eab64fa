import { expect, test, type Browser, type Page } from "@playwright/test";
import { fromB64u, generateKeyPair, publicKeyFingerprint, sealJson, toB64u, wrapPrivateKey } from "../../app/integrations/sealing";
import { addendumAad } from "../../app/modules/reports/addenda";
import { DEMO_ATTORNEY_KEY } from "../../supabase/seed/keys";
import { blockTiles, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, signInThroughUi, storageStateFor, watchForThirdPartyRequests, type DemoRole } from "./helpers";

// "Share access": a colleague who joined later gets access to older reports from the demo attorney,
// in batches run in the demo attorney's browser; then, after the colleague replaces their key, an
// admin restores it with the legal team's recovery key. Keys and passphrases never leave a browser.

const SUFFIX = Date.now().toString(36);
const COLLEAGUE = { email: `rosa.${SUFFIX}@example.org`, name: `Rosa Colleague ${SUFFIX}` };
const PASSPHRASE = "rosa's long colleague passphrase";
const NEW_PASSPHRASE = "rosa's second, new passphrase";
const recovery = generateKeyPair();
const RECOVERY_PASSPHRASE = "the legal team's recovery passphrase";
/** The file as the settings page makes it: the private half wrapped by a passphrase (scrypt kept small here). */
const recoveryFileText = async () =>
  JSON.stringify({
    kind: "testigo-recovery-key",
    v: 2,
    fingerprint: publicKeyFingerprint(recovery.publicKey),
    publicKey: toB64u(recovery.publicKey),
    wrapped: await wrapPrivateKey(recovery.privateKey, RECOVERY_PASSPHRASE, { N: 2 ** 10, r: 8, p: 1 }),
  });

/** Boxes this spec sealed (to the demo attorney and its recovery key), by kind and id. */
const boxes: { box: "report" | "note" | "addendum"; id: string }[] = [];

async function pageFor(browser: Browser, role: DemoRole | null, options: { width?: number; javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext({
    ...(role ? { storageState: storageStateFor(role) } : {}),
    viewport: { width: options.width ?? 360, height: 800 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: "en-US",
  });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

/** Every POST body the page sends, to check no secret is among them. */
function watchPosts(page: Page) {
  const bodies: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") bodies.push(request.postData() ?? "");
  });
  return bodies;
}

async function english(page: Page) {
  // The demo attorney's profile language may have been changed by another spec.
  if (await page.getByRole("button", { name: "English" }).isVisible()) {
    const pressed = await page.getByRole("button", { name: "English" }).getAttribute("aria-pressed");
    if (pressed !== "true") {
      await page.getByRole("button", { name: "English" }).click();
      await expect(page.locator("html")).toHaveAttribute("lang", "en");
    }
  }
}

async function keyIdOf(email: string) {
  const [row] = await e2eSql<{ id: string }>(
    `select k.id from public.sealing_keys k join public.profiles p on p.id = k.owner_id where p.email = $1 and k.kind = 'attorney' and k.revoked_at is null`,
    [email],
  );
  return row?.id;
}

/** How many of this spec's boxes have no envelope shared for `keyId`. */
async function unsharedFor(keyId: string) {
  const [row] = await e2eSql<{ n: number }>(
    `select count(*)::int as n from jsonb_to_recordset($1::jsonb) as b(box text, id uuid)
     where not exists (select 1 from public.key_shares s where s.box = b.box and s.box_id = b.id and s.key_id = $2::uuid)`,
    [JSON.stringify(boxes), keyId],
  );
  return row!.n;
}

/** Boxes anywhere in the database (other specs' too) that `keyId` cannot open, and that `sharer` cannot open either. */
async function unopenableBy(sharerKeyId: string, keyId: string) {
  const [row] = await e2eSql<{ n: number }>(
    `with boxes as (
       select 'report' as box, r.id, r.sealed from public.reports r where r.sealed is not null
       union all select 'media', m.id, m.sealed from public.report_media m
       union all select 'note', n.id, n.sealed from public.report_notes n
       union all select 'addendum', a.id, a.sealed from public.report_addenda a where a.sealed is not null)
     select count(*)::int as n from boxes b
     where not (b.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', $2::text)))
       and not exists (select 1 from public.key_shares s where s.box = b.box and s.box_id = b.id and s.key_id = $2::uuid)
       and not (b.sealed -> 'envelopes' @> jsonb_build_array(jsonb_build_object('keyId', $1::text)))
       and not exists (select 1 from public.key_shares s where s.box = b.box and s.box_id = b.id and s.key_id = $1::uuid)`,
    [sharerKeyId, keyId],
  );
  return row!.n;
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  // A colleague who joins the legal team now, the way an invitation brings them in.
  await e2eSql(`insert into public.invitations (email, display_name, roles) values ($1, $2, '{attorney}')`, [COLLEAGUE.email, COLLEAGUE.name]);
  await e2eSql(`insert into auth.users (email) values ($1)`, [COLLEAGUE.email]);
  // The legal team's recovery key, whose file this spec holds (replacing any other spec's).
  await e2eSql(`update public.sealing_keys set revoked_at = now() where kind = 'recovery' and (revoked_at is null or revoked_at > now())`);
  const [rec] = await e2eSql<{ id: string }>(`insert into public.sealing_keys (kind, public_key, approved_at) values ('recovery', $1, now()) returning id`, [
    toB64u(recovery.publicKey),
  ]);
  // The colleague's new key is shared with at once here: no waiting period in this spec (key
  // transparency's waiting period has tests of its own).
  await e2eSql(`update private.sealing_policy set key_wait = interval '0'`);
  const demoKeyId = (await keyIdOf("attorney@example.org"))!;
  const recipients = [
    { keyId: demoKeyId, publicKey: fromB64u(DEMO_ATTORNEY_KEY.publicKey) },
    { keyId: rec!.id, publicKey: recovery.publicKey },
  ];
  // Older reports, sealed before the colleague had a key, with a sealed internal note.
  const [attorney] = await e2eSql<{ id: string }>(`select id from public.profiles where email = 'attorney@example.org'`);
  for (let i = 0; i < 3; i++) {
    const clientUuid = crypto.randomUUID();
    const { sealed, contentKey } = sealJson({ v: 1, detained: [{ name: `Share spec person ${i}` }], witnesses: [] }, recipients, clientUuid);
    contentKey.fill(0);
    const [report] = await e2eSql<{ id: string }>(
      `insert into public.reports (client_uuid, occurred_at, cross_streets, sealed, sealed_detained) values ($1, now() - interval '2 days', $2, $3::jsonb, 1) returning id`,
      [clientUuid, `Share spec ${i}`, JSON.stringify(sealed)],
    );
    boxes.push({ box: "report", id: report!.id });
    if (i === 0) {
      const note = sealJson({ v: 1, text: "share spec note" }, recipients, `${report!.id}:note`);
      note.contentKey.fill(0);
      const [row] = await e2eSql<{ id: string }>(`insert into public.report_notes (report_id, author_id, sealed) values ($1, $2, $3::jsonb) returning id`, [
        report!.id,
        attorney!.id,
        JSON.stringify(note.sealed),
      ]);
      boxes.push({ box: "note", id: row!.id });
      // a witness the observer added after sending, sealed as the report page seals it (ADR 023)
      const addendumId = crypto.randomUUID();
      const later = sealJson({ v: 1, detained: [], witnesses: [{ name: "Share spec later witness" }] }, recipients, addendumAad(report!.id, addendumId));
      later.contentKey.fill(0);
      await e2eSql(`insert into public.report_addenda (id, report_id, sealed, sealed_witnesses) values ($1, $2, $3::jsonb, 1)`, [
        addendumId,
        report!.id,
        JSON.stringify(later.sealed),
      ]);
      boxes.push({ box: "addendum", id: addendumId });
    }
  }
});

test.afterAll(async () => {
  await e2eSql(`update private.sealing_policy set key_wait = interval '24 hours'`);
});

async function makeKey(page: Page, passphrase: string, button: RegExp) {
  await page.goto("/review/key");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("New passphrase").fill(passphrase);
  await page.getByLabel("Repeat the passphrase").fill(passphrase);
  await page.getByRole("button", { name: button }).click();
  const notice = page.getByRole("status").filter({ hasText: "Your key is saved" });
  await expect(notice).toBeVisible({ timeout: 30_000 });
  // A new key opens nothing older: the page says a colleague must share access, and where.
  await expect(notice).toContainText("Ask a colleague who can open them to share access with you");
  await expect(notice.getByRole("link", { name: "Share access" })).toHaveAttribute("href", "/review/share");
}

test("a colleague who joined later gets access to older reports from the demo attorney", async ({ browser }) => {
  // two keys made and opened with scrypt at full strength, on a shared machine
  test.slow();
  // The colleague signs in for the first time and makes their key in their browser.
  const colleague = await pageFor(browser, null, { width: 1280 });
  await signInThroughUi(colleague, COLLEAGUE.email);
  await makeKey(colleague, PASSPHRASE, /^Create my key$/);
  const colleagueKeyId = (await keyIdOf(COLLEAGUE.email))!;
  expect(colleagueKeyId).toBeTruthy();
  expect(await unsharedFor(colleagueKeyId)).toBe(boxes.length);
  await colleague.context().close();

  // The demo attorney opens Share access, unlocks their key, and shares.
  const page = await pageFor(browser, "attorney");
  const foreign = watchForThirdPartyRequests(page);
  const posts = watchPosts(page);
  await page.goto("/review/share");
  await english(page);
  await expect(page.getByRole("heading", { level: 1, name: "Share access" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const row = page.getByRole("listitem").filter({ hasText: COLLEAGUE.name });
  await expect(row).toContainText(/\d+ sealed items? they cannot open yet/);
  // the fingerprint shown is the colleague key's, for comparing aloud
  const [colleagueKey] = await e2eSql<{ fingerprint: string }>(`select fingerprint from public.sealing_keys where id = $1`, [colleagueKeyId]);
  await expect(row).toContainText(colleagueKey!.fingerprint.match(/.{4}/g)!.join(" "));
  // the attorney's own key is not in the list
  await expect(page.getByRole("listitem").filter({ hasText: DEMO_ATTORNEY_KEY.fingerprint })).toHaveCount(0);
  const share = row.getByRole("button", { name: `Share access with ${COLLEAGUE.name}` });
  await expect(share).toBeDisabled();

  await page.getByLabel("Your passphrase").fill("not the passphrase");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("alert")).toHaveText("That passphrase does not open your key.", { timeout: 30_000 });
  await page.getByLabel("Your passphrase").fill(DEMO_ATTORNEY_KEY.passphrase);
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByText("Your key is unlocked in this tab.")).toBeVisible({ timeout: 30_000 });
  await expect(share).toBeEnabled();

  const expectedLeft = await unopenableBy((await keyIdOf("attorney@example.org"))!, colleagueKeyId);
  await share.click();
  await expect(page.getByRole("status").filter({ hasText: /^Done: shared \d+ items? with / })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("progressbar", { name: `Sharing access with ${COLLEAGUE.name}` })).toBeVisible();
  expect(await unsharedFor(colleagueKeyId)).toBe(0);
  if (expectedLeft === 0) {
    await expect(row).toContainText("Can open every sealed item.");
    await expect(share).toHaveCount(0);
  } else {
    await expect(page.getByText(/not shared: your keys cannot open/)).toBeVisible();
  }
  const [stored] = await e2eSql<{ n: number; by: string }>(
    `select count(*)::int as n, min(shared_by::text) as by from public.key_shares where key_id = $1`,
    [colleagueKeyId],
  );
  expect(stored!.n).toBeGreaterThanOrEqual(boxes.length);
  const [audit] = await e2eSql<{ n: number }>(`select count(*)::int as n from public.audit_events where event = 'access_shared' and details ->> 'key' = $1`, [colleagueKeyId]);
  expect(audit!.n).toBeGreaterThanOrEqual(1);
  // the passphrase stayed in the browser
  expect(posts.join("\n")).not.toContain(DEMO_ATTORNEY_KEY.passphrase);
  expect(posts.join("\n")).not.toContain("Share spec person");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  expect(foreign).toEqual([]);
  await page.context().close();

  // The colleague now unseals an older report with their own passphrase and reads the person's name.
  const later = await pageFor(browser, null, { width: 1280 });
  await signInThroughUi(later, COLLEAGUE.email);
  await later.goto(`/review/${boxes[0]!.id}`);
  await expect(later.locator("html")).toHaveAttribute("data-hydrated", "true");
  await later.getByLabel("Passphrase").fill(PASSPHRASE);
  await later.getByRole("button", { name: "Unseal" }).click();
  await expect(later.getByText("Share spec person 0")).toBeVisible({ timeout: 30_000 });
  await expect(later.getByText("share spec note")).toBeVisible();
  await expect(later.locator(".unsealed ol.addenda > li").filter({ hasText: "Share spec later witness" })).toContainText(/added \w+/);
  await later.context().close();
});

test("without JavaScript the page explains that sharing runs in the browser", async ({ browser }) => {
  const page = await pageFor(browser, "attorney", { javaScriptEnabled: false });
  await page.goto("/review/share");
  await expect(page.getByText(/Sharing access needs JavaScript|Compartir acceso necesita JavaScript/)).toBeVisible();
  await expect(page.locator('input[type="password"]')).toHaveCount(0);
  await page.context().close();
});

test("an admin restores the colleague's access to a new key with the recovery key file", async ({ browser }) => {
  test.slow();
  // The colleague forgot their passphrase and replaced their key: nothing opens with the new one.
  const colleague = await pageFor(browser, null, { width: 1280 });
  await signInThroughUi(colleague, COLLEAGUE.email);
  await makeKey(colleague, NEW_PASSPHRASE, /^Replace my key$/);
  await colleague.context().close();
  const newKeyId = (await keyIdOf(COLLEAGUE.email))!;
  expect(await unsharedFor(newKeyId)).toBe(boxes.length);

  const page = await pageFor(browser, "admin");
  const posts = watchPosts(page);
  // Settings link here, next to the recovery key.
  await page.goto("/admin/settings");
  await page.getByRole("link", { name: "Restore an attorney's access with the recovery key" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Share access" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const input = page.getByLabel("Legal team recovery key file");
  // read in the browser only: no name, in no form, so nothing could ever post it
  expect(await input.evaluate((el: HTMLInputElement) => ({ name: el.name, inForm: el.closest("form") !== null }))).toEqual({ name: "", inForm: false });
  await input.setInputFiles({ name: "wrong.json", mimeType: "application/json", buffer: Buffer.from('{"kind":"something else"}') });
  await expect(page.getByRole("alert")).toHaveText("This is not a Testigo recovery key file.");
  // A file made now is locked by its passphrase (security review, finding 3).
  const recoveryFile = await recoveryFileText();
  expect(recoveryFile).not.toContain(toB64u(recovery.privateKey));
  await input.setInputFiles({ name: "recovery.json", mimeType: "application/json", buffer: Buffer.from(recoveryFile) });
  const passphrase = page.getByLabel("The recovery key's passphrase");
  expect(await passphrase.evaluate((el: HTMLInputElement) => ({ name: el.name, inForm: el.closest("form") !== null }))).toEqual({ name: "", inForm: false });
  await passphrase.fill("not the recovery passphrase");
  await page.getByRole("button", { name: "Unlock the recovery key" }).click();
  await expect(page.getByRole("alert")).toHaveText("That passphrase does not open this recovery key file.");
  await passphrase.fill(RECOVERY_PASSPHRASE);
  await page.getByRole("button", { name: "Unlock the recovery key" }).click();
  await expect(page.getByText("The recovery key is unlocked in this tab.")).toBeVisible({ timeout: 30_000 });
  await expectNoAxeViolations(page);

  const row = page.getByRole("listitem").filter({ hasText: COLLEAGUE.name });
  await row.getByRole("button", { name: `Share access with ${COLLEAGUE.name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: /^Done: shared \d+ items? with / })).toBeVisible({ timeout: 60_000 });
  expect(await unsharedFor(newKeyId)).toBe(0);
  expect(posts.join("\n")).not.toContain(toB64u(recovery.privateKey));
  await page.getByRole("button", { name: "Lock keys now" }).click();
  await expect(page.getByLabel("Legal team recovery key file")).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();

  // The colleague's new key now opens the older report, with the witness added later.
  const after = await pageFor(browser, null, { width: 1280 });
  await signInThroughUi(after, COLLEAGUE.email);
  await after.goto(`/review/${boxes[0]!.id}`);
  await expect(after.locator("html")).toHaveAttribute("data-hydrated", "true");
  await after.getByLabel("Passphrase").fill(NEW_PASSPHRASE);
  await after.getByRole("button", { name: "Unseal" }).click();
  await expect(after.getByText("Share spec person 0")).toBeVisible({ timeout: 30_000 });
  await expect(after.getByRole("heading", { name: "Added after the report was sent" })).toBeVisible();
  await expect(after.getByText("Share spec later witness")).toBeVisible();
  await after.context().close();
});
