/**
 * The flag handling every publisher command shares: parse with node:util parseArgs (strict), `--help` prints
 * the usage on stdout (exit 0), an unknown flag or a failed `check` (throw UsageError) prints
 * `<name>: <why>` and the usage on stderr (exit 2). Returns the typed values, or the exit code to return.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

export type CommandValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O }>>["values"];

export function parseCommand<O extends ParseArgsOptionsConfig>(
  name: string,
  usage: string,
  argv: string[],
  options: O,
  check: (values: CommandValues<O>) => void = () => {},
): CommandValues<O> | number {
  try {
    const { values } = parseArgs({ args: argv, options });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(usage);
      return 0;
    }
    check(values);
    return values;
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
}
