import { describeAlert, type PublicAlert } from "./alerts";

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), as much of it as the alerts use. */
export interface JsonFeed {
  version: "https://jsonfeed.org/version/1.1";
  title: string;
  home_page_url: string;
  feed_url: string;
  description: string;
  language: string;
  items: {
    id: string;
    url: string;
    title: string;
    content_text: string;
    date_published: string;
    date_modified: string;
  }[];
}

type T = (key: string, options?: Record<string, unknown>) => string;

/** The feed of the alerts visible now: every field is one the public page shows too. */
export function alertsFeed(options: { alerts: PublicAlert[]; t: T; language: "en" | "es"; origin: string; siteName: string; timeZone: string }): JsonFeed {
  const { alerts, t, language, origin, siteName, timeZone } = options;
  const page = `${origin}/alerts?lang=${language}`;
  return {
    version: "https://jsonfeed.org/version/1.1",
    title: t("alerts.feedTitle", { site: siteName }),
    home_page_url: page,
    feed_url: `${origin}/alerts.json?lang=${language}`,
    description: t("alerts.intro"),
    language,
    items: alerts.map((alert) => {
      const words = describeAlert(alert, t, timeZone, language);
      const facts = [
        `${t("alerts.when")}: ${words.when}`,
        `${t("alerts.zone")}: ${words.zone}`,
        words.agencies ? `${t("alerts.agency")}: ${words.agencies}` : null,
        words.activities ? `${t("alerts.activity")}: ${words.activities}` : null,
      ].filter(Boolean);
      return {
        id: `urn:uuid:${alert.id}`,
        url: `${page}#alert-${alert.id}`,
        title: words.title,
        content_text: [alert.publicText, "", ...facts].join("\n"),
        date_published: alert.shownAt,
        date_modified: alert.shownAt,
      };
    }),
  };
}
