import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Link, useFetcher, useLoaderData, useRevalidator, type ShouldRevalidateFunction } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import { DomainError } from "~/db/errors.server";
import { fromB64u, publicKeyFingerprint } from "~/integrations/sealing";
import { hasRole, requireRole } from "~/modules/auth/guards.server";
import { myWrappedKeys } from "~/modules/reports/keys.server";
import {
  KeyringError,
  keyringVersion,
  lockKeyring,
  shareEnvelope,
  subscribeKeyring,
  unlockedKeyIds,
  unlockWithPassphrase,
  isPlainRecoveryFile,
  unlockWithRecoveryFile,
} from "~/modules/review/keyring";
import { accessGaps, currentRecoveryKey, nextShareBatch, shareAccess, type MissingBox, type ShareBatch } from "~/modules/review/share.server";
import type { RouteHandle } from "~/root";
import { readForm } from "~/utils/form.server";

export const handle: RouteHandle = { titleKey: "share.title" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireRole(request, context, "attorney", "admin");
  const isAttorney = hasRole(user, "attorney");
  const isAdmin = hasRole(user, "admin");
  const [gaps, myKeys, recovery] = await Promise.all([
    accessGaps(user.claims),
    isAttorney ? myWrappedKeys(user.claims) : Promise.resolve([]),
    isAdmin ? currentRecoveryKey(user.claims) : Promise.resolve(null),
  ]);
  return {
    me: user.id,
    isAttorney,
    isAdmin,
    // The signed-in attorney's own keys (wrapped by their passphrase), to unlock in this tab.
    myKeys: myKeys.map((k) => ({ id: k.id, publicKey: k.public_key, wrapped: k.wrapped_private_key })),
    recovery: recovery ? { id: recovery.id, publicKey: recovery.publicKey } : null,
    // Attorneys share with colleagues; an admin restores access to any attorney key, their own too.
    colleagues: gaps.filter((g) => isAdmin || g.ownerId !== user.id),
  };
}

type ActionData =
  | ({ ok: true; intent: "batch" } & ShareBatch)
  | { ok: true; intent: "share"; count: number }
  | { ok: false; error: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireRole(request, context, "attorney", "admin");
  const form = await readForm(request, 512 * 1024);
  const intent = form.get("intent");
  const keyId = String(form.get("keyId") ?? "");
  try {
    if (intent === "batch") {
      const openWith = String(form.get("openWith") ?? "")
        .split(",")
        .filter(Boolean);
      const batch = await nextShareBatch(user.claims, keyId, openWith);
      return data<ActionData>({ ok: true, intent: "batch", ...batch });
    }
    if (intent === "share") {
      let shares: unknown;
      try {
        shares = JSON.parse(String(form.get("shares") ?? ""));
      } catch {
        throw new DomainError(400, "share.errors.batch", "shares");
      }
      return data<ActionData>({ ok: true, intent: "share", count: await shareAccess(user.claims, keyId, shares) });
    }
    return data<ActionData>({ ok: false, error: "share.errors.intent" }, { status: 400 });
  } catch (error) {
    if (error instanceof DomainError) return data<ActionData>({ ok: false, error: error.messageKey }, { status: error.status });
    throw error;
  }
}

// Each batch is one step of a loop in the browser; the page reloads its counts once at the end.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) => {
  const intent = formData?.get("intent");
  return intent === "batch" || intent === "share" ? false : defaultShouldRevalidate;
};

/** A refusal to show, by i18n key. */
class ShareFailure extends Error {
  constructor(readonly messageKey: string) {
    super(messageKey);
  }
}

const messageOf = (error: unknown) =>
  error instanceof KeyringError || error instanceof ShareFailure ? error.messageKey : "errors.generic";

function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === "string" ? reader.result : "");
    reader.onerror = () => reject(reader.error ?? new Error("read"));
    reader.readAsText(file);
  });
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

interface Progress {
  keyId: string;
  name: string;
  shared: number;
  total: number;
  unopenable: number;
  complete: boolean;
  state: "running" | "done" | "failed";
  error?: string;
}

