import { Children, isValidElement, type ReactElement, type ReactNode } from 'react';
import type { SnippetKind } from '@/lib/content/schema';
import { LanguageTabsClient } from './language-tabs.client';
import type { RunnableProps } from './runnable';

/** How a tab names the language of each kind it may hold. */
const LANGUAGE: Partial<Record<SnippetKind, string>> = { 'kafka-py': 'Python', 'kafka-ts': 'TypeScript' };

/**
 * The same example in several languages, as tabs over its `<Runnable>`s, the first one shown
 * (the article's own language goes first). Each Runnable keeps its own id, editor, run and
 * output; the tabs only choose which one is on screen. Server-safe: the tab labels come from
 * each Runnable's `kind`.
 *
 * ```mdx
 * <LanguageTabs>
 * <Runnable kind="kafka-py" title="Productor de mensajes en Python">…</Runnable>
 * <Runnable kind="kafka-ts" title="Productor de mensajes">…</Runnable>
 * </LanguageTabs>
 * ```
 */
export function LanguageTabs({ children }: { children: ReactNode }) {
  const examples = Children.toArray(children).filter((child): child is ReactElement<RunnableProps> => isValidElement(child));
  const labels = examples.map((example) => LANGUAGE[example.props.kind as SnippetKind] ?? example.props.kind);
  return <LanguageTabsClient labels={labels}>{examples}</LanguageTabsClient>;
}
