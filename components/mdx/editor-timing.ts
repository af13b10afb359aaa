/**
 * User Timing marks for the page's first editor: `cauce:editor-near` when it comes near the
 * viewport and Monaco starts loading, `cauce:editor-ready` when Monaco shows its code.
 * `npm run bench:web` reads them; they cost nothing to a student.
 */
export function markEditorTiming(stage: 'near' | 'ready') {
  const name = `cauce:editor-${stage}`;
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}
