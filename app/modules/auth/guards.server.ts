import { redirect } from "@remix-run/node";
import { withUser, type Claims } from "~/db/client.server";
import type { AppRole } from "~/db/types";
import { authProvider } from "./provider.server";

export interface CurrentUser {
  claims: Claims;
  id: string;
  email: string;
  displayName: string;
  preferredLanguage: "en" | "es";
  trainingDate: string | null;
  roles: AppRole[];
}

/** The signed-in person, read as themselves through RLS, or null. */
export async function getUser(request: Request, headers = new Headers()): Promise<CurrentUser | null> {
  const provider = await authProvider();
  const claims = await provider.getClaims(request, headers);
  if (!claims) return null;
  return withUser(claims, async (trx) => {
    const profile = await trx
      .selectFrom("profiles")
      .select(["id", "email", "display_name", "preferred_language", "training_date"])
      .where("id", "=", claims.sub)
      .executeTakeFirst();
    if (!profile) return null;
    const grants = await trx.selectFrom("role_grants").select("role").where("user_id", "=", claims.sub).execute();
    return {
      claims,
      id: profile.id,
      email: profile.email,
      displayName: profile.display_name,
      preferredLanguage: profile.preferred_language === "es" ? "es" : "en",
      trainingDate: profile.training_date,
      roles: grants.map((g) => g.role).sort(),
    };
  });
}

export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await getUser(request);
  if (!user) {
    const url = new URL(request.url);
    const params = new URLSearchParams({ redirectTo: `${url.pathname}${url.search}` });
    throw redirect(`/login?${params}`);
  }
  return user;
}

/** UX guard only: RLS still decides what the person can read and change. */
export async function requireRole(request: Request, ...roles: AppRole[]): Promise<CurrentUser> {
  const user = await requireUser(request);
  if (!roles.some((role) => user.roles.includes(role))) {
    throw new Response("Forbidden", { status: 403 });
  }
  return user;
}

export const hasRole = (user: Pick<CurrentUser, "roles"> | null | undefined, role: AppRole) =>
  Boolean(user?.roles.includes(role));
