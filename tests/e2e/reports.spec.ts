import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test, type Browser } from "@playwright/test";
import fc from "fast-check";
import { blockTiles, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor, watchForThirdPartyRequests, type DemoRole } from "./helpers";
import { E2E_DATA_DIR } from "./paths";
import { publicKeyOf, toB64u, unwrapPrivateKey, type WrappedPrivateKey } from "../../app/integrations/sealing";
import { DEMO_ATTORNEY_KEY } from "../../supabase/seed/keys";

test.describe.configure({ mode: "serial" });

// Unique strings typed into sealed fields; none may ever be found on the server side.
const CANARY_NO_JS = `CANARY-nojs-${Date.now().toString(36)}`;
const CANARY_JS = `CANARY-js-${Date.now().toString(36)}`;

async function pageFor(browser: Browser, role: DemoRole, options: { width?: number; javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext({
    storageState: storageStateFor(role),
    viewport: { width: options.width ?? 360, height: 800 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  const page = await context.newPage();
  await blockTiles(page);
  return page;
}

test("quick capture: an observer files a report from a phone in well under a minute", async ({ browser }) => {
  const page = await pageFor(browser, "observer2");
  const foreign = watchForThirdPartyRequests(page);
  const started = Date.now();
  await page.goto("/reports/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("checkbox", { name: "Detaining someone" }).check();
  await page.getByRole("spinbutton", { name: "How many agents (at least)" }).fill("4");
  await page.getByRole("checkbox", { name: "ICE (ERO)" }).check();
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("26th St & Pulaski");
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
  // The address changes before the report's page replaces the form (a transition): the form's own
  // status regions may still be there for a moment, so wait for the report's page first.
  await expect(page.getByRole("heading", { level: 1, name: "Incident report" })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Sent.");
  const took = Date.now() - started;
  console.log(`Quick capture (Playwright, scripted, 360 px): ${took} ms`);
  test.info().annotations.push({ type: "quick-capture-ms", description: String(took) });
  expect(took).toBeLessThan(60_000);
  await expect(page.getByText("Detaining someone")).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  expect(foreign).toEqual([]);
  await page.context().close();
});

test("without JavaScript an observer files a complete report; sealed parts are sealed by the server", async ({ browser }) => {
  const page = await pageFor(browser, "observer2", { javaScriptEnabled: false });
  let posted: { body: Buffer; contentType: string } | undefined;
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/reports/new")) {
      posted = { body: request.postDataBuffer()!, contentType: request.headers()["content-type"]! };
    }
  });
  await page.goto("/reports/new");
  await page.getByRole("checkbox", { name: "At a home" }).check();
  await page.getByRole("spinbutton", { name: "How many agents (at least)" }).fill("6");
  await page.getByRole("checkbox", { name: "Possibly more" }).check();
  await page.getByRole("spinbutton", { name: "How many vehicles" }).fill("2");
  await page.getByRole("checkbox", { name: "HSI" }).check();
  await page.getByRole("radio", { name: "Someone is being taken now" }).check();
  await page.getByRole("textbox", { name: "Cross streets or landmark" }).fill("Cermak & Blue Island");
  // the "Add details" sections are <details>: open each and fill it in
  await page.getByText("What the agents looked like").click();
  await page.getByRole("combobox", { name: "Were agents masked?" }).selectOption("yes");
  await page.getByRole("textbox", { name: "Text on vests or jackets" }).fill("POLICE ICE");
  await page.getByText("Legal details").click();
  await page.getByRole("combobox", { name: "Warrant shown" }).selectOption("administrative");
  await page.getByRole("combobox", { name: "Did agents enter a home?" }).selectOption("yes");
  await page.getByRole("textbox", { name: "Officer 1: badge number" }).fill("4471");
  await page.getByRole("textbox", { name: "Vehicle 1: plate" }).fill("ABC 1234");
  await page.getByText("What you saw, in your words").click();
  await page.getByRole("textbox", { name: "Narrative" }).fill("Agents knocked at 6:10 and entered when the door opened.");
  await page.getByText("People detained (sealed)").click();
  const person = page.getByRole("group", { name: "Person 1" });
  await person.getByRole("textbox", { name: "Name" }).fill(CANARY_NO_JS);
  await person.getByRole("textbox", { name: "A-number, if known" }).fill("A-987-654-321");
  await person.getByRole("textbox", { name: "Where they were taken" }).fill("Broadview");
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
  await expect(page.getByText(/Sealed: 1 detained person and 0 witnesses recorded/)).toBeVisible();
  await expect(page.getByText("POLICE ICE")).toBeVisible();
  await expect(page.getByText(CANARY_NO_JS)).toHaveCount(0);

  // the very same POST again (a retry after a lost response) lands on the same report: 303 to it
  const firstUrl = new URL(page.url());
  const again = await page.request.post("/reports/new", {
    headers: { "content-type": posted!.contentType, origin: firstUrl.origin },
    data: posted!.body,
    maxRedirects: 0,
  });
  expect(again.status()).toBe(303);
  expect(again.headers()["location"]).toBe(`${firstUrl.pathname}?sent=1`);
  await page.context().close();
});

test("with JavaScript the browser seals detained people before sending: the request carries ciphertext only", async ({ browser }) => {
  const page = await pageFor(browser, "observer", { width: 1280 });
  const bodies: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST") bodies.push(request.postData() ?? "");
  });
  await page.goto("/reports/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("textbox", { name: /calles|Cross streets/i }).fill("Milwaukee & Diversey");
  await page.locator("details.sealed-section").first().locator("summary").click();
  await page.locator('input[name="detained[0].name"]').fill(CANARY_JS);
  await page.locator('input[name="detained[0].familyContact"]').fill(`${CANARY_JS}-family 555-0199`);
  await page.getByRole("button", { name: /Enviar reporte|Submit report/ }).first().click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
  const post = bodies.find((b) => b.includes("sealed"));
  expect(post, "a POST with a sealed part").toBeTruthy();
  expect(bodies.join("\n")).not.toContain("CANARY-js");
  await expectNoAxeViolations(page);
  await page.context().close();
});

test("my reports lists them; another observer cannot open them", async ({ browser }) => {
  const page = await pageFor(browser, "observer2");
  await page.goto("/reports");
  await expect(page.getByRole("heading", { level: 1, name: "My reports" })).toBeVisible();
  const first = page.getByRole("link", { name: /Cermak & Blue Island|Little Village|Pilsen|Outside the zones/ }).first();
  await first.click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name: "Incident report" })).toBeVisible();
  const url = page.url();
  photoReportId = /\/reports\/([0-9a-f-]{36})/.exec(url)![1]!;
  await expectNoAxeViolations(page);
  const other = await pageFor(browser, "observer");
  const response = await other.goto(url);
  expect(response?.status()).toBe(404);
  await other.context().close();
  await page.context().close();
});

