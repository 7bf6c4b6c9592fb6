import type { QuietPeriod } from '../harness/core/ground-truth.js';
import { ipVersion } from '../harness/core/ip-address.js';
import { connectionCopy, type ExpandedConnection } from '../harness/scenario/load-scenario.js';
import type { ConnectionSpec, Endpoint } from '../harness/scenario/scenario.js';
import type { ScenarioStarts } from './capture-merge.js';
import { ConnectionEvents } from './connection-events.js';
import { ConnectionSchedule } from './connection-schedule.js';
import { FlowContext, N_IP_ID, N_SEQ } from './packet.js';
import { PacketStream } from './packet-merge.js';
import { ParkedRows, U_CLIENT_SEQ, U_ECHO_SEQ, U_IP_IDS, U_ORDER, U_SERVER_SEQ } from './parked-rows.js';
import { connectionRandom } from './prng.js';
import { ConnectionTruth, type ConnectionIdentity, type FinishedTruths } from './truth-builder.js';

/**
 * The scenario's connections from start to finish, as the capture merge asks for them: each started when the merge
 * clock reaches its start (ConnectionSchedule), parked as a row of ParkedRows while it is quiet (its next packet
 * `parkGapUs` or more after the last) and rebuilt when the clock reaches that packet, and its truth handed to
 * `finished` after its last packet. Its objects (stream, frame templates, event queue, truth builder) exist only
 * while it sends, so memory follows the connections sending at once, not those alive at once.
 */
export class ScenarioConnections implements ScenarioStarts {
  readonly total: number;
  private readonly schedule: ConnectionSchedule;
  private readonly parked = new ParkedRows();
  /** Quiet periods of parked connections that have some, by order (a row has no room for a list). */
  private readonly parkedQuiet = new Map<number, QuietPeriod[]>();
  /** One server endpoint object per spec, shared by its live copies (an identity is read, never changed). */
  private readonly servers = new Map<ConnectionSpec, Endpoint>();

  constructor(
    private readonly specs: readonly ConnectionSpec[],
    scenarioStartUs: number,
    private readonly seed: number,
    private readonly quietThresholdUs: number,
    private readonly finished: Pick<FinishedTruths, 'add'>,
    private readonly parkGapUs: number,
  ) {
    this.schedule = new ConnectionSchedule(specs, scenarioStartUs);
    this.total = this.schedule.total;
  }

  /** The next start or resume; +Infinity once every connection has started and none is parked. */
  get nextStartUs(): number {
    return Math.min(this.schedule.nextStartUs, this.parked.nextUs);
  }

  startNext(): PacketStream | undefined {
    if (this.parked.size > 0 && this.parked.nextUs <= this.schedule.nextStartUs) return this.resume();
    const { order, spec, copy, startUs } = this.schedule.take();
    const random = connectionRandom(this.seed, copy.id);
    const identity = scenarioIdentity(spec, copy, this.servers);
    const truth = new ConnectionTruth(identity, this.quietThresholdUs);
    // Initial sequence numbers and IP ids come from the connection's own stream, before any jitter draw.
    const draw = (): number => Math.floor(random.next() * 4294967296);
    const initial = { clientSeq: draw(), serverSeq: draw(), clientIpId: draw() & 0xffff, serverIpId: draw() & 0xffff };
    const events = new ConnectionEvents(spec, startUs, random, this.parkGapUs);
    const stream = PacketStream.start(order, flowContext(spec, identity, initial), truth, events);
    if (stream === undefined) this.finished.add(order, truth);
    return stream;
  }

  /** Told of every stream after its last packet: one that parked waits in a row, any other's truth is final. */
  ended(stream: PacketStream): void {
    const events = stream.events;
    if (events instanceof ConnectionEvents && events.parked) this.park(stream, events);
    else this.finished.add(stream.order, stream.truth);
  }

  private park(stream: PacketStream, events: ConnectionEvents): void {
    const rows = this.parked;
    const row = rows.take();
    const u = rows.ints(row);
    const ui = rows.uAt(row);
    u[ui + U_ORDER] = stream.order;
    events.parkInto(rows, row);
    const quiet = stream.truth.parkInto(rows, row);
    if (quiet !== undefined) this.parkedQuiet.set(stream.order, quiet);
    const ctx = stream.ctx;
    const w = ctx.words;
    u[ui + U_CLIENT_SEQ] = w[N_SEQ] as number;
    u[ui + U_SERVER_SEQ] = w[N_SEQ + 1] as number;
    u[ui + U_IP_IDS] = ((w[N_IP_ID] as number) << 16) | (w[N_IP_ID + 1] as number);
    u[ui + U_ECHO_SEQ] = ctx.echoSeq;
    rows.park(row);
  }

  private resume(): PacketStream {
    const rows = this.parked;
    const row = rows.popEarliest();
    const u = rows.ints(row);
    const ui = rows.uAt(row);
    const order = u[ui + U_ORDER] as number;
    const specIndex = this.schedule.specIndexOf(order);
    const spec = this.specs[specIndex] as ConnectionSpec;
    const copy = connectionCopy(spec, order - this.schedule.firstOrderOf(specIndex));
    const identity = scenarioIdentity(spec, copy, this.servers);
    const quiet = this.parkedQuiet.get(order);
    if (quiet !== undefined) this.parkedQuiet.delete(order);
    const truth = ConnectionTruth.resume(identity, this.quietThresholdUs, rows, row, quiet);
    const ipIds = u[ui + U_IP_IDS] as number;
    const initial = { clientSeq: u[ui + U_CLIENT_SEQ] as number, serverSeq: u[ui + U_SERVER_SEQ] as number, clientIpId: ipIds >>> 16, serverIpId: ipIds & 0xffff };
    const ctx = flowContext(spec, identity, initial);
    ctx.echoSeq = u[ui + U_ECHO_SEQ] as number;
    const events = ConnectionEvents.resume(spec, this.schedule.startUs(copy), rows, row, this.parkGapUs);
    rows.release(row);
    const stream = PacketStream.start(order, ctx, truth, events);
    if (stream === undefined) throw new Error(`connection ${identity.id} resumed without its held packet (generator bug)`);
    return stream;
  }
}

function scenarioIdentity(spec: ConnectionSpec, copy: ExpandedConnection, servers: Map<ConnectionSpec, Endpoint>): ConnectionIdentity {
  const icmpId = (spec.icmpId + copy.index) & 0xffff;
  let server = servers.get(spec);
  if (spec.protocol === 'icmp') server = { addr: copy.server.addr, port: icmpId };
  else if (server === undefined) {
    server = { addr: copy.server.addr, port: copy.server.port };
    servers.set(spec, server);
  }
  return {
    id: copy.id,
    protocol: spec.protocol,
    ipVersion: ipVersion(copy.client.addr),
    ...(spec.vlan === undefined ? {} : { vlan: spec.vlan }),
    client: { addr: copy.client.addr, port: spec.protocol === 'icmp' ? icmpId : copy.client.port },
    server,
    open: spec.protocol === 'tcp' ? spec.open : 'none',
    close: spec.protocol === 'tcp' ? spec.close : 'none',
    background: false,
  };
}

function flowContext(spec: ConnectionSpec, id: ConnectionIdentity, initial: ConstructorParameters<typeof FlowContext>[7]): FlowContext {
  return new FlowContext(spec.protocol, id.client.addr, id.client.port, id.server.addr, id.server.port, spec.vlan, spec.mss, initial);
}
