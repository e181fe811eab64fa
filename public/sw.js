/*
 * Testigo's service worker: the report form opens without signal, and any other page that cannot
 * be reached says so. Only three things are kept: the form page itself (/reports/new, which shows
 * no one's data but the observer's own name), the hashed, immutable files under /assets/, and the
 * offline page (public/offline.html and offline.js: the same static text for everyone). No other
 * page is ever kept or answered from a copy, no POST is touched, nothing from another origin.
 * Queued reports are sent by the page (app/modules/reports/on-device.ts), not here.
 */
const VERSION = "5";
// Caches are named by what they hold, so a new worker clears only what changed: the kept form
// and assets survive an update (an observer offline right after one still has the form).
// Change offline.html or offline.js: bump VERSION. Change how the form or assets are kept: bump theirs.
const PAGE_CACHE = "testigo-form-1";
const ASSET_CACHE = "testigo-assets-1";
const SHELL_CACHE = `testigo-shell-${VERSION}`;
const FORM = "/reports/new";
const OFFLINE = "/offline.html";
const SHELL = [OFFLINE, "/offline.js"];
const MAX_ASSETS = 400;
/** Registered by `npm run dev` (app/utils/service-worker.ts): Vite's first compile of a page is slow. */
const DEV = new URL(self.location.href).searchParams.has("dev");
/** On one bar of signal the network may answer very late: after this, the kept copy is shown. */
const NETWORK_PATIENCE_MS = DEV ? 60000 : 6000;
/** A kept copy younger than this is not fetched again when a page asks for it. */
const FRESH_MS = 10 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      // Past the browser's HTTP cache: public files may be kept there for an hour.
      await cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload", credentials: "same-origin" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const current = [PAGE_CACHE, ASSET_CACHE, SHELL_CACHE];
      for (const key of await caches.keys()) {
        if (key.startsWith("testigo-") && !current.includes(key)) await caches.delete(key);
      }
      // Pages are asked for while the worker starts, not after: no wait on every navigation.
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === FORM) {
      event.respondWith(formPage(event));
      return;
    }
    // Signed out (or about to sign in as someone else): the copy with this person's name goes.
    if (url.pathname === "/login" || url.pathname.startsWith("/login/")) event.waitUntil(forgetForm());
    event.respondWith(page(event));
    return;
  }
  if (url.pathname.startsWith("/assets/")) event.respondWith(asset(request));
  else if (SHELL.includes(url.pathname)) event.respondWith(shellFile(request, url.pathname));
});

self.addEventListener("message", (event) => {
  const data = event.data;
  if (data && data.type === "keep-report-form") {
    const assets = Array.isArray(data.assets) ? data.assets.filter((a) => typeof a === "string" && a.startsWith("/assets/")) : [];
    event.waitUntil(keepForm(assets));
  }
});

// Push alerts (app/modules/push): the payload is a title, a body, a tag, the same-origin path to
// open and, for a dispatch, where its "On my way" / "Can't" post. No one's data is in it.
/** Only paths of this app, never a URL the payload could point elsewhere. */
const samePath = (value) => (typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : "/");

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const title = typeof message.title === "string" && message.title ? message.title : "Testigo";
  const answer = message.answer && typeof message.answer === "object" ? message.answer : null;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof message.body === "string" ? message.body : "",
      // One per event: a repeat of the same event (sent again after a crash) replaces this one.
      tag: typeof message.tag === "string" ? message.tag : undefined,
      renotify: false,
      requireInteraction: Boolean(message.urgent),
      icon: "/icons/icon-192.png",
      data: { url: samePath(message.url), answerUrl: answer ? samePath(answer.url) : null },
      // iOS shows no actions: a tap opens the dispatch page, where the same answers are.
      actions: answer
        ? [
            { action: "on_my_way", title: String(answer.onMyWay) },
            { action: "cant", title: String(answer.cant) },
          ]
        : [],
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  event.waitUntil(
    (async () => {
      if ((event.action === "on_my_way" || event.action === "cant") && data.answerUrl && data.answerUrl !== "/") {
        const body = new URLSearchParams({ response: event.action });
        try {
          // Same origin: the browser sends the person's cookie, as for any form on the page.
          const response = await fetch(data.answerUrl, { method: "POST", body, credentials: "same-origin" });
          if (response.ok) return;
        } catch {
          // No signal or signed out: open the page, where the answer can be given by hand.
        }
      }
      const url = new URL(data.url || "/", self.location.origin).href;
      const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const existing = open.find((client) => client.url === url);
      if (existing) return existing.focus();
      return self.clients.openWindow(url);
    })(),
  );
});

