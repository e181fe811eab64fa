import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { z } from "zod";
import { InvitationPending, InviteFields } from "~/components/invitations";
import { Pager, SelectPage } from "~/components/pager";
import { ErrorSummary, Field, FieldErrors, limitsOf, SelectField, translateError } from "~/components/ui/field";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { useIsPending } from "~/components/use-is-pending";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { InviteObserverSchema, observerFiltersFrom, ObserversActionSchema, RecordTrainingSchema } from "~/modules/people/observers-schema";
import { listObservers, recordTraining } from "~/modules/people/observers.server";
import { invitePerson, resendInvitation } from "~/modules/people/people.server";
import { SPOKEN_LANGUAGES } from "~/modules/people/spoken-languages";
import { checkVolunteerCsv, csvText, IMPORT_MAX_BYTES, importVolunteers, type ImportRow } from "~/modules/people/volunteer-import.server";
import { readSettings } from "~/modules/settings/settings.server";
import { readForm } from "~/utils/form.server";
import { fieldMessage } from "~/utils/field-messages";
import type { RouteHandle } from "~/root";

export const handle: RouteHandle = { titleKey: "observers.title" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const filters = observerFiltersFrom(new URL(request.url).searchParams);
  const [list, settings] = await Promise.all([listObservers(user.claims, filters), readSettings(user.claims)]);
  return {
    observers: list.observers,
    pages: { page: list.page, pageSize: list.pageSize, total: list.total },
    filters,
    defaultLanguage: settings.defaultLanguage,
    inviteConstraint: getZodConstraint(InviteObserverSchema),
    trainingConstraint: getZodConstraint(RecordTrainingSchema),
  };
}

type Notice = { key: string; values?: Record<string, string | number> };
type Kind = "invite" | "training" | "resend" | "import";
interface Outcome {
  kind: Kind;
  result?: SubmissionResult<string[]>;
  notice?: Notice;
  /** A file-level refusal of the import (an i18n key). */
  importError?: string;
  preview?: { rows: ImportRow[]; csv: string };
  target?: string;
}

const outcome = (value: Outcome, status = 200) => data(value, { status });
/** No file chosen (or an empty one): the message names the field. */
const NO_FILE = fieldMessage("errorsFound.csvFile", { field: "observers.file" });

