/**
 * The house style of this project's dashboards: panel factories that set the
 * datasource, units and display options the same way everywhere, template
 * variables from the dashboard configuration, and a row layout helper.
 */
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as piechart from "@grafana/grafana-foundation-sdk/piechart";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { DashboardConfig, FilterVariable, filterMatcher } from "./config";
import { QueryBuilder } from "./queries";

/** Grafana unit ids used by the panels. */
export const Unit = {
  usd: "currencyUSD",
  count: "short",
  seconds: "s",
  percent: "percentunit",
  ratio: "suffix:x",
} as const;

/** One query of a panel. */
export interface Target {
  readonly expr: string;
  /** Series name in the legend; Grafana's {{label}} syntax. */
  readonly legend?: string;
}

/** Everything panels and queries of one dashboard share. */
export class DashboardKit {
  readonly queries: QueryBuilder;
  readonly datasource: common.DataSourceRef;

  constructor(readonly config: DashboardConfig) {
    this.queries = new QueryBuilder(config);
    this.datasource = { type: "prometheus", uid: `\${${config.datasourceVariable}}` };
  }

  /** An instant query: stats, gauges, pies and bar gauges show one value over the range. */
  instant(target: Target, refId: string): prometheus.DataqueryBuilder {
    return this.query(target, refId).instant().format(prometheus.PromQueryFormat.TimeSeries);
  }

  /** A range query: one point per step for time series. */
  range(target: Target, refId: string): prometheus.DataqueryBuilder {
    return this.query(target, refId).range();
  }

  private query(target: Target, refId: string): prometheus.DataqueryBuilder {
    return new prometheus.DataqueryBuilder()
      .datasource(this.datasource)
      .expr(target.expr)
      .legendFormat(target.legend ?? "__auto")
      .refId(refId);
  }

  stat(title: string, description: string, unit: string, targets: Target[]): stat.PanelBuilder {
    const panel = new stat.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(this.datasource)
      .unit(unit)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Value)
      .reduceOptions(lastValue())
      .thresholds(singleColor("blue"));
    targets.forEach((target, index) => panel.withTarget(this.instant(target, refId(index))));
    return panel;
  }

  gauge(title: string, description: string, unit: string, target: Target, limits: GaugeLimits): gauge.PanelBuilder {
    return new gauge.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(this.datasource)
      .unit(unit)
      .min(limits.min)
      .max(limits.max)
      .decimals(limits.decimals)
      .reduceOptions(lastValue())
      .thresholds(thresholdSteps(limits.steps))
      .withTarget(this.instant(target, "A"));
  }

  pie(title: string, description: string, unit: string, target: Target): piechart.PanelBuilder {
    return new piechart.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(this.datasource)
      .unit(unit)
      .pieType(piechart.PieChartType.Donut)
      .displayLabels([piechart.PieChartLabels.Percent])
      .reduceOptions(lastValue())
      .legend(
        new piechart.PieChartLegendOptionsBuilder()
          .displayMode(common.LegendDisplayMode.Table)
          .placement(common.LegendPlacement.Right)
          .showLegend(true)
          .values([piechart.PieChartLegendValues.Value, piechart.PieChartLegendValues.Percent]),
      )
      .withTarget(this.instant(target, "A"));
  }

  /** Horizontal bars, one per series of every target. */
  barGauge(title: string, description: string, unit: string, ...targets: Target[]): bargauge.PanelBuilder {
    const panel = new bargauge.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(this.datasource)
      .unit(unit)
      .orientation(common.VizOrientation.Horizontal)
      .displayMode(common.BarGaugeDisplayMode.Gradient)
      .reduceOptions(lastValue())
      .thresholds(singleColor("blue"));
    targets.forEach((target, index) => panel.withTarget(this.instant(target, refId(index))));
    return panel;
  }

  /** Bars per step: each bar is what was counted in that step. */
  timeseries(title: string, description: string, unit: string, target: Target): timeseries.PanelBuilder {
    return new timeseries.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(this.datasource)
      .unit(unit)
      .interval(this.config.minInterval)
      .drawStyle(common.GraphDrawStyle.Bars)
      .fillOpacity(80)
      .lineWidth(1)
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
      .legend(
        new common.VizLegendOptionsBuilder()
          .displayMode(common.LegendDisplayMode.Table)
          .placement(common.LegendPlacement.Bottom)
          .showLegend(true)
          .calcs(["sum"]),
      )
      .withTarget(this.range(target, "A"));
  }

  /** A table of instant values, one row per label set, largest first. */
  leaderboard(title: string, description: string, unit: string, target: Target, valueTitle: string): table.PanelBuilder {
    return new table.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(this.datasource)
      .unit(unit)
      .withTarget(this.instant(target, "A").format(prometheus.PromQueryFormat.Table))
      .withTransformation({ id: "organize", options: { excludeByName: { Time: true }, renameByName: { Value: valueTitle } } })
      .sortBy([new common.TableSortByFieldStateBuilder().displayName(valueTitle).desc(true)]);
  }

  /**
   * The datasource variable and one multi-value filter per label of `filters`,
   * whose values are those of the label on the series `valuesFrom` names.
   * @param filters @default the configured filters
   * @param valuesFrom @default every series the dashboards read (QueryBuilder.filterValues)
   */
  variables(filters: readonly FilterVariable[] = this.config.filters, valuesFrom?: string): cog.Builder<dashboard.VariableModel>[] {
    const datasource = new dashboard.DatasourceVariableBuilder(this.config.datasourceVariable)
      .label("Data source")
      .type("prometheus");
    const valuesOf = (label: string) => (valuesFrom ? `label_values(${valuesFrom}, ${label})` : this.queries.filterValues(label));
    const variables = filters.map((filter) =>
      new dashboard.QueryVariableBuilder(filter.name)
        .label(filter.title)
        .datasource(this.datasource)
        .query(valuesOf(filter.label))
        .definition(valuesOf(filter.label))
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue(".*")
        .current({ text: "All", value: "$__all" }),
    );
    return [datasource, ...variables];
  }
}

