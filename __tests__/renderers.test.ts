import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { claudeCodeEnv } from "../renderers/claude-code-env";
import { CollectorConfigOptions, metricsEndpoints, renderCollectorConfig } from "../renderers/collector-config";
import { EventMetric, Metric, RecordedSeries, eventSeries } from "../telemetry/catalog";
import { prometheusFlags, renderPrometheusConfig, renderPrometheusWebConfig } from "../renderers/prometheus-config";
import { CATCH_UP_WINDOWS, RULE_GROUP, renderRecordingRules, rollupSteps } from "../renderers/recording-rules";
import { renderTeamTokenMapping } from "../renderers/team-token-mapping";
import { parsePromQL } from "./promql";
import { dedent } from "./dedent";

const collectorOptions: CollectorConfigOptions = {
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  metricsPort: 8889,
  telemetryPort: 8888,
  teamAttributeKeys: ["team.id", "department"],
  keptAttributeKeys: ["session.id", "model"],
  deltaMaxStale: "24h",
  metricExpiration: "24h",
  containerMemoryMiB: 640,
  eventMetrics: [],
};

describe("Collector configuration", () => {
  test("all defaults render to this text", () => {
    expect(renderCollectorConfig(collectorOptions)).toBe(
      dedent(`
        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: 0.0.0.0:4317
              http:
                endpoint: 0.0.0.0:4318
        connectors:
          signal_to_metrics:
            error_mode: ignore
            logs: []
        processors:
          memory_limiter:
            check_interval: 1s
            limit_mib: 512
            spike_limit_mib: 102
          transform/labels:
            error_mode: ignore
            metric_statements:
              - context: datapoint
                statements:
                  - set(time, Now()) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA
                  - set(start_time, time) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA
                  - set(attributes["session.id"], Format("%s/%d", [attributes["session.id"], start_time_unix_nano / 1000000])) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE and attributes["session.id"] != nil
                  - set(attributes["team.id"], resource.attributes["team.id"]) where attributes["team.id"] == nil and resource.attributes["team.id"] != nil
                  - set(attributes["department"], resource.attributes["department"]) where attributes["department"] == nil and resource.attributes["department"] != nil
                  - set(attributes["repository"], Concat([attributes["vcs.owner.name"], attributes["vcs.repository.name"]], "/")) where attributes["vcs.owner.name"] != nil and attributes["vcs.repository.name"] != nil
                  - keep_keys(attributes, ["session.id", "model", "team.id", "department"])
                  - truncate_all(attributes, 256)
          transform/events:
            error_mode: ignore
            log_statements:
              - context: log
                statements:
                  - set(attributes["status_code"], 529) where attributes["status_code"] == nil and attributes["error"] == "Repeated 529 Overloaded errors"
                  - set(attributes["repository"], Concat([attributes["vcs.owner.name"], attributes["vcs.repository.name"]], "/")) where attributes["vcs.owner.name"] != nil and attributes["vcs.repository.name"] != nil
                  - truncate_all(attributes, 256)
          delta_to_cumulative:
            max_stale: 24h
          batch:
            send_batch_size: 8192
            timeout: 1s
        exporters:
          prometheus:
            endpoint: 0.0.0.0:8889
            metric_expiration: 24h
            without_scope_info: true
        service:
          pipelines:
            metrics:
              receivers:
                - otlp
                - signal_to_metrics
              processors:
                - memory_limiter
                - transform/labels
                - delta_to_cumulative
                - batch
              exporters:
                - prometheus
            logs:
              receivers:
                - otlp
              processors:
                - memory_limiter
                - transform/events
              exporters:
                - signal_to_metrics
          telemetry:
            logs:
              level: info
            metrics:
              level: normal
              readers:
                - pull:
                    exporter:
                      prometheus:
                        host: 0.0.0.0
                        port: 8888
      `),
    );
  });

  test("parses back, and every component it names is used by a pipeline", () => {
    const config = parse(renderCollectorConfig(collectorOptions));
    const used = Object.values(config.service.pipelines as Record<string, Record<string, string[]>>).flatMap((pipeline) => [
      ...pipeline.receivers,
      ...pipeline.processors,
      ...pipeline.exporters,
    ]);
    for (const section of ["receivers", "processors", "exporters"]) {
      for (const component of Object.keys(config[section])) expect(used).toContain(component);
    }
  });

  test("an API error that Claude Code reports as repeated 529s without a status gets status_code 529 before it is counted", () => {
    const config = parse(renderCollectorConfig(collectorOptions));
    expect(config.service.pipelines.logs.processors).toEqual(["memory_limiter", "transform/events"]);
    expect(config.processors["transform/events"].log_statements).toEqual([
      {
        context: "log",
        statements: [
          'set(attributes["status_code"], 529) where attributes["status_code"] == nil and attributes["error"] == "Repeated 529 Overloaded errors"',
          'set(attributes["repository"], Concat([attributes["vcs.owner.name"], attributes["vcs.repository.name"]], "/")) where attributes["vcs.owner.name"] != nil and attributes["vcs.repository.name"] != nil',
          "truncate_all(attributes, 256)",
        ],
      },
    ]);
  });

  test("an event metric becomes a signal_to_metrics definition with only the listed labels", () => {
    const config = parse(renderCollectorConfig({ ...collectorOptions, eventMetrics: [EventMetric.apiErrors, EventMetric.toolDuration] }));
    expect(config.connectors.signal_to_metrics.logs).toEqual([
      {
        name: "claude_code.api.error",
        description: EventMetric.apiErrors.description,
        conditions: ['attributes["event.name"] == "api_error"'],
        attributes: [
          { key: "user.id", optional: true },
          { key: "user.email", optional: true },
          { key: "repository", optional: true },
          { key: "team.id", optional: true },
          { key: "department", optional: true },
          { key: "model" },
          { key: "status_code", default_value: "none" },
        ],
        sum: { value: "1", monotonic: true },
      },
      {
        name: "claude_code.tool.duration",
        description: EventMetric.toolDuration.description,
        unit: "s",
        conditions: ['attributes["event.name"] == "tool_result"'],
        attributes: [
          { key: "user.id", optional: true },
          { key: "user.email", optional: true },
          { key: "repository", optional: true },
          { key: "team.id", optional: true },
          { key: "department", optional: true },
          { key: "tool_name" },
        ],
        histogram: { buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600], value: 'Double(attributes["duration_ms"]) / 1000.0' },
      },
    ]);
  });

  test("the retry time counts an attribute's milliseconds as seconds, not one per event", () => {
    const [definition] = parse(renderCollectorConfig({ ...collectorOptions, eventMetrics: [EventMetric.apiRetryTime] })).connectors.signal_to_metrics.logs;
    expect(definition).toMatchObject({
      name: "claude_code.api.retry_time",
      unit: "s",
      conditions: ['attributes["event.name"] == "api_retries_exhausted"'],
      sum: { value: 'Double(attributes["total_retry_duration_ms"]) / 1000.0', monotonic: true },
    });
  });

  test("without team attributes only the kept attributes stay", () => {
    const config = parse(renderCollectorConfig({ ...collectorOptions, teamAttributeKeys: [] }));
    expect(config.processors["transform/labels"].metric_statements[0].statements).toEqual([
      "set(time, Now()) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA",
      "set(start_time, time) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_DELTA",
      'set(attributes["session.id"], Format("%s/%d", [attributes["session.id"], start_time_unix_nano / 1000000])) where metric.aggregation_temporality == AGGREGATION_TEMPORALITY_CUMULATIVE and attributes["session.id"] != nil',
      'set(attributes["repository"], Concat([attributes["vcs.owner.name"], attributes["vcs.repository.name"]], "/")) where attributes["vcs.owner.name"] != nil and attributes["vcs.repository.name"] != nil',
      'keep_keys(attributes, ["session.id", "model"])',
      "truncate_all(attributes, 256)",
    ]);
  });

  test("quotes attribute keys inside OTTL strings", () => {
    const config = parse(renderCollectorConfig({ ...collectorOptions, teamAttributeKeys: ["cost_center"] }));
    expect(config.processors["transform/labels"].metric_statements[0].statements.slice(3)).toEqual([
      'set(attributes["cost_center"], resource.attributes["cost_center"]) where attributes["cost_center"] == nil and resource.attributes["cost_center"] != nil',
      'set(attributes["repository"], Concat([attributes["vcs.owner.name"], attributes["vcs.repository.name"]], "/")) where attributes["vcs.owner.name"] != nil and attributes["vcs.repository.name"] != nil',
      'keep_keys(attributes, ["session.id", "model", "cost_center"])',
      "truncate_all(attributes, 256)",
    ]);
  });
});

