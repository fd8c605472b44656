;; The layer lens's row reduction with f32x4 lanes (see ../wasmReduce.ts, which lays out the rows
;; and turns the sums into metrics). Source of lensKernel.ts: rebuild with
;; `node src/core/geometry/wasm/build.mjs src/core/lens/wasm/lensRows.wat src/core/lens/wasm/lensKernel.ts
;; LENS_WASM_BASE64` (needs the wabt npm package).
;;
;; reduce(row, final, n, target, k, out): row and final are byte addresses of n float32 logits
;; (n a multiple of 4; padding entries are -1e30), final = 0 for none. Writes at out (bytes):
;;   f64 [0] max, [8] min, [16] count of entries > row[target], [24] s0 = Σ e, [32] s1 = Σ e·d,
;;   [40] sc = Σ e·final, with d = z - max and e = exp(d) (only when max and min are finite);
;;   f32 [64 + 4j] the k largest logits, descending, and i32 [128 + 4j] their indices (ties: lower
;;   index first); k ≤ 16.
;; exp(d) for d ≤ 0 in float32: 2^n · p(f), x = d·log2(e) = n + f, |f| ≤ 1/2, p the degree-6
;; Taylor polynomial of 2^f (relative error ≤ 1.3e-7); 2^n built in the exponent bits (0 below
;; 2^-126). Sums run in float32 over blocks of 32 entries (8 per lane), then in float64.
(module
  (memory (export "memory") 1)

  ;; Inserts (v, id) into the descending top list at out+64 / out+128 holding `filled` of k entries.
  (func $insert (param $out i32) (param $k i32) (param $filled i32) (param $v f32) (param $id i32) (result i32)
    (local $p i32)
    (if (i32.ge_s (local.get $filled) (local.get $k))
      (then
        (if (i32.eqz (f32.gt (local.get $v) (f32.load offset=64 (i32.add (local.get $out) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2))))))
          (then (return (local.get $filled))))
        (local.set $p (i32.sub (local.get $k) (i32.const 1))))
      (else
        (local.set $p (local.get $filled))
        (local.set $filled (i32.add (local.get $filled) (i32.const 1)))))
    ;; Shift smaller entries down (strictly smaller: an equal value seen earlier has the lower id).
    (block $done (loop $shift
      (br_if $done (i32.eqz (local.get $p)))
      (br_if $done (i32.eqz (f32.lt (f32.load offset=60 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))) (local.get $v))))
      (f32.store offset=64 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))
        (f32.load offset=60 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))))
      (i32.store offset=128 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))
        (i32.load offset=124 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2)))))
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (br $shift)))
    (f32.store offset=64 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2))) (local.get $v))
    (i32.store offset=128 (i32.add (local.get $out) (i32.shl (local.get $p) (i32.const 2))) (local.get $id))
    (local.get $filled))

  (func $expNeg (param $d v128) (result v128)
    (local $x v128) (local $n v128) (local $f v128) (local $p v128)
    (local.set $x (f32x4.mul (local.get $d) (v128.const f32x4 1.4426950408889634 1.4426950408889634 1.4426950408889634 1.4426950408889634)))
    (local.set $n (f32x4.nearest (local.get $x)))
    (local.set $f (f32x4.sub (local.get $x) (local.get $n)))
    ;; 2^f = Σ (f ln 2)^j / j!, j ≤ 6
    (local.set $p (v128.const f32x4 1.5403530393381606e-4 1.5403530393381606e-4 1.5403530393381606e-4 1.5403530393381606e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $f)) (v128.const f32x4 1.3333558146428443e-3 1.3333558146428443e-3 1.3333558146428443e-3 1.3333558146428443e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $f)) (v128.const f32x4 9.618129107628477e-3 9.618129107628477e-3 9.618129107628477e-3 9.618129107628477e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $f)) (v128.const f32x4 5.550410866482158e-2 5.550410866482158e-2 5.550410866482158e-2 5.550410866482158e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $f)) (v128.const f32x4 0.2402265069591007 0.2402265069591007 0.2402265069591007 0.2402265069591007)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $f)) (v128.const f32x4 0.6931471805599453 0.6931471805599453 0.6931471805599453 0.6931471805599453)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $f)) (v128.const f32x4 1 1 1 1)))
    ;; 2^n: (n + 127) << 23 as float bits, 0 when n + 127 ≤ 0.
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.max_s (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (v128.const i32x4 0 0 0 0)) (i32.const 23))))

  (func $sum4 (param $v v128) (result f64)
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $v))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $v))))))

  (func (export "reduce") (param $row i32) (param $final i32) (param $n i32) (param $target i32) (param $k i32) (param $out i32)
    (local $i i32) (local $end i32) (local $blockEnd i32) (local $filled i32) (local $lane i32)
    (local $z v128) (local $zt v128) (local $vmax v128) (local $vmin v128) (local $cnt v128) (local $floor v128) (local $gt v128)
    (local $shift v128) (local $d v128) (local $e v128) (local $a0 v128) (local $a1 v128) (local $a2 v128)
    (local $max f32) (local $min f32) (local $s0 f64) (local $s1 f64) (local $sc f64)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $zt (f32x4.splat (f32.load (i32.add (local.get $row) (i32.shl (local.get $target) (i32.const 2))))))
    (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $vmin (v128.const f32x4 inf inf inf inf))
    (local.set $cnt (v128.const i32x4 0 0 0 0))
    (local.set $floor (v128.const f32x4 -inf -inf -inf -inf))
    ;; Pass 1: max, min, the rank count and the top k.
    (local.set $i (i32.const 0))
    (block $p1Done (loop $p1
      (br_if $p1Done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $z (v128.load (i32.add (local.get $row) (local.get $i))))
      (local.set $vmax (f32x4.max (local.get $vmax) (local.get $z)))
      (local.set $vmin (f32x4.min (local.get $vmin) (local.get $z)))
      (local.set $cnt (i32x4.sub (local.get $cnt) (f32x4.gt (local.get $z) (local.get $zt))))
      (local.set $gt (f32x4.gt (local.get $z) (local.get $floor)))
      (if (v128.any_true (local.get $gt))
        (then
          (local.set $lane (i32.const 0))
          (block $lanesDone (loop $lanes
            (br_if $lanesDone (i32.ge_u (local.get $lane) (i32.const 4)))
            (local.set $filled (call $insert (local.get $out) (local.get $k) (local.get $filled)
              (f32.load (i32.add (i32.add (local.get $row) (local.get $i)) (i32.shl (local.get $lane) (i32.const 2))))
              (i32.add (i32.shr_u (local.get $i) (i32.const 2)) (local.get $lane))))
            (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
            (br $lanes)))
          (if (i32.ge_s (local.get $filled) (local.get $k))
            (then (local.set $floor (f32x4.splat (f32.load offset=64 (i32.add (local.get $out) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2))))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $p1)))
    (local.set $max (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax)))
                             (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
    (local.set $min (f32.min (f32.min (f32x4.extract_lane 0 (local.get $vmin)) (f32x4.extract_lane 1 (local.get $vmin)))
                             (f32.min (f32x4.extract_lane 2 (local.get $vmin)) (f32x4.extract_lane 3 (local.get $vmin)))))
    (f64.store offset=0 (local.get $out) (f64.promote_f32 (local.get $max)))
    (f64.store offset=8 (local.get $out) (f64.promote_f32 (local.get $min)))
    (f64.store offset=16 (local.get $out) (f64.convert_i32_s
      (i32.add (i32.add (i32x4.extract_lane 0 (local.get $cnt)) (i32x4.extract_lane 1 (local.get $cnt)))
               (i32.add (i32x4.extract_lane 2 (local.get $cnt)) (i32x4.extract_lane 3 (local.get $cnt))))))
    ;; A NaN or infinite entry: the caller reports the row as not finite; no sums.
    (if (i32.or (f32.ne (f32.sub (local.get $max) (local.get $max)) (f32.const 0)) (f32.ne (f32.sub (local.get $min) (local.get $min)) (f32.const 0)))
      (then (return)))
    ;; Pass 2: the exponentials around the max and their sums.
    (local.set $shift (f32x4.splat (local.get $max)))
    (local.set $i (i32.const 0))
    (block $p2Done (loop $p2
      (br_if $p2Done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $blockEnd (select (i32.add (local.get $i) (i32.const 128)) (local.get $end) (i32.lt_u (i32.add (local.get $i) (i32.const 128)) (local.get $end))))
      (local.set $a0 (v128.const f32x4 0 0 0 0))
      (local.set $a1 (v128.const f32x4 0 0 0 0))
      (local.set $a2 (v128.const f32x4 0 0 0 0))
      (block $bDone (loop $b
        (br_if $bDone (i32.ge_u (local.get $i) (local.get $blockEnd)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $i))) (local.get $shift)))
        (local.set $e (call $expNeg (local.get $d)))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $e)))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $e) (local.get $d))))
        (if (local.get $final)
          (then (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $e) (v128.load (i32.add (local.get $final) (local.get $i))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $b)))
      (local.set $s0 (f64.add (local.get $s0) (call $sum4 (local.get $a0))))
      (local.set $s1 (f64.add (local.get $s1) (call $sum4 (local.get $a1))))
      (local.set $sc (f64.add (local.get $sc) (call $sum4 (local.get $a2))))
      (br $p2)))
    (f64.store offset=24 (local.get $out) (local.get $s0))
    (f64.store offset=32 (local.get $out) (local.get $s1))
    (f64.store offset=40 (local.get $out) (local.get $sc))))
