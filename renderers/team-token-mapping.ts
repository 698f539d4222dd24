import { stringify } from "yaml";

/** Data point and event attribute that carries a client's Authorization header between two processors, never further. */
export const TOKEN_ATTRIBUTE = "claude_code_stack.authorization";

/** Name of the processor that sets the team attribute from the token; its configuration is this file. */
export const TEAM_FROM_TOKEN_PROCESSOR = "transform/team-from-token";

/** One team and its token, as the mapping needs it. */
export interface TeamToken {
  /** The team's value of the team attribute. */
  readonly team: string;
  /**
   * Lower-case hex SHA-256 of the team's token (what follows "Bearer " in the
   * Authorization header): the file never holds a token itself.
   */
  readonly tokenSha256: string;
}

/** What the mapping depends on. */
export interface TeamTokenMappingOptions {
  /** Attribute key the team comes from, e.g. "team.id". */
  readonly teamAttribute: string;
  readonly teams: readonly TeamToken[];
}

/**
 * Renders the second Collector configuration file of team mode: the
 * processor that hashes the token of the Authorization header a client sent
 * (copied onto its data points and events by `attributes/token`), sets the
 * team attribute of the team whose token it is, overwriting whatever the
 * client claimed, and deletes the header. The Collector merges this file into config.yaml; it is
 * a file of its own because it depends on the tokens, so Terraform hides its
 * content in plans while config.yaml stays reviewable.
 */
export function renderTeamTokenMapping(options: TeamTokenMappingOptions): string {
  if (options.teams.length === 0) throw new Error("team mode needs at least one team");
  const token = `attributes[${quote(TOKEN_ATTRIBUTE)}]`;
  const statements = [
    `replace_pattern(${token}, "^Bearer ", "")`,
    `set(${token}, SHA256(${token})) where ${token} != nil`,
    ...options.teams.map(
      ({ team, tokenSha256 }) => `set(attributes[${quote(options.teamAttribute)}], ${quote(team)}) where ${token} == ${quote(tokenSha256)}`,
    ),
    `delete_key(attributes, ${quote(TOKEN_ATTRIBUTE)})`,
  ];
  const config = {
    processors: {
      [TEAM_FROM_TOKEN_PROCESSOR]: {
        error_mode: "propagate",
        metric_statements: [{ context: "datapoint", statements }],
        log_statements: [{ context: "log", statements }],
      },
    },
  };
  return stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

function quote(value: string): string {
  return JSON.stringify(value);
}
