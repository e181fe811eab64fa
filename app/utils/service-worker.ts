/**
 * Testigo's service worker (public/sw.js): the report form and an offline page without signal, and
 * what lets a phone install the app. Registered for everyone signed in, once per page load.
 *
 * Only in production builds (Vite's dev server and its HMR must never be cached), unless a
 * developer opts in with localStorage "testigo:service-worker" = "on".
 */
let registration: Promise<ServiceWorkerRegistration | null> | undefined;

export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (registration) return registration;
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return Promise.resolve(null);
  let optedIn = false;
  try {
    optedIn = localStorage.getItem("testigo:service-worker") === "on";
  } catch {
    optedIn = false;
  }
  if (!import.meta.env.PROD && !optedIn) return Promise.resolve(null);
  registration = navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
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
