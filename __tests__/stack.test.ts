import { ADMIN_PASSWORD_VARIABLE } from "../constructs/admin-password";
import { escapeTerraformTemplate } from "../constructs/terraform-strings";
import { DEFAULT_CONFIG } from "../config/stack-config";
import { TerraformStack, Testing } from "cdktf";
import { GRAFANA_TOKEN_VARIABLE } from "../constructs/grafana-api-token";
import { KeptWhenRemoved } from "../constructs/kept-when-removed";
import { logicalIdOf, resourceOf, synthStack } from "./helpers";
import { parse } from "yaml";

describe("monitoring stack", () => {
  const stack = synthStack();
  const collector = resourceOf(stack, "docker_container", "collector");
  const prometheus = resourceOf(stack, "docker_container", "prometheus");
  const grafana = resourceOf(stack, "docker_container", "grafana");
  const containers = [collector, prometheus, grafana];

  test("one bridge network that every container joins", () => {
    const network = resourceOf(stack, "docker_network", "network");
    expect(network).toMatchObject({ name: "claude-code-monitoring-net", driver: "bridge" });
    for (const container of containers) {
      expect(container.networks_advanced).toEqual([
        { name: "${docker_network.network.name}", aliases: [container.name] },
      ]);
    }
  });

  test("named volumes hold the Prometheus TSDB and Grafana's data", () => {
    expect(resourceOf(stack, "docker_volume", "prometheus-data")).toEqual({ name: "claude-code-monitoring-prometheus-data" });
    expect(resourceOf(stack, "docker_volume", "grafana-data")).toEqual({ name: "claude-code-monitoring-grafana-data" });
    expect(prometheus.volumes).toEqual([{ volume_name: "${docker_volume.prometheus-data.name}", container_path: "/prometheus" }]);
    expect(grafana.volumes).toEqual([{ volume_name: "${docker_volume.grafana-data.name}", container_path: "/var/lib/grafana" }]);
    for (const container of containers) {
      for (const volume of container.volumes ?? []) expect(volume.host_path).toBeUndefined();
    }
  });

  test("images are pinned to exact versions and kept on destroy", () => {
    const images = Object.values(stack.resource.docker_image).map((image: any) => image.name);
    expect(images.sort()).toEqual(Object.values(DEFAULT_CONFIG.images).sort());
    for (const image of Object.values(stack.resource.docker_image)) {
      expect(image.name).toMatch(/:v?\d+\.\d+\.\d+$/);
      expect(image.keep_locally).toBe(true);
    }
  });

  test("every published port is bound to 127.0.0.1", () => {
    const published = containers.flatMap((container) => container.ports);
    expect(published.map((port: any) => port.external).sort()).toEqual([3000, 4317, 4318, 9090]);
    for (const port of published) expect(port.ip).toBe("127.0.0.1");
  });

  test("the bind address can be opened", () => {
    const open = synthStack({ bindAddress: "0.0.0.0" });
    for (const port of resourceOf(open, "docker_container", "grafana").ports) expect(port.ip).toBe("0.0.0.0");
    expect(resourceOf(open, "docker_container", "grafana").env).toContain("GF_SERVER_ROOT_URL=http://127.0.0.1:3000/");
  });

  test("containers restart unless stopped", () => {
    for (const container of containers) expect(container.restart).toBe("unless-stopped");
  });


  test("the Collector's container has a memory limit, and its memory limiter refuses data at 64 % of it", () => {
    const custom = resourceOf(synthStack({ collector: { memoryLimitMiB: 1000 } }), "docker_container", "collector");
    expect(custom.memory).toBe(1000);
    expect(custom.memory_swap).toBe(1000);
    expect(custom.env).toEqual(["GOMEMLIMIT=800MiB"]);
    expect(parse(custom.upload[0].content).processors.memory_limiter).toEqual({ check_interval: "1s", limit_mib: 800, spike_limit_mib: 160 });
    expect(collector.memory).toBe(DEFAULT_CONFIG.collector.memoryLimitMiB);
  });
  test("Prometheus and Grafana have healthchecks; Grafana is waited for", () => {
    expect(prometheus.healthcheck.test).toEqual(["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:9090/-/ready"]);
    expect(grafana.healthcheck.test).toEqual(["CMD", "wget", "-q", "-O", "/dev/null", "http://localhost:3000/api/health"]);
    expect(grafana.wait).toBe(true);
    expect(grafana.wait_timeout).toBeGreaterThanOrEqual(60);
  });

  test("configuration files are uploaded into the containers, not bind-mounted", () => {
    expect(collector.upload.map((u: any) => u.file)).toEqual(["/etc/otelcol-contrib/config.yaml"]);
    expect(collector.command).toEqual(["--config=/etc/otelcol-contrib/config.yaml"]);
    expect(prometheus.upload.map((u: any) => u.file)).toEqual(["/etc/prometheus/prometheus.yml", "/etc/prometheus/recording-rules.yml", "/etc/prometheus/alert-rules.yml"]);
    expect(prometheus.upload[0].content).toContain("- /etc/prometheus/recording-rules.yml");
    expect(prometheus.upload[1].content).toContain("record: claude_code_token_usage_tokens_total:increase");
    expect(prometheus.upload[0].content).toContain("otel-collector:8889");
    expect(collector.upload[0].content).toContain("delta_to_cumulative");
    expect(grafana.upload.map((u: any) => u.file)).toEqual(["/etc/grafana/secrets/admin_password"]);
  });

  test("Prometheus keeps 15 days by default, with no admin API and no lifecycle endpoint", () => {
    expect(parse(prometheus.upload[0].content).storage).toEqual({ tsdb: { retention: { time: "15d" } } });
    expect(prometheus.command.join(" ")).not.toMatch(/retention|admin-api|enable-lifecycle/);
    expect(prometheus.command).toContain("--enable-feature=created-timestamp-zero-ingestion");
  });

  test("retention size and time come from the configuration", () => {
    const custom = synthStack({ prometheus: { retentionTime: "90d", retentionSize: "20GB" } });
    const file = parse(resourceOf(custom, "docker_container", "prometheus").upload[0].content);
    expect(file.storage.tsdb.retention).toEqual({ time: "90d", size: "20GB" });
  });

  test("a retention, scrape or rule change replaces only the Prometheus container, never a volume", () => {
    const changed = synthStack({ prometheus: { retentionTime: "30d", scrapeInterval: "5s", ruleInterval: "2m" } });
    expect(changed.resource.docker_volume).toEqual(stack.resource.docker_volume);
    expect(changed.resource.docker_network).toEqual(stack.resource.docker_network);
    expect(resourceOf(changed, "docker_container", "collector")).toEqual(collector);
    expect(resourceOf(changed, "docker_container", "prometheus")).not.toEqual(prometheus);
    expect(resourceOf(changed, "docker_container", "prometheus").upload[1].content).toContain("interval: 2m");
  });

  test("Grafana: no default password, anonymous access and sign-up off", () => {
    expect(grafana.env).toEqual(
      expect.arrayContaining([
        "GF_SECURITY_ADMIN_PASSWORD__FILE=/etc/grafana/secrets/admin_password",
        "GF_AUTH_ANONYMOUS_ENABLED=false",
        "GF_USERS_ALLOW_SIGN_UP=false",
      ]),
    );
    expect(grafana.env.join("\n")).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD=/);
    const password = resourceOf(stack, "random_password", "grafana-admin-password");
    expect(password.length).toBeGreaterThanOrEqual(24);
    const passwordRef = `\${random_password.${logicalIdOf(stack, "random_password", "grafana-admin-password")}.result}`;
    expect(grafana.upload[0].content).toBe(passwordRef);
    expect(stack.provider.grafana[0].auth).toBe(`admin:${passwordRef}`);
    expect(stack.output.grafana_admin_password).toEqual({ value: passwordRef, sensitive: true, description: expect.any(String) });
  });

  test("a password from a sensitive variable replaces the generated one", () => {
    const fromVariable = synthStack({ grafana: { adminPassword: "variable" } });
    expect(fromVariable.resource.random_password).toBeUndefined();
    expect(fromVariable.variable?.[ADMIN_PASSWORD_VARIABLE]).toMatchObject({ sensitive: true, nullable: false, type: "string" });
    expect(fromVariable.provider.grafana[0].auth).toBe(`admin:\${var.${ADMIN_PASSWORD_VARIABLE}}`);
  });

  test("datasource, folder and dashboards wait for a healthy Grafana", () => {
    const grafanaId = `docker_container.${logicalIdOf(stack, "docker_container", "grafana")}`;
    const provisioned = [
      ...Object.values(stack.resource.grafana_data_source),
      ...Object.values(stack.resource.grafana_folder),
      ...Object.values(stack.resource.grafana_dashboard),
    ];
    expect(provisioned).toHaveLength(7);
    for (const resource of provisioned) expect(resource.depends_on).toContain(grafanaId);
    expect(stack.provider.grafana[0].url).toBe("http://127.0.0.1:3000");
  });

  test("the datasource has a fixed uid and points at Prometheus inside the network", () => {
    expect(resourceOf(stack, "grafana_data_source", "grafana-content_prometheus")).toMatchObject({
      type: "prometheus",
      uid: "claude-code-prometheus",
      url: "http://claude-code-monitoring-prometheus:9090",
      is_default: true,
    });
  });

  test("dashboards are escaped for Terraform and land in the folder", () => {
    const dashboards = Object.values(stack.resource.grafana_dashboard) as any[];
    for (const dashboard of dashboards) {
      expect(dashboard.folder).toMatch(/^\$\{grafana_folder\..*\.uid\}$/);
      expect(dashboard.config_json).not.toMatch(/(^|[^$])\$\{datasource\}/);
      const model = JSON.parse(dashboard.config_json.replace(/\$\$\{/g, "${"));
      expect(["claude-code-overview", "claude-code-activity", "claude-code-health", "claude-code-spend", "claude-code-budgets"]).toContain(model.uid);
    }
    expect(escapeTerraformTemplate('{"uid":"${datasource}","t":"%{x}"}')).toBe('{"uid":"$${datasource}","t":"%%{x}"}');
  });

  test("outputs: URLs, endpoints and the Claude Code settings", () => {
    expect(stack.output.grafana_url.value).toBe("http://127.0.0.1:3000");
    expect(stack.output.otlp_grpc_endpoint.value).toBe("http://127.0.0.1:4317");
    expect(stack.output.otlp_http_endpoint.value).toBe("http://127.0.0.1:4318");
    const settings = JSON.parse(stack.output.claude_code_settings.value);
    expect(settings.env).toMatchObject({
      CLAUDE_CODE_ENABLE_TELEMETRY: "1",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "cumulative",
      OTEL_RESOURCE_ATTRIBUTES: "team.id=my-team,department=engineering",
    });
  });

  test("local state in a stable place", () => {
    expect(stack.terraform.backend.local.path).toMatch(/state\/terraform\.tfstate$/);
    expect(Object.keys(stack.terraform.required_providers).sort()).toEqual(["docker", "grafana", "random"]);
    expect(stack.terraform.required_providers.grafana).toEqual({ source: "grafana/grafana", version: "4.45.1" });
  });
});

