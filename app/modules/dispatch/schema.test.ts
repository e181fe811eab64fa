import { describe, expect, it } from "vitest";
import { parseDispatchForm, parseTarget } from "./schema";

const form = (values: Record<string, string>) => new URLSearchParams(values);

describe("what a dispatch is sent to", () => {
  it("a report by id, or a point (a decimal comma is fine); nothing named is no target", () => {
    const id = crypto.randomUUID();
    expect(parseTarget(form({ report: id.toUpperCase() }))).toEqual({ target: { kind: "report", reportId: id }, errors: {} });
    expect(parseTarget(form({ lat: "41,9216", lng: " -87.7077 " }))).toEqual({ target: { kind: "point", lat: 41.9216, lng: -87.7077 }, errors: {} });
    expect(parseTarget(form({}))).toEqual({ target: null, errors: {} });
  });

  it("explains a bad coordinate on its own field", () => {
    expect(parseTarget(form({ lat: "91", lng: "-87.7" })).errors).toEqual({ lat: "dispatch.errors.lat" });
    expect(parseTarget(form({ lat: "41.9", lng: "east" })).errors).toEqual({ lng: "dispatch.errors.lng" });
    expect(parseTarget(form({ lat: "", lng: "-87.7" })).errors).toEqual({ lat: "dispatch.errors.lat" });
    expect(parseTarget(form({ lat: "1e3", lng: "Infinity" })).errors).toEqual({ lat: "dispatch.errors.lat", lng: "dispatch.errors.lng" });
    expect(parseTarget(form({ report: "../etc" })).errors).toEqual({ report: "dispatch.errors.reportNotFound" });
  });

  it("the form: a note of at most 500 characters, a key that is a uuid or nothing", () => {
    const ok = parseDispatchForm(form({ lat: "41.92", lng: "-87.7", note: "  Corner of Kedzie & Fullerton\r\n ", key: "not-a-key" }));
    expect(ok).toEqual({ ok: true, value: { target: { kind: "point", lat: 41.92, lng: -87.7 }, note: "Corner of Kedzie & Fullerton", clientKey: null } });
    expect(parseDispatchForm(form({ lat: "41.92", lng: "-87.7", note: "x".repeat(501) }))).toEqual({ ok: false, errors: { note: "dispatch.errors.noteTooLong" } });
    expect(parseDispatchForm(form({ note: "hello" }))).toEqual({ ok: false, errors: { target: "dispatch.errors.target" } });
  });
});
