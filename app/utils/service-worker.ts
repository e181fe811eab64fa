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

/** The offline page is static: it reads the language the app was last used in from here. */
/** The organisation's hotline for the offline page (public/offline.js): not personal, the same for everyone. */
export function rememberHotline(number: string) {
  try {
    if (!number) localStorage.removeItem("testigo:hotline");
    else if (localStorage.getItem("testigo:hotline") !== number) localStorage.setItem("testigo:hotline", number);
  } catch {
    // Storage blocked: the offline page shows no number.
  }
}

export function rememberLanguage(language: string) {
  try {
    if (localStorage.getItem("testigo:language") !== language) localStorage.setItem("testigo:language", language);
  } catch {
    // Storage blocked (private mode): the offline page falls back to the browser's languages.
  }
}
