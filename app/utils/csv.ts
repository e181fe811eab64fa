/** Byte-order mark: spreadsheet programs read the file as UTF-8 only with it. */
export const CSV_BOM = "\ufeff";

/**
 * One CSV cell, always quoted. Text that a spreadsheet would run as a formula (leading = + - @,
 * tab or carriage return) is prefixed with an apostrophe. Numbers we print ourselves are never
 * formulas, so a negative longitude stays a number.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '""';
  if (typeof value === "number") return Number.isFinite(value) ? `"${value}"` : '""';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** One CSV line, with the CRLF that RFC 4180 asks for. */
export const csvRow = (cells: (string | number | null | undefined)[]) => `${cells.map(csvCell).join(",")}\r\n`;
