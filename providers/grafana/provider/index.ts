// Hand-written in the shape of `cdktf get` output (the Terraform registry, which
// `cdktf get` needs, is not reachable everywhere this project is built).
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { GRAFANA_PROVIDER } from "../versions";

export interface GrafanaProviderConfig {
  /** The root URL of a Grafana server (`url`). */
  readonly url?: string;
  /** API token or basic auth as `username:password` (`auth`, sensitive). */
  readonly auth?: string;
  /** Retries of Grafana API calls (`retries`). */
  readonly retries?: number;
  /** Seconds between retries (`retry_wait`). */
  readonly retryWait?: number;
  /** Alias of this provider instance. */
  readonly alias?: string;
}

/** Provider block for https://registry.terraform.io/providers/grafana/grafana/4.45.1/docs */
export class GrafanaProvider extends cdktf.TerraformProvider {
  public static readonly tfResourceType = "grafana";

  private readonly config: GrafanaProviderConfig;

  constructor(scope: Construct, id: string, config: GrafanaProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: "grafana",
      terraformGeneratorMetadata: GRAFANA_PROVIDER,
      terraformProviderSource: "grafana/grafana",
    });
    this.config = config;
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      url: cdktf.stringToTerraform(this.config.url),
      auth: cdktf.stringToTerraform(this.config.auth),
      retries: cdktf.numberToTerraform(this.config.retries),
      retry_wait: cdktf.numberToTerraform(this.config.retryWait),
      alias: cdktf.stringToTerraform(this.alias),
    };
  }
}
