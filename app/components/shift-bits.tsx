import { Form, Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { useIsPending } from "./use-is-pending";
import { SPOKEN_LANGUAGES } from "~/modules/people/spoken-languages";
import { checkInOpen } from "~/modules/clock/format";
import type { ShiftNotice } from "~/modules/shifts/notice";
import type { ShiftSummary } from "~/modules/shifts/shifts.server";

export function ShiftStatusBadge({ shift }: { shift: Pick<ShiftSummary, "myStatus" | "myWaitlistPosition" | "cancelled"> }) {
  const { t } = useTranslation();
  if (shift.cancelled) return <span className="badge off">{t("shifts.cancelledBadge")}</span>;
  if (!shift.myStatus) return null;
  if (shift.myStatus === "waitlisted") return <span className="badge warn">{t("shifts.status.waitlistedAt", { position: shift.myWaitlistPosition ?? "?" })}</span>;
  return <span className="badge ok">{t(`shifts.status.${shift.myStatus}`)}</span>;
}

export function Spots({ shift }: { shift: Pick<ShiftSummary, "capacity" | "claimed" | "waitlisted"> }) {
  const { t } = useTranslation();
  const open = shift.capacity - shift.claimed;
  return (
    <span className={open > 0 ? "spots open" : "spots full"}>
      {open > 0 ? t("shifts.spotsOpen", { count: open, capacity: shift.capacity }) : t("shifts.full")}
      {shift.waitlisted > 0 ? ` · ${t("shifts.waiting", { count: shift.waitlisted })}` : ""}
    </span>
  );
}

export function Needs({ shift }: { shift: Pick<ShiftSummary, "needsLanguages" | "needsTeamLead"> }) {
  const { t } = useTranslation();
  if (!shift.needsLanguages.length && !shift.needsTeamLead) return null;
  const names = shift.needsLanguages.map((code) => SPOKEN_LANGUAGES.find((l) => l.code === code)?.name ?? code);
  return (
    <span className="needs">
      {names.map((name) => (
        <span key={name} className="badge">
          {t("shifts.needsLanguage", { language: name })}
        </span>
      ))}
      {shift.needsTeamLead ? <span className="badge">{t("shifts.needsTeamLead")}</span> : null}
    </span>
  );
}

/** The buttons an observer has on a shift, depending on where they stand. */
export function ShiftActions({
  shift,
  now,
  action,
  describedBy,
}: {
  shift: {
    id: string;
    startsAt: string;
    endsAt: string;
    cancelled: boolean;
    capacity: number;
    claimed: number;
    myStatus: string | null;
    /** 'ok' when the database would take a claim; anything else (or unknown) shows no claim button. */
    claimBlocker?: string | null;
  };
  /** The server's clock, so a phone with a wrong clock still shows the right buttons. */
  now: number;
  /** Where the forms post; the current page by default. */
  action?: string;
  /** The id of the element naming the shift, so identical buttons in a list are told apart. */
  describedBy?: string;
}) {
  const { t } = useTranslation();
  const over = new Date(shift.endsAt).getTime() <= now;
  // Checking out stays possible after the end: someone who forgot must not stay "on the street".
  // On the street, reporting is what matters: it comes first, checking out second.
  if (shift.myStatus === "checked_in") {
    return (
      <div className="actions">
        <Link to="/reports/new" className="button primary">
          {t("nav.newReport")}
        </Link>
        <ActionButton intent="checkOut" label={t("shifts.checkOut")} shiftId={shift.id} action={action} describedBy={describedBy} className="secondary" />
      </div>
    );
  }
  if (shift.cancelled || over) return null;
  switch (shift.myStatus) {
    case null:
      // Never a button that then fails: the page says why instead (ClaimBlocked).
      if (shift.claimBlocker !== "ok") return null;
      return (
        <div className="actions">
          {shift.claimed < shift.capacity ? (
            <ActionButton intent="claim" label={t("shifts.claim")} shiftId={shift.id} action={action} describedBy={describedBy} />
          ) : (
            <ActionButton intent="waitlist" label={t("shifts.joinWaitlist")} shiftId={shift.id} action={action} describedBy={describedBy} />
          )}
        </div>
      );
    case "claimed":
      return (
        <div className="actions">
          {checkInOpen(shift.startsAt, shift.endsAt, now) ? (
            <ActionButton intent="checkIn" label={t("shifts.checkIn")} shiftId={shift.id} action={action} describedBy={describedBy} />
          ) : null}
          {/* Giving a spot away cannot be undone (the waitlist takes it at once): it takes two taps, well apart. */}
          <details className="confirm">
            <summary>{t("shifts.cantGo")}</summary>
            <p className="help">{t("shifts.cancelSpotHelp")}</p>
            <ActionButton intent="leave" label={t("shifts.cancelSpot")} shiftId={shift.id} action={action} describedBy={describedBy} className="danger" />
          </details>
        </div>
      );
    case "waitlisted":
      return (
        <div className="actions">
          <ActionButton intent="leave" label={t("shifts.leaveWaitlist")} shiftId={shift.id} action={action} describedBy={describedBy} className="secondary" />
        </div>
      );
    default:
      return null;
  }
}

function ActionButton({
  intent,
  label,
  shiftId,
  action,
  describedBy,
  className = "primary",
}: {
  intent: string;
  label: string;
  shiftId: string;
  action?: string;
  describedBy?: string;
  className?: string;
}) {
  const busy = useIsPending({ formAction: action, fields: { shiftId, intent } });
  return (
    <Form method="post" action={action}>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="shiftId" value={shiftId} />
      {/* aria-disabled, not disabled: the button keeps focus while the request runs. */}
      <button
        type="submit"
        className={className}
        aria-describedby={describedBy}
        aria-disabled={busy || undefined}
        onClick={(event) => {
          if (busy) event.preventDefault();
        }}
      >
        {label}
      </button>
    </Form>
  );
}

export function Notice({ notice, trigger }: { notice: ShiftNotice | null | undefined; trigger: unknown }) {
  const { t } = useTranslation();
  const ref = useFocusOutcome<HTMLParagraphElement>(notice, trigger);
  if (!notice) return null;
  return (
    <p className={notice.tone === "error" ? "notice error" : "notice"} role={notice.tone === "error" ? "alert" : "status"} tabIndex={-1} ref={ref}>
      {String(t(notice.key, notice.values))}
    </p>
  );
}

