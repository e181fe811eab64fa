import { Link, useFetcher } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { FieldErrors } from "~/components/ui/field";
import { useOrgClock } from "~/components/use-org-clock";
import { generateKeyPair, publicKeyFingerprint, publicKeyOf, toB64u, unwrapPrivateKey, validateWrappedPrivateKey, wrapPrivateKey } from "~/integrations/sealing";

type KeyActionData = { ok: boolean; fingerprint?: string; activeFrom?: string; awaitingApproval?: boolean; error?: string };

/** Which message a saved key gets: in use now, waiting for its waiting period, or for a second admin. */
function savedKeyMessage(t: (key: string, options?: Record<string, string>) => string, data: KeyActionData, kind: "attorney" | "recovery", when: (iso: string) => string) {
  const fingerprint = data.fingerprint ?? "";
  if (kind === "recovery" && data.awaitingApproval) return t("keys.recoveryAwaiting", { fingerprint });
  if (data.activeFrom && Date.parse(data.activeFrom) > Date.now() + 60_000) {
    return t(kind === "recovery" ? "keys.recoveryPending" : "keys.attorneyPending", { fingerprint, when: when(data.activeFrom) });
  }
  return t(kind === "recovery" ? "keys.recoveryCreated" : "keys.attorneyCreated", { fingerprint });
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A new passphrase and its repetition (fields `passphrase` and `confirm`); 12 characters at least. */
function NewPassphraseFields({ id, confirmId, label, help }: { id: string; confirmId: string; label: string; help: string }) {
  const { t } = useTranslation();
  return (
    <>
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <span className="help" id={`${id}-help`}>
          {help}
        </span>
        <input id={id} name="passphrase" type="password" autoComplete="new-password" minLength={12} required aria-describedby={`${id}-help`} />
      </div>
      <div className="field">
        <label htmlFor={confirmId}>{t("keys.confirmPassphrase")}</label>
        <input id={confirmId} name="confirm" type="password" autoComplete="new-password" required />
      </div>
    </>
  );
}

/**
 * The legal team's recovery key, made in the admin's browser: the private half is downloaded once,
 * wrapped by a passphrase the admin chooses (the same scrypt as attorneys' keys), and never sent;
 * only the public half reaches the server. The file alone opens nothing (security review, finding 3).
 */
export function RecoveryKeySetup({ current, hydrated }: { current: { fingerprint: string; createdAt: string } | null; hydrated: boolean }) {
  const { t } = useTranslation();
  const { formatDay, formatTime } = useOrgClock();
  const when = (iso: string) => `${formatDay(iso, true)} ${formatTime(iso)}`;
  const fetcher = useFetcher<KeyActionData>();
  const [saved, setSaved] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const make = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const passphrase = String(data.get("passphrase") ?? "");
    if (passphrase.length < 12) return setProblem("keys.errors.passphraseShort");
    if (passphrase !== String(data.get("confirm") ?? "")) return setProblem("keys.errors.passphraseMismatch");
    setProblem(null);
    setWorking(true);
    try {
      const pair = generateKeyPair();
      const fingerprint = publicKeyFingerprint(pair.publicKey);
      const wrapped = await wrapPrivateKey(pair.privateKey, passphrase);
      pair.privateKey.fill(0);
      download(
        `testigo-recovery-key-${fingerprint.replace(/\s/g, "")}.json`,
        JSON.stringify({ kind: "testigo-recovery-key", v: 2, fingerprint, publicKey: toB64u(pair.publicKey), wrapped }, null, 2),
      );
      form.reset();
      setSaved(true);
      fetcher.submit({ intent: "recoveryKey", publicKey: toB64u(pair.publicKey) }, { method: "post" });
    } finally {
      setWorking(false);
    }
  };
  return (
    <section className="card stack" aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t("keys.recoveryTitle")}</h2>
      <p>{t("keys.recoveryIntro")}</p>
      {current ? <p>{t("keys.currentFingerprint", { fingerprint: current.fingerprint })}</p> : <p className="warning">{t("keys.noRecovery")}</p>}
      {fetcher.data?.ok ? (
        <p className="notice" role="status">
          {savedKeyMessage(t, fetcher.data, "recovery", when)}
        </p>
      ) : null}
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void make(event.currentTarget);
        }}
      >
        <NewPassphraseFields id="recovery-passphrase" confirmId="recovery-confirm" label={t("keys.recoveryPassphrase")} help={t("keys.recoveryPassphraseHelp")} />
        <FieldErrors id="recovery-error" errors={problem ? [problem] : fetcher.data?.error ? [fetcher.data.error] : undefined} />
        {hydrated ? (
          <p>
            <button type="submit" className={current ? "secondary" : "primary"} disabled={working || fetcher.state !== "idle"}>
              {working ? t("keys.working") : current ? t("keys.replaceRecovery") : t("keys.createRecovery")}
            </button>
          </p>
        ) : (
          <p className="help">{t("keys.needsJs")}</p>
        )}
      </form>
      {saved ? <p className="help">{t("keys.recoveryStoreSafely")}</p> : null}
    </section>
  );
}

