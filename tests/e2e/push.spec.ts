import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { DEMO, e2eSql, expectNoAxeViolations, expectNoHorizontalScroll, signInThroughUi, watchForThirdPartyRequests } from "./helpers";

// Push alerts on a phone. Chromium here cannot reach a real push service, so PushManager.subscribe
// is stubbed to return a subscription of the test's own; a push is delivered to the service worker
// with CDP's ServiceWorker.deliverPushMessage, in the shape the server sends (app/modules/push).
// Oscar (the demo observer) uses the app in Spanish.
test.describe.configure({ mode: "serial" });

/** A fake PushManager whose subscription survives reloads (localStorage), with well-formed keys. */
function stubPushManager() {
  const KEY = "testigo:e2e-push";
  const bytes = (length: number, first: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = (i * 37 + 11) & 0xff;
    out[0] = first;
    return out.buffer;
  };
  const make = (stored: { endpoint: string; key: string }) => ({
    endpoint: stored.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: Uint8Array.from(atob(stored.key.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer },
    getKey: (name: string) => (name === "p256dh" ? bytes(65, 4) : bytes(16, 7)),
    unsubscribe: async () => {
      localStorage.removeItem(KEY);
      return true;
    },
  });
  const read = () => {
    const raw = localStorage.getItem(KEY);
    return raw ? make(JSON.parse(raw) as { endpoint: string; key: string }) : null;
  };
  PushManager.prototype.getSubscription = async function () {
    return read() as unknown as PushSubscription;
  };
  PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
    const key = options?.applicationServerKey as Uint8Array;
    const b64u = btoa(String.fromCharCode(...new Uint8Array(key))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    localStorage.setItem(KEY, JSON.stringify({ endpoint: `https://push.example.test/send/${crypto.randomUUID()}`, key: b64u }));
    return read() as unknown as PushSubscription;
  };
}

async function phone(context: BrowserContext): Promise<Page> {
  await context.grantPermissions(["notifications"]);
  await context.addInitScript(stubPushManager);
  return context.newPage();
}

const subscriptionsOf = (email: string) =>
  e2eSql<{ n: string }>(`select count(*)::text as n from public.push_subscriptions s join public.profiles p on p.id = s.person_id where p.email = $1`, [email]).then(
    (rows) => Number(rows[0]!.n),
  );

test("Turn on alerts on a phone; a dispatch push shows a notification whose “On my way” answers the dispatch; Turn off and sign-out remove the device", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await phone(context);
  const foreign = watchForThirdPartyRequests(page);
  await signInThroughUi(page, DEMO.observer);
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const section = page.getByRole("region", { name: "Alertas en este dispositivo" });
  await expect(section).toContainText("Las alertas solo piden abrir Testigo");
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  const before = await subscriptionsOf(DEMO.observer);

  await section.getByRole("button", { name: "Activar alertas" }).click();
  await expect(section.getByText("Las alertas están activadas en este dispositivo.")).toBeVisible();
  expect(await subscriptionsOf(DEMO.observer)).toBe(before + 1);
  await expectNoAxeViolations(page);
  // The profile knows this device is on too.
  await page.goto("/profile");
  await expect(page.getByRole("region", { name: "Alertas en este dispositivo" }).getByText("Las alertas están activadas en este dispositivo.")).toBeVisible();

  // A dispatch to this observer, and its push as the server would send it.
  const [dispatch] = await e2eSql<{ id: string }>(
    `with d as (
       insert into public.dispatches (created_by, source, point, zone_id, zone_ids)
       select c.id, 'point', '{"type": "Point", "coordinates": [-87.7077, 41.9216]}', z.id, array[z.id]
       from public.profiles c, public.zones z where c.email = $2 and z.name = 'Logan Square'
       returning id, zone_id)
     insert into public.dispatch_recipients (dispatch_id, observer_id, zone_id)
     select d.id, p.id, d.zone_id from d, public.profiles p where p.email = $1
     returning dispatch_id as id`,
    [DEMO.observer, DEMO.coordinator],
  );
  const id = dispatch!.id;
  const payload = {
    title: "Un coordinador te pide que vayas",
    body: "Abre Testigo para ver adónde ir.",
    tag: `dispatch:${id}:e2e`,
    url: `/dispatch/${id}`,
    answer: { url: `/dispatch/${id}/answer`, onMyWay: "Voy en camino", cant: "No puedo" },
    urgent: true,
  };

  const cdp = await context.newCDPSession(page);
  // Our registration, once its worker is activated: a push delivered to a worker still
  // installing may be dropped (one CI run showed no notification at all, cause not seen).
  const registrationId = new Promise<string>((resolve) => {
    let ours: string | undefined;
    const activated = new Set<string>();
    const settle = () => {
      if (ours && activated.has(ours)) resolve(ours);
    };
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      ours = registrations.find((r) => r.scopeURL === `${new URL(baseURL!).origin}/` && !r.isDeleted)?.registrationId ?? ours;
      settle();
    });
    cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
      for (const v of versions) if (v.status === "activated") activated.add(v.registrationId);
      settle();
    });
  });
  await cdp.send("ServiceWorker.enable");
  const deliver = async () =>
    cdp.send("ServiceWorker.deliverPushMessage", { origin: new URL(baseURL!).origin, registrationId: await registrationId, data: JSON.stringify(payload) });

  // The service worker showed it: title, body, one per event (tag), and the two answers.
  const shown = () =>
    page.evaluate(async (tag) => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications({ tag })).map((n) => ({
        title: n.title,
        body: n.body,
        tag: n.tag,
        actions: (n as Notification & { actions?: Array<{ action: string; title: string }> }).actions?.map((a) => a.title) ?? [],
      }));
    }, payload.tag);
  // CDP hands the push to the worker once and forgets it; in 2 of about 20 CI runs nothing was shown,
  // with no error from CDP or the worker. A push service keeps a message until the worker takes it,
  // so the test delivers again (at most twice) when nothing shows within 5 s. The tag makes a repeat
  // replace the notification, so "exactly one" below still holds.
  for (let attempt = 1; ; attempt++) {
    await deliver();
    try {
      await expect.poll(shown, { timeout: 5_000 }).toEqual([{ title: payload.title, body: payload.body, tag: payload.tag, actions: ["Voy en camino", "No puedo"] }]);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
      console.log(`push.spec: no notification 5 s after delivery ${attempt}; delivering again`);
    }
  }

  // Tapping "On my way": the worker's notificationclick posts the answer, same origin, with the cookie.
  const worker = context.serviceWorkers().find((w) => w.url().endsWith("/sw.js")) ?? (await context.waitForEvent("serviceworker"));
  await worker.evaluate(async (tag) => {
    // The worker's own globals (no DOM types for them here).
    const scope = self as unknown as { registration: ServiceWorkerRegistration; NotificationEvent: new (type: string, init: object) => Event };
    const [notification] = await scope.registration.getNotifications({ tag });
    self.dispatchEvent(new scope.NotificationEvent("notificationclick", { notification, action: "on_my_way" }));
  }, payload.tag);
  await expect
    .poll(async () => (await e2eSql<{ response: string | null }>(`select response from public.dispatch_recipients where dispatch_id = $1`, [id]))[0]?.response)
    .toBe("on_my_way");
  await page.goto(`/dispatch/${id}`);
  await expect(page.getByRole("region", { name: "Tu respuesta" })).toContainText("Dijiste que vas en camino");

  // Turn off: the device is gone from the server.
  await page.goto("/");
  const again = page.getByRole("region", { name: "Alertas en este dispositivo" });
  await again.getByRole("button", { name: "Desactivar alertas" }).click();
  await expect(again.getByText("Las alertas están desactivadas en este dispositivo. Recibes correos en su lugar.")).toBeVisible();
  expect(await subscriptionsOf(DEMO.observer)).toBe(before);

  // On again, then signing out removes it server-side.
  await again.getByRole("button", { name: "Activar alertas" }).click();
  await expect(again.getByText("Las alertas están activadas en este dispositivo.")).toBeVisible();
  expect(await subscriptionsOf(DEMO.observer)).toBe(before + 1);
  // At phone width, Sign out is in the menu.
  await page.getByText("Menú", { exact: true }).click();
  await page.getByRole("button", { name: "Cerrar sesión" }).click();
  await expect(page).toHaveURL(/\/login/);
  expect(await subscriptionsOf(DEMO.observer)).toBe(before);
  expect(foreign).toEqual([]);
  await context.close();
});
