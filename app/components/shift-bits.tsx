import { Form, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useFocusOutcome } from "~/components/use-focus-outcome";
import { SPOKEN_LANGUAGES } from "~/modules/people/profile-schema";
import { checkInOpen } from "~/modules/shifts/format";
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
}: {
  shift: { id: string; startsAt: string; endsAt: string; cancelled: boolean; capacity: number; claimed: number; myStatus: string | null };
  now: number;
  /** Where the forms post; the current page by default. */
  action?: string;
}) {
  const { t } = useTranslation();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("shiftId") === shift.id;
  const over = new Date(shift.endsAt).getTime() <= now;
  if (shift.cancelled || over) return null;
  const button = (intent: string, label: string, className = "primary") => (
    <Form method="post" key={intent} action={action}>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="shiftId" value={shift.id} />
      <button type="submit" className={className} disabled={busy}>
        {label}
      </button>
    </Form>
  );
  const buttons = [];
  switch (shift.myStatus) {
    case null:
      buttons.push(shift.claimed < shift.capacity ? button("claim", t("shifts.claim")) : button("waitlist", t("shifts.joinWaitlist")));
      break;
    case "claimed":
      if (checkInOpen(shift.startsAt, shift.endsAt, now)) buttons.push(button("checkIn", t("shifts.checkIn")));
      buttons.push(button("leave", t("shifts.cancelSpot"), "danger"));
      break;
    case "waitlisted":
      buttons.push(button("leave", t("shifts.leaveWaitlist"), "secondary"));
      break;
    case "checked_in":
      buttons.push(button("checkOut", t("shifts.checkOut")));
      break;
  }
  return <div className="actions">{buttons}</div>;
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

