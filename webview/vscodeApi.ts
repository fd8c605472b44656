/** The webview side of the host channel, typed by the protocol. */
import type { HostToPanelMessage, PanelState, PanelToHostMessage } from '../src/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function send(message: PanelToHostMessage): void {
  api.postMessage(message);
}

export function onHostMessage(handler: (message: HostToPanelMessage) => void): void {
  window.addEventListener('message', (e: MessageEvent) => {
    const data = e.data as { type?: unknown } | null;
    if (data && typeof data.type === 'string') handler(data as HostToPanelMessage);
  });
}

export function saveState(state: PanelState): void {
  api.setState(state);
}

export function loadState(): unknown {
  return api.getState();
}
