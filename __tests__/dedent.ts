/** Strips the common indentation and the first and last line breaks of an inline text block. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").replace(/\n\s*$/, "").split("\n");
  const indent = Math.min(...lines.filter((line) => line.trim() !== "").map((line) => line.match(/^ */)![0].length));
  return lines.map((line) => line.slice(indent)).join("\n") + "\n";
}
