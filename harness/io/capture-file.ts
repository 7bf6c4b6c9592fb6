import { open, stat } from 'node:fs/promises';
import { readHead } from './read-input.js';
import { InputError } from '../core/input-error.js';
import { MAX_NAME_CHARS } from '../scenario/parse-scenario.js';

/** captureName's characters, not starting with "." or "-". */
const CAPTURE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Is this file a capture (a team's own pcap or pcapng) rather than a scenario? Told by its first four bytes, the
 * formats' magic numbers, not by its name: `harness run` takes both, and a capture named `.yaml` is still one.
 */
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_SECTION_HEADER = 0x0a0d0d0a;

export async function captureFormat(file: string): Promise<'pcap' | 'pcapng' | undefined> {
  // A named pipe can be read once: this look at its first bytes took the writer's data, and the scenario loader's
  // open then waited for another writer forever (SIGTERM could not end it). A run reads its inputs more than once
  // (each monitor reads the capture; a live run reloads the scenario), so a pipe is refused here, before any read.
  const info = await stat(file).catch(() => undefined);
  if (info?.isFIFO()) {
    throw new InputError({ file, line: 0, col: 0 }, 'a named pipe (FIFO)', 'a regular file: harness run reads a scenario or capture more than once (save it to a file first; harness generate reads one from /dev/stdin)');
  }
  // Not readable here (or a folder): the scenario loader says why, in its own words.
  const head = await readHead(file, 4);
  if (head === undefined || head.length < 4) return undefined;
  const magic = head.readUInt32BE(0);
  if (PCAP_MAGICS.has(magic)) return 'pcap';
  if (magic === PCAPNG_SECTION_HEADER) return 'pcapng';
  return undefined;
}

/** A file named as a capture that holds none: refused by what it is, not read as a scenario. */
export async function refuseNonCapture(file: string): Promise<void> {
  let missing = false;
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => { missing = error.code === 'ENOENT'; return undefined; });
  // Missing: "expected a readable scenario YAML file" (the scenario loader's words) named what was not meant.
  if (missing) throw new InputError({ file, line: 0, col: 0 }, 'no such file', 'a pcap or pcapng capture (or a scenario .yaml)');
  if (info === undefined || !info.isFile()) return;
  const head = (await readHead(file, 8)) ?? Buffer.alloc(0);
  const found = info.size === 0 ? 'an empty file named as a capture' : `a file named as a capture whose first bytes (${head.toString('hex')}) are no pcap or pcapng magic number`;
  throw new InputError({ file, line: 0, col: 0 }, found, 'a pcap or pcapng capture (or a scenario .yaml)');
}

/** A capture's name in a run (its folder, its report heading): the file name without its extension, made path-safe. */
export function captureName(file: string): string {
  const base = file.split('/').pop() ?? file;
  // A capture named as a scenario (.yaml) is still one: its name is not "scen.yaml".
  return base.replace(/\.(pcapng|pcap|cap|yaml|yml)$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '_') || 'capture';
}

/**
 * Zero bytes after a capture's last record (a file padded to a block size, or a copy cut by a disk that kept its
 * length): where they start and how many, or undefined when the file does not end so. Found by walking the records
 * (pcap) or blocks (pcapng) from the start, since a packet's own bytes may end in zeros: the tail begins where a
 * record header would be and is all zeros (a record at time 0 of 0 bytes to a reader: "out of time order ... 1970"),
 * or is too short to be a header. Reads the whole file: called only when a capture has already been refused.
 */
export async function zeroTail(file: string): Promise<{ offset: number; bytes: number } | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const size = (await handle.stat()).size;
    const chunk = Buffer.alloc(1 << 20);
    let chunkStart = 0;
    let chunkLength = 0;
    /** `length` bytes at `at` (fewer at the end of the file), through one buffered chunk: records only go forward. */
    const bytesAt = async (at: number, length: number): Promise<Buffer> => {
      if (at < chunkStart || at + length > chunkStart + chunkLength) {
        chunkStart = at;
        chunkLength = (await handle.read(chunk, 0, chunk.length, at)).bytesRead;
      }
      return chunk.subarray(at - chunkStart, Math.min(at - chunkStart + length, chunkLength));
    };
    const head = await bytesAt(0, 12);
    if (head.length < 12) return undefined;
    const magic = head.readUInt32BE(0);
    let offset: number;
    /** The length of the record or block at `at` (its header is `header`), or undefined when it is no header. */
    let recordLength: (header: Buffer) => number | undefined;
    if (PCAP_MAGICS.has(magic)) {
      const little = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
      offset = 24;
      recordLength = (header) => (header.length < 16 ? undefined : 16 + (little ? header.readUInt32LE(8) : header.readUInt32BE(8)));
    } else if (magic === PCAPNG_SECTION_HEADER) {
      const little = head.readUInt32LE(8) === 0x1a2b3c4d;
      offset = 0;
      recordLength = (header) => {
        if (header.length < 8) return undefined;
        const length = little ? header.readUInt32LE(4) : header.readUInt32BE(4);
        return length >= 12 ? length : undefined;
      };
    } else return undefined;
    while (offset < size) {
      const header = await bytesAt(offset, 16);
      if (header.every((b) => b === 0)) break;
      const length = recordLength(header);
      if (length === undefined) return undefined;
      offset += length;
    }
    if (offset >= size) return undefined;
    for (let at = offset; at < size; at += chunk.length) {
      const part = await bytesAt(at, Math.min(chunk.length, size - at));
      if (!part.every((b) => b === 0)) return undefined;
    }
    return { offset, bytes: size - offset };
  } finally {
    await handle.close();
  }
}

/** The refusal of a capture that ends in zeros (zeroTail), for whichever reader met them. */
export function zeroTailError(file: string, tail: { offset: number; bytes: number }): InputError {
  return new InputError(
    { file, line: 0, col: 0 },
    `${tail.bytes} bytes of zeros after the last packet record at offset ${tail.offset} (padding? a cut copy?)`,
    `a capture that ends with its last record (truncate -s ${tail.offset} keeps what is before them; or copy the capture again)`,
  );
}

/**
 * A capture's name: it becomes the capture's folder in the run folder and its truth's file names.
 * `.harness-run.pcap` made a folder named as the run's marker (EEXIST after the truth had been derived, exit 1),
 * `.harness-lock.x.pcap` one the next run into the folder kept (its cells mixed with that run's), and a name too long
 * for the file system failed at the first write, naming an internal temporary file. Refused before the capture is
 * read, naming the file and the rule: a name starting with "." or "-" (a hidden file, an option to a tool), or too
 * long. A name captureName made from other characters (über.pcap gives _ber) was always read, and still is.
 */
export function checkedCaptureName(file: string): string {
  const name = captureName(file);
  if (!CAPTURE_NAME.test(name)) {
    throw new InputError({ file, line: 0, col: 0 }, `a capture file name that gives the name "${name}"`, 'a capture file name that starts with a letter, digit or "_" (it names the capture\'s folder in the run folder, as a scenario\'s name does: rename or link the file)');
  }
  if (name.length > MAX_NAME_CHARS) {
    throw new InputError({ file, line: 0, col: 0 }, `a capture file name that gives a name of ${name.length} characters`, `one that gives at most ${MAX_NAME_CHARS} (it names the capture's folder and files in the run folder: rename or link the file)`);
  }
  return name;
}
