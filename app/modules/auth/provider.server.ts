import { env } from "~/utils/env.server";
import type { AuthProvider } from "./provider";

// The interface lives in provider.ts: the two providers implement it without importing this file.
export type { AuthProvider, Identity, VerifyResult } from "./provider";

let provider: Promise<AuthProvider> | undefined;

export function authProvider(): Promise<AuthProvider> {
  provider ??= env().SUPABASE_URL
    ? import("./supabase.server").then((m) => m.createSupabaseProvider())
    : import("./local.server").then((m) => m.createLocalProvider());
  return provider;
}

/** For tests that switch providers. */
export function resetAuthProvider() {
  provider = undefined;
}
