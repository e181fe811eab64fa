import { parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { RescheduleForm, SeriesForm } from "~/components/shift-change-forms";
import { Needs, Notice, Spots } from "~/components/shift-bits";
import { ErrorSummary, Field, limitsOf, SelectField, TextAreaField, textLimitsOf } from "~/components/ui/field";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { formatDay, localDate } from "~/modules/clock/format";
import { publicSettings } from "~/modules/settings/settings.server";
import type { ShiftNotice } from "~/modules/shifts/notice";
import { conflictsOfReschedule, conflictsOfSeriesEdit, editShiftSeries, rescheduleShift, seriesInfo, type TimeConflict } from "~/modules/shifts/changes.server";
import { CancelShiftSchema, CoordinatorShiftActionSchema, EditSeriesSchema, UpdateShiftSchema } from "~/modules/shifts/schema";
import { assignableObservers, assignToShift, cancelShift, getShift, roster, unassignFromShift, updateShift } from "~/modules/shifts/shifts.server";
import { mondayOf } from "~/modules/clock/week";
import type { RouteHandle } from "~/root";
import { constraintOf, readForm } from "~/utils/form.server";
import { UUID, invariantResponse } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "schedule.rosterTitle" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  try {
    const [shift, people, candidates, { timeZone }] = await Promise.all([
      getShift(user.claims, params.id!),
      roster(user.claims, params.id!),
      assignableObservers(user.claims, params.id!),
      publicSettings(),
    ]);
    const series = shift.seriesId ? await seriesInfo(user.claims, shift.seriesId) : null;
    return {
      shift,
      people,
      candidates,
      series,
      today: localDate(new Date(), timeZone),
      constraint: { update: constraintOf(UpdateShiftSchema), cancel: constraintOf(CancelShiftSchema), series: constraintOf(EditSeriesSchema) },
    };
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const id = params.id!;
  const submission = parseWithZod(await readForm(request, 16 * 1024), { schema: CoordinatorShiftActionSchema });
  const noConflicts: TimeConflict[] = [];
  if (submission.status !== "success") return data({ result: submission.reply(), notice: null as ShiftNotice | null, conflicts: noConflicts }, { status: 400 });
  const done = (key: string, values?: Record<string, number>) =>
    data({ result: submission.reply({ resetForm: true }), notice: { key, values, tone: "ok" } as ShiftNotice | null, conflicts: noConflicts });
  /** A new time that double-books people: the field error names them, and the form lists them to take off. */
  const refusedNaming = (conflicts: TimeConflict[]) => {
    const nameList = (list: TimeConflict[]) => [...new Set(list.map((c) => c.name))].join(", ");
    const names = nameList(conflicts);
    // People already checked in stay (ADR 030): the message says so rather than "take them off".
    const staying = nameList(conflicts.filter((c) => c.status === "checked_in"));
    const message = staying
      ? `shiftMoves.checkedIn.error|${JSON.stringify({ names: staying })}`
      : names
        ? `shiftChange.errors.timeConflictNamed|${JSON.stringify({ names })}`
        : "shiftChange.errors.timeConflict";
    return data({ result: submission.reply({ fieldErrors: { startTime: [message] } }), notice: null as ShiftNotice | null, conflicts }, { status: 409 });
  };
  const isTimeConflict = (error: unknown) => error instanceof DomainError && error.messageKey === "shiftChange.errors.timeConflict";
  const value = submission.value;
  try {
    switch (value.intent) {
      case "update":
        await updateShift(user.claims, id, value);
        return done("schedule.updated");
      case "cancel":
        await cancelShift(user.claims, id, value.reason);
        return done("schedule.cancelledDone");
      case "assign":
        await assignToShift(user.claims, id, value.observerId);
        return done("schedule.assigned");
      case "unassign":
        await unassignFromShift(user.claims, id, value.assignmentId);
        return done("schedule.unassigned");
      case "reschedule":
        try {
          const stayed = await rescheduleShift(user.claims, id, value);
          if (stayed) return done("shiftMoves.checkedIn.doneStaying", { count: stayed });
        } catch (error) {
          if (isTimeConflict(error)) return refusedNaming(await conflictsOfReschedule(user.claims, id, value));
          throw error;
        }
        return done("shiftChange.reschedule.done");
      case "editSeries": {
        const { seriesId } = await getShift(user.claims, id);
        if (!seriesId) return data({ result: submission.reply(), notice: { key: "shifts.errors.notFound", tone: "error" } as ShiftNotice | null, conflicts: noConflicts }, { status: 404 });
        try {
          const count = await editShiftSeries(user.claims, seriesId, value);
          return done("shiftChange.series.done", { count: count ?? 0 });
        } catch (error) {
          if (isTimeConflict(error)) return refusedNaming(await conflictsOfSeriesEdit(user.claims, seriesId, value));
          throw error;
        }
      }
    }
  } catch (error) {
    if (error instanceof DomainError) {
      const field = error.field ?? (value.intent === "assign" ? "observerId" : undefined);
      if (field) return data({ result: submission.reply({ fieldErrors: { [field]: [error.messageKey] } }), notice: null as ShiftNotice | null, conflicts: noConflicts }, { status: error.status });
      return data({ result: submission.reply(), notice: { key: error.messageKey, tone: "error" } as ShiftNotice | null, conflicts: noConflicts }, { status: error.status });
    }
    throw error;
  }
}

export default function ShiftRoster() {
  const { t, i18n } = useTranslation();
  const { shift, people, candidates, series, today, constraint } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const clock = useOrgClock();
  const lang = i18n.language;
  const errors = (actionData?.result?.error ?? {}) as Record<string, string[] | undefined>;
  const lastIntent = actionData?.result?.initialValue?.intent;
  /** The errors of one form, for its error summary: none unless it was the one posted. */
  const errorsOf = (intent: string) => (lastIntent === intent ? errors : null);
  const notice = actionData?.notice ?? null;
  const over = new Date(shift.endsAt).getTime() <= Date.now();
  const editable = !shift.cancelled && !over;
  const on = people.filter((p) => p.status !== "waitlisted");
  const waiting = people.filter((p) => p.status === "waitlisted");
  const person = (p: (typeof people)[number]) => p.name || p.email;

  const rows = (list: typeof people, title: string, id: string) => (
    <section aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {list.length === 0 ? <p className="help">{t("schedule.nobody")}</p> : null}
      <ul className="roster">
        {list.map((p) => (
          <li key={p.id}>
            <span>
              <strong>{p.position ? `${p.position}. ` : ""}{person(p)}</strong>{" "}
              <span className={`badge ${p.status === "checked_in" ? "ok" : p.status === "waitlisted" ? "warn" : ""}`}>{t(`shifts.status.${p.status}`)}</span>
            </span>
            <span className="help">
              {[p.phone, p.email, p.languages.join(", "), p.trainingDate ? t("schedule.trainedOn", { date: formatDay(`${p.trainingDate}T12:00:00Z`, "UTC", lang, true) }) : t("schedule.untrained")]
                .filter(Boolean)
                .join(" · ")}
              {p.checkedInAt ? ` · ${t("shifts.checkedInAt", { time: clock.formatTime(p.checkedInAt) })}` : ""}
              {p.checkedOutAt ? ` · ${t("shifts.checkedOutAt", { time: clock.formatTime(p.checkedOutAt) })}` : ""}
            </span>
            {editable && (p.status === "claimed" || p.status === "waitlisted") ? (
              <Form method="post">
                <input type="hidden" name="intent" value="unassign" />
                <input type="hidden" name="assignmentId" value={p.id} />
                <button type="submit" className="secondary">
                  {t("schedule.unassign")}
                  <span className="sr-only"> {person(p)}</span>
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );

  return (
    <div className="stack">
      <p>
        <Link to={`/coordinate/shifts?week=${mondayOf(clock.localDate(shift.startsAt))}`}>← {t("schedule.back")}</Link>
      </p>
      <h1>
        <span className="swatch" style={{ background: shift.zoneColour }} aria-hidden="true" />
        {shift.zoneName}
      </h1>
      <p className="lead">{clock.formatShiftTime(shift.startsAt, shift.endsAt)}</p>
      <Notice notice={notice} trigger={actionData} />
      {shift.cancelled ? <p className="notice error">{t("shifts.cancelledNotice")} {shift.cancelReason}</p> : null}
      <p className="shift-meta">
        <Spots shift={shift} /> <Needs shift={shift} />
      </p>

      <section className="card" aria-labelledby="roster-title">
        <h2 id="roster-title">{t("schedule.roster")}</h2>
        {rows(on, t("schedule.onShift", { count: on.length, capacity: shift.capacity }), "on-shift-title")}
        {rows(waiting, t("schedule.waitlist", { count: waiting.length }), "waitlist-title")}
        <p>
          <a href={`/coordinate/shifts/${shift.id}/roster.csv`} download>
            {t("schedule.exportCsv")}
          </a>
        </p>
        {editable ? (
          <Form method="post" className="inline-forms" id="assign-form">
            <ErrorSummary errors={errorsOf("assign")} formId="assign-form" idOf={() => "assign-observer"} />
            <input type="hidden" name="intent" value="assign" />
            <SelectField
              id="assign-observer"
              label={t("schedule.assignLabel")}
              name="observerId"
              defaultValue={lastIntent === "assign" && typeof actionData?.result?.initialValue?.observerId === "string" ? actionData.result.initialValue.observerId : ""}
              errors={lastIntent === "assign" ? errors.observerId : undefined}
              options={[
                { value: "", label: t("zones.chooseObserver") },
                ...candidates.map((c) => ({
                  value: c.id,
                  label: `${c.name || c.email}${c.eligibility === "ok" ? "" : ` (${t(`schedule.eligibility.${c.eligibility}`)})`}`,
                })),
              ]}
            />
            <button type="submit" className="primary">
              {t("schedule.assign")}
            </button>
          </Form>
        ) : null}
      </section>

      {editable && new Date(shift.startsAt).getTime() > Date.now() ? (
        <div className="two-col">
          <RescheduleForm
            shift={shift}
            today={today}
            errors={lastIntent === "reschedule" ? errors : {}}
            initial={lastIntent === "reschedule" ? actionData?.result?.initialValue : undefined}
            conflicts={lastIntent === "reschedule" ? (actionData?.conflicts ?? []) : []}
          />
          {series ? (
            <SeriesForm
              series={series}
              shift={shift}
              today={today}
              limits={constraint.series}
              errors={lastIntent === "editSeries" ? errors : {}}
              initial={lastIntent === "editSeries" ? actionData?.result?.initialValue : undefined}
              conflicts={lastIntent === "editSeries" ? (actionData?.conflicts ?? []) : []}
            />
          ) : null}
        </div>
      ) : null}

      {editable ? (
        <div className="two-col">
          <section className="card" aria-labelledby="edit-title">
            <h2 id="edit-title">{t("schedule.editTitle")}</h2>
            <Form method="post" className="stack" noValidate id="edit-form">
              <ErrorSummary errors={errorsOf("update")} formId="edit-form" idOf={(name) => (name === "notes" ? "edit-notes" : "edit-capacity")} />
              <input type="hidden" name="intent" value="update" />
              <Field
                id="edit-capacity"
                label={t("schedule.capacity")}
                name="capacity"
                type="number"
                inputMode="numeric"
                {...limitsOf(constraint.update.capacity ?? {})}
                defaultValue={lastIntent === "update" && typeof actionData?.result?.initialValue?.capacity === "string" ? actionData.result.initialValue.capacity : String(shift.capacity)}
                errors={lastIntent === "update" ? errors.capacity : undefined}
                help={t("schedule.capacityHelp")}
              />
              <TextAreaField
                id="edit-notes"
                label={t("shifts.notes")}
                name="notes"
                rows={3}
                {...textLimitsOf(constraint.update.notes ?? {})}
                defaultValue={lastIntent === "update" && typeof actionData?.result?.initialValue?.notes === "string" ? actionData.result.initialValue.notes : shift.notes}
                errors={lastIntent === "update" ? errors.notes : undefined}
              />
              <p>
                <button type="submit" className="primary">
                  {t("schedule.save")}
                </button>
              </p>
            </Form>
          </section>
          <section className="card" aria-labelledby="cancel-title">
            <h2 id="cancel-title">{t("schedule.cancelTitle")}</h2>
            <p>{t("schedule.cancelHelp", { count: on.length + waiting.length })}</p>
            <Form method="post" className="stack" id="cancel-form">
              <ErrorSummary errors={errorsOf("cancel")} formId="cancel-form" idOf={() => "cancel-reason"} />
              <input type="hidden" name="intent" value="cancel" />
              <TextAreaField
                id="cancel-reason"
                label={t("schedule.cancelReason")}
                name="reason"
                rows={2}
                {...textLimitsOf(constraint.cancel.reason ?? {})}
                defaultValue={lastIntent === "cancel" && typeof actionData?.result?.initialValue?.reason === "string" ? actionData.result.initialValue.reason : undefined}
                errors={lastIntent === "cancel" ? errors.reason : undefined}
              />
              <p>
                <button type="submit" className="danger">
                  {t("schedule.cancelShift")}
                </button>
              </p>
            </Form>
          </section>
        </div>
      ) : null}
    </div>
  );
}
