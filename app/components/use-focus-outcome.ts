import { useEffect, useRef } from "react";

/**
 * After an action, focus moves to its outcome (a notice, a list of problems), so keyboard and
 * screen-reader users hear it and go on from there rather than from the top of the page.
 */
export function useFocusOutcome<T extends HTMLElement>(show: unknown, trigger: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (show) ref.current?.focus();
    // Each new action result moves focus again, even with the same message.
  }, [trigger]); // eslint-disable-line react-hooks/exhaustive-deps
  return ref;
}
