/** The outcome of an action on a shift, told in one translated sentence. */
export type ShiftNotice = { key: string; values?: Record<string, string | number>; tone: "ok" | "error" };
