import { Form, Link, NavLink, useLocation, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { RootLoader } from "~/root";
import { telHref } from "~/utils/misc";

/**
 * Every page's frame. On a phone the header is the brand and a menu button (a `<details>`, so it
 * opens without JavaScript) and an observer's two raid-night actions stay on screen in a bar at the
 * bottom; from 48rem the links, the language switch and Sign out sit in the header itself.
 */
export function AppShell({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const root = useRouteLoaderData<RootLoader>("root");
  const location = useLocation();
  const user = root?.user;
  const roles = user?.roles ?? [];
  const observer = roles.includes("observer");
  const hotline = root?.settings.hotlineNumber ?? "";
  const menu = useRef<HTMLDetailsElement>(null);
  // The shell stays across client-side navigations: a link followed from the menu closes it.
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [location.key]);

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
          {user ? (
            <>
              <nav aria-label={t("app.mainNav")} className="main-nav wide-only">
                <NavItems roles={roles} />
              </nav>
              {observer ? <ActionBar hotline={hotline} /> : null}
              <div className="header-tools wide-only">
                <LanguageSwitch />
                <SignOut />
              </div>
              <details
                className="menu narrow-only"
                ref={menu}
                onKeyDown={(event) => {
                  if (event.key !== "Escape" || !menu.current?.open) return;
                  menu.current.open = false;
                  menu.current.querySelector("summary")?.focus();
                }}
              >
                <summary className="menu-button">
                  <span aria-hidden="true" className="menu-icon" />
                  {t("phone.menu")}
                </summary>
                <div className="menu-panel">
                  <nav aria-label={t("app.mainNav")}>
                    <NavItems roles={roles} />
                  </nav>
                  <LanguageSwitch />
                  {/* Leaving: Sign out, and the "Quick exit" of issue 18 item 6 beside it. */}
                  <div className="menu-leave">
                    <SignOut />
                  </div>
                </div>
              </details>
            </>
          ) : (
            <LanguageSwitch />
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className={observer ? "site-footer with-action-bar" : "site-footer"}>
        {/* Observers carry the know-your-rights card on every page; the home page shows it open. */}
        {observer && location.pathname !== "/" ? (
          <details className="card kyr">
            <summary>{t("kyr.title")}</summary>
            <ol>
              {(t("kyr.items", { returnObjects: true }) as string[]).map((item) => (
                <li key={item}>{item}</li>
              ))}
            </ol>
          </details>
        ) : null}
        {/* An observer has the hotline in the bar that stays on screen. */}
        {hotline && !observer ? <a href={telHref(hotline)}>{t("app.callHotline", { number: hotline })}</a> : null}
      </footer>
    </>
  );
}

/** The two things an observer may need at once, wherever they are: on a phone, always on screen. */
function ActionBar({ hotline }: { hotline: string }) {
  const { t } = useTranslation();
  return (
    <nav className="action-bar" aria-label={t("phone.quickActions")}>
      <Link to="/reports/new" className="button primary">
        {t("nav.newReport")}
      </Link>
      {hotline ? (
        <a href={telHref(hotline)} className="button secondary">
          {t("phone.callHotline")}
        </a>
      ) : null}
    </nav>
  );
}

/** The header's links by role: inline from 48rem, in the menu below. */
function NavItems({ roles }: { roles: readonly string[] }) {
  const { t } = useTranslation();
  const isAdmin = roles.includes("admin");
  const canManagePeople = isAdmin || roles.includes("coordinator");
  return (
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
    </ul>
  );
}

function LanguageSwitch() {
  const { t } = useTranslation();
  const root = useRouteLoaderData<RootLoader>("root");
  const location = useLocation();
  return (
    <Form method="post" action="/language" className="language-switch" aria-label={t("app.language")}>
      <input type="hidden" name="redirectTo" value={`${location.pathname}${location.search}`} />
      <button type="submit" name="lng" value="en" lang="en" aria-pressed={root?.locale === "en"}>
        English
      </button>
      <button type="submit" name="lng" value="es" lang="es" aria-pressed={root?.locale === "es"}>
        Español
      </button>
    </Form>
  );
}

function SignOut() {
  const { t } = useTranslation();
  return (
    // A full navigation, so the service worker sees /login and drops the cached report form.
    <Form method="post" action="/logout" reloadDocument>
      <button type="submit" className="link-button">
        {t("app.signOut")}
      </button>
    </Form>
  );
}
