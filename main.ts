import { App } from "cdktf";
import * as path from "path";
import { loadConfig } from "./config/load-config";
import { MonitoringStack, STACK_NAME } from "./constructs/monitoring-stack";

const app = new App();
new MonitoringStack(app, STACK_NAME, {
  config: loadConfig(__dirname),
  stateDir: path.join(__dirname, "state"),
});
app.synth();