describe("grafana.mode", () => {
  test("external: no Grafana container or volume; content provisioned with a sensitive token", () => {
    const stack = synthStack({ grafana: { mode: "external", url: "https://grafana.example.com", prometheusUrl: "http://prometheus.internal:9090" } });
    expect(Object.keys(stack.resource.docker_container).some((id) => id.startsWith("grafana"))).toBe(false);
    expect(Object.keys(stack.resource.docker_volume).sort()).toEqual(["alertmanager-data", "prometheus-data"]);
    expect(stack.resource.random_password).toBeUndefined();
    expect(stack.variable?.[GRAFANA_TOKEN_VARIABLE]).toMatchObject({ sensitive: true, nullable: false, type: "string" });
    expect(stack.provider.grafana[0]).toMatchObject({ url: "https://grafana.example.com", auth: `\${var.${GRAFANA_TOKEN_VARIABLE}}` });
    expect(resourceOf(stack, "grafana_data_source", "grafana-content_prometheus").url).toBe("http://prometheus.internal:9090");
    expect(Object.values(stack.resource.grafana_dashboard)).toHaveLength(5);
    for (const dashboard of Object.values(stack.resource.grafana_dashboard) as any[]) expect(dashboard.depends_on).toHaveLength(1);
    expect(stack.output.grafana_url.value).toBe("https://grafana.example.com");
    expect(stack.output.grafana_admin_password).toBeUndefined();
    expect(Object.keys(stack.terraform.required_providers).sort()).toEqual(["docker", "grafana"]);
  });

  test("none: no Grafana, no Grafana or random provider; the outputs say how to import the files", () => {
    const stack = synthStack({ grafana: { mode: "none" } });
    expect(Object.keys(stack.resource).sort()).toEqual(["docker_container", "docker_image", "docker_network", "docker_volume"]);
    expect(Object.keys(stack.resource.docker_container)).toHaveLength(3);
    expect(Object.keys(stack.terraform.required_providers)).toEqual(["docker"]);
    expect(stack.provider.grafana).toBeUndefined();
    const instructions = stack.output.dashboards_to_import.value;
    expect(instructions).toContain("dashboards/json/claude-code.json, dashboards/json/claude-code-activity.json");
    expect(instructions).toContain("dashboards/json/recording-rules.yml");
    expect(instructions).toContain("http://127.0.0.1:9090");
    expect(stack.output.grafana_url).toBeUndefined();
    expect(stack.output.claude_code_settings).toBeDefined();
  });

  test("leaving container mode forgets Grafana's volume instead of destroying it", () => {
    const kept = [{ from: "docker_volume.grafana-data", lifecycle: { destroy: false } }];
    expect((synthStack({ grafana: { mode: "none" } }) as any).removed).toEqual(kept);
    const external = synthStack({ grafana: { mode: "external", url: "https://g.example.com", prometheusUrl: "http://p:9090" } });
    expect((external as any).removed).toEqual(kept);
    expect(Object.keys(synthStack().resource.docker_volume)).toContain("grafana-data");
    expect((synthStack() as any).removed).toBeUndefined();
    expect(synthStack().terraform.required_version).toBe(">= 1.7.0");
  });

  test("changing the mode never touches the Prometheus volume or the Collector", () => {
    const container = synthStack();
    const none = synthStack({ grafana: { mode: "none" } });
    expect(resourceOf(none, "docker_volume", "prometheus-data")).toEqual(resourceOf(container, "docker_volume", "prometheus-data"));
    expect(resourceOf(none, "docker_container", "collector")).toEqual(resourceOf(container, "docker_container", "collector"));
    expect(resourceOf(none, "docker_container", "prometheus")).toEqual(resourceOf(container, "docker_container", "prometheus"));
  });
});

