/** Throws a Response a person's own input can cause, rendered by the one error boundary. */
export function invariantResponse(condition: unknown, message: string, init?: ResponseInit): asserts condition {
  if (!condition) {
    throw new Response(message, { status: 400, ...init, headers: { "Content-Type": "text/plain; charset=utf-8", ...init?.headers } });
  }
}

/** Only same-site paths are followed after sign-in, so a link cannot send someone elsewhere. */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/") {
  if (typeof to !== "string" || !to.startsWith("/")) return fallback;
  // Resolve as a browser would (it drops tabs and newlines, reads "\\" as "/", removes "." and
  // ".." segments, decodes "%2e") and keep it only if it stays on this origin.
  const base = "http://testigo.invalid";
  let url: URL;
  try {
    url = new URL(to, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/.//evil.example" resolves to the path "//evil.example": sent back as a Location, that is
  // another host. A path that starts with two slashes (or a slash and a backslash) never leaves.
  if (/^\/[\\/]/.test(path)) return fallback;
  return path;
}

/** A UUID in a URL or form: anything else is a 404 or 400 before any query runs. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A SHA-256 in lowercase hex (session token hashes, file-store keys). */
export const HEX_64 = /^[0-9a-f]{64}$/;
