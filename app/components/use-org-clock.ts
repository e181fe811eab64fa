import { useRouteLoaderData } from "@remix-run/react";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { DEFAULT_TIME_ZONE, orgClock, type OrgClock } from "~/modules/clock/org-clock";
import type { RootLoader } from "~/root";

/**
 * The organisation's clock for a component: its time zone (from the root loader's settings) and
 * formatters bound to it and to the reader's language. Stable while neither changes, so its
 * functions may sit in a hook's dependencies.
 */
export function useOrgClock(): OrgClock {
  const root = useRouteLoaderData<RootLoader>("root");
  const { i18n } = useTranslation();
  const timeZone = root?.settings.timeZone ?? DEFAULT_TIME_ZONE;
  const language = i18n.language;
  return useMemo(() => orgClock(timeZone, language), [timeZone, language]);
}
