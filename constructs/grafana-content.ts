import { Construct } from "constructs";
import { Dashboard } from "../providers/grafana/dashboard";
import { DataSource } from "../providers/grafana/data-source";
import { Folder } from "../providers/grafana/folder";
import { GrafanaProvider } from "../providers/grafana/provider";
import { GrafanaServer } from "./grafana-server";

export interface GrafanaContentProps {
  /** The Grafana container; nothing is provisioned before it reports healthy. */
  readonly grafana: GrafanaServer;
  /** Admin password (sensitive), for the provider's API calls. */
  readonly adminPassword: string;
  /** Prometheus URL as Grafana reaches it. */
  readonly prometheusUrl: string;
  /** Scrape interval, Grafana's smallest query step for this datasource. */
  readonly scrapeInterval: string;
  /** Dashboard models by name; each becomes one grafana_dashboard. */
  readonly dashboards: Readonly<Record<string, object>>;
  /**
   * Uid of the Prometheus datasource.
   * @default "claude-code-prometheus"
   */
  readonly datasourceUid?: string;
  /**
   * Title of the dashboards' folder.
   * @default "Claude Code"
   */
  readonly folderTitle?: string;
}

/** The Prometheus datasource, a folder and the dashboards, through Grafana's API. */
export class GrafanaContent extends Construct {
  readonly datasource: DataSource;
  readonly folder: Folder;
  readonly dashboards: Dashboard[];

  constructor(scope: Construct, id: string, props: GrafanaContentProps) {
    super(scope, id);
    if (Object.keys(props.dashboards).length === 0) {
      throw new Error("`dashboards` must name at least one dashboard");
    }
    const datasourceUid = props.datasourceUid ?? "claude-code-prometheus";
    const provider = new GrafanaProvider(this, "provider", {
      url: props.grafana.url,
      auth: `${props.grafana.adminUser}:${props.adminPassword}`,
      retries: 5,
      retryWait: 2,
    });
    const afterGrafanaIsHealthy = { provider, dependsOn: [props.grafana.container] };

    this.datasource = new DataSource(this, "prometheus", {
      ...afterGrafanaIsHealthy,
      name: "Prometheus (Claude Code)",
      type: "prometheus",
      uid: datasourceUid,
      url: props.prometheusUrl,
      accessMode: "proxy",
      isDefault: true,
      jsonDataEncoded: JSON.stringify({ timeInterval: props.scrapeInterval, httpMethod: "POST", prometheusType: "Prometheus" }),
    });
    this.folder = new Folder(this, "folder", { ...afterGrafanaIsHealthy, title: props.folderTitle ?? "Claude Code", uid: "claude-code" });
    this.dashboards = Object.entries(props.dashboards).map(
      ([name, model]) =>
        new Dashboard(this, `dashboard-${name.replace(/\.json$/, "")}`, {
          ...afterGrafanaIsHealthy,
          dependsOn: [props.grafana.container, this.datasource],
          folder: this.folder.uid,
          overwrite: true,
          configJson: escapeTerraformTemplate(JSON.stringify(model)),
        }),
    );
  }
}

/**
 * Terraform reads every string in cdk.tf.json as a template: Grafana's own
 * `${variable}` syntax must reach Grafana as written, not be interpolated.
 */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
