/**
 * Issue 5: the Scan tab's camera picker and torch button, as a user with a real camera meets them.
 *
 * What is real: Chromium's fake capture device (`--use-fake-device-for-media-stream` with a y4m file) is a real
 * camera to the page: it is listed by enumerateDevices, opened by getUserMedia, its frames flow through the
 * <video> element into qr-scanner's worker decoder. It plays the hostile QR code (CAMERA_FILES.hostile), so the
 * scanner keeps running (the code is refused, nothing is opened) and every test can look at its controls.
 *
 * What is simulated, and why:
 * - A second camera. With a video file Chromium only ever offers one device (checked here: the one-camera test
 *   sees a single `videoinput`; `device-count=2` is ignored once a file is given, and without a file its two
 *   devices show a test pattern, not a QR code). An init script adds one `videoinput` to enumerateDevices and
 *   answers getUserMedia for that deviceId (and only when asked for it exactly, as qr-scanner does) with a
 *   canvas.captureStream() that shows the product's published QR code (the fixtures' qr/<serial>.png, the same
 *   code the genuine fake camera video and the photo-pick test show). Its track reports that deviceId and label.
 *   It refuses a minimum width larger than its 640 px, like a real 640x480 camera.
 * - A torch. Chromium's fake camera has none (checked here: its track's settings have no `torch`). qr-scanner
 *   decides torch support with `'torch' in track.getSettings()`, turns it on with
 *   `applyConstraints({ advanced: [{ torch: true }] })` and turns it off by stopping the track and opening the
 *   camera again (a stopped track's torch goes out). An init script wraps the real camera's tracks so that
 *   getSettings/getCapabilities report a torch, applyConstraints records its calls (and passes the rest of the
 *   constraints to the real track) and stop() is recorded; the video itself stays the real fake camera's.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { world } from "./world.ts";
import { CAMERA_FILES, fakeCamera } from "./y4m.ts";

test.use(fakeCamera(CAMERA_FILES.hostile));

const SECOND_CAMERA = { id: "e2e-second-camera", label: "Simulated second camera" };
const shot = (dir: string, name: string) => path.join(dir, "screens", name);

/** The deviceId and state of the track the <video> element plays. */
const videoTrack = (page: Page) =>
  page.locator("video").evaluate((v: HTMLVideoElement) => {
    const track = v.srcObject instanceof MediaStream ? v.srcObject.getVideoTracks()[0] : undefined;
    if (!track) return null;
    const s = track.getSettings() as MediaTrackSettings & { torch?: boolean };
    return { deviceId: s.deviceId ?? null, label: track.label, readyState: track.readyState, torch: "torch" in s ? s.torch : "absent" };
  });

/** Scanning with the real fake camera: the status says so and its hostile code has been read (and refused). */
async function scanning(page: Page) {
  await page.goto(`${world().appUrl}/#/scan`);
  await expect(page.locator(".viewer")).toHaveAttribute("data-status", "scanning", { timeout: 20_000 });
  await expect(page.getByTestId("scan-refused")).toBeVisible({ timeout: 20_000 });
}

test("one camera, no torch: neither the camera picker nor the torch button is shown", async ({ page }) => {
  await scanning(page);
  const cameras = await page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput").length);
  expect(cameras).toBe(1);
  const track = await videoTrack(page);
  expect(track?.readyState).toBe("live");
  expect(track?.torch).toBe("absent");
  await expect(page.getByRole("combobox", { name: "Camera" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Torch/ })).toHaveCount(0);
  await expect(page.getByLabel("Pick a photo")).toBeVisible(); // the controls row itself is rendered
});

