import { lazy, Suspense, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { announceWipe, wipeDevice } from "~/modules/wipe/wipe";

// Only shown when reports wait on the phone at sign-out: fetched then, not with every page.
const loadDialog = () => import("~/components/sign-out-dialog");
const SignOutDialog = lazy(loadDialog);

const isSignOut = (form: EventTarget | null): form is HTMLFormElement =>
  form instanceof HTMLFormElement && form.method.toLowerCase() === "post" && new URL(form.action, location.href).pathname === "/logout";

/** Unsent reports on this phone, or null when that cannot be told (the code could not load: offline). */
async function unsent(): Promise<number | null> {
  try {
    const { unsentReports } = await import("~/modules/reports/on-device");
    return await unsentReports();
  } catch {
    return null;
  }
}

/**
 * Before any sign-out form posts (a full-page POST answered by a redirect, so nothing of ours
 * runs after it): asks what to do with reports not sent yet, tells the phone's other tabs to stop
 * keeping drafts, and wipes this phone's Testigo data, also for browsers that ignore the answer's
 * Clear-Site-Data. Without JavaScript the form just posts, and the answer does the wiping.
 */
export function SignOutGuard() {
  const { t } = useTranslation();
  const [asking, setAsking] = useState<{ count: number; answer: (signOut: boolean) => void } | null>(null);
  useEffect(() => {
    const onSubmit = (event: SubmitEvent) => {
      const form = event.target;
      if (!isSignOut(form)) return;
      event.preventDefault();
      void (async () => {
        const count = await unsent();
        // Could not look (offline, code missing): nothing is wiped; the post goes as without JavaScript.
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
