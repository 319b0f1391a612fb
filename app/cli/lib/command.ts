/**
 * The flag handling every publisher command shares: parse with node:util parseArgs (strict), `--help` prints
 * the usage on stdout (exit 0), an unknown flag or a failed `check` (throw UsageError) prints
 * `<name>: <why>` and the usage on stderr (exit 2). Returns the typed values, or the exit code to return.
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** The flags of the commands that write a log entry (`create`, `append`). */
export const ENTRY_FLAGS = {
  dir: { type: "string" },
  event: { type: "string" },
  detail: { type: "string", multiple: true },
  component: { type: "string", multiple: true },
  parent: { type: "string" },
  time: { type: "string" },
  keystore: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsOptionsConfig;

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

export type SubcommandValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>["values"];

/**
 * A command made of subcommands (`provision register ...`, `wallet link ...`): parse the flags (strict),
 * `--help` or no subcommand prints the usage (exit 0 / 2), an unknown subcommand or flag prints why and
 * the usage on stderr (exit 2), a UsageError thrown by the subcommand prints `<name> <sub>: <why>`
 * (exit 2); anything else propagates.
 */
export async function runSubcommands<O extends ParseArgsOptionsConfig>(
  name: string,
  usage: string,
  argv: readonly string[],
  options: O,
  subcommands: Record<string, (values: SubcommandValues<O>) => Promise<number>>,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n\n${usage}`);
    return 2;
  }
  const [sub] = parsed.positionals;
  const help = (parsed.values as { help?: boolean }).help;
  if (help || !sub) {
    process.stdout.write(usage);
    return help ? 0 : 2;
  }
  const handler = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!handler) {
    process.stderr.write(`${name}: unknown subcommand ${sub}\n\n${usage}`);
    return 2;
  }
  try {
    return await handler(parsed.values as SubcommandValues<O>);
  } catch (e) {
    if (e instanceof Error && e.name === "UsageError") {
      process.stderr.write(`${name} ${sub}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
