import { z } from "zod";
import { ReportSchema } from "./schema";

export { addendumAad } from "./addendum-aad";

const report = ReportSchema.innerType().shape;

/**
 * "Add sealed details": detained people and witnesses, as the report form has them (the same
 * fields and limits), sealed in the browser (`sealed`) or, without JavaScript, on receipt.
 */
export const SealedAddendumSchema = z.object({
  addendumId: z.string({ required_error: "addenda.errors.id" }).uuid("addenda.errors.id"),
  detained: report.detained,
  witnesses: report.witnesses,
  sealed: report.sealed,
  sealedDetained: report.sealedDetained,
  sealedWitnesses: report.sealedWitnesses,
});
export type SealedAddendumInput = z.infer<typeof SealedAddendumSchema>;
