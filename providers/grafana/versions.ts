import * as cdktf from "cdktf";

/**
 * The grafana/grafana provider release these bindings were written against.
 * Attribute names follow that release's documented schema for the provider,
 * grafana_data_source, grafana_folder and grafana_dashboard.
 */
export const GRAFANA_PROVIDER = {
  providerName: "grafana",
  providerVersion: "4.24.0",
  providerVersionConstraint: "4.24.0",
} as const;

/** The TerraformResource options every grafana_* binding passes to its base class. */
export function grafanaResourceOptions(type: string, meta: cdktf.TerraformMetaArguments): cdktf.TerraformResourceConfig {
  return {
    terraformResourceType: type,
    terraformGeneratorMetadata: GRAFANA_PROVIDER,
    provider: meta.provider,
    dependsOn: meta.dependsOn,
    count: meta.count,
    lifecycle: meta.lifecycle,
    provisioners: meta.provisioners,
    connection: meta.connection,
    forEach: meta.forEach,
  };
}