test("the attorney checks their passphrase; the admin makes a recovery key whose private half only downloads", async ({ browser }) => {
  const attorney = await pageFor(browser, "attorney", { width: 1280 });
  await attorney.goto("/review/key");
  await expect(attorney.locator("html")).toHaveAttribute("data-hydrated", "true");
  await attorney.getByLabel(/^(Passphrase|Frase de contraseña)$/).fill("testigo demo attorney");
  await attorney.getByRole("button", { name: /Check my passphrase|Comprobar/ }).click();
  await expect(attorney.getByRole("status").filter({ hasText: /opens your key|abre tu llave/ })).toBeVisible({ timeout: 30_000 });
  await expectNoAxeViolations(attorney);
  await attorney.context().close();

  const admin = await pageFor(browser, "admin", { width: 1280 });
  const posts: string[] = [];
  admin.on("request", (r) => {
    if (r.method() === "POST") posts.push(r.postData() ?? "");
  });
  await admin.goto("/admin/settings");
  await expect(admin.locator("html")).toHaveAttribute("data-hydrated", "true");
  // A short passphrase is refused before anything is made (security review, finding 3).
  await admin.getByLabel("Passphrase for the recovery key").fill("too short");
  await admin.getByLabel("Repeat the passphrase").fill("too short");
  await admin.getByRole("button", { name: "Create recovery key" }).click();
  expect(await admin.getByLabel("Passphrase for the recovery key").evaluate((el: HTMLInputElement) => el.validity.tooShort)).toBe(true);
  expect(await e2eSql("select 1 from public.sealing_keys where kind = 'recovery' and created_at > now() - interval '10 seconds'")).toEqual([]);
  const download = admin.waitForEvent("download");
  await admin.getByLabel("Passphrase for the recovery key").fill("recovery passphrase for the demo");
  await admin.getByLabel("Repeat the passphrase").fill("recovery passphrase for the demo");
  await admin.getByRole("button", { name: "Create recovery key" }).click();
  const text = readFileSync((await (await download).path())!, "utf8");
  const file = JSON.parse(text) as { v: number; publicKey: string; fingerprint: string; privateKey?: string; wrapped: WrappedPrivateKey };
  // The file holds the private half only wrapped by the passphrase, with the attorneys' scrypt.
  expect(file.privateKey).toBeUndefined();
  expect(file).toMatchObject({ v: 2, wrapped: { kdf: "scrypt", N: 2 ** 17, r: 8 } });
  const privateKey = await unwrapPrivateKey(file.wrapped, "recovery passphrase for the demo");
  expect(toB64u(publicKeyOf(privateKey))).toBe(file.publicKey);
  expect(text).not.toContain(toB64u(privateKey));
  await expect(admin.getByText(`Recovery key saved. Fingerprint: ${file.fingerprint}.`)).toBeVisible();
  expect(posts.join("\n")).not.toContain(toB64u(privateKey));
  expect(posts.join("\n")).not.toContain("recovery passphrase for the demo");
  const [row] = await e2eSql<{ n: number }>(`select count(*)::int as n from public.sealing_keys where kind = 'recovery' and revoked_at is null and public_key = $1`, [file.publicKey]);
  expect(row?.n).toBe(1);
  await expectNoAxeViolations(admin);
  await admin.context().close();
});

