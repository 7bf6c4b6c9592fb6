import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../../core/input-error.js';

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
      if (!isMap(protocol.value)) continue;
      for (const item of protocol.value.items) {
        const value = item.value as Node | null;
        const ok = isScalar(value) && (typeof value.value === 'number' ? Number.isInteger(value.value) && value.value >= 0 : /^\d+$/.test(String(value.value)));
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
    const enabled = eve.get('enabled');
    if (enabled === false || enabled === 'no') return false;
    const types = eve.get('types', true);
    return isSeq(types) && types.items.some((t) => (isScalar(t) ? t.value === 'flow' : isMap(t) && t.get('flow', true) !== undefined));
  });
  if (!logsFlows) {
    throw new InputError(at(outputs ?? root), eveLogs.length === 0 ? 'no eve-log output' : 'no enabled eve-log with flow events', 'outputs: - eve-log: { enabled: yes, types: [ flow ] } (the harness scores eve.json flow events)');
  }
}
