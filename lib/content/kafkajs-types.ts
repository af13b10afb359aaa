import fs from 'node:fs';
import path from 'node:path';

/**
 * Just enough of Node's types for kafkajs's declarations to type-check inside Monaco, and for
 * CommonJS pasted from kafkajs's docs (`const { Kafka } = require('kafkajs')`, which runs:
 * lib/sandbox/module-style.ts) to get kafkajs's types instead of a red `require`.
 */
const NODE_STUBS = `
declare module 'net' { export class Socket { write(data: any): boolean; end(): void } }
declare module 'tls' { export interface ConnectionOptions { [key: string]: any } }
declare class Buffer extends Uint8Array { static from(value: string | ArrayLike<number>, encoding?: string): Buffer; toString(encoding?: string): string }
declare var console: { log(...args: any[]): void; error(...args: any[]): void; warn(...args: any[]): void; info(...args: any[]): void; table(data: any): void };
declare function setTimeout(handler: (...args: any[]) => void, ms?: number): any;
declare function clearTimeout(id: any): void;
declare var process: { env: Record<string, string | undefined>; exit(code?: number): never; on(event: string, listener: (...args: any[]) => void): void; once(event: string, listener: (...args: any[]) => void): void };
declare function require(id: 'kafkajs'): typeof import('kafkajs');
declare function require(id: string): any;
declare var module: { exports: any };
declare var exports: any;
declare var __filename: string;
declare var __dirname: string;
`;

/** kafkajs's own .d.ts wrapped as an ambient module, so `import { Kafka } from 'kafkajs'` resolves in the editor. */
export function kafkajsDeclarations(): string {
  const file = path.join(process.cwd(), 'node_modules', 'kafkajs', 'types', 'index.d.ts');
  const source = fs
    .readFileSync(file, 'utf8')
    .replace(/^\/\/\/ <reference types="node" \/>\s*$/m, '');
  return `${NODE_STUBS}\ndeclare module 'kafkajs' {\n${source}\n}\n`;
}
