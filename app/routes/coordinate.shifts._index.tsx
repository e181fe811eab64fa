import { getFormProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { NeedsFieldset } from "~/components/shift-change-forms";
import { ErrorSummary, Field, FieldErrors, limitsOf, SelectField, TextAreaField, textLimitsOf } from "~/components/ui/field";
import { useOrgClock } from "~/components/use-org-clock";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { publicSettings } from "~/modules/settings/settings.server";
import { formatDay, localDate } from "~/modules/clock/format";
import { CreateShiftSchema } from "~/modules/shifts/schema";
import { createShifts, shiftsBetween } from "~/modules/shifts/shifts.server";
import { addDays, mondayOf, weekDates } from "~/modules/clock/week";
import { localDateTime } from "~/modules/zones/window";
import { listZones } from "~/modules/zones/zones.server";
import type { RouteHandle } from "~/root";
import { redirectWithFlash } from "~/utils/flash.server";
import { readForm } from "~/utils/form.server";
import { UUID } from "~/utils/misc";

export const handle: RouteHandle = { titleKey: "schedule.title" };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** What a link (a coverage gap's "Create shift") pre-fills in the create form; anything malformed is ignored. */
function prefillOf(params: URLSearchParams) {
  const take = (name: string, pattern: RegExp) => {
    const value = params.get(name) ?? "";
    return pattern.test(value) ? value : undefined;
  };
  return { zoneId: take("zone", UUID), date: take("date", DATE), startTime: take("start", TIME), endTime: take("end", TIME) };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const url = new URL(request.url);
  const { timeZone } = await publicSettings();
  const today = localDate(new Date(), timeZone);
  const asked = url.searchParams.get("week") ?? "";
  const monday = mondayOf(DATE.test(asked) && localDateTime(`${asked}T00:00`, timeZone) ? asked : today);
  // Local midnight can be skipped by a DST change in some zones: UTC midnight is close enough then.
  const from = localDateTime(`${monday}T00:00`, timeZone) ?? new Date(`${monday}T00:00:00Z`);
  const to = localDateTime(`${addDays(monday, 7)}T00:00`, timeZone) ?? new Date(`${addDays(monday, 7)}T00:00:00Z`);
  const [zones, shifts] = await Promise.all([listZones(user.claims), shiftsBetween(user.claims, from, to)]);
  return {
    monday,
    today,
    prefill: prefillOf(url.searchParams),
    days: weekDates(monday),
    zones: zones.filter((z) => !z.retired || shifts.some((s) => s.zoneId === z.id)).map((z) => ({ id: z.id, name: z.name, colour: z.colour, retired: z.retired })),
    shifts,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  const formData = await readForm(request, 32 * 1024);
  const submission = parseWithZod(formData, { schema: CreateShiftSchema });
  if (submission.status !== "success") return data({ result: submission.reply() }, { status: 400 });
  try {
    const made = await createShifts(user.claims, submission.value);
    if (made.kind === "shift") throw await redirectWithFlash(`/coordinate/shifts/${made.id}`, { key: "schedule.createdOne" });
    throw await redirectWithFlash(`/coordinate/shifts?week=${mondayOf(submission.value.date)}`, { key: "schedule.created", values: { count: made.count } });
  } catch (error) {
    if (error instanceof DomainError) {
      const field = { "shifts.errors.zone": "zoneId", "shifts.errors.seriesEmpty": "weekdays", "shifts.errors.inPast": "date" }[error.messageKey] ?? "zoneId";
      return data({ result: submission.reply({ fieldErrors: { [field]: [error.messageKey] } }) }, { status: error.status === 403 ? 403 : 400 });
    }
    throw error;
  }
}

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** The create form's inputs by field name, for the error summary's links. */
const CREATE_FIELD_IDS: Record<string, string> = { zoneId: "create-zone", startTime: "create-start", endTime: "create-end", weekdays: "create-weekdays-error" };

export default function Schedule() {
  const { t, i18n } = useTranslation();
  const { monday, today, days, zones, shifts, prefill } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const clock = useOrgClock();
  const lang = i18n.language;
  const [form, fields] = useForm({
    id: "create-shift",
    lastResult: actionData?.result,
    constraint: getZodConstraint(CreateShiftSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CreateShiftSchema }),
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
  });
  const initial = (name: string) => {
    const value = (fields as Record<string, { initialValue?: unknown }>)[name]?.initialValue;
    return value;
  };
  const text = (name: string, fallback = "") => (typeof initial(name) === "string" ? (initial(name) as string) : fallback);
  const list = (name: string) => {
    const value = initial(name);
    return Array.isArray(value) ? (value as string[]) : typeof value === "string" ? [value] : [];
  };
  const dayOf = (iso: string) => clock.localDate(iso);
  const weekday = (date: string) => formatDay(`${date}T12:00:00Z`, "UTC", lang, true);

  return (
    <div className="stack">
      <h1>{t("schedule.title")}</h1>
      <nav className="week-nav" aria-label={t("schedule.weekNav")}>
        <Link to={`?week=${addDays(monday, -7)}`}>← {t("schedule.previousWeek")}</Link>
        <strong>{t("schedule.weekOf", { date: formatDay(`${monday}T12:00:00Z`, "UTC", lang) })}</strong>
        <Link to={`?week=${addDays(monday, 7)}`}>{t("schedule.nextWeek")} →</Link>
        {monday !== mondayOf(today) ? <Link to="?">{t("schedule.thisWeek")}</Link> : null}
      </nav>
      {zones.length === 0 ? <p className="empty">{t("schedule.noZones")}</p> : null}
      <div className="week">
        {zones.map((zone) => {
          const zoneShifts = shifts.filter((s) => s.zoneId === zone.id);
          return (
            <section key={zone.id} className="week-zone card" aria-labelledby={`zone-${zone.id}`} style={{ "--zone": zone.colour } as React.CSSProperties}>
              <h2 id={`zone-${zone.id}`}>
                <span className="swatch" style={{ background: zone.colour }} aria-hidden="true" />
                {zone.name}
              </h2>
              {zoneShifts.length === 0 ? (
                <p className="help">{t("schedule.noShiftsThisWeek")}</p>
              ) : (
                <ul className="week-days">
                  {days.map((date) => {
                    const dayShifts = zoneShifts.filter((s) => dayOf(s.startsAt) === date);
                    if (!dayShifts.length) return null;
                    return (
                      <li key={date} className={date === today ? "today" : undefined}>
                        <span className="week-day">{weekday(date)}</span>
                        <ul>
                          {dayShifts.map((s) => {
                            const open = s.capacity - s.claimed;
                            return (
                              <li key={s.id} className={s.cancelled ? "cancelled" : open > 0 ? "short" : "staffed"}>
                                <Link to={`/coordinate/shifts/${s.id}`}>
                                  {clock.formatTime(s.startsAt)}–{clock.formatTime(s.endsAt)}
                                </Link>{" "}
                                {s.cancelled ? (
                                  <span className="badge off">{t("shifts.cancelledBadge")}</span>
                                ) : (
                                  <span>
                                    {t("schedule.staffing", { claimed: s.claimed, capacity: s.capacity })}
                                    {s.waitlisted ? ` · ${t("shifts.waiting", { count: s.waitlisted })}` : ""}
                                  </span>
                                )}
                              </li>
                            );
                          })}
                        </ul>
                      </li>
                    );
                  })}
                </ul>
              )}
            </section>
          );
        })}
      </div>

      <section className="card" aria-labelledby="create-title">
        <h2 id="create-title">{t("schedule.createTitle")}</h2>
        <p className="help">{t("schedule.timeZoneNote", { timeZone: clock.timeZone })}</p>
        <Form method="post" {...getFormProps(form)} className="stack">
          <ErrorSummary errors={form.allErrors} formId={form.id} idOf={(name) => CREATE_FIELD_IDS[name] ?? `create-${name}`} />
          <input type="hidden" name="intent" value="create" />
          <SelectField
            id="create-zone"
            label={t("schedule.zone")}
            name="zoneId"
            defaultValue={text("zoneId", prefill.zoneId)}
            errors={fields.zoneId.errors}
            options={[{ value: "", label: t("schedule.chooseZone") }, ...zones.filter((z) => !z.retired).map((z) => ({ value: z.id, label: z.name }))]}
          />
          <div className="inline-forms">
            <Field id="create-date" label={t("schedule.date")} name="date" type="date" {...limitsOf(fields.date)} min={today} defaultValue={text("date", prefill.date ?? today)} errors={fields.date.errors} />
            <Field id="create-start" label={t("schedule.startTime")} name="startTime" type="time" {...limitsOf(fields.startTime)} defaultValue={text("startTime", prefill.startTime ?? "18:00")} errors={fields.startTime.errors} />
            <Field
              id="create-end"
              label={t("schedule.endTime")}
              name="endTime"
              type="time"
              defaultValue={text("endTime", prefill.endTime ?? "22:00")}
              errors={fields.endTime.errors}
              help={t("schedule.endTimeHelp")}
              {...limitsOf(fields.endTime)}
            />
            <Field
              id="create-capacity"
              label={t("schedule.capacity")}
              name="capacity"
              type="number"
              inputMode="numeric"
              {...limitsOf(fields.capacity)}
              defaultValue={text("capacity", "4")}
              errors={fields.capacity.errors}
            />
          </div>
          <fieldset>
            <legend>{t("schedule.repeat")}</legend>
            <label className="check">
              <input type="radio" name="repeat" value="once" defaultChecked={text("repeat", "once") === "once"} /> {t("schedule.once")}
            </label>
            <label className="check">
              <input type="radio" name="repeat" value="weekly" defaultChecked={text("repeat") === "weekly"} /> {t("schedule.weekly")}
            </label>
          </fieldset>
          <fieldset aria-describedby="weekly-help">
            <legend>{t("schedule.weeklyDetails")}</legend>
            <p id="weekly-help" className="help">
              {t("schedule.weeklyHelp")}
            </p>
            <div className="checks" role="group" aria-label={t("schedule.weekdays")}>
              {WEEKDAYS.map((d) => (
                <label key={d} className="check">
                  <input type="checkbox" name="weekdays" value={d} defaultChecked={list("weekdays").includes(String(d))} /> {t(`schedule.weekday.${d}`)}
                </label>
              ))}
            </div>
            <FieldErrors id="create-weekdays-error" errors={fields.weekdays.errors} />
            <Field id="create-until" label={t("schedule.until")} name="until" type="date" min={today} defaultValue={text("until")} errors={fields.until.errors} />
          </fieldset>
          <NeedsFieldset languages={list("needsLanguages")} teamLead={text("needsTeamLead") === "on"} />
          <TextAreaField id="create-notes" label={t("shifts.notes")} name="notes" rows={3} {...textLimitsOf(fields.notes)} defaultValue={text("notes")} errors={fields.notes.errors} />
          <p>
            <button type="submit" className="primary">
              {t("schedule.create")}
            </button>
          </p>
        </Form>
      </section>
    </div>
  );
}
