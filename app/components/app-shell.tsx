import { Form, Link, NavLink, useLocation, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { QuickExit } from "~/components/quick-exit";
import { WipeGuard } from "~/components/wipe-guard";
import type { RootLoader } from "~/root";

/** A phone number as a `tel:` link dials it: digits and a leading plus only. */
const telHref = (number: string) => `tel:${number.replace(/[^\d+]/g, "")}`;

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
  // Each element below is shown once at a time: inline from 48rem, in the menu on a phone.
  const links = (
    <nav aria-label={t("app.mainNav")}>
      <ul>
        {LINKS.filter(([, , shown]) => shown(roles)).map(([to, key, , end]) => (
          <li key={to}>
            <NavLink to={to} end={end}>
              {t(key)}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
  const languageSwitch = (
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
  const signOut = (
    // A full navigation, so the service worker sees /login and drops the cached report form.
    <Form method="post" action="/logout" reloadDocument>
      <button type="submit" className="link-button">
        {t("app.signOut")}
      </button>
    </Form>
  );

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
              <div className="header-tools wide-only">
                {links}
                {languageSwitch}
                {signOut}
                {observer ? <QuickExit /> : null}
              </div>
              {/* An observer's two raid-night actions: early in the page for keyboards and screen readers,
                  at the foot of the screen on a phone (fixed), in the header from 48rem. */}
              {observer ? (
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
              ) : null}
              {/* A <details> opens without JavaScript; remounted on each navigation, so a followed link closes it. */}
              <details
                key={location.key}
                className="menu narrow-only"
                onKeyDown={(event) => {
                  const menu = event.currentTarget;
                  if (event.key !== "Escape" || !menu.open) return;
                  menu.open = false;
                  (menu.firstElementChild as HTMLElement).focus();
                }}
              >
                <summary className="menu-button">
                  <span aria-hidden="true" className="menu-icon" />
                  {t("phone.menu")}
                </summary>
                <div className="menu-panel">
                  {links}
                  {languageSwitch}
                  {/* Leaving: Sign out, and the "Quick exit" of issue 18 item 6 beside it. */}
                  <div className="menu-leave">
                    {signOut}
                    {observer ? <QuickExit /> : null}
                  </div>
                </div>
              </details>
            </>
          ) : root?.publicPage ? null : (
            // A public page sets no cookie: it offers its languages as links of its own (routes/alerts.tsx).
            languageSwitch
          )}
        </div>
      </header>
      {user ? <WipeGuard /> : null}
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

type Roles = readonly string[];
const observes = (r: Roles) => r.includes("observer");
const manages = (r: Roles) => r.includes("coordinator") || r.includes("admin");
/** The header's links by role, in order: [path, label key, who sees it, matched exactly]. */
const LINKS: [string, string, (r: Roles) => boolean, boolean?][] = [
  ["/", "nav.home", () => true, true],
  ["/shifts", "nav.shifts", observes, true],
  ["/my/shifts", "nav.myShifts", observes],
  ["/reports", "nav.reports", observes, true],
  ["/coordinate/live", "live.nav", manages],
  ["/coordinate/shifts", "nav.schedule", manages],
  ["/coordinate/zones", "nav.zones", manages],
  ["/coordinate/coverage", "nav.coverage", manages],
  ["/coordinate/observers", "observers.nav", manages],
  ["/admin/people", "nav.people", manages],
  ["/hotline", "hotline.nav", (r) => r.includes("hotline") || manages(r) || r.includes("attorney"), true],
  ["/review", "nav.review", (r) => r.includes("attorney") || r.includes("admin"), true],
  ["/review/key", "nav.key", (r) => r.includes("attorney")],
  ["/admin/settings", "nav.settings", (r) => r.includes("admin")],
  ["/profile", "nav.profile", () => true],
];
