import { useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { RootLoader } from "~/root";

/**
 * "Quick exit": one tap wipes the phone, ends the session and leaves for the organisation's
 * neutral address. With JavaScript, ~/components/wipe-listener does it in the page; before its
 * code is here, or without JavaScript, the form posts to /exit, which ends the session, asks the
 * browser to clear this site's data and moves on there (app/routes/exit.tsx).
 */
export function QuickExit() {
  const { t } = useTranslation();
  const to = useRouteLoaderData<RootLoader>("root")?.settings.quickExitUrl;
  return (
    <form method="post" action="/exit" className="quick-exit" data-to={to}>
      <button type="submit" className="quick-exit-button" title={t("wipe.quickExitHelp")}>
        {t("wipe.quickExit")}
      </button>
    </form>
  );
}