test("key transparency: the observer is told before sealing that the keys changed; attorneys and admins compare fingerprints", async ({ browser }) => {
  const observer = await pageFor(browser, "observer");
  await observer.goto("/reports/new");
  await expect(observer.locator("html")).toHaveAttribute("data-hydrated", "true");
  // nothing sealed on this phone yet: nothing to compare with
  await expect(observer.getByTestId("recipient-notice")).toHaveCount(0);
  // this phone last sealed to another attorney key, since replaced
  await observer.evaluate(() =>
    localStorage.setItem("testigo.sealedTo.v1", JSON.stringify([{ kind: "attorney", fingerprint: "0000 1111 2222 3333 4444 5555 6666 7777" }])),
  );
  await observer.reload();
  await expect(observer.locator("html")).toHaveAttribute("data-hydrated", "true");
  const notice = observer.getByTestId("recipient-notice");
  await expect(notice).toBeVisible();
  await expect(notice).toContainText(DEMO_ATTORNEY_KEY.fingerprint);
  await expect(notice).toContainText("0000 1111 2222 3333 4444 5555 6666 7777");
  await expectNoHorizontalScroll(observer);
  await expectNoAxeViolations(observer);
  await observer.context().close();

  for (const role of ["attorney", "admin"] as const) {
    const page = await pageFor(browser, role, { width: 360 });
    await page.goto(role === "attorney" ? "/review/key" : "/admin/settings");
    const section = page.getByRole("region", { name: /Whom sealed details go to|A quién llegan/ });
    await expect(section).toContainText(DEMO_ATTORNEY_KEY.fingerprint);
    // the demo seed registered its key the audited way
    await expect(section.getByRole("listitem").filter({ hasText: /Attorney key registered|Llave de abogada o abogado registrada/ }).first()).toBeVisible();
    await expectNoHorizontalScroll(page);
    await expectNoAxeViolations(page);
    await page.context().close();
  }
});

// PostgreSQL creates and removes files while we walk (pg_internal.init, temp files): a file that
// vanished between listing and reading held nothing to find.
const gone = (error: unknown) => (error as { code?: string }).code === "ENOENT";

function* filesUnder(dir: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (gone(error)) return;
    throw error;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    let stat;
    try {
      stat = statSync(full);
    } catch (error) {
      if (gone(error)) continue;
      throw error;
    }
    if (stat.isDirectory()) yield* filesUnder(full);
    else if (stat.isFile()) yield full;
  }
}