test("two cameras: the picker lists both; choosing the other restarts the scanner on it, which reads the product", async ({ page }, info) => {
  const w = world();
  const window = w.manifest.verifiedWindows[0]!;
  const png = await readFile(path.join(w.hostDir, "qr", `${window.serial}.png`));
  await page.addInitScript(
    ({ camera, image }) => {
      const media = navigator.mediaDevices;
      const enumerate = media.enumerateDevices.bind(media);
      const getUserMedia = media.getUserMedia.bind(media);
      const W = 640;
      const H = 480;
      media.enumerateDevices = async () => {
        const devices = await enumerate();
        const extra = { deviceId: camera.id, groupId: `${camera.id}-group`, kind: "videoinput", label: camera.label };
        return [...devices, { ...extra, toJSON: () => extra } as MediaDeviceInfo];
      };
      const exact = (c: unknown): unknown =>
        typeof c === "string" ? c : c && typeof c === "object" && "exact" in c ? (c as { exact: unknown }).exact : undefined;
      const minimum = (c: unknown): number => (c && typeof c === "object" && "min" in c ? Number((c as { min: unknown }).min) : 0);
      media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
        const video = constraints?.video;
        if (!video || typeof video !== "object" || exact(video.deviceId) !== camera.id) return getUserMedia(constraints);
        if (minimum(video.width) > W || minimum(video.height) > H) throw new OverconstrainedError("width", "the camera is 640x480");
        const canvas = document.createElement("canvas");
        canvas.width = W;
        canvas.height = H;
        const ctx = canvas.getContext("2d")!;
        const img = new Image();
        img.src = image;
        const draw = () => {
          ctx.fillStyle = "#606060"; // a grey surface around the white label, as in the y4m videos
          ctx.fillRect(0, 0, W, H);
          if (img.complete && img.naturalWidth) {
            // Whole modules, held inside the centre two thirds qr-scanner looks at (as a user frames a code).
            const side = img.naturalWidth * Math.max(1, Math.floor((H * 0.6) / img.naturalWidth));
            ctx.imageSmoothingEnabled = false;
            ctx.drawImage(img, Math.floor((W - side) / 2), Math.floor((H - side) / 2), side, side);
          }
        };
        draw();
        const stream = canvas.captureStream(30);
        const track = stream.getVideoTracks()[0]!;
        const timer = setInterval(() => (track.readyState === "live" ? draw() : clearInterval(timer)), 1000 / 30);
        const settings = track.getSettings.bind(track);
        const capabilities = track.getCapabilities.bind(track);
        track.getSettings = () => ({ ...settings(), deviceId: camera.id, groupId: `${camera.id}-group` });
        track.getCapabilities = () => ({ ...capabilities(), deviceId: camera.id, groupId: `${camera.id}-group` });
        Object.defineProperty(track, "label", { value: camera.label });
        return stream;
      };
    },
    { camera: SECOND_CAMERA, image: `data:image/png;base64,${png.toString("base64")}` },
  );

  await scanning(page); // the real camera is the default one, and it is read
  const first = await videoTrack(page);
  const real = await page.evaluate(async () =>
    (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput").map((d) => ({ id: d.deviceId, label: d.label })),
  );
  expect(real).toHaveLength(2);
  expect(first?.deviceId).toBe(real[0]!.id);
  expect(first?.label).toBe(CAMERA_FILES.hostile); // Chromium names its file camera after the file

  const picker = page.getByRole("combobox", { name: "Camera" });
  await expect(picker).toBeVisible();
  await expect(picker.locator("option")).toHaveText([real[0]!.label, SECOND_CAMERA.label]);
  await expect(picker).toHaveValue(first!.deviceId!); // the picker names the camera in use
  await page.screenshot({ path: shot(info.project.outputDir, "scan-cameras.png") });

  await page.locator("video").evaluate((v: HTMLVideoElement) => {
    (window as unknown as { e2eFirstTrack: MediaStreamTrack }).e2eFirstTrack = (v.srcObject as MediaStream).getVideoTracks()[0]!;
  });
  await picker.selectOption(SECOND_CAMERA.id);
  // The scanner restarted on the chosen device: the <video> plays its track, the first camera's track is stopped ...
  await expect.poll(async () => (await videoTrack(page))?.deviceId).toBe(SECOND_CAMERA.id);
  expect(await page.evaluate(() => (window as unknown as { e2eFirstTrack: MediaStreamTrack }).e2eFirstTrack.readyState)).toBe("ended");
  // ... and what it shows (the product's code; the first camera only ever showed the hostile one) is read and verified.
  await expect(page.getByTestId("product-verdict")).toHaveAttribute("data-verdict", "verified", { timeout: 20_000 });
  await expect(page.locator(`article[data-did="${window.did}"]`)).toHaveAttribute("data-verdict", "verified");
});

