import { describe, expect, it } from "vitest";
import { readFlash, redirectWithFlash } from "./flash.server";

const cookieOf = (response: Response) => response.headers.get("Set-Cookie")!.split(";")[0]!;

describe("the flash: an action's outcome after its redirect", () => {
  it("rides the redirect in a signed cookie, is read once and cleared", async () => {
    const response = await redirectWithFlash("/coordinate/shifts?week=2027-05-03", { key: "schedule.created", values: { count: 4 } }, 303);
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/coordinate/shifts?week=2027-05-03");
    const headers = new Headers();
    const flash = await readFlash(new Request("http://t.example/coordinate/shifts", { headers: { Cookie: cookieOf(response) } }), headers);
    expect(flash).toMatchObject({ key: "schedule.created", values: { count: 4 }, tone: "ok" });
    expect(flash!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.get("Set-Cookie")).toMatch(/testigo_flash=;.*Expires=Thu, 01 Jan 1970/);
  });

  it("reads nothing without the cookie, and nothing from a cookie the server did not sign", async () => {
    const headers = new Headers();
    expect(await readFlash(new Request("http://t.example/"), headers)).toBeNull();
    const forged = `testigo_flash=${Buffer.from(JSON.stringify({ flash: { id: "x", key: "errors.forbidden", tone: "ok" } })).toString("base64")}`;
    expect(await readFlash(new Request("http://t.example/", { headers: { Cookie: forged } }), headers)).toBeNull();
    expect(headers.has("Set-Cookie")).toBe(true);
  });
});
