/**
 * How Grafana picks and writes a time series' step, which the dashboards'
 * queries depend on: the step is the range divided by the panel's width,
 * rounded to one of a few "nice" intervals (never below the panel's minimum),
 * and `$__interval` is written in its largest whole unit ("2h", "1d").
 */

/**
 * Grafana's roundInterval (@grafana/data 13.2 rangeutil) from 1 s to a day:
 * below the first bound, the second. __tests__/grafana-emulation.test.ts holds
 * it against Grafana's own function.
 */
const ROUNDED: readonly [number, number][] = [
  [1.5, 1],
  [3.5, 2],
  [7.5, 5],
  [12.5, 10],
  [17.5, 15],
  [25, 20],
  [45, 30],
  [90, 60],
  [210, 120],
  [450, 300],
  [750, 600],
  [1050, 900],
  [1500, 1200],
  [2700, 1800],
  [5400, 3600],
  [9000, 7200],
  [16200, 10800],
  [32400, 21600],
  [86400, 43200],
];

/**
 * Grafana's rounding of a step in seconds, from 1 s up to a day. (Grafana goes
 * on to 1w, 30d and 1y, which a 1,200-pixel panel reaches only for ranges of
 * 23 years and more; below 1 s it rounds to milliseconds, and the panels'
 * 1-minute minimum lifts those.)
 */
export function roundInterval(seconds: number): number {
  for (const [below, rounded] of ROUNDED) if (seconds < below) return rounded;
  return 86_400;
}

/** Every step roundInterval can give. */
export const ROUNDED_STEPS: readonly number[] = [...ROUNDED.map(([, rounded]) => rounded), 86_400];

/** How Grafana writes a step into `$__interval` (secondsToHms): its largest whole unit. */
export function intervalText(seconds: number): string {
  const units: [string, number][] = [
    ["y", 31_536_000],
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ];
  for (const [unit, size] of units) if (seconds >= size) return `${Math.floor(seconds / size)}${unit}`;
  return `${Math.round(seconds * 1000)}ms`;
}
