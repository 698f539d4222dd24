import { TerraformElement } from "cdktf";
import { Construct } from "constructs";

export interface KeptWhenRemovedProps {
  /**
   * Addresses of resources that an earlier configuration may have created and
   * this one no longer declares, e.g. `docker_volume.grafana-data`.
   */
  readonly addresses: readonly string[];
}

/**
 * Terraform `removed` blocks with `destroy = false` (Terraform 1.7+): when a
 * configuration change drops a resource that holds the user's data, Terraform
 * forgets it instead of destroying it, so the data stays on the machine. For a
 * resource that was never created they do nothing.
 */
export class KeptWhenRemoved extends TerraformElement {
  private readonly addresses: readonly string[];

  constructor(scope: Construct, id: string, props: KeptWhenRemovedProps) {
    super(scope, id);
    if (props.addresses.length === 0) throw new Error("`addresses` must name at least one resource");
    for (const address of props.addresses) {
      if (!/^[a-z0-9_]+\.[A-Za-z0-9_-]+$/.test(address)) {
        throw new Error(`\`addresses\` must hold resource addresses such as docker_volume.grafana-data, got: ${address}`);
      }
    }
    this.addresses = props.addresses;
  }

  toTerraform(): any {
    return { removed: this.addresses.map((from) => ({ from, lifecycle: { destroy: false } })) };
  }
}
