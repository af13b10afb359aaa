'use client';

import { useState } from 'react';

/** Copies the text of the <pre> in the same figure; the code itself stays server-rendered. */
export function CopyButton() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="copy-button"
      aria-label={copied ? 'Código copiado' : 'Copiar código'}
      onClick={async (event) => {
        const pre = event.currentTarget.closest('figure')?.querySelector('pre');
        if (!pre) return;
        await navigator.clipboard.writeText(pre.innerText);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? 'Copiado' : 'Copiar'}
    </button>
  );
}
