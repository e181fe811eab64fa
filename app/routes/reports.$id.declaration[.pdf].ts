import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "~/db/errors.server";
import { i18nServer, translatorFor } from "~/i18n/i18next.server";
import { requireUser } from "~/modules/auth/guards.server";
import { clearDeclarantCookie, readDeclarantCookie } from "~/modules/review/exports/declarant-cookie.server";
import { declarationResponse, exportOwnDeclaration } from "~/modules/review/exports/declaration.server";
import { UUID } from "~/utils/misc";

// The declaration of the signed-in author's own report as PDF, to sign; every generation is in the
// audit log. The name, place and language come from the form (reports.$id.declaration.tsx) by a
// short-lived cookie; without it, the profile's name and the reader's language.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const user = await requireUser(request, context);
  const lng = (await i18nServer.getLocale(request)) === "es" ? "es" : "en";
  const t = await translatorFor(lng);
  const text = (body: string, status: number) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  if (!UUID.test(params.id ?? "")) throw text(t("errors.notFound"), 404);
  const id = params.id!.toLowerCase();
  const declarant = (await readDeclarantCookie(request, id)) ?? { name: user.displayName, place: null, language: lng };
  try {
    // Another's report, or none: the same 404, so existence is not told.
    const pdf = await exportOwnDeclaration(user, id, lng, declarant);
    if (!pdf) throw text(t("errors.notFound"), 404);
    return declarationResponse(pdf, { "Set-Cookie": await clearDeclarantCookie(id) });
  } catch (error) {
    if (error instanceof DomainError) throw text(t(error.messageKey), error.status === 403 ? 404 : error.status);
    throw error;
  }
}
