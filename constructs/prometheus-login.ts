import { Password } from "@cdktf/provider-random/lib/password";
import { Construct } from "constructs";

export interface PrometheusLoginProps {
  /**
   * The user name.
   * @default "prometheus"
   */
  readonly username?: string;
}

/**
 * The basic-auth login of a published Prometheus: a random password kept in
 * Terraform state, and its bcrypt hash for Prometheus's web configuration.
 * The random provider computes the hash once, when it creates the password,
 * so plans stay quiet (Terraform's own bcrypt() changes at every plan).
 */
export class PrometheusLogin extends Construct {
  readonly username: string;
  /** The password, a sensitive Terraform value. */
  readonly password: string;
  /** Its bcrypt hash, a sensitive Terraform value. */
  readonly passwordBcrypt: string;

  constructor(scope: Construct, id: string, props: PrometheusLoginProps = {}) {
    super(scope, id);
    this.username = props.username ?? "prometheus";
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(this.username)) {
      throw new Error(`\`username\` must be 1-32 lower-case letters, digits, "_" or "-" starting with a letter, got: ${JSON.stringify(this.username)}`);
    }
    const password = new Password(this, "password", { length: 32, special: false });
    this.password = password.result;
    this.passwordBcrypt = password.bcryptHash;
  }
}
