import { useFormAction, useNavigation } from "@remix-run/react";

/**
 * Whether a form of this route (or the one posting to `formAction`) is on its way: the one way a
 * page disables a button or marks it busy while its submission runs (after the Epic Stack's
 * useIsPending). `fields` narrows it to one of several forms on a page: a name that must carry
 * that value (`{ intent: "triage" }`), or `true` for a name that must be present.
 */
export function useIsPending({
  formAction,
  formMethod = "POST",
  state = "non-idle",
  fields = {},
}: {
  formAction?: string;
  formMethod?: "POST" | "GET" | "PUT" | "PATCH" | "DELETE";
  state?: "submitting" | "loading" | "non-idle";
  fields?: Record<string, string | true>;
} = {}) {
  const contextualFormAction = useFormAction();
  const navigation = useNavigation();
  const pending = state === "non-idle" ? navigation.state !== "idle" : navigation.state === state;
  if (!pending || navigation.formMethod?.toUpperCase() !== formMethod || navigation.formAction !== (formAction ?? contextualFormAction)) return false;
  return Object.entries(fields).every(([name, value]) => (value === true ? navigation.formData?.has(name) : navigation.formData?.get(name) === value));
}
