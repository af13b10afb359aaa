/** A Spanish label or detail of a Reto, with its `backticks` shown as code (the only markup they carry). */
export function InlineCode({ text }: { text: string }) {
  const parts = text.split('`');
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
