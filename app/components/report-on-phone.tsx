import { Link, useNavigate, useRouteLoaderData } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  adoptUnsalted,
  discardDraft,
  forgetExpiredDrafts,
  flushOutbox,
  isSending,
  keepInOutbox,
  mintClientUuid,
  nextDueAt,
  onDeviceAvailable,
  openForm,
  outboxOf,
  ownerTag,
  reopenAsDraft,
  saveDraft,
  subscribe,
} from "~/modules/reports/on-device";
import { draftEntries, formValuesOf, isKeptForLater, type Draft, type OutboxItem } from "~/modules/reports/outbox";
import { formatDay, formatTime, localDateTime, localDateTimeValue } from "~/modules/clock/format";
import type { RootLoader } from "~/root";
import { registerServiceWorker } from "~/utils/service-worker";

// "Send now" at sign-out (~/components/sign-out-dialog) loads them from here, as the root does.
export { flushOutbox, ownerTag } from "~/modules/reports/on-device";

/** The owner tag of the signed-in account: undefined while it is worked out, null when there is no account or no IndexedDB. */
export function useOwner(email: string | undefined | null) {
  const [owner, setOwner] = useState<string | null>();
  useEffect(() => {
    let live = true;
    if (!email || !onDeviceAvailable()) setOwner(null);
    else ownerTag(email).then((tag) => live && setOwner(tag), () => live && setOwner(null));
    return () => {
      live = false;
    };
  }, [email]);
  return owner;
}

/** How long drafts may stay on this phone (the organisation's setting, in hours). */
const useDraftTtlHours = () => useRouteLoaderData<RootLoader>("root")?.settings.draftTtlHours ?? 24;

/**
 * Sends queued reports whenever there is a chance: now (the page opened, perhaps after the phone
 * restarted), when the phone is back online, when the observer returns to the app, and on a timer
 * that backs off while the server cannot be reached. Also asks the service worker (registered for
 * everyone signed in, in root.tsx) to keep the report form available offline.
 */
export function ReportsOnPhoneSync({ email }: { email: string }) {
  const owner = useOwner(email);
  const ttlHours = useDraftTtlHours();
  useEffect(() => {
    if (!owner) return;
    void adoptUnsalted(email)
      .then(() => forgetExpiredDrafts(ttlHours))
      .catch(() => undefined);
  }, [owner, email, ttlHours]);
  useEffect(() => {
    if (!owner) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let generation = 0;
    const schedule = async () => {
      const mine = ++generation;
      const at = await nextDueAt(owner).catch(() => null);
      if (stopped || mine !== generation) return;
      clearTimeout(timer);
      // Offline, the `online` event is the signal; no point waking up before it.
      if (at === null || !navigator.onLine) return;
      timer = setTimeout(() => void attempt(false), Math.max(1_000, at - Date.now()));
    };
    const attempt = async (force: boolean) => {
      await flushOutbox(owner, force);
      if (!stopped) await schedule();
    };
    const onOnline = () => void attempt(true);
    const onVisible = () => {
      if (document.visibilityState === "visible") void attempt(true);
    };
    window.addEventListener("online", onOnline);
    document.addEventListener("visibilitychange", onVisible);
    const unsubscribe = subscribe(() => void schedule());
    void attempt(true);
    return () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener("online", onOnline);
      document.removeEventListener("visibilitychange", onVisible);
      unsubscribe();
    };
  }, [owner]);

  useEffect(() => {
    if (owner) keepReportFormOffline();
  }, [owner]);
  return null;
}

/** Once the service worker runs (production builds, see ~/utils/service-worker): keep the form. */
function keepReportFormOffline() {
  void registerServiceWorker()
    // The sealing code is loaded after the page: wait for it, so the kept form can seal offline.
    .then((registration) => import("~/integrations/sealing").then(() => registration))
    .then((registration) => {
      if (!registration) return;
      // What this page loaded from /assets/ (the form may need the same); the worker fetches the
      // form itself when its copy is missing or old.
      const assets = performance
        .getEntriesByType("resource")
        .map((entry) => new URL(entry.name))
        .filter((url) => url.origin === location.origin && url.pathname.startsWith("/assets/"))
        .map((url) => url.pathname);
      registration.active?.postMessage({ type: "keep-report-form", assets });
    })
    .catch(() => undefined);
}

const isStale = (nowLocal: string, timeZone: string) => Math.abs((localDateTime(nowLocal, timeZone)?.getTime() ?? 0) - Date.now()) > 5 * 60_000;

