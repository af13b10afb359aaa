import { describe, expect, it } from 'vitest';
import { studentApiFilter } from './api-filter';

const filter = studentApiFilter('ana');
const allows = (path: string, method = 'GET') => filter.allow(method, new URL(path, 'http://relay'));

describe('lo que la tarea de un alumno puede pedir al api-server', () => {
  it('lo que una tarea necesita de la Execution API, sobre sus propios DAGs', () => {
    expect(allows('/execution/task-instances/01a2335b-d7bb-78c7-a38b-1c38ac1d7f19/run', 'PATCH')).toBe(true);
    expect(allows('/execution/task-instances/01a2335b-d7bb-78c7-a38b-1c38ac1d7f19/heartbeat', 'PUT')).toBe(true);
    expect(allows('/execution/xcoms/ana__test_plugin/manual__2026-12-01T20:46:26+00:00/targz/return_value', 'POST')).toBe(true);
    expect(allows('/execution/dag-runs/ana__otro/manual__1', 'POST')).toBe(true);
    expect(allows('/execution/task-instances/count?dag_id=ana__x&task_ids=a')).toBe(true);
    expect(allows('/execution/variables/mi_variable')).toBe(true);
    expect(allows('/execution/variables/ana__umbral', 'PUT')).toBe(true);
    expect(allows('/execution/variables/ana__umbral')).toBe(true);
  });

  it('las Variables son de todos en Airflow 3.3: solo escribe las suyas y no lee ni lista las de otro', () => {
    expect(allows('/execution/variables/umbral', 'PUT')).toBe(false);
    expect(allows('/execution/variables/bea__umbral', 'PUT')).toBe(false);
    expect(allows('/execution/variables/bea__umbral', 'DELETE')).toBe(false);
    expect(allows('/execution/variables/bea__umbral')).toBe(false);
    expect(allows('/execution/variables/keys')).toBe(false);
    expect(allows('/execution/variables/ana__a/b', 'PUT')).toBe(true);
    expect(allows('/execution/variables/bea__a/b')).toBe(false);
  });

  it('nada fuera de la Execution API: ni la API REST, ni la interfaz, ni /auth/token', () => {
    expect(allows('/api/v2/dags')).toBe(false);
    expect(allows('/auth/token', 'POST')).toBe(false);
    expect(allows('/')).toBe(false);
  });

  it('nada sobre los DAGs de otro alumno, ni rutas que el servidor leería de otra forma', () => {
    expect(allows('/execution/xcoms/bea__x/r/t/return_value')).toBe(false);
    expect(allows('/execution/dag-runs/bea__x/r/clear', 'POST')).toBe(false);
    expect(allows('/execution/dags/bea__x')).toBe(false);
    expect(allows('/execution/task-instances/count?dag_id=bea__x')).toBe(false);
    expect(allows('/execution/task-instances/states?run_ids=r')).toBe(false);
    expect(allows('/execution/task-instances/previous/bea__x/t')).toBe(false);
    expect(allows('/execution/dag-runs/count?dag_id=ana__x&dag_id=bea__y')).toBe(false);
    expect(allows('/execution/xcoms/ana__x%2F..%2Fbea__y/r/t/k')).toBe(false);
    expect(allows('/execution/xcoms/%62ea__x/r/t/k')).toBe(false);
    expect(allows('/execution/xcoms/an%61__x/r/t/k')).toBe(true); // the server decodes it to ana__x too
  });
});
