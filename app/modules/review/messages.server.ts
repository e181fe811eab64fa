import { sql, withUser, type Claims } from "~/db/client.server";

/**
 * The legal team's questions about one's own report, marked read as they are shown. Returns
 * nothing for anyone but the author (RLS and the function both check).
 */
export async function questionsForAuthor(claims: Claims, reportId: string) {
  return withUser(claims, async (trx) => {
    const rows = await trx
      .selectFrom("report_messages as m")
      .innerJoin("reports as r", "r.id", "m.report_id")
      .select(["m.id", "m.body", "m.created_at", "m.read_at"])
      .where("m.report_id", "=", reportId)
      .where("r.author_id", "=", claims.sub)
      .orderBy("m.created_at")
      .execute();
    if (rows.some((r) => r.read_at === null)) await sql`select private.mark_report_messages_read(${reportId}::uuid)`.execute(trx);
    return rows.map((r) => ({ id: r.id, body: r.body, createdAt: new Date(r.created_at).toISOString(), isNew: r.read_at === null }));
  });
}
