import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { useTranslation } from "react-i18next";
import {
  IDLE_LOCK_MS,
  isUnlocked,
  keyringVersion,
  KeyringError,
  lockKeyring,
  openContentKey,
  openSealedJson,
  subscribeKeyring,
  touchKeyring,
  unlockWithPassphrase,
  type StoredKey,
} from "~/modules/review/keyring";
import { openMedium } from "~/modules/reports/media";
import type { Detained, Witness } from "~/modules/reports/schema";
import type { Caller, NamedPerson } from "~/modules/hotline/schema";

interface BundleBox {
  sealed: unknown;
  shares: unknown[];
  aad: string;
}
interface Bundle {
  report: BundleBox | null;
  /** `sha256`: the original's, on the row for media of aad_v 1 only; since, it is in the box. */
  media: (BundleBox & { id: string; sha256: string | null; contentType: string; nonce: string })[];
  notes: (BundleBox & { id: string; createdAt: string; authorName: string | null })[];
  /** Sealed details the observer added after sending (ADR 023), each bound to its report and id. */
  addenda: (BundleBox & { id: string; createdAt: string })[];
}

interface People {
  detained: Detained[];
  witnesses: Witness[];
}

interface Opened extends People {
  /** A logged call's caller and the people named (docs/decisions/025-hotline-intake.md). */
  caller?: Caller | null;
  named?: NamedPerson[];
  /** `people` is null when the box did not open (wrong key, or moved from another report). */
  addenda: { id: string; createdAt: string; people: People | null }[];
  notes: { id: string; createdAt: string; authorName: string | null; text: string | null }[];
  media: {
    id: string;
    contentType: string;
    url: string | null;
    problem: string | null;
    /** The opened file's SHA-256, the one sealed with it, and whether they agree. */
    sha256: string | null;
    recorded: string | null;
    matches: boolean;
  }[];
  problems: string[];
}

/** Re-renders when the keyring locks or unlocks (keys live in module memory, not React state). */
export function useKeyringUnlocked() {
  useSyncExternalStore(subscribeKeyring, keyringVersion, () => 0);
  return isUnlocked();
}

/** Activity on the page keeps the keys unlocked; idle time locks them (see IDLE_LOCK_MS). */
function useActivityKeepsUnlocked(active: boolean) {
  useEffect(() => {
    if (!active) return;
    const touch = () => touchKeyring();
    const events = ["pointerdown", "keydown", "scroll"] as const;
    for (const e of events) window.addEventListener(e, touch, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, touch);
    };
  }, [active]);
}

const triLabel = (v: string) => `reports.tri.${v}`;

/**
 * "Unseal": the attorney's passphrase opens their private key in this tab; the sealed parts of the
 * report come from an audited endpoint and are opened here. Nothing opened is stored or sent.
 */