/** An attorney's key pair, made in their browser; the private half leaves it only wrapped by their passphrase. */
export function AttorneyKeySetup({ current, hydrated }: { current: { fingerprint: string; publicKey: string; wrapped: unknown } | null; hydrated: boolean }) {
  const { t } = useTranslation();
  const { formatDay, formatTime } = useOrgClock();
  const when = (iso: string) => `${formatDay(iso, true)} ${formatTime(iso)}`;
  const fetcher = useFetcher<KeyActionData>();
  const [problem, setProblem] = useState<string | null>(null);
  const [checking, setChecking] = useState<"idle" | "busy" | "ok" | "wrong" | "mismatch">("idle");
  const [working, setWorking] = useState(false);

  const create = async (form: HTMLFormElement) => {
    const data = new FormData(form);
    const passphrase = String(data.get("passphrase") ?? "");
    const confirm = String(data.get("confirm") ?? "");
    if (passphrase.length < 12) return setProblem("keys.errors.passphraseShort");
    if (passphrase !== confirm) return setProblem("keys.errors.passphraseMismatch");
    setProblem(null);
    setWorking(true);
    try {
      const pair = generateKeyPair();
      const wrapped = await wrapPrivateKey(pair.privateKey, passphrase);
      pair.privateKey.fill(0);
      fetcher.submit({ intent: "attorneyKey", publicKey: toB64u(pair.publicKey), wrapped: JSON.stringify(wrapped) }, { method: "post" });
      form.reset();
    } finally {
      setWorking(false);
    }
  };

  const check = async (form: HTMLFormElement) => {
    if (!current) return;
    setChecking("busy");
    try {
      const key = await unwrapPrivateKey(validateWrappedPrivateKey(current.wrapped), String(new FormData(form).get("passphrase") ?? ""));
      // The key it opens must be the one observers seal to, not one swapped in behind your back.
      const matches = toB64u(publicKeyOf(key)) === current.publicKey;
      key.fill(0);
      setChecking(matches ? "ok" : "mismatch");
    } catch {
      setChecking("wrong");
    }
  };

  return (
    <div className="stack">
      {current ? (
        <section className="card stack" aria-labelledby="check-title">
          <h2 id="check-title">{t("keys.yourKey")}</h2>
          <p>{t("keys.currentFingerprint", { fingerprint: current.fingerprint })}</p>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              void check(event.currentTarget);
            }}
          >
            <div className="field">
              <label htmlFor="check-passphrase">{t("keys.passphrase")}</label>
              <input id="check-passphrase" name="passphrase" type="password" autoComplete="current-password" required />
            </div>
            <p>
              <button type="submit" className="secondary" disabled={!hydrated || checking === "busy"}>
                {t("keys.checkPassphrase")}
              </button>{" "}
              <span role="status">
                {checking === "busy" ? t("keys.checking") : checking === "ok" ? t("keys.passphraseOk") : checking === "wrong" ? t("keys.passphraseWrong") : checking === "mismatch" ? t("keys.keyMismatch") : ""}
              </span>
            </p>
          </form>
        </section>
      ) : null}
      <section className="card stack" aria-labelledby="create-key-title">
        <h2 id="create-key-title">{current ? t("keys.replaceTitle") : t("keys.createTitle")}</h2>
        <p>{t("keys.attorneyIntro")}</p>
        {current ? <p className="help">{t("keys.replaceHelp")}</p> : null}
        {fetcher.data?.ok ? (
          <div className="notice stack" role="status">
            <p>{savedKeyMessage(t, fetcher.data, "attorney", when)}</p>
            <p>
              {t("share.afterNewKey")} <Link to="/review/share">{t("share.sharePage")}</Link>
            </p>
          </div>
        ) : null}
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void create(event.currentTarget);
          }}
        >
          <NewPassphraseFields id="new-passphrase" confirmId="confirm-passphrase" label={t("keys.newPassphrase")} help={t("keys.passphraseHelp")} />
          <FieldErrors id="key-error" errors={problem ? [problem] : fetcher.data?.error ? [fetcher.data.error] : undefined} />
          {hydrated ? (
            <p>
              <button type="submit" className="primary" disabled={working || fetcher.state !== "idle"}>
                {working ? t("keys.working") : current ? t("keys.replaceKey") : t("keys.createKey")}
              </button>
            </p>
          ) : (
            <p className="help">{t("keys.needsJs")}</p>
          )}
        </form>
      </section>
    </div>
  );
}
