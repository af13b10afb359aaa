import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chmodReadable, contentHash, exists, openCacheDir } from './cache-dir';

/**
 * kafkajs as one file for the sandbox. Every kafka-ts run starts a fresh node that loads
 * kafkajs, and when a class clicks at once the machine is CPU-bound, so each run's share
 * counts. Measured in the sandbox on the lab's 2 cores, node's own CPU for a run that imports
 * kafkajs: 87 ms from the package's ~150 files, 58 ms from this bundle (22 ms with no kafkajs).
 * It is built once per content (kafkajs, the files in ./kafkajs-bundle/, esbuild, node) into
 * the runtime's cache folder and mounted where the package was (lib/sandbox/kinds/node.ts).
 */

const run = promisify(execFile);

/**
 * Not minified: a minified kafkajs loaded slower here, and its stack frames would be
 * unreadable. No source map either: node's `--enable-source-maps` (on for the student's own
 * lines) would read it on every start, and decode it on every error, eating the gain.
 */
const ESBUILD_FLAGS = ['--bundle', '--platform=node', '--format=cjs', '--log-level=error'];

/** The key the bundle hands the shim its internal modules under (./kafkajs-bundle/entry.js). */
export const KAFKAJS_INTERNALS_KEY = 'cauce.kafkajs.internals';

/** The hint line of ./kafkajs-bundle/index.js that receives kafkajs's named exports. */
const NAMES_SLOT = 'module.exports = {}';

export interface KafkajsBundleOptions {
  /** Host folder of the kafkajs package to bundle. */
  kafkajsDir: string;
  /** Where the built folder is kept, named by its content; it must let the sandbox uids in. */
  cacheDir: string;
  /** The node the sandboxes run: its ESM loader decides which exports can be imported by name. */
  nodePath: string;
  /** Sources of the built folder (entry.js, index.js, package.json). @default `<cwd>/lib/sandbox/kafkajs-bundle` */
  sourceDir?: string;
  /** The esbuild package that builds it. @default `<cwd>/node_modules/esbuild` */
  esbuildDir?: string;
}

const builds = new Map<string, Promise<string | undefined>>();

/**
 * The folder to mount as kafkajs-real: index.js, kafkajs.js (the bundle) and package.json.
 * Undefined when it could not be built: runs then mount the package tree, which works, only
 * slower, so the failure is logged once per process and never reaches a student.
 */
export function kafkajsBundle(options: KafkajsBundleOptions): Promise<string | undefined> {
  const key = JSON.stringify(options);
  let build = builds.get(key);
  if (!build) {
    build = buildOnce(options).catch((error: unknown) => {
      console.error('[sandbox] kafkajs bundle could not be built; runs load the package tree instead (slower)', error);
      return undefined;
    });
    builds.set(key, build);
  }
  return build;
}

