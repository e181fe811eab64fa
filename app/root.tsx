import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useChangeLanguage } from "remix-i18next/react";
import { AppShell } from "./components/app-shell";
import { GeneralErrorBoundary } from "./components/error-boundary";
import { useNonce } from "./components/nonce";
import { isLanguage } from "./i18n/config";
import { i18nServer, languageCookie } from "./i18n/i18next.server";
import { getUser } from "./modules/auth/guards.server";
import { publicSettings } from "./modules/settings/settings.server";
import stylesheet from "./styles/app.css?url";
import { getEnv } from "./utils/env.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Testigo" }, { name: "robots", content: "noindex" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const headers = new Headers();
  const [user, settings] = await Promise.all([getUser(request, headers), publicSettings()]);
  const cookieLanguage = await languageCookie.parse(request.headers.get("Cookie"));
  // A remembered choice wins; then the person's profile; then the browser.
  const locale = isLanguage(cookieLanguage)
    ? cookieLanguage
    : (user?.preferredLanguage ?? (await i18nServer.getLocale(request)));
  return data(
    {
      locale: isLanguage(locale) ? locale : "en",
      user: user && { displayName: user.displayName, email: user.email, roles: user.roles },
      settings,
      ENV: getEnv(),
    },
    { headers },
  );
}

export type RootLoader = typeof loader;

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  const rootData = useRouteLoaderData<typeof loader>("root");
  const locale = rootData?.locale ?? "en";
  return (
    <html lang={locale} dir="ltr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { locale } = useLoaderData<typeof loader>();
  useChangeLanguage(locale);
  return (
    <AppShell>
      <Outlet />
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
