import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorSummary, Field, limitsOf } from "~/components/ui/field";
import { useIsPending } from "~/components/use-is-pending";
import { useOrgClock } from "~/components/use-org-clock";
import { formatDay, localDateTimeValue } from "~/modules/clock/format";
import { SPOKEN_LANGUAGES } from "~/modules/people/spoken-languages";
import type { SeriesInfo, TimeConflict } from "~/modules/shifts/changes.server";

type Errors = Record<string, string[] | undefined>;
type Initial = Record<string, unknown> | null | undefined;
type Limits = Record<string, { required?: boolean; min?: string | number; max?: string | number } | undefined>;

const text = (initial: Initial, name: string, fallback: string) => (typeof initial?.[name] === "string" ? (initial[name] as string) : fallback);
const list = (initial: Initial, name: string, fallback: string[]) => {
  const value = initial?.[name];
  return Array.isArray(value) ? (value as string[]) : typeof value === "string" ? [value] : fallback;
};

/** Where the error summary of a form (by its id prefix) links to for a field; anything else, its first field. */
const FIELD_IDS: Record<string, Record<string, string>> = {
  reschedule: { date: "reschedule-date", startTime: "reschedule-start", endTime: "reschedule-end" },
  series: { from: "series-from", startTime: "series-start", endTime: "series-end", capacity: "series-capacity" },
};
export const shiftFieldId = (form: "reschedule" | "series") => (name: string) => FIELD_IDS[form]![name] ?? Object.values(FIELD_IDS[form]!)[0]!;

/** A form's submit button, marked busy (not disabled: it keeps focus) while its submission runs. */
function SubmitButton({ intent, label }: { intent: string; label: string }) {
  const busy = useIsPending({ fields: { intent } });
  return (
    <p>
      <button type="submit" className="primary" aria-disabled={busy || undefined} onClick={(event) => busy && event.preventDefault()}>
        {label}
      </button>
    </p>
  );
}

/** What a shift needs: languages and a team lead (the create form and the series form). */
export function NeedsFieldset({ languages, teamLead }: { languages: string[]; teamLead: boolean }) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{t("schedule.needs")}</legend>
      <div className="checks">
        {SPOKEN_LANGUAGES.map((l) => (
          <label key={l.code} className="check">
            <input type="checkbox" name="needsLanguages" value={l.code} defaultChecked={languages.includes(l.code)} /> <span lang={l.code}>{l.name}</span>
          </label>
        ))}
      </div>
      <label className="check">
        <input type="checkbox" name="needsTeamLead" defaultChecked={teamLead} /> {t("shifts.needsTeamLead")}
      </label>
    </fieldset>
  );
}

/** The people a new time would double-book, each with a box to take them off (ticked again if they were). */
function Conflicts({ conflicts, idPrefix, taken }: { conflicts: TimeConflict[]; idPrefix: string; taken: string[] }) {
  const { t, i18n } = useTranslation();
  const clock = useOrgClock();
  if (!conflicts.length) return null;
  const people = [...new Map(conflicts.map((c) => [c.observerId, c])).values()];
  return (
    <fieldset className="warning" aria-describedby={`${idPrefix}-conflicts-help`}>
      <legend>{t("shiftChange.reschedule.conflictsTitle")}</legend>
      <p id={`${idPrefix}-conflicts-help`} className="help">
        {t("shiftChange.reschedule.conflictsHelp")}
      </p>
      {people.map((c) => {
        const own = conflicts.filter((o) => o.observerId === c.observerId);
        // Someone already checked in is at the shift: a move never takes them off (ADR 030).
        const stays = own.some((o) => o.status === "checked_in");
        return (
          <div key={c.observerId}>
            {stays ? (
              <p>
                <strong>{c.name}</strong>
              </p>
            ) : (
              <label className="check">
                <input type="checkbox" name="takeOff" value={c.observerId} defaultChecked={taken.includes(c.observerId)} /> {t("shiftChange.reschedule.takeOff", { name: c.name })}
              </label>
            )}
            <p className="help">
              {own
                .map((o) =>
                  o.trainingValidUntil
                    ? t("shiftChange.reschedule.trainingLine", { name: c.name, until: formatDay(`${o.trainingValidUntil}T12:00:00Z`, "UTC", i18n.language) })
                    : t(stays ? "shiftMoves.checkedIn.line" : "shiftChange.reschedule.conflictLine", {
                        name: c.name,
                        zone: o.otherZone,
                        when: clock.formatShiftTime(o.otherStartsAt!, o.otherEndsAt!),
                      }),
                )
                .join(" · ")}
            </p>
          </div>
        );
      })}
    </fieldset>
  );
}

