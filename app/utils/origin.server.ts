/**
 * Where a request comes from, as the browser says (security review, finding 8). A cross-site page
 * can make a browser send a form post or a fetch with the person's cookies; only GET and HEAD may
 * come from anywhere. Browsers send `Sec-Fetch-Site` to secure origins (HTTPS, localhost) and
 * `Origin` on every POST; a request with neither did not come from a browser on another site
 * (curl, a script, the service worker's own replays carry `same-origin`).
 */
export interface RequestOriginHeaders {
  method: string;
  secFetchSite?: string | null;
  origin?: string | null;
  /** The Host the request came to (X-Forwarded-Host when the proxy is trusted). */
  host?: string | null;
  /** APP_URL's origin, when it is set: the address people use behind a proxy. */
  appOrigin?: string | null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** True when a request that may change something comes from another site: answer 403. */
export function isCrossSiteWrite(request: RequestOriginHeaders): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return false;
  const site = request.secFetchSite?.toLowerCase();
  if (site) return site !== "same-origin" && site !== "none";
  if (request.origin === undefined || request.origin === null || request.origin === "") return false;
  return !isOwnOrigin(request.origin, request);
}

function isOwnOrigin(origin: string, request: RequestOriginHeaders): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // "null" (a sandboxed or privacy-sensitive context) and anything unparsable
  }
  if (request.appOrigin && url.origin === request.appOrigin) return true;
  return Boolean(request.host) && url.host.toLowerCase() === request.host!.toLowerCase();
}

/**
 * How a page was opened: `true` for a navigation from this site or typed / bookmarked
 * (`same-origin`, `none`) or from a browser that does not say; `false` when another site sent the
 * person here (a link in an email, or a page that opens it on its own).
 */
export function isOwnNavigation(secFetchSite: string | null | undefined): boolean {
  const site = secFetchSite?.toLowerCase();
  return !site || site === "same-origin" || site === "none";
}
