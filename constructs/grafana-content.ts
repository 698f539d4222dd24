import { Fn, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { escapeTerraformTemplate } from "./terraform-strings";
import { Dashboard } from "../providers/grafana/dashboard";
import { DataSource } from "../providers/grafana/data-source";
import { Folder } from "../providers/grafana/folder";
import { GrafanaProvider } from "../providers/grafana/provider";

export interface GrafanaContentProps {
  /** URL of the Grafana to provision, as this machine reaches it. */
  readonly url: string;
  /** Credentials for Grafana's API (sensitive): `user:password` or a service-account token. */
  readonly auth: string;
  /**
   * What must be in place before anything is provisioned, such as the Grafana container.
   * @default - nothing
   */
  readonly dependsOn?: ITerraformDependable[];
  /** Prometheus URL as Grafana reaches it. */
  readonly prometheusUrl: string;
  /**
   * Basic auth for Prometheus (the password a sensitive Terraform value).
   * @default - none
   */
  readonly prometheusLogin?: { readonly username: string; readonly password: string };
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

/** The Prometheus datasource, a folder and the dashboards, through Grafana's API (the grafana/grafana provider). */
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
    const provider = new GrafanaProvider(this, "provider", { url: props.url, auth: props.auth, retries: 5, retryWait: 2 });
    const inGrafana = { provider, dependsOn: props.dependsOn };

    this.datasource = new DataSource(this, "prometheus", {
      ...inGrafana,
      name: "Prometheus (Claude Code)",
      type: "prometheus",
      uid: datasourceUid,
      url: props.prometheusUrl,
      accessMode: "proxy",
      isDefault: true,
      jsonDataEncoded: JSON.stringify({ timeInterval: props.scrapeInterval, httpMethod: "POST", prometheusType: "Prometheus" }),
      ...(props.prometheusLogin
        ? {
            basicAuthEnabled: true,
            basicAuthUsername: props.prometheusLogin.username,
            secureJsonDataEncoded: Fn.jsonencode({ basicAuthPassword: props.prometheusLogin.password }),
          }
        : {}),
    });
    this.folder = new Folder(this, "folder", { ...inGrafana, title: props.folderTitle ?? "Claude Code", uid: "claude-code" });
    this.dashboards = Object.entries(props.dashboards).map(
      ([name, model]) =>
        new Dashboard(this, `dashboard-${name.replace(/\.json$/, "")}`, {
          ...inGrafana,
          dependsOn: [...(props.dependsOn ?? []), this.datasource],
          folder: this.folder.uid,
          overwrite: true,
          configJson: escapeTerraformTemplate(JSON.stringify(model)),
        }),
    );
  }
}
