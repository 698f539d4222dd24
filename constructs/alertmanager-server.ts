import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { AlertingConfig } from "../config/alerting-config";
import { receiversWithSecrets, renderAlertmanagerConfig } from "../renderers/alertmanager-config";
import { PinnedImage } from "./pinned-image";
import { ServiceProps, networkAttachment } from "./service-props";
import { escapeTerraformTemplate } from "./terraform-strings";

export interface AlertmanagerServerProps extends ServiceProps {
  /** Named volume for silences and the notification log; it outlives the container. */
  readonly dataVolume: Volume;
  /** Host port of the web UI and API, published on `bindAddress`. */
  readonly port: number;
  /** Receivers, routes and timings. */
  readonly alerting: AlertingConfig;
  /** Label of the team attribute that routes match and alerts are grouped by, e.g. team_id. */
  readonly teamLabel: string;
}

const WEB_PORT = 9093;
const CONFIG_PATH = "/etc/alertmanager/alertmanager.yml";
const SECRETS_DIR = "/etc/alertmanager/secrets";
const DATA_DIR = "/alertmanager";

/** Name of the sensitive Terraform variable that holds a receiver's URL or SMTP password. */
export function receiverSecretVariable(receiver: string): string {
  return `alert_receiver_${receiver}`;
}

/**
 * Alertmanager: receives the alerts Prometheus fires, groups them per
 * problem and team, and sends them to the receivers. Each receiver's secret
 * comes from a sensitive Terraform variable and is uploaded as a file, so it
 * is in no plan, output or log. Silences and the notification log stay on
 * the volume when the container is replaced (a receiver change); a budget
 * change does not touch this container at all.
 */
export class AlertmanagerServer extends Construct {
  readonly container: Container;
  /** host:port where Prometheus reaches it inside the network. */
  readonly internalAddress: string;
  /** The rendered alertmanager.yml uploaded into the container. */
  readonly configYaml: string;

  constructor(scope: Construct, id: string, props: AlertmanagerServerProps) {
    super(scope, id);
    const image = new PinnedImage(this, "image", { name: props.image });
    this.configYaml = renderAlertmanagerConfig({ alerting: props.alerting, teamLabel: props.teamLabel, secretsDir: SECRETS_DIR });
    const secretFiles = receiversWithSecrets(props.alerting).map((receiver) => {
      const name = receiverSecretVariable(receiver);
      const variable = new TerraformVariable(this, name, {
        type: "string",
        sensitive: true,
        nullable: false,
        description: `Secret of the alert receiver ${receiver}: its URL, or its SMTP password (set TF_VAR_${name})`,
      });
      variable.overrideLogicalId(name);
      return { file: `${SECRETS_DIR}/${receiver}`, content: variable.stringValue };
    });

    const ready = `http://localhost:${WEB_PORT}/-/ready`;
    this.container = new Container(this, "container", {
      name: props.containerName,
      image: image.imageId,
      restart: "unless-stopped",
      command: [
        `--config.file=${CONFIG_PATH}`,
        `--storage.path=${DATA_DIR}`,
        `--web.listen-address=:${WEB_PORT}`,
        `--web.external-url=http://${props.bindAddress}:${props.port}`,
        // One Alertmanager: no cluster to gossip with.
        "--cluster.listen-address=",
      ],
      networksAdvanced: networkAttachment(props),
      ports: [{ internal: WEB_PORT, external: props.port, ip: props.bindAddress }],
      volumes: [{ volumeName: props.dataVolume.name, containerPath: DATA_DIR }],
      upload: [{ file: CONFIG_PATH, content: escapeTerraformTemplate(this.configYaml) }, ...secretFiles],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", ready], interval: "10s", timeout: "5s", retries: 6, startPeriod: "10s" },
    });
    this.internalAddress = `${props.containerName}:${WEB_PORT}`;
  }
}
