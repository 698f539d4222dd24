/**
 * Local images under exactly the tags the stack pins, for a deploy without an
 * image registry. They hold the programs the end-to-end test builds from the
 * pinned releases' sources, laid out as the upstream images are (binary and
 * default configuration paths, user, entrypoint, volume), so the stack's
 * uploads, healthcheck and volume permissions meet what the real images offer.
 * An image already carrying the tag that this test did not build (the real
 * upstream image, say) is used as it is.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { docker } from "./docker-engine";

/** Label that marks an image as built here, with a hash of what went into it. */
const BUILD_LABEL = "io.claude-code-monitoring.deploy-test-build";
const BUSYBOX = "/bin/busybox";
const CA_CERTIFICATES = "/etc/ssl/certs/ca-certificates.crt";
const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n";
const GROUP = "root:x:0:\nnobody:x:65534:\n";

interface ImageRecipe {
  readonly dockerfile: string;
  /** Files of the build context: name -> a program on this machine, or text. */
  readonly files: Readonly<Record<string, { program: string } | { text: string }>>;
}

/** Like otel/opentelemetry-collector-contrib: FROM scratch, /otelcol-contrib, user 10001. */
function collectorRecipe(binary: string): ImageRecipe {
  return {
    dockerfile: [
      "FROM scratch",
      "USER 10001:10001",
      "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
      "COPY otelcol-contrib /otelcol-contrib",
      "COPY config.yaml /etc/otelcol-contrib/config.yaml",
      'ENTRYPOINT ["/otelcol-contrib"]',
      'CMD ["--config", "/etc/otelcol-contrib/config.yaml"]',
      "EXPOSE 4317 4318",
      "",
    ].join("\n"),
    files: {
      "ca-certificates.crt": { text: fs.readFileSync(CA_CERTIFICATES, "utf8") },
      "otelcol-contrib": { program: binary },
      // A default that runs with the components this build has; the stack uploads its own.
      "config.yaml": {
        text: "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\nexporters:\n  nop: {}\nservice:\n  pipelines:\n    metrics:\n      receivers: [otlp]\n      exporters: [nop]\n",
      },
    },
  };
}

/** An image on busybox (a shell and wget, as the upstream images have) with users root and nobody, then `steps`. */
function onBusybox(steps: readonly string[], files: ImageRecipe["files"]): ImageRecipe {
  return {
    dockerfile: ["FROM scratch", "COPY busybox /bin/busybox", "COPY passwd group /etc/", 'RUN ["/bin/busybox", "--install", "-s", "/bin"]', ...steps, ""].join("\n"),
    files: { busybox: { program: BUSYBOX }, passwd: { text: PASSWD }, group: { text: GROUP }, ...files },
  };
}

/** Like prom/prometheus: busybox, /bin/prometheus, user nobody, /prometheus a volume owned by nobody. */
function prometheusRecipe(binaries: { prometheus: string; promtool: string }): ImageRecipe {
  return onBusybox(
    [
      "COPY prometheus promtool /bin/",
      "COPY prometheus.yml /etc/prometheus/prometheus.yml",
      "WORKDIR /prometheus",
      "RUN chown -R nobody:nobody /etc/prometheus /prometheus && chmod g+w /prometheus",
      "USER nobody",
      "EXPOSE 9090",
      'VOLUME ["/prometheus"]',
      'ENTRYPOINT ["/bin/prometheus"]',
      'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]',
    ],
    {
      prometheus: { program: binaries.prometheus },
      promtool: { program: binaries.promtool },
      "prometheus.yml": { text: "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: [localhost:9090]\n" },
    },
  );
}

