import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

// "Turn on alerts" for this device (Web Push, docs/decisions/021-push-alerts.md). Needs JavaScript
// and the app's service worker; without them the section says alerts cannot work here and email stays.

/**
 * The service worker the root registers for everyone signed in (app/utils/service-worker.ts), once
 * it is active; null when there is none (a development build) after a few seconds. Not imported
 * from there: that would split it into a chunk of its own on every page (budgets).
 */
function activeWorker(): Promise<ServiceWorkerRegistration | null> {
  return Promise.race([navigator.serviceWorker.ready, new Promise<null>((resolve) => setTimeout(() => resolve(null), 4000))]);
}

type Status = "checking" | "unsupported" | "unavailable" | "denied" | "off" | "on" | "working" | "failed";

async function hashOf(endpoint: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32);
}

const b64u = (buffer: ArrayBuffer | null) =>
  buffer ? btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : "";

function keyBytes(base64url: string) {
  const binary = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function post(fields: Record<string, string>) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  const response = await fetch("/push/subscription", { method: "POST", body, credentials: "same-origin" });
  if (!response.ok) throw new Error(`push subscription ${response.status}`);
}

export function PushAlerts({ publicKey, devices }: { publicKey: string | null; devices: string[] }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<Status>("checking");

  useEffect(() => {
    let cancelled = false;
    const settle = (next: Status) => !cancelled && setStatus(next);
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return void settle("unsupported");
    if (!publicKey) return void settle("unavailable");
    if (Notification.permission === "denied") return void settle("denied");
    void activeWorker().then(async (registration) => {
      if (!registration) return settle("unsupported");
      const subscription = await registration.pushManager.getSubscription();
      settle(subscription && devices.includes(await hashOf(subscription.endpoint)) ? "on" : "off");
    });
    return () => {
      cancelled = true;
    };
  }, [publicKey, devices]);

  async function turnOn() {
    if (!publicKey) return;
    setStatus("working");
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") return setStatus(permission === "denied" ? "denied" : "off");
      const registration = await activeWorker();
      if (!registration) return setStatus("unsupported");
      const existing = await registration.pushManager.getSubscription();
      // A subscription made with another server key (keys replaced) cannot be reused.
      const sameKey = existing && b64u(existing.options.applicationServerKey) === publicKey;
      if (existing && !sameKey) await existing.unsubscribe();
      const subscription =
        (sameKey ? existing : null) ??
        (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
      await post({
        intent: "subscribe",
        endpoint: subscription.endpoint,
        p256dh: b64u(subscription.getKey("p256dh")),
        auth: b64u(subscription.getKey("auth")),
      });
      setStatus("on");
    } catch {
      setStatus("failed");
    }
  }

  async function turnOff() {
    setStatus("working");
    try {
      const registration = await activeWorker();
      const subscription = await registration?.pushManager.getSubscription();
      if (subscription) {
        await post({ intent: "unsubscribe", endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      setStatus("off");
    } catch {
      setStatus("failed");
    }
  }

  const message: Partial<Record<Status, string>> = {
    unsupported: t("push.unsupported"),
    unavailable: t("push.unavailable"),
    denied: t("push.denied"),
    on: t("push.on"),
    off: t("push.off"),
    failed: t("push.failed"),
  };

  return (
    <section className="card stack" aria-labelledby="push-alerts-title">
      <h2 id="push-alerts-title">{t("push.title")}</h2>
      <p>{t("push.intro")}</p>
      {message[status] ? (
        // A live region, not role="status": the page's own outcome (profile saved) stays its one status.
        <p aria-live="polite" className={status === "failed" || status === "denied" ? "notice error" : undefined}>
          {message[status]}
        </p>
      ) : null}
      {status === "on" ? (
        <button type="button" onClick={() => void turnOff()}>
          {t("push.turnOff")}
        </button>
      ) : status === "off" || status === "failed" || status === "working" ? (
        <button type="button" className="primary" disabled={status === "working"} onClick={() => void turnOn()}>
          {status === "working" ? t("push.working") : t("push.turnOn")}
        </button>
      ) : null}
    </section>
  );
}
