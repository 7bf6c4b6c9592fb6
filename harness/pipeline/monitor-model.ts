import type { MonitorModel } from '../comparator/monitor-model.js';
import type { TimeoutProtocol, TimeoutSetting } from '../core/timeout-setting.js';
import type { EffectiveTimeouts, MonitorAdapter } from '../monitors/monitor-adapter.js';

const PROTOCOLS: readonly TimeoutProtocol[] = ['tcp', 'udp', 'icmp'];

/**
 * The timeouts in force for a setting: the adapter's own answer when it has one, else the setting's value or the
 * default of the knob that applies to that protocol. A tool with no idle knob at all never expires a flow.
 */
export function effectiveTimeouts(adapter: MonitorAdapter, setting: TimeoutSetting): EffectiveTimeouts {
  if (adapter.effectiveTimeouts) return adapter.effectiveTimeouts(setting);
  const idleKnobs = adapter.knobs.filter((k) => (PROTOCOLS as readonly string[]).includes(k.appliesTo));
  const idleS: EffectiveTimeouts['idleS'] = {};
  for (const protocol of PROTOCOLS) {
    const knob = adapter.knobs.find((k) => k.appliesTo === protocol);
    if (setting.idle[protocol] !== undefined && knob) idleS[protocol] = setting.idle[protocol];
    else if (knob) idleS[protocol] = knob.defaultS === 0 ? null : knob.defaultS ?? undefined;
    else if (idleKnobs.length === 0) idleS[protocol] = null;
  }
  const activeKnob = adapter.knobs.find((k) => k.appliesTo === 'active');
  const statusKnob = adapter.knobs.find((k) => k.appliesTo === 'status');
  return {
    idleS,
    activeS: setting.active ?? (activeKnob ? activeKnob.defaultS : null),
    statusIntervalS: statusKnob?.defaultS ?? undefined,
  };
}

export function monitorModel(adapter: MonitorAdapter, setting: TimeoutSetting, honoursTimeoutsOffline: boolean | undefined): MonitorModel {
  const effective = effectiveTimeouts(adapter, setting);
  return {
    idleS: effective.idleS,
    activeS: effective.activeS,
    statusIntervalS: effective.statusIntervalS,
    granularityS: adapter.granularityS,
    honoursTimeoutsOffline,
    timerNeedsLaterPacket: adapter.timerNeedsLaterPacket,
  };
}

/** The knob a user turns for each protocol's idle timeout, for the recommendation's advice. */
export function idleKnobNames(adapter: MonitorAdapter): Partial<Record<TimeoutProtocol, string>> {
  const names: Partial<Record<TimeoutProtocol, string>> = {};
  for (const protocol of PROTOCOLS) {
    const knob = adapter.knobs.find((k) => k.appliesTo === protocol);
    if (knob) names[protocol] = knob.name;
  }
  return names;
}

export function idleKnobMaxima(adapter: MonitorAdapter): Partial<Record<TimeoutProtocol, number>> {
  const maxima: Partial<Record<TimeoutProtocol, number>> = {};
  for (const protocol of PROTOCOLS) {
    const knob = adapter.knobs.find((k) => k.appliesTo === protocol);
    if (knob?.maxS !== undefined) maxima[protocol] = knob.maxS;
  }
  return maxima;
}
