import { beforeAll, describe, expect, it } from "vitest";
import { sql, withSystem, withUser, type Trx } from "~/db/client.server";
import { envelopeFor, generateKeyPair, openEnvelope, openJson, toB64u, type SealedBox } from "~/integrations/sealing";
import { createCast, createPersona, type Persona } from "../../../tests/setup/personas";
import { addTestMedia, addTestNote, createTestReport, registerTestKey, triage, type TestKey } from "../../../tests/setup/reports";

// Who reads and writes what among the review tables, role by role. Observers and coordinators see
// nothing of the legal team's work; an author sees the questions about their own report only.

let cast: Awaited<ReturnType<typeof createCast>>;
let formerAttorney: Persona;
let formerObserver: Persona;
let colleague: Persona;
let luisKey: TestKey;
let colleagueKey: TestKey;
let formerKey: TestKey;
let anaReport: { id: string; clientUuid: string };
let oscarReport: { id: string; clientUuid: string };
let formerReport: { id: string; clientUuid: string };
let noteId: string;
let taskId: string;
let messageToAna: string;

const denied = { code: "42501" };
type Role = "author" | "nonAuthor" | "coordinator" | "attorney" | "admin" | "formerAttorney";
const as = (role: Role) =>
  ({
    author: cast.observer_ana,
    nonAuthor: cast.observer_oscar,
    coordinator: cast.coordinator_carmen,
    attorney: cast.attorney_luis,
    admin: cast.admin_alma,
    formerAttorney,
  })[role];
const ROLES: Role[] = ["author", "nonAuthor", "coordinator", "attorney", "admin", "formerAttorney"];

function run<T>(persona: Persona, fn: (trx: Trx) => Promise<T>) {
  return withUser(persona.claims, fn);
}
const ids = (persona: Persona, table: string, column = "id") =>
  run(persona, (trx) => sql<{ id: string }>`select ${sql.ref(column)}::text as id from ${sql.table(table)}`.execute(trx)).then((r) => r.rows.map((x) => x.id).sort());

async function requestInfo(persona: Persona, reportId: string, body: string) {
  const { rows } = await run(persona, (trx) => sql<{ id: string }>`select private.request_report_info(${reportId}::uuid, ${body}) as id`.execute(trx));
  return rows[0]!.id;
}

beforeAll(async () => {
  cast = await createCast();
  colleague = await createPersona("attorney_colleague", ["attorney"]);
  formerAttorney = await createPersona("attorney_former", ["attorney"]);
  formerObserver = await createPersona("observer_former", ["observer"]);
  luisKey = await registerTestKey(cast.attorney_luis);
  formerKey = await registerTestKey(formerAttorney);
  anaReport = await createTestReport(cast.observer_ana, { sealedTo: [luisKey.recipient] });
  oscarReport = await createTestReport(cast.observer_oscar, { sealedTo: [luisKey.recipient] });
  formerReport = await createTestReport(formerObserver);
  // the colleague's key comes after those reports were sealed
  colleagueKey = await registerTestKey(colleague);
  await triage(cast.attorney_luis, anaReport.id, { status: "in_review" });
  noteId = await addTestNote(cast.attorney_luis, anaReport.id, [luisKey.recipient]);
  taskId = (
    await run(cast.attorney_luis, (trx) =>
      trx
        .insertInto("report_tasks")
        .values({ report_id: anaReport.id, title: "Call the family's lawyer", created_by: cast.attorney_luis.id, assigned_to: cast.attorney_luis.id })
        .returning("id")
        .executeTakeFirstOrThrow(),
    )
  ).id;
  messageToAna = await requestInfo(cast.attorney_luis, anaReport.id, "Which door did they use?");
  await requestInfo(cast.attorney_luis, oscarReport.id, "Did you see a warrant?");
  await requestInfo(cast.attorney_luis, formerReport.id, "Anything else?");
  await withSystem((trx) =>
    trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "in", [formerAttorney.id, formerObserver.id]).execute(),
  );
});

