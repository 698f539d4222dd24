import { ContainerNetworksAdvanced } from "@cdktf/provider-docker/lib/container";
import { Network } from "@cdktf/provider-docker/lib/network";

/** What every service container of the stack (Collector, Prometheus, Grafana) needs. */
export interface ServiceProps {
  /** Docker network the container joins; the other services reach it there by its name. */
  readonly network: Network;
  /** Container name, also its host name on the network. */
  readonly containerName: string;
  /** Image with an exact version tag. */
  readonly image: string;
  /** Host address the published ports listen on. */
  readonly bindAddress: string;
}

/** The container on the stack's network, reachable by its container name. */
export function networkAttachment(props: ServiceProps): ContainerNetworksAdvanced[] {
  return [{ name: props.network.name, aliases: [props.containerName] }];
}
