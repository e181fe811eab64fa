import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { AttorneyKeySetup } from "~/components/key-setup";
import { DomainError } from "~/db/errors.server";
import { requireRole } from "~/modules/auth/guards.server";
import { keyTransparency, myWrappedKey, registerAttorneyKey, withdrawAttorneyKey } from "~/modules/reports/keys.server";
import { KeyTransparency } from "~/components/key-transparency";
import { publicKeyFingerprint, fromB64u } from "~/integrations/sealing";
import type { RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";

export const handle: RouteHandle = { titleKey: "keys.attorneyTitle" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  const [key, transparency] = await Promise.all([myWrappedKey(user.claims), keyTransparency(user.claims)]);
  return {
    current: key ? { fingerprint: publicKeyFingerprint(fromB64u(key.public_key)), publicKey: key.public_key, wrapped: key.wrapped_private_key } : null,
    transparency,
    me: user.claims.sub,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "attorney");
  const form = await readForm(request, 16 * 1024);
  try {
    if (form.get("intent") === "withdrawAttorneyKey") {
      await withdrawAttorneyKey(user.claims, String(form.get("key") ?? ""));
      return data({ ok: true, withdrawn: true });
    }
    const key = await registerAttorneyKey(user.claims, String(form.get("publicKey") ?? ""), String(form.get("wrapped") ?? ""));
    return data({ ok: true, fingerprint: key.fingerprint, activeFrom: key.activeFrom });
  } catch (error) {
    if (error instanceof DomainError) return data({ ok: false, error: error.messageKey }, { status: error.status });
    throw error;
  }
}

export default function AttorneyKey() {
  const { t } = useTranslation();
  const { current, transparency, me } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { withdrawn?: boolean; error?: string } | undefined;
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return (
    <div className="stack">
      <h1>{t("keys.attorneyTitle")}</h1>
      {actionData?.withdrawn || actionData?.error ? (
        <p className={actionData.error ? "warning" : "notice"} role="status">
          {actionData.error ? t(actionData.error) : t("keys.keyWithdrawn")}
        </p>
      ) : null}
      <AttorneyKeySetup current={current} hydrated={hydrated} />
      <KeyTransparency {...transparency} me={me} canApprove={false} />
    </div>
  );
}
