// The import graph between the folders of src/: which folder imports which, how often, whether
// only types cross (an arrow erased at compile time still couples the layers), every cycle, and
// the arrows a layer must never draw. Exits 1 on a cycle or a forbidden arrow.
//   node scripts/import-graph.mjs [root=src]
// A file directly under the root counts as the folder `(root)`. Whether an import is type-only
// is what the compiler decides: TypeScript's own transpiler drops the imports used only as types,
// so an import present in the source and absent from the transpiled output is type-only.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The layer rules no cycle check sees (a one-way arrow can be wrong too): [from, to, why].
export const FORBIDDEN = [
  ['services', 'admin', 'the consumer owns the port: services/ declares what it needs, admin/ implements it'],
];

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;

function sourceFiles(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (SOURCE.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function specifiers(fileName, text) {
  const found = new Set();
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.add(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.add(node.argument.literal.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true));
  return found;
}

function resolveLocal(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(js|mjs|ts)$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** File-level imports of the tree under `root`: { from, to, typeOnly } with paths relative to root. */
export function fileImports(root) {
  const absRoot = resolve(root);
  const imports = [];
  for (const file of sourceFiles(absRoot)) {
    const text = readFileSync(file, 'utf8');
    const all = specifiers(file, text);
    const emitted = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    const values = specifiers(file.replace(SOURCE, '.js'), emitted);
    for (const spec of all) {
      const target = resolveLocal(file, spec);
      if (!target || !target.startsWith(absRoot + sep)) continue;
      imports.push({ from: relative(absRoot, file), to: relative(absRoot, target), typeOnly: !values.has(spec) });
    }
  }
  return imports;
}

export function folderOf(path) {
  const parts = path.split(sep);
  return parts.length === 1 ? '(root)' : parts[0];
}

/** Arrows between folders: key `from → to`, with the file imports that draw it. */
export function folderArrows(imports) {
  const arrows = new Map();
  for (const imp of imports) {
    const from = folderOf(imp.from);
    const to = folderOf(imp.to);
    if (from === to) continue;
    const key = `${from} → ${to}`;
    if (!arrows.has(key)) arrows.set(key, { from, to, imports: [] });
    arrows.get(key).imports.push(imp);
  }
  return [...arrows.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** Every elementary cycle of the folder graph, each starting at its smallest folder. */
export function folderCycles(arrows) {
  const next = new Map();
  for (const { from, to } of arrows) {
    if (!next.has(from)) next.set(from, []);
    next.get(from).push(to);
  }
  const nodes = [...new Set(arrows.flatMap((a) => [a.from, a.to]))].sort();
  const cycles = [];
  for (const start of nodes) {
    // Only paths through folders after `start`: each cycle is found once, from its smallest folder.
    const walk = (node, path) => {
      for (const to of next.get(node) ?? []) {
        if (to === start) cycles.push([...path, start]);
        else if (to > start && !path.includes(to)) walk(to, [...path, to]);
      }
    };
    walk(start, [start]);
  }
  return cycles;
}

export function analyse(root) {
  const imports = fileImports(root);
  const arrows = folderArrows(imports);
  const byKey = new Map(arrows.map((a) => [`${a.from} → ${a.to}`, a]));
  const cycles = folderCycles(arrows).map((folders) => {
    const steps = folders.slice(1).map((to, i) => byKey.get(`${folders[i]} → ${to}`));
    return { folders, typeOnly: steps.some((s) => s.imports.every((imp) => imp.typeOnly)), steps };
  });
  const forbidden = FORBIDDEN.flatMap(([from, to, why]) => {
    const arrow = byKey.get(`${from} → ${to}`);
    return arrow ? [{ arrow, why }] : [];
  });
  const files = new Map();
  for (const imp of imports) for (const f of [imp.from, imp.to]) files.set(f, folderOf(f));
  return { imports, arrows, cycles, forbidden, files };
}

function count(arrow) {
  const types = arrow.imports.filter((imp) => imp.typeOnly).length;
  const all = arrow.imports.length;
  return types === all ? `${all} (type-only)` : types > 0 ? `${all} (${types} type-only)` : `${all}`;
}

function listing(arrow) {
  return arrow.imports.map((imp) => `    ${imp.from} → ${imp.to}${imp.typeOnly ? ' (type)' : ''}`).join('\n');
}

export function report({ arrows, cycles, forbidden }, root) {
  const absRoot = resolve(root);
  const sizes = new Map();
  for (const file of sourceFiles(absRoot)) {
    const folder = folderOf(relative(absRoot, file));
    sizes.set(folder, (sizes.get(folder) ?? 0) + 1);
  }
  const width = Math.max(...arrows.map((a) => `${a.from} → ${a.to}`.length), 0);
  const lines = [`folders of ${root}/ (files):`];
  lines.push(`  ${[...sizes].sort(([a], [b]) => a.localeCompare(b)).map(([f, n]) => `${f} ${n}`).join(', ')}`);
  lines.push('arrows (imports; a type-only arrow is erased at compile time but still couples the folders):');
  for (const a of arrows) lines.push(`  ${`${a.from} → ${a.to}`.padEnd(width)}  ${count(a)}`);
  if (cycles.length === 0) lines.push('cycles: none');
  else {
    lines.push(`cycles: ${cycles.length}`);
    for (const c of cycles) lines.push(`  ${c.folders.join(' → ')}  [${c.typeOnly ? 'type' : 'value'}]`);
    lines.push('arrows on a cycle, by file:');
    const onCycle = [...new Set(cycles.flatMap((c) => c.steps))].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    for (const step of onCycle) lines.push(`  ${step.from} → ${step.to}:`, listing(step));
  }
  if (forbidden.length === 0) lines.push('forbidden arrows: none');
  else {
    lines.push(`forbidden arrows: ${forbidden.length}`);
    for (const { arrow, why } of forbidden) lines.push(`  ${arrow.from} → ${arrow.to} (${why}):`, listing(arrow));
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'src';
  const result = analyse(root);
  process.stdout.write(`${report(result, root)}\n`);
  process.exit(result.cycles.length > 0 || result.forbidden.length > 0 ? 1 : 0);
}
