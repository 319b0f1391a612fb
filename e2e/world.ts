/**
 * What the global setup built, as the specs see it. The expectations (which DIDs are windows, which are
 * fully anchored, which have entries after their last anchor) are read from the published files themselves
 * (dids.json, each did.jsonl and did-anchors.json), not from the app under test.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

export interface PublishedDid {
  did: string;
  url: string;
  kind: string;
  name: string;
  gtin: string;
  serial: string;
  entries: number;
  anchored: number;
  /** The DIDs of its components (windows) */
  components: string[];
}

export interface Manifest {
  dids: PublishedDid[];
  /** Windows whose whole tree is anchored. */
  verifiedWindows: PublishedDid[];
  /** DIDs with entries after their last anchored one. */
  pending: PublishedDid[];
}

export interface World {
  appUrl: string;
  tamperedUrl: string;
  rpcUrl: string;
  deadRpcUrl: string;
  hostDir: string;
  manifest: Manifest;
  tamperedDid: string;
  /** The production build under test. */
  distDir: string;
  /** The AnchorRegistry the world's passports are anchored in, and the only one the build trusts. */
  registry: string;
}

export function world(): World {
  const raw = process.env.E2E_WORLD;
  if (!raw) throw new Error("E2E_WORLD is not set: run through playwright (global-setup.ts)");
  return JSON.parse(raw) as World;
}

function didPath(did: string): string[] {
  // did:webvh:{SCID}:{host}:{path...} -> path segments (the spec's mapping; the host is ours)
  const parts = did.split(":").slice(4).map(decodeURIComponent);
  return parts.length ? parts : [".well-known"];
}

export async function loadManifest(hostDir: string): Promise<Manifest> {
  const index = JSON.parse(await readFile(path.join(hostDir, "dids.json"), "utf8")) as { dids: string[] };
  const dids: PublishedDid[] = [];
  for (const did of index.dids) {
    const dir = path.join(hostDir, ...didPath(did));
    const lines = (await readFile(path.join(dir, "did.jsonl"), "utf8")).split("\n").filter((l) => l.trim());
    const entries = lines.map((l) => JSON.parse(l) as { versionId: string; state: { service?: { type: string; serviceEndpoint: unknown }[] } });
    let anchoredIds = new Set<string>();
    try {
      const anchors = JSON.parse(await readFile(path.join(dir, "did-anchors.json"), "utf8")) as { anchors: { versionId: string }[] };
      anchoredIds = new Set(anchors.anchors.map((a) => a.versionId));
    } catch {
      // no proofs at all
    }
    const last = entries[entries.length - 1]!;
    const services = last.state.service ?? [];
    const info = (services.find((s) => s.type === "ProductPassport")?.serviceEndpoint ?? {}) as Record<string, string>;
    let anchored = 0;
    entries.forEach((e, i) => {
      if (anchoredIds.has(e.versionId)) anchored = i + 1;
    });
    dids.push({
      did,
      url: `http://${decodeURIComponent(did.split(":")[3] ?? "")}/${didPath(did).join("/")}/did.jsonl`,
      kind: info.kind ?? "unknown",
      name: info.name ?? "",
      gtin: info.gtin ?? "",
      serial: info.serial ?? "",
      entries: entries.length,
      anchored,
      components: services.filter((s) => s.type === "ProductComponent").map((s) => String(s.serviceEndpoint)),
    });
  }
  const byDid = new Map(dids.map((d) => [d.did, d]));
  const complete = (d: PublishedDid) => d.anchored === d.entries;
  const verifiedWindows = dids.filter(
    (d) => d.kind === "window" && complete(d) && d.components.length > 0 && d.components.every((c) => byDid.get(c) && complete(byDid.get(c)!)),
  );
  // Pending DIDs as the generator's manifest lists them (checked against the files: entries after the last anchor).
  let pendingDids: string[];
  try {
    pendingDids = (JSON.parse(await readFile(path.join(hostDir, "manifest.json"), "utf8")) as { pending: string[] }).pending;
  } catch {
    pendingDids = dids.filter((d) => d.anchored < d.entries).map((d) => d.did);
  }
  const pending = pendingDids.map((did) => {
    const d = byDid.get(did);
    if (!d || !(d.anchored > 0 && d.anchored < d.entries)) throw new Error(`the manifest says ${did} is pending, its files disagree`);
    return d;
  });
  return { dids, verifiedWindows, pending };
}
