/**
 * Terraform reads every string in cdk.tf.json as a template: text that holds
 * `${...}` or `%{...}` of its own (Grafana's variables, Prometheus's and
 * Alertmanager's templates) must reach the container as written, not be
 * interpolated. Never for a string that carries a Terraform reference.
 */
export function escapeTerraformTemplate(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
