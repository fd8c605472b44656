/**
 * The folder scan panel: a ranked table of the scan's files, filled in as they finish. Sort by any
 * column (click or Enter on its header), filter by path, open a file with its heatmap (click or Enter
 * on its row; on the hottest passage, that passage is selected). Every string from the host is set
 * as text, never as HTML. At most MAX_SHOWN rows are in the DOM; the filter narrows the rest.
 */
import { isScored, type ScanLine } from '../../src/core/scan/record';
import type { HostToScanPanelMessage, ScanPanelHeader, ScanPanelToHostMessage, ScanProgressState } from '../../src/protocol/scanPanel';
import { hostChannel } from '../shared/vscodeApi';
import { DEFAULT_VIEW, SORT_KEYS, viewRows, type SortKey, type TableView } from './table';

const MAX_SHOWN = 500;
const host = hostChannel<HostToScanPanelMessage, ScanPanelToHostMessage>();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let rows: ScanLine[] = [];
let header: ScanPanelHeader | undefined;
let progress: ScanProgressState = { done: 0, total: 0, tokensPerSecond: 0, secondsLeft: null };
let view: TableView = { ...DEFAULT_VIEW };
let frame = 0;

const bits = (nats: number | null) => (nats === null ? '–' : (nats / Math.LN2).toFixed(3));
const count = (n: number) => n.toLocaleString('en-US');
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function rowElement(line: ScanLine): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.tabIndex = 0;
  tr.dataset.path = line.path;
  const name = cell('', 'path');
  // The path's end (the file name) stays visible when the column is narrow: the cell runs right to left around an isolated left-to-right path.
  const bdi = document.createElement('bdi');
  bdi.textContent = line.path;
  name.append(bdi);
  name.title = line.path;
  tr.append(name);
  if (isScored(line)) {
    tr.append(cell(count(line.tokens), 'num tokens'), cell(line.bitsPerByte === null ? '–' : line.bitsPerByte.toFixed(4), 'num'), cell(bits(line.meanEntropy), 'num entropy'));
    const hot = line.hot[0];
    const td = cell('', 'hot');
    if (hot) {
      td.title = hot.text;
      const link = document.createElement('button');
      link.type = 'button';
      link.className = 'hot-link';
      link.dataset.hot = '0';
      link.title = `Line ${hot.line}, ${hot.bitsPerToken.toFixed(2)} bits per token: open with this passage selected`;
      const where = document.createElement('span');
      where.className = 'where';
      where.textContent = `${hot.line}: `;
      link.append(where, document.createTextNode(hot.text));
      td.append(link);
    }
    tr.append(td);
  } else {
    tr.classList.add('unscored');
    const reason = cell(line.skipped ? `skipped: ${line.skipped}${line.message ? ` (${line.message})` : ''}` : `error: ${line.error ?? ''}`, 'hot reason');
    reason.title = reason.textContent ?? '';
    tr.append(cell('', 'num tokens'), cell('', 'num'), cell('', 'num entropy'), reason);
  }
  return tr;
}

function renderStatus(): void {
  if (!header) return;
  $('title').textContent = header.folder;
  $('model').textContent = header.model ? `model ${header.model}` : '';
  const bar = $<HTMLProgressElement>('progress');
  bar.max = Math.max(1, progress.total);
  bar.value = progress.done;
  bar.hidden = !header.running;
  const scored = rows.filter(isScored).length;
  let status: string;
  if (header.error) status = `Stopped: ${header.error}`;
  else if (header.running) {
    status = progress.total === 0 && progress.done === 0 ? 'Loading the model and listing files…'
      : `Scanning: ${count(progress.done)} of ${count(progress.total)} files, ${count(Math.round(progress.tokensPerSecond))} tokens/s` +
        (progress.secondsLeft === null ? '' : `, ${clock(progress.secondsLeft)} left`);
  } else if (header.cancelled) status = `Cancelled after ${count(progress.done)} of ${count(progress.total)} files (${count(scored)} scored)`;
  else status = `Done: ${count(rows.length)} files in ${header.elapsedSeconds.toFixed(1)} s (${count(scored)} scored, ${count(rows.length - scored)} not scored)`;
  $('status').textContent = status;
  $<HTMLButtonElement>('cancel').disabled = !header.running;
  $<HTMLButtonElement>('rerun').disabled = header.running;
  $<HTMLButtonElement>('export').disabled = rows.length === 0;
  document.body.dataset.state = header.running ? 'running' : 'done';
}

function renderTable(): void {
  frame = 0;
  const shown = viewRows(rows, view);
  const body = $('rows');
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.path;
  body.replaceChildren(...shown.slice(0, MAX_SHOWN).map(rowElement));
  if (focused) (body.querySelector(`tr[data-path="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
  const more = $('more');
  more.hidden = shown.length <= MAX_SHOWN;
  more.textContent = `Showing the first ${count(MAX_SHOWN)} of ${count(shown.length)} files in this order; filter by path to see others.`;
  for (const th of document.querySelectorAll<HTMLElement>('th[data-key]')) {
    const on = th.dataset.key === view.sort;
    th.setAttribute('aria-sort', on ? (view.descending ? 'descending' : 'ascending') : 'none');
    th.querySelector('.arrow')!.textContent = on ? (view.descending ? ' ▼' : ' ▲') : '';
  }
  document.body.dataset.rows = String(rows.length);
  document.body.dataset.shown = String(Math.min(shown.length, MAX_SHOWN));
  renderStatus();
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(renderTable);
}

host.onMessage(message => {
  if (message.type === 'scan/snapshot') {
    rows = [...message.rows];
    header = message.header;
    progress = message.progress;
  } else if (message.type === 'scan/rows') {
    for (const r of message.rows) rows.push(r);
    progress = message.progress;
  } else if (message.type === 'scan/header') {
    header = message.header;
    progress = message.progress;
  }
  schedule();
});

function open(tr: HTMLElement, hot?: number): void {
  const path = tr.dataset.path;
  if (path !== undefined) host.send({ type: 'file/open', path, ...(hot !== undefined ? { hot } : {}) });
}

$('rows').addEventListener('click', e => {
  const target = e.target as HTMLElement;
  const tr = target.closest('tr');
  if (!tr) return;
  e.preventDefault();
  const link = target.closest<HTMLElement>('.hot-link');
  open(tr, link ? Number(link.dataset.hot) : undefined);
});
$('rows').addEventListener('keydown', e => {
  const tr = (e.target as HTMLElement).closest('tr');
  if (!tr) return;
  if (e.key === 'Enter') {
    e.preventDefault();
    open(tr, (e.target as HTMLElement).closest('.hot-link') ? 0 : undefined);
  } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    ((e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null)?.focus();
  }
});
for (const button of document.querySelectorAll<HTMLButtonElement>('button.sort')) {
  button.addEventListener('click', () => {
    const key = button.dataset.key as SortKey;
    if (!SORT_KEYS.includes(key)) return;
    // A new column starts with its natural order: names A-Z, numbers largest first.
    view = { ...view, sort: key, descending: view.sort === key ? !view.descending : key !== 'path' };
    renderTable();
  });
}
$<HTMLInputElement>('filter').addEventListener('input', e => {
  view = { ...view, filter: (e.target as HTMLInputElement).value };
  renderTable();
});
$('cancel').addEventListener('click', () => host.send({ type: 'scan/cancel' }));
$('rerun').addEventListener('click', () => host.send({ type: 'scan/rerun' }));
$('export').addEventListener('click', () => host.send({ type: 'scan/export' }));
host.send({ type: 'panel/ready' });
