/**
 * Thanos, the distributed engine the central store is tested on, run from the
 * binary buildThanos makes, on loopback: Receive (takes remote write) or Store
 * Gateway (serves TSDB blocks from a bucket), each with a Thanos Query in
 * front that speaks Prometheus's query API.
 */
import * as fs from "fs";
import * as path from "path";
import { ManagedProcess, answersOk, freePort } from "./processes";

export interface RunningThanos {
  /** Prometheus's HTTP API over everything the engine holds. */
  readonly queryUrl: string;
  stop(): Promise<void>;
}

/** Thanos Receive (one ingesting node, no hashring) and Thanos Query reading it. */
export async function startThanosReceive(binary: string, dir: string): Promise<RunningThanos & { readonly remoteWriteUrl: string }> {
  const [grpc, http, remoteWrite] = [await freePort(), await freePort(), await freePort()];
  const receive = new ManagedProcess(
    "Thanos Receive",
    binary,
    [
      "receive",
      `--tsdb.path=${path.join(dir, "thanos-receive")}`,
      `--grpc-address=${local(grpc)}`,
      `--http-address=${local(http)}`,
      `--remote-write.address=${local(remoteWrite)}`,
      '--label=receive_replica="0"',
    ],
    path.join(dir, "thanos-receive.log"),
    () => answersOk(`http://${local(http)}/-/ready`),
  );
  await receive.start();
  const query = await startQuery(binary, dir, grpc, receive);
  return { ...query, remoteWriteUrl: `http://${local(remoteWrite)}/api/v1/receive` };
}

/**
 * Thanos Store Gateway serving the Prometheus TSDB blocks in `blocksDir`, as
 * a store keeps what Receive uploads to object storage (here a folder), each
 * block labelled with `externalLabels`; and Thanos Query reading it.
 */
export async function startThanosStore(binary: string, blocksDir: string, externalLabels: Readonly<Record<string, string>>, dir: string): Promise<RunningThanos> {
  const bucket = path.join(dir, "bucket");
  fs.mkdirSync(bucket, { recursive: true });
  for (const block of fs.readdirSync(blocksDir).filter((name) => fs.existsSync(path.join(blocksDir, name, "meta.json")))) {
    fs.cpSync(path.join(blocksDir, block), path.join(bucket, block), { recursive: true });
    const metaFile = path.join(bucket, block, "meta.json");
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
    meta.thanos = { labels: externalLabels, downsample: { resolution: 0 }, source: "receive" };
    fs.writeFileSync(metaFile, JSON.stringify(meta));
  }
  const bucketConfig = path.join(dir, "bucket.yml");
  fs.writeFileSync(bucketConfig, `type: FILESYSTEM\nconfig:\n  directory: ${bucket}\n`);
  const [grpc, http] = [await freePort(), await freePort()];
  const store = new ManagedProcess(
    "Thanos Store",
    binary,
    ["store", `--objstore.config-file=${bucketConfig}`, `--data-dir=${path.join(dir, "thanos-store")}`, `--grpc-address=${local(grpc)}`, `--http-address=${local(http)}`],
    path.join(dir, "thanos-store.log"),
    () => answersOk(`http://${local(http)}/-/ready`),
  );
  await store.start();
  return startQuery(binary, dir, grpc, store);
}

/** Thanos Query over one Store API endpoint; stopping it also stops `backend`. */
async function startQuery(binary: string, dir: string, endpointGrpc: number, backend: ManagedProcess): Promise<RunningThanos> {
  const [grpc, http] = [await freePort(), await freePort()];
  const queryUrl = `http://${local(http)}`;
  const query = new ManagedProcess(
    "Thanos Query",
    binary,
    ["query", `--http-address=${local(http)}`, `--grpc-address=${local(grpc)}`, `--endpoint=${local(endpointGrpc)}`],
    path.join(dir, "thanos-query.log"),
    () => answersOk(`${queryUrl}/-/ready`),
  );
  try {
    await query.start();
  } catch (error) {
    await backend.stop();
    throw error;
  }
  return {
    queryUrl,
    stop: async () => {
      await query.stop();
      await backend.stop();
    },
  };
}

function local(port: number): string {
  return `127.0.0.1:${port}`;
}
