import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { mapLinks, ZoneMap } from "~/components/map/zone-map";
import { ReportFacts } from "~/components/report-facts";
import { ErrorSummary, Field, fieldA11y, FieldErrors, SelectField, TextAreaField } from "~/components/ui/field";
import { SealedAddendumNote } from "~/components/sealed-addendum-note";
import { UnsealPanel } from "~/components/unseal-panel";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { useIsPending } from "~/components/use-is-pending";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { fromB64u, sealJson } from "~/integrations/sealing";
import { requireRole } from "~/modules/auth/guards.server";
import { myWrappedKeys } from "~/modules/reports/keys.server";
import { sealingRecipients } from "~/modules/reports/reports.server";
import { activeRecipients } from "~/modules/reports/recipients";
import { URGENCIES, VERIFICATIONS } from "~/modules/review/filters";
import { NOTE_AAD_VERSION, noteAad } from "~/modules/review/note-aad";
import { addNote, addTask, parseTriage, requestInfo, reviewDetail, setLegalHold, setTaskDone, triageReport } from "~/modules/review/review.server";
import { formatDayWithYear } from "~/modules/clock/format";
import { publicSettings } from "~/modules/settings/settings.server";
import type { RootLoader, RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";
import { invariantResponse, UUID } from "~/utils/misc";
import { isOwnNavigation } from "~/utils/origin.server";
import { CommunityAlertSection, type AlertIntent } from "~/components/community-alert";
import { alertPreviewOf, communityAlertAction } from "~/modules/alerts/review-actions.server";

export const handle: RouteHandle = { titleKey: "review.detailTitle" };
export const links: LinksFunction = () => mapLinks();

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  // Another site's link (or a page that opens it on its own) gets one tap here first: every
  // "viewed" in the audit trail is a view the attorney chose (security review, finding 8).
  if (!isOwnNavigation(request.headers.get("sec-fetch-site"))) return { elsewhere: true as const, id: params.id! };
  try {
    const [detail, keys, recipients] = await Promise.all([reviewDetail(user.claims, params.id!), myWrappedKeys(user.claims), sealingRecipients(user.claims)]);
    return {
      ...detail,
      me: user.claims.sub,
      keys: keys.map((k) => ({ id: k.id, publicKey: k.public_key, wrapped: k.wrapped_private_key })),
      recipients: recipients.map((r) => ({ keyId: r.keyId, publicKey: r.publicKey, activeFrom: r.activeFrom })),
    };
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

type Intent = "triage" | "hold" | "note" | "requestInfo" | "task" | "taskDone" | AlertIntent;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const id = params.id!;
  const form = await readForm(request, 300 * 1024);
  const intent = String(form.get("intent") ?? "") as Intent;
  const values = {
    message: String(form.get("message") ?? ""),
    taskTitle: String(form.get("taskTitle") ?? ""),
    taskDue: String(form.get("taskDue") ?? ""),
    taskAssignee: String(form.get("taskAssignee") ?? ""),
    holdReason: String(form.get("holdReason") ?? ""),
    publicText: String(form.get("publicText") ?? "").slice(0, 2000),
    // the triage and hold forms as posted, shown again if refused (without JavaScript too)
    status: String(form.get("status") ?? ""),
    verification: String(form.get("verification") ?? ""),
    urgency: String(form.get("urgency") ?? ""),
    assignedTo: String(form.get("assignedTo") ?? ""),
    hold: form.get("hold") === "on",
  };
  try {
    switch (intent) {
      case "alertPreview":
      case "alertPublish":
      case "alertUnpublish": {
        const preview = await communityAlertAction(user.claims, id, intent, form);
        return data({ ok: true as const, intent, error: null, field: null, values: null, preview });
      }
      case "triage":
        await triageReport(user.claims, id, parseTriage(form));
        break;
      case "hold":
        await setLegalHold(user.claims, id, form.get("hold") === "on", values.holdReason);
        break;
      case "note": {
        const sealed = form.get("sealed");
        // Notes are sealed in the browser; without JavaScript there is nothing to store.
        if (typeof sealed !== "string" || !sealed) throw new DomainError(400, "review.errors.noteNeedsJs", "note");
        await addNote(user.claims, id, String(form.get("noteId") ?? ""), sealed);
        break;
      }
      case "requestInfo":
        await requestInfo(user.claims, id, values.message);
        break;
      case "task":
        await addTask(user.claims, id, { title: values.taskTitle, dueOn: values.taskDue, assignedTo: values.taskAssignee }, { timeZone: (await publicSettings()).timeZone });
        break;
      case "taskDone": {
        const taskId = String(form.get("taskId") ?? "");
        if (!UUID.test(taskId)) throw new DomainError(404, "errors.notFound");
        await setTaskDone(user.claims, id, taskId, form.get("done") === "true");
        break;
      }
      default:
        throw new DomainError(400, "review.errors.invalid");
    }
    return data({ ok: true as const, intent, error: null, field: null, values: null, preview: null });
  } catch (error) {
    if (error instanceof DomainError) {
      // A refused publication shows its preview again, the text as typed.
      const preview = intent === "alertPublish" ? alertPreviewOf(form) : null;
      return data({ ok: false as const, intent, error: error.messageKey, field: error.field ?? null, values, preview }, { status: error.status });
    }
    throw error;
  }
}

type ActionData = ReturnType<typeof useActionData<typeof action>>;

function errorFor(actionData: ActionData, intent: Intent, field?: string) {
  if (!actionData || actionData.ok || actionData.intent !== intent) return undefined;
  if (field && actionData.field !== field) return undefined;
  return [actionData.error];
}

/** A refused form's error as the error summary lists it (by field; `fallback` for one that names none). */
function summaryOf(actionData: ActionData, intent: Intent, fallback = "") {
  return actionData && !actionData.ok && actionData.intent === intent && actionData.error ? { [actionData.field ?? fallback]: [actionData.error] } : null;
}

const TASK_FIELD_IDS: Record<string, string> = { taskTitle: "task-title", taskDue: "task-due", taskAssignee: "task-assignee" };



type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

export default function ReviewRoute() {
  const d = useLoaderData<typeof loader>();
  return "elsewhere" in d && d.elsewhere ? <OpenedElsewhere id={String(d.id)} /> : <ReviewReport d={d as Exclude<LoaderData, { elsewhere: true }>} />;
}

function OpenedElsewhere({ id }: { id: string }) {
  const { t } = useTranslation();
  return (
    <div className="stack">
      <p>
        <Link to="/review">← {t("review.backToQueue")}</Link>
      </p>
      <h1>{t("review.openedElsewhere.title")}</h1>
      <p>{t("review.openedElsewhere.body")}</p>
      <p>
        <Link to={`/review/${id}`} className="button primary" reloadDocument>
          {t("review.openedElsewhere.open")}
        </Link>
      </p>
    </div>
  );
}

function ReviewReport({ d }: { d: Exclude<LoaderData, { elsewhere: true }> }) {
  const { t, i18n } = useTranslation();
  const actionData = useActionData<typeof action>();
  const root = useRouteLoaderData<RootLoader>("root");
  const clock = useOrgClock();
  const lang = i18n.language;
  const when = (iso: string) => `${clock.formatDay(iso)} · ${clock.formatTime(iso)}`;
  const { report } = d;
  const done = actionData?.ok ? actionData.intent : null;
  const noticeRef = useFocusOutcome<HTMLParagraphElement>(Boolean(done), actionData);
  const triaging = useIsPending({ state: "submitting", fields: { intent: "triage" } });
  const sealedCount = report.sealedDetained + report.sealedWitnesses + d.media.length + d.notes.length;
  const kept = actionData && !actionData.ok ? actionData.values : null;
  const triageErrors = summaryOf(actionData, "triage", "status");
  const holdErrors = summaryOf(actionData, "hold", "holdReason");
  const requestErrors = summaryOf(actionData, "requestInfo", "message");
  const noteError = errorFor(actionData, "note")?.[0] ?? null;

  return (
    <div className="stack">
      <p>
        <Link to="/review">← {t("review.backToQueue")}</Link>
      </p>
      <h1>
        {t("review.detailTitle")}: {report.zoneName ?? (report.crossStreets || t("reports.noZone"))}
      </h1>
      <p className="shift-meta">
        <span className={`badge urgency-${report.urgency}`}>{t(`review.urgencyShort.${report.urgency}`)}</span>
        <span className="badge">{t(`reports.statusLabel.${report.status}`)}</span>
        <span className="badge">{t(`review.verification.${report.verification}`)}</span>
        {d.legalHold ? <span className="badge">{t("review.legalHold")}</span> : null}
        {d.purgedAt ? <span className="badge">{t("review.purged", { date: when(d.purgedAt) })}</span> : null}
      </p>
      {done && done !== "alertPreview" ? (
        <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>
          {t(done === "alertPublish" ? "alerts.publish.done.published" : done === "alertUnpublish" ? "alerts.publish.done.unpublished" : `review.done.${done}`)}
        </p>
      ) : null}

      <section className="card" aria-labelledby="facts-title">
        <h2 id="facts-title">{t("review.factsTitle")}</h2>
        <ReportFacts report={report} timeZone={clock.timeZone} />
        {report.sealed ? (
          <p className="sealed-note">
            <span aria-hidden="true">🔒 </span>
            {t("reports.sealedSummary", { detained: t("counts.detainedPeople", { count: report.sealedDetained }), witnesses: t("counts.witnesses", { count: report.sealedWitnesses }) })}
          </p>
        ) : null}
        <p>
          <a href={`/review/${report.id}/declaration.pdf`} className="button secondary" download>
            {t("review.exportPdf")}
          </a>
        </p>
        <p>
          <a href={`/review/${report.id}/declaration.pdf?declarant=es`} download>
            {t("declaration.attorneyLinkEs")}
          </a>
        </p>
      </section>
      {report.location ? (
        <ZoneMap
          zones={[]}
          tileUrl={root?.settings.mapTileUrl ?? ""}
          attribution={root?.settings.mapAttribution ?? ""}
          height={220}
          pin={{ lat: report.location.coordinates[1], lng: report.location.coordinates[0] }}
        />
      ) : null}

      <UnsealPanel reportId={report.id} keys={d.keys} sealedCount={sealedCount} timeZoneLabel={when} />

      <section className="card stack" aria-labelledby="triage-title">
        <h2 id="triage-title">{t("review.triageTitle")}</h2>
        <Form method="post" className="stack" id="triage-form" key={`triage-${report.status}-${report.verification}-${report.urgency}-${d.assignedTo}`}>
          <ErrorSummary errors={triageErrors} formId="triage-form" idOf={(name) => `triage-${name}`} />
          <input type="hidden" name="intent" value="triage" />
          <div className="grid-2">
            <SelectField
              id="triage-status"
              name="status"
              label={t("review.status")}
              help={t("review.statusHelp")}
              defaultValue={kept?.status || report.status}
              errors={triageErrors?.status}
              options={[
                { value: report.status, label: t(`reports.statusLabel.${report.status}`) },
                ...d.next.map((s) => ({ value: s, label: t("review.moveTo", { status: t(`reports.statusLabel.${s}`) }) })),
              ]}
            />
            <SelectField
              id="triage-verification"
              name="verification"
              label={t("review.verificationLabel")}
              defaultValue={kept?.verification || report.verification}
              errors={triageErrors?.verification}
              options={VERIFICATIONS.map((v) => ({ value: v, label: t(`review.verification.${v}`) }))}
            />
            <SelectField
              id="triage-urgency"
              name="urgency"
              label={t("reports.urgency")}
              defaultValue={kept?.urgency || report.urgency}
              errors={triageErrors?.urgency}
              options={URGENCIES.map((u) => ({ value: u, label: t(`reports.urgencyLevel.${u}`) }))}
            />
            <SelectField
              id="triage-assignedTo"
              name="assignedTo"
              label={t("review.assignee")}
              defaultValue={kept ? kept.assignedTo : (d.assignedTo ?? "")}
              errors={triageErrors?.assignedTo}
              options={[{ value: "", label: t("review.unassigned") }, ...d.team.map((a) => ({ value: a.id, label: a.id === d.me ? t("review.me", { name: a.name }) : a.name }))]}
            />
          </div>
          <p>
            <button type="submit" className="primary" disabled={triaging}>
              {t("review.updateStatus")}
            </button>
          </p>
        </Form>
        <Form method="post" className="stack" id="hold-form">
          <ErrorSummary errors={holdErrors} formId="hold-form" idOf={(name) => (name === "hold" ? name : "hold-reason")} />
          <input type="hidden" name="intent" value="hold" />
          <div className="field checkbox">
            <input type="checkbox" name="hold" defaultChecked={kept ? kept.hold : d.legalHold} {...fieldA11y("hold", holdErrors?.hold, "hold-help")} />
            <label htmlFor="hold">{t("review.legalHoldLabel")}</label>
            <FieldErrors id="hold-error" errors={holdErrors?.hold} />
          </div>
          <span id="hold-help" className="help">
            {t("review.legalHoldHelp")}
          </span>
          <Field
            id="hold-reason"
            name="holdReason"
            label={t("review.legalHoldReason")}
            maxLength={500}
            defaultValue={kept?.holdReason ?? d.legalHoldReason}
            errors={holdErrors?.holdReason}
          />
          <p>
            <button type="submit" className="secondary">
              {t("review.saveHold")}
            </button>
          </p>
        </Form>
      </section>

      <CommunityAlertSection
        report={report}
        alerts={d.alerts}
        delayMinutes={d.alertDelayMinutes}
        result={actionData && (actionData.intent === "alertPreview" || actionData.intent === "alertPublish" || actionData.intent === "alertUnpublish") ? actionData : null}
      />

      <section className="card stack" aria-labelledby="media-title">
        <h2 id="media-title">{t("reports.mediaTitle")}</h2>
        {d.media.length === 0 ? <p className="help">{t("reports.noMedia")}</p> : null}
        <ul className="media-list">
          {d.media.map((m) => (
            <li key={m.id}>
              <span aria-hidden="true">🔒 </span>
              {t("reports.sealedMedia", { type: t(`reports.mediaKind.${m.contentType.split("/")[0]}`), size: (m.size / 1024 / 1024).toFixed(1) })}{" "}
              · {when(m.createdAt)}{" "}
              <span className="mono break">
                {t("review.storedSha256")} {m.storedSha256}
              </span>
            </li>
          ))}
        </ul>
        {d.media.length ? <p className="help">{t("review.mediaHashesHelp")}</p> : null}
      </section>

      <section className="card stack" aria-labelledby="addenda-title">
        <h2 id="addenda-title">{t("reports.addendaTitle")}</h2>
        {report.addenda?.length ? null : <p className="help">{t("reports.noAddenda")}</p>}
        <ol className="addenda">
          {report.addenda?.map((a) => (
            <li key={a.id}>
              <span className="help">{when(a.createdAt)}</span>
              {a.body ? <p className="pre-wrap">{a.body}</p> : null}
              {a.sealed ? <SealedAddendumNote detained={a.sealedDetained} witnesses={a.sealedWitnesses} /> : null}
            </li>
          ))}
        </ol>
      </section>

      <NotesSection reportId={report.id} count={d.notes.length} recipients={d.recipients} pageError={noteError} />

      <section className="card stack" aria-labelledby="tasks" id="tasks-section">
        <h2 id="tasks">{t("review.tasksTitle")}</h2>
        {d.tasks.length === 0 ? <p className="help">{t("review.noTasks")}</p> : null}
        <ul className="task-list">
          {d.tasks.map((task) => (
            <li key={task.id}>
              <Form method="post" className="inline-forms">
                <input type="hidden" name="intent" value="taskDone" />
                <input type="hidden" name="taskId" value={task.id} />
                <input type="hidden" name="done" value={task.done ? "false" : "true"} />
                <span className={task.done ? "done" : undefined}>
                  {task.title}
                  {task.dueOn ? ` · ${t("review.due", { date: formatDayWithYear(`${task.dueOn}T12:00:00Z`, "UTC", lang) })}` : ""}
                  {task.assigneeName ? ` · ${task.assigneeName}` : ""}
                </span>
                <button type="submit" className="link-button" aria-label={t(task.done ? "review.reopenTaskNamed" : "review.completeTaskNamed", { title: task.title })}>
                  {t(task.done ? "review.reopenTask" : "review.completeTask")}
                </button>
              </Form>
            </li>
          ))}
        </ul>
        <Form method="post" className="stack" key={done === "task" ? "task-reset" : "task"} id="task-form">
          <ErrorSummary errors={summaryOf(actionData, "task")} formId="task-form" idOf={(name) => TASK_FIELD_IDS[name] ?? "task-title"} />
          <input type="hidden" name="intent" value="task" />
          <Field id="task-title" name="taskTitle" label={t("review.taskTitle")} maxLength={200} required defaultValue={kept?.taskTitle} errors={errorFor(actionData, "task", "taskTitle")} help={t("review.taskHelp")} />
          <div className="grid-2">
            <Field id="task-due" name="taskDue" type="date" label={t("review.taskDue")} defaultValue={kept?.taskDue} errors={errorFor(actionData, "task", "taskDue")} />
            <SelectField
              id="task-assignee"
              name="taskAssignee"
              label={t("review.assignee")}
              defaultValue={kept?.taskAssignee ?? d.me}
              errors={errorFor(actionData, "task", "taskAssignee")}
              options={[{ value: "", label: t("review.unassigned") }, ...d.team.map((a) => ({ value: a.id, label: a.name }))]}
            />
          </div>
          <p>
            <button type="submit" className="secondary">
              {t("review.addTask")}
            </button>
          </p>
        </Form>
      </section>

      <section className="card stack" aria-labelledby="messages-title">
        <h2 id="messages-title">{t("review.requestInfoTitle")}</h2>
        <p className="help">{t("review.requestInfoHelp")}</p>
        <ol className="addenda">
          {d.messages.map((m) => (
            <li key={m.id}>
              <span className="help">
                {when(m.createdAt)}
                {m.fromName ? ` · ${m.fromName}` : ""} · {m.read ? t("review.messageRead") : t("review.messageUnread")}
              </span>
              <p className="pre-wrap">{m.body}</p>
            </li>
          ))}
        </ol>
        {d.hasAuthor ? (
          <Form method="post" className="stack" id="request-form" key={done === "requestInfo" ? "msg-reset" : "msg"}>
            <ErrorSummary errors={requestErrors} formId="request-form" idOf={() => "request-message"} />
            <input type="hidden" name="intent" value="requestInfo" />
            <TextAreaField
              id="request-message"
              name="message"
              label={t("review.requestInfoLabel")}
              rows={3}
              maxLength={2000}
              required
              defaultValue={kept?.message}
              errors={requestErrors ? Object.values(requestErrors).flat() : undefined}
            />
            <p>
              <button type="submit" className="secondary">
                {t("review.requestInfo")}
              </button>
            </p>
          </Form>
        ) : (
          <p className="help">{t("review.noAuthor")}</p>
        )}
      </section>

      <details className="card" id="audit">
        <summary>{t("review.auditTitle", { count: d.trail.length })}</summary>
        <ol className="audit-trail">
          {d.trail.map((e) => (
            <li key={e.seq}>
              <span className="help">
                #{e.seq} · {when(e.at)}
              </span>{" "}
              {e.event === "exported" && e.details.by === "author"
                ? t("declaration.authorGenerated")
                : t(e.event.startsWith("alert_") ? `alerts.audit.${e.event}` : `review.audit.${e.event}`, { actor: e.actorName ?? t("review.system"), ...auditDetails(e.details, t) })}
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}

function auditDetails(details: Record<string, unknown>, t: (key: string) => string) {
  const label = (value: unknown) => {
    if (typeof value !== "string") return "";
    for (const ns of ["reports.statusLabel", "review.verification", "review.urgencyShort"]) {
      const key = `${ns}.${value}`;
      const text = t(key);
      if (text !== key) return text;
    }
    return value;
  };
  return { from: label(details.from), to: label(details.to), format: typeof details.format === "string" ? details.format.toUpperCase() : "" };
}

const NOTE_MAX = 10000;

/** Internal notes: typed here, sealed in this browser to the legal team's keys, stored as ciphertext. */
function NotesSection({
  reportId,
  count,
  recipients: allRecipients,
  pageError,
}: {
  reportId: string;
  count: number;
  recipients: { keyId: string; publicKey: string; activeFrom: string }[];
  /** The refusal of a note posted without JavaScript (a full page). */
  pageError: string | null;
}) {
  // never a key whose waiting period is not over by this browser's clock
  const recipients = activeRecipients(allRecipients);
  const { t } = useTranslation();
  const fetcher = useFetcher<{ ok: boolean; intent: string; error: string | null }>();
  const textRef = useRef<HTMLTextAreaElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data?.ok && textRef.current) textRef.current.value = "";
  }, [fetcher.state, fetcher.data]);
  const serverError = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const error = problem ?? serverError ?? (fetcher.data ? null : pageError);
  return (
    <section className="card stack" aria-labelledby="notes-title">
      <h2 id="notes-title">{t("review.notesTitle")}</h2>
      <p className="help">{t("review.notesCount", { count })}</p>
      <form
        className="stack"
        method="post"
        id="note-form"
        onSubmit={(event) => {
          event.preventDefault();
          const text = textRef.current?.value.trim() ?? "";
          if (!text) return setProblem("review.errors.noteEmpty");
          if (text.length > NOTE_MAX) return setProblem("errorsFound.noteTooLong");
          if (!recipients.length) return setProblem("reports.errors.noKeys");
          setProblem(null);
          // Sealed to this note's own id, chosen here (finding 13 of the security review).
          const noteId = crypto.randomUUID();
          const { sealed, contentKey } = sealJson(
            { v: 1, text },
            recipients.map((r) => ({ keyId: r.keyId, publicKey: fromB64u(r.publicKey) })),
            noteAad(reportId, noteId, NOTE_AAD_VERSION),
          );
          contentKey.fill(0);
          fetcher.submit({ intent: "note", noteId, sealed: JSON.stringify(sealed) }, { method: "post" });
        }}
      >
        <ErrorSummary errors={error ? { note: [error] } : null} formId="note-form" idOf={() => "note-text"} />
        <input type="hidden" name="intent" value="note" />
        <div className="field">
          <label htmlFor="note-text">{t("review.noteLabel")}</label>
          {/* No name: the text is never posted as it was typed, only sealed. */}
          <textarea id="note-text" ref={textRef} rows={3} maxLength={NOTE_MAX} aria-describedby={error ? "note-help note-text-error" : "note-help"} aria-invalid={error ? true : undefined} />
          <span id="note-help" className="help">
            {hydrated ? t("review.noteHelp") : t("review.noteNeedsJs")}
          </span>
          <FieldErrors id="note-text-error" errors={error ? [error] : undefined} />
        </div>
        {fetcher.state === "idle" && fetcher.data?.ok ? (
          <p className="notice" role="status">
            {t("review.done.note")}
          </p>
        ) : null}
        <p>
          <button type="submit" className="secondary" disabled={!hydrated || fetcher.state !== "idle"}>
            {t("review.addNote")}
          </button>
        </p>
      </form>
    </section>
  );
}
