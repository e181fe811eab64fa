export interface SqlStatement {
  text: string;
  /** 1-based line on which the statement starts in its file. */
  line: number;
}

/**
 * Splits a SQL script into statements on top-level semicolons, respecting quotes,
 * dollar-quoted bodies and comments, so a failing statement can be named exactly.
 */
export function splitSqlStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    let from = start;
    // Leading whitespace and comments belong to no statement; skip them so the line is the statement's own.
    for (;;) {
      while (from < end && /\s/.test(sql[from]!)) from++;
      if (sql.startsWith("--", from)) {
        const eol = sql.indexOf("\n", from);
        from = eol === -1 || eol > end ? end : eol + 1;
      } else if (sql.startsWith("/*", from)) {
        const close = sql.indexOf("*/", from + 2);
        from = close === -1 || close > end ? end : close + 2;
      } else break;
    }
    const text = sql.slice(from, end).trim();
    if (text) statements.push({ text, line: sql.slice(0, from).split("\n").length });
    start = end + 1;
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"') {
      // E'...' strings also allow backslash escapes.
      const escapes = ch === "'" && (sql[i - 1] === "E" || sql[i - 1] === "e") && !/[\w$]/.test(sql[i - 2] ?? "");
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === "\\") j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      i = j + 1;
    } else if (ch === "$") {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? sql.length : end + tag[0].length;
      } else {
        i++;
      }
    } else if (ch === ";") {
      push(i);
      i++;
    } else {
      i++;
    }
  }
  push(sql.length);
  return statements;
}
