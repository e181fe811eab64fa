import { fieldMessage } from "~/utils/field-messages";

/** A field of a numbered group of the report form: `officers[1].name` is group "officers", slot 1, part "name". */
const SLOT_FIELD = /^(officers|vehicles|detained|witnesses)\[(\d+)\]\./;

/**
 * The messages of the report form's numbered groups name the slot too ("“Officer 2: Name” must be
 * 120 characters or fewer", "“Detained person 1: Where they were taken” …"): the schema's message
 * knows the field, not which of the repeated fields it is (`errorsFound.<group>` numbers it, and
 * `translateError` reads it). Other fields' messages are returned as they are.
 */
export function slotErrors<T extends string[] | null | undefined>(errors: Record<string, T>): Record<string, T> {
  const named: Record<string, T> = {};
  for (const [name, messages] of Object.entries(errors)) {
    const slot = SLOT_FIELD.exec(name);
    named[name] = (
      slot && messages
        ? messages.map((message) => {
            const [key, json] = message.split("|", 2);
            return json ? fieldMessage(key!, { ...(JSON.parse(json) as object), n: Number(slot[2]) + 1, slot: `errorsFound.${slot[1]}` }) : message;
          })
        : messages
    ) as T;
  }
  return named;
}
