import ts from 'typescript';
import { outputNameFor, type SnippetFile } from './input';
import { commonJsGlobalsUsed, moduleStyleOf, type CommonJsGlobal, type ModuleStyle } from './module-style';

/** A syntax error located in the student's own file (1-based line and column). */
export interface SnippetDiagnostic {
  file: string;
  line: number;
  column: number;
  /** Spanish, from TypeScript's own `es` translations. */
  message: string;
}

export interface TranspiledSnippet {
  /** Module text (ES module or CommonJS, see {@link ModuleStyle}) with an inline source map (sources: the bare TS file name). */
  js: string;
  style: ModuleStyle;
  /** The decoded source map, for mapping stacks on the server when needed. */
  sourceMap: RawSourceMap;
  diagnostics: SnippetDiagnostic[];
}

export interface RawSourceMap {
  version: number;
  sources: string[];
  mappings: string;
  sourcesContent?: string[];
}

// Diagnostic texts come from a process-wide table in the typescript module; this server only
// uses TypeScript for snippets, so switching it to Spanish once is the simplest correct choice.
ts.validateLocaleAndSetLanguage('es', ts.sys);

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext, // top-level await; files are written as .mjs (CommonJS ones as .cjs)
  target: ts.ScriptTarget.ES2022,
  inlineSourceMap: true, // node --enable-source-maps then prints the student's TS lines
  inlineSources: true, // lets node show the offending TS line above the error
  sourceRoot: '',
  removeComments: false,
};

/**
 * Transpiles one student file (syntax only: types are the editor's business), as an ES module
 * or as CommonJS (see {@link ModuleStyle}). Relative imports and requires of sibling files
 * (`./util`, `./util.ts`, `./util.js`) are rewritten to their output (`./util.mjs`).
 * @param siblings the run's files: their names (each then taken as an ES module) or each name
 *   with its output name, as {@link compileSnippet} gives them.
 */
export function transpileSnippet(source: string, fileName: string, siblings: readonly string[] | ReadonlyMap<string, string> = []): TranspiledSnippet {
  const outputs = Array.isArray(siblings) ? siblings.map((name) => [name, outputNameFor(name)] as const) : [...(siblings as ReadonlyMap<string, string>)];
  const known = new Map(outputs.map(([name, output]) => [baseName(name), output]));
  const style = moduleStyleOf(source, fileName);
  const result = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: { ...COMPILER_OPTIONS, module: style === 'commonjs' ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext },
    transformers: { before: style === 'esm' ? [rewriteRelativeImports(known), provideCommonJsGlobals] : [rewriteRelativeImports(known)] },
  });
  const diagnostics = (result.diagnostics ?? []).map((d) => toSnippetDiagnostic(d, fileName));
  return { js: result.outputText, style, sourceMap: readInlineMap(result.outputText), diagnostics };
}

export interface CompiledFile {
  /** Name inside /sandbox, e.g. `producer.mjs`. */
  name: string;
  js: string;
  /** The student's file name, e.g. `producer.ts`. */
  source: string;
  sourceMap: RawSourceMap;
}

/** Transpiles every file of a submission; diagnostics of all files, in file order. */
export function compileSnippet(files: readonly SnippetFile[]): {
  files: CompiledFile[];
  diagnostics: SnippetDiagnostic[];
} {
  const outputs = new Map(files.map((f) => [f.name, outputNameFor(f.name, moduleStyleOf(f.content, f.name))]));
  const compiled: CompiledFile[] = [];
  const diagnostics: SnippetDiagnostic[] = [];
  for (const file of files) {
    const out = transpileSnippet(file.content, file.name, outputs);
    diagnostics.push(...out.diagnostics);
    compiled.push({ name: outputs.get(file.name)!, js: out.js, source: file.name, sourceMap: out.sourceMap });
  }
  return { files: compiled, diagnostics };
}

function toSnippetDiagnostic(d: ts.Diagnostic, fileName: string): SnippetDiagnostic {
  const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
  return {
    file: fileName,
    line: pos.line + 1,
    column: pos.character + 1,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  };
}

function baseName(name: string): string {
  return name.replace(/\.(ts|mts|cts|js|mjs|cjs)$/, '');
}

/**
 * Gives an ES module file the CommonJS names it uses (`const { Kafka } = require('kafkajs')`
 * pasted into a file with top-level `await`), as Node would inside CommonJS. The statements are
 * synthesized, without source positions, so the student's lines keep their numbers.
 */
const provideCommonJsGlobals: ts.TransformerFactory<ts.SourceFile> = (ctx) => (file) => {
  const used = commonJsGlobalsUsed(file);
  if (used.length === 0) return file;
  const f = ctx.factory;
  const importNamed = (name: string, local: string, from: string) =>
    f.createImportDeclaration(
      undefined,
      f.createImportClause(false, undefined, f.createNamedImports([f.createImportSpecifier(false, f.createIdentifier(name), f.createIdentifier(local))])),
      f.createStringLiteral(from),
    );
  const constant = (name: string, value: ts.Expression) =>
    f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], ts.NodeFlags.Const));
  const metaUrl = f.createPropertyAccessExpression(f.createMetaProperty(ts.SyntaxKind.ImportKeyword, f.createIdentifier('meta')), 'url');
  const call = (fn: string, ...args: ts.Expression[]) => f.createCallExpression(f.createIdentifier(fn), undefined, args);
  const needs = (name: CommonJsGlobal) => used.includes(name);
  const prelude: ts.Statement[] = [];
  if (needs('require')) prelude.push(importNamed('createRequire', '__cauceCreateRequire', 'node:module'), constant('require', call('__cauceCreateRequire', metaUrl)));
  if (needs('__filename') || needs('__dirname')) prelude.push(importNamed('fileURLToPath', '__cauceFileURLToPath', 'node:url'));
  if (needs('__filename')) prelude.push(constant('__filename', call('__cauceFileURLToPath', metaUrl)));
  if (needs('__dirname')) {
    const folder = f.createNewExpression(f.createIdentifier('URL'), undefined, [f.createStringLiteral('.'), metaUrl]);
    prelude.push(constant('__dirname', call('__cauceFileURLToPath', folder)));
  }
  return f.updateSourceFile(file, [...prelude, ...file.statements]);
};

function rewriteRelativeImports(known: Map<string, string>): ts.TransformerFactory<ts.SourceFile> {
  return (ctx) => {
    const target = (spec: ts.Expression | undefined): ts.StringLiteral | undefined => {
      if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('./')) return undefined;
      const out = known.get(baseName(spec.text.slice(2)));
      return out ? ctx.factory.createStringLiteral(`./${out}`) : undefined;
    };
    // Swaps exactly the specifier child, so the rest of the node keeps its source positions.
    const replaceChild = <T extends ts.Node>(node: T, spec: ts.Expression | undefined): T => {
      const next = target(spec);
      return next ? ts.visitEachChild(node, (child) => (child === spec ? next : child), ctx) : node;
    };
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return replaceChild(node, node.moduleSpecifier);
      const isRequire = (e: ts.Expression) => ts.isIdentifier(e) && e.text === 'require';
      if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(node.expression))) {
        const visited = ts.visitEachChild(node, visit, ctx);
        return replaceChild(visited, visited.arguments[0]);
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return (file) => ts.visitNode(file, visit) as ts.SourceFile;
  };
}

function readInlineMap(js: string): RawSourceMap {
  const match = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
  if (!match?.[1]) return { version: 3, sources: [], mappings: '' };
  return JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as RawSourceMap;
}
