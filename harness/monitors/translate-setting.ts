import { tableLimitKeysSet, type TimeoutSetting } from '../core/timeout-setting.js';
import type { MonitorAdapter, Translation } from './monitor-adapter.js';

/**
 * An adapter's translation of a setting, after refusing the table limits it does not take: a limit no adapter
 * mapped must become an unsupported cell with the reason, never a run that silently ignored it.
 */
export function translateSetting(adapter: MonitorAdapter, setting: TimeoutSetting): Translation {
  const knobs = adapter.tableLimits?.knobs ?? {};
  const refused = tableLimitKeysSet(setting).filter((key) => knobs[key] === undefined);
  if (refused.length > 0) {
    const why = adapter.tableLimits?.note ?? `${adapter.displayName} has no such flow-table limit`;
    return { supported: false, reason: `${refused.join(', ')}: ${why}` };
  }
  return adapter.translate(setting);
}
