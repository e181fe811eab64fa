import { beforeAll, describe, expect, it } from "vitest";
import { withSystem, withUser } from "~/db/client.server";
import { sealJson } from "~/integrations/sealing";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { createTestReport, registerTestKey, type TestKey } from "../../../tests/setup/reports";
import { addendumAad } from "./addenda";
import { addAddendum } from "./reports.server";

/**
 * Who adds and who reads addenda (RLS on public.report_addenda; ADR 023): only the report's own
 * observer adds them, text or sealed; the author and attorneys read them; nobody changes or
 * removes one. Straight into the table as each person, as the Supabase API would let them try.
 */
let cast: Awaited<ReturnType<typeof createCast>>;
let hotline: Persona;
let key: TestKey;
let reportId: string;
let callId: string;

beforeAll(async () => {
  cast = await createCast();
  hotline = await createPersona("addenda_hilda", ["hotline"]);
  key = await registerTestKey(cast.attorney_luis);
  reportId = (await createTestReport(cast.observer_ana)).id;
  // A call logged by the hotline volunteer: no author.
  callId = (
    await withSystem((trx) =>
      trx
        .insertInto("reports")
        .values({ client_uuid: crypto.randomUUID(), source: "hotline", logged_by: hotline.id, occurred_at: new Date(), narrative: "A neighbour called." })
        .returning("id")
        .executeTakeFirstOrThrow(),
    )
  ).id;
});

const text = (persona: Persona, report: string, body = "Added later") => ({ report_id: report, author_id: persona.id, body });
function sealed(persona: Persona, report: string) {
  const id = crypto.randomUUID();
  const box = sealJson({ v: 1, detained: [{ name: "Later Person" }], witnesses: [] }, [key.recipient], addendumAad(report, id)).sealed;
  return { id, report_id: report, author_id: persona.id, sealed: JSON.stringify(box), sealed_detained: 1 };
}
const insertAs = (persona: Persona, row: Record<string, unknown>) =>
  withUser(persona.claims, (trx) => trx.insertInto("report_addenda").values(row as never).returning("id").executeTakeFirstOrThrow());
const readAs = (persona: Persona, report: string) =>
  withUser(persona.claims, (trx) => trx.selectFrom("report_addenda").select(["id", "body"]).where("report_id", "=", report).execute());
const countOf = async (report: string) =>
  Number((await withSystem((trx) => trx.selectFrom("report_addenda").select((eb) => eb.fn.countAll().as("n")).where("report_id", "=", report).executeTakeFirstOrThrow())).n);

describe("adding an addendum (insert)", () => {
  it("the report's own observer adds text and sealed details", async () => {
    await expect(insertAs(cast.observer_ana, text(cast.observer_ana, reportId, "I remembered the plate"))).resolves.toHaveProperty("id");
    await expect(insertAs(cast.observer_ana, sealed(cast.observer_ana, reportId))).resolves.toHaveProperty("id");
    await expect(addAddendum(cast.observer_ana.claims, reportId, "And the van's colour", null)).resolves.toBeUndefined();
  });

  it("the observer cannot sign an addendum in someone else's name, even on their own report", async () => {
    await expect(insertAs(cast.observer_ana, text(cast.observer_oscar, reportId))).rejects.toMatchObject({ code: "42501" });
  });

  it("another observer, an attorney, a coordinator, an admin and a hotline volunteer add nothing, text or sealed", async () => {
    const before = await countOf(reportId);
    for (const persona of [cast.observer_oscar, cast.attorney_luis, cast.coordinator_carmen, cast.admin_alma, hotline]) {
      await expect(insertAs(persona, text(persona, reportId)), persona.email).rejects.toMatchObject({ code: "42501" });
      await expect(insertAs(persona, sealed(persona, reportId)), persona.email).rejects.toMatchObject({ code: "42501" });
      // Through the app's own function: the same 404 as a report that does not exist.
      await expect(addAddendum(persona.claims, reportId, "Not mine to add", null), persona.email).rejects.toMatchObject({ status: 404 });
    }
    expect(await countOf(reportId)).toBe(before);
  });

  it("nobody adds to a call logged by the hotline (it has no author): not the volunteer who logged it, not an attorney", async () => {
    for (const persona of [hotline, cast.attorney_luis, cast.coordinator_carmen]) {
      await expect(insertAs(persona, text(persona, callId)), persona.email).rejects.toMatchObject({ code: "42501" });
      await expect(insertAs(persona, sealed(persona, callId)), persona.email).rejects.toMatchObject({ code: "42501" });
    }
    expect(await countOf(callId)).toBe(0);
  });
});

describe("reading addenda (select)", () => {
  it("the author and attorneys read them; another observer, a coordinator and a hotline volunteer read none", async () => {
    const all = await countOf(reportId);
    expect(all).toBeGreaterThan(0);
    expect(await readAs(cast.observer_ana, reportId)).toHaveLength(all);
    expect(await readAs(cast.attorney_luis, reportId)).toHaveLength(all);
    for (const persona of [cast.observer_oscar, cast.coordinator_carmen, hotline]) {
      expect(await readAs(persona, reportId), persona.email).toHaveLength(0);
    }
  });
});

describe("changing or removing an addendum (update, delete)", () => {
  it("nobody changes or removes one, the author and attorneys included: addenda are append-only", async () => {
    const [first] = await readAs(cast.observer_ana, reportId);
    for (const persona of [cast.observer_ana, cast.attorney_luis, cast.coordinator_carmen, hotline]) {
      await expect(
        withUser(persona.claims, (trx) => trx.updateTable("report_addenda").set({ body: "Rewritten" }).where("id", "=", first!.id).execute()),
        persona.email,
      ).rejects.toMatchObject({ code: "42501" });
      await expect(
        withUser(persona.claims, (trx) => trx.deleteFrom("report_addenda").where("id", "=", first!.id).execute()),
        persona.email,
      ).rejects.toMatchObject({ code: "42501" });
    }
    expect((await readAs(cast.observer_ana, reportId)).find((a) => a.id === first!.id)?.body).toBe(first!.body);
  });
});
