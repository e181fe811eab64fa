import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCrossSiteWrite, isOwnNavigation } from "./origin.server";

const host = "testigo.example.org";

describe("cross-site writes are refused in one place (security review, finding 8)", () => {
  it("lets reads through from anywhere", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) expect(isCrossSiteWrite({ method, secFetchSite: "cross-site", origin: "https://evil.example", host })).toBe(false);
  });

  it("trusts Sec-Fetch-Site when the browser sends it", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(isCrossSiteWrite({ method, secFetchSite: "same-origin", host })).toBe(false);
      expect(isCrossSiteWrite({ method, secFetchSite: "none", host })).toBe(false);
      expect(isCrossSiteWrite({ method, secFetchSite: "cross-site", host })).toBe(true);
      // A sibling subdomain is another site's code too.
      expect(isCrossSiteWrite({ method, secFetchSite: "same-site", host })).toBe(true);
      // The header wins over an Origin that looks right.
      expect(isCrossSiteWrite({ method, secFetchSite: "cross-site", origin: `https://${host}`, host })).toBe(true);
    }
  });

  it("falls back to Origin, matched against the Host or APP_URL", () => {
    expect(isCrossSiteWrite({ method: "POST", origin: `https://${host}`, host })).toBe(false);
    expect(isCrossSiteWrite({ method: "POST", origin: `http://${host.toUpperCase()}`, host })).toBe(false);
    expect(isCrossSiteWrite({ method: "POST", origin: "https://evil.example", host })).toBe(true);
    expect(isCrossSiteWrite({ method: "POST", origin: `https://${host}.evil.example`, host })).toBe(true);
    expect(isCrossSiteWrite({ method: "POST", origin: "null", host })).toBe(true);
    expect(isCrossSiteWrite({ method: "POST", origin: "https://public.example", host: "127.0.0.1:3000", appOrigin: "https://public.example" })).toBe(false);
    expect(isCrossSiteWrite({ method: "POST", origin: "https://evil.example", host: null })).toBe(true);
  });

  it("lets a request that names no site through (not a browser on another site)", () => {
    expect(isCrossSiteWrite({ method: "POST", host })).toBe(false);
    expect(isCrossSiteWrite({ method: "POST", origin: "", host })).toBe(false);
  });

  it("never lets an Origin on another host through, whatever it is", () => {
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        const origin = new URL(url).origin;
        fc.pre(new URL(url).host !== host);
        return isCrossSiteWrite({ method: "POST", origin, host }) === true;
      }),
    );
  });

  it("tells a page opened from another site from one opened here", () => {
    expect([undefined, null, "", "same-origin", "none", "NONE"].map(isOwnNavigation)).toEqual([true, true, true, true, true, true]);
    expect(["cross-site", "same-site"].map(isOwnNavigation)).toEqual([false, false]);
  });
});
