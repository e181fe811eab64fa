import type { Claims } from "~/db/client.server";
import { DomainError } from "~/db/errors.server";
import { parsePublicText, publishAlert, unpublishAlert } from "./alerts.server";
import { textWarnings, type TextWarning } from "./text-warnings";

export interface AlertPreview {
  text: string;
  warnings: TextWarning[];
}

/** The preview of a text as posted, or null when the text itself is not valid. */
export function alertPreviewOf(form: FormData): AlertPreview | null {
  try {
    const text = parsePublicText(form.get("publicText"));
    return { text, warnings: textWarnings(text) };
  } catch {
    return null;
  }
}

/**
 * "Publish alert" on /review/:id, in two steps that both work without JavaScript: a preview (the
 * text checked, its warnings named), then the publication of exactly the previewed text, with
 * "I read it" ticked, and "I checked the warnings" when there are any.
 */
export async function communityAlertAction(claims: Claims, reportId: string, intent: "alertPreview" | "alertPublish" | "alertUnpublish", form: FormData): Promise<AlertPreview | null> {
  switch (intent) {
    case "alertPreview": {
      const text = parsePublicText(form.get("publicText"));
      return { text, warnings: textWarnings(text) };
    }
    case "alertPublish": {
      const text = parsePublicText(form.get("publicText"));
      if (form.get("reviewed") !== "on") throw new DomainError(400, "alerts.errors.reviewRequired", "reviewed");
      await publishAlert(claims, reportId, { text, warningsConfirmed: form.get("confirmWarnings") === "on" });
      return null;
    }
    case "alertUnpublish":
      await unpublishAlert(claims, reportId, String(form.get("alertId") ?? ""));
      return null;
  }
}
