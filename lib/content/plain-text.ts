/** Prose of an MDX body without code, hints, JSX tags or Markdown marks: what search indexes. */
export function toPlainText(body: string): string {
  return body
    .replace(/<(Pista|Solucion)>[\s\S]*?<\/\1>/g, ' ') // a Reto's hints and solution are not for search results
    .replace(/^\s*(```|~~~)[\s\S]*?^\s*\1\s*$/gm, ' ')
    .replace(/<\/?[A-Za-z][^>]*>/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*`]/g, '')
    .replace(/(^|\s)_+|_+(?=[\s.,;:!?]|$)/g, '$1')
    .replace(/[#>|\\]/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** First paragraph of prose (skipping headings and components), used as the lesson lead. */
export function firstParagraph(body: string): string {
  const blocks = body.split(/\n\s*\n/).map((b) => b.trim());
  const prose = blocks.find((b) => b && !/^(#|<|```|~~~|[-*] |\d+\. |\||import |export )/.test(b));
  return prose ? toPlainText(prose) : '';
}
