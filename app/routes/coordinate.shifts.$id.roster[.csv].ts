import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { translatorFor } from "~/i18n/i18next.server";
import { i18nServer } from "~/i18n/i18next.server";
import { requireRole } from "~/modules/auth/guards.server";
import { localDate } from "~/modules/clock/format";
import { getShift, roster, rosterCsv } from "~/modules/shifts/shifts.server";
import { publicSettings } from "~/modules/settings/settings.server";
import { UUID, invariantResponse } from "~/utils/misc";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "coordinator", "admin");
  invariantResponse(UUID.test(params.id ?? ""), "Not found", { status: 404 });
  const lng = (await i18nServer.getLocale(request)) === "es" ? "es" : "en";
  const t = await translatorFor(lng);
  try {
    const [shift, people, { timeZone }] = await Promise.all([getShift(user.claims, params.id!), roster(user.claims, params.id!), publicSettings()]);
    const headers = ["name", "email", "phone", "languages", "training", "status", "waitlistPosition", "checkedIn", "checkedOut"].map((h) => t(`schedule.csv.${h}`));
    const slug = shift.zoneName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "shift";
    return new Response(`\ufeff${rosterCsv(people, headers)}`, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="roster-${slug}-${localDate(shift.startsAt, timeZone)}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (error) {
    if (error instanceof DomainError) throw new Response("Not found", { status: 404 });
    throw error;
  }
}
