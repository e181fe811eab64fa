// One event of the live board as it travels in an SSE `data:` line: the kinds every module may
// emit (the board in board.ts, dispatch in dispatch/board.ts) and the shape they share.

export const LIVE_KINDS = [
  "report_submitted",
  "checked_in",
  "checked_out",
  "shift_short_staffed",
  "shift_staffing",
  "safety_alert_raised",
  "safety_alert_ok",
  "safety_alert_acknowledged",
  // dispatch (app/modules/dispatch/board.ts)
  "dispatch_created",
  "dispatch_alert",
  "dispatch_answered",
  "dispatch_cancelled",
] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

/** One event as it travels in an SSE `data:` line. */
export interface LiveEvent {
  id: string;
  at: string;
  kind: LiveKind;
  zoneId: string | null;
  shiftId: string | null;
  reportId: string | null;
  payload: Record<string, unknown>;
}
