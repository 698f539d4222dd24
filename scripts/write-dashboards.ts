// Writes every dashboard as plain JSON under dashboards/json/, for people who
// import them into a Grafana they already run. Run after changing dashboards
// or team attributes: npm run dashboards
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load-config";
import { allDashboards, dashboardJson } from "../dashboards";
import { dashboardConfig } from "../dashboards/config";

const projectDir = path.join(__dirname, "..");
const config = loadConfig(projectDir);
const outDir = path.join(projectDir, "dashboards", "json");
fs.mkdirSync(outDir, { recursive: true });
const dashboards = allDashboards(
  dashboardConfig({ teamAttributeKeys: Object.keys(config.teamAttributes), scrapeInterval: config.prometheus.scrapeInterval }),
);
for (const [file, model] of Object.entries(dashboards)) {
  fs.writeFileSync(path.join(outDir, file), dashboardJson(model));
  console.log(`wrote dashboards/json/${file}`);
}
