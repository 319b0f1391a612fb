import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import QRCode from "qrcode";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AnchoringDeclaration } from "../core/types.ts";
import { didFromLinkset, parsePayload } from "../ui/payload.ts";
import { createPassportDid } from "./didOps.ts";
import { PublisherHost } from "./host.ts";
import { Keystore } from "./keystore.ts";
import { writeLabel } from "./label.ts";

const ANCHORING: AnchoringDeclaration = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3", anchorers: ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"] };

let dir: string;
let host: string;
let ks: Keystore;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "label-test-"));
  host = path.join(dir, "host");
  ks = await Keystore.create(path.join(dir, "keys.json"), "pw", { params: { N: 2 ** 10, r: 8, p: 1 } });
});
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

async function passport(gtin: string, serial: string, hostName = "passports.example.com"): Promise<string> {
  const h = await PublisherHost.open(host);
  const { did } = await createPassportDid({ ks, host: h, hostName, path: `p/${serial.replace(/\W/g, "")}${gtin.slice(-3)}`, info: { kind: "window", name: "Window <W&1>", gtin, serial, manufacturer: "ACME" }, anchoring: ANCHORING });
  await h.flush();
  return did;
}

const read = (rel: string) => fs.readFile(path.join(host, rel), "utf8");

describe("label: a product's Digital Link files, from its passport", () => {
  it("the linkset the app's scanner resolves to the passport DID, and the QR code of the link", async () => {
    const did = await passport("00614141100019", "W-1/x");
    const r = await writeLabel(host, did);
    expect(r.link).toBe("https://passports.example.com/01/00614141100019/21/W-1%2Fx");
    expect(r.opens).toBe(r.link);
    expect(r.files).toEqual(["01/00614141100019/21/W-1%2Fx/linkset.json", "qr/00614141100019-W-1%2Fx.svg", "qr/00614141100019-W-1%2Fx.png"]);

    // What the app does with the scanned link: a GS1 link of the host, its linkset read there, the DID found.
    const payload = parsePayload(r.link, ["https://passports.example.com"]);
    expect(payload).toMatchObject({ kind: "gs1", gtin: "00614141100019", serial: "W-1/x", linksetUrl: `${r.link}/linkset.json` });
    expect(didFromLinkset(JSON.parse(await read(r.files[0]!)), ["https://passports.example.com"])).toBe(did);
    expect(await read(r.files[1]!)).toBe(await QRCode.toString(r.link, { type: "svg", errorCorrectionLevel: "M", margin: 2 }));
    expect((await fs.readFile(path.join(host, r.files[2]!))).subarray(1, 4).toString()).toBe("PNG");

    // Re-runnable: nothing rewritten.
    const before = await Promise.all(r.files.map((f) => fs.stat(path.join(host, f)).then((s) => s.mtimeMs)));
    await new Promise((res) => setTimeout(res, 20));
    await writeLabel(host, did);
    expect(await Promise.all(r.files.map((f) => fs.stat(path.join(host, f)).then((s) => s.mtimeMs)))).toEqual(before);
  });

  it("with the app elsewhere: the link forwards a camera app to the app's passport link (escaped, no script)", async () => {
    const did = await passport("00614141100019", "W2", "localhost:8752");
    const r = await writeLabel(host, did, { app: "https://verify.example.com/verifier" });
    expect(r.link).toBe("http://localhost:8752/01/00614141100019/21/W2");
    expect(r.opens).toBe(`https://verify.example.com/verifier/#/p/${encodeURIComponent(did)}`);
    const page = await read("01/00614141100019/21/W2/index.html");
    expect(page).toContain(`<meta http-equiv="refresh" content="0; url=${r.opens}">`);
    expect(page).toContain("Window &#60;W&#38;1&#62;");
    expect(page).not.toMatch(/<script/i);
    // The linkset's passport page is the app's link too; the app accepts it as a link of its own origin.
    const set = JSON.parse(await read("01/00614141100019/21/W2/linkset.json"));
    expect(set.linkset[0]["https://gs1.org/voc/pip"][0].href).toBe(r.opens);
    expect(parsePayload(r.opens, ["https://verify.example.com"])).toEqual({ kind: "did", did });
    // A link under a base path.
    expect((await writeLabel(host, did, { linkBase: "https://cdn.example.com/passports/" })).link).toBe("https://cdn.example.com/passports/01/00614141100019/21/W2");
  });

  it("refuses what a Digital Link cannot carry, a DID not on the host, and a log that does not verify, writing nothing", async () => {
    const badGtin = await passport("00614141100018", "W3");
    await expect(writeLabel(host, badGtin)).rejects.toMatchObject({ name: "LabelError" });
    const badSerial = await passport("00614141100019", "W 3 with spaces");
    await expect(writeLabel(host, badSerial)).rejects.toMatchObject({ name: "LabelError" });
    await expect(writeLabel(host, badGtin.replace("p:W3", "p:nope"))).rejects.toMatchObject({ name: "UnknownDidError" });
    await expect(writeLabel(host, badGtin, { app: "javascript:alert(1)" })).rejects.toMatchObject({ name: "LabelError" });
    const good = await passport("00614141100019", "W4");
    const log = path.join(host, "p", "W4019", "did.jsonl");
    await fs.writeFile(log, (await fs.readFile(log, "utf8")).replace('"W4"', '"W5"'));
    await expect(writeLabel(host, good)).rejects.toMatchObject({ name: "PublishedLogError" });
    await expect(fs.access(path.join(host, "01"))).rejects.toThrow();
    await expect(fs.access(path.join(host, "qr"))).rejects.toThrow();
  });
});
