// Answers, with @grafana/scenes' own code, how Grafana finds variable references
// in a query (VARIABLE_REGEX) and how its regex format writes picked values.
// The package as a whole needs a browser; these two modules load in Node with
// scenes-hooks.mjs. Reads {queries, valueSets} as JSON on stdin, writes
// {references, regexFormat} as JSON on stdout.
import { createRequire, register } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

register("./scenes-hooks.mjs", import.meta.url);
const require = createRequire(import.meta.url);
const esm = join(dirname(require.resolve("@grafana/scenes/package.json")), "dist", "esm");
const load = (file) => import(pathToFileURL(join(esm, file)).href);
const { VARIABLE_REGEX } = await load("variables/constants.js");
const { formatRegistry } = await load("variables/interpolation/formatRegistry.js");

const input = JSON.parse(readFileSync(0, "utf8"));
const references = input.queries.map((query) => [...query.matchAll(new RegExp(VARIABLE_REGEX.source, "g"))].map((m) => [m[0], m[1] || m[2] || m[4]]));
const regex = formatRegistry.get("regex");
const regexFormat = input.valueSets.map((values) => regex.formatter(values.length === 1 ? values[0] : values, [], {}));
process.stdout.write(JSON.stringify({ references, regexFormat }));
