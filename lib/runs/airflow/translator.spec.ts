/** EventTranslator alone (no worker): what it remembers of tasks that run at once. */
import { describe, expect, it } from 'vitest';
import { EventTranslator } from './dag';

const task = (taskId: string, state: string, mapIndex?: number) => ({ event: 'task' as const, taskId, state, ...(mapIndex === undefined ? {} : { mapIndex }) });

describe('EventTranslator con tareas que corren a la vez', () => {
  it('el límite de tiempo nombra la tarea que sigue corriendo, no la última que empezó', () => {
    const translator = new EventTranslator(() => undefined, Date.now());
    for (const event of [task('duerme', 'running'), task('rapida', 'running'), task('rapida', 'success')]) translator.handle(event);
    expect(translator.running).toBe('duerme');
  });

  it('una tarea mapeada sigue corriendo mientras corre alguna de sus instancias', () => {
    const translator = new EventTranslator(() => undefined, Date.now());
    for (const event of [task('m', 'running', 0), task('m', 'running', 1), task('otra', 'running'), task('m', 'success', 0)]) translator.handle(event);
    expect(translator.running).toBe('m');
    translator.handle(task('m', 'success', 1));
    expect(translator.running).toBe('otra');
  });

  it('sin nada corriendo nombra la última tarea que corrió', () => {
    const translator = new EventTranslator(() => undefined, Date.now());
    for (const event of [task('a', 'running'), task('b', 'running'), task('b', 'success'), task('a', 'failed')]) translator.handle(event);
    expect(translator.running).toBe('b');
  });
});