type Notice = { kind: "restored"; at: number } | { kind: "queued" } | { kind: "notKept" } | { kind: "discarded" };

interface FormOnPhone {
  clientUuid: string;
  /** Changes when the form must be rebuilt (a draft restored, a new report started). */
  formKey: number;
  values: Record<string, unknown> | undefined;
  nowLocal: string;
  ready: boolean;
}

/**
 * The report form's life on the phone: restores the draft (never details about people), keeps it
 * as the observer types, puts the sealed report in the outbox before the first attempt, and starts
 * a new report (with a new clientUuid) once one is sent or queued.
 */
export function useReportOnPhone(options: { issuedUuid: string; nowLocal: string; timeZone: string; email: string | undefined; actionData: unknown }) {
  const owner = useOwner(options.email);
  const ttlHours = useDraftTtlHours();
  const [form, setForm] = useState<FormOnPhone>({ clientUuid: options.issuedUuid, formKey: 0, values: undefined, nowLocal: options.nowLocal, ready: false });
  const [notice, setNotice] = useState<Notice | null>(null);
  const [hasDraft, setHasDraft] = useState(false);
  const current = useRef(form);
  current.current = form;
  const setup = useRef({ issuedUuid: options.issuedUuid, nowLocal: options.nowLocal, timeZone: options.timeZone, opened: false });
  const pendingSave = useRef<{ timer: ReturnType<typeof setTimeout>; form: HTMLFormElement } | null>(null);
  /** The observer started typing before the phone's drafts were read: what they type wins. */
  const typedEarly = useRef<HTMLFormElement | null>(null);

  const freshNow = useCallback(() => localDateTimeValue(new Date(), setup.current.timeZone), []);

  const startNewReport = useCallback(
    (kind: Notice["kind"] & ("queued" | "discarded")) => {
      if (pendingSave.current) clearTimeout(pendingSave.current.timer);
      pendingSave.current = null;
      setForm((f) => ({ clientUuid: mintClientUuid(), formKey: f.formKey + 1, values: undefined, nowLocal: freshNow(), ready: true }));
      setHasDraft(false);
      setNotice({ kind });
    },
    [freshNow],
  );

  const restore = useCallback(
    (draft: Draft) => {
      if (pendingSave.current) clearTimeout(pendingSave.current.timer);
      pendingSave.current = null;
      setForm((f) => ({ clientUuid: draft.clientUuid, formKey: f.formKey + 1, values: formValuesOf(draft.entries), nowLocal: freshNow(), ready: true }));
      setHasDraft(true);
      setNotice({ kind: "restored", at: draft.updatedAt });
    },
    [freshNow],
  );

  // Opening the form: once per page, whatever the loader says later.
  useEffect(() => {
    // Not before the owner tag is known (it is worked out after the page is up).
    if (setup.current.opened || owner === undefined) return;
    setup.current.opened = true;
    if (!owner) {
      setForm((f) => ({ ...f, ready: true }));
      return;
    }
    const { issuedUuid } = setup.current;
    const email = options.email ?? "";
    adoptUnsalted(email)
      .catch(() => undefined)
      .then(() => openForm(owner, issuedUuid, ttlHours))
      .then(
      ({ clientUuid, draft }) => {
        const typed = typedEarly.current;
        if (typed) {
          // No rebuild under their fingers (and a submit they already pressed goes ahead).
          setForm((f) => ({ ...f, clientUuid, ready: true }));
          void saveDraft({ clientUuid, owner, entries: draftEntries(new FormData(typed)), updatedAt: Date.now() }).then(
            () => setHasDraft(true),
            () => undefined,
          );
        } else if (draft) restore(draft);
        else if (clientUuid !== issuedUuid) {
          // An older copy of the page (offline cache): a new report, and "now" is now.
          setForm((f) => ({ clientUuid, formKey: f.formKey + 1, values: undefined, nowLocal: freshNow(), ready: true }));
        } else if (isStale(setup.current.nowLocal, setup.current.timeZone)) {
          // The page itself is old (served offline): "now" must be now.
          setForm((f) => ({ ...f, formKey: f.formKey + 1, nowLocal: freshNow(), ready: true }));
        } else {
          setForm((f) => ({ ...f, ready: true }));
        }
      },
      () => setForm((f) => ({ ...f, ready: true })),
    );
  }, [owner, freshNow, restore, options.email, ttlHours]);


  // The first attempt failed: the report waits in the outbox and the form starts a new one.
  useEffect(() => {
    if (!isKeptForLater(options.actionData)) return;
    if (options.actionData.keptOnPhone) startNewReport("queued");
    else setNotice({ kind: "notKept" });
  }, [options.actionData, startNewReport]);

  // The owner tag arrives after the first render: read through a ref, so these callbacks keep one
  // identity (the form calls onDraftChange again whenever it changes, ~/components/report-form).
  const ownerRef = useRef(owner);
  ownerRef.current = owner;
  const writeDraft = useCallback((element: HTMLFormElement) => {
    const owner = ownerRef.current;
    if (!owner) return;
    const entries = draftEntries(new FormData(element));
    void saveDraft({ clientUuid: current.current.clientUuid, owner, entries, updatedAt: Date.now() }).then(
      () => setHasDraft(true),
      () => undefined,
    );
  }, []);

  const onDraftChange = useCallback(
    (element: HTMLFormElement) => {
      if (ownerRef.current === null) return;
      if (!current.current.ready) {
        typedEarly.current = element;
        return;
      }
      if (pendingSave.current) clearTimeout(pendingSave.current.timer);
      pendingSave.current = {
        form: element,
        timer: setTimeout(() => {
          pendingSave.current = null;
          writeDraft(element);
        }, 300),
      };
    },
    [writeDraft],
  );

  // Leaving the page (or the phone locking it) must not lose the last keystrokes.
  useEffect(() => {
    const saveNow = () => {
      const pending = pendingSave.current;
      if (!pending) return;
      clearTimeout(pending.timer);
      pendingSave.current = null;
      writeDraft(pending.form);
    };
    const onHidden = () => {
      if (document.visibilityState === "hidden") saveNow();
    };
    window.addEventListener("pagehide", saveNow);
    document.addEventListener("visibilitychange", onHidden);
    return () => {
      saveNow();
      window.removeEventListener("pagehide", saveNow);
      document.removeEventListener("visibilitychange", onHidden);
    };
  }, [writeDraft]);

  /** Before the first attempt: the sealed report is kept in the outbox, so no failure can lose it. */
  const keepBeforeSending = useCallback(
    async (sealed: FormData) => {
      if (pendingSave.current) clearTimeout(pendingSave.current.timer);
      pendingSave.current = null;
      if (!owner) return;
      const body = [...sealed.entries()].filter((entry): entry is [string, string] => typeof entry[1] === "string");
      await keepInOutbox({ clientUuid: String(sealed.get("clientUuid")), owner, body }).catch(() => undefined);
    },
    [owner],
  );

  const discard = useCallback(async () => {
    await discardDraft(current.current.clientUuid).catch(() => undefined);
    startNewReport("discarded");
  }, [startNewReport]);

  // The server's field errors belong to the form that was sent, not to a new or restored one.
  const answered = useRef<{ data: unknown; formKey: number } | null>(null);
  if (!answered.current || options.actionData !== answered.current.data) answered.current = { data: options.actionData, formKey: form.formKey };
  const showsAnswer = answered.current.formKey === form.formKey;

  return { owner, form, notice, hasDraft, onDraftChange, keepBeforeSending, discard, restore, showsAnswer };
}

