import { describe, expect, it } from "vitest";
import { contentSecurityPolicy } from "./csp.server";

describe("contentSecurityPolicy", () => {
  it("allows images from this origin only: map tiles come through /tiles (security review, finding 15)", () => {
    const csp = contentSecurityPolicy({ nonce: "abc", production: true });
    expect(csp).toContain("img-src 'self' data: blob:;");
    expect(csp).not.toMatch(/https?:\/\//);
    expect(csp).toContain("script-src 'self' 'nonce-abc';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("upgrade-insecure-requests");
  });

  it("lets Vite's HMR websocket in during development only", () => {
    expect(contentSecurityPolicy({ nonce: "n", production: false, hmrPort: 24678 })).toContain("connect-src 'self' ws://localhost:24678;");
    expect(contentSecurityPolicy({ nonce: "n", production: false })).not.toContain("upgrade-insecure-requests");
  });
});
