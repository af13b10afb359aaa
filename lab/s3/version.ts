/**
 * The SeaweedFS the embedded S3 store runs: the module version pinned in lab/s3/go/go.mod
 * (a spec checks they agree). SeaweedFS publishes no tagged module versions on the proxy, so
 * this is a pseudo-version of one commit. No imports, so the site can show it cheaply.
 */
export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

/** What the site and the logs call it: «SeaweedFS 7506e5f» (the commit). */
export const SEAWEEDFS_LABEL = `SeaweedFS ${SEAWEEDFS_VERSION.slice(-12, -5)}`;

/** The bucket every lesson writes to; each student under `alumnos/<slug>/`. */
export const LAB_BUCKET = 'test-bucket';
