import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { i18nServer, translatorFor } from "~/i18n/i18next.server";
import { requireRole } from "~/modules/auth/guards.server";
import { declarationResponse, exportDeclaration } from "~/modules/review/exports/declaration.server";
import { UUID } from "~/utils/misc";

// The declaration of one report as PDF, for attorneys; every download is in the audit log.
// `?declarant=es` makes the declaration in Spanish followed by its English translation.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  const lng = (await i18nServer.getLocale(request)) === "es" ? "es" : "en";
  const t = await translatorFor(lng);
  const notFound = () => new Response(t("errors.notFound"), { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  if (!UUID.test(params.id ?? "")) throw notFound();
  try {
    const declarant = new URL(request.url).searchParams.get("declarant");
    const pdf = await exportDeclaration(user, params.id!.toLowerCase(), lng, declarant === "es" || declarant === "en" ? declarant : lng);
    if (!pdf) throw notFound();
    return declarationResponse(pdf);
  } catch (error) {
    if (error instanceof DomainError) {
      throw new Response(t(error.messageKey), { status: error.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    }
    throw error;
  }
}