describe("reading", () => {
  it("reports: admins read every row (reports_select_admin), observers their own, coordinators and former attorneys none", async () => {
    const all = [anaReport.id, oscarReport.id, formerReport.id].sort();
    const expected: Record<Role, string[]> = {
      author: [anaReport.id],
      nonAuthor: [oscarReport.id],
      coordinator: [],
      attorney: all,
      admin: all,
      formerAttorney: [],
    };
    for (const role of ROLES) expect(await ids(as(role), "reports"), role).toEqual(expected[role]);
    expect(await ids(formerObserver, "reports")).toEqual([]);
    // reading is all the admin policy gives
    const updated = await run(cast.admin_alma, (trx) => trx.updateTable("reports").set({ narrative: "admin was here" }).where("id", "=", anaReport.id).executeTakeFirst());
    expect(updated.numUpdatedRows).toBe(0n);
  });

  it("notes, tasks and shared envelopes: attorneys only", async () => {
    await withSystem((trx) =>
      trx
        .insertInto("key_shares")
        .values({ report_id: anaReport.id, box: "note", box_id: noteId, key_id: formerKey.keyId, envelope: JSON.stringify({ keyId: formerKey.keyId }) })
        .execute(),
    );
    const shareIds = (await withSystem((trx) => trx.selectFrom("key_shares").select("id").execute())).map((r) => r.id);
    const expected: Record<string, string[]> = { report_notes: [noteId], report_tasks: [taskId], key_shares: shareIds };
    for (const table of ["report_notes", "report_tasks", "key_shares"]) {
      for (const role of ROLES) expect(await ids(as(role), table), `${role} ${table}`).toEqual(role === "attorney" ? expected[table] : []);
    }
    await withSystem((trx) => trx.deleteFrom("key_shares").execute());
  });

  it("messages: attorneys all; an author those on their own report, while active; nobody else", async () => {
    const all = await withSystem((trx) => trx.selectFrom("report_messages").select(["id", "report_id"]).execute());
    const on = (reportId: string) => all.filter((m) => m.report_id === reportId).map((m) => m.id).sort();
    const expected: Record<Role, string[]> = {
      author: on(anaReport.id),
      nonAuthor: on(oscarReport.id),
      coordinator: [],
      attorney: all.map((m) => m.id).sort(),
      admin: [],
      formerAttorney: [],
    };
    for (const role of ROLES) expect(await ids(as(role), "report_messages"), role).toEqual(expected[role]);
    expect(expected.author).toEqual([messageToAna]);
    expect(await ids(formerObserver, "report_messages")).toEqual([]);
  });

  it("audit log: attorneys the events of reports, admins all of it, nobody else any", async () => {
    // the cast's attorney and admin roles and the attorneys' keys: changes of whom sealed data goes to
    const all = await withSystem((trx) => trx.selectFrom("audit_events").select(["seq", "report_id", "event"]).execute());
    expect(all.filter((e) => e.report_id === null).map((e) => e.event)).toEqual(expect.arrayContaining(["role_granted", "key_registered"]));
    await withUser(cast.admin_alma.claims, (trx) => sql`select private.record_report_access(null, 'exported')`.execute(trx));
    const seqs = (rows: { seq: string }[]) => rows.map((r) => r.seq).sort();
    const everything = seqs(await withSystem((trx) => trx.selectFrom("audit_events").select("seq").execute()));
    const forAttorneys = seqs(
      await withSystem((trx) =>
        trx
          .selectFrom("audit_events")
          .select("seq")
          .where((eb) => eb.or([eb("report_id", "is not", null), sql<boolean>`private.is_recipient_event(event)`]))
          .execute(),
      ),
    );
    // the queue export and access shared (no report, not a recipient change) are the admins' alone
    expect(everything.length).toBeGreaterThan(forAttorneys.length);
    const expected: Record<Role, string[]> = {
      author: [],
      nonAuthor: [],
      coordinator: [],
      attorney: forAttorneys,
      admin: everything,
      formerAttorney: [],
    };
    for (const role of ROLES) expect(await ids(as(role), "audit_events", "seq"), role).toEqual(expected[role]);
  });

  it("private tables stay private", async () => {
    for (const role of ROLES) {
      for (const table of ["private.audit_head", "private.report_transitions", "private.jobs"]) {
        await expect(run(as(role), (trx) => sql`select * from ${sql.table(table)}`.execute(trx)), `${role} ${table}`).rejects.toMatchObject(denied);
      }
    }
  });
});

