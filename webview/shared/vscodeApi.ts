/**
 * The webview side of a panel's channel to the extension host, typed by that panel's protocol file
 * (src/protocol/heatmapPanel.ts, spectrumPanel.ts). VS Code allows acquireVsCodeApi() once per
 * webview, so every panel goes through this one module.
 */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export interface HostChannel<FromHost, ToHost, State> {
  send(message: ToHost): void;
  /** Every message from the host that has a string `type`; anything else is dropped. */
  onMessage(handler: (message: FromHost) => void): void;
  saveState(state: State): void;
  /** The saved state, unchecked: parse it with the protocol's validator. */
  loadState(): unknown;
}

export function hostChannel<FromHost, ToHost, State = never>(): HostChannel<FromHost, ToHost, State> {
  api ??= acquireVsCodeApi();
  const vscode = api;
  return {
    send: message => vscode.postMessage(message),
    onMessage(handler) {
      window.addEventListener('message', (e: MessageEvent) => {
        const data = e.data as { type?: unknown } | null;
        if (data && typeof data.type === 'string') handler(data as FromHost);
      });
    },
    saveState: state => vscode.setState(state),
    loadState: () => vscode.getState(),
  };
}
