#!/usr/bin/env node
// Assembles libs/mpc/src/field/field.wat and libs/mpc/src/offline/gf2.wat into base64 TypeScript modules so the library loads the
// WebAssembly synchronously with no build step at run time. Run after editing the .wat file.
const fs = require('node:fs');
const path = require('node:path');

const AD = '(call $ad ';
const MM = '(call $mm ';
const MM_LOCALS = ['ma', 'mb', 'a0', 'a1', 'b0', 'b1', 'lo', 'mid', 's', 'rv', 'cv', 'cx', 'sa', 'sb', 'tv', 'tl']
  .map((n) => `(local $__${n} i64)`)
  .join(' ');

/** The body of $mm over the scratch locals, after the two operands were popped into $__ma, $__mb. */
const MM_BODY = `(local.set $__mb) (local.set $__ma)
      (local.set $__a0 (i64.and (local.get $__ma) (i64.const 0xFFFFFFFF)))
      (local.set $__a1 (i64.shr_u (local.get $__ma) (i64.const 32)))
      (local.set $__b0 (i64.and (local.get $__mb) (i64.const 0xFFFFFFFF)))
      (local.set $__b1 (i64.shr_u (local.get $__mb) (i64.const 32)))
      (local.set $__lo (i64.mul (local.get $__a0) (local.get $__b0)))
      (local.set $__mid (i64.add (i64.mul (local.get $__a1) (local.get $__b0)) (i64.mul (local.get $__a0) (local.get $__b1))))
      (local.set $__s (i64.add (i64.add (i64.shl (i64.mul (local.get $__a1) (local.get $__b1)) (i64.const 3)) (i64.shr_u (local.get $__mid) (i64.const 29)))
        (i64.add (i64.shl (i64.and (local.get $__mid) (i64.const 0x1FFFFFFF)) (i64.const 32))
          (i64.add (i64.and (local.get $__lo) (global.get $P)) (i64.shr_u (local.get $__lo) (i64.const 61))))))
      (local.set $__s (i64.add (i64.and (local.get $__s) (global.get $P)) (i64.shr_u (local.get $__s) (i64.const 61))))
      (i64.sub (local.get $__s) (select (global.get $P) (i64.const 0) (i64.ge_u (local.get $__s) (global.get $P))))`;

/** $mm's body up to its last fold, without the final conditional subtraction (the result is below 2^61 + 3). */
const MM_BODY_FOLDED = MM_BODY.slice(0, MM_BODY.lastIndexOf('\n')) + '\n      (local.get $__s)';

/** Replaces every (call NAME args…) by make(args), innermost-safe because args are kept verbatim. */
function expandCalls(text, prefix, make) {
  for (;;) {
    const start = text.indexOf(prefix);
    if (start < 0) return text;
    let depth = 0;
    let end = start;
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')' && --depth === 0) break;
    }
    text = text.slice(0, start) + make(text.slice(start + prefix.length, end)) + text.slice(end + 1);
  }
}

/** The two top-level S-expressions of an argument list. */
function splitArgs(args) {
  const out = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < args.length; i++) {
    const ch = args[i];
    if (ch === '(') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === ')' && --depth === 0) out.push(args.slice(start, i + 1));
  }
  if (out.length !== 2) throw new Error(`expected two operands in: ${args}`);
  return out;
}

/**
 * V8 does not inline small WebAssembly functions here, so $mm and $ad are expanded in place inside
 * the exported kernels. (call $mm X Y) becomes a block that evaluates X and Y onto the stack before
 * touching its scratch locals (so nested products are safe), then the body of $mm. (call $ad X Y)
 * becomes t − (t ≥ p ? p : 0) with t = X + Y in a scratch local, set only after X and Y are done.
 */
