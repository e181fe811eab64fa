/**
 * Erases what Testigo keeps on this phone (issue 18, item 6): every IndexedDB database (drafts,
 * outbox, used ids, anything else of this origin), Cache Storage (the kept report form, assets,
 * the offline page), localStorage and sessionStorage, and the service worker. Browser only.
 *
 * The sign-out and exit responses ask the same of the browser (Clear-Site-Data); this runs first,
 * for browsers that ignore that header, and for the other tabs' sake. Loaded once a page is up (a page's first JavaScript has a budget),
 * so it is on the phone before "Quick exit" is tapped, offline too.
 */

import type { WipeMessage } from "./channel";

/** Tells the phone's tabs (this one too, ~/modules/reports/on-device) to stop keeping drafts and leave. */
export function announceWipe(message: WipeMessage) {
  // Marks this tab as the one wiping: it hears its own message too, and must not leave because of it.
  document.documentElement.dataset.wiping = message.kind;
  if (typeof BroadcastChannel !== "function") return;
  const channel = new BroadcastChannel("testigo-wipe");
  channel.postMessage(message);
  channel.close();
}

const settle = <T>(work: Promise<T>, ms: number) => Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, ms))]);

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/**
 * Empties every object store, then asks for the database to be deleted. Emptying comes first:
 * a deletion waits while any tab (this one too, through idb-keyval) holds the database open, and
 * the page may be gone before that; emptied stores hold nothing meanwhile.
 */
async function wipeIndexedDb() {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return;
  for (const { name } of await indexedDB.databases()) {
    if (!name) continue;
    const open = indexedDB.open(name);
    // Never create one that was just deleted elsewhere.
    open.onupgradeneeded = () => open.transaction?.abort();
    const db = await request(open).catch(() => null);
    if (db) {
      const stores = Array.from(db.objectStoreNames);
      if (stores.length) {
        const tx = db.transaction(stores, "readwrite");
        for (const store of stores) tx.objectStore(store).clear();
        await new Promise<void>((resolve) => {
          tx.oncomplete = tx.onerror = tx.onabort = () => resolve();
        });
      }
      db.close();
    }
    void request(indexedDB.deleteDatabase(name)).catch(() => undefined);
  }
}

/**
 * Reports in the outbox the server does not have yet, any account's (asked before signing out),
 * read without the outbox's own code (~/modules/reports/on-device), which this page may not have.
 */
export async function countUnsent(): Promise<number> {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return 0;
  if (!(await indexedDB.databases()).some((d) => d.name === "testigo-outbox")) return 0;
  const db = await request(indexedDB.open("testigo-outbox"));
  try {
    if (!db.objectStoreNames.contains("outbox")) return 0;
    const items = await request(db.transaction("outbox").objectStore("outbox").getAll());
    return items.filter((i: { state?: string }) => i?.state !== "sent").length;
  } finally {
    db.close();
  }
}

async function wipeCaches() {
  if (typeof caches === "undefined") return;
  await Promise.all((await caches.keys()).map((key) => caches.delete(key)));
}

async function wipeServiceWorkers() {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  await Promise.all((await navigator.serviceWorker.getRegistrations()).map((r) => r.unregister()));
}

function wipeWebStorage() {
  for (const storage of ["localStorage", "sessionStorage"] as const) {
    try {
      window[storage].clear();
    } catch {
      // Storage blocked: there is nothing in it either.
    }
  }
}

/** Wipes everything it can within `ms` (a person leaving in a hurry does not wait longer). */
export async function wipeDevice(ms = 1500): Promise<void> {
  wipeWebStorage();
  await settle(Promise.all([wipeIndexedDb(), wipeCaches(), wipeServiceWorkers()]), ms);
  // A tab still open may have written meanwhile (it was told to stop): once more, quickly.
  wipeWebStorage();
}
