import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabDownloadError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { isAlive } from '../kafka/process';
import type { S3Paths } from './paths';
import { SEAWEEDFS_LABEL, SEAWEEDFS_MODULE, SEAWEEDFS_VERSION } from './version';

/**
 * The Go toolchain: `go` on PATH, else the official tarball's place (/usr/local/go), where this
 * machine kind has it even when a service manager's PATH does not name it.
 */
export function goBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) if (existsSync(`${dir}/go`)) return `${dir}/go`;
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

let building: Promise<{ built: boolean; seconds: number }> | undefined;

/**
 * Builds SeaweedFS's `weed` from the Go module proxy, through the wrapper module in
^ * lab/s3/go (go.mod copies SeaweedFS's replace directives, which only apply in a main module;
 * go.sum pins every module), unless this version's binary is already there. `-mod=readonly`:
 * the build may download what go.sum names, never change the pins. The first build takes
 * minutes (a thousand packages on two cores; lab/s3/README.md has the figure), later starts
 * none. Written to a temporary name and renamed, so a build cut short never leaves a binary that
 * looks finished, and two processes building at once both end with a whole one.
 */
export function ensureWeedBinary(paths: S3Paths, onProgress?: ProgressListener): Promise<{ built: boolean; seconds: number }> {
  if (existsSync(paths.binary)) return Promise.resolve({ built: false, seconds: 0 });
  building ??= buildWeed(paths, onProgress).finally(() => (building = undefined));
  return building;
}

/** Half-written binaries of builds whose process is gone (a launcher killed while Go ran). */
function removeAbandonedBuilds(binary: string): void {
  const prefix = `${basename(binary)}.`;
  for (const name of readdirSync(dirname(binary))) {
    const pid = Number(name.startsWith(prefix) && name.endsWith('.tmp') ? name.slice(prefix.length, -'.tmp'.length) : Number.NaN);
    if (Number.isInteger(pid) && !isAlive(pid)) rmSync(join(dirname(binary), name), { force: true });
  }
}

async function buildWeed(paths: S3Paths, onProgress?: ProgressListener): Promise<{ built: boolean; seconds: number }> {
  const startedAt = Date.now();
  mkdirSync(dirname(paths.binary), { recursive: true });
  removeAbandonedBuilds(paths.binary);
  const temporary = `${paths.binary}.${process.pid}.tmp`;
  onProgress?.({ fraction: 0, message: `Compilando ${SEAWEEDFS_LABEL} (almacén S3) con Go; la primera vez tarda unos minutos…` });
  const args = ['build', '-trimpath', '-ldflags', '-s -w', '-o', temporary, `${SEAWEEDFS_MODULE}/weed`];
  const tail: string[] = [];
  let downloaded = 0;
  // Go reports no progress a bar could show: a line every 15 s with the time so far (and the
  // modules fetched), so a first start never looks stuck, nor floods a CI log.
  const tick = setInterval(() => {
    const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
    onProgress?.({ fraction: 0, message: `Compilando ${SEAWEEDFS_LABEL} con Go… ${minutes} min${downloaded ? ` (${downloaded} módulos descargados)` : ''}` });
  }, 15_000);
  const code = await new Promise<number | null>((resolvePromise, reject) => {
    const child = spawn(/*turbopackIgnore: true*/ goBinary(), args, {
      cwd: paths.buildDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // GOFLAGS replaced, not extended: a developer's -mod=mod would let the build rewrite the pins.
      env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false', CGO_ENABLED: '0' },
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.startsWith('go: downloading')) downloaded += 1;
      });
    }
    child.once('error', (error) =>
      reject(new LabDownloadError(`No se pudo ejecutar Go (${goBinary()}) para compilar SeaweedFS: ${error.message}. Instala Go 1.26 o posterior.`, { cause: error })),
    );
    child.once('exit', resolvePromise);
  }).finally(() => clearInterval(tick));
  if (code !== 0) {
    rmSync(temporary, { force: true });
    throw new LabDownloadError(`La compilación de ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} falló (código ${code}):\n${tail.join('\n')}`);
  }
  renameSync(temporary, paths.binary);
  const seconds = (Date.now() - startedAt) / 1000;
  onProgress?.({ fraction: 1, message: `${SEAWEEDFS_LABEL} compilado en ${seconds.toFixed(0)} s.` });
  return { built: true, seconds };
}
