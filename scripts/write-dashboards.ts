// Writes every dashboard as plain JSON under dashboards/json/, with the
// recording and alerting rules they read, for people who import them into a Grafana and
// Prometheus they already run. Run after changing dashboards, rules or team
// attributes: npm run dashboards
import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../config/load-config";
import { allDashboards, dashboardJson } from "../dashboards";
import { stackDashboardConfig } from "../dashboards/config";
import { RULES_FILE, renderRecordingRules } from "../renderers/recording-rules";
import { ALERT_RULES_FILE } from "../renderers/alert-rules";
import { standaloneAlertRules } from "./standalone-rules";

const projectDir = path.join(__dirname, "..");
const config = loadConfig(projectDir);
const outDir = path.join(projectDir, "dashboards", "json");
fs.mkdirSync(outDir, { recursive: true });
const dashboards = allDashboards(stackDashboardConfig(config));
for (const [file, model] of Object.entries(dashboards)) {
  fs.writeFileSync(path.join(outDir, file), dashboardJson(model));
  console.log(`wrote dashboards/json/${file}`);
}
fs.writeFileSync(path.join(outDir, RULES_FILE), renderRecordingRules({ interval: config.prometheus.ruleInterval, scrapeInterval: config.prometheus.scrapeInterval, rollupWindow: config.prometheus.rollupWindow }));
console.log(`wrote dashboards/json/${RULES_FILE}`);
const alertRules = standaloneAlertRules(config);
if (alertRules) {
  fs.writeFileSync(path.join(outDir, ALERT_RULES_FILE), alertRules);
  console.log(`wrote dashboards/json/${ALERT_RULES_FILE}`);
}
