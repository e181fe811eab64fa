import type { LoaderFunctionArgs } from "@remix-run/node";
import { translatorFor } from "~/i18n/i18next.server";
import { calendarFeed } from "~/modules/shifts/calendar.server";
import { appOrigin } from "~/utils/env.server";

// Calendar apps fetch this without a session: the secret token in the link is the credential.
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const token = url.searchParams.get("token") ?? "";
  const [en, es] = await Promise.all([translatorFor("en"), translatorFor("es")]);
  const feed = await calendarFeed(token, appOrigin(request), (language) => {
    const t = language === "es" ? es : en;
    return {
      calendarName: t("calendar.name"),
      summary: (zone: string) => t("calendar.summary", { zone }),
      cancelled: t("calendar.cancelled"),
      waitlisted: t("calendar.waitlisted"),
      meetingPoint: t("zones.meetingPointNote"),
    };
  });
  if (feed === null) return new Response("Not found", { status: 404, headers: { "Cache-Control": "no-store" } });
  return new Response(feed, {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": 'inline; filename="testigo-shifts.ics"',
      // The feed names where a person will be: never cached by anyone in between.
      "Cache-Control": "private, no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}
