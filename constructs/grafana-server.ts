import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { Construct } from "constructs";
import { PinnedImage } from "./pinned-image";
import { ServiceProps, networkAttachment } from "./service-props";

export interface GrafanaServerProps extends ServiceProps {
  /** Named volume for Grafana's database; it outlives the container. */
  readonly dataVolume: Volume;
  /** Host port of the web UI. */
  readonly port: number;
  /** Admin password (sensitive). Grafana applies it when its database is first created. */
  readonly adminPassword: string;
}

const WEB_PORT = 3000;
const PASSWORD_FILE = "/etc/grafana/secrets/admin_password";
/** Seconds `cdktf deploy` waits for Grafana to report healthy before it provisions dashboards. */
const HEALTHY_TIMEOUT_SECONDS = 180;

/**
 * Grafana OSS with sign-up and anonymous access off. The admin password reaches
 * it as a file, so it shows neither in `docker inspect` nor in plans.
 */
export class GrafanaServer extends Construct {
  readonly container: Container;
  /** Login name of the admin user. */
  readonly adminUser = "admin";
  /** URL of Grafana from this machine. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: GrafanaServerProps) {
    super(scope, id);
    const image = new PinnedImage(this, "image", { name: props.image });
    const host = props.bindAddress === "0.0.0.0" ? "127.0.0.1" : props.bindAddress;
    this.url = `http://${host}:${props.port}`;

    this.container = new Container(this, "container", {
      name: props.containerName,
      image: image.imageId,
      restart: "unless-stopped",
      networksAdvanced: networkAttachment(props),
      ports: [{ internal: WEB_PORT, external: props.port, ip: props.bindAddress }],
      volumes: [{ volumeName: props.dataVolume.name, containerPath: "/var/lib/grafana" }],
      upload: [{ file: PASSWORD_FILE, content: props.adminPassword, permissions: "0444" }],
      env: [
        `GF_SECURITY_ADMIN_USER=${this.adminUser}`,
        `GF_SECURITY_ADMIN_PASSWORD__FILE=${PASSWORD_FILE}`,
        "GF_AUTH_ANONYMOUS_ENABLED=false",
        "GF_USERS_ALLOW_SIGN_UP=false",
        "GF_AUTH_DISABLE_LOGIN_FORM=false",
        `GF_SERVER_ROOT_URL=${this.url}/`,
        "GF_ANALYTICS_REPORTING_ENABLED=false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false",
        "GF_NEWS_NEWS_FEED_ENABLED=false",
      ],
      healthcheck: {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://localhost:${WEB_PORT}/api/health`],
        interval: "5s",
        timeout: "5s",
        retries: 30,
        startPeriod: "10s",
      },
      wait: true,
      waitTimeout: HEALTHY_TIMEOUT_SECONDS,
    });
  }
}
