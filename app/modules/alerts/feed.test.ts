import { describe, expect, it } from "vitest";
import { translatorFor } from "~/i18n/i18next.server";
import type { PublicAlert } from "./alerts";
import { alertsFeed } from "./feed";
import { JsonFeed } from "../../../tests/setup/json-feed";

const alerts: PublicAlert[] = [
  {
    id: "6f1c1a52-2f4b-4a4e-9d55-0c6f1f0f6a01",
    kind: "confirmed",
    zoneName: "Little Village",
    agencies: ["ice_ero"],
    activities: ["detaining", "loading"],
    occurredAt: "2026-12-07T14:15:00.000Z",
    publicText: "ICE activity confirmed this morning. Stay calm and know your rights.",
    shownAt: "2026-12-07T15:22:00.000Z",
  },
  { id: "6f1c1a52-2f4b-4a4e-9d55-0c6f1f0f6a02", kind: "false_alarm", zoneName: "", agencies: [], activities: [], occurredAt: "2026-12-07T13:00:00.000Z", publicText: "No agents were seen.", shownAt: "2026-12-07T13:05:00.000Z" },
];

describe("the alerts feed", () => {
  it.each(["en", "es"] as const)("is a valid JSON Feed 1.1 in %s", async (language) => {
    const t = await translatorFor(language);
    const feed = alertsFeed({ alerts, t, language, origin: "https://testigo.example", siteName: "Testigo", timeZone: "America/Chicago" });
    const parsed = JsonFeed.parse(JSON.parse(JSON.stringify(feed)));
    expect(parsed.language).toBe(language);
    expect(parsed.feed_url).toBe(`https://testigo.example/alerts.json?lang=${language}`);
    expect(parsed.items.map((i) => i.id)).toEqual(alerts.map((a) => `urn:uuid:${a.id}`));
    expect(parsed.items[0]!.content_text).toContain(alerts[0]!.publicText);
    // 14:15 UTC is 8:15 AM in Chicago
    expect(parsed.items[0]!.content_text).toMatch(/8:15/);
  });

  it("refuses what JSON Feed does not define (the schema can fail)", () => {
    expect(JsonFeed.safeParse({ version: "https://jsonfeed.org/version/1", title: "x", items: [] }).success).toBe(false);
    expect(JsonFeed.safeParse({ version: "https://jsonfeed.org/version/1.1", title: "x", items: [{ id: "1" }] }).success).toBe(false);
    expect(JsonFeed.safeParse({ version: "https://jsonfeed.org/version/1.1", title: "x", items: [{ id: "1", content_text: "y", narrative: "z" }] }).success).toBe(false);
  });
});
