'use client';

import { useEffect, useState } from 'react';
import type { SessionInfo } from '@/app/api/session/route';

export type { SessionInfo };

let pending: Promise<SessionInfo> | undefined;

/** The session as /api/session tells it, fetched once per page load and shared. */
export function sessionInfo(): Promise<SessionInfo> {
  pending ??= fetch('/api/session', { cache: 'no-store' })
    .then((response) => (response.ok ? (response.json() as Promise<SessionInfo>) : Promise.reject(new Error(String(response.status)))))
    .catch(() => {
      pending = undefined;
      return { mode: 'single', user: null } satisfies SessionInfo;
    });
  return pending;
}

/** Whether progress goes to the server: course mode with a student signed in. */
export function keepsProgressOnServer(info: SessionInfo): boolean {
  return info.mode === 'course' && info.user?.role === 'student';
}

export function useSessionInfo(): SessionInfo | undefined {
  const [info, setInfo] = useState<SessionInfo>();
  useEffect(() => {
    let live = true;
    void sessionInfo().then((value) => live && setInfo(value));
    return () => {
      live = false;
    };
  }, []);
  return info;
}
