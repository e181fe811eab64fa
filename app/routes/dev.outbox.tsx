import type { RouteHandle } from "~/root";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { readOutbox } from "~/integrations/mail.server";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { env } from "~/utils/env.server";

/**
 * Sign-in codes are readable here: only in development and test mode, and only for a request
 * whose socket comes from this machine (server.ts's `loopbackPeer`). Where the server is bound
 * does not count: behind a reverse proxy on the same machine, a server bound to 127.0.0.1 serves
 * everyone, and the proxy's own requests are then loopback too — which is why production never
 * answers, whatever the address.
 */
export function loader({ context }: LoaderFunctionArgs) {
  const mode = env().NODE_ENV;
  if ((mode !== "development" && mode !== "test") || context?.loopbackPeer !== true) throw new Response("Not found", { status: 404 });
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