/** The network's answer, whatever it is; the offline page only when there is no answer at all. */
async function page(event) {
  try {
    return await fromNetwork(event);
  } catch {
    return (await offlinePage()) ?? Response.error();
  }
}

/** The answer asked for while the worker started (navigation preload), or a fetch of its own. */
async function fromNetwork(event) {
  const preloaded = await event.preloadResponse;
  return preloaded ?? (await fetch(event.request));
}

async function offlinePage() {
  const cache = await caches.open(SHELL_CACHE);
  return (await cache.match(OFFLINE)) ?? null;
}

/** The offline page's own files: the copy first (it is shown when there is no network). */
async function shellFile(request, path) {
  const cache = await caches.open(SHELL_CACHE);
  return (await cache.match(path)) ?? fetch(request);
}

/** Network first; the kept copy when the network fails or is too slow; the offline page when there is none. */
async function formPage(event) {
  let keeping = Promise.resolve();
  const network = fromNetwork(event).then((response) => {
    keeping = remember(response.clone());
    return response;
  });
  event.waitUntil(network.then(() => keeping).catch(() => undefined));
  let timer;
  const slow = new Promise((resolve) => {
    timer = setTimeout(resolve, NETWORK_PATIENCE_MS);
  });
  try {
    const first = await Promise.race([network, slow]);
    if (first) return first;
    const kept = await keptForm();
    return kept ?? (await network);
  } catch {
    const kept = await keptForm();
    return kept ?? (await offlinePage()) ?? Response.error();
  } finally {
    clearTimeout(timer);
  }
}

async function keptForm() {
  const cache = await caches.open(PAGE_CACHE);
  return (await cache.match(FORM)) ?? null;
}

/**
 * Counts the times the form was forgotten: a copy still on its way into the cache (its page
 * streams in after the person went on to sign out) must not outlive the forgetting.
 */
let forgettings = 0;

async function forgetForm() {
  forgettings += 1;
  await caches.delete(PAGE_CACHE);
}

/** Keeps the form when the answer really is the form; forgets it when the server sends elsewhere (signed out, not an observer). */
async function remember(response) {
  const generation = forgettings;
  const isForm =
    response.ok &&
    response.type === "basic" &&
    !response.redirected &&
    new URL(response.url).pathname === FORM &&
    (response.headers.get("Content-Type") || "").startsWith("text/html");
  if (!isForm) {
    if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) await forgetForm();
    return;
  }
  const html = await response.clone().text();
  if (generation !== forgettings) return;
  const cache = await caches.open(PAGE_CACHE);
  await cache.put(FORM, response);
  // Forgotten while it was being written: it goes again.
  if (generation !== forgettings) {
    await caches.delete(PAGE_CACHE);
    return;
  }
  await keepAssets([...new Set(html.match(/\/assets\/[\w.-]+/g) || [])]);
}

/** Asked by a page: keep these assets, and the form too when the kept copy is missing or old. */
async function keepForm(assets) {
  await keepAssets(assets);
  const kept = await keptForm();
  const keptAt = kept ? Date.parse(kept.headers.get("Date") || "") : NaN;
  if (kept && Date.now() - keptAt < FRESH_MS) return;
  try {
    await remember(await fetch(FORM, { credentials: "same-origin", cache: "no-store" }));
  } catch {
    // Offline: the next visit will try again.
  }
}

async function keepAssets(paths) {
  const cache = await caches.open(ASSET_CACHE);
  for (const path of paths) {
    if (await cache.match(path)) continue;
    try {
      const response = await fetch(path, { credentials: "same-origin" });
      if (response.ok && response.type === "basic") await cache.put(path, response);
    } catch {
      return;
    }
  }
  await trim(cache);
}

/** Hashed file names never change content: the cache answers first, the network fills it. */
async function asset(request) {
  const cache = await caches.open(ASSET_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    cache.put(request, copy).then(
      () => trim(cache),
      () => undefined,
    );
  }
  return response;
}

/** Old builds' files go first (keys come back in the order they were added). */
async function trim(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_ASSETS))) await cache.delete(key);
}
