import ts from 'typescript';

/**
 * How a student file is run. kafkajs's own documentation writes CommonJS
 * (`const { Kafka } = require('kafkajs')`, then `run().catch(console.error)`), its getting
 * started page even mixes `require` with top-level `await`; the lessons write ES modules.
 * Both run unchanged:
 * - `esm`: the file has `import`/`export`, top-level `await` or `import.meta`, or no module
 *   syntax at all. Emitted as `.mjs`; a free `require`, `__filename` or `__dirname` is given
 *   to it (see {@link commonJsGlobalsUsed}), as Node gives them to CommonJS.
 * - `commonjs`: otherwise, when it uses `require`, `module.exports` or `exports`. Emitted as
 *   `.cjs`, where those are Node's own and a sibling can `require` it.
 */
export type ModuleStyle = 'esm' | 'commonjs';

/** The CommonJS module-scope names an ES module file may use; Node defines none of them there. */
export const COMMONJS_GLOBALS = ['require', '__filename', '__dirname'] as const;
export type CommonJsGlobal = (typeof COMMONJS_GLOBALS)[number];

interface Scan {
  esm: boolean;
  commonJs: boolean;
  /** Names used as free identifiers (neither declared in the file nor a property name). */
  used: Set<string>;
  declared: Set<string>;
}

const WATCHED = new Set<string>([...COMMONJS_GLOBALS, 'module', 'exports']);

function scan(file: ts.SourceFile): Scan {
  const result: Scan = { esm: false, commonJs: false, used: new Set(), declared: new Set() };
  // Parents are passed down: a transformer's source file may not have them set.
  const visit = (node: ts.Node, parent: ts.Node, inFunction: boolean): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isExportAssignment(node)) result.esm = true;
    if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) result.esm = true;
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) result.esm = true;
    if (!inFunction && (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier))) result.esm = true;
    if (ts.isIdentifier(node) && WATCHED.has(node.text)) noteIdentifier(node, parent, result);
    const nested = inFunction || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
    ts.forEachChild(node, (child) => visit(child, node, nested));
  };
  visit(file, file, false);
  const uses = (name: string) => result.used.has(name) && !result.declared.has(name);
  result.commonJs = uses('require') || uses('module') || uses('exports');
  return result;
}

function noteIdentifier(node: ts.Identifier, parent: ts.Node, result: Scan): void {
  const isName = (p: ts.Node & { name?: ts.Node }) => p.name === node;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return; // x.require
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && isName(parent)) return;
  if (
    (ts.isVariableDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isFunctionDeclaration(parent) ||
      ts.isClassDeclaration(parent) ||
      ts.isBindingElement(parent) ||
      ts.isImportSpecifier(parent) ||
      ts.isImportClause(parent) ||
      ts.isNamespaceImport(parent)) &&
    isName(parent)
  ) {
    result.declared.add(node.text);
    return;
  }
  result.used.add(node.text);
}

const styles = new WeakMap<ts.SourceFile, Scan>();

function scanned(file: ts.SourceFile): Scan {
  let hit = styles.get(file);
  if (!hit) styles.set(file, (hit = scan(file)));
  return hit;
}

/** The style a file runs in (see {@link ModuleStyle}). */
export function moduleStyleOf(source: string, fileName: string): ModuleStyle {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const { esm, commonJs } = scanned(file);
  return !esm && commonJs ? 'commonjs' : 'esm';
}

/** Which CommonJS module-scope names an ES module file uses without declaring them. */
export function commonJsGlobalsUsed(file: ts.SourceFile): CommonJsGlobal[] {
  const { used, declared } = scanned(file);
  return COMMONJS_GLOBALS.filter((name) => used.has(name) && !declared.has(name));
}