test("a camera with a torch: the button appears, its pressed state follows, the torch is switched on and off", async ({ page }, info) => {
  await page.addInitScript(() => {
    type Call = { track: number; constraints: unknown };
    const log = { calls: [] as Call[], tracks: [] as { torch: boolean; stopped: boolean }[] };
    (window as unknown as { e2eTorch: typeof log }).e2eTorch = log;
    const media = navigator.mediaDevices;
    const getUserMedia = media.getUserMedia.bind(media);
    media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      const stream = await getUserMedia(constraints);
      for (const track of stream.getVideoTracks()) {
        const index = log.tracks.push({ torch: false, stopped: false }) - 1;
        const state = log.tracks[index]!;
        const settings = track.getSettings.bind(track);
        const capabilities = track.getCapabilities.bind(track);
        const apply = track.applyConstraints.bind(track);
        const stop = track.stop.bind(track);
        track.getSettings = () => ({ ...settings(), torch: state.torch }) as MediaTrackSettings;
        track.getCapabilities = () => ({ ...capabilities(), torch: true }) as MediaTrackCapabilities;
        track.applyConstraints = async (c?: MediaTrackConstraints) => {
          log.calls.push({ track: index, constraints: JSON.parse(JSON.stringify(c ?? {})) });
          const torchIn = (set: object | undefined) => (set && "torch" in set ? Boolean((set as { torch: unknown }).torch) : undefined);
          const wanted = [c, ...(c?.advanced ?? [])].map(torchIn).filter((t) => t !== undefined).pop();
          const strip = ({ torch: _t, ...rest }: Record<string, unknown>) => rest;
          await apply({ ...strip({ ...c }), ...(c?.advanced ? { advanced: c.advanced.map((a) => strip({ ...a })) } : {}) });
          if (wanted !== undefined) state.torch = wanted;
        };
        track.stop = () => {
          state.stopped = true;
          state.torch = false; // a stopped track's torch goes out
          stop();
        };
      }
      return stream;
    };
  });
  type Log = { calls: { track: number; constraints: unknown }[]; tracks: { torch: boolean; stopped: boolean }[] };
  const torchLog = () => page.evaluate(() => (window as unknown as { e2eTorch: Log }).e2eTorch);

  await scanning(page);
  const button = page.getByRole("button", { name: /Torch/ });
  await expect(button).toBeVisible();
  await expect(button).toHaveAttribute("aria-pressed", "false");
  expect((await videoTrack(page))?.torch).toBe(false);
  const before = await torchLog();
  expect(before.calls).toEqual([]);
  const on = before.tracks.length - 1; // the track the video plays now

  await button.click();
  await expect(button).toHaveAttribute("aria-pressed", "true");
  await expect(button).toHaveText("Torch off");
  const lit = await torchLog();
  expect(lit.calls).toEqual([{ track: on, constraints: { advanced: [{ torch: true }] } }]);
  expect(lit.tracks[on]).toEqual({ torch: true, stopped: false });
  expect(await videoTrack(page)).toMatchObject({ readyState: "live", torch: true });
  await page.screenshot({ path: shot(info.project.outputDir, "scan-torch.png") });

  await button.click();
  await expect(button).toHaveAttribute("aria-pressed", "false");
  await expect(button).toHaveText("Torch on");
  const dark = await torchLog();
  expect(dark.tracks[on]).toEqual({ torch: false, stopped: true }); // the lit track is stopped: its torch goes out
  expect(dark.calls.filter((c) => c.track !== on)).toEqual([]); // the new track is not lit again
  expect(dark.tracks.length).toBeGreaterThan(lit.tracks.length);
  // The camera was opened again and the scanner goes on with it.
  await expect.poll(async () => (await videoTrack(page))?.readyState).toBe("live");
  expect((await videoTrack(page))?.torch).toBe(false);
  await expect(page.locator(".viewer")).toHaveAttribute("data-status", "scanning");
});
