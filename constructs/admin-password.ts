import { Password } from "@cdktf/provider-random/lib/password";
import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";

export interface AdminPasswordProps {
  /**
   * `generated`: a random password kept in Terraform state, the same on every
   * deploy. `variable`: the sensitive Terraform variable `grafana_admin_password`.
   */
  readonly source: "generated" | "variable";
}

/** Name of the Terraform variable that supplies the password in `variable` mode. */
export const ADMIN_PASSWORD_VARIABLE = "grafana_admin_password";

/** Grafana's admin password: never a default, always sensitive in plans. */
export class AdminPassword extends Construct {
  /** The password, a sensitive Terraform value. */
  readonly value: string;

  constructor(scope: Construct, id: string, props: AdminPasswordProps) {
    super(scope, id);
    if (props.source === "generated") {
      const password = new Password(this, "generated", { length: 32, special: false, minNumeric: 4, minUpper: 4, minLower: 4 });
      this.value = password.result;
    } else if (props.source === "variable") {
      const variable = new TerraformVariable(this, "variable", {
        type: "string",
        sensitive: true,
        nullable: false,
        description: "Grafana admin password (set TF_VAR_grafana_admin_password)",
        validation: [
          { condition: "length(var.grafana_admin_password) >= 12", errorMessage: "grafana_admin_password must be at least 12 characters." },
        ],
      });
      variable.overrideLogicalId(ADMIN_PASSWORD_VARIABLE);
      this.value = variable.stringValue;
    } else {
      throw new Error(`\`source\` must be "generated" or "variable", got: ${String(props.source)}`);
    }
  }
}