/** The status line above the form: draft restored, report kept for later, draft discarded. */
export function ReportOnPhoneStatus({
  notice,
  hasDraft,
  onDiscard,
  timeZone,
}: {
  notice: Notice | null;
  hasDraft: boolean;
  onDiscard: () => void;
  timeZone: string;
}) {
  const { t, i18n } = useTranslation();
  const ref = useRef<HTMLParagraphElement>(null);
  // Saved-for-later and not-kept are outcomes of pressing the button: focus follows, as after any action.
  useEffect(() => {
    if (notice?.kind === "queued" || notice?.kind === "notKept" || notice?.kind === "discarded") ref.current?.focus();
  }, [notice]);
  const text =
    notice?.kind === "restored"
      ? t("reports.offline.draftRestored", { time: formatTime(new Date(notice.at).toISOString(), timeZone, i18n.language) })
      : notice?.kind === "queued"
      ? t("reports.offline.queued")
      : notice?.kind === "notKept"
      ? t("reports.offline.notKept")
      : notice?.kind === "discarded"
      ? t("reports.offline.discarded")
      : "";
  return (
    <div className="stack">
      <div role="status" aria-live="polite">
        {text ? (
          <p ref={ref} tabIndex={-1} className={notice?.kind === "notKept" ? "notice error" : notice?.kind === "queued" ? "warning" : "notice"}>
            {text}
          </p>
        ) : null}
      </div>
      {hasDraft ? (
        <p>
          <button type="button" className="secondary" onClick={onDiscard}>
            {t("reports.offline.discard")}
          </button>
        </p>
      ) : null}
    </div>
  );
}

