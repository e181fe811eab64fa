import { z } from "zod";
import { ReportSchema } from "./schema";

/**
 * The associated data a sealed addendum is bound to (ADR 023): its report and its own id, so its
 * box opens only as that addendum of that report. supabase/migrations/*_sealed_addenda.sql says the
 * same in SQL (for sharing and recovery).
 */
export const addendumAad = (reportId: string, addendumId: string) => `addendum:${reportId}:${addendumId}`;

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
