// Hand-written in the shape of `cdktf get` output; see ../provider/index.ts.
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { grafanaResourceOptions } from "../versions";

export interface DataSourceConfig extends cdktf.TerraformMetaArguments {
  /** A unique name for the data source (`name`). */
  readonly name: string;
  /** The data source type, e.g. "prometheus" (`type`). */
  readonly type: string;
  /** Unique identifier (`uid`). */
  readonly uid?: string;
  /** The URL for the data source (`url`). */
  readonly url?: string;
  /** `proxy` or `direct` (`access_mode`). */
  readonly accessMode?: string;
  /** Whether this is the default data source (`is_default`). */
  readonly isDefault?: boolean;
  /** Serialized JSON of the data source's settings (`json_data_encoded`). */
  readonly jsonDataEncoded?: string;
  /** Whether Grafana sends basic auth to the data source (`basic_auth_enabled`). */
  readonly basicAuthEnabled?: boolean;
  /** The basic-auth user (`basic_auth_username`). */
  readonly basicAuthUsername?: string;
  /** Serialized JSON of the secret settings, e.g. basicAuthPassword; sensitive (`secure_json_data_encoded`). */
  readonly secureJsonDataEncoded?: string;
}

/** Resource grafana_data_source. */
export class DataSource extends cdktf.TerraformResource {
  public static readonly tfResourceType = "grafana_data_source";

  private readonly config: DataSourceConfig;

  constructor(scope: Construct, id: string, config: DataSourceConfig) {
    super(scope, id, grafanaResourceOptions("grafana_data_source", config));
    this.config = config;
  }

  public get uid(): string {
    return this.getStringAttribute("uid");
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this.config.name),
      type: cdktf.stringToTerraform(this.config.type),
      uid: cdktf.stringToTerraform(this.config.uid),
      url: cdktf.stringToTerraform(this.config.url),
      access_mode: cdktf.stringToTerraform(this.config.accessMode),
      is_default: cdktf.booleanToTerraform(this.config.isDefault),
      json_data_encoded: cdktf.stringToTerraform(this.config.jsonDataEncoded),
      basic_auth_enabled: cdktf.booleanToTerraform(this.config.basicAuthEnabled),
      basic_auth_username: cdktf.stringToTerraform(this.config.basicAuthUsername),
      secure_json_data_encoded: cdktf.stringToTerraform(this.config.secureJsonDataEncoded),
    };
  }
}
