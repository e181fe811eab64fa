import { z } from "zod";
import { sql, type Trx } from "~/db/client.server";
import { PushGone, pushTopic, sendPush, type PushTarget } from "~/integrations/push.server";
import { registerJobKind } from "~/jobs/runner.server";
import { hasPushMessage, pushMessage, type PushMessage } from "./messages.server";

// One push job per (event, device), queued beside the event's email job in the same transaction
// (private.queue_push). Sent at least once: if the process dies after the push service accepted a
// message and before the job is marked done, it goes again, with the same tag, and the device
// replaces the first notification with it, so the person sees it once.

export const PushJobPayload = z.object({
  subscription_id: z.string().uuid(),
  event: z.string().min(1).max(60),
  event_payload: z.unknown(),
  tag: z.string().min(1).max(200),
  urgent: z.boolean(),
});
type PushJob = z.infer<typeof PushJobPayload>;

interface PushDelivery {
  subscriptionId: string;
  target: PushTarget;
  message: PushMessage;
  tag: string;
}

/** Seconds a push service keeps an undelivered alert: a dispatch is stale after an hour. */
const TTL_SECONDS = { urgent: 60 * 60, other: 12 * 60 * 60 };

/** The event's email job, left unsent because push was to replace it, is due again. */
const reopenEmail = (trx: Trx, tag: string) =>
  sql`update private.jobs set done_at = null, run_at = now() where dedupe_key = ${tag} and attempts = 0 and done_at is not null`.execute(trx);

async function buildPush(trx: Trx, job: PushJob): Promise<PushDelivery | null> {
  // private.notify_person with a kind no module gave a push text: the email must go after all.
  if (!hasPushMessage(job.event)) {
    if (!job.urgent) await reopenEmail(trx, job.tag);
    return null;
  }
  const row = await trx
    .selectFrom("push_subscriptions as s")
    .innerJoin("profiles as p", "p.id", "s.person_id")
    .select(["s.id", "s.endpoint", "s.p256dh", "s.auth", "p.preferred_language", "p.deactivated_at"])
    .where("s.id", "=", job.subscription_id)
    .executeTakeFirst();
  // Turned off, signed out or gone since: nothing to send.
  if (!row || row.deactivated_at !== null) return null;
  const message = await pushMessage(trx, { kind: job.event, payload: job.event_payload, tag: job.tag, urgent: job.urgent }, row.preferred_language);
  if (!message) return null;
  return { subscriptionId: row.id, target: { endpoint: row.endpoint, p256dh: row.p256dh, auth: row.auth }, message, tag: job.tag };
}

/**
 * The device is gone (404/410): its subscription goes. A reminder or a promotion whose email was left
 * unsent because of push is sent by email after all when the person has no device left.
 */
async function deviceGone(trx: Trx, delivery: PushDelivery) {
  const gone = await trx.deleteFrom("push_subscriptions").where("id", "=", delivery.subscriptionId).returning("person_id").executeTakeFirst();
  if (!gone || delivery.message.urgent) return;
  const left = await trx.selectFrom("push_subscriptions").select("id").where("person_id", "=", gone.person_id).executeTakeFirst();
  if (!left) await reopenEmail(trx, delivery.tag);
}

export function registerPushJobs() {
  registerJobKind<PushJob, PushDelivery>({
    kind: "push",
    payload: PushJobPayload,
    build: buildPush,
    send: ({ target, message }) =>
      sendPush(target, JSON.stringify(message), {
        ttl: message.urgent ? TTL_SECONDS.urgent : TTL_SECONDS.other,
        urgency: message.urgent ? "high" : "normal",
        topic: pushTopic(message.tag),
      }),
    settle: async (trx, delivery, error) => {
      if (error instanceof PushGone) {
        await deviceGone(trx, delivery);
        return true;
      }
      // The push service failed (an outage, a refusal): the push is retried, but a reminder or a
      // promotion cannot wait through the retries, so its email goes now. Being told twice beats
      // being told late. (Urgent ones had their email from the start.)
      if (!delivery.message.urgent) await reopenEmail(trx, delivery.tag);
      return false;
    },
  });
}
