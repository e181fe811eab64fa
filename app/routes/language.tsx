import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { isLanguage } from "~/i18n/config";
import { languageCookie } from "~/i18n/i18next.server";
import { getUser } from "~/modules/auth/guards.server";
import { rememberLanguage } from "~/modules/people/profile.server";
import { readForm } from "~/utils/form.server";
import { invariantResponse, safeRedirect } from "~/utils/misc";

export const loader = () => redirect("/");

/** Remembers the choice in a cookie and, for a signed-in person, in their profile. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await readForm(request, 16 * 1024);
  const lng = form.get("lng");
  invariantResponse(isLanguage(lng), "Unsupported language");
  const user = await getUser(request, context);
  if (user) await rememberLanguage(user.claims, lng);
  throw redirect(safeRedirect(form.get("redirectTo")), {
    headers: { "Set-Cookie": await languageCookie.serialize(lng) },
  });
}
