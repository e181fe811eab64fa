import { parse } from "csv-parse/sync";
import { type Claims, readAsUser, sql, withUser } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { isoDate, wallClock } from "~/modules/clock/zoned";
import { authProvider } from "~/modules/auth/provider.server";
import { emailField, isoDay } from "./schema";
import { SPOKEN_LANGUAGES } from "./spoken-languages";

// "Import volunteers": a CSV of name, email, phone, languages, training date. The check (dry run)
// and the import read the same file the same way; the import does not trust the check's answer
// (the file travels back with it and is read again), and writes every new row in one
// statement of one transaction, which also queues the invitation emails (a trigger on
// invitations): a failed import writes and sends nothing. See docs/decisions/020-invitations-carry-the-volunteer.md.

export const IMPORT_MAX_BYTES = 10 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 5000;
const COLUMNS = ["name", "email", "phone", "languages", "training date"] as const;

export type RowStatus = "new" | "member" | "error";
export interface ImportRow {
  /** The row's number as a spreadsheet shows it (the header is row 1). */
  row: number;
  name: string;
  email: string;
  phone: string | null;
  languages: string[];
  trainingDate: string | null;
  status: RowStatus;
  /** An i18n key with interpolation values ("key|{json}"), for an error row. */
  error?: string;
}

const refuse = (key: string, values?: Record<string, string | number>) =>
  new DomainError(400, values ? `${key}|${JSON.stringify(values)}` : key, "file");

const LANGUAGE_BY_NAME = new Map<string, string>(
  SPOKEN_LANGUAGES.flatMap((l) => [
    [l.code, l.code],
    [l.name.toLowerCase(), l.code],
  ]),
);

/** A phone number may start with "+" (+1 312 …); any other cell starting with = + - @ is a formula. */
const PHONE = /^\+[\d\s().-]{4,39}$/;
const isFormula = (cell: string, column: string) => /^[=+\-@\t\r]/.test(cell) && !(column === "phone" && PHONE.test(cell));

/** Reads the file's bytes as UTF-8 CSV text, refusing what is not one. */
export function csvText(bytes: Uint8Array, fileName: string, type: string): string {
  if (bytes.byteLength > IMPORT_MAX_BYTES) throw new DomainError(413, "observers.errors.tooLarge", "file");
  const looksCsv = /\.csv$/i.test(fileName) || /^(text\/(csv|plain)|application\/(vnd\.ms-excel|csv))$/i.test(type) || (!fileName && !type);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw refuse("observers.errors.notCsv");
  }
  if (!looksCsv || text.includes("\0")) throw refuse("observers.errors.notCsv");
  return text;
}

/**
 * Each row of the file, checked on its own (email, name, phone, languages, date not in the
 * future, not a repeat of an earlier row). A file that is not CSV, has other columns, holds a
 * formula or too many rows is refused as a whole: nothing of it is imported.
 */
