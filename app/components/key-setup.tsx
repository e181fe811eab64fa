import { Link, useFetcher } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorSummary, Field } from "~/components/ui/field";
import { useOrgClock } from "~/components/use-org-clock";
import { fieldMessage } from "~/utils/field-messages";
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

type Problems = Record<string, string[]>;
const PASSPHRASE_MIN = 12;

/**
 * What is wrong with a new passphrase, by field (`passphrase`, `confirm`), before any key is made:
 * the messages name the field (`label`, an i18n key) and the limit.
 */
function passphraseProblems(form: HTMLFormElement, label: string): Problems | null {
  const data = new FormData(form);
  const passphrase = String(data.get("passphrase") ?? "");
  if (passphrase.length < PASSPHRASE_MIN) return { passphrase: [fieldMessage("errorsFound.tooShort", { field: label, count: PASSPHRASE_MIN })] };
  if (passphrase !== String(data.get("confirm") ?? "")) return { confirm: [fieldMessage("errorsFound.notSame", { field: "keys.confirmPassphrase" })] };
  return null;
}

/** The form's problems: its own checks first, else the server's refusal (shown at the passphrase, where a new try starts). */
const problemsOf = (problems: Problems | null, serverError: string | undefined): Problems | null => problems ?? (serverError ? { passphrase: [serverError] } : null);

/** A new passphrase and its repetition (fields `passphrase` and `confirm`); 12 characters at least. */
function NewPassphraseFields({ formId, id, confirmId, label, help, problems }: { formId: string; id: string; confirmId: string; label: string; help: string; problems: Problems | null }) {
  const { t } = useTranslation();
  return (
    <>
      <ErrorSummary errors={problems} formId={formId} idOf={(name) => (name === "confirm" ? confirmId : id)} />
      <Field id={id} label={t(label)} name="passphrase" type="password" autoComplete="new-password" minLength={PASSPHRASE_MIN} required help={help} errors={problems?.passphrase} />
      <Field id={confirmId} label={t("keys.confirmPassphrase")} name="confirm" type="password" autoComplete="new-password" required errors={problems?.confirm} />
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
  const [problem, setProblem] = useState<Problems | null>(null);
  const [working, setWorking] = useState(false);
  const make = async (form: HTMLFormElement) => {
    const found = passphraseProblems(form, "keys.recoveryPassphrase");
    setProblem(found);
    if (found) return;
    const passphrase = String(new FormData(form).get("passphrase") ?? "");
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
        id="recovery-key-form"
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void make(event.currentTarget);
        }}
      >
        <NewPassphraseFields
          formId="recovery-key-form"
          id="recovery-passphrase"
          confirmId="recovery-confirm"
          label="keys.recoveryPassphrase"
          help={t("keys.recoveryPassphraseHelp")}
          problems={problemsOf(problem, fetcher.data?.error)}
        />
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
  const [problem, setProblem] = useState<Problems | null>(null);
  const [checking, setChecking] = useState<"idle" | "busy" | "ok" | "wrong" | "mismatch">("idle");
  const [working, setWorking] = useState(false);

  const create = async (form: HTMLFormElement) => {
    const found = passphraseProblems(form, "keys.newPassphrase");
    setProblem(found);
    if (found) return;
    const passphrase = String(new FormData(form).get("passphrase") ?? "");
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
          id="attorney-key-form"
          className="stack"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void create(event.currentTarget);
          }}
        >
          <NewPassphraseFields formId="attorney-key-form" id="new-passphrase" confirmId="confirm-passphrase" label="keys.newPassphrase" help={t("keys.passphraseHelp")} problems={problemsOf(problem, fetcher.data?.error)} />
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
