import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { kafkajsDeclarations } from './kafkajs-types';

/** The editor's semantic errors for a student file, with the declarations Monaco gets. */
function editorErrors(source: string): string[] {
  const files = new Map([
    ['/kafkajs.d.ts', kafkajsDeclarations()],
    ['/producer.ts', source],
  ]);
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, strict: true, lib: ['lib.esnext.d.ts'], noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => (files.has(name) ? ts.createSourceFile(name, files.get(name)!, version) : read(name, version));
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile('/producer.ts')).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('los tipos de kafkajs del editor', () => {
  it('el alumno pega un ejemplo CommonJS de kafkajs y el editor no marca require, y lo tipa', () => {
    const source = `const { Kafka } = require('kafkajs')
const kafka = new Kafka({ clientId: 'my-app', brokers: (process.env.KAFKA_BROKERS ?? '').split(',') })
const producer = kafka.producer()
const run = async () => {
  await producer.connect()
  await producer.send({ topic: 'test-topic', messages: [{ value: 'Hello KafkaJS user!' }] })
}
run().catch(console.error)
process.once('SIGTERM', () => process.exit(0))
`;
    expect(editorErrors(source)).toEqual([]);
    expect(editorErrors(`${source}producer.sendd()\n`).join('\n')).toMatch(/sendd/); // typed, not any
  });

  it('los ejemplos de las lecciones, módulos ES, siguen sin errores', () => {
    expect(editorErrors("import { Kafka, logLevel } from 'kafkajs'\nconst kafka = new Kafka({ brokers: ['b:9092'], logLevel: logLevel.WARN })\nawait kafka.admin().connect()\n")).toEqual([]);
  });
});
