/** Starting, restarting and stopping the real Collector and Prometheus on loopback, and what they use. */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";

export class ManagedProcess {
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly logFile: string,
    /** Answers true once the program serves what the test needs. */
    private readonly isReady: () => Promise<boolean>,
    /** Variables added to this process's environment. @default none */
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  /** Process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const log = fs.openSync(this.logFile, "a");
    this.child = spawn(this.command, this.args, { stdio: ["ignore", log, log], env: { ...process.env, ...this.env } });
    fs.closeSync(log);
    const child = this.child;
    let exited = false;
    child.once("exit", () => (exited = true));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${this.name} exited at start; see ${this.logFile}`);
      if (await this.isReady()) return;
      await sleep(200);
    }
    throw new Error(`${this.name} was not ready within 60 s; see ${this.logFile}`);
  }

  /** Graceful stop (SIGTERM), as `docker restart` does. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timeout);
  }

  /** Has the program reread its configuration (SIGHUP, as Prometheus and Alertmanager take it). */
  async reload(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) throw new Error(`${this.name} is not running`);
    this.child.kill("SIGHUP");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** Whether `url` answers with a success status. */
export async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    return response.ok;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** User plus system CPU seconds a process has used. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident memory of a process (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  return statusMiB(pid, "VmHWM");
}

/** Resident memory of a process now (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  return statusMiB(pid, "VmRSS");
}

function statusMiB(pid: number, field: string): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}
