import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endSession, exitPage } from "~/modules/wipe/sign-out.server";
import { publicSettings } from "~/modules/settings/settings.server";

export const loader = () => redirect("/");

/**
 * "Quick exit" (~/components/quick-exit): ends the session, asks the browser to forget this
 * site's data, and leaves for the organisation's neutral address. With JavaScript the page wipes
 * the phone itself, posts here (keepalive) and leaves on its own; without, the form posts here and
 * this page moves on.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const [ended, { quickExitUrl }] = await Promise.all([endSession(request, context), publicSettings()]);
  const cookies = typeof ended.headers.getSetCookie === "function" ? ended.headers.getSetCookie() : [];
  return exitPage(quickExitUrl, cookies);
}
