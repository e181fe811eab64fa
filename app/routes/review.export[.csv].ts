import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { i18nServer, translatorFor } from "~/i18n/i18next.server";
import { requireRole } from "~/modules/auth/guards.server";
import { CSV_COLUMNS, exportQueueCsv } from "~/modules/review/exports/csv.server";
import { parseQueueFilters } from "~/modules/review/queue.server";

// The queue as CSV, with the same filters as /review (P0/P1 only); every export is in the audit log.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney", "admin");
  const lng = (await i18nServer.getLocale(request)) === "es" ? "es" : "en";
  const t = await translatorFor(lng);
  const filters = parseQueueFilters(new URL(request.url).searchParams);
  try {
    const csv = await exportQueueCsv(user.claims, filters, CSV_COLUMNS.map((c) => t(`evidence.csv.${c}`)));
    return new Response(csv.stream, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="testigo-reports-${csv.localDate}.csv"`,
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (error) {
    if (error instanceof DomainError) {
      throw new Response(t(error.messageKey), { status: error.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    }
    throw error;
  }
}
