import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";

/**
 * Writing blocks into a Prometheus TSDB while Prometheus runs: promtool writes
 * them into a staging folder beside the blocks; a publish renames the folder
 * to "ready", then moves its blocks into the TSDB one by one (Prometheus loads
 * new blocks within a minute). An interrupted run leaves either a staging
 * folder, which the next run deletes, or a ready folder, whose remaining
 * blocks the next run moves before anything else: every block is published
 * once, or none. Each block is marked as out-of-order (OUT_OF_ORDER_HINT) as
 * it is published.
 */
export interface TsdbAccess {
  /** Finishes a publish an interrupted run left, and deletes its staging folder. */
  recover(): Promise<void>;
  /** Writes the blocks of one OpenMetrics file into the staging folder. */
  stage(openMetricsFile: string, maxBlockHours: number): Promise<void>;
  /** Moves every staged block into the TSDB; returns how many, and their size. */
  publish(): Promise<{ blocks: number; bytes: number }>;
}

/**
 * The compaction hint Prometheus gives the blocks it writes from out-of-order
 * samples. At its start, Prometheus drops from its head every sample older
 * than the end of its newest block, but leaves blocks with this hint out of
 * that: each published block gets it, so a backfilled block that reaches
 * into the head's time never costs the head its samples (see
 * OpenMetricsFiles in backfill.ts).
 */
const OUT_OF_ORDER_HINT = "from-out-of-order";

const STAGING = "backfill-staging";
const READY = "backfill-ready";

/** recover and publish, as one shell script: sh -c SCRIPT sh <TSDB folder> recover|publish. */
const PUBLISH_SCRIPT = `set -eu
cd "$1"
roll_forward() {
  if [ -d ${READY} ]; then
    for block in ${READY}/*; do
      if [ -d "$block" ]; then mv "$block" . && echo "moved $block"; fi
    done
    rmdir ${READY}
  fi
}
mark_out_of_order() {
  for meta in ${STAGING}/*/meta.json; do
    if [ -f "$meta" ] && ! grep -q '"${OUT_OF_ORDER_HINT}"' "$meta"; then
      sed -i 's/"compaction": {/"compaction": {"hints": ["${OUT_OF_ORDER_HINT}"],/' "$meta"
      grep -q '"${OUT_OF_ORDER_HINT}"' "$meta"
    fi
  done
}
case "$2" in
  prepare) mkdir -p ${STAGING} ;;
  recover) roll_forward; rm -rf ${STAGING} ;;
  publish) mark_out_of_order; mv ${STAGING} ${READY}; echo "kilobytes $(du -sk ${READY} | cut -f1)"; roll_forward ;;
esac
`;

const run = promisify(execFile);

/**
 * Runs `program args` where the TSDB is at `dataDir`, with `tmpDir` as TMPDIR
 * and `inputDir` readable; returns its output.
 */
type Runner = (program: "promtool" | "sh", args: string[], options?: { inputDir?: string; tmpDir?: string }) => Promise<string>;

function tsdbAccess(dataDir: string, runner: Runner, inputDirOf: (file: string) => string): TsdbAccess {
  const publishStep = (step: "prepare" | "recover" | "publish") => runner("sh", ["-c", PUBLISH_SCRIPT, "sh", dataDir, step]);
  const staging = path.posix.join(dataDir, STAGING);
  return {
    recover: async () => void (await publishStep("recover")),
    stage: async (file, maxBlockHours) => {
      const input = path.posix.join(inputDirOf(file), path.basename(file));
      await publishStep("prepare");
      // promtool's scratch space, on the same disk, gone with the staging folder (the image may have no /tmp).
      await runner("promtool", ["tsdb", "create-blocks-from", "openmetrics", `--max-block-duration=${maxBlockHours}h`, "-q", input, staging], { inputDir: path.dirname(file), tmpDir: staging });
    },
    publish: async () => {
      const lines = (await publishStep("publish")).split("\n");
      const kilobytes = Number(lines.find((line) => line.startsWith("kilobytes "))?.split(" ")[1] ?? 0);
      return { blocks: lines.filter((line) => line.startsWith("moved ")).length, bytes: kilobytes * 1024 };
    },
  };
}

/** A TSDB in a folder of this machine, with a promtool binary (the benchmark and tests). */
export function localTsdb(dataDir: string, promtool: string): TsdbAccess {
  return tsdbAccess(
    dataDir,
    async (program, args, options) =>
      (await run(program === "promtool" ? promtool : "/bin/sh", args, { env: { ...process.env, ...(options?.tmpDir ? { TMPDIR: options.tmpDir } : {}) }, maxBuffer: 64 * 1024 * 1024 })).stdout,
    (file) => path.dirname(file),
  );
}

/** Where the stack's Prometheus keeps its TSDB: a named volume, and the image that has promtool. */
export interface PrometheusVolume {
  readonly volume: string;
  readonly image: string;
  /** Path of the TSDB inside the container. @default "/prometheus" */
  readonly dataPath?: string;
}

/**
 * The stack's TSDB on its Docker volume, through one-shot containers of
 * Prometheus's own image (promtool and a shell are in it), as the user
 * Prometheus runs as; the OpenMetrics files are mounted read-only.
 */
export function dockerVolumeTsdb({ volume, image, dataPath = "/prometheus" }: PrometheusVolume): TsdbAccess {
  const INPUT = "/backfill-input";
  return tsdbAccess(
    dataPath,
    async (program, args, options) => {
      const mounts = ["-v", `${volume}:${dataPath}`, ...(options?.inputDir ? ["-v", `${options.inputDir}:${INPUT}:ro`] : [])];
      const env = options?.tmpDir ? ["-e", `TMPDIR=${options.tmpDir}`] : [];
      const entrypoint = program === "promtool" ? "/bin/promtool" : "/bin/sh";
      return (await run("docker", ["run", "--rm", "--network", "none", ...mounts, ...env, "--entrypoint", entrypoint, image, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    },
    () => INPUT,
  );
}
