/**
 * The project's layers, bottom to top: telemetry (metric and label vocabulary),
 * config, renderers, dashboards and backfill, constructs, main.ts. Nothing imports a layer
 * above its own; product code never imports test code; the test kit serves
 * e2e/ and bench/ and imports neither; bench/ never imports e2e/.
 * Checked by `npm run check:imports` and in `npm test` (__tests__/imports.test.ts).
 */
const PRODUCT = "^(telemetry|config|renderers|dashboards|constructs|providers|backfill)/|^main\\.ts$";
const TEST_CODE = "^(testkit|e2e|bench|__tests__|scripts)/";

/** A rule forbidding `from` to import any of `to`. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: "error", from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "an import cycle", severity: "error", from: {}, to: { circular: true } },
    { name: "not-to-unresolvable", comment: "an import that resolves to no file", severity: "error", from: {}, to: { couldNotResolve: true } },
    forbid("telemetry-is-the-bottom", "the vocabulary imports no other layer", "^telemetry/", "^(config|renderers|dashboards|constructs|providers)/"),
    forbid("config-below-renderers", "config imports only the vocabulary", "^config/", "^(renderers|dashboards|constructs|providers)/"),
    forbid("renderers-below-dashboards", "renderers import the vocabulary and config", "^renderers/", "^(dashboards|constructs|providers)/"),
    forbid("dashboards-below-constructs", "dashboards import the vocabulary and config", "^dashboards/", "^(renderers|constructs|providers)/"),
    forbid("backfill-below-constructs", "the backfill imports the vocabulary, config and renderers", "^backfill/", "^(dashboards|constructs|providers)/"),
    forbid("product-not-tests", "product code never imports test code", PRODUCT, TEST_CODE),
    forbid("testkit-serves-suites", "the test kit imports no suite", "^testkit/", "^(e2e|bench|__tests__)/"),
    forbid("bench-not-e2e", "the benchmark uses the test kit, never e2e/", "^bench/", "^e2e/"),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|cdktf\\.out|\\.cache|\\.scratch|\\.gen|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["require", "node", "default", "types"] },
  },
};
