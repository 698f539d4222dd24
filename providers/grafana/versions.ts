import * as cdktf from "cdktf";

/**
 * The grafana/grafana provider release these bindings are pinned to: the newest
 * 4.x release, whose acceptance tests run against Grafana 13. The attributes the
 * bindings use (provider, grafana_data_source, grafana_folder, grafana_dashboard)
 * were checked in that release's provider_schema.json: same names, types and
 * required flags as in 4.24.0, the release they were first written for.
 */
export const GRAFANA_PROVIDER = {
  providerName: "grafana",
  providerVersion: "4.45.1",
  providerVersionConstraint: "4.45.1",
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
