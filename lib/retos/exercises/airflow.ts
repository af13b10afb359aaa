import { allTasksSucceeded, createdFile, createdFiles, dependsOn, hasTask, ranAfter, xcomIs, xcomOf } from '../checks/airflow';
import type { ExerciseDefinition } from '../schema';

const ECHOS = ['echo_0', 'echo_1', 'echo_2', 'echo_3', 'echo_4'];

/** The Airflow course's Retos, by "<course>/<lesson>/<id>" (the `<Reto id>` of the lesson). */
export const AIRFLOW_EXERCISES: Record<string, ExerciseDefinition> = {
  'airflow/postgres-localexecutor/saludo': {
    kind: 'airflow-dag',
    requirements: [
      hasTask('tarea', 'saludo'),
      dependsOn('despues', 'saludo', ['DOES_NOTHING']),
      xcomIs('xcom', 'saludo', 'hola desde Airflow', { label: '`saludo` imprime `hola desde Airflow` (el BashOperator guarda en XCom la última línea)' }),
      allTasksSucceeded('exito'),
    ],
    starterFails: 'tarea',
  },
  'airflow/postgres-localexecutor/dos-ramas': {
    kind: 'airflow-dag',
    requirements: [
      dependsOn('rama-a', 'rama_a', ['DOES_NOTHING']),
      dependsOn('rama-b', 'rama_b', ['DOES_NOTHING']),
      dependsOn('fin', 'fin', ['rama_a', 'rama_b']),
      ranAfter('orden', 'fin', ['rama_a', 'rama_b']),
      allTasksSucceeded('exito'),
    ],
    starterFails: 'rama-a',
  },
  'airflow/definicion-workflow/sexta-tarea': {
    kind: 'airflow-dag',
    requirements: [
      hasTask('tarea', 'echo_5'),
      dependsOn('despues', 'echo_5', ECHOS),
      dependsOn('antes-del-final', 'TAREA_FINAL', ['echo_5']),
      ranAfter('orden', 'echo_5', ECHOS),
      allTasksSucceeded('exito'),
    ],
    starterFails: 'tarea',
  },
  'airflow/definicion-workflow/suma-xcom': {
    kind: 'airflow-dag',
    requirements: [
      {
        id: 'devuelven',
        label: 'Cada `echo_i` devuelve su número `i` (su XCom `return_value`)',
        evaluate(context) {
          const wrong = ECHOS.map((task, i) => ({ task, i, value: xcomOf(context, task) })).filter(({ i, value }) => value?.trim() !== String(i));
          if (wrong.length === 0) return { met: true, detail: 'Las cinco `echo_i` devolvieron 0, 1, 2, 3 y 4.' };
          const { task, i, value } = wrong[0]!;
          return value === undefined
            ? { met: false, detail: `\`${task}\` no devolvió nada (no hay XCom): \`print_value\` imprime el número pero no lo retorna.` }
            : { met: false, detail: `\`${task}\` devolvió ${value}; se esperaba ${i}.` };
        },
      },
      xcomIs('suma', 'TAREA_FINAL', '10', { label: '`TAREA_FINAL` devuelve la suma de los cinco valores (10), leídos con `xcom_pull`' }),
      ranAfter('orden', 'TAREA_FINAL', ECHOS),
      allTasksSucceeded('exito'),
    ],
    starterFails: 'devuelven',
  },
  'airflow/definicion-plugin/nombre-archivo': {
    kind: 'airflow-dag',
    requirements: [
      createdFile('archivo', 'backups/copia.tar.gz'),
      {
        id: 'xcom',
        label: '`targz` devuelve la ruta del archivo nuevo (su XCom)',
        evaluate(context) {
          const value = xcomOf(context, 'targz');
          if (value === undefined) return { met: false, detail: '`targz` no dejó ningún XCom: `execute` debe retornar la ruta.' };
          return value.endsWith('/backups/copia.tar.gz')
            ? { met: true, detail: `\`targz\` devolvió ${value}.` }
            : { met: false, detail: `\`targz\` devolvió ${value}; se esperaba una ruta que acabe en backups/copia.tar.gz.` };
        },
      },
      allTasksSucceeded('exito'),
    ],
    starterFails: 'archivo',
  },
  'airflow/definicion-plugin/informe': {
    kind: 'airflow-dag',
    requirements: [
      hasTask('tarea', 'informe'),
      dependsOn('despues', 'informe', ['targz']),
      {
        id: 'tamano',
        label: '`informe` devuelve el tamaño en bytes del `.tar.gz` que creó `targz`',
        evaluate(context) {
          const archive = createdFiles(context).find((f) => f.path.endsWith('.tar.gz'));
          const value = xcomOf(context, 'informe');
          if (!archive) return { met: false, detail: 'La ejecución no creó ningún `.tar.gz`.' };
          if (value === undefined) return { met: false, detail: '`informe` no devolvió nada (no hay XCom).' };
          return value.trim() === String(archive.size)
            ? { met: true, detail: `\`informe\` devolvió ${value}: el tamaño real de \`${archive.path}\`.` }
            : { met: false, detail: `\`informe\` devolvió ${value}, pero \`${archive.path}\` ocupa ${archive.size} bytes.` };
        },
      },
      allTasksSucceeded('exito'),
    ],
    starterFails: 'tarea',
  },
};
