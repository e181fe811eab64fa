import { z } from "zod";
import { requiredMessage, tooLargeMessage, tooSmallMessage, wholeNumberMessage } from "./field-messages";

/**
 * A whole number from `min` to `max` typed into a form (coerced from text), each failure with
 * its own message naming the field: not a whole number (like `example`), too small, too large.
 */
export const wholeNumber = (field: string, min: number, max: number, example: number) =>
  z.coerce
    .number({ invalid_type_error: wholeNumberMessage(field, example), required_error: requiredMessage(field) })
    .int(wholeNumberMessage(field, example))
    .min(min, tooSmallMessage(field, min))
    .max(max, tooLargeMessage(field, max));