/** The route's action as a promise: one POST at a time, answered through a fetcher. */
function useActionCall() {
  const fetcher = useFetcher<ActionData>();
  const waiting = useRef<((value: ActionData) => void) | null>(null);
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data && waiting.current) {
      const resolve = waiting.current;
      waiting.current = null;
      resolve(fetcher.data);
    }
  }, [fetcher.state, fetcher.data]);
  const { submit } = fetcher;
  return useCallback(
    (body: Record<string, string>) =>
      new Promise<ActionData>((resolve) => {
        waiting.current = resolve;
        submit(body, { method: "post" });
      }),
    [submit],
  );
}

export default function ShareAccess() {
  const { t, i18n } = useTranslation();
  const { me, isAttorney, isAdmin, myKeys, recovery, colleagues } = useLoaderData<typeof loader>();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  // Re-render whenever keys are unlocked or locked (here, on another page of this tab, or when idle).
  useSyncExternalStore(subscribeKeyring, keyringVersion, () => 0);
  const unlocked = hydrated ? unlockedKeyIds() : [];
  const attorneyUnlocked = myKeys.some((k) => unlocked.includes(k.id));
  const recoveryUnlocked = recovery !== null && unlocked.includes(recovery.id);
  const canShare = attorneyUnlocked || recoveryUnlocked;

  const call = useActionCall();
  const revalidator = useRevalidator();
  const [unlocking, setUnlocking] = useState(false);
  const [unlockError, setUnlockError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const running = progress?.state === "running";
  const number = (n: number) => new Intl.NumberFormat(i18n.language).format(n);

  const unlockAttorney = async (form: HTMLFormElement) => {
    setUnlocking(true);
    setUnlockError(null);
    try {
      await unlockWithPassphrase(
        myKeys.map((k) => ({ id: k.id, publicKey: k.publicKey, wrapped: k.wrapped })),
        String(new FormData(form).get("passphrase") ?? ""),
      );
      form.reset();
    } catch (error) {
      setUnlockError(messageOf(error));
    } finally {
      setUnlocking(false);
    }
  };

  // The recovery key file, read here and never uploaded: its input has no name and sits in no
  // form. A file made since the security review is locked by a passphrase (typed below, also in
  // no form); an older one holds the key in the clear, opens at once, and asks to be replaced.
  const [recoveryText, setRecoveryText] = useState<string | null>(null);
  const [plainRecovery, setPlainRecovery] = useState(false);
  const chooseRecovery = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file || !recovery) return;
    setUnlockError(null);
    setRecoveryText(null);
    try {
      if (file.size > 16 * 1024) throw new KeyringError("share.recoveryFileInvalid");
      const text = await readText(file);
      if (isPlainRecoveryFile(text)) {
        await unlockWithRecoveryFile(text, recovery.id, recovery.publicKey);
        setPlainRecovery(true);
      } else {
        const parsed = JSON.parse(text) as { kind?: unknown };
        if (parsed?.kind !== "testigo-recovery-key") throw new KeyringError("share.recoveryFileInvalid");
        setRecoveryText(text);
      }
    } catch (error) {
      setUnlockError(error instanceof SyntaxError ? "share.recoveryFileInvalid" : messageOf(error));
    } finally {
      input.value = "";
    }
  };
  const unlockRecovery = async (passphraseInput: HTMLInputElement | null) => {
    if (!recoveryText || !recovery) return;
    setUnlocking(true);
    setUnlockError(null);
    try {
      await unlockWithRecoveryFile(recoveryText, recovery.id, recovery.publicKey, passphraseInput?.value ?? "");
      setRecoveryText(null);
    } catch (error) {
      setUnlockError(messageOf(error));
    } finally {
      if (passphraseInput) passphraseInput.value = "";
      setUnlocking(false);
    }
  };

  const share = async (target: (typeof colleagues)[number]) => {
    if (running) return;
    const recipient = { keyId: target.keyId, publicKey: target.publicKey };
    const failed = new Set<string>();
    let current: Progress = { keyId: target.keyId, name: target.name, shared: 0, total: target.missing, unopenable: 0, complete: true, state: "running" };
    const update = (next: Partial<Progress>) => {
      current = { ...current, ...next };
      setProgress(current);
    };
    update({});
    try {
      // Each round shares at least one box or ends; the cap only guards against the unforeseen.
      for (let round = 0; round < 10_000; round++) {
        const openWith = unlockedKeyIds();
        if (!openWith.length) throw new ShareFailure("share.errors.locked");
        const batch = await call({ intent: "batch", keyId: target.keyId, openWith: openWith.join(",") });
        if (!batch.ok) throw new ShareFailure(batch.error);
        if (batch.intent !== "batch") throw new ShareFailure("errors.generic");
        const shares: { box: MissingBox["box"]; boxId: string; envelope: unknown }[] = [];
        for (const [index, item] of batch.boxes.entries()) {
          const id = `${item.box}:${item.boxId}`;
          if (failed.has(id)) continue;
          try {
            shares.push({ box: item.box, boxId: item.boxId, envelope: shareEnvelope(item.sealed, item.shares, recipient) });
          } catch (error) {
            // Locked meanwhile (idle): stop. Any other failure: this box cannot be opened here.
            if (error instanceof KeyringError && error.messageKey === "review.unseal.locked") throw new ShareFailure("share.errors.locked");
            failed.add(id);
          }
          if (index % 25 === 24) await pause();
        }
        update({ total: current.shared + batch.missing, unopenable: batch.unopenable + failed.size, complete: batch.complete });
        if (!shares.length) break;
        const stored = await call({ intent: "share", keyId: target.keyId, shares: JSON.stringify(shares) });
        if (!stored.ok) throw new ShareFailure(stored.error);
        if (stored.intent !== "share") throw new ShareFailure("errors.generic");
        update({ shared: current.shared + stored.count });
      }
      update({ state: "done", total: Math.max(current.total, current.shared) });
    } catch (error) {
      update({ state: "failed", error: messageOf(error) });
    } finally {
      revalidator.revalidate();
    }
  };

  return (
    <div className="stack">
      <h1>{t("share.title")}</h1>
      <p>{t("share.intro")}</p>
      {!hydrated ? <p className="warning">{t("share.needsJs")}</p> : null}

      {isAttorney ? (
        <section className="card stack" aria-labelledby="unlock-title">
          <h2 id="unlock-title">{t("share.unlockTitle")}</h2>
          {myKeys.length === 0 ? (
            <p className="warning">
              {t("share.noOwnKey")} <Link to="/review/key">{t("share.setUpKey")}</Link>
            </p>
          ) : attorneyUnlocked ? (
            <p className="notice">{t("share.unlocked")}</p>
          ) : hydrated ? (
            <form
              className="stack"
              onSubmit={(event) => {
                event.preventDefault();
                void unlockAttorney(event.currentTarget);
              }}
            >
              <div className="field">
                <label htmlFor="share-passphrase">{t("share.passphrase")}</label>
                <span className="help" id="share-passphrase-help">
                  {t("share.passphraseHelp")}
                </span>
                <input id="share-passphrase" name="passphrase" type="password" autoComplete="current-password" required aria-describedby="share-passphrase-help" />
              </div>
              <p>
                <button type="submit" className="primary" disabled={unlocking}>
                  {unlocking ? t("share.unlocking") : t("share.unlock")}
                </button>
              </p>
            </form>
          ) : null}
        </section>
      ) : null}

      {isAdmin ? (
        <section className="card stack" aria-labelledby="recovery-title">
          <h2 id="recovery-title">{t("share.recoveryTitle")}</h2>
          <p>{t("share.recoveryIntro")}</p>
          {!recovery ? (
            <p className="warning">
              {t("share.noRecoveryKey")} <Link to="/admin/settings">{t("share.toSettings")}</Link>
            </p>
          ) : recoveryUnlocked ? (
            <>
              <p className="notice">{t("share.recoveryUnlocked")}</p>
              {plainRecovery ? (
                <p className="warning">
                  {t("share.recoveryPlain")} <Link to="/admin/settings">{t("share.toSettings")}</Link>
                </p>
              ) : null}
            </>
          ) : hydrated ? (
            <div className="stack">
              <div className="field">
                <label htmlFor="recovery-file">{t("share.recoveryFile")}</label>
                <span className="help" id="recovery-file-help">
                  {t("share.recoveryFileHelp")}
                </span>
                <input id="recovery-file" type="file" accept="application/json,.json" aria-describedby="recovery-file-help" onChange={(event) => void chooseRecovery(event.currentTarget)} />
              </div>
              {recoveryText ? (
                <div className="field">
                  <label htmlFor="recovery-passphrase">{t("share.recoveryPassphrase")}</label>
                  <input
                    id="recovery-passphrase"
                    type="password"
                    autoComplete="off"
                    onKeyDown={(event) => {
                      if (event.key === "Enter") void unlockRecovery(event.currentTarget);
                    }}
                  />
                  <p>
                    <button
                      type="button"
                      className="primary"
                      disabled={unlocking}
                      onClick={(event) => void unlockRecovery(event.currentTarget.closest(".field")?.querySelector("input") ?? null)}
                    >
                      {unlocking ? t("share.unlocking") : t("share.unlockRecovery")}
                    </button>
                  </p>
                </div>
              ) : null}
            </div>
          ) : null}
        </section>
      ) : null}

      {unlockError ? (
        <p className="notice error" role="alert">
          {t(unlockError)}
        </p>
      ) : null}
      {hydrated && unlocked.length ? (
        <p>
          <button type="button" className="secondary" onClick={() => lockKeyring()} disabled={running}>
            {t("share.lock")}
          </button>
        </p>
      ) : null}

      <section aria-labelledby="colleagues-title" className="stack">
        <h2 id="colleagues-title">{t("share.colleaguesTitle")}</h2>
        <p className="help">{t("share.fingerprintHelp")}</p>
        {colleagues.length === 0 ? (
          <p className="empty">{t("share.noColleagues")}</p>
        ) : (
          <ul className="people">
            {colleagues.map((c) => (
              <li key={c.keyId}>
                <div className="who">
                  <strong>
                    {c.name || "—"}
                    {c.ownerId === me ? ` (${t("share.you")})` : null}
                  </strong>
                  {/* Computed here from the public key itself, to compare with the colleague's own screen. */}
                  <span className="mono">{t("share.fingerprint", { fingerprint: publicKeyFingerprint(fromB64u(c.publicKey)) })}</span>
                </div>
                <p id={`missing-${c.keyId}`}>{c.missing === 0 ? t("share.upToDate") : t("share.missing", { count: c.missing, n: number(c.missing) })}</p>
                {hydrated && c.missing > 0 ? (
                  <button
                    type="button"
                    className="primary"
                    disabled={!canShare || running}
                    aria-describedby={`missing-${c.keyId}`}
                    onClick={() => void share(c)}
                  >
                    {t("share.shareWith", { name: c.name || "—" })}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {hydrated && !canShare && colleagues.some((c) => c.missing > 0) ? <p className="help">{t("share.unlockFirst")}</p> : null}
      </section>

      {progress ? (
        <section aria-labelledby="progress-title" className="card stack">
          <h2 id="progress-title">{t("share.progressTitle", { name: progress.name || "—" })}</h2>
          <progress max={Math.max(progress.total, 1)} value={progress.shared} aria-label={t("share.progressLabel", { name: progress.name || "—" })} />
          {progress.state !== "running" && progress.unopenable > 0 ? (
            <p className="warning">
              {t(progress.complete ? "share.unopenable" : "share.unopenableAtLeast", { count: progress.unopenable, n: number(progress.unopenable) })}
            </p>
          ) : null}
          {progress.state === "failed" && progress.error ? (
            <p className="notice error" role="alert">
              {t(progress.error)}
            </p>
          ) : null}
        </section>
      ) : null}
      {/* Always present, so that screen readers announce each change. */}
      <p role="status" className={progress ? undefined : "sr-only"}>
        {progress
          ? progress.state === "done"
            ? t("share.done", { count: progress.shared, n: number(progress.shared), name: progress.name || "—" })
            : t("share.progress", { shared: number(progress.shared), total: number(progress.total) })
          : null}
      </p>
    </div>
  );
}