const photo = (canary: string) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]), Buffer.from(canary.repeat(200)), Buffer.from([0xff, 0xd9])]);
// The originals' SHA-256: anyone with a copy of a photo can compute it, so no server side may hold it (finding 4).
const photoHashes = () => [`${CANARY_JS}-photo`, `${CANARY_NO_JS}-photo`].map((c) => createHash("sha256").update(photo(c)).digest("hex"));
const spellings = (hex: string) => [hex, hex.toUpperCase(), Buffer.from(hex, "hex").toString("base64"), Buffer.from(hex, "hex").toString("base64url")];
let photoReportId = "";

test("photos are sealed before upload with progress shown, and without JavaScript on receipt", async ({ browser }) => {
  const page = await pageFor(browser, "observer2");
  await page.goto("/reports");
  await page.getByRole("link", { name: /Cermak & Blue Island/ }).first().click();
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const bodies: Buffer[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") bodies.push(r.postDataBuffer() ?? Buffer.alloc(0));
  });
  await page.getByLabel("Add photos or videos").setInputFiles([{ name: "IMG_1.jpg", mimeType: "image/jpeg", buffer: photo(`${CANARY_JS}-photo`) }]);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByText("Uploaded and sealed")).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "Upload of IMG_1.jpg" })).toHaveAttribute("value", "1");
  await expect(page.getByText(/Sealed photo, 0\.0 MB/)).toBeVisible();
  expect(Buffer.concat(bodies).includes(Buffer.from("CANARY-js"))).toBe(false);
  // a text file pretending to be a photo is refused before anything is sent
  await page.getByLabel("Add photos or videos").setInputFiles([{ name: "fake.jpg", mimeType: "image/jpeg", buffer: Buffer.from("<html>not a photo at all</html>") }]);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByText("Only photos (JPEG, PNG, WebP, HEIC) and videos (MP4, MOV, WebM, 3GP) can be attached.")).toBeVisible();
  const url = page.url();
  photoReportId = /\/reports\/([0-9a-f-]{36})/.exec(url)![1]!;
  await expectNoAxeViolations(page);
  await page.context().close();

  const noJs = await pageFor(browser, "observer2", { javaScriptEnabled: false });
  await noJs.goto(url);
  await noJs.getByLabel("Add photos or videos").setInputFiles([{ name: "IMG_2.jpg", mimeType: "image/jpeg", buffer: photo(`${CANARY_NO_JS}-photo`) }]);
  await noJs.getByRole("button", { name: "Upload" }).click();
  await expect(noJs.getByRole("status")).toHaveText("1 file uploaded and sealed.");
  await expect(noJs.getByText(/Sealed photo/)).toHaveCount(2);
  await noJs.context().close();
});

test("the attorney unseals the photos and sees each original's SHA-256 beside its download, checked against the opened file", async ({ browser }) => {
  const page = await pageFor(browser, "attorney", { width: 1280 });
  await page.goto(`/review/${photoReportId}`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  for (const hash of photoHashes()) await expect(page.getByText(hash)).toHaveCount(0);
  await page.getByLabel("Passphrase").fill("testigo demo attorney");
  await page.getByRole("button", { name: "Unseal" }).click();
  for (const [i, hash] of photoHashes().entries()) {
    const item = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: `Download original ${i + 1}` }) });
    await expect(item).toContainText(`Original's SHA-256 ${hash}`, { timeout: 30_000 });
    await expect(item).toContainText("Matches the opened file.");
  }
  await expectNoAxeViolations(page);
  await page.context().close();
});

