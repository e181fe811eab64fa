import { useRouteLoaderData } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { countUnsent } from "~/modules/wipe/wipe";
import type { RootLoader } from "~/root";

/**
 * Asked at sign-out when reports on this phone have not reached the server: send them now, or
 * discard them (signing out erases the phone's copy), or stay signed in. A modal <dialog>: focus
 * moves into it and stays there, Escape means "stay signed in".
 */
export default function SignOutDialog({ count: initial, onAnswer }: { count: number; onAnswer: (signOut: boolean) => void }) {
  const { t } = useTranslation();
  const email = useRouteLoaderData<RootLoader>("root")?.user?.email;
  const ref = useRef<HTMLDialogElement>(null);
  const [count, setCount] = useState(initial);
  const [state, setState] = useState<"asking" | "sending" | "stillWaiting">("asking");
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const sendNow = async () => {
    if (state === "sending") return;
    setState("sending");
    if (email) {
      await import("~/components/report-on-phone")
        .then(async ({ flushOutbox, ownerTag }) => flushOutbox(await ownerTag(email), true))
        .catch(() => undefined);
    }
    const left = await countUnsent().catch(() => count);
    if (left === 0) return onAnswer(true);
    setCount(left);
    setState("stillWaiting");
  };

  return (
    <dialog
      ref={ref}
      className="card stack sign-out-dialog"
      aria-labelledby="sign-out-dialog-title"
      aria-describedby="sign-out-dialog-body"
      onCancel={(event) => {
        event.preventDefault();
        onAnswer(false);
      }}
    >
      <h2 id="sign-out-dialog-title">{t("wipe.signOutDialog.title")}</h2>
      <p id="sign-out-dialog-body">{t("wipe.signOutDialog.body", { count })}</p>
      <div role="status">{state === "stillWaiting" ? <p className="warning">{t("wipe.signOutDialog.stillWaiting", { count })}</p> : null}</div>
      <p className="inline-forms">
        <button type="button" className="primary" onClick={() => void sendNow()} aria-disabled={state === "sending" || undefined} autoFocus>
          {state === "sending" ? t("wipe.signOutDialog.sending") : t("wipe.signOutDialog.sendNow")}
        </button>
        <button type="button" className="danger" onClick={() => onAnswer(true)}>
          {t("wipe.signOutDialog.discard")}
        </button>
        <button type="button" className="secondary" onClick={() => onAnswer(false)}>
          {t("wipe.signOutDialog.cancel")}
        </button>
      </p>
    </dialog>
  );
}
