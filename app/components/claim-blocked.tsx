import { Link, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDay } from "~/modules/clock/format";
import type { RootLoader } from "~/root";

/**
 * Why the person cannot claim (the reason the database would give) and whom to ask: the
 * organisation's coordinators and its hotline number, nothing personal about anyone.
 */
export function ClaimBlocked({ reason, validUntil, now = false }: { reason: string; validUntil?: string | null; now?: boolean }) {
  const { t, i18n } = useTranslation();
  const root = useRouteLoaderData<RootLoader>("root");
  if (reason === "ok") return null;
  const org = root?.settings.name ?? "Testigo";
  const hotline = root?.settings.hotlineNumber ?? "";
  const key = reason === "training_expired" && now ? "training_expiredNow" : reason;
  const training = reason === "training_missing" || reason === "training_expired";
  return (
    <div className="warning stack" role="note" aria-labelledby="claim-blocked-reason">
      <p id="claim-blocked-reason">
        <strong>{t(`shiftChange.claim.${key}`, { until: validUntil ? formatDay(`${validUntil}T12:00:00Z`, "UTC", i18n.language) : "" })}</strong>
      </p>
      {reason === "overlap" ? (
        <p>
          <Link to="/my/shifts">{t("shiftChange.claim.seeMyShifts")}</Link>
        </p>
      ) : null}
      {training || reason === "not_observer" ? (
        <p>
          {t("shiftChange.claim.contact", { org })}{" "}
          {hotline ? <a href={`tel:${hotline.replace(/[^\d+]/g, "")}`}>{t("shiftChange.claim.contactHotline", { number: hotline })}</a> : null}
        </p>
      ) : null}
    </div>
  );
}
