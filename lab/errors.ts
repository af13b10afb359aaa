/**
 * Errors of the lab services. `message` is Spanish because it reaches people (the
 * terminal of whoever starts the lab, the site's status); `retriable` tells a caller
 * whether trying again later can help, and `cause` keeps the original error.
 */
export class LabError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Maven could not fetch the broker's jars (no network, registry refused, no `mvn`). */
export class LabDownloadError extends LabError {}

/** The broker process could not be started or died while starting. */
export class BrokerStartError extends LabError {}

/** No Kafka answered a metadata request in time. Retriable: it may come back. */
export class BrokerUnavailableError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** Something else already listens on a port the lab needs. */
export class PortInUseError extends LabError {}

/** A short Spanish description of any thrown value, for logs and status lines. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
