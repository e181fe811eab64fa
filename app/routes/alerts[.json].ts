import type { LoaderFunctionArgs } from "@remix-run/node";
import { translatorFor } from "~/i18n/i18next.server";
import { visibleAlerts } from "~/modules/alerts/alerts.server";
import { alertsFeed } from "~/modules/alerts/feed";
import { publicSettings } from "~/modules/settings/settings.server";
import { appOrigin } from "~/utils/env.server";
import { publicCacheHeaders, publicLanguage } from "~/utils/public-page.server";

/** The alerts as a JSON Feed 1.1: the newest 50, public like the page (ADR 026). */
export async function loader({ request }: LoaderFunctionArgs) {
  const [{ language }, alerts, settings] = await Promise.all([publicLanguage(request), visibleAlerts(), publicSettings()]);
  const t = await translatorFor(language);
  const feed = alertsFeed({ alerts, t, language, origin: appOrigin(request), siteName: settings.name, timeZone: settings.timeZone });
  const headers = publicCacheHeaders(request);
  headers.set("Content-Type", "application/feed+json; charset=utf-8");
  headers.set("X-Content-Type-Options", "nosniff");
  return new Response(JSON.stringify(feed), { headers });
}
