import type { AppLoadContext } from "@remix-run/node";
import { getUser, requestContext } from "~/modules/auth/guards.server";
import { signOut } from "~/modules/auth/sign-in.server";
import { deleteSessionSubscriptions } from "~/modules/push/subscriptions.server";

/**
 * What signing out and "Quick exit" ask of the browser: forget this site's cache and storage
 * (IndexedDB drafts and outbox, Cache Storage with the kept form, localStorage, sessionStorage,
 * and the service worker itself). Only the response can ask it: after a full-page POST no page
 * code of ours runs again. Cookies are not listed: the session cookie is cleared by the sign-out
 * itself, and the language cookie says nothing a phone's settings do not.
 */
export const CLEAR_SITE_DATA = '"cache", "storage"';

/**
 * Ends this sign-in: the push subscriptions made under it go (a phone handed on, or signed out
 * after a seizure, gets no more alerts), then the session itself. Answers with the sign-out's
 * redirect to /login, its cookies cleared and the site's data with them.
 */
export async function endSession(request: Request, context: AppLoadContext): Promise<Response> {
  const user = await getUser(request, context);
  const sessionKey = requestContext(context).sessionKey();
  if (user && sessionKey) await deleteSessionSubscriptions(user.claims, sessionKey);
  try {
    await signOut(request);
    throw new Error("signOut must answer with a redirect");
  } catch (answer) {
    if (!(answer instanceof Response)) throw answer;
    answer.headers.set("Clear-Site-Data", CLEAR_SITE_DATA);
    answer.headers.set("Cache-Control", "no-store");
    return answer;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page "Quick exit" lands on without JavaScript: it says nothing of Testigo and moves on at
 * once to the neutral address. A meta refresh, not a redirect: our CSP's `form-action 'self'`
 * blocks a form POST that is redirected to another site. The browser only navigates there; this
 * server never fetches it.
 */
export function exitPage(neutralUrl: string, setCookies: string[]): Response {
  const url = new URL(neutralUrl);
  // Single-quoted in the refresh, so a quote in the address cannot end it early.
  const target = url.href.replace(/'/g, "%27");
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url='${escapeHtml(target)}'"><title>${escapeHtml(url.hostname)}</title></head>
<body><p><a href="${escapeHtml(target)}" rel="noreferrer">${escapeHtml(url.hostname)}</a></p></body></html>`;
  const headers = new Headers({
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Clear-Site-Data": CLEAR_SITE_DATA,
    "Referrer-Policy": "no-referrer",
    // Nothing runs and nothing loads here; the refresh and the link are all there is.
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
  for (const cookie of setCookies) headers.append("Set-Cookie", cookie);
  return new Response(html, { status: 200, headers });
}