function inlineModAdd(wat) {
  const lines = wat.split('\n');
  const out = [];
  let inFunc = false;
  for (const line of lines) {
    out.push(line);
    if (/^\s*\(func \(export /.test(line)) {
      inFunc = true;
      out.push(`    (local $__t i64) ${MM_LOCALS}`);
    } else if (/^\s*\(func /.test(line)) {
      inFunc = false;
    }
    void inFunc;
  }
  // Only inside exported kernels: the helper definitions come first in the file and stay callable.
  const firstExport = out.findIndex((l) => /^\s*\(func \(export /.test(l));
  const head = out.slice(0, firstExport).join('\n');
  let body = out.slice(firstExport).join('\n');
  body = expandCalls(body, MM, (args) => `(block (result i64) ${args}\n      ${MM_BODY})`);
  // $mmr: a·b folded once but not fully reduced (≡ a·b mod p, below 2^61 + 3), for sums of products
  // that are reduced once at the end (with $cn).
  body = expandCalls(body, '(call $mmr ', (args) => `(block (result i64) ${args}\n      ${MM_BODY_FOLDED})`);
  // $red, $cn, $sb, $rot: each scratch local is set only after its operand is fully evaluated and
  // read before any other expansion could run, so nesting is safe — except a $sb whose second
  // operand holds another $sb (its first operand is already saved), which stays a call.
  body = expandCalls(body, '(call $red ', (x) => `(select (i64.const 0) (local.tee $__rv (i64.and ${x} (global.get $P))) (i64.eq (local.get $__rv) (global.get $P)))`);
  body = expandCalls(
    body,
    '(call $cn ',
    (x) =>
      `(i64.sub (local.tee $__cv (i64.add (i64.and (local.tee $__cx ${x}) (global.get $P)) (i64.shr_u (local.get $__cx) (i64.const 61)))) (select (global.get $P) (i64.const 0) (i64.ge_u (local.get $__cv) (global.get $P))))`,
  );
  body = expandCalls(body, '(call $rot ', (args) => {
    const [v, l] = splitArgs(args);
    return `(i64.and (i64.or (i64.shl (local.tee $__tv ${v}) (local.tee $__tl ${l})) (i64.shr_u (local.get $__tv) (i64.sub (i64.const 61) (local.get $__tl)))) (global.get $P))`;
  });
  body = expandCalls(body, '(call $sb ', (args) => {
    const [a, b] = splitArgs(args);
    if (b.includes('$sb')) return `(call $sb_ ${args})`;
    return `(i64.add (i64.sub (local.tee $__sa ${a}) (local.tee $__sb ${b})) (select (global.get $P) (i64.const 0) (i64.lt_u (local.get $__sa) (local.get $__sb))))`;
  }).replaceAll('(call $sb_ ', '(call $sb ');
  body = expandCalls(
    body,
    AD,
    (args) => `(i64.sub (local.tee $__t (i64.add ${args})) (select (global.get $P) (i64.const 0) (i64.ge_u (local.get $__t) (global.get $P))))`,
  );
  return `${head}\n${body}`;
}

function emit(dir, file, constName, wat) {
  const mod = wabt.parseWat(file, wat);
  mod.validate();
  const { buffer } = mod.toBinary({});
  const b64 = Buffer.from(buffer).toString('base64');
  const out = `// Generated by libs/mpc/scripts/build-wasm.js from ${file}; do not edit.\nexport const ${constName} =\n  '${b64}';\n`;
  fs.writeFileSync(path.join(dir, file.replace(/\.wat$/, '-wasm.generated.ts')), out);
  process.stdout.write(`${file}: ${buffer.length} bytes\n`);
}

let wabt;

async function main() {
  wabt = await require('wabt')();
  const src = path.join(__dirname, '..', 'src');
  const fieldDir = path.join(src, 'field');
  emit(fieldDir, 'field.wat', 'FIELD_WASM_BASE64', inlineModAdd(fs.readFileSync(path.join(fieldDir, 'field.wat'), 'utf8')));
  // The GF(2) kernels of the OT extension use SIMD (v128) and bulk memory; no inlining needed.
  const offlineDir = path.join(src, 'offline');
  emit(offlineDir, 'gf2.wat', 'GF2_WASM_BASE64', fs.readFileSync(path.join(offlineDir, 'gf2.wat'), 'utf8'));
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
