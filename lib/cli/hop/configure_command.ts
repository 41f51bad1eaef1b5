/**
 * `hop configure locate|show|set`: hop's general configuration file, config.toml.
 *
 * @module
 */
import { Argument, Command, Option } from "commander";
import { authFilePath, configFilePath } from "../../hop/auth_file.ts";
import {
  CONFIG_SETTINGS,
  type ConfigSetting,
  loadConfig,
  parseHopBoolean,
  pythonBoolean,
  writeConfigSetting,
} from "../../hop/config_file.ts";
import { type LogLevel, stderrLogger } from "../../hop/log.ts";
import { writeStdout } from "../_output.ts";
import { CliExit } from "../cli_exit.ts";

/**
 * Builds `configure` with hop's three subcommands:
 *
 * - `locate [-t general|auth]`: print the path of config.toml (default) or auth.toml;
 * - `show`: print the effective settings (defaults, the file, then `HOP_FETCH_EXTERNAL` /
 *   `HOP_AUTOMATIC_OFFLOAD`), one `name: True|False` line each;
 * - `set NAME VALUE`: write one setting to config.toml's `[config]` table.
 *
 * `-q/--quiet` and `-v/--verbose` go before the subcommand, as in hop; the log level is INFO by
 * default, so `set` reports what it wrote.
 *
 * @returns the commander command
 */
export function configureCommand(): Command {
  const configure = new Command("configure")
    .summary("configuration utilities")
    .description(
      "Locate, show and set hop's general configuration (config.toml). Its two settings, " +
        "fetch_external and automatic_offload, are kept for compatibility with hop's file " +
        "only: this program neither offloads large messages nor fetches offloaded ones.",
    )
    .option("-q, --quiet", "only show warnings and errors")
    .option("-v, --verbose", "show debug messages")
    .enablePositionalOptions()
    .exitOverride();
  const logger = () => {
    const flags = configure.opts<{ quiet?: boolean; verbose?: boolean }>();
    if (flags.quiet && flags.verbose) {
      throw new CliExit(2, "-q/--quiet and -v/--verbose exclude each other");
    }
    const level: LogLevel = flags.verbose ? "debug" : flags.quiet ? "warning" : "info";
    return stderrLogger(level, "hop");
  };

  configure.command("locate")
    .summary("print the path of a configuration file")
    .description(
      "Print the path of hop's config.toml (-t general, the default) or auth.toml (-t auth), " +
        "whether or not it exists.",
    )
    .addOption(
      new Option("-t, --type <type>", "which file").choices(["general", "auth"]).default(
        "general",
      ),
    )
    .exitOverride()
    .action((flags: { type: "general" | "auth" }) => {
      logger();
      writeStdout(`${flags.type === "auth" ? authFilePath() : configFilePath()}\n`);
    });

  configure.command("show")
    .summary("print the effective configuration")
    .description(
      "Print each setting as hop does (fetch_external: True): the defaults, overridden by " +
        "config.toml, overridden by the HOP_FETCH_EXTERNAL and HOP_AUTOMATIC_OFFLOAD " +
        "environment variables.",
    )
    .exitOverride()
    .action(async () => {
      const config = await loadConfig(undefined, logger());
      writeStdout(
        CONFIG_SETTINGS.map((setting) => `${setting}: ${pythonBoolean(config[setting])}\n`).join(
          "",
        ),
      );
    });

  configure.command("set")
    .summary("set a configuration value")
    .description(
      "Set NAME to VALUE in the [config] table of config.toml, creating the file if needed. " +
        "VALUE is true, yes, on, 1 or false, no, off, 0.",
    )
    .addArgument(new Argument("<name>", "setting to change").choices(CONFIG_SETTINGS))
    .argument("<value>", "its new value")
    .exitOverride()
    .action(async (name: ConfigSetting, text: string) => {
      const log = logger();
      let value: boolean;
      try {
        value = parseHopBoolean(text);
      } catch (error) {
        throw new CliExit(1, `${name}: ${(error as Error).message}`);
      }
      const path = await writeConfigSetting(name, value);
      log.info(`Wrote ${name} = ${pythonBoolean(value)} to ${path}`);
    });

  return configure;
}
