import type { ProgressEvent } from '../pipeline/run-request.js';

/**
 * On a terminal, one progress bar line redrawn in place; elsewhere (CI logs, pipes) one plain line per finished
 * cell, so logs stay readable.
 */
export function progressPrinter(stream: NodeJS.WriteStream): { onProgress: (event: ProgressEvent) => void; finish: () => void } {
  const tty = Boolean(stream.isTTY);
  let barShown = false;
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
        case 'generated':
          say(`generated ${event.scenario}: ${event.packets.toLocaleString('en-US')} packets`);
          break;
        case 'planned':
          if (event.shard !== undefined) say(`shard ${event.shard.index}/${event.shard.count} of plan ${event.shard.planId}: running ${event.total} of its ${event.shard.planTasks} cell(s)`);
          else if (!tty) say(`running ${event.total} cell(s)`);
          break;
        case 'skipped':
          say(`skipping ${event.monitor}: ${event.reason}`);
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