export interface GaugeLimits {
  readonly min: number;
  readonly max: number;
  readonly decimals: number;
  /** Threshold colors from `min` upwards: [color, from][] with the first `from` null. */
  readonly steps: readonly [string, number | null][];
}

/** Any panel builder of the SDK: they all build a Panel and take a grid position. */
export type PanelBuilder = cog.Builder<dashboard.Panel> & { gridPos(gridPos: dashboard.GridPos): unknown };

/** A panel and the size it takes in its row. */
export interface PlacedPanel {
  readonly panel: PanelBuilder;
  readonly width: number;
  readonly height: number;
}

/** A dashboard row: its title and panels, laid out left to right. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PlacedPanel[];
}

export function placed(panel: PanelBuilder, width: number, height: number): PlacedPanel {
  return { panel, width, height };
}

const GRID_WIDTH = 24;

/**
 * Adds each row and its panels to the dashboard, wrapping panels onto a new
 * line when a row's line is full. Rows start expanded and can be collapsed.
 */
export function addRows(builder: dashboard.DashboardBuilder, rows: readonly RowSpec[]): dashboard.DashboardBuilder {
  let y = 0;
  for (const row of rows) {
    builder.withRow(new dashboard.RowBuilder(row.title).collapsed(false).gridPos({ x: 0, y, w: GRID_WIDTH, h: 1 }));
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const { panel, width, height } of row.panels) {
      if (x + width > GRID_WIDTH) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panel.gridPos({ x, y, w: width, h: height });
      builder.withPanel(panel);
      x += width;
      lineHeight = Math.max(lineHeight, height);
    }
    y += lineHeight;
  }
  return builder;
}

/**
 * Builds the dashboard, and says in the description of every panel which of
 * the dashboard's filters do not reach it: a panel that reads series without
 * a filter's label (Claude Code puts no model on sessions, active time or tool
 * runs) shows every value of that label whatever the filter picks.
 */
export function buildDashboard(builder: dashboard.DashboardBuilder, config: DashboardConfig): dashboard.Dashboard {
  const built = builder.build();
  const variableNames = new Set((built.templating?.list ?? []).map((variable) => variable.name));
  const filters = config.filters.filter((filter) => variableNames.has(filter.name));
  for (const panel of built.panels ?? []) {
    if (!("targets" in panel)) continue;
    const selectors = (panel.targets ?? []).flatMap((target: any) => [...String(target.expr).matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]));
    const missed = filters.filter((filter) => selectors.some((selector) => !selector.includes(filterMatcher(filter))));
    if (missed.length > 0) {
      panel.description = `${panel.description} ${unfilteredNote(missed.map((filter) => filter.title))}`;
    }
  }
  return built;
}

/** What a panel's description says about the filters that do not reach it. */
export function unfilteredNote(titles: readonly string[]): string {
  return `Not filtered by ${titles.join(" or ")}: Claude Code sends the data it reads without that attribute.`;
}

/** The dashboard-wide defaults every dashboard of this project shares. */
export function baseDashboard(config: DashboardConfig, uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([...config.tags])
    .editable()
    .refresh("1m")
    .time({ from: "now-24h", to: "now" })
    .timezone("browser")
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}

function refId(index: number): string {
  return String.fromCharCode("A".charCodeAt(0) + index);
}

function lastValue(): common.ReduceDataOptionsBuilder {
  return new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);
}

function singleColor(color: string): dashboard.ThresholdsConfigBuilder {
  return thresholdSteps([[color, null]]);
}

/** Absolute thresholds: [color, from][] with the first `from` null. */
export function thresholdSteps(colors: readonly [string, number | null][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(colors.map(([color, value]) => ({ color, value })));
}
