;; GF(2) bit-matrix kernels of the OT extension, with WebAssembly SIMD (v128).
;; Pointers are byte offsets into linear memory; every region the TypeScript side lays out is
;; 16-byte aligned. Assembled by scripts/build-wasm.js into gf2-wasm.generated.ts; edit this file.
(module
  (memory (export "memory") 1)

  ;; dst[k] ^= src[k] for nw 64-bit words (two at a time, then an odd last one).
  (func (export "xor") (param $dst i32) (param $src i32) (param $nw i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $nw) (i32.const -2)) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (v128.store (local.get $dst) (v128.xor (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br $l)))
    (if (i32.and (local.get $nw) (i32.const 1))
      (then (i64.store (local.get $dst) (i64.xor (i64.load (local.get $dst)) (i64.load (local.get $src)))))))

  ;; 128 bit-columns of 64*nw rows (column i = nw u64 words at cols + 8*i*nw; bit b of word w is
  ;; row 64w+b) to rows of 128 bits (row j = 16 bytes at rows + 16j; bit k of the row's word c is
  ;; column 64c+k). Per 64-row stripe, columns i and 64+i share a v128 and a 64×64 transpose
  ;; (recursive block swaps, as in Hacker's Delight) runs on both halves at once; tmp is 1 KiB.
  (func (export "transpose") (param $cols i32) (param $rows i32) (param $nw i32) (param $tmp i32)
    (local $w i32) (local $k i32) (local $j i32) (local $m v128) (local $t v128) (local $pa i32) (local $pb i32)
    (local $stride i32) (local $src i32)
    (local.set $stride (i32.shl (local.get $nw) (i32.const 3)))
    (block $wd (loop $wl
      (br_if $wd (i32.ge_u (local.get $w) (local.get $nw)))
      ;; gather: tmp[k] = (col k word w, col 64+k word w)
      (local.set $src (i32.add (local.get $cols) (i32.shl (local.get $w) (i32.const 3))))
      (local.set $k (i32.const 0))
      (block $gd (loop $gl
        (br_if $gd (i32.ge_u (local.get $k) (i32.const 64)))
        (v128.store (i32.add (local.get $tmp) (i32.shl (local.get $k) (i32.const 4)))
          (i64x2.replace_lane 1
            (v128.load64_zero (local.get $src))
            (i64.load (i32.add (local.get $src) (i32.mul (local.get $stride) (i32.const 64))))))
        (local.set $src (i32.add (local.get $src) (local.get $stride)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $gl)))
      ;; 6 swap stages: j = 32, 16, …, 1 with masks 0x00000000FFFFFFFF, 0x0000FFFF0000FFFF, …
      (local.set $j (i32.const 32))
      (local.set $m (v128.const i64x2 0x00000000FFFFFFFF 0x00000000FFFFFFFF))
      (block $sd (loop $sl
        (br_if $sd (i32.eqz (local.get $j)))
        (local.set $k (i32.const 0))
        (block $pd (loop $pl
          (br_if $pd (i32.ge_u (local.get $k) (i32.const 64)))
          (local.set $pa (i32.add (local.get $tmp) (i32.shl (local.get $k) (i32.const 4))))
          (local.set $pb (i32.add (local.get $tmp) (i32.shl (i32.or (local.get $k) (local.get $j)) (i32.const 4))))
          (local.set $t (v128.and
            (v128.xor (i64x2.shr_u (v128.load (local.get $pa)) (local.get $j)) (v128.load (local.get $pb)))
            (local.get $m)))
          (v128.store (local.get $pa) (v128.xor (v128.load (local.get $pa)) (i64x2.shl (local.get $t) (local.get $j))))
          (v128.store (local.get $pb) (v128.xor (v128.load (local.get $pb)) (local.get $t)))
          (local.set $k (i32.and (i32.add (i32.or (local.get $k) (local.get $j)) (i32.const 1)) (i32.xor (local.get $j) (i32.const -1))))
          (br $pl)))
        (local.set $j (i32.shr_u (local.get $j) (i32.const 1)))
        (local.set $m (v128.xor (local.get $m) (i64x2.shl (local.get $m) (local.get $j))))
        (br $sl)))
      ;; scatter: row 64w+r = tmp[r]
      (memory.copy (i32.add (local.get $rows) (i32.shl (local.get $w) (i32.const 10))) (local.get $tmp) (i32.const 1024))
      (local.set $w (i32.add (local.get $w) (i32.const 1)))
      (br $wl))))

  ;; GF(2) inner products for the KOS consistency check: o[c*nc + i] = parity(col_i AND mask_c) for
  ;; c < nm, i < nc, every row nw u64 words. Words are taken in stripes of 64 so that a column's
  ;; stripe and every mask's stripe stay in L1 while all checks run over it; acc holds nm*nc v128
  ;; accumulators.
  (func (export "parities") (param $cols i32) (param $nc i32) (param $masks i32) (param $nm i32) (param $nw i32) (param $o i32) (param $acc i32)
    (local $c i32) (local $i i32) (local $w0 i32) (local $len i32) (local $cp i32) (local $mp i32) (local $end i32)
    (local $x v128) (local $ap i32) (local $stride i32) (local $cbase i32) (local $k i32)
    (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $mk v128) (local $stride2 i32) (local $stride3 i32)
    (local.set $stride (i32.shl (local.get $nw) (i32.const 3)))
    (local.set $stride2 (i32.shl (local.get $stride) (i32.const 1)))
    (local.set $stride3 (i32.add (local.get $stride2) (local.get $stride)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (i32.mul (local.get $nm) (local.get $nc)) (i32.const 4)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $w0) (local.get $nw)))
      (local.set $len (i32.sub (local.get $nw) (local.get $w0)))
      (if (i32.gt_u (local.get $len) (i32.const 64)) (then (local.set $len (i32.const 64))))
      (local.set $i (i32.const 0))
      ;; four columns at a time share each mask load (the 128 columns of the matrix)
      (if (i32.eqz (i32.and (local.get $nc) (i32.const 3))) (then
        (block $qd (loop $ql
          (br_if $qd (i32.ge_u (local.get $i) (local.get $nc)))
          (local.set $cbase (i32.add (i32.add (local.get $cols) (i32.mul (local.get $i) (local.get $stride))) (i32.shl (local.get $w0) (i32.const 3))))
          (local.set $c (i32.const 0))
          (block $qcd (loop $qcl
            (br_if $qcd (i32.ge_u (local.get $c) (local.get $nm)))
            (local.set $ap (i32.add (local.get $acc) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $nc)) (local.get $i)) (i32.const 4))))
            (local.set $x (v128.load offset=0 (local.get $ap)))
            (local.set $x1 (v128.load offset=16 (local.get $ap)))
            (local.set $x2 (v128.load offset=32 (local.get $ap)))
            (local.set $x3 (v128.load offset=48 (local.get $ap)))
            (local.set $cp (local.get $cbase))
            (local.set $mp (i32.add (i32.add (local.get $masks) (i32.mul (local.get $c) (local.get $stride))) (i32.shl (local.get $w0) (i32.const 3))))
            (local.set $end (i32.add (local.get $cp) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
            (block $qwd (loop $qwl
              (br_if $qwd (i32.ge_u (local.get $cp) (local.get $end)))
              (local.set $mk (v128.load (local.get $mp)))
              (local.set $x (v128.xor (local.get $x) (v128.and (v128.load (local.get $cp)) (local.get $mk))))
              (local.set $x1 (v128.xor (local.get $x1) (v128.and (v128.load (i32.add (local.get $cp) (local.get $stride))) (local.get $mk))))
              (local.set $x2 (v128.xor (local.get $x2) (v128.and (v128.load (i32.add (local.get $cp) (local.get $stride2))) (local.get $mk))))
              (local.set $x3 (v128.xor (local.get $x3) (v128.and (v128.load (i32.add (local.get $cp) (local.get $stride3))) (local.get $mk))))
              (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
              (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
              (br $qwl)))
            (if (i32.and (local.get $len) (i32.const 1)) (then
              (local.set $mk (v128.load64_zero (local.get $mp)))
              (local.set $x (v128.xor (local.get $x) (v128.and (v128.load64_zero (local.get $cp)) (local.get $mk))))
              (local.set $x1 (v128.xor (local.get $x1) (v128.and (v128.load64_zero (i32.add (local.get $cp) (local.get $stride))) (local.get $mk))))
              (local.set $x2 (v128.xor (local.get $x2) (v128.and (v128.load64_zero (i32.add (local.get $cp) (local.get $stride2))) (local.get $mk))))
              (local.set $x3 (v128.xor (local.get $x3) (v128.and (v128.load64_zero (i32.add (local.get $cp) (local.get $stride3))) (local.get $mk))))))
            (v128.store offset=0 (local.get $ap) (local.get $x))
            (v128.store offset=16 (local.get $ap) (local.get $x1))
            (v128.store offset=32 (local.get $ap) (local.get $x2))
            (v128.store offset=48 (local.get $ap) (local.get $x3))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $qcl)))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $ql)))))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (local.get $nc)))
        (local.set $cbase (i32.add (i32.add (local.get $cols) (i32.mul (local.get $i) (local.get $stride))) (i32.shl (local.get $w0) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $c) (local.get $nm)))
          (local.set $ap (i32.add (local.get $acc) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $nc)) (local.get $i)) (i32.const 4))))
          (local.set $x (v128.load (local.get $ap)))
          (local.set $cp (local.get $cbase))
          (local.set $mp (i32.add (i32.add (local.get $masks) (i32.mul (local.get $c) (local.get $stride))) (i32.shl (local.get $w0) (i32.const 3))))
          (local.set $end (i32.add (local.get $cp) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
          (block $wd (loop $wl
            (br_if $wd (i32.ge_u (local.get $cp) (local.get $end)))
            (local.set $x (v128.xor (local.get $x) (v128.and (v128.load (local.get $cp)) (v128.load (local.get $mp)))))
            (local.set $cp (i32.add (local.get $cp) (i32.const 16)))
            (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
            (br $wl)))
          ;; an odd last word (nw odd): one 64-bit lane
          (if (i32.and (local.get $len) (i32.const 1))
            (then (local.set $x (v128.xor (local.get $x) (v128.and (v128.load64_zero (local.get $cp)) (v128.load64_zero (local.get $mp)))))))
          (v128.store (local.get $ap) (local.get $x))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $il)))
      (local.set $w0 (i32.add (local.get $w0) (local.get $len)))
      (br $sl)))
    ;; fold each accumulator to its parity
    (local.set $k (i32.const 0))
    (local.set $end (i32.mul (local.get $nm) (local.get $nc)))
    (block $fd (loop $fl
      (br_if $fd (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $ap (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 4))))
      (i32.store8 (i32.add (local.get $o) (local.get $k))
        (i32.wrap_i64 (i64.and (i64.popcnt (i64.xor (i64.load (local.get $ap)) (i64.load offset=8 (local.get $ap)))) (i64.const 1))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $fl))))

  ;; Inputs of the tweaked MMO hash: z[j*blocks + b] = row_j ⊕ delta ⊕ (index, b), the tweak as two
  ;; little-endian u64 lanes (OT index tweakBase + j, block number b), for j < m.
  (func (export "hashPrep") (param $rows i32) (param $z i32) (param $m i32) (param $blocks i32) (param $base i64) (param $delta i32)
    (local $j i32) (local $b i32) (local $r v128) (local $d v128)
    (local.set $d (v128.load (local.get $delta)))
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $r (v128.xor
        (v128.xor (v128.load (i32.add (local.get $rows) (i32.shl (local.get $j) (i32.const 4)))) (local.get $d))
        (i64x2.replace_lane 0 (v128.const i64x2 0 0) (i64.add (local.get $base) (i64.extend_i32_u (local.get $j))))))
      (local.set $b (i32.const 0))
      (block $bd (loop $bl
        (br_if $bd (i32.ge_u (local.get $b) (local.get $blocks)))
        (v128.store (local.get $z) (v128.xor (local.get $r) (i64x2.replace_lane 1 (v128.const i64x2 0 0) (i64.extend_i32_u (local.get $b)))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bl)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl))))
)
