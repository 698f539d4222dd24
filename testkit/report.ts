/** Output shared by the end-to-end test and the benchmark: tables and the closing line. */

/** One row of a test's table: what was checked, what was found, what was expected, and whether they agree. */
export interface CheckRow {
  readonly panel: string;
  readonly found: string;
  readonly expected: string;
  readonly passed: boolean;
}

/** A row that did not pass, as a wait's message names it: "view / dashboard / panel: found …, expected …". */
export function describeRow(row: CheckRow & { readonly view?: string; readonly dashboard?: string }): string {
  const where = [row.view, row.dashboard, row.panel].filter((part) => part !== undefined).join(" / ");
  return `${where}: found ${row.found}, expected ${row.expected}`;
}

/** A markdown table with its columns padded to line up. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/**
 * Runs a script's main function and exits with its code; an error ends the run
 * with its message and a failed "N passed, N failed" line, which CI reads.
 */
export function runAsScript(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      console.log(`${name}: 0 passed, 1 failed`);
      process.exit(1);
    },
  );
}