describe("team mode", () => {
  const teams = { payments: { tokenGeneration: 1 }, "mobile-apps": { tokenGeneration: 2 } };
  const stack = synthStack({ teamMode: { enabled: true, teams } });
  const collector = resourceOf(stack, "docker_container", "collector");
  const passwords = stack.resource.random_password;
  const tokenOf = (team: string) => `random_password.${Object.keys(passwords).find((id) => id.startsWith(`team-tokens_${team}_`))}.result`;

  test("one generated token per team, replaced only when its generation changes", () => {
    expect(Object.keys(passwords).filter((id) => id.startsWith("team-tokens_"))).toHaveLength(2);
    expect(resourceOf(stack, "random_password", "team-tokens_mobile-apps_")).toMatchObject({ length: 40, special: false, keepers: { generation: "2" } });
    const rotated = synthStack({ teamMode: { enabled: true, teams: { ...teams, payments: { tokenGeneration: 2 } } } });
    expect(resourceOf(rotated, "random_password", "team-tokens_mobile-apps_")).toEqual(resourceOf(stack, "random_password", "team-tokens_mobile-apps_"));
    expect(resourceOf(rotated, "random_password", "team-tokens_payments_").keepers).toEqual({ generation: "2" });
  });

  test("OTLP requires a token; the Collector loads the tokens and the token-to-team mapping", () => {
    const config = parse(collector.upload[0].content);
    expect(config.receivers.otlp.protocols.grpc).toMatchObject({ auth: { authenticator: "bearertokenauth" }, include_metadata: true });
    expect(config.receivers.otlp.protocols.http).toMatchObject({ auth: { authenticator: "bearertokenauth" }, include_metadata: true });
    expect(config.extensions.bearertokenauth).toEqual({ filename: "/etc/otelcol-contrib/team-tokens" });
    expect(collector.upload.map((file: any) => file.file)).toEqual([
      "/etc/otelcol-contrib/config.yaml",
      "/etc/otelcol-contrib/team-tokens",
      "/etc/otelcol-contrib/team-from-token.yaml",
    ]);
    expect(collector.upload[1].content).toBe(`\${${tokenOf("payments")}}\n\${${tokenOf("mobile-apps")}}\n`);
    expect(collector.command).toEqual(["--config=/etc/otelcol-contrib/config.yaml", "--config=/etc/otelcol-contrib/team-from-token.yaml"]);
  });

  test("the mapping holds the tokens' SHA-256, never a token", () => {
    const mapping = collector.upload[2].content as string;
    expect(mapping).toContain(`set(attributes["team.id"], "payments") where attributes["claude_code_stack.authorization"] == "\${sha256(${tokenOf("payments")})}"`);
    expect(mapping).not.toMatch(/[^(]random_password\.[^)]*\.result/);
    expect(parse(collector.upload[0].content)).not.toHaveProperty("processors.transform/team-from-token");
  });

  test("each team gets its own sensitive settings with its token and team; no shared settings", () => {
    expect(stack.output.claude_code_settings).toBeUndefined();
    const mobile = stack.output.claude_code_settings_mobile_apps;
    expect(mobile.sensitive).toBe(true);
    const env = JSON.parse(mobile.value).env;
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`Authorization=Bearer \${${tokenOf("mobile-apps")}}`);
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe("team.id=mobile-apps,department=engineering");
  });

  test("Prometheus stays on 127.0.0.1 when the OTLP ports are opened to the network", () => {
    const open = synthStack({ bindAddress: "0.0.0.0", grafana: { mode: "none" }, teamMode: { enabled: true, teams, allowPlaintext: true } });
    expect(resourceOf(open, "docker_container", "prometheus").ports).toEqual([{ internal: 9090, external: 9090, ip: "127.0.0.1" }]);
    expect(resourceOf(open, "docker_container", "collector").ports.map((port: any) => port.ip)).toEqual(["0.0.0.0", "0.0.0.0"]);
  });

  test("without TLS the outputs say tokens travel in clear text; with TLS the Collector serves the given certificate", () => {
    expect(stack.output.otlp_transport.value).toMatch(/^PLAIN TEXT: team tokens travel unencrypted/);
    const existing = { certFile: __filename, keyFile: __filename, serverName: "otel.example.com" };
    const secured = synthStack({ bindAddress: "0.0.0.0", teamMode: { enabled: true, teams, tls: existing } });
    const container = resourceOf(secured, "docker_container", "collector");
    const config = parse(container.upload[0].content);
    expect(config.receivers.otlp.protocols.grpc.tls).toEqual({ cert_file: "/etc/otelcol-contrib/tls/cert.pem", key_file: "/etc/otelcol-contrib/tls/key.pem" });
    expect(config.receivers.otlp.protocols.http.tls).toEqual(config.receivers.otlp.protocols.grpc.tls);
    expect(container.upload.slice(3)).toEqual([
      { file: "/etc/otelcol-contrib/tls/cert.pem", content: `\${file("${__filename}")}` },
      { file: "/etc/otelcol-contrib/tls/key.pem", content: `\${sensitive(file("${__filename}"))}` },
    ]);
    expect(secured.output.otlp_grpc_endpoint.value).toBe("https://otel.example.com:4317");
    expect(secured.output.otlp_transport.value).toBe("TLS, server name otel.example.com");
    expect(JSON.parse(secured.output.claude_code_settings_payments.value).env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("https://otel.example.com:4317");
  });

  test("Prometheus scrapes one exporter per team, each limited to the team's series", () => {
    const prometheus = parse(resourceOf(stack, "docker_container", "prometheus").upload[0].content);
    expect(prometheus.scrape_configs[0].sample_limit).toBe(20000);
    expect(prometheus.scrape_configs[0].static_configs).toEqual([
      { targets: ["claude-code-monitoring-otel-collector:8889"], labels: { instance: "team-payments" } },
      { targets: ["claude-code-monitoring-otel-collector:8890"], labels: { instance: "team-mobile-apps" } },
    ]);
  });

  test("published, Prometheus requires basic auth: a bcrypt hash in its web config, the password only in sensitive places", () => {
    const published = synthStack({ bindAddress: "0.0.0.0", teamMode: { enabled: true, teams, allowPlaintext: true, publishPrometheus: true } });
    const prometheus = resourceOf(published, "docker_container", "prometheus");
    const password = `random_password.${logicalIdOf(published, "random_password", "prometheus-login_password_")}`;
    expect(prometheus.ports).toEqual([{ internal: 9090, external: 9090, ip: "0.0.0.0" }]);
    expect(prometheus.command).toContain("--web.config.file=/etc/prometheus/web.yml");
    expect(prometheus.upload.slice(3)).toEqual([
      { file: "/etc/prometheus/web.yml", content: `basic_auth_users:\n  prometheus: \${${password}.bcrypt_hash}\n` },
      { file: "/etc/prometheus/healthcheck-auth", content: `\${base64encode("prometheus:\${${password}.result}")}` },
      { file: "/etc/prometheus/self-scrape-password", content: `\${${password}.result}` },
    ]);
    expect(parse(prometheus.upload[0].content).scrape_configs[2]).toEqual({
      job_name: "prometheus",
      basic_auth: { username: "prometheus", password_file: "/etc/prometheus/self-scrape-password" },
      static_configs: [{ targets: ["localhost:9090"] }],
    });
    expect(prometheus.healthcheck.test).toEqual([
      "CMD-SHELL",
      'wget -q -O /dev/null --header "Authorization: Basic $(cat /etc/prometheus/healthcheck-auth)" http://localhost:9090/-/ready',
    ]);
    expect(resourceOf(published, "grafana_data_source", "grafana-content_prometheus_")).toMatchObject({
      basic_auth_enabled: true,
      basic_auth_username: "prometheus",
      secure_json_data_encoded: `\${jsonencode({"basicAuthPassword" = ${password}.result})}`,
    });
    expect(published.output.prometheus_password).toMatchObject({ sensitive: true, value: `\${${password}.result}` });
    expect(stack.output.prometheus_password).toBeUndefined();
  });

  test("the laptop stack has no authentication and one settings output", () => {
    const laptop = parse(resourceOf(synthStack(), "docker_container", "collector").upload[0].content);
    expect(laptop.extensions).toBeUndefined();
    expect(laptop.receivers.otlp.protocols.grpc).toEqual({ endpoint: "0.0.0.0:4317" });
  });
});