export function readVolunteerCsv(text: string, today: string): ImportRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, max_record_size: 64 * 1024 }) as string[][];
  } catch {
    throw refuse("observers.errors.notCsv");
  }
  const [header, ...body] = records;
  const found = (header ?? []).map((h) => h.toLowerCase().replace(/[_\s]+/g, " ").trim());
  if (found.length !== COLUMNS.length || found.some((h, i) => h !== COLUMNS[i])) {
    throw refuse("observers.errors.columns", { found: (header ?? []).join(", ").slice(0, 200) || "—" });
  }
  if (!body.length) throw refuse("observers.errors.empty");
  if (body.length > IMPORT_MAX_ROWS) throw refuse("observers.errors.tooMany", { max: IMPORT_MAX_ROWS });
  body.forEach((cells, i) => {
    COLUMNS.forEach((column, c) => {
      if (isFormula(cells[c] ?? "", column)) throw refuse("observers.errors.formula", { row: i + 2, column });
    });
  });

  const seen = new Set<string>();
  return body.map((cells, i) => {
    const [name = "", rawEmail = "", phone = "", languages = "", date = ""] = cells;
    const row: ImportRow = { row: i + 2, name, email: rawEmail.toLowerCase(), phone: phone || null, languages: [], trainingDate: date || null, status: "new" };
    const fail = (key: string, values?: Record<string, string>) => ({ ...row, status: "error" as const, error: values ? `${key}|${JSON.stringify(values)}` : key });
    if (cells.length !== COLUMNS.length) return fail("observers.errors.columns", { found: String(cells.length) });
    const email = emailField.safeParse(rawEmail);
    if (!email.success) return fail("observers.rowErrors.email");
    row.email = email.data;
    if (seen.has(row.email)) return fail("observers.rowErrors.duplicate");
    seen.add(row.email);
    if (!name || name.length > 120) return fail("observers.rowErrors.name");
    if (phone.length > 40) return fail("observers.rowErrors.phone");
    for (const token of languages.split(/[;,|/]+/).map((l) => l.trim()).filter(Boolean)) {
      const code = LANGUAGE_BY_NAME.get(token.toLowerCase());
      if (!code) return fail("observers.rowErrors.language", { value: token.slice(0, 40) });
      if (!row.languages.includes(code)) row.languages.push(code);
    }
    if (date) {
      if (!isoDay.safeParse(date).success) return fail("observers.rowErrors.date", { value: date.slice(0, 40) });
      if (date > today) return fail("observers.rowErrors.future");
    }
    return row;
  });
}

async function organisationToday(claims: Claims) {
  const { time_zone } = await readAsUser(claims, (trx) => trx.selectFrom("org_settings").select("time_zone").executeTakeFirstOrThrow());
  return isoDate(wallClock(new Date(), time_zone));
}

/** Who of these emails is a member or invited already (their rows change nothing). */
async function knownEmails(claims: Claims, emails: string[]) {
  const rows = await readAsUser(claims, (trx) =>
    sql<{ email: string }>`
      select p.email from public.profiles p where p.email = any (${emails}::text[])
      union
      select i.email from public.invitations i where i.email = any (${emails}::text[])`.execute(trx),
  );
  return new Set(rows.rows.map((r) => r.email));
}

/** The dry run: every row as new, already a member (or invited), or an error with its reason. */
export async function checkVolunteerCsv(claims: Claims, text: string): Promise<ImportRow[]> {
  const rows = readVolunteerCsv(text, await organisationToday(claims));
  const known = await knownEmails(claims, rows.filter((r) => r.status === "new").map((r) => r.email));
  return rows.map((r) => (r.status === "new" && known.has(r.email) ? { ...r, status: "member" } : r));
}

/**
 * The import: the file is read again, and its new rows become invitations (observers, in the
 * organisation's default language) in one statement; the invitation emails are queued by the
 * same statement's trigger. Rows whose email is a member or invited by then change nothing.
 * Returns the emails invited. The accounts are made after the commit.
 */
export async function importVolunteers(claims: Claims, text: string): Promise<string[]> {
  const rows = readVolunteerCsv(text, await organisationToday(claims)).filter((r) => r.status === "new");
  if (!rows.length) return [];
  const payload = JSON.stringify(
    rows.map((r) => ({ email: r.email, name: r.name, phone: r.phone, languages: r.languages, training_date: r.trainingDate })),
  );
  const invited = await withUser(claims, async (trx) => {
    // Two imports of the same people at once: the second waits, then finds them invited.
    await sql`select pg_advisory_xact_lock(hashtext('testigo.volunteer_import'))`.execute(trx);
    const { rows: inserted } = await sql<{ email: string }>`
      insert into public.invitations (email, display_name, roles, invited_by, language, phone, languages, training_date)
      select r.email, r.name, array['observer']::public.app_role[], ${claims.sub}::uuid,
             (select o.default_language from public.org_settings o), r.phone, r.languages, r.training_date
      from jsonb_to_recordset(${payload}::jsonb) as r(email text, name text, phone text, languages text[], training_date date)
      where not exists (select 1 from public.profiles p where p.email = r.email)
        and not exists (select 1 from public.invitations i where i.email = r.email)
      returning email`.execute(trx);
    return inserted.map((r) => r.email);
  });
  // The invitations are committed; each account's profile is filled from its invitation.
  await (await authProvider()).createUsers(invited);
  return invited;
}
