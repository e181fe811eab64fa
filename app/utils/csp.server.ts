/**
 * The one Content-Security-Policy: nonce'd scripts only, and images from this origin only: map
 * tiles come through /tiles (app/modules/maps/tiles.server.ts), so no page asks a third party.
 */
export function contentSecurityPolicy(options: { nonce: string; production: boolean; hmrPort?: number; scripts?: boolean }) {
  const connect = options.hmrPort ? `'self' ws://localhost:${options.hmrPort}` : "'self'";
  return [
    "default-src 'self'",
    // A public page (kept by caches, so its nonce would repeat) runs no script at all.
    options.scripts === false ? "script-src 'none'" : `script-src 'self' 'nonce-${options.nonce}'`,
    // Leaflet positions tiles with inline styles; no inline script is ever allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
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
