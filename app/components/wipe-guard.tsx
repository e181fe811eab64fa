import { lazy, Suspense, useEffect, useState } from "react";

// Fetched once the page is up (a page's first JavaScript has a budget, ADR 009). Before that, or
// without JavaScript, signing out and "Quick exit" post as plain forms, and their answers'
// Clear-Site-Data wipes the phone.
const WipeListener = lazy(() => import("~/components/wipe-listener"));

/** Signing out and "Quick exit" wipe the phone first (~/components/wipe-listener). */
export function WipeGuard() {
  const [up, setUp] = useState(false);
  useEffect(() => setUp(true), []);
  return up ? (
    <Suspense fallback={null}>
      <WipeListener />
    </Suspense>
  ) : null;
}
