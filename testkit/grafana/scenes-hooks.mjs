// Module hooks for loading single ESM files of @grafana/scenes in Node: they import
// CommonJS packages (@grafana/data, lodash, ...) with named imports Node cannot
// detect, so each such package is served as a module that re-exports its keys.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const PREFIX = "grafana-cjs:";
const COMMONJS_PACKAGES = new Set(["@grafana/data", "@grafana/schema", "@grafana/i18n", "lodash"]);

export async function resolve(specifier, context, next) {
  if (COMMONJS_PACKAGES.has(specifier)) return { url: PREFIX + specifier, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith(PREFIX)) return next(url, context);
  const name = url.slice(PREFIX.length);
  const keys = Object.keys(require(name)).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default");
  const source = [
    `import { createRequire } from "node:module";`,
    `const m = createRequire(${JSON.stringify(import.meta.url)})(${JSON.stringify(name)});`,
    "export default m;",
    ...keys.map((key) => `export const ${key} = m[${JSON.stringify(key)}];`),
  ].join("\n");
  return { format: "module", source, shortCircuit: true };
}
