import type { Tree } from "@lezer/common";

// The package is an ES module with a CommonJS build; jest runs CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require("@prometheus-io/lezer-promql") as { parser: { parse(text: string): Tree } };

/** Grafana's built-in variables replaced by sample values so the expression is plain PromQL. */
const GRAFANA_INTERVALS: Record<string, string> = { $__range: "1d", $__interval: "1m", $__rate_interval: "4m" };

export function withGrafanaVariablesResolved(expr: string): string {
  return expr.replace(/\$__(range|rate_interval|interval)/g, (variable) => GRAFANA_INTERVALS[variable]);
}

/** One series selector of a query: metric name and label matchers as written. */
export interface Selector {
  readonly metric: string;
  readonly matchers: readonly string[];
  /** Name of the function the selector's range vector is passed to, if any. */
  readonly rangeFunction?: string;
}

export interface ParsedQuery {
  readonly errors: readonly string[];
  readonly selectors: readonly Selector[];
  /** Labels of every `by (...)` clause. */
  readonly groupingLabels: readonly string[];
}

/** Parses a PromQL expression with Prometheus's own lezer grammar. */
export function parsePromQL(expr: string): ParsedQuery {
  const text = withGrafanaVariablesResolved(expr);
  const tree = parser.parse(text);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  const slice = (from: number, to: number) => text.slice(from, to);

  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: ${JSON.stringify(text.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      if (node.name === "GroupingLabels") {
        node.node.getChildren("LabelName").forEach((label) => groupingLabels.push(slice(label.from, label.to)));
      }
      if (node.name === "VectorSelector") {
        const identifier = node.node.getChild("Identifier");
        const matchers = node.node.getChild("LabelMatchers");
        let rangeFunction: string | undefined;
        for (let parent = node.node.parent; parent; parent = parent.parent) {
          if (parent.name === "FunctionCall") {
            const fn = parent.getChild("FunctionIdentifier");
            rangeFunction = fn ? slice(fn.from, fn.to) : undefined;
            break;
          }
          if (!["MatrixSelector", "AnchoredExpr", "OffsetExpr", "FunctionCallBody"].includes(parent.name)) break;
        }
        selectors.push({
          metric: identifier ? slice(identifier.from, identifier.to) : "",
          matchers: matchers
            ? matchers.getChildren("UnquotedLabelMatcher").map((matcher) => slice(matcher.from, matcher.to).replace(/\s+/g, ""))
            : [],
          rangeFunction,
        });
      }
    },
  });
  return { errors, selectors, groupingLabels };
}
