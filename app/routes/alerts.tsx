import type { LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AlertCard } from "~/components/alert-card";
import { KnowYourRights } from "~/components/know-your-rights";
import { describeAlert } from "~/modules/alerts/alerts";
import { visibleAlerts } from "~/modules/alerts/alerts.server";
import type { RootLoader, RouteHandle } from "~/root";
import { publicCacheHeaders } from "~/utils/public-page.server";

// Public: no sign-in, no session, no cookie, no script; kept by caches a minute (ADR 026).
export const handle: RouteHandle = { titleKey: "alerts.pageTitle" };

export async function loader({ request }: LoaderFunctionArgs) {
  return data({ alerts: await visibleAlerts() }, { headers: publicCacheHeaders(request) });
}

export default function AlertsPage() {
  const { alerts } = useLoaderData<typeof loader>();
  const root = useRouteLoaderData<RootLoader>("root");
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const timeZone = root?.settings.timeZone ?? "America/Chicago";
  const hotline = root?.settings.hotlineNumber ?? "";
  return (
    <div className="stack">
      {/* The language is in the address: a link, not the form that sets a cookie. */}
      <nav className="language-switch public" aria-label={t("app.language")}>
        <a href="/alerts?lang=en" lang="en" hrefLang="en" aria-current={language === "en" ? "true" : undefined}>
          English
        </a>
        <a href="/alerts?lang=es" lang="es" hrefLang="es" aria-current={language === "es" ? "true" : undefined}>
          Español
        </a>
      </nav>
      <h1>{t("alerts.pageTitle")}</h1>
      <p>{t("alerts.intro")}</p>
      {hotline ? (
        <section className="card" aria-labelledby="hotline-title">
          <h2 id="hotline-title">{t("alerts.hotlineTitle")}</h2>
          <p>{t("alerts.hotlineBody")}</p>
          <p>
            <a className="button primary" href={`tel:${hotline.replace(/[^\d+]/g, "")}`}>
              {t("alerts.callHotline", { number: hotline })}
            </a>
          </p>
        </section>
      ) : null}
      <section aria-labelledby="alerts-list-title">
        <h2 id="alerts-list-title">{t("alerts.listTitle")}</h2>
        {alerts.length === 0 ? (
          <p>{t("alerts.none")}</p>
        ) : (
          <ul className="alert-list">
            {alerts.map((alert) => (
              <li key={alert.id} id={`alert-${alert.id}`}>
                <AlertCard id={alert.id} kind={alert.kind} text={alert.publicText} words={describeAlert(alert, t, timeZone, language)} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <KnowYourRights />
      <p>
        <a href={`/alerts.json?lang=${language}`} type="application/feed+json">
          {t("alerts.feedLink")}
        </a>
      </p>
    </div>
  );
}
