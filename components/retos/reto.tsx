import { Children, isValidElement, type ReactNode } from 'react';
import { z } from 'zod';
import { SnippetFile, SnippetKind } from '@/lib/content/schema';
import { findExercise } from '@/lib/retos/exercises';
import { RUNNABLE_KINDS } from '@/lib/runs/schema';
import { RetoClient } from './reto.client';

export interface RetoProps {
  /** Added at build time: "<course>/<lesson>/<id>" (the author writes the last part). */
  id: string;
  title: string;
  kind: string;
  /** Added at build time: the starter code (the fences inside the tag). */
  files?: string;
  children?: ReactNode;
}

/** One hint of a Reto: shown only when the student asks, one at a time. */
export function Pista({ children }: { children?: ReactNode }) {
  return <>{children}</>;
}

const Files = z.array(SnippetFile).min(1);

/**
 * An exercise: statement, starter in an editor, «Ejecutar y comprobar», hints, solution. The
 * server part splits the hints from the statement and hands the requirements' labels (from the
 * exercise's definition) to the client; the solution stays on the server until asked for.
 */
export function Reto({ id, title, kind, files, children }: RetoProps) {
  const definition = findExercise(id);
  if (!definition) throw new Error(`<Reto id="${id}">: no existe su comprobación`);
  const parsedKind = SnippetKind.parse(kind);
  const parts = Children.toArray(children);
  const hints = parts.filter((part) => isValidElement(part) && part.type === Pista);
  const statement = parts.filter((part) => !(isValidElement(part) && part.type === Pista));
  return (
    <RetoClient
      id={id}
      title={title}
      kind={parsedKind}
      files={Files.parse(JSON.parse(files ?? '[]'))}
      canRun={RUNNABLE_KINDS.includes(parsedKind)}
      requirements={definition.requirements.map(({ id: requirement, label }) => ({ id: requirement, label }))}
      hints={hints}
    >
      {statement}
    </RetoClient>
  );
}
