import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { env } from "~/utils/env.server";

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/** A keyed hash: what we store instead of an email or a client's address in rate-limit keys. */
export const keyedHash = (value: string) => createHmac("sha256", env().SESSION_SECRET).update(value).digest("hex");

export const newSessionToken = () => randomBytes(32).toString("base64url");

export const newLoginCode = () => randomInt(0, 1_000_000).toString().padStart(6, "0");

export const hashLoginCode = (email: string, code: string) => keyedHash(`login-code:${email}:${code}`);

export function sameHash(a: string, b: string) {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
