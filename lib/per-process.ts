/**
 * One value per server process, whichever copy of a module asks for it. Next.js builds
 * instrumentation.ts, route handlers and pages as separate module graphs, so a module-level
 * `let` exists once per graph: the runnable index built at start was built again by the first
 * "Ejecutar" (about half a second of CPU, when a class clicks at once), and each graph made its
 * own sandbox host over the same uid slots. Dev reloads make new copies too.
 */
const holder = globalThis as typeof globalThis & { __caucePerProcess?: Map<string, unknown> };

/** The process's value for `key`, made by `create` the first time any module asks. */
export function perProcess<T>(key: string, create: () => T): T {
  const values = (holder.__caucePerProcess ??= new Map<string, unknown>());
  if (!values.has(key)) values.set(key, create());
  return values.get(key) as T;
}

/** Tests that load a module afresh (`vi.resetModules`) to see it start over: its per-process values go too. */
export function forgetPerProcessValues(): void {
  holder.__caucePerProcess?.clear();
}
