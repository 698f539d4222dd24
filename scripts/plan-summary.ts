/**
 * Turns a Terraform plan (`terraform show -json plan`) into a short markdown
 * summary for a pull request: what is created, updated in place, replaced (and
 * which attribute forces it) or destroyed, with a warning first for anything
 * that loses data, changes past numbers (renderers/stored-data.ts) or changes
 * the Grafana password, and budget, alert, receiver and route changes in words
 * (renderers/alerting-changes.ts). Only resource, attribute, output, alert and
 * receiver names and budget amounts are printed, never another value, so
 * secrets cannot leak.
 */
import { STORED_DATA_LABEL, StoredData, storedDataChanges } from "../renderers/stored-data";
import { ALERT_RULES_FILE } from "../renderers/alert-rules";
import { alertRuleChanges, alertmanagerChanges } from "../renderers/alerting-changes";


/** The parts of Terraform's JSON plan format this summary reads. */
export interface TerraformPlan {
  readonly resource_changes?: readonly ResourceChange[];
  readonly output_changes?: Readonly<Record<string, { readonly actions: readonly string[] }>>;
}

export interface ResourceChange {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: Record<string, unknown> | null;
    readonly after?: Record<string, unknown> | null;
    readonly after_unknown?: Record<string, unknown>;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
}

export type ChangeKind = "created" | "updated in place" | "replaced" | "destroyed";

export interface PlannedChange {
  readonly kind: ChangeKind;
  /** What a person calls it, e.g. "Prometheus container". */
  readonly resource: string;
  readonly address: string;
  /** For replacements, the attributes that force them; for updates, the attributes that change. */
  readonly attributes: readonly string[];
}

export interface PlanSummary {
  readonly changes: readonly PlannedChange[];
  readonly warnings: readonly string[];
  /** Budgets, alerts, receivers and routes that change, in words. */
  readonly alerting: readonly string[];
  readonly changedOutputs: readonly string[];
  readonly unchanged: number;
  /** Whether applying the plan would change anything (resources or outputs). */
  readonly hasChanges: boolean;
  readonly markdown: string;
}

const KIND_OF_TYPE: Record<string, string> = {
  docker_container: "container",
  docker_image: "image",
  docker_volume: "volume",
  docker_network: "network",
  random_password: "admin password",
  grafana_data_source: "datasource",
  grafana_folder: "folder",
  grafana_dashboard: "dashboard",
};

/** The component a resource belongs to, from the first part of its logical id. */
const COMPONENT_OF_ID: Record<string, string> = {
  collector: "Collector",
  prometheus: "Prometheus",
  "prometheus-data": "Prometheus data",
  grafana: "Grafana",
  "grafana-data": "Grafana data",
  "grafana-admin-password": "Grafana",
  "grafana-content": "Grafana",
  network: "stack",
};

export function summarizePlan(plan: TerraformPlan, title = "Terraform plan"): PlanSummary {
  const managed = (plan.resource_changes ?? []).filter((change) => change.mode === "managed");
  const changes: PlannedChange[] = [];
  let unchanged = 0;
  for (const resourceChange of managed) {
    const kind = kindOf(resourceChange.change.actions);
    if (!kind) {
      unchanged++;
      continue;
    }
    changes.push({ kind, resource: describe(resourceChange), address: resourceChange.address, attributes: attributesOf(kind, resourceChange) });
  }
  const warnings = warningsFor(managed);
  const alerting = alertingChangesOf(managed);
  const changedOutputs = Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => !change.actions.every((action) => action === "no-op"))
    .map(([name]) => name)
    .sort();
  const hasChanges = changes.length > 0 || changedOutputs.length > 0;
  return { changes, warnings, alerting, changedOutputs, unchanged, hasChanges, markdown: render(title, changes, warnings, alerting, changedOutputs, unchanged, managed) };
}

function kindOf(actions: readonly string[]): ChangeKind | undefined {
  if (actions.includes("delete") && actions.includes("create")) return "replaced";
  if (actions.includes("create")) return "created";
  if (actions.includes("delete")) return "destroyed";
  if (actions.includes("update")) return "updated in place";
  return undefined;
}

