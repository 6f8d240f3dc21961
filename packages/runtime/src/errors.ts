import { SwitchboardError } from '@switchboard/bus';

/** Invalid configuration. `problems` lists every problem found, each saying what to fix. */
export class ConfigError extends SwitchboardError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('SB_ERR_CONFIG', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}
