/**
 * Camera scanning. `qr-scanner` uses the native BarcodeDetector where the platform has one for QR codes
 * (Android, macOS, ChromeOS) and otherwise its own decoder in a Web Worker (Linux, Firefox, iOS); it is
 * loaded lazily, only when the scanner opens. Every decoded text goes to `onPayload`, which applies the
 * strict acceptance rules (payload.ts): the scanner itself never navigates nor renders what it read.
 */
import type QrScannerType from "qr-scanner";

/**
 * The device the video plays: "environment" (the first preference) names none, and qr-scanner falls back to any
 * camera when the preferred one cannot be opened, so the picker shows this rather than what was asked for.
 */
function playing(video: HTMLVideoElement): string | undefined {
  const track = video.srcObject instanceof MediaStream ? video.srcObject.getVideoTracks()[0] : undefined;
  return track?.getSettings().deviceId;
}

export type ScannerStatus = "idle" | "starting" | "scanning" | "denied" | "nocamera" | "error";

export class Scanner {
  #status = $state<ScannerStatus>("idle");
  #cameras = $state<{ id: string; label: string }[]>([]);
  #cameraId = $state<string>("environment");
  #torch = $state<boolean | null>(null);
  #error = $state<string | null>(null);
  #scanner: QrScannerType | null = null;
  #lastText = "";
  #lastAt = 0;
  readonly #onPayload: (text: string) => void;

  constructor(onPayload: (text: string) => void) {
    this.#onPayload = onPayload;
  }

  get status() { return this.#status; }
  get cameras() { return this.#cameras; }
  get cameraId() { return this.#cameraId; }
  /** null: the camera has no torch. */
  get torch() { return this.#torch; }
  get error() { return this.#error; }

  async start(video: HTMLVideoElement): Promise<void> {
    this.stop();
    this.#status = "starting";
    this.#error = null;
    try {
      const { default: QrScanner } = await import("qr-scanner");
      if (!(await QrScanner.hasCamera())) {
        this.#status = "nocamera";
        return;
      }
      const scanner = new QrScanner(video, (r) => this.#decoded(r.data), {
        returnDetailedScanResult: true,
        preferredCamera: this.#cameraId,
        maxScansPerSecond: 10,
        onDecodeError: () => undefined,
      });
      this.#scanner = scanner;
      await scanner.start();
      // "scanning" once its controls are known: the picker and the torch button never pop in after it.
      const cameras = await QrScanner.listCameras(true);
      const torch = await scanner.hasFlash();
      if (this.#scanner !== scanner) return; // stopped meanwhile
      this.#cameras = cameras;
      this.#cameraId = playing(video) ?? this.#cameraId;
      this.#torch = torch ? scanner.isFlashOn() : null;
      this.#status = "scanning";
    } catch (e) {
      const name = e instanceof DOMException ? e.name : "";
      this.#status = name === "NotAllowedError" ? "denied" : /camera not found/i.test(String(e)) ? "nocamera" : "error";
      this.#error = e instanceof Error ? e.message : String(e);
      this.stop(false);
    }
  }

  async switchCamera(id: string): Promise<void> {
    this.#cameraId = id;
    await this.#scanner?.setCamera(id);
    if (this.#scanner) this.#cameraId = playing(this.#scanner.$video) ?? id;
    this.#torch = this.#scanner && (await this.#scanner.hasFlash()) ? this.#scanner.isFlashOn() : null;
  }

  async toggleTorch(): Promise<void> {
    if (!this.#scanner || this.#torch === null) return;
    await this.#scanner.toggleFlash();
    this.#torch = this.#scanner.isFlashOn();
  }

  /** Decodes a QR code in a picked photo. Returns false when the photo holds none. */
  async scanFile(file: File): Promise<boolean> {
    const { default: QrScanner } = await import("qr-scanner");
    try {
      const r = await QrScanner.scanImage(file, { returnDetailedScanResult: true, alsoTryWithoutScanRegion: true });
      this.#onPayload(r.data);
      return true;
    } catch {
      return false;
    }
  }

  stop(resetStatus = true): void {
    this.#scanner?.destroy();
    this.#scanner = null;
    if (resetStatus) this.#status = "idle";
  }

  #decoded(text: string): void {
    // The same code stays in view for many frames: report it once per 3 s.
    const now = Date.now();
    if (text === this.#lastText && now - this.#lastAt < 3_000) return;
    this.#lastText = text;
    this.#lastAt = now;
    this.#onPayload(text);
  }
}