describe("Prometheus configuration", () => {
  const rendered = renderPrometheusConfig({
    scrapeInterval: "10s",
    collectorTargets: [{ address: "otel-collector:8889" }],
    rulesFile: "/etc/prometheus/recording-rules.yml",
    retentionTime: "15d",
    retentionSize: "",
  });

  test("renders to this text", () => {
    expect(rendered).toBe(
      dedent(`
        global:
          scrape_interval: 10s
          scrape_timeout: 10s
          evaluation_interval: 10s
        rule_files:
          - /etc/prometheus/recording-rules.yml
        scrape_configs:
          - job_name: otel-collector
            honor_labels: true
            static_configs:
              - targets:
                  - otel-collector:8889
        storage:
          tsdb:
            retention:
              time: 15d
      `),
    );
  });

  test("a central store gets every series by remote write, labelled with the stack's site, as its tenant", () => {
    const config = parse(
      renderPrometheusConfig({
        scrapeInterval: "10s",
        collectorTargets: [{ address: "c:8889" }],
        rulesFile: "/r.yml",
        retentionTime: "15d",
        retentionSize: "",
        remoteWrite: { url: "http://receive:19291/api/v1/receive", site: "berlin", tenant: { header: "THANOS-TENANT", value: "berlin" } },
      }),
    );
    expect(config.global.external_labels).toEqual({ site: "berlin" });
    expect(config.remote_write).toEqual([{ url: "http://receive:19291/api/v1/receive", headers: { "THANOS-TENANT": "berlin" } }]);
    expect(config.remote_write[0]).not.toHaveProperty("write_relabel_configs");
  });

  test("a size cap goes beside the retention time", () => {
    const config = parse(
      renderPrometheusConfig({ scrapeInterval: "10s", collectorTargets: [{ address: "c:8889" }], rulesFile: "/r.yml", retentionTime: "30d", retentionSize: "10GB" }),
    );
    expect(config.storage).toEqual({ tsdb: { retention: { time: "30d", size: "10GB" } } });
  });

  test("passes promtool check config", () => {
    const promtool = spawnSync("promtool", ["--version"]);
    if (promtool.error) {
      throw new Error("promtool is missing: install it with `apt-get install prometheus` (Debian) to validate the Prometheus configuration");
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    const file = path.join(dir, "prometheus.yml");
    // Debian's promtool (2.42) predates `storage.tsdb.retention` and `anchored`: the
    // retention section and the rules file are loaded by the real Prometheus 3.16 of
    // the end-to-end and deploy tests, which refuses a configuration it cannot read.
    const { storage: _retention, ...checkable } = parse(rendered);
    fs.writeFileSync(file, stringify(checkable));
    const output = execFileSync("promtool", ["check", "config", "--syntax-only", file], { encoding: "utf8" });
    expect(output).toMatch(/SUCCESS/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("flags keep the admin API and lifecycle endpoint off; retention is in the file", () => {
    const flags = prometheusFlags({ configFile: "/c.yml", dataDir: "/prometheus", port: 9090 });
    expect(flags).toEqual([
      "--config.file=/c.yml",
      "--storage.tsdb.path=/prometheus",
      "--web.listen-address=:9090",
      "--enable-feature=created-timestamp-zero-ingestion",
    ]);
  });
});

describe("recording rules", () => {
  const rendered = renderRecordingRules({ interval: "1m", scrapeInterval: "10s", rollupWindow: "1h" });
  const group = parse(rendered).groups[0];

  test("one group that evaluates every interval, one scrape behind the clock", () => {
    expect(parse(rendered).groups).toHaveLength(1);
    expect(group).toMatchObject({ name: RULE_GROUP, interval: "1m", query_offset: "10s" });
  });

  const tokensRule = group.rules.find((rule: any) => rule.record === Metric.tokens.recorded);

  test("thirteen or sixteen rules per catalog counter and per series of an event metric: its growth per interval over sessions, then the same with its window total and running sum summed per user, over users per stream, over users per repository (with a model or streams), over all users, and over streams per user for a rollback to 0.4.0", () => {
    const outputs = (series: RecordedSeries) => [series.recorded, series.rollups!.windowTotal, series.rollups!.windowToDate];
    const all = [...Object.values(Metric), ...Object.values(EventMetric).flatMap(eventSeries)];
    for (const series of all) expect(series.rollups).toBeUndefined();
    expect(group.rules.map((rule: any) => rule.record)).toEqual(
      all.flatMap((series) => [
        series.recorded,
        ...outputs(series.byUser!),
        ...outputs(series.allUsersByStream!),
        ...(series.allUsersByRepository ? outputs(series.allUsersByRepository) : []),
        ...outputs(series.allUsers!),
        ...outputs({ ...series, recorded: `${series.name}:increase_all_streams`, rollups: { windowTotal: `${series.name}:increase_all_streams_window`, windowToDate: `${series.name}:increase_all_streams_window_to_date` } }),
      ]),
    );
    const tokens = tokensRule.expr as string;
    expect(tokens.startsWith("sum without (session_id, catch_up) (\n  increase(claude_code_token_usage_tokens_total[60s] anchored)\nor\n")).toBe(true);
    expect(tokens.endsWith("\n) > 0")).toBe(true);
  });

  test("the summed levels add up the per-interval sums a rule before wrote in the same evaluation: per user, over users per stream, then per repository and over all users", () => {
    const byUser = group.rules.find((r: any) => r.record === Metric.tokens.byUser!.recorded);
    const byStream = group.rules.find((r: any) => r.record === Metric.tokens.allUsersByStream!.recorded);
    const allUsers = group.rules.find((r: any) => r.record === Metric.tokens.allUsers!.recorded);
    for (const rule of [byUser, byStream, allUsers]) expect(parsePromQL(rule.expr).errors).toEqual([]);
    const streams = "repository, query_source, effort, speed, agent_name, skill_name, plugin_name, marketplace_name, mcp_server_name, mcp_tool_name";
    expect(byUser.expr).toBe(`sum without (repository, type, model, ${streams.replace("repository, ", "")}) (last_over_time(${Metric.tokens.recorded}[1ms]))`);
    expect(byStream.expr).toBe(`sum without (user_id) (last_over_time(${Metric.tokens.recorded}[1ms]))`);
    expect(allUsers.expr).toBe(`sum without (user_id, ${streams}) (last_over_time(${Metric.tokens.allUsersByStream!.recorded}[1ms]))`);
    const byRepository = group.rules.find((r: any) => r.record === Metric.tokens.allUsersByRepository!.recorded);
    expect(byRepository.expr).toBe(`sum without (user_id, model, ${streams.replace("repository, ", "")}) (last_over_time(${Metric.tokens.allUsersByStream!.recorded}[1ms]))`);
    expect(Metric.sessions.allUsersByRepository).toBeUndefined();
    // 0.4.0's sums over streams per user, still written for a rollback, as 0.4.0 wrote them.
    const allStreams = group.rules.find((r: any) => r.record === `${Metric.tokens.name}:increase_all_streams`);
    expect(allStreams.expr).toBe(`sum without (${streams}) (last_over_time(${Metric.tokens.recorded}[1ms]))`);
    const order = (record: string) => group.rules.findIndex((r: any) => r.record === record);
    expect(order(Metric.tokens.allUsersByStream!.recorded)).toBeLessThan(order(Metric.tokens.allUsersByRepository!.recorded));
    expect(order(Metric.tokens.recorded)).toBeLessThan(order(Metric.tokens.allUsersByStream!.recorded));
    expect(order(Metric.tokens.allUsersByStream!.recorded)).toBeLessThan(order(Metric.tokens.allUsers!.recorded));
  });

  test("the k-th catch-up term adds the window k intervals back where nothing was recorded since", () => {
    const tokens = tokensRule.expr as string;
    expect(tokens).toContain(
      'label_replace(increase(claude_code_token_usage_tokens_total[60s] anchored offset 120s) unless ignoring (session_id, rollup_steps) last_over_time(claude_code_token_usage_tokens_total:increase[61s] offset 60s), "catch_up", "2", "", "")',
    );
    expect(tokens.match(/label_replace\(/g)).toHaveLength(CATCH_UP_WINDOWS);
  });

  test.each(Object.values(Metric).map((metric) => [metric.name]))("%s: the rule is valid PromQL over its counter and its own output", (name) => {
    const metric = Object.values(Metric).find((m) => m.name === name)!;
    const rule = group.rules.find((r: any) => r.record === metric.recorded);
    const query = parsePromQL(rule.expr);
    expect(query.errors).toEqual([]);
    const counterReads = query.selectors.filter((selector) => selector.metric === name);
    expect(counterReads).toHaveLength(CATCH_UP_WINDOWS + 1);
    for (const read of counterReads) expect(read).toEqual({ metric: name, matchers: [], rangeFunction: "increase" });
    expect(query.selectors.filter((selector) => selector.metric === metric.recorded)).toHaveLength(CATCH_UP_WINDOWS);
    expect(rule.expr.match(/\[60s\] anchored/g)).toHaveLength(CATCH_UP_WINDOWS + 1);
  });

  const { recorded, rollups } = Metric.tokens.byUser!;
  const { windowToDate, windowTotal } = rollups!;
  const runningSum = [
    "sum without (part) (",
    `  label_replace(last_over_time(${recorded}[1ms]), "part", "this", "", "")`,
    "  or",
    `  label_replace((${windowToDate} offset 1ms) >= 0, "part", "earlier", "", "")`,
    ")",
  ].join("\n");

  test("a window total is the running sum at the last evaluation of each clock hour, or at the first after it that finds a running sum still open", () => {
    const rule = group.rules.find((r: any) => r.record === windowTotal);
    expect(parsePromQL(rule.expr).errors).toEqual([]);
    const toWindowEnd = "(3600 - time() % 3600) % 3600";
    expect(rule.expr).toBe(
      [
        `((\n${runningSum}\n) and on () (vector(${toWindowEnd}) < 60))`,
        "or",
        `((\n${runningSum}\n) and ((timestamp(${windowToDate} offset 1ms) <= time() - 3600 + ${toWindowEnd}) and ((${windowToDate} offset 1ms) >= 0)))`,
      ].join("\n"),
    );
  });

  test("the per-interval sums carry the steps at which time series read window totals; the rollups inherit the label", () => {
    for (const rule of group.rules) {
      if (/:increase(_all_users(_by_stream)?|_by_user|_all_users_by_repository|_all_streams)?$/.test(rule.record)) expect(rule.labels).toEqual({ rollup_steps: ",1h,2h,3h,6h,12h,1d," });
      else expect(rule.labels).toBeUndefined();
    }
    expect(rollupSteps(60, 600)).toBe(",10m,20m,30m,1h,2h,3h,6h,12h,1d,");
    // A window too short for a total written 5 minutes late to stay in its own step: never read per step.
    expect(rollupSteps(60, 120)).toBe(",,");
  });

  test("the running sum adds this evaluation's growth to the previous one while open, and is written below zero where a total closed it", () => {
    const rule = group.rules.find((r: any) => r.record === windowToDate);
    expect(parsePromQL(rule.expr).errors).toEqual([]);
    expect(rule.expr).toBe(
      `(\n${runningSum}\n) unless last_over_time(${windowTotal}[1ms])\nor\nlast_over_time(${windowTotal}[1ms]) * 0 + (-1)`,
    );
  });
});

describe("team mode in the Collector", () => {
  const teamMode = { tokenFile: "/etc/otelcol-contrib/team-tokens", teamAttribute: "team.id", teams: ["payments", "search"] };
  const config = parse(renderCollectorConfig({ ...collectorOptions, teamMode }));
  const fromToken = ["memory_limiter", "attributes/token", "transform/team-from-token"];

  test("the team comes from the token before any processor reads attributes, for counters and events", () => {
    expect(config.service.extensions).toEqual(["bearertokenauth"]);
    expect(config.service.pipelines["metrics/team-payments"].processors).toEqual([
      ...fromToken,
      "filter/team-payments",
      "transform/labels",
      "delta_to_cumulative",
      "batch",
    ]);
    expect(config.service.pipelines.logs.processors).toEqual([...fromToken, "transform/events"]);
    expect(config.processors["attributes/token"]).toEqual({
      actions: [{ key: "claude_code_stack.authorization", from_context: "metadata.authorization", action: "upsert" }],
    });
  });

  test("each team has its own pipeline that keeps only its data points and ends in its own exporter", () => {
    expect(Object.keys(config.service.pipelines).sort()).toEqual(["logs", "metrics/team-payments", "metrics/team-search"]);
    for (const [team, port] of [["payments", 8889], ["search", 8890]] as const) {
      const pipeline = config.service.pipelines[`metrics/team-${team}`];
      expect(pipeline.receivers).toEqual(["otlp", "signal_to_metrics"]);
      expect(pipeline.exporters).toEqual([`prometheus/team-${team}`]);
      expect(config.processors[`filter/team-${team}`]).toEqual({ error_mode: "ignore", metrics: { datapoint: [`attributes["team.id"] != "${team}"`] } });
      expect(config.exporters[`prometheus/team-${team}`].endpoint).toBe(`0.0.0.0:${port}`);
    }
    expect(metricsEndpoints(8889, teamMode.teams)).toEqual([
      { exporter: "prometheus/team-payments", port: 8889, team: "payments" },
      { exporter: "prometheus/team-search", port: 8890, team: "search" },
    ]);
  });

  test("Prometheus scrapes each team apart, as an instance named for the team, with the team's series limit", () => {
    const prometheus = parse(
      renderPrometheusConfig({
        scrapeInterval: "10s",
        collectorTargets: [{ address: "c:8889", instance: "team-payments" }, { address: "c:8890", instance: "team-search" }],
        maxSeriesPerTeam: 20000,
        rulesFile: "/r.yml",
        retentionTime: "15d",
        retentionSize: "",
      }),
    );
    expect(prometheus.scrape_configs[0].sample_limit).toBe(20000);
    expect(prometheus.scrape_configs[0].static_configs).toEqual([
      { targets: ["c:8889"], labels: { instance: "team-payments" } },
      { targets: ["c:8890"], labels: { instance: "team-search" } },
    ]);
  });

  test("a published Prometheus asks every client for the one user's password (bcrypt)", () => {
    expect(parse(renderPrometheusWebConfig({ username: "prometheus", passwordBcrypt: "$2a$10$abc" }))).toEqual({
      basic_auth_users: { prometheus: "$2a$10$abc" },
    });
    expect(prometheusFlags({ configFile: "/p.yml", dataDir: "/d", port: 9090, webConfigFile: "/etc/prometheus/web.yml" })).toContain(
      "--web.config.file=/etc/prometheus/web.yml",
    );
  });

  test("the mapping hashes the token, sets the team it belongs to and deletes the header", () => {
    const mapping = parse(renderTeamTokenMapping({ teamAttribute: "team.id", teams: [{ team: "payments", tokenSha256: "ab12" }] }));
    const processor = mapping.processors["transform/team-from-token"];
    const statements = [
      'replace_pattern(attributes["claude_code_stack.authorization"], "^Bearer ", "")',
      'set(attributes["claude_code_stack.authorization"], SHA256(attributes["claude_code_stack.authorization"])) where attributes["claude_code_stack.authorization"] != nil',
      'set(attributes["team.id"], "payments") where attributes["claude_code_stack.authorization"] == "ab12"',
      'delete_key(attributes, "claude_code_stack.authorization")',
    ];
    expect(processor.metric_statements).toEqual([{ context: "datapoint", statements }]);
    expect(processor.log_statements).toEqual([{ context: "log", statements }]);
    expect(() => renderTeamTokenMapping({ teamAttribute: "team.id", teams: [] })).toThrow("team mode needs at least one team");
  });
});

describe("recording rules of event histograms", () => {
  const rendered = renderRecordingRules({ interval: "1m", scrapeInterval: "10s", rollupWindow: "1h" });
  const rules = parse(rendered).groups[0].rules as { record: string; expr: string }[];
  const { bucket, sum, count } = EventMetric.apiDuration;

  test("buckets are written with their zeros wherever the count grew, so no bucket bound goes missing", () => {
    const expr = rules.find((rule) => rule.record === bucket.recorded)!.expr;
    const query = parsePromQL(expr);
    expect(query.errors).toEqual([]);
    const [buckets, condition] = expr.split("\nand ignoring (le)\n");
    expect(buckets.endsWith("\n)")).toBe(true);
    expect(condition).toBe(rules.find((rule) => rule.record === count.recorded)!.expr);
    expect(query.selectors.filter((selector) => selector.metric === bucket.name)).toHaveLength(CATCH_UP_WINDOWS + 1);
  });

  test("sum and count are recorded like counters", () => {
    for (const series of [sum, count]) expect(rules.find((rule) => rule.record === series.recorded)!.expr.endsWith("\n) > 0")).toBe(true);
  });
});

describe("Claude Code settings", () => {
  test("point clients at the stack with cumulative temporality, the repository and the team attributes", () => {
    expect(
      claudeCodeEnv({
        protocol: "grpc",
        endpoint: "http://127.0.0.1:4317",
        resourceAttributes: { "team.id": "platform", department: "eng" },
        metricExportIntervalMillis: 30000,
      }),
    ).toEqual({
      CLAUDE_CODE_ENABLE_TELEMETRY: "1",
      OTEL_METRICS_EXPORTER: "otlp",
      OTEL_LOGS_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4317",
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "cumulative",
      OTEL_METRIC_EXPORT_INTERVAL: "30000",
      OTEL_METRICS_INCLUDE_REPOSITORY: "true",
      OTEL_RESOURCE_ATTRIBUTES: "team.id=platform,department=eng",
    });
  });

  test("leave out OTEL_RESOURCE_ATTRIBUTES without team attributes", () => {
    const env = claudeCodeEnv({ protocol: "http/protobuf", endpoint: "http://127.0.0.1:4318", resourceAttributes: {}, metricExportIntervalMillis: 60000 });
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toBeUndefined();
  });
});