/** Reports kept on this phone: waiting for signal, being sent, refused, or just sent (with a link). */
export function ReportsOnPhone({
  email,
  timeZone,
  includeSent,
  onEditAgain,
  onSent,
}: {
  email: string | undefined;
  timeZone: string;
  includeSent: boolean;
  /** On the form's own page the refused report comes straight back into the form. */
  onEditAgain?: (draft: Draft) => void;
  /** A queued report was sent while this page was open. */
  onSent?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const owner = useOwner(email);
  const navigate = useNavigate();
  const [items, setItems] = useState<OutboxItem[]>([]);
  const [, setTick] = useState(0);
  const [justSent, setJustSent] = useState<OutboxItem[]>([]);
  const states = useRef(new Map<string, OutboxItem["state"]>());
  const onSentRef = useRef(onSent);
  onSentRef.current = onSent;
  useEffect(() => {
    if (!owner) return;
    let live = true;
    const load = () =>
      void outboxOf(owner).then(
        (all) => {
          if (!live) return;
          const sentNow = all.filter((i) => i.state === "sent" && states.current.has(i.clientUuid) && states.current.get(i.clientUuid) !== "sent");
          states.current = new Map(all.map((i) => [i.clientUuid, i.state]));
          setItems(all);
          setTick((n) => n + 1);
          if (sentNow.length) {
            setJustSent(sentNow);
            onSentRef.current?.();
          }
        },
        () => undefined,
      );
    load();
    const unsubscribe = subscribe(load);
    return () => {
      live = false;
      unsubscribe();
    };
  }, [owner]);

  const shown = owner ? items.filter((i) => includeSent || i.state !== "sent") : [];
  const when = (item: OutboxItem) => {
    const at = (localDateTime(item.occurredAt, timeZone) ?? new Date(item.createdAt)).toISOString();
    return `${formatDay(at, timeZone, i18n.language, true)} · ${formatTime(at, timeZone, i18n.language)}`;
  };
  const editAgain = async (clientUuid: string) => {
    const draft = await reopenAsDraft(clientUuid);
    if (draft && onEditAgain) onEditAgain(draft);
    else navigate("/reports/new");
  };

  const announcement = justSent.map((item) => t("reports.offline.sentNow", { when: when(item) })).join(" ");
  return (
    <>
      <div role="status">{announcement ? <p className="notice">{announcement}</p> : null}</div>
      {shown.length ? (
        <section aria-labelledby="on-phone-title" className="card stack">
          <h2 id="on-phone-title">{t("reports.offline.listTitle")}</h2>
          <ul className="shift-list">
            {shown.map((item) => {
              const state =
                item.state === "queued" && isSending(item.clientUuid)
                  ? "sending"
                  : item.problem && "signIn" in item.problem && item.state === "queued"
                  ? "signIn"
                  : item.state;
              return (
                <li key={item.clientUuid} data-state={state}>
                  <strong>{t("reports.offline.itemTitle", { when: when(item) })}</strong>
                  <span className="shift-meta">
                    <span className={`badge ${state === "sent" ? "ok" : state === "failed" ? "off" : "warn"}`}>{t(`reports.offline.state.${state}`)}</span>
                    {state === "queued" && item.attempts > 0 ? <span className="help">{t("reports.offline.attempts", { count: item.attempts })}</span> : null}
                  </span>
                  {item.state === "failed" && item.problem && "status" in item.problem ? (
                    <p className="error-text">
                      {item.problem.messages.length ? item.problem.messages.join(" ") : t("reports.offline.refused", { status: item.problem.status })}
                    </p>
                  ) : null}
                  {item.state === "sent" && item.reportId ? (
                    <Link to={`/reports/${item.reportId}`}>{t("reports.offline.openReport", { when: when(item) })}</Link>
                  ) : null}
                  {item.state === "failed" ? (
                    <p>
                      <button type="button" className="secondary" onClick={() => void editAgain(item.clientUuid)}>
                        {t("reports.offline.editAgain")}
                      </button>
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}
    </>
  );
}
