import { describe, expect, it } from "vitest";
import { DomainError, domainErrorFrom, guarded, sqlState } from "./errors.server";

describe("the database's refusals as DomainErrors", () => {
  it("maps TS403/TS404/TS409 to their status with the message as the i18n key, and the field when given", () => {
    expect(domainErrorFrom({ code: "TS409", message: "shifts.errors.full" })).toMatchObject({ status: 409, messageKey: "shifts.errors.full" });
    expect(domainErrorFrom({ code: "TS404", message: "errors.notFound" }, { field: "id" })).toMatchObject({ status: 404, field: "id" });
    expect(domainErrorFrom({ code: "TS403", message: "errors.forbidden" })).toBeInstanceOf(DomainError);
  });

  it("reads RLS denials and lock contention the same way everywhere", () => {
    expect(domainErrorFrom({ code: "42501", message: "permission denied" })).toMatchObject({ status: 403, messageKey: "errors.forbidden" });
    expect(domainErrorFrom({ code: "40P01" })).toMatchObject({ status: 409, messageKey: "errors.busy" });
  });

  it("asks a module's own readings first, and leaves everything else alone", () => {
    const also = ({ code }: { code?: string }) => (code === "22P02" ? new DomainError(404, "x.notFound") : undefined);
    expect(domainErrorFrom({ code: "22P02" }, { also })).toMatchObject({ status: 404, messageKey: "x.notFound" });
    expect(domainErrorFrom({ code: "22P02" })).toBeUndefined();
    expect(domainErrorFrom(new Error("boom"))).toBeUndefined();
    expect(domainErrorFrom("text")).toBeUndefined();
    expect(sqlState({ code: "23505" })).toBe("23505");
    expect(sqlState(null)).toBeUndefined();
  });

  it("guarded rethrows DomainErrors unchanged and other errors untouched", async () => {
    const own = new DomainError(400, "x.bad", "name");
    await expect(guarded(() => Promise.reject(own))).rejects.toBe(own);
    const other = new Error("boom");
    await expect(guarded(() => Promise.reject(other))).rejects.toBe(other);
    await expect(guarded(() => Promise.reject({ code: "TS409", message: "k" }))).rejects.toMatchObject({ status: 409, messageKey: "k" });
    expect(await guarded(async () => 7)).toBe(7);
  });
});