async function buildOnce(options: KafkajsBundleOptions): Promise<string> {
  const sourceDir = options.sourceDir ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'lib', 'sandbox', 'kafkajs-bundle');
  const esbuildDir = options.esbuildDir ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'node_modules', 'esbuild');
  const kafkajs = JSON.parse(await readFile(path.join(options.kafkajsDir, 'package.json'), 'utf8')) as { version: string; main?: string };
  const esbuild = JSON.parse(await readFile(path.join(esbuildDir, 'package.json'), 'utf8')) as { version: string };
  const hash = await contentHash(sourceDir, JSON.stringify([kafkajs.version, esbuild.version, options.nodePath, process.version, ESBUILD_FLAGS]));
  const target = path.join(options.cacheDir, `kafkajs-bundle-${hash}`);
  if (await exists(path.join(target, 'index.js'))) return target;

  await openCacheDir(options.cacheDir);
  // A temp folder renamed into place: concurrent servers and specs never see half a bundle.
  const building = await mkdtemp(path.join(options.cacheDir, '.kafkajs-bundle-'));
  try {
    await run(
      path.join(esbuildDir, 'bin', 'esbuild'),
      [path.join(sourceDir, 'entry.js'), ...ESBUILD_FLAGS, `--alias:kafkajs-real=${options.kafkajsDir}`, `--outfile=${path.join(building, 'kafkajs.js')}`],
      {
        cwd: options.kafkajsDir, // the bundle's module comments then read `// src/network/connection.js`, no host path
        timeout: 60_000,
      },
    );
    await writeCodeCache(options.nodePath, sourceDir, building);
    const names = await namedExports(options.nodePath, path.join(/*turbopackIgnore: true*/ options.kafkajsDir, kafkajs.main ?? 'index.js'));
    const index = await readFile(/*turbopackIgnore: true*/ path.join(sourceDir, 'index.js'), 'utf8');
    if (index.split(NAMES_SLOT).length !== 2) throw new Error(`${sourceDir}/index.js must hold "${NAMES_SLOT}" once`);
    await writeFile(path.join(building, 'index.js'), index.replace(NAMES_SLOT, `module.exports = { ${names.join(', ')} }`));
    await writeFile(path.join(building, 'package.json'), await readFile(/*turbopackIgnore: true*/ path.join(sourceDir, 'package.json')));
    await checkBuilt(options.nodePath, building, names);
    await chmodReadable(building);
    await rename(building, target).catch(async (error: unknown) => {
      if (!(await exists(path.join(target, 'index.js')))) throw error; // else another server built the same first
    });
    return target;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/**
 * V8's code cache of the bundle (kafkajs.js.cache, by ./kafkajs-bundle/code-cache.js), made by
 * the sandbox's node with no V8 flag, as kafka-ts sandboxes start it (lib/sandbox/kinds/node.ts):
 * 82 → 75 ms of machine CPU per run that loads kafkajs (twelve alternating blocks of ten).
 * Runs without it compile kafkajs as before, so a failure here is logged and the bundle is kept.
 */
async function writeCodeCache(nodePath: string, sourceDir: string, dir: string): Promise<void> {
  await run(nodePath, [path.join(sourceDir, 'code-cache.js'), dir], { timeout: 30_000 }).catch((error: unknown) => {
    console.error('[sandbox] no V8 code cache for the kafkajs bundle; runs compile it as they load it', error);
  });
}

/** What `import * as kafkajs from 'kafkajs'` gives by name, as the sandbox's node reads the package. */
async function namedExports(nodePath: string, main: string): Promise<string[]> {
  const script = `const ns = await import(${JSON.stringify(pathToFileURL(main).href)}); process.stdout.write(JSON.stringify(Object.keys(ns)));`;
  const { stdout } = await run(nodePath, ['--input-type=module', '-e', script], { timeout: 30_000 });
  const names = (JSON.parse(stdout) as string[]).filter((name) => name !== 'default');
  const invalid = names.find((name) => !/^[A-Za-z_$][\w$]*$/.test(name));
  if (invalid !== undefined) throw new Error(`kafkajs export ${JSON.stringify(invalid)} cannot be written as a name`);
  return names;
}

/** Loads the built folder as the sandbox will, before it is put in place: same names, internals there. */
async function checkBuilt(nodePath: string, dir: string, names: readonly string[]): Promise<void> {
  const index = pathToFileURL(path.join(dir, 'index.js')).href;
  const script = [
    `const ns = await import(${JSON.stringify(index)});`,
    `const internals = ns.default[Symbol.for(${JSON.stringify(KAFKAJS_INTERNALS_KEY)})];`,
    `const responses = [internals?.createTopicsResponses?.length, internals?.metadataResponses?.length];`,
    `process.stdout.write(JSON.stringify({ names: Object.keys(ns).filter((n) => n !== 'default'), responses }));`,
  ].join('\n');
  const { stdout } = await run(nodePath, ['--input-type=module', '-e', script], { timeout: 30_000 });
  const seen = JSON.parse(stdout) as { names: string[]; responses: (number | null)[] };
  if (JSON.stringify(seen.names) !== JSON.stringify([...names].sort()) || JSON.stringify(seen.responses) !== '[3,7]') {
    throw new Error(`the built kafkajs does not load as the package does: ${stdout}`);
  }
}
