/**
 * The command line: `npm run -s cli -- <command> [...]`. Each command is a module
 * `app/cli/commands/<command>.ts` exporting `summary: string` and `run(argv): Promise<number>` (the exit
 * code); this file only finds, loads and runs it. Exit codes: the command's; 2 for an unknown command or
 * bad usage; 1 for an uncaught failure, reported as one line.
 */
import { readdir } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { availableParallelism } from "node:os";
import { useNodeCrypto } from "../core/didwebvh/nodeVerify.node.ts";
import { startEd25519ThreadEarly } from "./lib/ed25519Thread.ts";

// Every command hashes through node:crypto (native) rather than @noble/hashes (the browser's).
useNodeCrypto();
// libuv's pool runs asynchronous file and crypto jobs (the signature checks of `resolve`, and of `audit`
// until its own signature thread is up) beside the main thread, which parses and hashes and is the
// bottleneck: the pool gets the other cores and leaves the main thread one of its own (an audit of 600
// logs on 2 cores, when the pool ran all its signatures: 4 pool threads ~15% slower than 2, 1 thread
// faster than 2 in 6 of 9 paired runs). Effective when the pool has not started yet (it starts with the
// first asynchronous file or crypto job).
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(1, availableParallelism() - 1));

const COMMANDS = path.join(path.dirname(fileURLToPath(import.meta.url)), "commands");
const NAME = /^[a-z][a-z0-9-]*$/;

interface CommandModule {
  summary?: unknown;
  run?: unknown;
}

async function commandNames(): Promise<string[]> {
  const files = await readdir(COMMANDS).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .filter((n) => NAME.test(n))
    .sort();
}

async function load(name: string): Promise<CommandModule> {
  return (await import(pathToFileURL(path.join(COMMANDS, `${name}.ts`)).href)) as CommandModule;
}

async function help(): Promise<string> {
  const names = await commandNames();
  const rows = await Promise.all(
    names.map(async (n) => {
      try {
        const mod = await load(n);
        return [n, typeof mod.summary === "string" ? mod.summary : ""] as const;
      } catch (error) {
        return [n, `(does not load: ${error instanceof Error ? error.message.split("\n")[0] : String(error)})`] as const;
      }
    }),
  );
  const width = Math.max(8, ...names.map((n) => n.length));
  return [
    "Usage: npm run -s cli -- <command> [options]     (<command> --help for its options)",
    "",
    "Commands:",
    ...rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`),
    "",
  ].join("\n");
}

function oneLine(error: unknown): string {
  if (error instanceof Error) return `${error.name === "Error" ? "error" : error.name}: ${error.message.split("\n")[0]}`;
  return `error: ${String(error)}`;
}

async function flush(): Promise<void> {
  await Promise.all([
    new Promise<void>((r) => process.stdout.write("", () => r())),
    new Promise<void>((r) => process.stderr.write("", () => r())),
  ]);
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(await help());
    return name === undefined ? 2 : 0;
  }
  if (!NAME.test(name) || !(await commandNames()).includes(name)) {
    process.stderr.write(`Unknown command: ${name}\n\n${await help()}`);
    return 2;
  }
  // audit's signature thread starts loading now, beside the command's modules (a cold audit of 600 logs
  // waited ~130 ms for it otherwise). Unused, it never holds the process open.
  if (name === "audit" && !rest.includes("--help") && !rest.includes("-h")) startEd25519ThreadEarly();
  let mod: CommandModule;
  try {
    mod = await load(name);
  } catch (error) {
    process.stderr.write(`${name}: cannot load the command: ${oneLine(error)}\n`);
    return 1;
  }
  if (typeof mod.run !== "function") {
    process.stderr.write(`${name}: the command module exports no run(argv)\n`);
    return 1;
  }
  try {
    const code = await (mod.run as (argv: string[]) => Promise<number>)(rest);
    return typeof code === "number" && Number.isInteger(code) ? code : 0;
  } catch (error) {
    process.stderr.write(`${name}: ${oneLine(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // A failure escaping a command's own promise chain is still one clear line and exit 1.
  const fatal = (error: unknown) => {
    process.stderr.write(`${process.argv[2] ?? "cli"}: ${oneLine(error)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  // The reader went away (`audit ... | head`): stop quietly, as command-line tools do.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    fatal(error);
  });
  const code = await main(process.argv.slice(2));
  await flush();
  process.exit(code);
}
