import { RemixI18Next } from "remix-i18next/server";
import { fallbackLanguage, isLanguage, supportedLanguages, type Language } from "~/i18n/config";

/**
 * Pages anyone may read without signing in (docs/decisions/026-community-alerts.md): they take no
 * input but a language, read no session and set no cookie, so a browser or a shared cache may keep
 * them for a minute. Every other page stays `private, no-store` (app/entry.server.tsx).
 */
const PUBLIC_PATHS = new Set(["/alerts", "/alerts.json"]);

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.has(pathname.replace(/\/+$/, "") || "/");
}

/** A minute: an unpublished alert is gone from every cache a minute later. */
export const PUBLIC_CACHE_CONTROL = "public, max-age=60";

// The browser's languages only: a remembered cookie would make the page differ by cookie.
const byHeader = new RemixI18Next({
  detection: { supportedLanguages: [...supportedLanguages], fallbackLanguage, order: ["header"] },
});

/** `?lang=` when it names a language we have (anything else is ignored); otherwise Accept-Language. */
export async function publicLanguage(request: Request): Promise<{ language: Language; byQuery: boolean }> {
  const asked = new URL(request.url).searchParams.get("lang");
  if (isLanguage(asked)) return { language: asked, byQuery: true };
  const found = await byHeader.getLocale(request);
  return { language: isLanguage(found) ? found : fallbackLanguage, byQuery: false };
}

/** The caching headers of a public page or feed: shared for a minute, by language. */
export function publicCacheHeaders(request: Request): Headers {
  const headers = new Headers({ "Cache-Control": PUBLIC_CACHE_CONTROL });
  if (!isLanguage(new URL(request.url).searchParams.get("lang"))) headers.set("Vary", "Accept-Language");
  return headers;
}
