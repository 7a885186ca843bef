;; Vectorised arithmetic modulo the Mersenne prime p = 2^61 - 1 over u64 arrays in linear memory.
;; Every element is kept fully reduced in [0, p). Pointers are byte offsets; n is an element count.
;; Assembled by scripts/build-wasm.js into field-wasm.generated.ts (base64); edit this file, not that.
(module
  (memory (export "memory") 1)
  (global $P i64 (i64.const 0x1FFFFFFFFFFFFFFF))

  ;; a*b mod p for a, b < 2^61. Split into 32-bit halves: a = a1*2^32 + a0 (a1 < 2^29).
  ;; 2^64 = 8 (mod p) and 2^61 = 1 (mod p) fold the 122-bit product back below 2^63.
  (func $mm (param $a i64) (param $b i64) (result i64)
    (local $a0 i64) (local $a1 i64) (local $b0 i64) (local $b1 i64)
    (local $lo i64) (local $mid i64) (local $s i64)
    (local.set $a0 (i64.and (local.get $a) (i64.const 0xFFFFFFFF)))
    (local.set $a1 (i64.shr_u (local.get $a) (i64.const 32)))
    (local.set $b0 (i64.and (local.get $b) (i64.const 0xFFFFFFFF)))
    (local.set $b1 (i64.shr_u (local.get $b) (i64.const 32)))
    (local.set $lo (i64.mul (local.get $a0) (local.get $b0)))
    (local.set $mid (i64.add (i64.mul (local.get $a1) (local.get $b0)) (i64.mul (local.get $a0) (local.get $b1))))
    ;; s = 8*a1*b1 + (mid >> 29) + ((mid & (2^29-1)) << 32) + (lo & p) + (lo >> 61)
    (local.set $s
      (i64.add
        (i64.add
          (i64.shl (i64.mul (local.get $a1) (local.get $b1)) (i64.const 3))
          (i64.shr_u (local.get $mid) (i64.const 29)))
        (i64.add
          (i64.shl (i64.and (local.get $mid) (i64.const 0x1FFFFFFF)) (i64.const 32))
          (i64.add (i64.and (local.get $lo) (global.get $P)) (i64.shr_u (local.get $lo) (i64.const 61))))))
    (local.set $s (i64.add (i64.and (local.get $s) (global.get $P)) (i64.shr_u (local.get $s) (i64.const 61))))
    (select (i64.sub (local.get $s) (global.get $P)) (local.get $s) (i64.ge_u (local.get $s) (global.get $P))))

  (func $ad (param $a i64) (param $b i64) (result i64)
    (local $s i64)
    (local.set $s (i64.add (local.get $a) (local.get $b)))
    (select (i64.sub (local.get $s) (global.get $P)) (local.get $s) (i64.ge_u (local.get $s) (global.get $P))))

  (func $sb (param $a i64) (param $b i64) (result i64)
    (select (i64.sub (local.get $a) (local.get $b))
            (i64.sub (i64.add (local.get $a) (global.get $P)) (local.get $b))
            (i64.ge_u (local.get $a) (local.get $b))))

  (func (export "mulmod") (param $a i64) (param $b i64) (result i64)
    (call $mm (local.get $a) (local.get $b)))

  ;; o[i] = a[i] + b[i]
  (func (export "add") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $ad (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[i] = a[i] - b[i]
  (func (export "sub") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $sb (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[i] = a[i] * b[i]
  (func (export "mul") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $mm (i64.load (local.get $a)) (i64.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[i] = a[i] * c
  (func (export "mulc") (param $a i32) (param $c i64) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $mm (i64.load (local.get $a)) (local.get $c)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[i] = a[i] + c
  (func (export "addc") (param $a i32) (param $c i64) (param $o i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $ad (i64.load (local.get $a)) (local.get $c)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[i] += a[i] * c
  (func (export "axpy") (param $o i32) (param $a i32) (param $c i64) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $ad (i64.load (local.get $o)) (call $mm (i64.load (local.get $a)) (local.get $c))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; Beaver step: o[i] = c[i] + d[i]*b[i] + e[i]*a[i]  (d = x - a, e = y - b opened)
  (func (export "beaver") (param $o i32) (param $c i32) (param $a i32) (param $b i32) (param $d i32) (param $e i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o)
        (call $ad (i64.load (local.get $c))
          (call $ad (call $mm (i64.load (local.get $d)) (i64.load (local.get $b)))
                    (call $mm (i64.load (local.get $e)) (i64.load (local.get $a))))))
      (local.set $c (i32.add (local.get $c) (i32.const 8)))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[i] += k * d[i] * e[i]  (the public d*e term of a Beaver product, k = 1 or a MAC-key share)
  (func (export "addprodc") (param $o i32) (param $d i32) (param $e i32) (param $k i64) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o)
        (call $ad (i64.load (local.get $o))
          (call $mm (local.get $k) (call $mm (i64.load (local.get $d)) (i64.load (local.get $e))))))
      (local.set $d (i32.add (local.get $d) (i32.const 8)))
      (local.set $e (i32.add (local.get $e) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; sum of a[i] * b[i]
  (func (export "dot") (param $a i32) (param $b i32) (param $n i32) (result i64)
    (local $end i32) (local $s i64)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $s (call $ad (local.get $s) (call $mm (i64.load (local.get $a)) (i64.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (br $l)))
    (local.get $s))

  ;; sum of a[i] (each below 2^61, as every field vector): four words at a time added (below 2^63) to the
  ;; running sum folded once ((s & p) + (s >> 61) < 2^61 + 7), so the sum stays below 2^64 and the
  ;; loop carries one short dependency per four words instead of a reduction per word; reduced at the end.
  (func (export "sum") (param $a i32) (param $n i32) (result i64)
    (local $end i32) (local $end4 i32) (local $s i64)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $end4 (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3))))
    (block $done4 (loop $l4
      (br_if $done4 (i32.ge_u (local.get $a) (local.get $end4)))
      (local.set $s
        (i64.add
          (i64.add (i64.and (local.get $s) (global.get $P)) (i64.shr_u (local.get $s) (i64.const 61)))
          (i64.add
            (i64.add (i64.load (local.get $a)) (i64.load offset=8 (local.get $a)))
            (i64.add (i64.load offset=16 (local.get $a)) (i64.load offset=24 (local.get $a))))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (br $l4)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $s
        (i64.add
          (i64.add (i64.and (local.get $s) (global.get $P)) (i64.shr_u (local.get $s) (i64.const 61)))
          (i64.load (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $l)))
    (local.set $s (i64.add (i64.and (local.get $s) (global.get $P)) (i64.shr_u (local.get $s) (i64.const 61))))
    (select (i64.sub (local.get $s) (global.get $P)) (local.get $s) (i64.ge_u (local.get $s) (global.get $P))))

  ;; Uniform 64-bit words to field elements in place: keep 61 bits, map p itself to 0
  ;; (statistical distance 2^-61 from uniform).
  (func (export "reduce") (param $a i32) (param $n i32)
    (local $end i32) (local $v i64)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $v (i64.and (i64.load (local.get $a)) (global.get $P)))
      (i64.store (local.get $a) (select (i64.const 0) (local.get $v) (i64.eq (local.get $v) (global.get $P))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $l))))

  ;; Received words to canonical form in place, so a peer cannot smuggle in a non-reduced encoding.
  (func (export "canon") (param $a i32) (param $n i32)
    (local $end i32) (local $v i64)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
      (local.set $v (i64.load (local.get $a)))
      (local.set $v (i64.add (i64.and (local.get $v) (global.get $P)) (i64.shr_u (local.get $v) (i64.const 61))))
      (i64.store (local.get $a) (select (i64.sub (local.get $v) (global.get $P)) (local.get $v) (i64.ge_u (local.get $v) (global.get $P))))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (br $l))))

;; ---- The online phase's opening, fused (issue 15, sixth session). The callers stream vectors
  ;; through these kernels in chunks that stay in cache, so every word crosses main memory once.

  ;; o[i] += canon(r[i]): a peer's raw share word, canonicalised, added to the running sum of an opening.
  (func (export "addcanon") (param $o i32) (param $r i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (i64.store (local.get $o) (call $ad (i64.load (local.get $o)) (call $cn (i64.load (local.get $r)))))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; m[i] -= k * x[i] in place: the MAC residual of an opened value x with MAC share m under key share k.
  (func (export "macres") (param $m i32) (param $x i32) (param $k i64) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $m) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $m) (local.get $end)))
      (i64.store (local.get $m) (call $sb (i64.load (local.get $m)) (call $mm (local.get $k) (i64.load (local.get $x)))))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $m (i32.add (local.get $m) (i32.const 8)))
      (br $l))))

  ;; A Beaver multiplication after its opening, both shares and the opening's MAC residuals in one pass.
  ;; Ten slots of $n words from $s, $w bytes apart: d, e (opened), xm, am, ym, bm, av, bv, cv, cm.
  ;; In place, with k the MAC-key share and $k0 = 1 for the party that adds public terms:
  ;;   xm <- (xm - am) - k*d,  ym <- (ym - bm) - k*e               (residuals of the opened d, e)
  ;;   cv <- cv + d*bv + e*av + k0*d*e,  cm <- cm + d*bm + e*am + k*d*e   (the shares of x*y)
  (func (export "beavermac") (param $s i32) (param $w i32) (param $n i32) (param $k i64) (param $k0 i32)
    (local $i i32) (local $end i32) (local $d i64) (local $e i64) (local $de i64) (local $am i64) (local $bm i64)
    (local $pe i32) (local $pxm i32) (local $pam i32) (local $pym i32) (local $pbm i32) (local $pav i32) (local $pbv i32) (local $pcv i32) (local $pcm i32)
    (local.set $pe (i32.add (local.get $s) (local.get $w)))
    (local.set $pxm (i32.add (local.get $pe) (local.get $w)))
    (local.set $pam (i32.add (local.get $pxm) (local.get $w)))
    (local.set $pym (i32.add (local.get $pam) (local.get $w)))
    (local.set $pbm (i32.add (local.get $pym) (local.get $w)))
    (local.set $pav (i32.add (local.get $pbm) (local.get $w)))
    (local.set $pbv (i32.add (local.get $pav) (local.get $w)))
    (local.set $pcv (i32.add (local.get $pbv) (local.get $w)))
    (local.set $pcm (i32.add (local.get $pcv) (local.get $w)))
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    ;; Sums of products are formed from once-folded products ($mmr, below 2^61 + 3) and reduced once
    ;; ($cn, any 64-bit word): at most one canonical term and three folded products, below 2^63 + 9.
    ;; A residual x - y - r with r folded is formed as x + 3p - y - r, in (0, 2^63).
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $d (i64.load (i32.add (local.get $s) (local.get $i))))
      (local.set $e (i64.load (i32.add (local.get $pe) (local.get $i))))
      (local.set $am (i64.load (i32.add (local.get $pam) (local.get $i))))
      (local.set $bm (i64.load (i32.add (local.get $pbm) (local.get $i))))
      (local.set $de (call $mm (local.get $d) (local.get $e)))
      (i64.store (i32.add (local.get $pxm) (local.get $i))
        (call $cn (i64.sub (i64.sub (i64.add (i64.load (i32.add (local.get $pxm) (local.get $i))) (i64.const 0x5FFFFFFFFFFFFFFD))
                                    (local.get $am))
                           (call $mmr (local.get $k) (local.get $d)))))
      (i64.store (i32.add (local.get $pym) (local.get $i))
        (call $cn (i64.sub (i64.sub (i64.add (i64.load (i32.add (local.get $pym) (local.get $i))) (i64.const 0x5FFFFFFFFFFFFFFD))
                                    (local.get $bm))
                           (call $mmr (local.get $k) (local.get $e)))))
      (i64.store (i32.add (local.get $pcv) (local.get $i))
        (call $cn (i64.add (i64.add (i64.load (i32.add (local.get $pcv) (local.get $i)))
                                    (select (local.get $de) (i64.const 0) (local.get $k0)))
                           (i64.add (call $mmr (local.get $d) (i64.load (i32.add (local.get $pbv) (local.get $i))))
                                    (call $mmr (local.get $e) (i64.load (i32.add (local.get $pav) (local.get $i))))))))
      (i64.store (i32.add (local.get $pcm) (local.get $i))
        (call $cn (i64.add (i64.add (i64.load (i32.add (local.get $pcm) (local.get $i)))
                                    (call $mmr (local.get $k) (local.get $de)))
                           (i64.add (call $mmr (local.get $d) (local.get $bm))
                                    (call $mmr (local.get $e) (local.get $am))))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $l))))

  ;; sum of red(r[i]) * t[i]: a dot product whose coefficients are raw random words mapped into the
  ;; field as by "reduce" (the MAC check's coefficients straight from the PRG's bytes).
  (func (export "dotred") (param $r i32) (param $t i32) (param $n i32) (result i64)
    (local $end i32) (local $s i64)
    (local.set $end (i32.add (local.get $r) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $r) (local.get $end)))
      (local.set $s (call $cn (i64.add (local.get $s) (call $mmr (call $red (i64.load (local.get $r))) (i64.load (local.get $t))))))
      (local.set $r (i32.add (local.get $r) (i32.const 8)))
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (br $l)))
    (local.get $s))

  ;; o[i] = a[i]^e by square-and-multiply (e public: inverses as a^(p-2), square roots as a^((p+1)/4)).
  (func (export "pow") (param $a i32) (param $e i64) (param $o i32) (param $n i32)
    (local $end i32) (local $b i64) (local $r i64) (local $k i64)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $b (i64.load (local.get $a)))
      (local.set $r (i64.const 1))
      (local.set $k (local.get $e))
      (block $pd (loop $pl
        (br_if $pd (i64.eqz (local.get $k)))
        (if (i32.wrap_i64 (i64.and (local.get $k) (i64.const 1)))
          (then (local.set $r (call $mm (local.get $r) (local.get $b)))))
        (local.set $b (call $mm (local.get $b) (local.get $b)))
        (local.set $k (i64.shr_u (local.get $k) (i64.const 1)))
        (br $pl)))
      (i64.store (local.get $o) (local.get $r))
      (local.set $a (i32.add (local.get $a) (i32.const 8)))
      (local.set $o (i32.add (local.get $o) (i32.const 8)))
      (br $l))))

  ;; o[t*s + k] = sum over l < g of a[(t*g + l)*s + k] * w[l], for t < groups and k < s:
  ;; recombines bitwise OT products (w[l] = 2^l) into field elements, s values per OT interleaved.
  (func (export "wsum") (param $a i32) (param $w i32) (param $o i32) (param $groups i32) (param $g i32) (param $s i32)
    (local $t i32) (local $l i32) (local $k i32) (local $acc i64) (local $wl i64) (local $base i32)
    (block $td (loop $tl
      (br_if $td (i32.ge_u (local.get $t) (local.get $groups)))
      (local.set $k (i32.const 0))
      (block $kd (loop $kl
        (br_if $kd (i32.ge_u (local.get $k) (local.get $s)))
        (local.set $acc (i64.const 0))
        (local.set $l (i32.const 0))
        (block $ld (loop $ll
          (br_if $ld (i32.ge_u (local.get $l) (local.get $g)))
          (local.set $base (i32.add (i32.mul (i32.add (i32.mul (local.get $t) (local.get $g)) (local.get $l)) (local.get $s)) (local.get $k)))
          (local.set $acc (call $ad (local.get $acc)
            (call $mm (i64.load (i32.add (local.get $a) (i32.shl (local.get $base) (i32.const 3))))
                      (i64.load (i32.add (local.get $w) (i32.shl (local.get $l) (i32.const 3)))))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br $ll)))
        (i64.store (i32.add (local.get $o) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $s)) (local.get $k)) (i32.const 3))) (local.get $acc))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl))))

  ;; o[t*s + k] = sum over l < g of 2^l * a[(t*g + l)*s + k]: the bit recombination of Gilboa
  ;; products, by Horner's rule (doubling is an addition, so no multiplications).
  (func (export "bitsum") (param $a i32) (param $o i32) (param $groups i32) (param $g i32) (param $s i32)
    (local $t i32) (local $l i32) (local $k i32) (local $pa i32) (local $po i32) (local $v i64) (local $step i32)
    (local.set $step (i32.shl (local.get $s) (i32.const 3)))
    (block $td (loop $tl
      (br_if $td (i32.ge_u (local.get $t) (local.get $groups)))
      (local.set $po (i32.add (local.get $o) (i32.mul (local.get $t) (local.get $step))))
      (local.set $k (i32.const 0))
      (block $zd (loop $zl
        (br_if $zd (i32.ge_u (local.get $k) (local.get $s)))
        (i64.store (i32.add (local.get $po) (i32.shl (local.get $k) (i32.const 3))) (i64.const 0))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $zl)))
      ;; start at the last bit layer of group t and walk back
      (local.set $pa (i32.add (local.get $a)
        (i32.mul (i32.sub (i32.mul (i32.add (local.get $t) (i32.const 1)) (local.get $g)) (i32.const 1)) (local.get $step))))
      (local.set $l (local.get $g))
      (block $ld (loop $ll
        (br_if $ld (i32.eqz (local.get $l)))
        (local.set $k (i32.const 0))
        (block $kd (loop $kl
          (br_if $kd (i32.ge_u (local.get $k) (local.get $s)))
          (local.set $v (i64.load (i32.add (local.get $po) (i32.shl (local.get $k) (i32.const 3)))))
          (i64.store (i32.add (local.get $po) (i32.shl (local.get $k) (i32.const 3)))
            (call $ad (call $ad (local.get $v) (local.get $v))
                      (i64.load (i32.add (local.get $pa) (i32.shl (local.get $k) (i32.const 3))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kl)))
        (local.set $pa (i32.sub (local.get $pa) (local.get $step)))
        (local.set $l (i32.sub (local.get $l) (i32.const 1)))
        (br $ll)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl))))

  ;; Uniform 64-bit word to a field element (keep 61 bits; p itself maps to 0).
  (func $red (param $x i64) (result i64)
    (local $v i64)
    (local.set $v (i64.and (local.get $x) (global.get $P)))
    (select (i64.const 0) (local.get $v) (i64.eq (local.get $v) (global.get $P))))

  ;; Any 64-bit word to its canonical residue.
  (func $cn (param $x i64) (result i64)
    (local $v i64)
    (local.set $v (i64.add (i64.and (local.get $x) (global.get $P)) (i64.shr_u (local.get $x) (i64.const 61))))
    (select (i64.sub (local.get $v) (global.get $P)) (local.get $v) (i64.ge_u (local.get $v) (global.get $P))))

  ;; Gilboa multiplication, OT-sender side, fused. For triple t < T, bit l < g and k < 4 (OT j = t*g + l):
  ;; f0 = red(v0[j][k]), f1 = red(v1[j][k]); d[j][k] = f0 - f1 + a[t][k]; s[t][k] = -Σ_l 2^l f0 (Horner,
  ;; from the top bit down). The four values per OT are unrolled.
  (func (export "gsend") (param $v0 i32) (param $v1 i32) (param $a i32) (param $d i32) (param $s i32) (param $T i32) (param $g i32)
    (local $t i32) (local $l i32) (local $off i32) (local $f0 i64) (local $p0 i32) (local $p1 i32) (local $pd i32)
    (local $acc0 i64) (local $acc1 i64) (local $acc2 i64) (local $acc3 i64)
    (local $a0 i64) (local $a1 i64) (local $a2 i64) (local $a3 i64)
    (block $td (loop $tl
      (br_if $td (i32.ge_u (local.get $t) (local.get $T)))
      (local.set $acc0 (i64.const 0)) (local.set $acc1 (i64.const 0)) (local.set $acc2 (i64.const 0)) (local.set $acc3 (i64.const 0))
      (local.set $off (i32.add (local.get $a) (i32.shl (local.get $t) (i32.const 5))))
      (local.set $a0 (i64.load offset=0 (local.get $off))) (local.set $a1 (i64.load offset=8 (local.get $off)))
      (local.set $a2 (i64.load offset=16 (local.get $off))) (local.set $a3 (i64.load offset=24 (local.get $off)))
      (local.set $l (local.get $g))
      (block $ld (loop $ll
        (br_if $ld (i32.eqz (local.get $l)))
        (local.set $l (i32.sub (local.get $l) (i32.const 1)))
        (local.set $off (i32.shl (i32.add (i32.mul (local.get $t) (local.get $g)) (local.get $l)) (i32.const 5)))
        (local.set $p0 (i32.add (local.get $v0) (local.get $off)))
        (local.set $p1 (i32.add (local.get $v1) (local.get $off)))
        (local.set $pd (i32.add (local.get $d) (local.get $off)))
        (local.set $f0 (call $red (i64.load offset=0 (local.get $p0))))
        (i64.store offset=0 (local.get $pd) (call $ad (call $sb (local.get $f0) (call $red (i64.load offset=0 (local.get $p1)))) (local.get $a0)))
        (local.set $acc0 (call $ad (call $ad (local.get $acc0) (local.get $acc0)) (local.get $f0)))
        (local.set $f0 (call $red (i64.load offset=8 (local.get $p0))))
        (i64.store offset=8 (local.get $pd) (call $ad (call $sb (local.get $f0) (call $red (i64.load offset=8 (local.get $p1)))) (local.get $a1)))
        (local.set $acc1 (call $ad (call $ad (local.get $acc1) (local.get $acc1)) (local.get $f0)))
        (local.set $f0 (call $red (i64.load offset=16 (local.get $p0))))
        (i64.store offset=16 (local.get $pd) (call $ad (call $sb (local.get $f0) (call $red (i64.load offset=16 (local.get $p1)))) (local.get $a2)))
        (local.set $acc2 (call $ad (call $ad (local.get $acc2) (local.get $acc2)) (local.get $f0)))
        (local.set $f0 (call $red (i64.load offset=24 (local.get $p0))))
        (i64.store offset=24 (local.get $pd) (call $ad (call $sb (local.get $f0) (call $red (i64.load offset=24 (local.get $p1)))) (local.get $a3)))
        (local.set $acc3 (call $ad (call $ad (local.get $acc3) (local.get $acc3)) (local.get $f0)))
        (br $ll)))
      (local.set $off (i32.add (local.get $s) (i32.shl (local.get $t) (i32.const 5))))
      (i64.store (local.get $off) (call $sb (i64.const 0) (local.get $acc0)))
      (i64.store (i32.add (local.get $off) (i32.const 8)) (call $sb (i64.const 0) (local.get $acc1)))
      (i64.store (i32.add (local.get $off) (i32.const 16)) (call $sb (i64.const 0) (local.get $acc2)))
      (i64.store (i32.add (local.get $off) (i32.const 24)) (call $sb (i64.const 0) (local.get $acc3)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl))))

  ;; Gilboa multiplication, OT-receiver side, fused: with choice bit c_j (bit j of the packed bytes),
  ;; w = red(v[j][k]) + c_j * canon(d[j][k]); out[t][k] = Σ_l 2^l w (the bit as an all-ones mask).
  (func (export "grecv") (param $v i32) (param $bits i32) (param $d i32) (param $o i32) (param $T i32) (param $g i32)
    (local $t i32) (local $l i32) (local $j i32) (local $off i32) (local $w i64) (local $mask i64) (local $pv i32) (local $pd i32)
    (local $acc0 i64) (local $acc1 i64) (local $acc2 i64) (local $acc3 i64)
    (block $td (loop $tl
      (br_if $td (i32.ge_u (local.get $t) (local.get $T)))
      (local.set $acc0 (i64.const 0)) (local.set $acc1 (i64.const 0)) (local.set $acc2 (i64.const 0)) (local.set $acc3 (i64.const 0))
      (local.set $l (local.get $g))
      (block $ld (loop $ll
        (br_if $ld (i32.eqz (local.get $l)))
        (local.set $l (i32.sub (local.get $l) (i32.const 1)))
        (local.set $j (i32.add (i32.mul (local.get $t) (local.get $g)) (local.get $l)))
        (local.set $mask (i64.sub (i64.const 0) (i64.extend_i32_u (i32.and (i32.shr_u (i32.load8_u (i32.add (local.get $bits) (i32.shr_u (local.get $j) (i32.const 3))))
                                            (i32.and (local.get $j) (i32.const 7))) (i32.const 1)))))
        (local.set $off (i32.shl (local.get $j) (i32.const 5)))
        (local.set $pv (i32.add (local.get $v) (local.get $off)))
        (local.set $pd (i32.add (local.get $d) (local.get $off)))
        (local.set $w (call $ad (call $red (i64.load offset=0 (local.get $pv)))
          (i64.and (call $cn (i64.load offset=0 (local.get $pd))) (local.get $mask))))
        (local.set $acc0 (call $ad (call $ad (local.get $acc0) (local.get $acc0)) (local.get $w)))
        (local.set $w (call $ad (call $red (i64.load offset=8 (local.get $pv)))
          (i64.and (call $cn (i64.load offset=8 (local.get $pd))) (local.get $mask))))
        (local.set $acc1 (call $ad (call $ad (local.get $acc1) (local.get $acc1)) (local.get $w)))
        (local.set $w (call $ad (call $red (i64.load offset=16 (local.get $pv)))
          (i64.and (call $cn (i64.load offset=16 (local.get $pd))) (local.get $mask))))
        (local.set $acc2 (call $ad (call $ad (local.get $acc2) (local.get $acc2)) (local.get $w)))
        (local.set $w (call $ad (call $red (i64.load offset=24 (local.get $pv)))
          (i64.and (call $cn (i64.load offset=24 (local.get $pd))) (local.get $mask))))
        (local.set $acc3 (call $ad (call $ad (local.get $acc3) (local.get $acc3)) (local.get $w)))
        (br $ll)))
      (local.set $off (i32.add (local.get $o) (i32.shl (local.get $t) (i32.const 5))))
      (i64.store (local.get $off) (local.get $acc0))
      (i64.store (i32.add (local.get $off) (i32.const 8)) (local.get $acc1))
      (i64.store (i32.add (local.get $off) (i32.const 16)) (local.get $acc2))
      (i64.store (i32.add (local.get $off) (i32.const 24)) (local.get $acc3))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl))))

  ;; 2^l * v mod p for v < p: a rotation within 61 bits (2^61 = 1), never giving p itself.
  (func $rot (param $v i64) (param $l i64) (result i64)
    (i64.and (i64.or (i64.shl (local.get $v) (local.get $l)) (i64.shr_u (local.get $v) (i64.sub (i64.const 61) (local.get $l)))) (global.get $P)))

  ;; COPE, x-party, bit l of the key: from raw PRG words t0, t1 (n each), msg[e] = red(t0) - red(t1) + x[e]
  ;; and acc[e] += 2^l red(t0).
  (func (export "copex") (param $t0 i32) (param $t1 i32) (param $x i32) (param $msg i32) (param $acc i32) (param $n i32) (param $l i64)
    (local $end i32) (local $f0 i64)
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
      (local.set $f0 (call $red (i64.load (local.get $t0))))
      (i64.store (local.get $msg) (call $ad (call $sb (local.get $f0) (call $red (i64.load (local.get $t1)))) (i64.load (local.get $x))))
      (i64.store (local.get $acc) (call $ad (i64.load (local.get $acc)) (call $rot (local.get $f0) (local.get $l))))
      (local.set $t0 (i32.add (local.get $t0) (i32.const 8)))
      (local.set $t1 (i32.add (local.get $t1) (i32.const 8)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $msg (i32.add (local.get $msg) (i32.const 8)))
      (local.set $acc (i32.add (local.get $acc) (i32.const 8)))
      (br $lp))))

  ;; COPE, Δ-party, bit l of its key (bit = 0 or 1): acc[e] += 2^l (red(s[e]) + bit * canon(u[e])).
  (func (export "copeq") (param $s i32) (param $u i32) (param $acc i32) (param $n i32) (param $l i64) (param $bit i64)
    (local $end i32) (local $mask i64)
    (local.set $mask (i64.sub (i64.const 0) (local.get $bit)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $n) (i32.const 3))))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
      (i64.store (local.get $acc) (call $ad (i64.load (local.get $acc))
        (call $rot (call $ad (call $red (i64.load (local.get $s))) (i64.and (call $cn (i64.load (local.get $u))) (local.get $mask))) (local.get $l))))
      (local.set $s (i32.add (local.get $s) (i32.const 8)))
      (local.set $u (i32.add (local.get $u) (i32.const 8)))
      (local.set $acc (i32.add (local.get $acc) (i32.const 8)))
      (br $lp))))
)