/** "Change the time": the shift's day, start and end in the organisation's time zone. */
export function RescheduleForm({
  shift,
  errors,
  initial,
  conflicts,
  today,
}: {
  shift: { startsAt: string; endsAt: string };
  errors: Errors;
  initial: Initial;
  conflicts: TimeConflict[];
  today: string;
}) {
  const { t } = useTranslation();
  const clock = useOrgClock();
  const [day, start] = localDateTimeValue(shift.startsAt, clock.timeZone).split("T") as [string, string];
  const end = localDateTimeValue(shift.endsAt, clock.timeZone).split("T")[1]!;
  return (
    <section className="card" aria-labelledby="reschedule-title">
      <h2 id="reschedule-title">{t("shiftChange.reschedule.title")}</h2>
      <p className="help">{t("shiftChange.reschedule.help")}</p>
      <Form method="post" className="stack" noValidate id="reschedule-form">
        <ErrorSummary errors={errors} formId="reschedule-form" idOf={shiftFieldId("reschedule")} />
        <input type="hidden" name="intent" value="reschedule" />
        <div className="inline-forms">
          <Field id="reschedule-date" label={t("shiftChange.reschedule.date")} name="date" type="date" required min={today} defaultValue={text(initial, "date", day)} errors={errors.date} />
          <Field id="reschedule-start" label={t("schedule.startTime")} name="startTime" type="time" required defaultValue={text(initial, "startTime", start)} errors={errors.startTime} />
          <Field
            id="reschedule-end"
            label={t("schedule.endTime")}
            name="endTime"
            type="time"
            required
            defaultValue={text(initial, "endTime", end)}
            errors={errors.endTime}
            help={t("schedule.endTimeHelp")}
          />
        </div>
        <Conflicts conflicts={conflicts} idPrefix="reschedule" taken={list(initial, "takeOff", [])} />
        <SubmitButton intent="reschedule" label={t("shiftChange.reschedule.save")} />
      </Form>
    </section>
  );
}

/** "Change the weekly series" from a date on: times, capacity and needs. */
export function SeriesForm({
  series,
  shift,
  errors,
  initial,
  conflicts,
  limits,
  today,
}: {
  series: SeriesInfo;
  shift: { startsAt: string; capacity: number; needsLanguages: string[]; needsTeamLead: boolean };
  errors: Errors;
  initial: Initial;
  conflicts: TimeConflict[];
  limits: Limits;
  today: string;
}) {
  const { t } = useTranslation();
  const clock = useOrgClock();
  const day = localDateTimeValue(shift.startsAt, clock.timeZone).split("T")[0]!;
  const languages = list(initial, "needsLanguages", initial ? [] : shift.needsLanguages);
  const teamLead = initial ? text(initial, "needsTeamLead", "") === "on" : shift.needsTeamLead;
  return (
    <section className="card" aria-labelledby="series-title">
      <h2 id="series-title">{t("shiftChange.series.title")}</h2>
      <p>
        {t("shiftChange.series.summary", {
          days: series.weekdays.map((d) => t(`schedule.weekday.${d}`)).join(", "),
          start: series.startTime,
          end: series.endTime,
          from: series.startsOn,
          to: series.endsOn,
          count: series.upcoming,
        })}
      </p>
      <p className="help">{t("shiftChange.series.help")}</p>
      <Form method="post" className="stack" noValidate id="series-form">
        <ErrorSummary errors={errors} formId="series-form" idOf={shiftFieldId("series")} />
        <input type="hidden" name="intent" value="editSeries" />
        <div className="inline-forms">
          <Field id="series-from" label={t("shiftChange.series.from")} name="from" type="date" required min={today} defaultValue={text(initial, "from", day)} errors={errors.from} />
          <Field id="series-start" label={t("schedule.startTime")} name="startTime" type="time" required defaultValue={text(initial, "startTime", series.startTime)} errors={errors.startTime} />
          <Field id="series-end" label={t("schedule.endTime")} name="endTime" type="time" required defaultValue={text(initial, "endTime", series.endTime)} errors={errors.endTime} />
          <Field
            id="series-capacity"
            label={t("shiftChange.series.capacity")}
            name="capacity"
            type="number"
            inputMode="numeric"
            {...limitsOf(limits.capacity ?? {})}
            defaultValue={text(initial, "capacity", String(shift.capacity))}
            errors={errors.capacity}
          />
        </div>
        <NeedsFieldset languages={languages} teamLead={teamLead} />
        <Conflicts conflicts={conflicts} idPrefix="series" taken={list(initial, "takeOff", [])} />
        <SubmitButton intent="editSeries" label={t("shiftChange.series.save")} />
      </Form>
    </section>
  );
}
