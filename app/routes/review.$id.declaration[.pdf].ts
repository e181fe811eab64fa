import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { i18nServer, translatorFor } from "~/i18n/i18next.server";
import { requireRole } from "~/modules/auth/guards.server";
import { exportDeclaration } from "~/modules/review/exports/declaration.server";
import { UUID } from "~/utils/misc";

// The declaration of one report as PDF, for attorneys; every download is in the audit log.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  const lng = (await i18nServer.getLocale(request)) === "es" ? "es" : "en";
  const t = await translatorFor(lng);
  const notFound = () => new Response(t("errors.notFound"), { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  if (!UUID.test(params.id ?? "")) throw notFound();
  try {
    const pdf = await exportDeclaration(user, params.id!.toLowerCase(), t, lng);
    if (!pdf) throw notFound();
    return new Response(pdf.bytes, {
      headers: {
        "Content-Type": "application/pdf",
        "Content-Length": String(pdf.bytes.byteLength),
        "Content-Disposition": `attachment; filename="${pdf.filename}"`,
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
