import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Detection, MonitorAdapter } from './monitor-adapter.js';

/**
 * Every folder under harness/monitors/ with an index module is a monitor: the registry finds them, so adding a
 * monitor is adding a folder, nothing else.
 */
const here = path.dirname(fileURLToPath(import.meta.url));

let cached: Promise<MonitorAdapter[]> | undefined;

export function loadAdapters(): Promise<MonitorAdapter[]> {
  cached ??= discover();
  return cached;
}

async function discover(): Promise<MonitorAdapter[]> {
  const entries = await readdir(here, { withFileTypes: true });
  const adapters: MonitorAdapter[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const index = path.join(here, entry.name, 'index.js');
    let module: { default?: unknown };
    try {
      module = (await import(index)) as { default?: unknown };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(index)) continue;
      throw error;
    }
    if (isAdapter(module.default)) adapters.push(module.default);
  }
  return adapters;
}

function isAdapter(value: unknown): value is MonitorAdapter {
  const candidate = value as Partial<MonitorAdapter> | undefined;
  return typeof candidate?.id === 'string' && typeof candidate.run === 'function' && typeof candidate.parseLog === 'function';
}

export async function findAdapter(id: string): Promise<MonitorAdapter | undefined> {
  return (await loadAdapters()).find((a) => a.id === id);
}

const detections = new Map<string, Promise<Detection>>();

/**
 * The environment a sensor's binary is detected and run in: a sensor naming its binary (`monitor@binary`, a
 * suite's `binary:`) reaches the adapter as its HARNESS_<ID> variable, so two versions of one monitor stay apart.
 */
export function sensorEnvironment(adapter: MonitorAdapter, binary: string | undefined): NodeJS.ProcessEnv {
  return binary === undefined ? process.env : { ...process.env, [adapter.envVar]: binary };
}

/**
 * An adapter's detection, run once per process for the binary its environment variable names (or PATH): the CLI,
 * the pipeline and `check` all ask, and each answer costs a version probe.
 */
export function detectAdapter(adapter: MonitorAdapter, env: NodeJS.ProcessEnv = process.env): Promise<Detection> {
  const key = `${adapter.id}\0${env[adapter.envVar] ?? ''}\0${env.PATH ?? ''}`;
  let detection = detections.get(key);
  if (!detection) {
    detection = adapter.detect(env);
    detections.set(key, detection);
  }
  return detection;
}
