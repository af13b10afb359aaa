/**
 * Course mode's security, tested against the real route handlers, server actions and session
 * code (only the lab executors are replaced by a fake that runs until stopped).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const next = vi.hoisted(() => ({ cookie: undefined as string | undefined, headers: new Headers() }));

vi.mock('next/headers', () => ({
  cookies: async () => ({
    get: (name: string) => (name === 'cauce_sesion' && next.cookie !== undefined ? { name, value: next.cookie } : undefined),
    set: (name: string, value: string) => {
      if (name === 'cauce_sesion') next.cookie = value;
    },
    delete: () => {
      next.cookie = undefined;
    },
  }),
  headers: async () => next.headers,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => undefined }));
vi.mock('next/navigation', () => ({
  redirect: (url: string) => {
    throw new Error(`REDIRECT ${url}`);
  },
}));
// A fake executor: the run stays "running" until stopped, like a consumer loop.
vi.mock('@/lib/runs/kafka-ts', () => ({
  executeKafkaSnippet: (run: import('@/lib/runs/run').Run) =>
    new Promise<void>((resolve) => {
      run.emit({ type: 'status', state: 'running', message: 'En marcha' });
      run.abort.signal.addEventListener('abort', () => {
        run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: 1, message: 'Detenida.' });
        resolve();
      });
    }),
}));
vi.mock('@/lib/runs/airflow/dag', () => ({ executeAirflowDag: async () => undefined }));

const { db } = await import('@/lib/db');
const { createCourse, joinCourse } = await import('@/lib/db/courses');
const { loadCode, saveCode, listCompletions, setCompletion } = await import('@/lib/db/progress');
const { signSession, sessionKey, SESSION_TTL_MS } = await import('./session');
const { createInstructor } = await import('./instructors');
const { userFromToken } = await import('./user');
const { signInLimits, attemptJoin, attemptInstructorLogin } = await import('./sign-in');
const { resetRunQuotas } = await import('@/lib/runs/quota');
const runsRoute = await import('@/app/api/runs/route');
const eventsRoute = await import('@/app/api/runs/[id]/events/route');
const stopRoute = await import('@/app/api/runs/[id]/stop/route');
const csvRoute = await import('@/app/profesor/cursos/[id]/progreso.csv/route');
const runActions = await import('@/app/runs/actions');
const progressActions = await import('@/app/progreso/actions');
const instructorActions = await import('@/app/profesor/actions');
const sessionActions = await import('@/app/sesion/actions');

const BASE = 'http://localhost:3000';
const program = {
  lesson: 'kafka/consumidor',
  snippet: 'kafka/consumidor/consumidor-de-mensajes',
  kind: 'kafka-ts',
  files: [{ name: 'consumer.ts', content: "console.log('esperando')\n" }],
};

let courseId: string;
let joinCode: string;
let cookieA: string;
let cookieB: string;
let studentA: string;
let studentB: string;
let cookieInstructor: string;

const params = (id: string) => ({ params: Promise.resolve({ id }) });
const withCookie = (cookie: string | undefined, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (cookie) headers.set('cookie', `otra=1; cauce_sesion=${encodeURIComponent(cookie)}`);
  headers.set('host', 'localhost:3000');
  if (!headers.has('origin')) headers.set('origin', BASE); // a POST must say it comes from the site
  return { ...init, headers };
};

async function startAs(cookie: string): Promise<string> {
  const response = await runsRoute.POST(new Request(`${BASE}/api/runs`, withCookie(cookie, { method: 'POST', body: JSON.stringify(program) })));
  const body = (await response.json()) as { ok: boolean; runId: string; message?: string };
  expect(body, body.message).toMatchObject({ ok: true });
  return body.runId;
}

beforeAll(async () => {
  vi.stubEnv('CAUCE_MODE', 'course');
  const database = await db();
  const key = await sessionKey(database);
  const course = await createCourse(database, { title: 'Seguridad', createdBy: null });
  courseId = course.id;
  joinCode = course.join_code;
  studentA = (await joinCourse(database, course, 'Ana')).id;
  studentB = (await joinCourse(database, course, 'Bruno')).id;
  cookieA = signSession(key, { role: 'student', sub: studentA });
  cookieB = signSession(key, { role: 'student', sub: studentB });
  cookieInstructor = signSession(key, { role: 'instructor', sub: await createInstructor(database, 'profe-test', 'una contraseña larga') });
});

afterAll(() => {
  vi.unstubAllEnvs();
});

beforeEach(() => {
  next.cookie = undefined;
  next.headers = new Headers({ host: 'localhost:3000' });
  signInLimits().join.reset();
  signInLimits().joinAll.reset();
  signInLimits().login.reset();
  signInLimits().loginAll.reset();
  resetRunQuotas();
});

describe('el alumno A no alcanza lo de B adivinando identificadores', () => {
  it('ni los eventos ni «Detener» de la ejecución de otro: 404, igual que un id inexistente', async () => {
    const runId = await startAs(cookieA);
    expect((await eventsRoute.GET(new Request(`${BASE}/api/runs/${runId}/events`, withCookie(cookieB)), params(runId))).status).toBe(404);
    expect((await eventsRoute.GET(new Request(`${BASE}/api/runs/${runId}/events`, withCookie(undefined)), params(runId))).status).toBe(404);
    expect((await stopRoute.POST(new Request(`${BASE}/api/runs/${runId}/stop`, withCookie(cookieB, { method: 'POST' })), params(runId))).status).toBe(404);

    next.cookie = cookieB;
    expect(await runActions.stopRun(runId)).toEqual({ ok: false });

    // The owner still sees it running, and can stop it.
    const own = await eventsRoute.GET(new Request(`${BASE}/api/runs/${runId}/events`, withCookie(cookieA)), params(runId));
    expect(own.status).toBe(200);
    await own.body?.cancel();
    next.cookie = cookieA;
    expect(await runActions.stopRun(runId)).toEqual({ ok: true });
  });

  it('el código guardado y el avance solo son los de la sesión: no hay parámetro de alumno que cambiar', async () => {
    const database = await db();
    await saveCode(database, studentA, 'kafka/consumidor/bucle', ['secreto de Ana']);
    await setCompletion(database, studentA, 'kafka/consumidor', true);
    next.cookie = cookieB;
    expect(await progressActions.loadLessonEdits('kafka/consumidor')).toEqual({});
    expect(await progressActions.loadCompletions()).toEqual([]);
    await progressActions.saveEdits('kafka/consumidor/bucle', ['código de Bruno']);
    expect(await loadCode(database, studentA, 'kafka/consumidor/bucle')).toEqual(['secreto de Ana']);
    next.cookie = cookieA;
    expect(await progressActions.loadLessonEdits('kafka/consumidor')).toEqual({ 'kafka/consumidor/bucle': ['secreto de Ana'] });
    expect(await listCompletions(database, studentA)).toEqual(['kafka/consumidor']);
  });

  it('el dueño de una ejecución sale de la sesión, no del cuerpo de la petición', async () => {
    const forged = await runsRoute.POST(
      new Request(`${BASE}/api/runs`, withCookie(cookieB, { method: 'POST', body: JSON.stringify({ ...program, owner: `student:${studentA}` }) })),
    );
    expect(forged.status).toBe(400); // strict schema: no owner field exists
  });
});

describe('un alumno no puede usar acciones de profesor', () => {
  it('crear cursos, reiniciar laboratorios y exportar el CSV le dicen «No autorizado»', async () => {
    next.cookie = cookieA;
    const form = new FormData();
    form.set('titulo', 'Curso pirata');
    expect(await instructorActions.createCourseAction({}, form)).toEqual({ message: 'No autorizado: entra como profesor.' });
    expect(await instructorActions.resetStudentLabAction(studentB)).toMatchObject({ ok: false, message: 'No autorizado: entra como profesor.' });
    const csv = await csvRoute.GET(new Request(`${BASE}/profesor/cursos/${courseId}/progreso.csv`, withCookie(cookieA)), params(courseId));
    expect(csv.status).toBe(403);
  });

  it('el profesor sí: crea un curso y descarga el CSV', async () => {
    next.cookie = cookieInstructor;
    const form = new FormData();
    form.set('titulo', 'Kafka mañana');
    expect(await instructorActions.createCourseAction({}, form)).toMatchObject({ ok: true, message: expect.stringMatching(/Código para los alumnos: [A-Z2-9]{8}/) });
    const csv = await csvRoute.GET(new Request(`${BASE}/profesor/cursos/${courseId}/progreso.csv`, withCookie(cookieInstructor)), params(courseId));
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toMatch(/"Ana"/);
  });
});

describe('cookies falsificadas o caducadas se rechazan', () => {
  it('firmada con otra clave, con la carga cambiada, caducada o basura: nadie', async () => {
    const key = await sessionKey(await db());
    const otherKey = Buffer.alloc(32, 7);
    const [body, signature] = cookieA.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${Buffer.from(JSON.stringify({ ...claims, sub: studentB })).toString('base64url')}.${signature}`;
    const promoted = `${Buffer.from(JSON.stringify({ ...claims, role: 'instructor' })).toString('base64url')}.${signature}`;
    const expired = signSession(key, { role: 'student', sub: studentA }, Date.now() - SESSION_TTL_MS.student - 1000);
    for (const token of [signSession(otherKey, { role: 'student', sub: studentA }), tampered, promoted, expired, 'basura', `${cookieA}.x`, '']) {
      expect(await userFromToken(token)).toBeNull();
    }
    expect(await userFromToken(cookieA)).toMatchObject({ role: 'student', id: studentA, name: 'Ana' });

    const runId = await startAs(cookieA);
    expect((await eventsRoute.GET(new Request(`${BASE}/api/runs/${runId}/events`, withCookie(expired)), params(runId))).status).toBe(404);
    const refused = await runsRoute.POST(new Request(`${BASE}/api/runs`, withCookie(tampered, { method: 'POST', body: JSON.stringify(program) })));
    expect(refused.status).toBe(401);
    next.cookie = promoted;
    expect(await instructorActions.resetStudentLabAction(studentB)).toMatchObject({ ok: false });
    next.cookie = cookieA;
    await runActions.stopRun(runId);
  });
});

describe('los códigos de curso no se pueden adivinar a fuerza de intentos', () => {
  it('tras 10 códigos erróneos desde una dirección, ni el bueno entra hasta que pase la espera', async () => {
    const database = await db();
    for (let i = 0; i < 10; i++) {
      expect(await attemptJoin(database, { code: `ZZZZZZZ${i}`, name: 'Intruso', address: '10.0.0.9' })).toMatchObject({ ok: false, field: 'codigo' });
    }
    const blocked = await attemptJoin(database, { code: joinCode, name: 'Intruso', address: '10.0.0.9' });
    expect(blocked).toMatchObject({ ok: false, message: expect.stringMatching(/^Demasiados intentos con códigos incorrectos\. Espera 10 minutos/) });
    // Another address (another student in class) is not blocked.
    expect(await attemptJoin(database, { code: joinCode, name: 'Carla', address: '10.0.0.10' })).toMatchObject({ ok: true });
  });

  it('y rotar de dirección tampoco sirve: hay un tope para todo el servidor', async () => {
    const database = await db();
    for (let i = 0; i < 200; i++) await attemptJoin(database, { code: 'QQQQQQQQ', name: 'Bot', address: `10.1.${i >> 8}.${i & 255}` });
    expect(await attemptJoin(database, { code: joinCode, name: 'Bot', address: '10.2.0.1' })).toMatchObject({ ok: false, message: expect.stringMatching(/Demasiados intentos/) });
  });

  it('la contraseña de profesor también tiene tope', async () => {
    const database = await db();
    for (let i = 0; i < 5; i++) expect(await attemptInstructorLogin(database, { username: 'profe-test', password: `mala${i}`, address: '10.0.0.7' })).toMatchObject({ ok: false });
    expect(await attemptInstructorLogin(database, { username: 'profe-test', password: 'una contraseña larga', address: '10.0.0.7' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Demasiados intentos fallidos/),
    });
    expect(await attemptInstructorLogin(database, { username: 'profe-test', password: 'una contraseña larga', address: '10.0.0.8' })).toMatchObject({ ok: true });
  });

  it('la acción de unirse pone una cookie httpOnly firmada y vuelve a la página de origen (solo rutas propias)', async () => {
    const form = new FormData();
    form.set('codigo', joinCode.toLowerCase());
    form.set('nombre', 'Ana');
    form.set('siguiente', '//malvado.example/');
    expect(await sessionActions.joinCourseAction({}, form)).toEqual({ done: '/' });
    expect(await userFromToken(next.cookie)).toMatchObject({ role: 'student', id: studentA });
  });
});

describe('peticiones POST de otro origen se rechazan', () => {
  it('POST /api/runs y /stop con Origin ajeno: 403 antes de hacer nada', async () => {
    const foreign = { method: 'POST', body: JSON.stringify(program), headers: { origin: 'https://malvado.example' } };
    expect((await runsRoute.POST(new Request(`${BASE}/api/runs`, withCookie(cookieA, foreign)))).status).toBe(403);
    expect((await stopRoute.POST(new Request(`${BASE}/api/runs/x/stop`, withCookie(cookieA, foreign)), params('x'))).status).toBe(403);
    const same = { ...foreign, headers: { origin: 'http://localhost:3000' } };
    const ok = await runsRoute.POST(new Request(`${BASE}/api/runs`, withCookie(cookieA, same)));
    expect(ok.status).toBe(202);
    next.cookie = cookieA;
    await runActions.stopRun(((await ok.json()) as { runId: string }).runId);
  });
});

describe('cuota de ejecuciones por alumno', () => {
  it('una a la vez: la segunda espera «En cola» hasta que la primera termina', async () => {
    const first = await startAs(cookieB);
    const second = await startAs(cookieB);
    const { findRun } = await import('@/lib/runs/registry');
    const events: string[] = [];
    findRun(second)!.subscribe((e) => e.type === 'status' && events.push(e.message));
    expect(findRun(first)!.state).toBe('running');
    expect(findRun(second)!.state).toBe('queued');
    expect(events.at(-1)).toMatch(/^En cola: \d+ \(espera a que termine tu otra ejecución\) · empieza en (menos de 5 s|unos \d+ s|alrededor de 1 min|unos \d+ min)$/);
    next.cookie = cookieB;
    await runActions.stopRun(first);
    await vi.waitFor(() => expect(findRun(second)!.state).toBe('running'));
    await runActions.stopRun(second);
  });

  it('demasiadas seguidas: 429 con un mensaje claro en español', async () => {
    const { runsPerMinute } = await import('@/lib/runs/quota');
    const RUNS_PER_MINUTE = runsPerMinute();
    const started: string[] = [];
    next.cookie = cookieA;
    let last: Response | undefined;
    for (let i = 0; i <= RUNS_PER_MINUTE; i++) {
      last = await runsRoute.POST(new Request(`${BASE}/api/runs`, withCookie(cookieA, { method: 'POST', body: JSON.stringify(program) })));
      if (last.status === 202) {
        const id = ((await last.json()) as { runId: string }).runId;
        started.push(id);
        await runActions.stopRun(id); // keep the waiting line short: only the per-minute limit is tested
      }
    }
    expect(last!.status).toBe(429);
    expect(((await last!.json()) as { message: string }).message).toMatch(
      /^Has lanzado demasiadas ejecuciones seguidas \(máximo \d+ por minuto\)\. Espera \d+ segundos? y vuelve a intentarlo\.$/,
    );
    expect(started).toHaveLength(RUNS_PER_MINUTE);
  });
});

describe('el scheduler compartido de Airflow', () => {
  it('un alumno de un curso también envía al scheduler (su DAG se lee y se ejecuta aislado)', async () => {
    const schedulerActions = await import('@/app/runs/scheduler-actions');
    next.cookie = cookieA;
    const result = await schedulerActions.sendDagToScheduler({
      lesson: 'airflow/definicion-workflow',
      snippet: 'airflow/definicion-workflow/cinco-tareas-entre-una-primera-y-una-final',
      kind: 'airflow-dag',
      files: [{ name: 'dag.py', content: 'print(1)\n' }],
    });
    // No lab in this suite: the student reaches the sending itself, which says what is missing.
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/^El envío al scheduler no está configurado en este servidor/) });
  });

  it('un alumno no sigue ejecuciones del scheduler fuera de su espacio', async () => {
    const schedulerActions = await import('@/app/runs/scheduler-actions');
    next.cookie = cookieA;
    expect(await schedulerActions.dagRunState({ dagId: 'alumno__test_print_values', dagRunId: 'x' })).toEqual({ ok: false, message: 'Ejecución desconocida.' });
  });
});
