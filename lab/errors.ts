import { CauceError } from '../lib/errors';

/**
 * Errors of the lab services. `message` is Spanish because it reaches people (the terminal of
 * whoever starts the lab, the site's status) and may name the lab's folders; `retriable` and
 * `cause` as in every {@link CauceError}.
 */
export class LabError extends CauceError {}

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

/** A Hadoop daemon could not be started or died while starting. */
export class HadoopStartError extends LabError {}

/** The cluster did not become healthy in time. Retriable: it may come back. */
export class HadoopUnavailableError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** The Spark Connect server could not be prepared or started, or died while starting. */
export class SparkStartError extends LabError {}

/** No Spark Connect server answered in time. Retriable: it may come back. */
export class SparkUnavailableError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}