test("the observer adds sealed details later, with and without JavaScript; the attorney unseals them marked with when they were added", async ({ browser }) => {
  // With JavaScript: sealed in the browser to the current keys, bound to this report and addendum.
  const page = await pageFor(browser, "observer2");
  const bodies: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") bodies.push(r.postData() ?? "");
  });
  await page.goto(`/reports/${photoReportId}`);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const form = page.locator("form#sealed-details");
  await expect(form).toHaveAttribute("autocomplete", "off");
  // nothing typed: a translated error at the first field, its section opened
  await form.getByRole("button", { name: "Seal and add" }).click();
  await expect(form.getByText("Fill in at least one detained person or witness.")).toBeVisible();
  await expect(form.locator("details").first()).toHaveAttribute("open", "");
  const person = form.getByRole("group", { name: "Person 1" });
  await expect(person.getByRole("textbox", { name: "Name" })).toHaveAttribute("autocomplete", "off");
  await person.getByRole("textbox", { name: "Name" }).fill(`${CANARY_JS}-added`);
  await person.getByRole("textbox", { name: "Where they were taken" }).fill(`${CANARY_JS}-added-where`);
  await form.getByRole("button", { name: "Seal and add" }).click();
  await expect(page.getByRole("status")).toHaveText("Sealed details added. Only the legal team can open them.");
  await expect(page.getByText("Sealed details added: 1 detained person and 0 witnesses.")).toBeVisible();
  // the form is empty again for the next one
  await expect(form.locator('input[name="detained[0].name"]')).toHaveValue("");
  expect(bodies.some((b) => b.includes("sealed"))).toBe(true);
  expect(bodies.join("\n")).not.toContain("CANARY-js");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await page.context().close();

  // Without JavaScript: posted as typed, sealed by the server on receipt.
  const noJs = await pageFor(browser, "observer2", { javaScriptEnabled: false });
  await noJs.goto(`/reports/${photoReportId}`);
  const plain = noJs.locator("form#sealed-details");
  await plain.getByText("Witnesses (sealed)").click();
  const witness = plain.getByRole("group", { name: "Witness 1" });
  await witness.getByRole("textbox", { name: "Name" }).fill(`${CANARY_NO_JS}-added`);
  await witness.getByRole("textbox", { name: /Contact/ }).fill("555-0142");
  await plain.getByRole("button", { name: "Seal and add" }).click();
  await expect(noJs.getByRole("status")).toHaveText("Sealed details added. Only the legal team can open them.");
  await expect(noJs.getByText("Sealed details added: 0 detained people and 1 witness.")).toBeVisible();
  await expect(noJs.getByText(`${CANARY_NO_JS}-added`)).toHaveCount(0);
  // a refused post (4xx) gives back what was typed, with a translated error, never a 500
  const origin = new URL(noJs.url()).origin;
  const refused = await noJs.request.post(`/reports/${photoReportId}`, {
    headers: { origin },
    form: { intent: "sealed", addendumId: "stale", "witnesses[0].name": "Kept Witness", "witnesses[0].contact": "555-0143" },
  });
  expect(refused.status()).toBe(400);
  const html = await refused.text();
  expect(html).toContain('value="Kept Witness"');
  expect(html).toContain("This form is out of date. Reload the page and try again.");
  await noJs.context().close();

  // The attorney unseals: the people added later, each marked with when it was added.
  const attorney = await pageFor(browser, "attorney", { width: 1280 });
  await attorney.goto(`/review/${photoReportId}`);
  await expect(attorney.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(attorney.getByText(/Sealed: 2 detained people and 1 witness recorded/)).toBeVisible();
  await expect(attorney.getByText(/added an addendum/).first()).toBeAttached();
  await attorney.getByLabel("Passphrase").fill("testigo demo attorney");
  await attorney.getByRole("button", { name: "Unseal" }).click();
  await expect(attorney.getByRole("heading", { name: "Added after the report was sent" })).toBeVisible({ timeout: 30_000 });
  const added = attorney.locator(".unsealed ol.addenda > li");
  await expect(added).toHaveCount(2);
  await expect(added.nth(0)).toContainText(/added .*\d/);
  await expect(added.nth(0)).toContainText(`${CANARY_JS}-added`);
  await expect(added.nth(0)).toContainText(`${CANARY_JS}-added-where`);
  await expect(added.nth(1)).toContainText(`${CANARY_NO_JS}-added`);
  await expect(added.nth(1)).toContainText("555-0142");
  await expectNoAxeViolations(attorney);
  await attorney.context().close();
});

test("Use my location marks the place from the phone's position", async ({ browser }) => {
  const context = await browser.newContext({
    storageState: storageStateFor("observer2"),
    viewport: { width: 360, height: 800 },
    geolocation: { latitude: 41.8446, longitude: -87.7049, accuracy: 12 },
    permissions: ["geolocation"],
  });
  const page = await context.newPage();
  await blockTiles(page);
  await page.goto("/reports/new");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Use my location" }).click();
  await expect(page.getByText("Place marked (accuracy about 12 m).")).toBeVisible();
  await page.getByRole("button", { name: "Submit report" }).first().click();
  await expect(page).toHaveURL(/\/reports\/[0-9a-f-]{36}\?sent=1$/);
  // the point lies in the demo's Little Village zone
  await expect(page.getByText("Little Village")).toBeVisible();
  await context.close();
});

