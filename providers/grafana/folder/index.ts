// Hand-written in the shape of `cdktf get` output; see ../provider/index.ts.
import { Construct } from "constructs";
import * as cdktf from "cdktf";
import { grafanaResourceOptions } from "../versions";

export interface FolderConfig extends cdktf.TerraformMetaArguments {
  /** The title of the folder (`title`). */
  readonly title: string;
  /** Unique identifier (`uid`). */
  readonly uid?: string;
}

/** Resource grafana_folder. */
export class Folder extends cdktf.TerraformResource {
  public static readonly tfResourceType = "grafana_folder";

  private readonly config: FolderConfig;

  constructor(scope: Construct, id: string, config: FolderConfig) {
    super(scope, id, grafanaResourceOptions("grafana_folder", config));
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
      title: cdktf.stringToTerraform(this.config.title),
      uid: cdktf.stringToTerraform(this.config.uid),
    };
  }
}
