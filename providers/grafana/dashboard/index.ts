// Hand-written in the shape of `cdktf get` output; see ../provider/index.ts.
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { grafanaResourceOptions } from "../versions";

export interface DashboardConfig extends cdktf.TerraformMetaArguments {
  /** The complete dashboard model JSON (`config_json`). */
  readonly configJson: string;
  /** The UID of the folder to save the dashboard in (`folder`). */
  readonly folder?: string;
  /** Overwrite a dashboard with the same uid or title (`overwrite`). */
  readonly overwrite?: boolean;
  /** Commit message for the version history (`message`). */
  readonly message?: string;
}

/** Resource grafana_dashboard. */
export class Dashboard extends cdktf.TerraformResource {
  public static readonly tfResourceType = "grafana_dashboard";

  private readonly config: DashboardConfig;

  constructor(scope: Construct, id: string, config: DashboardConfig) {
    super(scope, id, grafanaResourceOptions("grafana_dashboard", config));
    this.config = config;
  }

  public get uid(): string {
    return this.getStringAttribute("uid");
  }

  public get url(): string {
    return this.getStringAttribute("url");
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      config_json: cdktf.stringToTerraform(this.config.configJson),
      folder: cdktf.stringToTerraform(this.config.folder),
      overwrite: cdktf.booleanToTerraform(this.config.overwrite),
      message: cdktf.stringToTerraform(this.config.message),
    };
  }
}