/** Like prom/alertmanager: busybox, /bin/alertmanager and /bin/amtool, user nobody, /alertmanager a volume owned by nobody. */
function alertmanagerRecipe(binaries: { alertmanager: string; amtool: string }): ImageRecipe {
  return onBusybox(
    [
      "COPY alertmanager amtool /bin/",
      "COPY alertmanager.yml /etc/alertmanager/alertmanager.yml",
      "RUN mkdir -p /alertmanager && chown -R nobody:nobody /etc/alertmanager /alertmanager && chmod -R g+w /alertmanager",
      "USER nobody",
      "EXPOSE 9093",
      'VOLUME ["/alertmanager"]',
      "WORKDIR /alertmanager",
      'ENTRYPOINT ["/bin/alertmanager"]',
      'CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]',
    ],
    {
      alertmanager: { program: binaries.alertmanager },
      amtool: { program: binaries.amtool },
      "alertmanager.yml": { text: "route:\n  receiver: none\nreceivers:\n  - name: none\n" },
    },
  );
}

export interface StackImage {
  readonly tag: string;
  /** "built", "reused" (built here before) or "found" (not built by this test). */
  readonly origin: "built" | "reused" | "found";
}

/** Makes sure the Collector, Prometheus and (when given) Alertmanager images the stack pins exist locally. */
export function ensureStackImages(
  tags: { collector: string; prometheus: string; alertmanager?: string },
  binaries: { collector: string; prometheus: string; promtool: string; alertmanager?: { alertmanager: string; amtool: string } },
  cacheDir: string,
  log: (line: string) => void,
): StackImage[] {
  for (const [file, what] of [
    [BUSYBOX, "Debian's busybox-static (`apt-get install busybox-static`)"],
    [CA_CERTIFICATES, "CA certificates (`apt-get install ca-certificates`)"],
  ] as const) {
    if (!fs.existsSync(file)) throw new Error(`the deploy test's images need ${file}: install ${what}`);
  }
  return [
    ensureImage(tags.collector, collectorRecipe(binaries.collector), cacheDir, log),
    ensureImage(tags.prometheus, prometheusRecipe(binaries), cacheDir, log),
    ...(tags.alertmanager && binaries.alertmanager ? [ensureImage(tags.alertmanager, alertmanagerRecipe(binaries.alertmanager), cacheDir, log)] : []),
  ];
}

function ensureImage(tag: string, recipe: ImageRecipe, cacheDir: string, log: (line: string) => void): StackImage {
  const digest = recipeHash(recipe);
  const inspected = spawnSync("docker", ["image", "inspect", "--format", `{{ index .Config.Labels "${BUILD_LABEL}" }}`, tag], { encoding: "utf8" });
  if (inspected.status === 0) {
    const label = inspected.stdout.trim();
    if (label === "" || label === "<no value>") return { tag, origin: "found" };
    if (label === digest) return { tag, origin: "reused" };
  }
  const context = path.join(cacheDir, "images", tag.replace(/[^a-zA-Z0-9.-]/g, "_"));
  fs.rmSync(context, { recursive: true, force: true });
  fs.mkdirSync(context, { recursive: true });
  fs.writeFileSync(path.join(context, "Dockerfile"), recipe.dockerfile);
  for (const [name, source] of Object.entries(recipe.files)) {
    const target = path.join(context, name);
    if ("program" in source) {
      fs.copyFileSync(source.program, target);
      fs.chmodSync(target, 0o755);
    } else {
      fs.writeFileSync(target, source.text, { mode: 0o644 });
    }
  }
  log(`building the image ${tag}`);
  // Debian's engine has no BuildKit builder.
  docker(["build", "-q", "--label", `${BUILD_LABEL}=${digest}`, "-t", tag, context], { DOCKER_BUILDKIT: "0" });
  return { tag, origin: "built" };
}

function recipeHash(recipe: ImageRecipe): string {
  const hash = createHash("sha256").update(recipe.dockerfile);
  for (const [name, source] of Object.entries(recipe.files).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(name).update("program" in source ? fs.readFileSync(source.program) : source.text);
  }
  return hash.digest("hex").slice(0, 16);
}
