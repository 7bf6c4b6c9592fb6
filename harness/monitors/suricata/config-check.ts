import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../../core/input-error.js';
import { nearMiss } from '../../core/near-miss.js';

/** The flow-timeouts Suricata 7 reads: per protocol (and default), these fields. */
const FLOW_PROTOCOLS = ['default', 'tcp', 'udp', 'icmp'];
const FLOW_TIMEOUT_FIELDS = ['new', 'established', 'closed', 'bypassed', 'emergency-new', 'emergency-established', 'emergency-closed', 'emergency-bypassed'];
const UINT32_MAX = 2 ** 32 - 1;
const TRUE_VALUES = new Set(['1', 'yes', 'true', 'on']);

/**
 * A team's suricata.yaml, checked before Suricata runs: it must parse (as YAML 1.1, as Suricata reads it), its
 * flow-timeouts must be whole seconds, and it must log flow events to an eve-log, the only output the harness
 * reads. Suricata would otherwise start, run the pcap, and leave no eve.json (or one without flows) to score.
 */
export function checkSuricataConfig(file: string, text: string): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (node: Node | null | undefined) => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
    return { file, line, col };
  };
  const error = doc.errors[0];
  if (error) {
    const pos = lines.linePos(error.pos[0]);
    throw new InputError({ file, line: pos.line, col: pos.col }, `YAML that does not parse (${error.message.split('\n')[0]})`, 'a suricata.yaml');
  }
  const root = doc.contents;
  if (!isMap(root)) throw new InputError(at(root), 'a document that is not a map of settings', 'a suricata.yaml (outputs:, flow-timeouts:, ...)');

  const timeouts = root.get('flow-timeouts', true) as Node | undefined;
  if (timeouts !== undefined) {
    if (!isMap(timeouts)) throw new InputError(at(timeouts), 'flow-timeouts that is not a map', 'flow-timeouts: { tcp: { established: 3600 }, ... }');
    for (const protocol of timeouts.items) {
      const protocolName = String((protocol.key as { value?: unknown }).value);
      const protocolKey = protocol.key as Node;
      const meantProtocol = FLOW_PROTOCOLS.includes(protocolName) ? undefined : nearMiss(protocolName, FLOW_PROTOCOLS);
      if (meantProtocol !== undefined) throw new InputError(at(protocolKey), `flow-timeouts.${protocolName}, which Suricata does not read (its defaults apply instead)`, `flow-timeouts.${meantProtocol}`);
      // `tcp: 3600` is no map of timeouts: Suricata reads none of it and runs on its defaults.
      if (!isMap(protocol.value)) throw new InputError(at((protocol.value as Node | null) ?? protocolKey), `flow-timeouts.${protocolName} that is not a map`, `flow-timeouts: { ${protocolName}: { new: 30, established: 3600, closed: 0 } }`);
      for (const item of protocol.value.items) {
        const value = item.value as Node | null;
        const field = String((item.key as { value?: unknown }).value);
        const meantField = FLOW_TIMEOUT_FIELDS.includes(field) ? undefined : nearMiss(field, FLOW_TIMEOUT_FIELDS);
        if (meantField !== undefined) throw new InputError(at(item.key as Node), `flow-timeouts.${protocolName}.${field}, which Suricata does not read (its default applies instead)`, `flow-timeouts.${protocolName}.${meantField}`);
        // Suricata reads each as an unsigned 32-bit number of seconds.
        const seconds = isScalar(value) ? (typeof value.value === 'number' ? value.value : /^\d+$/.test(String(value.value)) ? Number(value.value) : NaN) : NaN;
        const ok = Number.isInteger(seconds) && seconds >= 0 && seconds <= UINT32_MAX;
        if (!ok) {
          throw new InputError(at(value ?? (item.key as Node)), `flow-timeouts.${String((protocol.key as { value?: unknown }).value)}.${String((item.key as { value?: unknown }).value)} "${String(isScalar(value) ? value.value : value)}"`, 'whole seconds, such as 3600');
        }
      }
    }
  }

  const outputs = root.get('outputs', true) as Node | undefined;
  const eveLogs = isSeq(outputs) ? outputs.items.flatMap((item) => (isMap(item) && item.get('eve-log', true) !== undefined ? [item.get('eve-log', true) as Node] : [])) : [];
  const logsFlows = eveLogs.some((eve) => {
    if (!isMap(eve)) return false;
    // Suricata skips an output whose `enabled` is present and not a true value (1, yes, true, on): `enabled: "false"`,
    // a string here, was taken as enabled.
    const enabled = eve.get('enabled');
    if (enabled !== undefined && enabled !== true && !(typeof enabled === 'number' && enabled === 1) && !(typeof enabled === 'string' && TRUE_VALUES.has(enabled.toLowerCase()))) return false;
    const types = eve.get('types', true);
    return isSeq(types) && types.items.some((t) => (isScalar(t) ? t.value === 'flow' : isMap(t) && t.get('flow', true) !== undefined));
  });
  if (!logsFlows) {
    throw new InputError(at(outputs ?? root), eveLogs.length === 0 ? 'no eve-log output' : 'no enabled eve-log with flow events', 'outputs: - eve-log: { enabled: yes, types: [ flow ] } (the harness scores eve.json flow events)');
  }
}
