/**
 * Draws the PWA icons (192 and 512 px PNG) into app/ui/public: a white check mark in a shield-green
 * square, with the mark inside the maskable safe zone (the central 80%). Run: `tsx app/ui/tools/make-icons.ts`.
 * Uses pngjs (already installed as a dependency of `qrcode`).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error pngjs ships no types; we use PNG.sync.write only.
import { PNG } from "pngjs";

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "public");
const BG = [0x0b, 0x3d, 0x2e];
const FG = [0xff, 0xff, 0xff];

function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function draw(size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  const s = size;
  const width = 0.075 * s;
  const a = [0.3 * s, 0.52 * s];
  const b = [0.44 * s, 0.66 * s];
  const c = [0.72 * s, 0.36 * s];
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = Math.min(distToSegment(px, py, a[0]!, a[1]!, b[0]!, b[1]!), distToSegment(px, py, b[0]!, b[1]!, c[0]!, c[1]!));
      const ring = Math.abs(Math.hypot(px - s / 2, py - s / 2) - 0.33 * s);
      // Anti-aliased coverage of the check and of a thin ring around it.
      const cover = Math.max(Math.min(1, Math.max(0, width - d + 0.5)), Math.min(1, Math.max(0, 0.022 * s - ring + 0.5)));
      const i = (y * s + x) * 4;
      for (let k = 0; k < 3; k++) png.data[i + k] = Math.round(BG[k]! * (1 - cover) + FG[k]! * cover);
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png) as Buffer;
}

for (const size of [192, 512]) writeFileSync(path.join(OUT, `icon-${size}.png`), draw(size));
console.log(`icons written to ${OUT}`);
