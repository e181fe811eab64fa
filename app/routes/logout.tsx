import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endSession } from "~/modules/wipe/sign-out.server";

export const loader = () => redirect("/");

/**
 * Signing out: alerts stop, the session ends, and the answer asks the browser to forget this
 * site's data on the phone (drafts, outbox, kept pages, the service worker). The page's own script
 * (~/components/sign-out-guard) asks about unsent reports and wipes first, for browsers that
 * ignore Clear-Site-Data; without JavaScript the form just posts.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  return endSession(request, context);
}
