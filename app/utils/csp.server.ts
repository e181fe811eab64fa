/** The one Content-Security-Policy: nonce'd scripts only, and images from the configured tile host. */
export function contentSecurityPolicy(options: { nonce: string; production: boolean; tileUrl?: string; hmrPort?: number }) {
  let tileOrigin = "";
  if (options.tileUrl) {
    try {
      // "{s}" subdomains become a wildcard on the same registrable host.
      const url = new URL(options.tileUrl.replace("{s}", "tile-subdomain-placeholder"));
      const host = url.host.replace("tile-subdomain-placeholder", "*");
      // Only a plain host name may enter the header: anything else could add directives.
      tileOrigin = url.protocol === "https:" && /^[a-z0-9.*-]+(:\d+)?$/i.test(host) ? ` https://${host}` : "";
    } catch {
      tileOrigin = "";
    }
  }
  const connect = options.hmrPort ? `'self' ws://localhost:${options.hmrPort}` : "'self'";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}'`,
    // Leaflet positions tiles with inline styles; no inline script is ever allowed.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${tileOrigin}`,
    // Unsealed photos and videos are shown from blob: URLs made in the attorney's browser.
    "media-src 'self' blob:",
    `connect-src ${connect}`,
    // The service worker that keeps the report form available offline (public/sw.js).
    "worker-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.production ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}
