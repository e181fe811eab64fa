/** The form's answer when its first attempt failed and the report waits on the phone (or could not). */
export interface KeptForLater {
  keptOnPhone: boolean;
  clientUuid: string;
}
export const isKeptForLater = (value: unknown): value is KeptForLater => typeof value === "object" && value !== null && "keptOnPhone" in value;
