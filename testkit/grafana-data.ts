/**
 * Grafana's own @grafana/data, from testkit/grafana/ (its own package, since
 * Grafana's libraries need React 19 and the cdktf CLI React 17), loaded by
 * Node's require rather than the importer's: some of its dependencies ship
 * only as ES modules, which Node loads and Jest's module system does not.
 */
import * as path from "path";
import type * as GrafanaData from "@grafana/data";

/** The package of Grafana's libraries; `npm ci` installs it (the project's postinstall). */
export const GRAFANA_LIBRARIES_DIR = path.join(__dirname, "grafana");

function loadGrafanaData(): typeof GrafanaData {
  const nodeModule: typeof import("module") = process.getBuiltinModule("module");
  try {
    return nodeModule.createRequire(path.join(GRAFANA_LIBRARIES_DIR, "package.json"))("@grafana/data");
  } catch (error) {
    throw new Error(`Grafana's libraries are missing: run \`npm ci\` (or \`npm ci --prefix testkit/grafana\`): ${(error as Error).message.split("\n")[0]}`);
  }
}

export const { dateTime, escapeRegex, rangeUtil } = loadGrafanaData();
