/**
 * `hdfs dfs`, `hdfs fsck` and `yarn jar` typed in a shell example, through the run path, in the
 * real sandbox against a real Hadoop (its own state folder and port block, the lab's jars): the
 * real client over webhdfs://, the relay imposing the run's student, jobs through the trusted
 * gateway. No skip: without root, bubblewrap, Java or the jars the first step fails, saying so.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HadoopCluster } from '@/lab/hadoop/cluster';
import { hadoopPaths } from '@/lab/hadoop/paths';
import { freePortBlock } from '@/lab/hadoop/test-helpers';
import { Supervisor } from '@/lab/supervisor';
import { lessonCode } from '@/e2e/lesson-code';
import { SHELL_TMPFS_MB } from '@/lib/limits';
import { SandboxHost } from '@/lib/sandbox/host';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { Run } from '../run';
import type { RunEvent } from '../schema';
import { executeShellSnippet } from './execute';

const MINUTE = 60_000;
const LESSON = 'hadoop/primeras-pruebas';
const host = new SandboxHost({ firstUid: 62_400, concurrency: 1, root: '/run/cauce-sandbox-test-hadoop', tmpfsMb: SHELL_TMPFS_MB });
const ENV_KEYS = ['CAUCE_LAB_DIR', 'CAUCE_HADOOP_MODE', 'CAUCE_HADOOP_NAMENODE_URL', 'CAUCE_HADOOP_RM_URL'] as const;

async function execute(student: string, content: string, example = 'subir-un-archivo-a-hdfs'): Promise<RunEvent[]> {
  const run = new Run({ lesson: LESSON, snippet: `${LESSON}/${example}`, kind: 'shell', files: [{ name: 'prueba.sh', content }] }, { student });
  await executeShellSnippet(run, host);
  return [...run.history()];
}
const of = <T extends RunEvent['type']>(events: RunEvent[], type: T) => events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
const text = (events: RunEvent[], stream: 'stdout' | 'stderr') =>
  of(events, stream)
    .map((e) => e.text)
    .join('\n');
const exitOf = (events: RunEvent[]) => of(events, 'exit')[0];

describe('hdfs, yarn y mapred en un ejemplo shell, como el alumno', () => {
  let dir: string;
  let cluster: HadoopCluster;
  let supervisor: Supervisor;
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

  beforeAll(async () => {
    assertSandboxPrerequisites();
    const libs = hadoopPaths().libsDir;
    if (!existsSync(join(libs, 'hadoop-common-3.4.2.jar'))) throw new Error(`Faltan los jars de Hadoop en ${libs}: npx tsx lab/cli.ts prepare-hadoop`);
    dir = mkdtempSync(join(tmpdir(), 'cauce-hadoop-shell-'));
    chmodSync(dir, 0o755); // the sandbox's uid reads the client folder under it
    mkdirSync(join(dir, 'hadoop'));
    symlinkSync(libs, join(dir, 'hadoop', 'libs'));
    cluster = new HadoopCluster({ port: await freePortBlock(), stateDir: join(dir, 'hadoop'), libsDir: libs });
    await cluster.prepare();
    supervisor = new Supervisor(cluster, { log: () => undefined, healthTimeoutMs: 3 * MINUTE });
    await supervisor.start();
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    Object.assign(process.env, {
      CAUCE_LAB_DIR: dir,
      CAUCE_HADOOP_MODE: 'embedded',
      CAUCE_HADOOP_NAMENODE_URL: cluster.endpoints.namenodeUrl,
      CAUCE_HADOOP_RM_URL: cluster.endpoints.resourcemanagerUrl,
    });
    await cluster.webHdfs.ensureHome('bea');
  }, 6 * MINUTE);

  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    host.relays.close();
    await supervisor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, MINUTE);

  it('el alumno sube y lista un archivo con hdfs dfs desde la lección: queda en su hogar y es suyo', { timeout: 2 * MINUTE }, async () => {
    const events = await execute('ana', lessonCode('primeras-pruebas', 'subir.sh'));
    expect(exitOf(events), text(events, 'stderr')).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(text(events, 'stdout')).toMatch(/-rw-r--r-- +1 ana +ana +\d+ .* pruebas\/quijote\.txt/);
    expect(text(events, 'stdout')).toContain('hadoop guarda bloques');
    expect(await cluster.webHdfs.status('/user/ana/pruebas/quijote.txt')).toMatchObject({ owner: 'ana' });
  });

  it('el JVM del cliente arranca en el sandbox con solo su JDK montado (no la carpeta de al lado)', { timeout: MINUTE }, async () => {
    const events = await execute('ana', 'hdfs version\necho ---\nls "$(dirname "$JAVA_HOME")"\necho ---\nbasename "$JAVA_HOME"');
    expect(exitOf(events), text(events, 'stderr')).toMatchObject({ reason: 'finished', exitCode: 0 });
    const [version, parent, jdk] = text(events, 'stdout').split('\n---\n');
    expect(version).toContain('Hadoop 3.4.2');
    expect(parent?.trim()).toBe(jdk?.trim());
  });

  it('HADOOP_USER_NAME, user.name y doas falsificados no cambian quién es: sigue siendo ana', { timeout: 2 * MINUTE }, async () => {
    const events = await execute(
      'ana',
      [
        'echo falsificado > /tmp/f.txt',
        'HADOOP_USER_NAME=root hdfs dfs -put -f /tmp/f.txt /user/ana/root.txt',
        'HADOOP_USER_NAME=bea hdfs dfs -D hadoop.user.name=bea -put -f /tmp/f.txt /user/bea/intruso.txt; echo "put-bea $?"',
        'curl -s "http://$CAUCE_HADOOP_NAMENODE/webhdfs/v1/user/bea?op=LISTSTATUS&user.name=bea"; echo',
        'curl -s "http://$CAUCE_HADOOP_NAMENODE/webhdfs/v1/user/bea?op=LISTSTATUS&USER.NAME=root&doas=bea"; echo',
        'curl -s "http://$CAUCE_HADOOP_NAMENODE/webhdfs/v1/?op=GETDELEGATIONTOKEN"; echo',
      ].join('\n'),
    );
    expect(await cluster.webHdfs.status('/user/ana/root.txt')).toMatchObject({ owner: 'ana' });
    expect(await cluster.webHdfs.status('/user/bea/intruso.txt')).toBeUndefined();
    const stdout = text(events, 'stdout');
    expect(stdout).toMatch(/put-bea [1-9]/);
    expect(stdout).toContain('Permission denied: user=ana');
    expect(stdout).toContain('el parámetro doas no se permite desde el sandbox');
    expect(stdout).toContain('la operación GETDELEGATIONTOKEN no se permite desde el sandbox');
  });

  it('el hogar de otro alumno se rechaza, con una explicación en español', { timeout: 2 * MINUTE }, async () => {
    const events = await execute('ana', 'hdfs dfs -ls /user/bea');
    expect(exitOf(events)).toMatchObject({ reason: 'failed', exitCode: 1 });
    expect(text(events, 'stderr')).toContain('Permission denied: user=ana, access=READ_EXECUTE, inode="/user/bea"');
    const notices = of(events, 'notice').map((e) => e.message);
    expect(notices.join('\n')).toContain('HDFS ha denegado el acceso: eres «ana» y «/user/bea» no es tuyo');
  });

  it('hdfs fsck muestra los bloques, la replicación y el DataNode del archivo, como el alumno', { timeout: 2 * MINUTE }, async () => {
    const events = await execute('ana', lessonCode('primeras-pruebas', 'bloques.sh'), 'ver-los-bloques-de-un-archivo');
    const stdout = text(events, 'stdout');
    expect(exitOf(events), `${stdout}\n${text(events, 'stderr')}`).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(stdout).toContain('FSCK started by ana');
    expect(stdout).toMatch(/\/user\/ana\/pruebas\/quijote\.txt \d+ bytes, replicated: replication=1, 1 block\(s\)/);
    expect(stdout).toMatch(/DatanodeInfoWithStorage\[127\.0\.0\.1:\d+/);
    expect(stdout).toContain("The filesystem under path '/user/ana/pruebas/quijote.txt' is HEALTHY");
    const other = await execute('ana', 'hdfs fsck /user/bea -files; hdfs fsck /user/ana -delete', 'ver-los-bloques-de-un-archivo');
    expect(text(other, 'stdout')).not.toContain('is HEALTHY');
    expect(text(other, 'stderr')).toContain('fsck: -delete modifica el sistema de archivos');
  });

  it('yarn jar con un jar que no es el de ejemplos se rechaza en español; nada llega a YARN', { timeout: 2 * MINUTE }, async () => {
    const events = await execute('ana', 'echo x > /tmp/mio.jar\nyarn jar /tmp/mio.jar wordcount entrada salida', 'contar-palabras-con-mapreduce');
    expect(exitOf(events)).toMatchObject({ reason: 'failed', exitCode: 1 });
    expect(text(events, 'stdout')).toContain('El laboratorio solo ejecuta en YARN los programas de ejemplo de Hadoop');
    expect(of(events, 'hadoop-job')).toEqual([]);
    const program = await execute('ana', 'hadoop jar $HADOOP_HOME/share/hadoop/mapreduce/hadoop-mapreduce-examples-3.4.2.jar sleep -m 1', 'contar-palabras-con-mapreduce');
    expect(text(program, 'stdout')).toContain('«sleep» no es uno de ellos');
    // The examples jar, but with the student's code or the node's files smuggled in: refused too.
    const jar = '$HADOOP_HOME/share/hadoop/mapreduce/hadoop-mapreduce-examples-3.4.2.jar';
    const smuggled = await execute(
      'ana',
      [
        `yarn jar ${jar} wordcount -libjars hdfs:///user/ana/mio.jar entrada salida`,
        `yarn jar ${jar} wordcount -Dmapreduce.map.env=LD_PRELOAD=/tmp/x.so entrada salida`,
        `yarn jar ${jar} wordcount file:///etc/shadow salida`,
        `yarn jar ${jar} teragen 100000000000 grande`,
      ].join('\n'),
      'contar-palabras-con-mapreduce',
    );
    const said = text(smuggled, 'stdout');
    expect(said).toContain('«-libjars»: las opciones genéricas de Hadoop');
    expect(said).toContain('«-Dmapreduce.map.env=LD_PRELOAD=/tmp/x.so»: las opciones genéricas');
    expect(said).toContain('«file:///etc/shadow»: en el laboratorio los trabajos solo leen y escriben rutas de HDFS');
    expect(said).toContain('teragen: como mucho 1.000.000 filas');
    expect(of(smuggled, 'hadoop-job')).toEqual([]);
  });

  it(
    'el wordcount de la lección corre en YARN como el alumno: su progreso llega como evento y sus cuentas son correctas; otro alumno también puede',
    { timeout: 6 * MINUTE },
    async () => {
      const events = await execute('ana', lessonCode('primeras-pruebas', 'wordcount.sh'), 'contar-palabras-con-mapreduce');
      const stdout = text(events, 'stdout');
      expect(exitOf(events), stdout.slice(-2000)).toMatchObject({ reason: 'finished', exitCode: 0 });
      expect(stdout).toMatch(/map 100% reduce 100%/);
      expect(stdout).toContain('bloques\t1\nguarda\t1\nhadoop\t2\nhdfs\t1\nhola\t2');
      const jobs = of(events, 'hadoop-job');
      expect(jobs.at(-1)).toMatchObject({ program: 'wordcount', map: 100, reduce: 100, state: 'succeeded', jobId: expect.stringMatching(/^job_\d+_\d+$/) });
      expect(jobs.some((j) => j.state === 'running')).toBe(true);
      expect(await cluster.webHdfs.status('/user/ana/salida/part-r-00000')).toMatchObject({ owner: 'ana' });
      const jobId = jobs.at(-1)!.jobId!;
      const listed = await execute('ana', `yarn application -list -appStates ALL\nmapred job -status ${jobId}`, 'contar-palabras-con-mapreduce');
      const out = text(listed, 'stdout');
      expect(out).toMatch(/Total number of applications .*:1/);
      expect(out).toContain(`${jobId.replace('job_', 'application_')}\tword count\tMAPREDUCE\tana`);
      expect(out).toContain('Final-State : SUCCEEDED');
      // bea sees none of ana's applications, and her own wordcount runs too (the staging area is
      // the lab's, 1777: not left to the first student who submitted a job).
      const other = await execute('bea', 'yarn application -list -appStates ALL', 'contar-palabras-con-mapreduce');
      expect(text(other, 'stdout')).toMatch(/Total number of applications .*:0/);
      // ana cannot take bea's place in it first (the relay refuses any change under /tmp/hadoop-yarn).
      const squat = await execute(
        'ana',
        'hdfs dfs -mkdir -p /tmp/hadoop-yarn/staging/bea/.staging; echo "mkdir $?"\nhdfs dfs -mkdir /tmp//hadoop-yarn/staging/history/done_intermediate/bea; echo "mkdir $?"',
        'contar-palabras-con-mapreduce',
      );
      expect(text(squat, 'stdout')).toMatch(/mkdir [1-9]\nmkdir [1-9]/);
      expect(text(squat, 'stderr')).toContain('es de los trabajos de MapReduce que lanza el laboratorio');
      expect(await cluster.webHdfs.status('/tmp/hadoop-yarn/staging/bea')).toBeUndefined();
      const second = await execute('bea', lessonCode('primeras-pruebas', 'wordcount.sh'), 'contar-palabras-con-mapreduce');
      expect(exitOf(second), text(second, 'stdout').slice(-2000)).toMatchObject({ reason: 'finished', exitCode: 0 });
      expect(text(second, 'stdout')).toContain('hadoop\t2\nhdfs\t1\nhola\t2');
      expect(await cluster.webHdfs.status('/user/bea/salida/part-r-00000')).toMatchObject({ owner: 'bea' });
    },
  );

  it('hdfs fsck de / no enseña los archivos de otro alumno', { timeout: MINUTE }, async () => {
    const events = await execute('ana', 'hdfs fsck / -files -blocks', 'ver-los-bloques-de-un-archivo');
    const said = `${text(events, 'stdout')}\n${text(events, 'stderr')}`;
    expect(await cluster.webHdfs.status('/user/bea/salida/part-r-00000')).toMatchObject({ owner: 'bea' });
    expect(said).not.toContain('/user/bea/salida');
  });

  it('Detener durante un wordcount para el cliente y mata la aplicación en YARN', { timeout: 3 * MINUTE }, async () => {
    const run = new Run(
      {
        lesson: LESSON,
        snippet: `${LESSON}/contar-palabras-con-mapreduce`,
        kind: 'shell',
        files: [{ name: 'wc.sh', content: lessonCode('primeras-pruebas', 'wordcount.sh').replaceAll('salida', 'salida-detenida') }],
      },
      { student: 'ana' },
    );
    const running = executeShellSnippet(run, host);
    let jobId: string | undefined;
    while (!jobId) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      jobId = of([...run.history()], 'hadoop-job').find((e) => e.jobId)?.jobId;
      if (of([...run.history()], 'exit').length > 0) throw new Error('the run ended before its job started');
    }
    run.abort.abort();
    await running;
    expect(exitOf([...run.history()])).toMatchObject({ reason: 'stopped' });
    const appId = jobId.replace('job_', 'application_');
    let state = '';
    for (let i = 0; i < 60 && state !== 'KILLED'; i += 1) {
      const response = await fetch(`${cluster.endpoints.resourcemanagerUrl}/ws/v1/cluster/apps/${appId}`);
      state = ((await response.json()) as { app: { state: string } }).app.state;
      if (state !== 'KILLED') await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(state).toBe('KILLED');
  });

  it('sin Hadoop propio en el sitio, un ejemplo de Hadoop termina con un mensaje claro en español', { timeout: MINUTE }, async () => {
    process.env.CAUCE_HADOOP_MODE = 'external';
    try {
      const events = await execute('ana', 'hdfs dfs -ls');
      expect(exitOf(events)).toMatchObject({ reason: 'lab-unavailable' });
      expect(exitOf(events)?.message).toMatch(/usa el Hadoop del laboratorio/);
    } finally {
      process.env.CAUCE_HADOOP_MODE = 'embedded';
    }
  });
});
