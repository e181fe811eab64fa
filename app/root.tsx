import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useMatches, useRouteLoaderData, type ShouldRevalidateFunction } from "@remix-run/react";
import { lazy, Suspense, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { AppShell } from "./components/app-shell";
import { DispatchBanner, type DispatchBannerData } from "./components/dispatch/dispatch-banner";
import { GeneralErrorBoundary } from "./components/error-boundary";
import { FlashNotice } from "./components/flash-notice";
import { ClientOnly } from "remix-utils/client-only";
import { useNonce } from "./components/nonce";
import { isLanguage } from "./i18n/languages";
import { translationUrls } from "virtual:translations";
import { i18nServer, languageCookie } from "./i18n/i18next.server";
import { getUser, requestContext } from "./modules/auth/guards.server";
import { myDispatchAlerts } from "./modules/dispatch/dispatch.server";
import { isKeptForLater } from "./modules/reports/kept-for-later";
import { TILE_PATH } from "./modules/maps/tiles.server";
import { publicSettings } from "./modules/settings/settings.server";
import { formatTime } from "./modules/clock/format";
import stylesheet from "./styles/app.css?url";
import { getEnv } from "./utils/env.server";
import { isPublicPath, publicCacheHeaders, publicLanguage } from "./utils/public-page.server";
import { readFlash } from "./utils/flash.server";
import { registerServiceWorker, rememberForOfflinePage } from "./utils/service-worker";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  // Installable: public/manifest.webmanifest, icons drawn by scripts/make-icons.ts.
  { rel: "manifest", href: "/manifest.webmanifest" },
  { rel: "apple-touch-icon", href: "/icons/apple-touch-icon.png" },
];

export const meta: MetaFunction = () => [{ name: "robots", content: "noindex" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Public pages (/alerts) read no session, no flash and no language cookie, and set no cookie:
  // the same page for everyone who asks in the same language (app/utils/public-page.server.ts).
  if (isPublicPath(new URL(request.url).pathname)) {
    const [{ language }, settings] = await Promise.all([publicLanguage(request), publicSettings()]);
    return data(
      {
        locale: language,
        user: null,
        dispatch: null,
        settings: { ...settings, mapTileUrl: settings.mapTileUrl ? TILE_PATH : "" },
        flash: null,
        ENV: getEnv(),
        publicPage: true,
      },
      { headers: publicCacheHeaders(request) },
    );
  }
  const [user, settings] = await Promise.all([getUser(request, context), publicSettings()]);
  // Cookies the auth provider refreshed while finding the person (Supabase).
  const headers = requestContext(context).headers;
  const cookieLanguage = await languageCookie.parse(request.headers.get("Cookie"));
  // A remembered choice wins; then the person's profile; then the browser.
  const locale = isLanguage(cookieLanguage)
    ? cookieLanguage
    : (user?.preferredLanguage ?? (await i18nServer.getLocale(request)));
  // An observer sent somewhere by a coordinator sees it on every page (dispatch module). The
  // report form's document is the one page the service worker keeps (public/sw.js): its copy
  // carries no alerts (new ones still arrive live there; the others show on every other page).
  let dispatch: DispatchBannerData | null = null;
  if (user?.roles.includes("observer")) {
    const url = new URL(request.url);
    const kept = url.pathname === "/reports/new" && !url.searchParams.has("_data");
    const alerts = await myDispatchAlerts(user.claims);
    if (kept) alerts.alerts = [];
    const times = Object.fromEntries(alerts.alerts.map((a) => [a.id, formatTime(a.createdAt, settings.timeZone, isLanguage(locale) ? locale : "en")]));
    dispatch = { ...alerts, at: Date.now(), times };
  }
  const flash = await readFlash(request, headers);
  return data(
    {
      locale: isLanguage(locale) ? locale : "en",
      user: user && { displayName: user.displayName, email: user.email, roles: user.roles },
      dispatch,
      // Browsers load map tiles through this server, never from the tile server itself.
      settings: { ...settings, mapTileUrl: settings.mapTileUrl ? TILE_PATH : "" },
      flash,
      ENV: getEnv(),
      publicPage: false,
    },
    { headers },
  );
}

export type RootLoader = typeof loader;

// Sending reports kept on the phone needs IndexedDB and hashing code: fetched only for observers,
// after the page is up, so other pages do not carry it.
const ReportsOnPhoneSync = lazy(() => import("./components/report-on-phone").then((m) => ({ default: m.ReportsOnPhoneSync })));

/** A report kept on the phone for later means there is no signal: nothing to reload (it would fail). */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) =>
  isKeptForLater(actionResult) ? false : defaultShouldRevalidate;

/** Routes name their page title by i18n key: `export const handle: RouteHandle = { titleKey: "…" }`. */
export interface RouteHandle {
  titleKey?: string;
}

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  const rootData = useRouteLoaderData<typeof loader>("root");
  const locale = rootData?.locale ?? "en";
  const { t } = useTranslation();
  const matches = useMatches();
  const titleKey = [...matches].reverse().map((m) => (m.handle as RouteHandle | undefined)?.titleKey).find(Boolean);
  const site = rootData?.settings.name ?? "Testigo";
  // Public pages need no JavaScript and carry none: nothing in them may use a nonce a cache would repeat.
  const scripts = !rootData?.publicPage;
  // Lets tests (and CSS, if ever needed) tell a hydrated page, error pages included, from server HTML.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <html lang={locale} dir="ltr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <meta name="theme-color" content="#0b4f6c" />
        <title>{titleKey ? `${t(titleKey)} · ${site}` : site}</title>
        <Meta />
        {/* The page's translations, fetched by entry.client before hydration. */}
        {scripts ? <link rel="preload" href={translationUrls[locale]} as="fetch" crossOrigin="anonymous" /> : null}
        <Links />
      </head>
      <body>
        {children}
        {scripts ? (
          <>
            <ScrollRestoration nonce={nonce} />
            <Scripts nonce={nonce} />
          </>
        ) : null}
      </body>
    </html>
  );
}

export default function App() {
  const { locale, user, dispatch, settings, flash } = useLoaderData<typeof loader>();
  const { i18n } = useTranslation();
  // After a switch of language (the root loader's locale changes), the browser's strings follow.
  useEffect(() => {
    if (i18n.language !== locale) void i18n.changeLanguage(locale);
  }, [locale, i18n]);
  // The offline page and the install prompt need the service worker: everyone signed in gets it.
  const signedIn = Boolean(user);
  const hotline = settings.hotlineNumber ?? "";
  useEffect(() => {
    if (!signedIn) return;
    rememberForOfflinePage({ language: locale, hotline });
    void registerServiceWorker();
  }, [signedIn, locale, hotline]);

  return (
    <AppShell>
      {dispatch ? <DispatchBanner data={dispatch} timeZone={settings.timeZone} /> : null}
      <FlashNotice flash={flash} />
      <Outlet />
      {user?.roles.includes("observer") ? (
        <ClientOnly>
          {() => (
            <Suspense fallback={null}>
              <ReportsOnPhoneSync email={user.email} />
            </Suspense>
          )}
        </ClientOnly>
      ) : null}
    </AppShell>
  );
}

export function ErrorBoundary() {
  const { i18n } = useTranslation();
  const rootData = useRouteLoaderData<typeof loader>("root");
  if (rootData?.locale && i18n.language !== rootData.locale) void i18n.changeLanguage(rootData.locale);
  return (
    <AppShell>
      <GeneralErrorBoundary />
    </AppShell>
  );
}
