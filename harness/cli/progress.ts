import type { ProgressEvent } from '../pipeline/run-request.js';
import { canRedraw } from './common-options.js';
import { formatByteSize } from '../core/byte-size.js';

/**
 * On a terminal, one progress bar line redrawn in place; elsewhere (CI logs, pipes) one plain line per finished
 * cell, so logs stay readable.
 */
export function progressPrinter(stream: NodeJS.WriteStream): { onProgress: (event: ProgressEvent) => void; finish: () => void } {
  const tty = canRedraw(stream);
  let barShown = false;
  let lastGenerationDraw = 0;
  const clearBar = (): void => {
    if (barShown) {
      stream.write('\r\x1b[2K');
      barShown = false;
    }
  };
  const say = (line: string): void => {
    clearBar();
    stream.write(`${line}\n`);
  };
  return {
    onProgress: (event) => {
      switch (event.kind) {
        case 'generating':
          // Only a terminal gets a redrawn line; a log would fill with one line per 256 KB.
          if (tty && Date.now() - lastGenerationDraw >= 200) {
            lastGenerationDraw = Date.now();
            clearBar();
            stream.write(generationLine(event.scenario, event.bytes, event.estimatedBytes).slice(0, (stream.columns ?? 100) - 1));
            barShown = true;
          }
          break;
        case 'generated':
          say(event.derived ? `read ${event.scenario}: ${event.packets.toLocaleString('en-US')} packets, its truth derived with tshark` : `generated ${event.scenario}: ${event.packets.toLocaleString('en-US')} packets`);
          break;
        case 'planned':
          if (event.shard !== undefined) say(`shard ${event.shard.index}/${event.shard.count} of plan ${event.shard.planId}: running ${event.total} of its ${event.shard.planTasks} cell(s)`);
          else if (!tty) say(`running ${event.total} cell(s)`);
          break;
        case 'skipped':
          say(`skipping ${event.monitor}: ${event.reason}`);
          break;
        case 'live':
          say(event.line);
          break;
        case 'cell-done':
          if (tty) {
            const width = 30;
            const filled = Math.round((event.done / Math.max(1, event.total)) * width);
            clearBar();
            stream.write(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.done}/${event.total} ${event.scenario} ${event.column} ${event.setting}: ${event.verdict}`.slice(0, (stream.columns ?? 100) - 1));
            barShown = true;
          } else {
            say(`[${event.done}/${event.total}] ${event.scenario} ${event.column} @ ${event.setting}: ${event.status === 'ok' ? event.verdict : event.status}`);
          }
          break;
      }
    },
    finish: clearBar,
  };
}

/** `generating burst-20min: 1.2 GB of about 3.4 GB (35%)`. */
export function generationLine(scenario: string, bytes: number, estimatedBytes: number): string {
  const percentDone = estimatedBytes > 0 ? ` (${Math.min(99, Math.floor((bytes / estimatedBytes) * 100))}%)` : '';
  return `generating ${scenario}: ${formatByteSize(bytes)} of about ${formatByteSize(estimatedBytes)}${percentDone}`;
}
