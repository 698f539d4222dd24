/**
 * Thanos, the distributed engine the central store is tested on, run from the
 * binary buildThanos makes, on loopback: Receive nodes behind a hashring (take
 * remote write) or Store Gateway (serves TSDB blocks from a bucket), with a
 * Thanos Query in front that speaks Prometheus's query API.
 */
import * as fs from "fs";
import * as path from "path";
import { ManagedProcess, answersOk, freePort } from "./processes";
import { exposedMetricSum } from "./prometheus-api";

export interface RunningThanos {
  /** Prometheus's HTTP API over everything the engine holds. */
  readonly queryUrl: string;
  stop(): Promise<void>;
}

/** A Receive node: where to remote-write to it, and how many series its TSDBs hold. */
export interface ReceiveNode {
  readonly remoteWriteUrl: string;
  headSeries(): Promise<number>;
}

/** Mutual TLS on the Receive nodes' remote-write endpoint: their certificate and key, and the CA a client's certificate must be signed by. */
export interface ReceiveTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string;
  /** Host name in the certificate, which the remote-write URL uses. */
  readonly serverName: string;
}

/**
 * `nodes` Thanos Receive nodes sharing one hashring (each series is stored on
 * the node its hash names, whichever node it was written to; replication
 * factor 1) and Thanos Query reading all of them. With `tls`, remote write
 * takes only https from clients with a certificate signed by its CA.
 */
export async function startThanosReceive(binary: string, dir: string, nodes: number, tls?: ReceiveTls): Promise<RunningThanos & { readonly nodes: readonly ReceiveNode[] }> {
  const ports = [];
  for (let n = 0; n < nodes; n++) ports.push({ grpc: await freePort(), http: await freePort(), remoteWrite: await freePort(), capnproto: await freePort() });
  const hashrings = path.join(dir, "hashrings.json");
  const endpoints = ports.map(({ grpc, capnproto }) => ({ address: local(grpc), capnproto_address: local(capnproto) }));
  fs.writeFileSync(hashrings, JSON.stringify([{ hashring: "default", endpoints }]));
  const receivers: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const receiver of receivers) await receiver.stop();
  };
  try {
    for (const [n, { grpc, http, remoteWrite, capnproto }] of ports.entries()) {
      const receiver = new ManagedProcess(
        `Thanos Receive ${n}`,
        binary,
        [
          "receive",
          `--tsdb.path=${path.join(dir, `thanos-receive-${n}`)}`,
          `--grpc-address=${local(grpc)}`,
          `--http-address=${local(http)}`,
          `--remote-write.address=${local(remoteWrite)}`,
          `--receive.hashrings-file=${hashrings}`,
          `--receive.local-endpoint=${local(grpc)}`,
          // Replication between nodes goes over gRPC; the Cap'n Proto listener would otherwise take the same port on every node.
          `--receive.capnproto-address=${local(capnproto)}`,
          "--receive.replication-factor=1",
          `--label=receive_node="${n}"`,
          ...(tls
            ? [`--remote-write.server-tls-cert=${tls.certFile}`, `--remote-write.server-tls-key=${tls.keyFile}`, `--remote-write.server-tls-client-ca=${tls.clientCaFile}`]
            : []),
        ],
        path.join(dir, `thanos-receive-${n}.log`),
        () => answersOk(`http://${local(http)}/-/ready`),
      );
      receivers.push(receiver);
      await receiver.start();
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const query = await startQuery(binary, dir, ports.map(({ grpc }) => grpc), { stop: stopAll });
  return {
    ...query,
    nodes: ports.map(({ http, remoteWrite }) => ({
      remoteWriteUrl: tls ? `https://${tls.serverName}:${remoteWrite}/api/v1/receive` : `http://${local(remoteWrite)}/api/v1/receive`,
      headSeries: () => exposedMetricSum(`http://${local(http)}/metrics`, "prometheus_tsdb_head_series"),
    })),
  };
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
  return startQuery(binary, dir, [grpc], store);
}

/** Thanos Query over Store API endpoints; stopping it also stops `backend`. */
async function startQuery(binary: string, dir: string, endpointsGrpc: readonly number[], backend: { stop(): Promise<void> }): Promise<RunningThanos> {
  const [grpc, http] = [await freePort(), await freePort()];
  const queryUrl = `http://${local(http)}`;
  const query = new ManagedProcess(
    "Thanos Query",
    binary,
    ["query", `--http-address=${local(http)}`, `--grpc-address=${local(grpc)}`, ...endpointsGrpc.map((port) => `--endpoint=${local(port)}`)],
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