export function UnsealPanel({ reportId, keys, sealedCount, timeZoneLabel }: { reportId: string; keys: StoredKey[]; sealedCount: number; timeZoneLabel: (iso: string) => string }) {
  const { t } = useTranslation();
  const unlocked = useKeyringUnlocked();
  useActivityKeepsUnlocked(unlocked);
  const [hydrated, setHydrated] = useState(false);
  const [state, setState] = useState<"idle" | "unlocking" | "fetching">("idle");
  const [problem, setProblem] = useState<string | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const urls = useRef<string[]>([]);
  const passRef = useRef<HTMLInputElement>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => setHydrated(true), []);

  const forget = () => {
    for (const url of urls.current) URL.revokeObjectURL(url);
    urls.current = [];
    setOpened(null);
  };
  // Locking (idle, or by hand) also clears what was shown.
  useEffect(() => {
    if (!unlocked) forget();
  }, [unlocked]);
  useEffect(() => () => forget(), [reportId]);

  const unseal = async () => {
    setProblem(null);
    try {
      if (!isUnlocked()) {
        const passphrase = passRef.current?.value ?? "";
        if (!passphrase) {
          setProblem("review.unseal.passphraseMissing");
          passRef.current?.focus();
          return;
        }
        setState("unlocking");
        await unlockWithPassphrase(keys, passphrase);
        if (passRef.current) passRef.current.value = "";
      }
      setState("fetching");
      const response = await fetch(`/review/${reportId}/sealed`, { method: "POST", headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new KeyringError(response.status === 403 ? "errors.forbidden" : "review.unseal.fetchFailed");
      const bundle = (await response.json()) as Bundle;
      forget();
      const result: Opened = { detained: [], witnesses: [], addenda: [], notes: [], media: [], problems: [] };
      const openPeople = (box: BundleBox): People => {
        const value = openSealedJson(box.sealed, box.shares, box.aad) as Partial<People>;
        return { detained: value.detained ?? [], witnesses: value.witnesses ?? [] };
      };
      if (bundle.report) {
        try {
          const value = openSealedJson(bundle.report.sealed, bundle.report.shares, bundle.report.aad) as {
            detained?: Detained[];
            witnesses?: Witness[];
            caller?: Caller | null;
            named?: NamedPerson[];
          };
          result.detained = value.detained ?? [];
          result.witnesses = value.witnesses ?? [];
          result.caller = value.caller ?? null;
          result.named = value.named ?? [];
        } catch (error) {
          result.problems.push(error instanceof KeyringError ? error.messageKey : "review.unseal.damaged");
        }
      }
      for (const addendum of bundle.addenda ?? []) {
        let people: People | null = null;
        try {
          people = openPeople(addendum);
        } catch {
          // shown as closed, in its place
        }
        result.addenda.push({ id: addendum.id, createdAt: addendum.createdAt, people });
      }
      for (const note of bundle.notes) {
        try {
          const value = openSealedJson(note.sealed, note.shares, note.aad) as { text?: string };
          result.notes.push({ id: note.id, createdAt: note.createdAt, authorName: note.authorName, text: typeof value.text === "string" ? value.text : "" });
        } catch {
          result.notes.push({ id: note.id, createdAt: note.createdAt, authorName: note.authorName, text: null });
        }
      }
      setOpened(result);
      setState("idle");
      resultRef.current?.focus();
      // Media last: each file is fetched as ciphertext, opened, and checked against the original's
      // SHA-256 sealed with it (the server does not hold it: security review, finding 4).
      for (const m of bundle.media) {
        let entry: Opened["media"][number];
        try {
          const key = openContentKey(m.sealed, m.shares);
          try {
            const res = await fetch(`/review/${reportId}/media/${m.id}`, { credentials: "same-origin" });
            if (!res.ok) throw new KeyringError("review.unseal.fetchFailed");
            const { bytes, sha256, recorded, matches } = openMedium(m, new Uint8Array(await res.arrayBuffer()), key);
            const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: m.contentType }));
            urls.current.push(url);
            entry = { id: m.id, contentType: m.contentType, url, problem: null, sha256, recorded, matches };
          } finally {
            key.fill(0);
          }
        } catch (error) {
          const problem = error instanceof KeyringError ? error.messageKey : "review.unseal.damaged";
          entry = { id: m.id, contentType: m.contentType, url: null, problem, sha256: null, recorded: null, matches: false };
        }
        if (!isUnlocked()) return;
        setOpened((current) => (current ? { ...current, media: [...current.media, entry] } : current));
      }
    } catch (error) {
      setState("idle");
      setProblem(error instanceof KeyringError ? error.messageKey : "review.unseal.fetchFailed");
    }
  };

  const busy = state !== "idle";
  return (
    <section className="card stack" aria-labelledby="unseal-title">
      <h2 id="unseal-title">
        <span aria-hidden="true">🔒 </span>
        {t("review.unseal.title")}
      </h2>
      {!hydrated ? <p className="help">{t("review.unseal.needsJs")}</p> : null}
      {keys.length === 0 ? (
        <p className="warning">
          {t("review.unseal.noKey")} <a href="/review/key">{t("review.unseal.makeKey")}</a>
        </p>
      ) : (
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void unseal();
          }}
        >
          <p className="help">{t("review.unseal.intro", { count: sealedCount, minutes: IDLE_LOCK_MS / 60_000 })}</p>
          {!unlocked ? (
            <div className="field">
              <label htmlFor="unseal-passphrase">{t("keys.passphrase")}</label>
              <input
                id="unseal-passphrase"
                ref={passRef}
                type="password"
                autoComplete="current-password"
                aria-describedby={problem ? "unseal-problem" : undefined}
                aria-invalid={problem ? true : undefined}
              />
            </div>
          ) : null}
          {problem ? (
            <p id="unseal-problem" className="field-error" role="alert">
              {t(problem)}
            </p>
          ) : null}
          <p className="inline-forms">
            <button type="submit" className="primary" disabled={!hydrated || busy}>
              {state === "unlocking" ? t("review.unseal.unlocking") : state === "fetching" ? t("review.unseal.opening") : t("review.unseal.button")}
            </button>
            {unlocked ? (
              <button type="button" className="secondary" onClick={() => lockKeyring()}>
                {t("review.unseal.lock")}
              </button>
            ) : null}
          </p>
        </form>
      )}
      {opened ? (
        <div className="stack unsealed" aria-live="polite">
          <h3 ref={resultRef} tabIndex={-1}>
            {t("review.unseal.opened")}
          </h3>
          {opened.problems.map((p) => (
            <p key={p} className="notice error" role="alert">
              {t(p)}
            </p>
          ))}
          {opened.caller ? (
            <dl className="facts" aria-label={t("hotline.callerName")}>
              <dt>{t("hotline.callerName")}</dt>
              <dd>{opened.caller.name || "—"}</dd>
              <dt>{t("hotline.callerCallback")}</dt>
              <dd>{opened.caller.callback || "—"}</dd>
            </dl>
          ) : null}
          {opened.named?.map((p, i) => (
            <dl className="facts" key={`n${i}`} aria-label={t("hotline.person", { n: i + 1 })}>
              <dt>{t("hotline.personName")}</dt>
              <dd>{p.name || "—"}</dd>
              <dt>{t("hotline.situation")}</dt>
              <dd>{t(`hotline.situations.${p.situation === "at_risk" ? "at_risk" : "detained"}`)}</dd>
              {p.details ? <><dt>{t("hotline.personDetails")}</dt><dd>{p.details}</dd></> : null}
            </dl>
          ))}
          <PeopleFacts people={opened} />
          {opened.addenda.length ? (
            <>
              <h4>{t("addenda.addedLater")}</h4>
              <ol className="addenda">
                {opened.addenda.map((a) => (
                  <li key={a.id} className="stack">
                    <span className="help">{t("addenda.addedAt", { time: timeZoneLabel(a.createdAt) })}</span>
                    {a.people ? <PeopleFacts people={a.people} idPrefix={a.id} level={5} /> : <p className="notice error">{t("addenda.closed")}</p>}
                  </li>
                ))}
              </ol>
            </>
          ) : null}
          {opened.notes.length ? (
            <>
              <h4>{t("review.notesTitle")}</h4>
              <ol className="addenda">
                {opened.notes.map((n) => (
                  <li key={n.id}>
                    <span className="help">
                      {timeZoneLabel(n.createdAt)}
                      {n.authorName ? ` · ${n.authorName}` : ""}
                    </span>
                    {n.text === null ? <p className="notice error">{t("review.unseal.noteClosed")}</p> : <p className="pre-wrap">{n.text}</p>}
                  </li>
                ))}
              </ol>
            </>
          ) : null}
          {opened.media.length ? (
            <>
              <h4>{t("reports.mediaTitle")}</h4>
              <ul className="media-list">
                {opened.media.map((m, i) => (
                  <li key={m.id}>
                    {m.problem ? (
                      <p className="notice error">{t(m.problem)}</p>
                    ) : m.contentType.startsWith("image/") && m.contentType !== "image/heic" ? (
                      <img src={m.url!} alt={t("review.unseal.mediaAlt", { n: i + 1 })} className="unsealed-media" />
                    ) : m.contentType.startsWith("video/") ? (
                      <video src={m.url!} controls className="unsealed-media" aria-label={t("review.unseal.mediaAlt", { n: i + 1 })} />
                    ) : null}
                    {m.url ? (
                      <>
                        <a href={m.url} download={`testigo-${reportId.slice(0, 8)}-${i + 1}.${m.contentType.split("/")[1]}`}>
                          {t("review.unseal.download", { n: i + 1 })}
                        </a>
                        <p className="mono break">
                          {t("review.unseal.originalSha256")} {m.sha256}
                        </p>
                        {m.matches ? (
                          <p className="help">{t("review.unseal.hashMatches")}</p>
                        ) : (
                          <p className="notice error" role="alert">
                            {t("review.unseal.hashMismatch", { recorded: m.recorded ?? "—" })}
                          </p>
                        )}
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

/** Detained people and witnesses as opened: the report's own, or one addendum's. */
function PeopleFacts({ people, idPrefix = "", level = 4 }: { people: People; idPrefix?: string; level?: 4 | 5 }) {
  const { t } = useTranslation();
  const Heading = level === 4 ? "h4" : "h5";
  // An addendum lists only what it added.
  const addendum = Boolean(idPrefix);
  return (
    <>
      {addendum && !people.detained.length ? null : <Heading>{t("reports.detainedTitle")}</Heading>}
      {!addendum && people.detained.length === 0 ? <p className="help">{t("review.unseal.nobody")}</p> : null}
      {people.detained.map((d, i) => (
        <dl className="facts" key={`${idPrefix}d${i}`} aria-label={t("reports.detainedPerson", { n: i + 1 })}>
          <dt>{t("reports.personName")}</dt>
          <dd>{d.name || "—"}</dd>
          {d.dateOfBirth ? <><dt>{t("reports.dateOfBirth")}</dt><dd>{d.dateOfBirth}</dd></> : null}
          {d.countryOfBirth ? <><dt>{t("reports.countryOfBirth")}</dt><dd>{d.countryOfBirth}</dd></> : null}
          {d.aNumber ? <><dt>{t("reports.aNumber")}</dt><dd className="mono">{d.aNumber}</dd></> : null}
          {d.whereTaken ? <><dt>{t("reports.whereTaken")}</dt><dd>{d.whereTaken}</dd></> : null}
          {d.familyContact ? <><dt>{t("reports.familyContact")}</dt><dd>{d.familyContact}</dd></> : null}
          <dt>{t("reports.consentToContact")}</dt>
          <dd>{t(triLabel(d.consentToContact ?? "unknown"))}</dd>
          {d.contactChannel ? <><dt>{t("reports.contactChannel")}</dt><dd>{d.contactChannel}</dd></> : null}
          {d.contactLanguage ? <><dt>{t("reports.contactLanguage")}</dt><dd>{d.contactLanguage}</dd></> : null}
        </dl>
      ))}
      {addendum && !people.witnesses.length ? null : <Heading>{t("reports.witnessesTitle")}</Heading>}
      {!addendum && people.witnesses.length === 0 ? <p className="help">{t("review.unseal.nobody")}</p> : null}
      {people.witnesses.map((w, i) => (
        <dl className="facts" key={`${idPrefix}w${i}`} aria-label={t("reports.witness", { n: i + 1 })}>
          <dt>{t("reports.personName")}</dt>
          <dd>{w.name || "—"}</dd>
          {w.contact ? <><dt>{t("reports.witnessContact")}</dt><dd>{w.contact}</dd></> : null}
          <dt>{t("reports.hasVideo")}</dt>
          <dd>{t(triLabel(w.hasVideo ?? "unknown"))}</dd>
        </dl>
      ))}
    </>
  );
}
