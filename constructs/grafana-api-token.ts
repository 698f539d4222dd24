import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";

/** Name of the Terraform variable that supplies the token. */
export const GRAFANA_TOKEN_VARIABLE = "grafana_service_account_token";

/**
 * A service-account token of a Grafana the team already runs, from the sensitive
 * Terraform variable `grafana_service_account_token` (set
 * `TF_VAR_grafana_service_account_token`). It never appears in the
 * configuration file, in plans or in outputs.
 */
export class GrafanaApiToken extends Construct {
  /** The token, a sensitive Terraform value. */
  readonly value: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const variable = new TerraformVariable(this, "variable", {
      type: "string",
      sensitive: true,
      nullable: false,
      description: "Service-account token of the external Grafana, role Editor or Admin (set TF_VAR_grafana_service_account_token)",
      validation: [
        {
          condition: `length(var.${GRAFANA_TOKEN_VARIABLE}) > 0`,
          errorMessage: `${GRAFANA_TOKEN_VARIABLE} must not be empty: create a service account token in Grafana and set TF_VAR_${GRAFANA_TOKEN_VARIABLE}.`,
        },
      ],
    });
    variable.overrideLogicalId(GRAFANA_TOKEN_VARIABLE);
    this.value = variable.stringValue;
  }
}
