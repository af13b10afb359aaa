import { bindError } from '../ports';

/**
 * A free block of `count` consecutive loopback ports for a test cluster: 3320, 3340, 3360 first
 * (the range this project's specs use beside a developer's lab), else a random one.
 */
export async function freePortBlock(count = 14): Promise<number> {
  const candidates = [3320, 3340, 3360, ...Array.from({ length: 40 }, () => 20_000 + Math.floor(Math.random() * 400) * 20)];
  for (const base of candidates) {
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = (await bindError(port, '127.0.0.1')) === undefined;
    if (free) return base;
  }
  throw new Error(`no hay ${count} puertos libres seguidos`);
}
