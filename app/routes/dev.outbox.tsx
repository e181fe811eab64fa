import type { RouteHandle } from "~/root";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { readOutbox } from "~/integrations/mail.server";
import { env, isProduction } from "~/utils/env.server";

/** Codes are readable here, so only in development and only on a server bound to this machine. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

export function loader() {
  if (isProduction() || !LOOPBACK.has(env().HOST)) throw new Response("Not found", { status: 404 });
  return { messages: readOutbox().slice(0, 50) };
}

export default function Outbox() {
  const { t, i18n } = useTranslation();
  const { messages } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>{t("outbox.title")}</h1>
      {messages.length === 0 ? <p>{t("outbox.empty")}</p> : null}
      {messages.map((m) => (
        <article key={m.id} className="card" aria-label={m.subject}>
          <h2>{m.subject}</h2>
          <p>
            {t("outbox.to")}: {m.to} · {t("outbox.sent")}:{" "}
            {new Date(m.sentAt).toLocaleString(i18n.language, { dateStyle: "short", timeStyle: "medium" })}
          </p>
          <pre>{m.text}</pre>
        </article>
      ))}
    </div>
  );
}

export const handle: RouteHandle = { titleKey: "outbox.title" };
