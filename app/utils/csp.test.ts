import { describe, expect, it } from "vitest";
import { contentSecurityPolicy } from "./csp.server";

describe("contentSecurityPolicy", () => {
  it("allows images only from the configured tile host", () => {
    const csp = contentSecurityPolicy({ nonce: "abc", production: true, tileUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png" });
    expect(csp).toContain("img-src 'self' data: blob: https://tile.openstreetmap.org;");
    expect(csp).toContain("script-src 'self' 'nonce-abc';");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("turns {s} subdomains into a wildcard and ignores non-https tile servers", () => {
    expect(contentSecurityPolicy({ nonce: "n", production: false, tileUrl: "https://{s}.tiles.example.org/{z}/{x}/{y}.png" })).toContain(
      "img-src 'self' data: blob: https://*.tiles.example.org;",
    );
    expect(contentSecurityPolicy({ nonce: "n", production: false, tileUrl: "http://tiles.example.org/{z}/{x}/{y}.png" })).toContain(
      "img-src 'self' data: blob:;",
    );
    expect(contentSecurityPolicy({ nonce: "n", production: false, tileUrl: "https://a.example;report-uri/x/{z}/{x}/{y}.png" })).toContain(
      "img-src 'self' data: blob:;",
    );
  });
});
