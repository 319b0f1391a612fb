/**
 * The provider's command line end to end, as a user runs it (`tsx app/cli/main.ts ...` in a child
 * process), against a real local chain on 127.0.0.1:8653 and a temporary host folder.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../../../scripts/chain.ts";
import { startChainInRange } from "../../publisher/provision/testChain.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let chain: LocalChain;
let dir: string;

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "app/cli/main.ts"), ...args],
      { cwd: ROOT, env: { ...process.env, PUBLISHER_KEYSTORE_PASSWORD: "correct horse battery staple" }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

beforeAll(async () => {
  chain = await startChainInRange(8653, 8656);
  dir = await mkdtemp(path.join(os.tmpdir(), "provision-cli-"));
}, 90_000);

afterAll(async () => {
  await chain?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("provision and wallet commands", () => {
  it("keygen, register, start, stop, show; wallet link, show (two-sided), unlink", async () => {
    const cdn = path.join(dir, "cdn");
    const machineKs = path.join(dir, "machine.json");
    const providerKs = path.join(dir, "provider.json");
    const rpc = ["--rpc", chain.url];

    const keygen = await cli("provision", "keygen", "--machine-keystore", machineKs);
    expect(keygen.code, keygen.err).toBe(0);
    const { machine } = JSON.parse(keygen.out) as { machine: string };

    const reg = await cli(
      "provision", "register", ...rpc, "--cdn", cdn, "--host", "localhost:8654", "--id", "cli-1",
      "--endpoint", "https://cli-1.example/", "--tier", "gpu", "--country", "FR",
      "--machine-keystore", machineKs, "--keystore", providerKs, "--deploy",
    );
    expect(reg.code, reg.err).toBe(0);
    const registered = JSON.parse(reg.out) as { did: string; controller: string; didKeySaved: boolean };
    expect(registered.did).toMatch(/^did:webvh:[^:]+:localhost%3A8654:provisions:cli-1$/);
    expect(registered.didKeySaved).toBe(true);

    const bad = await cli("provision", "stop", ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("ProvisionStateError");

    for (const sub of ["start", "stop"]) {
      const r = await cli("provision", sub, ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
      expect(r.code, r.err).toBe(0);
    }
    // Signed on the machine, relayed by someone else (the development key pays).
    const signed = await cli("provision", "sign", "--to", "running", ...rpc, "--cdn", cdn, "--machine-keystore", machineKs);
    expect(signed.code, signed.err).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({ type: "ProvisionStateChangeSignature", machine, to: "running", signer: machine, nonce: "2" });
    const relayed = await cli("provision", "relay", ...rpc, "--signed", signed.out);
    expect(relayed.code, relayed.err).toBe(0);
    const replay = await cli("provision", "relay", ...rpc, "--signed", signed.out);
    expect(replay.code).toBe(1);
    expect(replay.err).toContain("InvalidProvisionSignature");
    const show = await cli("provision", "show", ...rpc, "--cdn", cdn, "--machine", machine);
    expect(show.code, show.err).toBe(0);
    const shown = JSON.parse(show.out) as { provision: { state: string; did: string }; history: { kind: string; to?: string; by?: string }[] };
    expect(shown.provision).toMatchObject({ state: "running", did: registered.did });
    expect(shown.history.map((h) => h.to ?? h.kind)).toEqual(["registered", "running", "off", "running"]);
    expect(shown.history.filter((h) => h.by).every((h) => h.by === machine)).toBe(true);

    // The controller (the development key here) links its wallet to the provision DID, whose document
    // names it: linked on both sides.
    const before = await cli("wallet", "show", ...rpc, "--cdn", cdn, "--address", registered.controller, "--did", registered.did);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.out).link.status).toBe("named");
    const link = await cli("wallet", "link", ...rpc, "--cdn", cdn, "--did", registered.did);
    expect(link.code, link.err).toBe(0);
    const after = await cli("wallet", "show", ...rpc, "--cdn", cdn, "--address", registered.controller);
    expect(after.code, after.err).toBe(0);
    const afterJson = JSON.parse(after.out);
    expect(afterJson.link).toMatchObject({ status: "linked", did: registered.did, document: { named: true, via: "alsoKnownAs" } });
    expect(afterJson.provisions.map((p: { machine: string }) => p.machine)).toEqual([machine]);
    const twice = await cli("wallet", "link", ...rpc, "--cdn", cdn, "--did", registered.did);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain("WalletAlreadyLinked");
    expect((await cli("wallet", "unlink", ...rpc, "--cdn", cdn)).code).toBe(0);
    expect(JSON.parse((await cli("wallet", "show", ...rpc, "--cdn", cdn, "--address", registered.controller)).out).link.status).toBe("unlinked");

    // A registration request for another controller, produced on the machine.
    const consent = await cli("provision", "consent", ...rpc, "--cdn", cdn, "--did", registered.did, "--controller", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--machine-keystore", machineKs);
    expect(consent.code, consent.err).toBe(0);
    expect(JSON.parse(consent.out)).toMatchObject({ type: "ProvisionRegistrationRequest", machine, did: registered.did });
  }, 120_000);

  it("explains usage", async () => {
    const r = await cli("provision", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("provision <subcommand>");
    expect((await cli("wallet", "show")).code).toBe(2);
  });
});
