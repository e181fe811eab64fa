/**
 * Field errors that say what is wrong with which field: an i18n key and its values, as
 * `translateError` (~/components/ui/field) reads them ("key|{json}"). `field` is the i18n key of
 * the field's name, translated with the message ("“Narrative” must be 10,000 characters or fewer").
 */
export const fieldMessage = (key: string, values?: Record<string, unknown>) => (values ? `${key}|${JSON.stringify(values)}` : key);

/** Nothing was entered in a field that needs something. */
export const requiredMessage = (field: string) => fieldMessage("formErrors.required", { field });

/** Longer than `max` characters. */
export const tooLongMessage = (field: string, max: number) => fieldMessage("formErrors.tooLong", { field, count: max });

/** A whole number was expected (letters, decimals), like `example`. */
export const wholeNumberMessage = (field: string, example: number) => fieldMessage("formErrors.wholeNumber", { field, example });

/** Below the smallest or above the largest number allowed. */
export const tooSmallMessage = (field: string, min: number) => fieldMessage("formErrors.tooSmall", { field, min });
export const tooLargeMessage = (field: string, max: number) => fieldMessage("formErrors.tooLarge", { field, max });

/** Not a real calendar date. */
export const dateMessage = (field: string) => fieldMessage("formErrors.date", { field });