test("the submit action answers garbage with 4xx, never a 500 (fast-check over HTTP)", async ({ browser }) => {
  const page = await pageFor(browser, "observer2");
  await page.goto("/reports/new");
  const origin = new URL(page.url()).origin;
  const keys = ["clientUuid", "occurredAt", "activities", "agencies", "agentCountMin", "urgency", "latitude", "longitude", "crossStreets", "warrant", "narrative", "sealed", "detained[0].name", "officers[0].badge", "sealedDetained"];
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...keys), fc.oneof(fc.string(), fc.string({ minLength: 3000, maxLength: 12000 }), fc.constantFrom("", "-1", "1e309", "NaN", "{}", "2026-02-30T25:61"))), { maxLength: 20 }),
      fc.boolean(),
      async (entries, withBasics) => {
        // half the time the essentials are valid, so the garbage reaches the deeper checks
        const body = new URLSearchParams(withBasics ? [["clientUuid", crypto.randomUUID()], ["crossStreets", "Fuzz Ave"], ...entries] : entries);
        if (withBasics && !body.has("occurredAt")) body.set("occurredAt", new Date(Date.now() - 24 * 3_600_000).toISOString().slice(0, 16));
        const response = await page.request.post("/reports/new", {
          headers: { "content-type": "application/x-www-form-urlencoded", origin },
          data: body.toString(),
          maxRedirects: 0,
        });
        statuses.set(response.status(), (statuses.get(response.status()) ?? 0) + 1);
        expect(response.status()).toBeLessThan(500);
        expect(await response.text()).not.toMatch(/at .*\.(ts|js):\d+/);
      },
    ),
    { numRuns: 80 },
  );
  console.log(`HTTP fuzz of /reports/new: ${[...statuses].map(([s, n]) => `${n}×${s}`).join(", ")}`);
  await page.context().close();
});

test("privacy canaries: no sealed text and no photo hash in any table, in the database's files, in stored files or in the server's log", async () => {
  // every row of every table in every schema, as text: what pg_dump would write
  const tables = await e2eSql<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`,
  );
  expect(tables.length).toBeGreaterThan(10);
  let rows = 0;
  for (const { name } of tables) {
    const dump = await e2eSql<{ t: string | null; n: number }>(`select string_agg(x::text, E'\\n') as t, count(*)::int as n from ${name} x`);
    rows += dump[0]?.n ?? 0;
    for (const canary of ["CANARY-nojs", "CANARY-js", "987-654-321"]) expect(dump[0]?.t ?? "", `${canary} in ${name}`).not.toContain(canary);
    for (const hash of photoHashes().flatMap(spellings)) expect(dump[0]?.t ?? "", `photo hash ${hash} in ${name}`).not.toContain(hash);
  }
  console.log(`Canary scan: ${tables.length} tables, ${rows} rows: 0 canaries`);
  // and the raw files: data directory (after a checkpoint), WAL, the outbox, uploaded files, the log
  await e2eSql("checkpoint");
  let files = 0;
  for (const file of filesUnder(path.resolve(E2E_DATA_DIR))) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      if (gone(error)) continue;
      throw error;
    }
    files += 1;
    for (const canary of ["CANARY-nojs", "CANARY-js"]) expect(bytes.includes(Buffer.from(canary)), `${canary} in ${file}`).toBe(false);
    for (const hash of photoHashes()) {
      expect(bytes.includes(Buffer.from(hash)) || bytes.includes(Buffer.from(hash, "hex")), `photo hash ${hash} in ${file}`).toBe(false);
    }
  }
  const log = readFileSync(path.resolve(`${E2E_DATA_DIR}-server.log`), "utf8");
  expect(log).not.toContain("CANARY");
  for (const hash of photoHashes()) expect(log).not.toContain(hash);
  console.log(`Canary scan: ${files} files under ${E2E_DATA_DIR} and the server log: 0 canaries`);
});
