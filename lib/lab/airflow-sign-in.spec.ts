/** What the Airflow badge may say about signing in, by site mode: the lab's admin password never reaches a class. */
import { describe, expect, it } from 'vitest';
import { airflowSignIn } from './airflow-sign-in';

const lab = { AIRFLOW_USERNAME: 'admin', AIRFLOW_PASSWORD: 'secreto-del-lab', CAUCE_AIRFLOW_MODE: 'embedded' };

describe('cómo entrar en la interfaz de Airflow', () => {
  it('estudiando solo con el Airflow del laboratorio: usuario, contraseña y dónde está guardada', () => {
    expect(airflowSignIn(lab)).toEqual({ username: 'admin', password: 'secreto-del-lab', where: expect.stringMatching(/^guardada en .*secrets\.json, campo adminPassword$/) });
  });

  it('en modo curso, nada: son las credenciales de administración del laboratorio de toda la clase', () => {
    expect(airflowSignIn({ ...lab, CAUCE_MODE: 'course' })).toBeUndefined();
  });

  it('con un Airflow externo, el usuario y de dónde sale la contraseña, nunca la contraseña', () => {
    const hint = airflowSignIn({ ...lab, CAUCE_AIRFLOW_MODE: 'external' });
    expect(hint).toEqual({ username: 'admin', where: expect.stringContaining('AIRFLOW_PASSWORD') });
    expect(JSON.stringify(hint)).not.toContain('secreto-del-lab');
  });
});
