import { test as base, expect } from '@playwright/test';

/**
 * Every test page records requests that leave the machine: lessons must work in a classroom
 * with no internet (no CDN for Monaco, fonts or analytics).
 */
export const test = base.extend<{ externalRequests: string[] }>({
  externalRequests: async ({ page }, use) => {
    const external: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      if (!local && !['data:', 'blob:'].includes(url.protocol)) external.push(request.url());
    });
    await use(external);
  },
});

export { expect };
