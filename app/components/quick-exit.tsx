import { useRouteLoaderData } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { announceWipe, wipeDevice } from "~/modules/wipe/wipe";
import type { RootLoader } from "~/root";

/**
 * Leaves at once for somewhere neutral: this tab and the phone's others drop what they hold, the
 * phone's Testigo data and service worker are erased, the session ends (a keepalive POST, so it
 * ends even after the page is gone) and the tab goes to the organisation's neutral address,
 * replacing this page in its history. Only navigated to, never fetched.
 */
export async function quickExit(to: string) {
  announceWipe({ kind: "quickExit", to });
  void fetch("/exit", { method: "POST", keepalive: true, credentials: "same-origin", cache: "no-store" }).catch(() => undefined);
  await wipeDevice();
  location.replace(to);
}

/**
 * "Quick exit": one tap. Without JavaScript the form posts to /exit, which ends the session, asks
 * the browser to clear this site's data and moves on to the neutral address (app/routes/exit.tsx).
 */
export function QuickExit() {
  const { t } = useTranslation();
  const to = useRouteLoaderData<RootLoader>("root")?.settings.quickExitUrl ?? "https://weather.com/";
  const [leaving, setLeaving] = useState(false);
  return (
    <form
      method="post"
      action="/exit"
      className="quick-exit"
      onSubmit={(event) => {
        event.preventDefault();
        setLeaving(true);
        void quickExit(to);
      }}
    >
      <button type="submit" className="quick-exit-button" title={t("wipe.quickExitHelp")}>
        {leaving ? t("wipe.leaving") : t("wipe.quickExit")}
      </button>
    </form>
  );
}