describe("notes and tasks", () => {
  it("an attorney adds a note only as themself; nobody else adds one; nobody edits or deletes one", async () => {
    const sealed = (await withSystem((trx) => trx.selectFrom("report_notes").select("sealed").where("id", "=", noteId).executeTakeFirstOrThrow())).sealed;
    const insert = (persona: Persona, authorId: string) =>
      run(persona, (trx) => trx.insertInto("report_notes").values({ report_id: anaReport.id, author_id: authorId, sealed: JSON.stringify(sealed) }).execute());
    await expect(insert(cast.attorney_luis, colleague.id)).rejects.toMatchObject(denied);
    for (const role of ROLES.filter((r) => r !== "attorney")) await expect(insert(as(role), as(role).id), role).rejects.toMatchObject(denied);
    await expect(
      run(cast.attorney_luis, (trx) => trx.insertInto("report_notes").values({ report_id: anaReport.id, author_id: cast.attorney_luis.id, sealed: JSON.stringify({ v: 1, plaintext: "x" }) }).execute()),
    ).rejects.toMatchObject({ code: "23514" });
    await expect(run(cast.attorney_luis, (trx) => sql`update public.report_notes set sealed = sealed where id = ${noteId}::uuid`.execute(trx))).rejects.toMatchObject(denied);
    await expect(run(cast.attorney_luis, (trx) => sql`delete from public.report_notes where id = ${noteId}::uuid`.execute(trx))).rejects.toMatchObject(denied);

    await addTestNote(colleague, anaReport.id, [luisKey.recipient, colleagueKey.recipient]);
    const { rows } = await withSystem((trx) =>
      sql<{ event: string; actor_id: string }>`select event, actor_id from public.audit_events where report_id = ${anaReport.id}::uuid and event = 'note_added'`.execute(trx),
    );
    expect(rows.map((r) => r.actor_id)).toEqual([cast.attorney_luis.id, colleague.id]);
  });

  it("tasks: attorneys create them as themselves and mark them done as themselves", async () => {
    const create = (persona: Persona, createdBy: string) =>
      run(persona, (trx) => trx.insertInto("report_tasks").values({ report_id: anaReport.id, title: "Follow up", created_by: createdBy }).returning("id").executeTakeFirstOrThrow());
    await expect(create(cast.attorney_luis, colleague.id)).rejects.toMatchObject(denied);
    for (const role of ROLES.filter((r) => r !== "attorney")) await expect(create(as(role), as(role).id), role).rejects.toMatchObject(denied);
    await expect(
      run(cast.attorney_luis, (trx) => trx.insertInto("report_tasks").values({ report_id: anaReport.id, title: "   ", created_by: cast.attorney_luis.id }).execute()),
    ).rejects.toMatchObject({ code: "23514" });

    const { id } = await create(colleague, colleague.id);
    const done = (persona: Persona, doneBy: string) =>
      run(persona, (trx) => trx.updateTable("report_tasks").set({ done_at: sql`now()`, done_by: doneBy }).where("id", "=", id).executeTakeFirst());
    await expect(done(cast.attorney_luis, colleague.id)).rejects.toMatchObject(denied);
    for (const role of ROLES.filter((r) => r !== "attorney")) expect((await done(as(role), as(role).id)).numUpdatedRows, role).toBe(0n);
    expect((await done(cast.attorney_luis, cast.attorney_luis.id)).numUpdatedRows).toBe(1n);
    await expect(run(cast.attorney_luis, (trx) => sql`delete from public.report_tasks where id = ${id}::uuid`.execute(trx))).rejects.toMatchObject(denied);
    await expect(run(cast.attorney_luis, (trx) => sql`update public.report_tasks set created_by = ${cast.attorney_luis.id}::uuid where id = ${id}::uuid`.execute(trx))).rejects.toMatchObject(
      denied,
    );

    const { rows } = await withSystem((trx) =>
      sql<{ event: string; actor_id: string; details: { task: string } }>`
        select event, actor_id, details from public.audit_events where details ->> 'task' = ${id} order by seq`.execute(trx),
    );
    expect(rows.map((r) => [r.event, r.actor_id])).toEqual([
      ["task_added", colleague.id],
      ["task_done", cast.attorney_luis.id],
    ]);
  });
});

