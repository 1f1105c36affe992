// A package's build: every TypeScript file under src/ (tests left out) turned into JavaScript under
// dist/, with its source map, and every other file under src/ copied beside it.
//
//   node ../../scripts/emit.ts          (a package's `build` script, run from the package folder)
//
// Each file is transpiled on its own (TypeScript's transpileModule): the workspace is written in
// erasable syntax with isolated modules, so a file's JavaScript never depends on another file's
// types, and the whole workspace is type-checked once, as one program, by `tsc -p tsconfig.json`.
// A per-package `tsc` emit loads every type its imports reach (Temporal, Fastify, Connect) and cost
// about 100 s of CPU for the workspace; this costs a few. No declarations are written: nothing
// reads them (the workspace resolves its packages' sources for types), except the published SDK,
// which builds with tsc and ships its .d.ts.
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = process.cwd();
const source = join(root, 'src');
const target = join(root, 'dist');

/** Kept in step with tsconfig.base.json: what changes the emitted JavaScript. */
const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2024,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: true,
};

const isTest = (name: string) => /\.test\.ts$/.test(name);
const isTypeScript = (name: string) => name.endsWith('.ts') && !name.endsWith('.d.ts');

function walk(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

rmSync(target, { recursive: true, force: true });
let emitted = 0;
for (const file of walk(source)) {
  const out = join(target, relative(source, file));
  mkdirSync(dirname(out), { recursive: true });
  if (!isTypeScript(file)) {
    copyFileSync(file, out);
    continue;
  }
  if (isTest(file)) continue;
  const js = out.replace(/\.ts$/, '.js');
  const result = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions, fileName: file, reportDiagnostics: true,
  });
  const problems = result.diagnostics ?? [];
  if (problems.length > 0) {
    throw new Error(`${relative(root, file)}: ${problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  }
  // The map names the source relative to itself, as tsc writes it.
  const map = JSON.parse(result.sourceMapText!) as { file: string; sources: string[] };
  map.file = basename(js);
  map.sources = [relative(dirname(js), file)];
  const code = result.outputText.replace(/\/\/# sourceMappingURL=.*\s*$/, `//# sourceMappingURL=${basename(js)}.map`);
  writeFileSync(js, code);
  writeFileSync(`${js}.map`, JSON.stringify(map));
  emitted += 1;
}
process.stdout.write(`emit: ${emitted} files from src/ to dist/\n`);
