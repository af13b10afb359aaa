import { ClusterSummary } from '@/components/lab/cluster-summary.client';
import { CodeFigure } from './code-figure';
import { LanguageTabs } from './language-tabs';
import { Note } from './note';
import { Original } from './original';
import { Pre } from './pre';
import { Pista, Reto } from '@/components/retos/reto';
import { Runnable } from './runnable';
import { S3Browser } from '@/components/runs/s3-objects.client';

/** Components lesson authors may use in MDX (documented in README "Cómo escribir una lección"). */
export const mdxComponents = {
  Runnable,
  LanguageTabs,
  Reto,
  Pista,
  Original,
  Note,
  ClusterSummary,
  S3Browser,
  figure: CodeFigure,
  pre: Pre,
};
