import { defaultConfig, type PlatformKitConfig } from './schema.js';

/**
 * A config with the programs it names for the diagram renderer (`chromiumPath`, `drawioCommand`)
 * set back to the host's own (CHROMIUM_PATH, `drawio` on PATH). The App applies it always (it runs
 * on its operator's machine), the Action on pull requests from forks (the config is the
 * contributor's). `warn` hears why, when anything was dropped.
 */
export function withHostPrograms(config: PlatformKitConfig, warn: (fields: Record<string, unknown>, message: string) => void = () => undefined): PlatformKitConfig {
  const diagrams = config.checks.diagrams;
  const defaults = defaultConfig.checks.diagrams;
  if (diagrams.chromiumPath === undefined && diagrams.drawioCommand === defaults.drawioCommand) return config;
  warn(
    { chromiumPath: diagrams.chromiumPath, drawioCommand: diagrams.drawioCommand },
    'checks.diagrams.chromiumPath and drawioCommand are ignored here: only the renderer installed on this host runs',
  );
  const { chromiumPath: _ignored, ...rest } = diagrams;
  return { ...config, checks: { ...config.checks, diagrams: { ...rest, drawioCommand: defaults.drawioCommand } } };
}
