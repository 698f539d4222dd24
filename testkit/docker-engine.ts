/**
 * A Docker engine for the deploy test: the one that answers, or else Debian's
 * `dockerd` started here (as root) and stopped again at the end.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { sleep } from "./processes";

export interface DockerEngine {
  /** The engine's version, e.g. 20.10.24+dfsg1. */
  readonly version: string;
  /** Whether this run started it (and so stops it). */
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

/** Runs the docker CLI and returns its output; throws with its error output on failure. */
export function docker(args: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const result = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } });
  if (result.error) throw new Error("the docker CLI is missing: install Debian's docker.io (`apt-get install docker.io`)");
  if (result.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * The host's address on Docker's default bridge, where a container reaches a
 * server the test runs on the host. The network's IPAM config names it, but
 * not always (an engine can record only the subnet): then the subnet's first
 * address, which is where Docker puts the bridge's gateway unless told otherwise.
 */
export function bridgeGatewayAddress(): string {
  const config = JSON.parse(docker(["network", "inspect", "bridge", "--format", "{{json .IPAM.Config}}"])) as { Subnet?: string; Gateway?: string }[];
  const ipv4 = config.find((entry) => /^\d+\.\d+\.\d+\.\d+\//.test(entry.Subnet ?? ""));
  if (ipv4?.Gateway) return ipv4.Gateway;
  if (!ipv4?.Subnet) throw new Error(`Docker's default bridge has no IPv4 subnet (IPAM config ${JSON.stringify(config)}): the test's webhook needs one`);
  return firstHostAddress(ipv4.Subnet);
}

/** The first host address of an IPv4 subnet, e.g. 172.17.0.1 for 172.17.0.0/16. */
export function firstHostAddress(subnet: string): string {
  const [address, bits] = subnet.split("/");
  const mask = Number(bits) === 0 ? 0 : ~0 << (32 - Number(bits));
  const first = ((address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0) & mask) >>> 0) + 1;
  return [24, 16, 8, 0].map((shift) => (first >>> shift) & 255).join(".");
}

function engineVersion(): string | undefined {
  const result = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The running engine, or Debian's dockerd started with its log in `logDir`. */
export async function ensureDockerEngine(logDir: string, log: (line: string) => void): Promise<DockerEngine> {
  if (spawnSync("docker", ["--version"]).error) {
    throw new Error("the deploy test needs the docker CLI and engine: install Debian's docker.io (`apt-get install docker.io`)");
  }
  const running = engineVersion();
  if (running) return { version: running, startedHere: false, stop: async () => {} };

  if (spawnSync("dockerd", ["--version"]).error) {
    throw new Error("no Docker engine answers and dockerd is missing: install Debian's docker.io (`apt-get install docker.io`) or start your engine");
  }
  if (process.getuid?.() !== 0) {
    throw new Error("no Docker engine answers, and starting dockerd needs root: start your Docker engine (e.g. `sudo systemctl start docker`)");
  }
  const logFile = path.join(logDir, "dockerd.log");
  const out = fs.openSync(logFile, "a");
  const daemon: ChildProcess = spawn("dockerd", [], { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  let exited = false;
  daemon.once("exit", () => (exited = true));
  const deadline = Date.now() + 60_000;
  let version: string | undefined;
  while (!(version = engineVersion())) {
    if (exited) throw new Error(`dockerd exited at start; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within 60 s; see ${logFile}`);
    await sleep(500);
  }
  log(`started Docker engine ${version} (log: ${logFile})`);
  return {
    version,
    startedHere: true,
    stop: async () => {
      if (exited) return;
      const done = new Promise<void>((resolve) => daemon.once("exit", () => resolve()));
      daemon.kill("SIGTERM");
      const timeout = setTimeout(() => daemon.kill("SIGKILL"), 30_000);
      await done;
      clearTimeout(timeout);
      log("stopped the Docker engine this test started");
    },
  };
}
