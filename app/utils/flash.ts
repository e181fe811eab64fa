/**
 * An action's outcome told once on the page it redirects to: an i18n key with its values, set in
 * a signed cookie by `redirectWithFlash` (flash.server.ts), read and cleared by the root loader,
 * shown by <FlashNotice> in the app shell.
 */
export interface Flash {
  /** New for each flash, so the same message twice still moves focus again. */
  id: string;
  key: string;
  values?: Record<string, string | number>;
  tone: "ok" | "error";
}