describe("requests for more information", () => {
  it("make a message, an email job and an audit event, in one go", async () => {
    const id = await requestInfo(cast.attorney_luis, oscarReport.id, "  Was anyone hurt?  ");
    const message = await withSystem((trx) => trx.selectFrom("report_messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
    expect(message).toMatchObject({ report_id: oscarReport.id, from_id: cast.attorney_luis.id, body: "Was anyone hurt?", read_at: null });
    const jobs = await withSystem((trx) => trx.selectFrom("private.jobs").select(["kind", "payload", "done_at"]).where("dedupe_key", "=", `info_requested:${id}`).execute());
    expect(jobs).toEqual([{ kind: "info_requested", payload: { message_id: id }, done_at: null }]);
    const events = await withSystem((trx) =>
      sql<{ actor_id: string; report_id: string }>`select actor_id, report_id from public.audit_events where event = 'info_requested' and details ->> 'message' = ${id}`.execute(trx),
    );
    expect(events.rows).toEqual([{ actor_id: cast.attorney_luis.id, report_id: oscarReport.id }]);
    // the question itself is not in the job or the log
    expect(JSON.stringify(jobs)).not.toContain("hurt");
  });

  it("only attorneys ask; not about a report that does not exist, nor with an empty question; nobody writes messages directly", async () => {
    for (const role of ROLES.filter((r) => r !== "attorney")) {
      await expect(requestInfo(as(role), anaReport.id, "Anything?"), role).rejects.toMatchObject({ code: "TS403" });
    }
    await expect(requestInfo(cast.attorney_luis, crypto.randomUUID(), "Anything?")).rejects.toMatchObject({ code: "TS404" });
    await expect(requestInfo(cast.attorney_luis, anaReport.id, "   ")).rejects.toMatchObject({ code: "23514" });
    await expect(requestInfo(cast.attorney_luis, anaReport.id, "x".repeat(2001))).rejects.toMatchObject({ code: "23514" });
    await expect(
      run(cast.attorney_luis, (trx) => trx.insertInto("report_messages").values({ report_id: anaReport.id, from_id: cast.attorney_luis.id, body: "direct" }).execute()),
    ).rejects.toMatchObject(denied);
    // a report whose author's account was deleted has nobody to ask
    const orphan = await createTestReport(cast.observer_oscar);
    await withSystem((trx) => trx.updateTable("reports").set({ author_id: null }).where("id", "=", orphan.id).execute());
    await expect(requestInfo(cast.attorney_luis, orphan.id, "Anyone?")).rejects.toMatchObject({ code: "TS409", message: "review.errors.noAuthor" });
  });

  it("only the author marks them read, and nobody edits them directly", async () => {
    const mark = async (persona: Persona) =>
      (await run(persona, (trx) => sql<{ n: number }>`select private.mark_report_messages_read(${anaReport.id}::uuid) as n`.execute(trx))).rows[0]!.n;
    for (const role of ROLES.filter((r) => r !== "author")) expect(await mark(as(role)), role).toBe(0);
    const unread = await withSystem((trx) => trx.selectFrom("report_messages").select("id").where("report_id", "=", anaReport.id).where("read_at", "is", null).execute());
    expect(unread.length).toBeGreaterThan(0);
    expect(await mark(cast.observer_ana)).toBe(unread.length);
    expect(await mark(cast.observer_ana)).toBe(0);
    const left = await withSystem((trx) => trx.selectFrom("report_messages").select("id").where("report_id", "=", anaReport.id).where("read_at", "is", null).execute());
    expect(left).toEqual([]);
    await expect(run(cast.observer_ana, (trx) => sql`update public.report_messages set read_at = null where id = ${messageToAna}::uuid`.execute(trx))).rejects.toMatchObject(denied);
    await expect(run(cast.attorney_luis, (trx) => sql`delete from public.report_messages where id = ${messageToAna}::uuid`.execute(trx))).rejects.toMatchObject(denied);
  });
});

describe("shared access", () => {
  const boxesMissing = (persona: Persona, keyId: string) =>
    run(persona, (trx) =>
      sql<{ box: string; box_id: string; report_id: string; aad: string; sealed: SealedBox; shares: unknown[] }>`select * from private.boxes_missing_key(${keyId}::uuid, 100)`.execute(trx),
    ).then((r) => r.rows);
  const share = (persona: Persona, keyId: string, shares: unknown[]) =>
    run(persona, (trx) => sql<{ n: number }>`select private.share_access(${keyId}::uuid, ${JSON.stringify(shares)}::jsonb) as n`.execute(trx)).then((r) => r.rows[0]!.n);
  const sharedEvents = () =>
    withSystem((trx) => sql<{ actor_id: string; details: Record<string, unknown> }>`select actor_id, details from public.audit_events where event = 'access_shared' order by seq`.execute(trx)).then(
      (r) => r.rows,
    );

  it("lists the boxes a later key cannot open, and the colleague opens them once shared", async () => {
    const media = await addTestMedia(anaReport.id, cast.observer_ana, [luisKey.recipient]);
    const missing = await boxesMissing(cast.attorney_luis, colleagueKey.keyId);
    expect(missing.map((m) => `${m.box}:${m.box_id}`).sort()).toEqual(
      [`report:${anaReport.id}`, `report:${oscarReport.id}`, `media:${media.id}`, `note:${noteId}`].sort(),
    );
    const reportBox = missing.find((m) => m.box_id === anaReport.id)!;
    expect(reportBox.aad).toBe(anaReport.clientUuid);
    expect(missing.find((m) => m.box === "note")!.aad).toBe(`${anaReport.id}:note`);
    expect(missing.find((m) => m.box === "media")!.aad).toBe(`media:${anaReport.id}:${media.id}`);
    // luis's key opens everything already
    expect(await boxesMissing(cast.attorney_luis, luisKey.keyId)).toEqual([]);
    // observers, coordinators and former attorneys get nothing, whatever key they name
    for (const role of ["author", "nonAuthor", "coordinator", "formerAttorney"] as const) {
      expect(await boxesMissing(as(role), colleagueKey.keyId), role).toEqual([]);
    }
    // an admin (recovery) sees the same list
    expect((await boxesMissing(cast.admin_alma, colleagueKey.keyId)).length).toBe(missing.length);

    // in luis's browser: open each box, wrap its content key for the colleague
    const shares = missing.map((m) => ({ box: m.box, boxId: m.box_id, envelope: envelopeFor(openEnvelope(m.sealed, luisKey.keyId, luisKey.privateKey), colleagueKey.recipient) }));
    const before = (await sharedEvents()).length;
    expect(await share(cast.attorney_luis, colleagueKey.keyId, shares)).toBe(4);
    expect(await boxesMissing(cast.attorney_luis, colleagueKey.keyId)).toEqual([]);
    const events = (await sharedEvents()).slice(before);
    expect(events).toEqual([{ actor_id: cast.attorney_luis.id, details: { key: colleagueKey.keyId, envelopes: 4, reports: 2 } }]);
    // again: nothing new, no event
    expect(await share(cast.attorney_luis, colleagueKey.keyId, shares)).toBe(0);
    expect(await sharedEvents()).toHaveLength(before + 1);

    // in the colleague's browser: the shared envelope opens the report
    const mine = await run(colleague, (trx) => trx.selectFrom("key_shares").select(["box_id", "envelope"]).where("box", "=", "report").where("key_id", "=", colleagueKey.keyId).execute());
    const envelope = mine.find((s) => s.box_id === anaReport.id)!.envelope as SealedBox["envelopes"][number];
    const contentKey = openEnvelope({ ...reportBox.sealed, envelopes: [envelope] }, colleagueKey.keyId, colleagueKey.privateKey);
    expect(openJson(reportBox.sealed, contentKey, reportBox.aad)).toMatchObject({ detained: [{ name: "Sealed Person" }] });
  });

  it("refuses keys that are not an active attorney's, boxes that do not exist, and anyone but attorneys and admins", async () => {
    const late = await createTestReport(cast.observer_ana, { sealedTo: [luisKey.recipient] });
    const [box] = (await boxesMissing(cast.attorney_luis, colleagueKey.keyId)).filter((m) => m.box_id === late.id);
    const contentKey = openEnvelope(box!.sealed, luisKey.keyId, luisKey.privateKey);
    const good = { box: "report", boxId: late.id, envelope: envelopeFor(contentKey, colleagueKey.recipient) };
    const before = (await sharedEvents()).length;

    // the recovery key, a former attorney's key, a replaced key, a key that does not exist
    const recovery = generateKeyPair();
    const recoveryId = (
      await run(cast.admin_alma, (trx) => sql<{ id: string }>`select private.register_recovery_key(${toB64u(recovery.publicKey)}) as id`.execute(trx))
    ).rows[0]!.id;
    const replaced = await registerTestKey(colleague);
    const oldColleagueKey = colleagueKey;
    colleagueKey = replaced;
    for (const keyId of [recoveryId, formerKey.keyId, oldColleagueKey.keyId, crypto.randomUUID()]) {
      const recipient = { keyId, publicKey: recovery.publicKey };
      await expect(share(cast.attorney_luis, keyId, [{ ...good, envelope: envelopeFor(contentKey, recipient) }])).rejects.toMatchObject({
        code: "TS409",
        message: "review.errors.shareKey",
      });
    }
    const fresh = { ...good, envelope: envelopeFor(contentKey, colleagueKey.recipient) };
    // a box that does not exist, or the wrong kind: the whole batch is refused
    for (const bad of [
      { ...fresh, boxId: crypto.randomUUID() },
      { ...fresh, box: "media" },
      { ...fresh, box: "addendum" },
    ]) {
      await expect(share(cast.attorney_luis, colleagueKey.keyId, [fresh, bad])).rejects.toMatchObject({ code: "TS409", message: "review.errors.shareBox" });
    }
    // an envelope for another key than the one named
    await expect(share(cast.attorney_luis, colleagueKey.keyId, [good])).rejects.toMatchObject({ code: "23514" });
    await expect(share(cast.attorney_luis, colleagueKey.keyId, { not: "an array" } as unknown as unknown[])).rejects.toMatchObject({ code: "TS409", message: "review.errors.shareBatch" });
    await expect(share(cast.attorney_luis, colleagueKey.keyId, Array.from({ length: 201 }, () => fresh))).rejects.toMatchObject({ code: "TS409" });
    for (const role of ["author", "nonAuthor", "coordinator", "formerAttorney"] as const) {
      await expect(share(as(role), colleagueKey.keyId, [fresh]), role).rejects.toMatchObject({ code: "TS403" });
    }
    await expect(run(cast.attorney_luis, (trx) => trx.insertInto("key_shares").values({ report_id: late.id, box: "report", box_id: late.id, key_id: colleagueKey.keyId, envelope: JSON.stringify(fresh.envelope) }).execute())).rejects.toMatchObject(denied);
    expect(await sharedEvents()).toHaveLength(before);
    expect(await withSystem((trx) => trx.selectFrom("key_shares").select("id").where("box_id", "=", late.id).execute())).toEqual([]);

    // an admin holding the recovery key restores access the same way
    expect(await share(cast.admin_alma, colleagueKey.keyId, [fresh])).toBe(1);
    expect((await sharedEvents()).slice(before)).toEqual([{ actor_id: cast.admin_alma.id, details: { key: colleagueKey.keyId, envelopes: 1, reports: 1 } }]);
  });

  it("access gaps: how many boxes each active attorney key cannot open, for attorneys and admins only", async () => {
    const gaps = (persona: Persona) =>
      run(persona, (trx) => sql<{ key_id: string; missing: string }>`select key_id, missing from private.access_gaps()`.execute(trx)).then((r) => r.rows);
    const forLuis = await gaps(cast.attorney_luis);
    expect(forLuis.map((g) => g.key_id).sort()).toEqual([luisKey.keyId, colleagueKey.keyId].sort());
    expect(forLuis.find((g) => g.key_id === luisKey.keyId)!.missing).toBe("0");
    expect(await gaps(cast.admin_alma)).toEqual(forLuis);
    for (const role of ["author", "nonAuthor", "coordinator", "formerAttorney"] as const) expect(await gaps(as(role)), role).toEqual([]);
  });
});
