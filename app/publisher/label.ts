/**
 * A product's label: the GS1 Digital Link its QR code carries (`http(s)://HOST/01/<gtin>/21/<serial>`),
 * the RFC 9264 linkset served at `<link>/linkset.json` naming its passport DID (what the app's scanner
 * reads), the QR code (SVG and PNG), and, when the app is served from another origin than the passports,
 * a page at the link itself that sends a phone's camera app on to the app's passport link.
 *
 * The GTIN and serial are the passport's own (`#passport` of its latest document, in a log that verifies),
 * so a label can only say what the signed passport says.
 */
import path from "node:path";
import QRCode from "qrcode";
import { InvalidError } from "../core/errors.ts";
import { servicesOfType } from "../core/verify/document.ts";
import { PASSPORT_SERVICE_TYPE, type PassportInfo } from "../core/types.ts";
import { parseDid } from "../core/didwebvh/url.ts";
import { gtinCheckDigit, linkset } from "./passport.ts";
import { checkLog, HostStore, writeFileIfChanged } from "./store.ts";
import { UnknownDidError } from "./host.ts";

/** The passport cannot be labelled: no #passport, or a GTIN / serial a Digital Link cannot carry. */
export class LabelError extends InvalidError {
  override readonly name = "LabelError";
}

export interface LabelOptions {
  /** Where the Digital Link lives: an origin, or a base URL under it (default: the DID's host; http for localhost). */
  linkBase?: string;
  /** The verifier app's URL (with its base path), when it is not served at the link's origin. */
  app?: string;
}

export interface LabelResult {
  link: string;
  /** Where a phone's camera app lands: the app's passport link (with `app`), else the Digital Link. */
  opens: string;
  /** Files written or already as they should be, relative to the folder. */
  files: string[];
}

const GS1_SERIAL = /^[!"%-?A-Z_a-z]{1,20}$/;

function origin(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LabelError(`${what} is not a URL`, { details: value });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new LabelError(`${what} is not an http(s) URL`, { details: value });
  return url.href;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page at the Digital Link that forwards to the app (no script: a refresh and a link). */
function forwardPage(target: string, info: PassportInfo): string {
  const t = escapeHtml(target);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url=${t}">
<title>${escapeHtml(info.name)}: product passport</title>
</head>
<body>
<p><a href="${t}">Open the product passport of ${escapeHtml(info.name)} (serial ${escapeHtml(info.serial)}) in the verifier</a></p>
</body>
</html>
`;
}

/** Writes the label files of `did` into the host folder `dir` (re-runnable: unchanged files are kept). */
export async function writeLabel(dir: string, did: string, options: LabelOptions = {}): Promise<LabelResult> {
  const store = new HostStore(dir);
  const text = await store.readLog(did);
  if (text === null) throw new UnknownDidError("The DID is not on this host", { details: `${did}: no ${store.logPath(did)}` });
  const entries = await checkLog(did, store.logPath(did), text);
  const passport = servicesOfType(entries.at(-1)!.state, PASSPORT_SERVICE_TYPE)[0]?.serviceEndpoint as Partial<PassportInfo> | undefined;
  if (!passport || typeof passport.gtin !== "string" || typeof passport.serial !== "string") {
    throw new LabelError("The passport has no #passport service with a GTIN and a serial", { details: did });
  }
  const gtin = passport.gtin.padStart(14, "0");
  if (!/^\d{14}$/.test(gtin) || gtinCheckDigit(gtin.slice(0, 13)) !== Number(gtin[13])) {
    throw new LabelError("The passport's GTIN is not a GTIN with a valid check digit", { details: passport.gtin });
  }
  if (!GS1_SERIAL.test(passport.serial)) {
    throw new LabelError("The passport's serial is not a GS1 serial (1 to 20 of GS1's 82 characters)", { details: passport.serial });
  }
  const info = passport as PassportInfo;
  const { host, port } = parseDid(did);
  const base = options.linkBase
    ? origin(options.linkBase, "--link-base")
    : `${host === "localhost" ? "http" : "https"}://${host}${port === undefined ? "" : `:${port}`}/`;
  const link = `${base.replace(/\/+$/, "")}/01/${gtin}/21/${encodeURIComponent(info.serial)}`;
  const opens = options.app ? `${origin(options.app, "--app").replace(/[?#].*$/, "").replace(/\/?$/, "/")}#/p/${encodeURIComponent(did)}` : link;

  const folder = path.join("01", gtin, "21", encodeURIComponent(info.serial));
  const files: string[] = [];
  const put = async (rel: string, data: string | Uint8Array) => {
    await writeFileIfChanged(path.join(dir, rel), data, { durable: false });
    files.push(rel);
  };
  const set = linkset(link, did);
  if (options.app) (set.linkset[0]!["https://gs1.org/voc/pip"] as { href: string }[])[0]!.href = opens;
  await put(path.join(folder, "linkset.json"), `${JSON.stringify(set, null, 1)}\n`);
  // The camera app opens the link itself: at the app's origin the app answers it; elsewhere this page
  // (served as the folder's index) sends it on.
  if (options.app) await put(path.join(folder, "index.html"), forwardPage(opens, info));
  // GTIN and serial: two products of one folder may share a serial.
  const name = `${gtin}-${encodeURIComponent(info.serial)}`;
  await put(path.join("qr", `${name}.svg`), await QRCode.toString(link, { type: "svg", errorCorrectionLevel: "M", margin: 2 }));
  await put(path.join("qr", `${name}.png`), await QRCode.toBuffer(link, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 6 }));
  return { link, opens, files };
}
