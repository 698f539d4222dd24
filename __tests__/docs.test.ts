import * as fs from "fs";
import * as path from "path";

const PROJECT_DIR = path.join(__dirname, "..");
const DOCS_DIR = path.join(PROJECT_DIR, "docs");
const PAGES = ["README.md", ...fs.readdirSync(DOCS_DIR).filter((name) => name.endsWith(".md")).map((name) => path.join("docs", name))];
/** Files a recipe names that a command writes and git does not keep. */
const WRITTEN_BY_COMMANDS = new Set(["bench/results-smoke.md"]);

const read = (page: string) => fs.readFileSync(path.join(PROJECT_DIR, page), "utf8");

test("every path the contributor guide names exists", () => {
  const guide = read("docs/CONTRIBUTING.md");
  const named = [...guide.matchAll(/`([\w.-]+(?:\/[\w.-]*)*)`/g)]
    .map((match) => match[1])
    .filter((token) => token.includes("/") || /\.(ts|md|json|cjs|sh|yml)$/.test(token));
  expect(named.length).toBeGreaterThan(40);
  const missing = named.filter((file) => !WRITTEN_BY_COMMANDS.has(file) && !fs.existsSync(path.join(PROJECT_DIR, file)));
  expect(missing).toEqual([]);
});

test("every npm script the docs name exists", () => {
  const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
  const named = PAGES.flatMap((page) => [...read(page).matchAll(/npm run ([\w:-]+)/g)].map((match) => `${page}: ${match[1]}`));
  expect(named.length).toBeGreaterThan(10);
  expect(named.filter((entry) => !scripts.includes(entry.split(": ")[1]))).toEqual([]);
});

test("every relative link between the pages leads to a file, and each docs page says whom it is for", () => {
  const broken = PAGES.flatMap((page) =>
    [...read(page).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => !fs.existsSync(path.join(PROJECT_DIR, path.dirname(page), target)))
      .map((target) => `${page} -> ${target}`),
  );
  expect(broken).toEqual([]);
  for (const page of PAGES.filter((page) => page.startsWith("docs/"))) expect(read(page)).toMatch(/^# .+\n\n\*For: /);
});

test("the README stays a page for users: at most 250 lines, both set-up commands in its first 40", () => {
  const lines = read("README.md").split("\n");
  expect(lines.length).toBeLessThanOrEqual(250);
  const firstScreen = lines.slice(0, 40).join("\n");
  expect(firstScreen).toContain("npm ci && npx cdktf deploy");
  expect(firstScreen).toContain("scripts/install-test-tools.sh && npm ci && npm test");
});