async function importAction(claims: Parameters<typeof importVolunteers>[0], form: FormData): Promise<ReturnType<typeof outcome>> {
  try {
    if (form.get("intent") === "preview") {
      const file = form.get("file");
      if (!(file instanceof File) || file.size === 0) return outcome({ kind: "import", importError: NO_FILE }, 400);
      const text = csvText(new Uint8Array(await file.arrayBuffer()), file.name, file.type);
      return outcome({ kind: "import", preview: { rows: await checkVolunteerCsv(claims, text), csv: text } });
    }
    const csv = form.get("csv");
    if (typeof csv !== "string" || !csv) return outcome({ kind: "import", importError: "observers.errors.notCsv" }, 400);
    const invited = await importVolunteers(claims, csv);
    return outcome({ kind: "import", notice: invited.length ? { key: "observers.imported", values: { count: invited.length } } : { key: "observers.nothingToImport" } });
  } catch (error) {
    if (error instanceof DomainError) return outcome({ kind: "import", importError: error.messageKey }, error.status);
    throw error;
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  let form: FormData;
  try {
    // The CSV file (or, on "Import", its text) plus a little: a larger body is refused unread.
    form = await readForm(request, IMPORT_MAX_BYTES + 64 * 1024);
  } catch (error) {
    if (error instanceof Response && error.status === 413) return outcome({ kind: "import", importError: "observers.errors.tooLarge" }, 413);
    throw error;
  }
  const intent = form.get("intent");
  if (intent === "preview" || intent === "import") return importAction(user.claims, form);

  const submission = parseWithZod(form, { schema: ObserversActionSchema });
  const kind: Kind = intent === "training" || intent === "resend" ? intent : "invite";
  if (submission.status !== "success") return outcome({ kind, result: submission.reply() }, 400);
  const value = submission.value;
  try {
    switch (value.intent) {
      case "invite":
        await invitePerson(user.claims, { ...value, roles: ["observer"] });
        return outcome({ kind, result: submission.reply({ resetForm: true }), notice: { key: "observers.invited", values: { email: value.email } } });
      case "training": {
        const count = await recordTraining(user.claims, value.userIds, value.trainingDate);
        return outcome({ kind, result: submission.reply({ resetForm: true }), notice: { key: "observers.recorded", values: { count } } });
      }
      case "resend": {
        const email = await resendInvitation(user.claims, value.invitationId);
        return outcome({ kind, result: submission.reply(), notice: { key: "observers.sentAgain", values: { email } }, target: value.invitationId });
      }
    }
  } catch (error) {
    if (error instanceof DomainError) {
      const target = value.intent === "resend" ? value.invitationId : undefined;
      return outcome({ kind, result: submission.reply({ fieldErrors: { [error.field ?? ""]: [error.messageKey] } }), target }, error.status);
    }
    throw error;
  }
}

const INVITE_FIELD_IDS: Record<string, string> = { email: "invite-email", displayName: "invite-name", language: "invite-language" };

export default function Observers() {
  const { t, i18n } = useTranslation();
  const { observers, pages, filters, defaultLanguage, inviteConstraint, trainingConstraint } = useLoaderData<typeof loader>();
  const { timeZone } = useOrgClock();
  const actionData = useActionData<typeof action>();
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(actionData?.notice, actionData);
  const [inviteForm, invite] = useForm<z.input<typeof InviteObserverSchema>>({
    id: "invite-observer",
    lastResult: actionData?.kind === "invite" ? actionData.result : undefined,
    constraint: inviteConstraint,
    shouldValidate: "onSubmit",
  });
  const [trainingForm, training] = useForm<z.input<typeof RecordTrainingSchema>>({
    id: "record-training",
    lastResult: actionData?.kind === "training" ? actionData.result : undefined,
    constraint: trainingConstraint,
    shouldValidate: "onSubmit",
  });
  const checking = useIsPending({ state: "submitting", fields: { intent: "preview" } });
  const importing = useIsPending({ state: "submitting", fields: { intent: "import" } });
  const day = (date: string) => new Date(`${date}T12:00:00Z`).toLocaleDateString(i18n.language, { dateStyle: "medium", timeZone: "UTC" });
  const moment = (iso: string) => new Date(iso).toLocaleString(i18n.language, { dateStyle: "medium", timeStyle: "short", timeZone });
  const languageName = (code: string) => SPOKEN_LANGUAGES.find((l) => l.code === code)?.name ?? code;
  const preview = actionData?.preview;
  const newRows = preview?.rows.filter((r) => r.status === "new").length ?? 0;
  // The list's filters as they are in the address: page links keep them.
  const search = new URLSearchParams(Object.entries({ q: filters.q, training: filters.training, language: filters.language }).filter((e): e is [string, string] => !!e[1]));
  const trainingPeople = (training.userIds.initialValue as string[] | string | undefined) ?? [];
  const ticked = new Set(Array.isArray(trainingPeople) ? trainingPeople : [trainingPeople]);
  const peopleError = training.userIds.errors?.length ? "record-training-people-error" : undefined;
  // the list of people is the field the "tick someone" message is about: its first box, if any
  const firstBox = observers.length ? `select-${observers[0]!.id}` : "record-training-people-error";
  const resendErrors = actionData?.kind === "resend" && actionData.result?.error ? Object.values(actionData.result.error).flat().filter((e): e is string => typeof e === "string") : [];

  return (
    <div className="stack">
      <h1>{t("observers.title")}</h1>
      <p>{t("observers.intro")}</p>
      {actionData?.notice ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t(actionData.notice.key, actionData.notice.values)}
        </p>
      ) : null}

      <section className="card" aria-labelledby="find-title">
        <h2 id="find-title">{t("observers.searchTitle")}</h2>
        <Form method="get" className="filters">
          <Field label={t("observers.search")} name="q" type="search" defaultValue={filters.q ?? ""} maxLength={100} />
          <SelectField
            label={t("observers.trainingStatus")}
            name="training"
            defaultValue={filters.training ?? ""}
            options={[
              { value: "", label: t("observers.anyTraining") },
              ...(["valid", "expired", "none"] as const).map((s) => ({ value: s, label: t(`observers.${s}`) })),
            ]}
          />
          <SelectField
            label={t("observers.language")}
            name="language"
            defaultValue={filters.language ?? ""}
            options={[{ value: "", label: t("observers.anyLanguage") }, ...SPOKEN_LANGUAGES.map((l) => ({ value: l.code, label: l.name }))]}
          />
          <div className="actions">
            <button type="submit" className="primary">
              {t("observers.filter")}
            </button>
            <Link to="/coordinate/observers">{t("observers.clearFilters")}</Link>
          </div>
        </Form>
      </section>

      <section aria-labelledby="list-title">
        <h2 id="list-title">{t("observers.listTitle", { count: pages.total })}</h2>
        <Form method="post" {...getFormProps(trainingForm)} className="card">
          <ErrorSummary errors={trainingForm.allErrors} formId={trainingForm.id} idOf={(name) => (name === "userIds" ? firstBox : `field-${name}`)} />
          <h3>{t("observers.recordTitle")}</h3>
          <p id="record-help">{t("observers.recordHelp")}</p>
          <Field
            label={t("observers.trainingDate")}
            name={training.trainingDate.name}
            type="date"
            {...limitsOf(training.trainingDate)}
            defaultValue={training.trainingDate.initialValue as string | undefined}
            errors={training.trainingDate.errors}
          />
          <FieldErrors id="record-training-people-error" errors={training.userIds.errors} />
          {observers.length > 1 ? <SelectPage formId={trainingForm.id} name="userIds" /> : null}
          <button type="submit" name="intent" value="training" className="primary">
            {t("observers.record")}
          </button>
        </Form>
        {observers.length === 0 ? <p>{t("observers.noneFound")}</p> : null}
        <ul className="people">
          {observers.map((o) => {
            const name = o.displayName || o.email;
            return (
              <li key={o.id} aria-labelledby={`observer-${o.id}`}>
                <div className="who">
                  <label className="select-person">
                    <input
                      id={`select-${o.id}`}
                      type="checkbox"
                      name="userIds"
                      value={o.id}
                      form={trainingForm.id}
                      aria-label={t("observers.select", { name })}
                      defaultChecked={ticked.has(o.id)}
                      aria-invalid={peopleError ? true : undefined}
                      aria-describedby={peopleError}
                    />
                    <strong id={`observer-${o.id}`}>{name}</strong>
                  </label>
                  <span className="email">{o.email}</span>
                </div>
                <p>
                  {t("observers.languages")}: {o.languages.length ? o.languages.map(languageName).join(", ") : t("observers.noLanguages")}
                </p>
                <p>
                  <span className={o.training === "valid" ? "badge" : "badge off"}>{t(`observers.${o.training}`)}</span>{" "}
                  {o.trainingDate ? t("observers.trainedOn", { date: day(o.trainingDate) }) : t("observers.noTraining")}
                  {o.trainingValidUntil
                    ? `, ${o.training === "valid" ? t("observers.validUntil", { date: day(o.trainingValidUntil) }) : t("observers.expiredOn", { date: day(o.trainingValidUntil) })}`
                    : null}
                </p>
                <p>
                  {o.nextShiftAt ? t("observers.upcoming", { count: o.upcomingShifts, next: moment(o.nextShiftAt) }) : t("observers.noUpcoming")} ·{" "}
                  {o.lastCheckInAt ? t("observers.lastCheckIn", { when: moment(o.lastCheckInAt) }) : t("observers.neverCheckedIn")}
                </p>
                {o.pendingInvitation ? (
                  <InvitationPending invitation={o.pendingInvitation} name={name} errors={actionData?.target === o.pendingInvitation.id ? resendErrors : []} />
                ) : null}
              </li>
            );
          })}
        </ul>
        <Pager {...pages} search={search} />
      </section>

      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">{t("observers.inviteTitle")}</h2>
        <Form method="post" {...getFormProps(inviteForm)}>
          <ErrorSummary errors={inviteForm.allErrors} formId={inviteForm.id} idOf={(name) => INVITE_FIELD_IDS[name] ?? "invite-email"} />
          <input type="hidden" name="intent" value="invite" />
          <InviteFields email={invite.email} displayName={invite.displayName} language={invite.language} defaultLanguage={defaultLanguage} />
          <button type="submit" className="primary">
            {t("observers.invite")}
          </button>
        </Form>
      </section>

      <section className="card" aria-labelledby="import-title">
        <h2 id="import-title">{t("observers.importTitle")}</h2>
        <p id="import-help">{t("observers.importHelp")}</p>
        <Form method="post" encType="multipart/form-data" id="import-observers">
          <ErrorSummary errors={actionData?.importError ? { file: [actionData.importError] } : null} formId="import-observers" idOf={() => "import-file"} />
          <div className="field">
            <label htmlFor="import-file">{t("observers.file")}</label>
            <input
              id="import-file"
              name="file"
              type="file"
              accept=".csv,text/csv"
              required
              aria-describedby={actionData?.importError ? "import-help import-file-error" : "import-help"}
              aria-invalid={actionData?.importError ? true : undefined}
            />
            <FieldErrors id="import-file-error" errors={actionData?.importError ? [actionData.importError] : undefined} />
          </div>
          <button type="submit" name="intent" value="preview" className="secondary" disabled={checking}>
            {t("observers.check")}
          </button>
        </Form>
        {preview ? (
          <div className="import-preview">
            <h3>{t("observers.previewTitle")}</h3>
            <p>
              {t("observers.previewSummary", {
                new: newRows,
                member: preview.rows.filter((r) => r.status === "member").length,
                error: preview.rows.filter((r) => r.status === "error").length,
              })}
            </p>
            <ol className="import-rows">
              {preview.rows.map((r) => (
                <li key={r.row} className={`import-row ${r.status}`}>
                  {t("observers.row")} {r.row}: {r.name || "—"} ({r.email || "—"}) —{" "}
                  <strong>{t(r.status === "new" ? "observers.statusNew" : r.status === "member" ? "observers.statusMember" : "observers.statusError")}</strong>
                  {r.error ? <> {translateError(t, r.error)}</> : null}
                </li>
              ))}
            </ol>
            {newRows ? (
              <Form method="post" encType="multipart/form-data">
                <input type="hidden" name="csv" value={preview.csv} />
                <button type="submit" name="intent" value="import" className="primary" disabled={importing}>
                  {t("observers.importConfirm", { count: newRows })}
                </button>
              </Form>
            ) : (
              <p>{t("observers.nothingToImport")}</p>
            )}
          </div>
        ) : null}
      </section>
    </div>
  );
}

