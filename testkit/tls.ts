/**
 * TLS for the team-mode tests: a self-signed certificate made with openssl,
 * and what Claude Code needs to trust it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The host name in the tests' certificates (Claude Code's gRPC client refuses an IP address as TLS server name). */
export const SERVER_NAME = "localhost";

/** PEM files of a certificate and its key. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A self-signed certificate and key for SERVER_NAME, valid for a day, in `dir`. */
export function selfSignedCertificate(dir: string): TestCertificate {
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", keyFile, "-out", certFile,
    "-subj", `/CN=${SERVER_NAME}`, "-addext", `subjectAltName=DNS:${SERVER_NAME}`,
  ], { stdio: "pipe" });
  return { certFile, keyFile };
}

/**
 * The environment that makes Claude Code trust `certFile`: its gRPC exporter
 * takes the CA from OTEL_EXPORTER_OTLP_CERTIFICATE, its HTTP exporter only
 * from NODE_EXTRA_CA_CERTS.
 */
export function trustingEnv(certFile: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_CERTIFICATE: certFile, NODE_EXTRA_CA_CERTS: certFile };
}