describe("central store", () => {
  const centralStore = { remoteWriteUrl: "http://receive.example.com:19291/api/v1/receive", queryUrl: "http://query.example.com:10902", site: "berlin" };

  test("Prometheus sends everything to the store, and Grafana's datasource reads the store", () => {
    const stack = synthStack({ centralStore });
    const prometheus = parse(resourceOf(stack, "docker_container", "prometheus").upload[0].content);
    expect(prometheus.remote_write).toEqual([{ url: centralStore.remoteWriteUrl }]);
    expect(prometheus.global.external_labels).toEqual({ site: "berlin" });
    expect(resourceOf(stack, "grafana_data_source", "grafana-content_prometheus_").url).toBe(centralStore.queryUrl);
  });

  test("with mutual TLS, Prometheus presents the client certificate; Terraform reads the files at plan time and keeps the key sensitive", () => {
    const tls = { certFile: __filename, keyFile: __filename, caFile: __filename };
    const stack = synthStack({ centralStore: { ...centralStore, remoteWriteUrl: "https://receive.example.com:19291/api/v1/receive", tls } });
    const container = resourceOf(stack, "docker_container", "prometheus");
    expect(parse(container.upload[0].content).remote_write[0].tls_config).toEqual({
      cert_file: "/etc/prometheus/central-store/cert.pem",
      key_file: "/etc/prometheus/central-store/key.pem",
      ca_file: "/etc/prometheus/central-store/ca.pem",
    });
    expect(container.upload).toEqual(
      expect.arrayContaining([
        { file: "/etc/prometheus/central-store/cert.pem", content: `\${file("${__filename}")}` },
        { file: "/etc/prometheus/central-store/key.pem", content: `\${sensitive(file("${__filename}"))}` },
        { file: "/etc/prometheus/central-store/ca.pem", content: `\${file("${__filename}")}` },
      ]),
    );
  });

  test("external Grafana mode needs no Prometheus URL of its own with a store", () => {
    const stack = synthStack({ grafana: { mode: "external", url: "https://grafana.example.com" }, centralStore });
    expect(resourceOf(stack, "grafana_data_source", "grafana-content_prometheus_").url).toBe(centralStore.queryUrl);
  });
});

