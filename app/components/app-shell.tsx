import { Form, Link, NavLink, useLocation, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { QuickExit } from "~/components/quick-exit";
import { WipeGuard } from "~/components/wipe-guard";
import type { RootLoader } from "~/root";

export function AppShell({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const root = useRouteLoaderData<RootLoader>("root");
  const location = useLocation();
  const user = root?.user;
  const roles = user?.roles ?? [];
  const here = `${location.pathname}${location.search}`;
  const isAdmin = roles.includes("admin");
  const canManagePeople = isAdmin || roles.includes("coordinator");

  return (
    <>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="site-header">
        <div className="bar">
          <Link to="/" className="brand">
            {root?.settings.name ?? t("app.name")}
          </Link>
          <Form method="post" action="/language" className="language-switch" aria-label={t("app.language")}>
            <input type="hidden" name="redirectTo" value={here} />
            <button type="submit" name="lng" value="en" lang="en" aria-pressed={root?.locale === "en"}>
              English
            </button>
            <button type="submit" name="lng" value="es" lang="es" aria-pressed={root?.locale === "es"}>
              Español
            </button>
          </Form>
        </div>
        {user ? (
          <nav aria-label={t("app.mainNav")} className="main-nav">
            <ul>
              <li>
                <NavLink to="/" end>
                  {t("nav.home")}
                </NavLink>
              </li>
              {roles.includes("observer") ? (
                <>
                  <li>
                    <NavLink to="/shifts" end>
                      {t("nav.shifts")}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/my/shifts">{t("nav.myShifts")}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/reports" end>
                      {t("nav.reports")}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/reports/new" className="nav-report">
                      {t("nav.newReport")}
                    </NavLink>
                  </li>
                  <li><QuickExit /></li>
                </>
              ) : null}
              {canManagePeople ? (
                <>
                  <li>
                    <NavLink to="/coordinate/live">{t("live.nav")}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/coordinate/shifts">{t("nav.schedule")}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/coordinate/zones">{t("nav.zones")}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/coordinate/coverage">{t("nav.coverage")}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/coordinate/observers">{t("observers.nav")}</NavLink>
                  </li>
                  <li>
                    <NavLink to="/admin/people">{t("nav.people")}</NavLink>
                  </li>
                </>
              ) : null}
              {roles.includes("attorney") || isAdmin ? (
                <li>
                  <NavLink to="/review" end>
                    {t("nav.review")}
                  </NavLink>
                </li>
              ) : null}
              {roles.includes("attorney") ? (
                <li>
                  <NavLink to="/review/key">{t("nav.key")}</NavLink>
                </li>
              ) : null}
              {isAdmin ? (
                <li>
                  <NavLink to="/admin/settings">{t("nav.settings")}</NavLink>
                </li>
              ) : null}
              <li>
                <NavLink to="/profile">{t("nav.profile")}</NavLink>
              </li>
              <li className="push">
                {/* A full navigation, so the service worker sees /login and drops the cached report form. */}
                <Form method="post" action="/logout" reloadDocument>
                  <button type="submit" className="link-button">
                    {t("app.signOut")}
                  </button>
                </Form>
              </li>
            </ul>
          </nav>
        ) : null}
      </header>
      {user ? <WipeGuard /> : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">
        {/* Observers carry the know-your-rights card on every page; the home page shows it open. */}
        {roles.includes("observer") && location.pathname !== "/" ? (
          <details className="card kyr">
            <summary>{t("kyr.title")}</summary>
            <ol>
              {(t("kyr.items", { returnObjects: true }) as string[]).map((item) => (
                <li key={item}>{item}</li>
              ))}
            </ol>
          </details>
        ) : null}
        {root?.settings.hotlineNumber ? (
          <a href={`tel:${root.settings.hotlineNumber.replace(/[^\d+]/g, "")}`}>
            {t("app.callHotline", { number: root.settings.hotlineNumber })}
          </a>
        ) : null}
      </footer>
    </>
  );
}
