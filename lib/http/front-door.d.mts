/** Types of front-door.mjs (plain JavaScript, see there why). */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FrontDoor {
  /** Where the server listens. @default '127.0.0.1' (this machine only) */
  host: string;
  port: number;
  /** Host header values served: loopback names, the listening address, CAUCE_ALLOWED_HOSTS; each bare and with `:port`. */
  allowedHosts: Set<string>;
  /** What a visitor from another machine must bring (`?acceso=`, then a cookie); null when only loopback listens or in course mode. */
  accessToken: string | null;
  /** CAUCE_TRUST_PROXY=1: X-Forwarded-For names the client (a reverse proxy in front); otherwise it is ignored. */
  trustProxy: boolean;
  /** The addresses other machines use; empty on loopback. */
  urls: string[];
  /** Where this machine reaches the site (http://localhost:port unless it listens on one other address). */
  localUrl: string;
}

export declare const CLIENT_HEADER: 'x-cauce-client';
export declare function frontDoor(options: { host?: string; port: number; env?: Record<string, string | undefined> }): FrontDoor;
export declare function localUrl(host: string, port: number): string;
export declare function announcement(door: FrontDoor): string[];
export declare function guardRequest(door: FrontDoor, req: IncomingMessage, res: ServerResponse): boolean;
export declare function originProblem(method: string | undefined, origin: string | null | undefined, host: string | null | undefined): string | null;
export declare function isLoopbackAddress(address: string | undefined): boolean;
