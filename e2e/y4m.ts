/**
 * A fake camera for Chromium (`--use-file-for-fake-video-capture=<file>.y4m`): a Y4M video whose frames
 * show one QR code, black modules on white in the luma plane, grey chroma (see shared/RECIPES.md).
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import QRCode from "qrcode";
import { CHROMIUM_ARGS } from "../playwright.config.ts";

/**
 * Where the global setup writes the fake camera videos. Fixed paths (per port range): launch options are
 * read when a spec file loads, which may be before the global setup has run.
 */
const CAMERA_DIR = path.join(os.tmpdir(), "e2e-cameras-8630");
export const CAMERA_FILES = {
  genuine: path.join(CAMERA_DIR, "genuine.y4m"),
  hostile: path.join(CAMERA_DIR, "hostile.y4m"),
} as const;

/** Playwright options of a phone-sized page whose camera (granted) shows the video `file`. */
export const fakeCamera = (file: string) => ({
  viewport: { width: 390, height: 844 },
  permissions: ["camera"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-video-capture=${file}`],
  },
});

export async function writeQrY4m(file: string, text: string, { width = 640, height = 480, frames = 6 } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const n = qr.modules.size;
  const quiet = 4;
  const scale = Math.floor((Math.min(width, height) * 0.85) / (n + 2 * quiet));
  const side = (n + 2 * quiet) * scale;
  const x0 = Math.floor((width - side) / 2);
  const y0 = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 0x60); // a grey background around the white label
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const r = Math.floor(y / scale) - quiet;
      const c = Math.floor(x / scale) - quiet;
      const dark = r >= 0 && c >= 0 && r < n && c < n && qr.modules.get(r, c);
      luma[(y0 + y) * width + (x0 + x)] = dark ? 0x10 : 0xf0;
    }
  }
  const chroma = Buffer.alloc((width * height) / 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  await writeFile(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
