/**
 * What the numbers Prometheus keeps depend on, written as a label on its
 * container so that a plan review can say, before a deploy, which past
 * numbers a change of version or of fork settings changes (see
 * scripts/plan-summary.ts). Only names and settings, never a secret.
 */
import { durationSeconds } from "../config/stack-config";
import { recordingRules } from "./recording-rules";

/** Docker label of the Prometheus container that holds the JSON of StoredData. */
export const STORED_DATA_LABEL = "io.claude-code-monitoring.stored-data";

export interface StoredData {
  readonly ruleInterval: string;
  readonly rollupWindow: string;
  /** Names of the recording rules' series, sorted. */
  readonly recordedSeries: readonly string[];
  /** Labels the team attributes become, sorted. */
  readonly teamLabels: readonly string[];
  readonly teamMode: boolean;
}

export function storedData(options: { ruleInterval: string; rollupWindow: string; teamLabels: readonly string[]; teamMode: boolean }): StoredData {
  const rules = recordingRules(durationSeconds(options.ruleInterval), durationSeconds(options.rollupWindow));
  return {
    ruleInterval: options.ruleInterval,
    rollupWindow: options.rollupWindow,
    recordedSeries: [...new Set(rules.map((rule) => rule.record))].sort(),
    teamLabels: [...options.teamLabels].sort(),
    teamMode: options.teamMode,
  };
}

/**
 * In words, what a change from `before` to `after` does to numbers already
 * stored; nothing for changes that keep them all (the rollup window: the
 * rules carry each series' labels through, so old windows close as they were).
 */
export function storedDataChanges(before: StoredData, after: StoredData): string[] {
  const changes: string[] = [];
  const added = after.recordedSeries.filter((name) => !before.recordedSeries.includes(name));
  if (added.length > 0) {
    changes.push(
      `The recording rules record ${added.length} new series (${listed(added)}): panels that read them count only what comes after the deploy until you run \`npm run backfill\` after it.`,
    );
  }
  const dropped = before.recordedSeries.filter((name) => !after.recordedSeries.includes(name));
  if (dropped.length > 0) {
    changes.push(
      `The recording rules no longer record ${dropped.length} series (${listed(dropped)}): no panel of this version reads them; what they hold stays until the retention removes it, and a rollback to a version that reads them finds nothing there from the deploy on.`,
    );
  }
  if (before.ruleInterval !== after.ruleInterval) {
    changes.push(
      `\`prometheus.ruleInterval\` changes from ${before.ruleInterval} to ${after.ruleInterval}: the first evaluations at the new interval may count up to ${after.ruleInterval} of growth twice or not at all (their windows do not line up with the last ones at the old interval). Earlier and later numbers stay.`,
    );
  }
  for (const label of after.teamLabels.filter((name) => !before.teamLabels.includes(name))) {
    changes.push(`Team label \`${label}\` is new: data from before the deploy has none, so a filter on it shows only what comes after; totals over all of it stay.`);
  }
  for (const label of before.teamLabels.filter((name) => !after.teamLabels.includes(name))) {
    changes.push(`Team label \`${label}\` is removed: new data no longer has it; past data keeps it and still counts in every total.`);
  }
  if (!before.teamMode && after.teamMode) {
    changes.push("Team mode switches on: from the deploy on, each client's team comes from its token, whatever it sends; past data keeps the team it was sent with.");
  }
  return changes;
}

/** The first three names in backquotes, then "..." if there are more. */
function listed(names: readonly string[]): string {
  return `${names.slice(0, 3).map((name) => `\`${name}\``).join(", ")}${names.length > 3 ? ", ..." : ""}`;
}
