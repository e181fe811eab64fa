import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useOrgClock } from "~/components/use-org-clock";
import type { KeyRow, RecipientEvent } from "~/modules/reports/keys.server";

/**
 * Whom sealed data goes to, with fingerprints to compare aloud, the keys still waiting to become
 * recipients (waiting period, a second admin's approval), and the latest changes from the audit
 * log (security review, finding 1). Admins approve or stop a proposed recovery key here.
 */
export function KeyTransparency({
  keys,
  events,
  waitHours,
  me,
  canApprove,
}: {
  keys: KeyRow[];
  events: RecipientEvent[];
  waitHours: number;
  me: string;
  canApprove: boolean;
}) {
  const { t } = useTranslation();
  const { formatDay, formatTime } = useOrgClock();
  const when = (iso: string) => `${formatDay(iso, true)} ${formatTime(iso)}`;
  const current = keys.filter((k) => k.current);
  const waiting = keys.filter((k) => !k.current && !k.parked && (k.awaitingApproval || Date.parse(k.activeFrom) > Date.now()));
  const parked = keys.filter((k) => k.parked);
  const label = (k: KeyRow) =>
    k.kind === "recovery" ? t("keys.transparency.recovery") : k.ownerId === me ? t("keys.transparency.yours") : k.name || t("keys.transparency.attorney");
  return (
    <section className="card stack" aria-labelledby="recipients-title">
      <h2 id="recipients-title">{t("keys.transparency.title")}</h2>
      <p>{t("keys.transparency.intro", { hours: waitHours })}</p>
      {current.length === 0 ? <p className="warning">{t("keys.transparency.none")}</p> : null}
      <ul className="stack" aria-label={t("keys.transparency.currentList")}>
        {current.map((k) => (
          <li key={k.id}>
            <strong>{label(k)}</strong> <span className="mono">{k.fingerprint}</span>
            <br />
            <span className="help">
              {t("keys.transparency.since", { when: when(k.activeFrom) })}
              {k.endsAt ? ` ${t("keys.transparency.until", { when: when(k.endsAt) })}` : ""}
            </span>
          </li>
        ))}
      </ul>
      {waiting.length ? (
        <>
          <h3>{t("keys.transparency.waitingTitle")}</h3>
          <ul className="stack">
            {waiting.map((k) => (
              <li key={k.id}>
                <strong>{label(k)}</strong> <span className="mono">{k.fingerprint}</span>
                <br />
                <span className="help">
                  {k.awaitingApproval ? t("keys.transparency.awaitingApproval") : t("keys.transparency.activeFrom", { when: when(k.activeFrom) })}
                </span>
                {canApprove && k.kind === "recovery" ? (
                  <Form method="post" className="inline-actions">
                    <input type="hidden" name="key" value={k.id} />
                    {k.awaitingApproval && k.proposedBy !== me ? (
                      <button type="submit" name="intent" value="approveRecovery" className="secondary">
                        {t("keys.transparency.approve")}
                      </button>
                    ) : null}{" "}
                    <button type="submit" name="intent" value="withdrawRecovery" className="secondary">
                      {t("keys.transparency.withdraw")}
                    </button>
                  </Form>
                ) : null}
                {k.kind === "attorney" && (canApprove || k.ownerId === me) ? (
                  <Form method="post" className="inline-actions">
                    <input type="hidden" name="key" value={k.id} />
                    <button type="submit" name="intent" value="withdrawAttorneyKey" className="secondary">
                      {t("keys.transparency.withdraw")}
                    </button>
                  </Form>
                ) : null}
                {k.awaitingApproval && k.proposedBy === me ? <p className="help">{t("keys.transparency.needsOther")}</p> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {parked.length ? (
        <>
          <h3>{t("keys.transparency.parkedTitle")}</h3>
          <p className="help">{t("keys.transparency.parkedHelp")}</p>
          <ul>
            {parked.map((k) => (
              <li key={k.id}>
                <strong>{label(k)}</strong> <span className="mono">{k.fingerprint}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>{t("keys.transparency.changesTitle")}</h3>
      {events.length === 0 ? <p>{t("keys.transparency.noChanges")}</p> : null}
      <ul>
        {events.map((e) => (
          <li key={e.seq}>
            {when(e.at)}: {t(`keys.events.${e.event}`, { role: e.role ? t(`roles.${e.role}`) : "" })}
            {e.fingerprint ? (
              <>
                {" "}
                <span className="mono">{e.fingerprint}</span>
              </>
            ) : null}
            {e.activeFrom && Date.parse(e.activeFrom) > Date.parse(e.at) + 60_000 ? ` (${t("keys.transparency.activeFrom", { when: when(e.activeFrom) })})` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}
