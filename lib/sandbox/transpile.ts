import ts from 'typescript';
import { outputNameFor, type SnippetFile } from './input';

/** A syntax error located in the student's own file (1-based line and column). */
export interface SnippetDiagnostic {
  file: string;
  line: number;
  column: number;
  /** Spanish, from TypeScript's own `es` translations. */
  message: string;
}

export interface TranspiledSnippet {
  /** ES module text with an inline source map (sources: the bare TS file name). */
  js: string;
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
  module: ts.ModuleKind.ESNext, // top-level await; files are written as .mjs
  target: ts.ScriptTarget.ES2022,
  inlineSourceMap: true, // node --enable-source-maps then prints the student's TS lines
  inlineSources: true, // lets node show the offending TS line above the error
  sourceRoot: '',
  removeComments: false,
};

/**
 * Transpiles one student file (syntax only: types are the editor's business). Relative imports
 * of sibling files (`./util`, `./util.ts`, `./util.js`) are rewritten to their `.mjs` output.
 */
export function transpileSnippet(source: string, fileName: string, siblings: readonly string[] = []): TranspiledSnippet {
  const known = new Map(siblings.map((name) => [baseName(name), outputNameFor(name)]));
  const result = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: COMPILER_OPTIONS,
    transformers: { before: [rewriteRelativeImports(known)] },
  });
  const diagnostics = (result.diagnostics ?? []).map((d) => toSnippetDiagnostic(d, fileName));
  return { js: result.outputText, sourceMap: readInlineMap(result.outputText), diagnostics };
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
  const names = files.map((f) => f.name);
  const compiled: CompiledFile[] = [];
  const diagnostics: SnippetDiagnostic[] = [];
  for (const file of files) {
    const out = transpileSnippet(file.content, file.name, names);
    diagnostics.push(...out.diagnostics);
    compiled.push({ name: outputNameFor(file.name), js: out.js, source: file.name, sourceMap: out.sourceMap });
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
  return name.replace(/\.(ts|mts|js|mjs)$/, '');
}

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
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
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
