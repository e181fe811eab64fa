import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test, type Download } from "@playwright/test";
import { DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, storageStateFor } from "./helpers";
import { pdfPages } from "../setup/pdf";

// Issue 19, item 4: an observer makes the declaration of their own report to sign, from the
// report's page, on a phone, with and without JavaScript. The demo observer reads Testigo in
// Spanish (their profile), as many observers do.

test.describe.configure({ mode: "serial" });

const MARK = `E2E-declaration-${Date.now().toString(36)}`;
const PERJURY_EN = "I declare under penalty of perjury under the laws of the United States of America that the foregoing is true and correct.";
const PERJURY_ES = "Declaro bajo pena de perjurio conforme a las leyes de los Estados Unidos de América que lo anterior es verdadero y correcto.";
let reportId: string;
let profileName: string;

test.beforeAll(async () => {
  const [observer] = await e2eSql<{ id: string; display_name: string }>(`select id, display_name from public.profiles where email = $1`, [DEMO.observer]);
  profileName = observer!.display_name;
  const [row] = await e2eSql<{ id: string }>(
    `insert into public.reports (client_uuid, author_id, occurred_at, cross_streets, location, location_accuracy_m, activities, agencies, warrant, narrative, officers)
     values ($1, $2, now() - interval '40 minutes', $3, '{"type":"Point","coordinates":[-87.69537,41.80512]}', 15, '{detaining}', '{ice_ero}', 'administrative',
       'Dos agentes tocaron la puerta.', '[{"name":"Ruiz","badge":"4411"}]') returning id`,
    [randomUUID(), observer!.id, MARK],
  );
  reportId = row!.id;
});

test.afterAll(async () => {
  await e2eSql(`delete from public.reports where cross_streets = $1`, [MARK]);
});

const flat = (pages: string[]) => pages.join("\n").replace(/\n/g, " ");
const pagesOf = async (download: Download) => pdfPages(new Uint8Array(readFileSync((await download.path())!)));

async function authorExports() {
  return e2eSql<{ details: Record<string, string> }>(`select details from public.audit_events where report_id = $1 and event = 'exported' order by seq`, [reportId]);
}

test("an observer makes their declaration from the report's page, with their name edited, in Spanish with the English translation", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("observer"), viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`/reports/${reportId}`);
  await page.getByRole("link", { name: "Declaración para firmar (PDF)" }).click();
  await expect(page).toHaveURL(`/reports/${reportId}/declaration`);
  await expect(page.getByRole("heading", { level: 1, name: "Declaración para firmar" })).toBeVisible();
  const name = page.getByLabel("Tu nombre completo (declarante)");
  await expect(name).toHaveValue(profileName);
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // the declaration is in the observer's language unless they choose otherwise
  await expect(page.getByLabel("Idioma de la declaración")).toHaveValue("es");
  // a blank name is refused by the server on the field, the page still clean for axe
  await name.fill("   ");
  await page.getByRole("button", { name: "Descargar declaración (PDF)" }).click();
  await expect(page.getByText("Escribe tu nombre completo como declarante.")).toBeVisible();
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  await name.fill("Ana Lucía Ramírez");
  await page.getByLabel("Dónde vas a firmar (ciudad, estado)").fill("Chicago, Illinois");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Descargar declaración (PDF)" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`testigo-declaration-${reportId.slice(0, 8)}.pdf`);
  const pages = await pagesOf(file);
  expect(pages[0]).toContain("Declaración de Ana Lucía Ramírez");
  expect(pages[0]).toContain("Yo, Ana Lucía Ramírez, declaro:");
  pages.forEach((text, i) => expect(text).toMatch(new RegExp(`(Página ${i + 1} de|Page ${i + 1} of) ${pages.length}`)));
  const all = flat(pages);
  expect(all).toContain(PERJURY_ES);
  expect(all).toContain(PERJURY_EN);
  expect(all).toContain("English translation");
  expect(all).toContain("en Chicago, Illinois.");
  expect(all).toContain("Ruiz, badge 4411");
  // the page stays the form; the profile keeps its name (the box was not ticked)
  await expect(page).toHaveURL(`/reports/${reportId}/declaration`);
  const [profile] = await e2eSql<{ display_name: string }>(`select display_name from public.profiles where email = $1`, [DEMO.observer]);
  expect(profile!.display_name).toBe(profileName);
  expect((await authorExports()).at(-1)!.details).toMatchObject({ format: "pdf", by: "author" });
  await context.close();
});

test("without JavaScript: a blank name is refused on the field with what was typed kept, then the declaration downloads", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("observer"), viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/reports/${reportId}/declaration`);
  await page.getByLabel("Tu nombre completo (declarante)").fill("   ");
  await page.getByLabel("Dónde vas a firmar (ciudad, estado)").fill("Cicero, Illinois");
  await page.getByRole("button", { name: "Descargar declaración (PDF)" }).click();
  await expect(page.getByText("Escribe tu nombre completo como declarante.")).toBeVisible();
  await expect(page.getByLabel("Tu nombre completo (declarante)")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Dónde vas a firmar (ciudad, estado)")).toHaveValue("Cicero, Illinois");
  await expectNoHorizontalScroll(page);

  const before = (await authorExports()).length;
  await page.getByLabel("Tu nombre completo (declarante)").fill("Ana Lucía Ramírez");
  await page.getByLabel("Idioma de la declaración").selectOption("en");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Descargar declaración (PDF)" }).click();
  const pages = await pagesOf(await download);
  expect(pages[0]).toContain("I, Ana Lucía Ramírez, declare:");
  const all = flat(pages);
  expect(all).toContain(PERJURY_EN);
  expect(all).not.toContain(PERJURY_ES);
  expect(all).toContain("at Cicero, Illinois.");
  // the declaration's pages in English; the record, last, in the language the observer reads Testigo in
  pages.forEach((text, i) => expect(text).toContain(i < pages.length - 1 ? `Page ${i + 1} of ${pages.length}` : `Página ${i + 1} de ${pages.length}`));
  expect(pages.at(-1)).toContain("Registro de este documento (no forma parte de la declaración)");
  expect(await authorExports()).toHaveLength(before + 1);
  await context.close();
});

test("another observer's report has no declaration for them: not found", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("observer2") });
  const page = await context.newPage();
  expect((await page.request.get(`/reports/${reportId}/declaration`, { maxRedirects: 0 })).status()).toBe(404);
  expect((await page.request.get(`/reports/${reportId}/declaration.pdf`, { maxRedirects: 0 })).status()).toBe(404);
  await context.close();
});

test("the attorney's audit trail tells the author's declaration apart from an attorney's export", async ({ browser }) => {
  const context = await browser.newContext({ storageState: storageStateFor("attorney"), viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`/review/${reportId}`);
  await page.locator("#audit summary").click();
  await expect(page.locator("#audit").getByText(/The report's author made their declaration to sign \(PDF\)|La persona que hizo el reporte generó su declaración para firmar \(PDF\)/).first()).toBeVisible();
  await context.close();
});
