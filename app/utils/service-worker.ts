/**
 * Testigo's service worker (public/sw.js): the report form and an offline page without signal, and
 * what lets a phone install the app. Registered for everyone signed in, once per page load.
 *
 * Also under `npm run dev`, so development works like production (issue 18): the worker keeps
 * only the form's page, /assets/ and the offline page, never Vite's modules or its HMR, so
 * nothing of the dev server is served stale; its `?dev` mode waits longer for the network (a
 * first compile is slow). Offline, a kept form's page has no Vite modules to run: offline mode
 * needs the production build (README, "Offline").
 */
let registration: Promise<ServiceWorkerRegistration | null> | undefined;

export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (registration) return registration;
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return Promise.resolve(null);
  registration = navigator.serviceWorker
    .register(import.meta.env.DEV ? "/sw.js?dev" : "/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .catch(() => null);
  return registration;
}

/**
 * The offline page is static: it reads the language the app was last used in, and the
 * organisation's hotline number (the same for everyone, nothing personal), from here.
 */
export function rememberForOfflinePage(values: { language: string; hotline: string }) {
  try {
    for (const [key, value] of Object.entries(values)) {
      if (localStorage.getItem(`testigo:${key}`) !== value) localStorage.setItem(`testigo:${key}`, value);
    }
  } catch {
    // Storage blocked (private mode): the offline page falls back to the browser's languages, without a number.
  }
}
