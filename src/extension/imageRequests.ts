/**
 * Asks a webview panel for a PNG of what it shows (Export…) and waits for its `export/image` answer.
 * A hidden panel's webview is unloaded (no retainContextWhenHidden), so the panel is revealed without
 * focus and the request is sent again until the reloaded page answers or the time runs out.
 */
import type { ImageResponse } from '../protocol/heatmapPanel';

const RETRY_MS = 400;
const TIMEOUT_MS = 20_000;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export class ImageRequests {
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: ImageResponse) => void>();

  /**
   * Sends `send(requestId)` (again every RETRY_MS until answered) and resolves with the PNG bytes;
   * rejects with the panel's reason, or when nothing answers within the timeout.
   */
  async request(what: string, send: (requestId: number) => void): Promise<Uint8Array> {
    const requestId = this.nextId++;
    let timer: ReturnType<typeof setInterval> | undefined;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    try {
      const answer = await new Promise<ImageResponse>((resolve, reject) => {
        this.waiting.set(requestId, resolve);
        send(requestId);
        timer = setInterval(() => send(requestId), RETRY_MS);
        timeout = setTimeout(() => reject(new Error(`the ${what} did not answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      });
      if (!answer.png) throw new Error(answer.error ?? `the ${what} sent no image`);
      const bytes = Buffer.from(answer.png, 'base64');
      if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error(`the ${what} sent something that is not a PNG`);
      return bytes;
    } finally {
      clearInterval(timer);
      clearTimeout(timeout);
      this.waiting.delete(requestId);
    }
  }

  /** Routes an `export/image` answer to its request (a late or repeated answer is ignored). */
  answer(message: ImageResponse): void {
    this.waiting.get(message.requestId)?.(message);
  }
}
