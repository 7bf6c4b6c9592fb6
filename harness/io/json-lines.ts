import { CHUNK_BYTES, Utf8Chunks } from './utf8-chunks.js';

/**
 * One JSON value per line, as UTF-8 byte chunks of about 1 MB (Utf8Chunks): a million records are never one string,
 * and every chunk holds whole lines. A chunk is valid until the next one is asked for (its memory is filled again
 * then): write it, or copy it, before.
 */
export function* jsonLines(values: Iterable<unknown>, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  const chunks = new Utf8Chunks(chunkBytes);
  for (const value of values) {
    // A line must be a JSON value: JSON.stringify(undefined) is undefined, written as "undefined" by a template.
    chunks.add(JSON.stringify(value) ?? 'null', true);
    if (chunks.ready) {
      const done = chunks.take();
      yield* done;
      chunks.reuse(done);
    }
  }
  yield* chunks.end();
}
