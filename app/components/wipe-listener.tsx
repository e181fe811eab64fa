import { lazy, Suspense, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { announceWipe, countUnsent, wipeDevice } from "~/modules/wipe/wipe";

// Only shown when reports wait on the phone at sign-out: fetched then, not with every page.
const loadDialog = () => import("~/components/sign-out-dialog");
const SignOutDialog = lazy(loadDialog);

/** Which of our wiping forms this is: a sign-out, a "Quick exit", or neither. */
function wipingForm(form: EventTarget | null): "signOut" | "quickExit" | null {
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return null;
  const path = new URL(form.action, location.href).pathname;
  return path === "/logout" ? "signOut" : path === "/exit" ? "quickExit" : null;
}

/**
 * "Quick exit", one tap: the phone's other tabs are told (they leave for the same address), the
 * session ends (a keepalive POST: it ends after the page is gone), the phone is wiped, and the tab
 * goes to the neutral address, replacing this page in its history. Only navigated to, never fetched.
 */
async function quickExit(form: HTMLFormElement) {
  const to = form.dataset.to ?? "";
  // An address the page does not know (it always does): the form's own way out, /exit.
  if (!/^https:\/\//.test(to)) return form.submit();
  form.querySelector("button")?.setAttribute("aria-disabled", "true");
  announceWipe({ kind: "quickExit", to });
  void fetch("/exit", { method: "POST", keepalive: true, credentials: "same-origin", cache: "no-store" }).catch(() => undefined);
  await wipeDevice();
  location.replace(to);
}

/**
 * Before a sign-out form posts (a full-page POST answered by a redirect, so nothing of ours runs
 * after it): asks what to do with reports not sent yet, tells the phone's other tabs to stop
 * keeping drafts, and wipes this phone's Testigo data, also for browsers that ignore the answer's
 * Clear-Site-Data. Before "Quick exit" posts: leaves at once (above).
 */
export default function WipeListener() {
  const { t } = useTranslation();
  const [asking, setAsking] = useState<{ count: number; answer: (signOut: boolean) => void } | null>(null);
  useEffect(() => {
    const onSubmit = (event: SubmitEvent) => {
      const form = event.target as HTMLFormElement;
      const kind = wipingForm(form);
      if (!kind) return;
      event.preventDefault();
      if (kind === "quickExit") return void quickExit(form);
      void (async () => {
        const count = await countUnsent().catch(() => null);
        // Could not look: nothing is wiped; the post goes as without JavaScript.
        if (count === null) return form.submit();
        if (count > 0) {
          const dialog = await loadDialog().catch(() => null);
          const signOut = dialog
            ? await new Promise<boolean>((answer) => setAsking({ count, answer }))
            : // The dialog's code is not on the phone (offline): the browser's own question.
              window.confirm(`${t("wipe.signOutDialog.body", { count })}\n\n${t("wipe.signOutDialog.discard")}?`);
          if (!signOut) return;
        }
        announceWipe({ kind: "signOut" });
        await wipeDevice();
        // submit(), unlike requestSubmit(), fires no submit event: this runs once.
        form.submit();
      })();
    };
    document.addEventListener("submit", onSubmit, true);
    return () => document.removeEventListener("submit", onSubmit, true);
  }, [t]);
  if (!asking) return null;
  return (
    <Suspense fallback={null}>
      <SignOutDialog
        count={asking.count}
        onAnswer={(signOut) => {
          setAsking(null);
          asking.answer(signOut);
        }}
      />
    </Suspense>
  );
}
