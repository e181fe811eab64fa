import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sql, withSystem } from "~/db/client.server";
import { createPersona } from "../../../tests/setup/personas";
import { signInKey, stillSignedIn } from "./still-signed-in.server";

let counter = 0;
const person = () => createPersona(`still_signed_in_${Date.now().toString(36)}_${++counter}`, ["observer"], { trainingDate: "2026-10-01" });

async function session(userId: string, expiresIn = "1 day") {
  const hash = createHash("sha256").update(randomBytes(32)).digest("hex");
  await withSystem((trx) =>
    trx.insertInto("private.sessions").values({ token_hash: hash, user_id: userId, expires_at: sql`now() + ${expiresIn}::interval` }).execute(),
  );
  return hash;
}

describe("which sign-ins still stand (security review, finding 9)", () => {
  it("a live session of an active person stands; a revoked, expired or deactivated one does not", async () => {
    const [ana, ben, cai] = [await person(), await person(), await person()];
    const live = signInKey({ kind: "session", tokenHash: await session(ana.id) })!;
    const revoked = signInKey({ kind: "session", tokenHash: await session(ana.id) })!;
    const expired = signInKey({ kind: "session", tokenHash: await session(ben.id, "-1 minute") })!;
    const deactivated = signInKey({ kind: "session", tokenHash: await session(cai.id) })!;
    await withSystem((trx) => trx.updateTable("private.sessions").set({ revoked_at: sql`now()` }).where("token_hash", "=", revoked.slice(2)).execute());
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", cai.id).execute());
    const unknown = `s:${"0".repeat(64)}`;
    expect(await stillSignedIn([live, revoked, expired, deactivated, unknown, "s:not-a-hash", "x:whatever"])).toEqual(new Set([live]));
  });

  it("a token stands while it has not expired and its person is active", async () => {
    const [ana, ben] = [await person(), await person()];
    const now = Date.now();
    const soon = Math.floor(now / 1000) + 600;
    const fresh = signInKey({ kind: "jwt", claims: { sub: ana.id, email: "", role: "authenticated", exp: soon } as never })!;
    const old = signInKey({ kind: "jwt", claims: { sub: ana.id, email: "", role: "authenticated", exp: Math.floor(now / 1000) - 1 } as never })!;
    const gone = signInKey({ kind: "jwt", claims: { sub: ben.id, email: "", role: "authenticated", exp: soon } as never })!;
    await withSystem((trx) => trx.updateTable("profiles").set({ deactivated_at: sql`now()` }).where("id", "=", ben.id).execute());
    expect(await stillSignedIn([fresh, old, gone], now)).toEqual(new Set([fresh]));
    expect(signInKey({ kind: "jwt", claims: { sub: "not-a-uuid" } as never })).toBeNull();
    expect(signInKey({ kind: "session", tokenHash: "short" })).toBeNull();
  });

  it("asks nothing of the database when there is nothing to check", async () => {
    expect(await stillSignedIn([])).toEqual(new Set());
  });
});