describe("KeptWhenRemoved", () => {
  test("throws when an address is not a resource address", () => {
    const stack = new TerraformStack(Testing.app(), "kept");
    expect(() => new KeptWhenRemoved(stack, "kept", { addresses: ["grafana-data"] })).toThrow(
      "`addresses` must hold resource addresses such as docker_volume.grafana-data, got: grafana-data",
    );
    expect(() => new KeptWhenRemoved(stack, "none", { addresses: [] })).toThrow("`addresses` must name at least one resource");
  });
});

describe("budgets and alerts", () => {
  const receivers = {
    ops: { type: "webhook" },
    payments_slack: { type: "slack", channel: "#payments" },
    mail: { type: "email", to: "lead@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587", username: "alerts" },
  };
  const alerting = { receivers, routes: [{ teams: ["payments"], receiver: "payments_slack" }], defaultReceiver: "ops" };
  const stack = synthStack({ alerting, budgets: { teams: { payments: { dailyUsd: 200 } } } });
  const alertmanager = resourceOf(stack, "docker_container", "alertmanager");
  const prometheus = resourceOf(stack, "docker_container", "prometheus");

  test("each receiver's secret is a sensitive variable, uploaded as a file that the configuration names", () => {
    for (const name of ["ops", "payments_slack", "mail"]) {
      expect(stack.variable?.[`alert_receiver_${name}`]).toMatchObject({ type: "string", sensitive: true, nullable: false });
      expect(alertmanager.upload).toContainEqual({ file: `/etc/alertmanager/secrets/${name}`, content: `\${var.alert_receiver_${name}}` });
    }
    const config = parse(alertmanager.upload[0].content);
    const receiver = (name: string) => config.receivers.find((r: any) => r.name === name);
    expect(receiver("ops").webhook_configs[0].url_file).toBe("/etc/alertmanager/secrets/ops");
    expect(receiver("payments_slack").slack_configs[0]).toMatchObject({ api_url_file: "/etc/alertmanager/secrets/payments_slack", channel: "#payments" });
    expect(receiver("mail").email_configs[0]).toMatchObject({ auth_username: "alerts", auth_password_file: "/etc/alertmanager/secrets/mail" });
    expect(config.route).toMatchObject({ receiver: "ops", routes: [{ matchers: ['team_id=~"payments"'], receiver: "payments_slack" }] });
    expect(Object.keys(stack.output)).not.toContain("alert_receiver_ops");
  });

  test("Alertmanager stays on 127.0.0.1 with its own volume, even when the other ports are opened", () => {
    const open = synthStack({ bindAddress: "0.0.0.0", alerting });
    expect(resourceOf(open, "docker_container", "alertmanager").ports).toEqual([{ internal: 9093, external: 9093, ip: "127.0.0.1" }]);
    expect(alertmanager.volumes).toEqual([{ volume_name: "${docker_volume.alertmanager-data.name}", container_path: "/alertmanager" }]);
  });

  test("Prometheus sends to Alertmanager and loads the alerting rules with the team's budget", () => {
    const config = parse(prometheus.upload[0].content);
    expect(config.alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ["claude-code-monitoring-alertmanager:9093"] }] }] });
    expect(config.rule_files).toEqual(["/etc/prometheus/recording-rules.yml", "/etc/prometheus/alert-rules.yml"]);
    expect(config.scrape_configs.map((job: any) => job.job_name)).toEqual(["otel-collector", "otel-collector-telemetry", "prometheus"]);
    const rules = parse(prometheus.upload[2].content);
    expect(rules.groups[0].rules).toContainEqual({
      record: "claude_code_budget_usd",
      expr: "vector(200)",
      labels: { team_id: "payments", budget: "daily" },
    });
  });

  test("the files reach the containers as written: their own ${...} is escaped from Terraform, only Terraform's references are not", () => {
    const references = /^\$\{(var\.|random_password\.|base64encode\(|sensitive\(|file\(|docker_)/;
    for (const container of Object.values(stack.resource.docker_container) as any[]) {
      for (const upload of container.upload ?? []) {
        const unescaped = [...String(upload.content).matchAll(/(?<!\$)\$\{[^}]*/g)].map((match) => match[0]).filter((text) => !references.test(text));
        expect({ file: upload.file, unescaped }).toEqual({ file: upload.file, unescaped: [] });
      }
    }
    expect(resourceOf(stack, "docker_container", "prometheus").upload[2].content).toContain("spent $${{ $value");
  });

  test("a budget change replaces the Prometheus container only: Alertmanager, its silences and every volume stay", () => {
    const raised = synthStack({ alerting, budgets: { teams: { payments: { dailyUsd: 300 } } } });
    expect(resourceOf(raised, "docker_container", "alertmanager")).toEqual(alertmanager);
    expect(raised.resource.docker_volume).toEqual(stack.resource.docker_volume);
    expect(resourceOf(raised, "docker_container", "prometheus")).not.toEqual(prometheus);
  });

  test("alerting off: no Alertmanager, no alerting rules, no scrape of the stack's own metrics; its volume is forgotten, not destroyed", () => {
    const off = synthStack({ alerting: { enabled: false } });
    expect((off as any).removed).toEqual([{ from: "docker_volume.alertmanager-data", lifecycle: { destroy: false } }]);
    expect(Object.keys(off.resource.docker_container).some((id) => id.startsWith("alertmanager"))).toBe(false);
    const config = parse(resourceOf(off, "docker_container", "prometheus").upload[0].content);
    expect(config.alerting).toBeUndefined();
    expect(config.rule_files).toEqual(["/etc/prometheus/recording-rules.yml"]);
    expect(config.scrape_configs).toHaveLength(1);
  });
});
