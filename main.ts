import { App } from "cdktf";
import * as path from "path";
import { loadConfig } from "./config/load-config";
import { MonitoringStack, STACK_NAME } from "./constructs/monitoring-stack";

const app = new App();
new MonitoringStack(app, STACK_NAME, {
  config: loadConfig(__dirname),
  // STACK_STATE_DIR lets a second deployment (the end-to-end test's) keep its own state.
  stateDir: process.env.STACK_STATE_DIR ?? path.join(__dirname, "state"),
});
app.synth();