function describe(change: ResourceChange): string {
  const component = COMPONENT_OF_ID[change.name.split("_")[0]];
  const kind = KIND_OF_TYPE[change.type] ?? change.type;
  const values = change.change.after ?? change.change.before ?? {};
  const name = typeof values.name === "string" ? values.name : typeof values.title === "string" ? values.title : undefined;
  return `${component ? `${component} ${kind}` : kind}${name ? ` \`${name}\`` : ""}`;
}

function attributesOf(kind: ChangeKind, change: ResourceChange): string[] {
  if (kind === "replaced") return unique((change.change.replace_paths ?? []).map((p) => String(p[0])));
  if (kind !== "updated in place") return [];
  const before = change.change.before ?? {};
  const after = change.change.after ?? {};
  const unknown = change.change.after_unknown ?? {};
  const keys = unique([...Object.keys(before), ...Object.keys(after)]);
  return keys.filter((key) => unknown[key] === true || JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

function warningsFor(changes: readonly ResourceChange[]): string[] {
  const warnings: string[] = [];
  for (const change of changes) {
    const kind = kindOf(change.change.actions);
    if (kind === "replaced" || kind === "updated in place") {
      const [before, after] = [storedDataOf(change.change.before), storedDataOf(change.change.after)];
      if (before && after) warnings.push(...storedDataChanges(before, after));
    }
    if (kind !== "replaced" && kind !== "destroyed") continue;
    if (change.type === "docker_volume") {
      warnings.push(`${describe(change)} is ${kind}: **all the data in it is deleted**. Back it up first (README, "Data retention").`);
    }
    if (change.type === "random_password") {
      warnings.push(`The Grafana admin password is ${kind}: the new one no longer matches the one Grafana stored when its database was created.`);
    }
  }
  return warnings;
}

/** What the alerting files uploaded into the Prometheus and Alertmanager containers change. */
function alertingChangesOf(changes: readonly ResourceChange[]): string[] {
  const lines: string[] = [];
  for (const change of changes) {
    if (change.type !== "docker_container" || !kindOf(change.change.actions)) continue;
    const [before, after] = [change.change.before, change.change.after];
    const file = (values: typeof before, name: string) =>
      ((values?.upload ?? []) as { file?: string; content?: string }[]).find((upload) => upload.file?.endsWith(`/${name}`))?.content;
    for (const [name, changesOf] of [
      [ALERT_RULES_FILE, alertRuleChanges],
      ["alertmanager.yml", alertmanagerChanges],
    ] as const) {
      const [old, next] = [file(before, name), file(after, name)];
      if (typeof old === "string" && typeof next === "string") lines.push(...changesOf(old, next));
    }
  }
  return lines;
}

/** The StoredData a container's STORED_DATA_LABEL holds, if it has one. */
function storedDataOf(values: Record<string, unknown> | null | undefined): StoredData | undefined {
  const labels = (values?.labels ?? []) as { label?: string; value?: string }[];
  const value = labels.find((label) => label.label === STORED_DATA_LABEL)?.value;
  return value === undefined ? undefined : (JSON.parse(value) as StoredData);
}

function render(
  title: string,
  changes: readonly PlannedChange[],
  warnings: readonly string[],
  alerting: readonly string[],
  changedOutputs: readonly string[],
  unchanged: number,
  managed: readonly ResourceChange[],
): string {
  const count = (kind: ChangeKind) => changes.filter((change) => change.kind === kind).length;
  const lines = [`### ${title}`, ""];
  if (warnings.length > 0) lines.push("> [!WARNING]", ...warnings.map((warning) => `> ${warning}`), "");
  lines.push(
    `${count("created")} to create, ${count("updated in place")} to update in place, ${count("replaced")} to replace, ${count("destroyed")} to destroy; ${unchanged} unchanged.`,
    "",
  );
  for (const change of changes) {
    const why = change.attributes.length > 0 ? ` (${change.attributes.join(", ")})` : "";
    lines.push(`- ${change.kind}: ${change.resource}${why}`);
  }
  const volumes = managed.filter((change) => change.type === "docker_volume");
  if (volumes.length > 0 && volumes.every((change) => !kindOf(change.change.actions))) lines.push("- volumes: unchanged");
  if (changedOutputs.length > 0) lines.push(`- outputs changed: ${changedOutputs.join(", ")}`);
  if (alerting.length > 0) lines.push("", "Budgets and alerts:", ...alerting.map((line) => `- ${line}`));
  if (changes.length === 0 && changedOutputs.length === 0) lines.push("No changes.");
  return `${lines.join("\n")}\n`;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
