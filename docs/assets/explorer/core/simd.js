// The heavy part of every network here, a dense layer  out_i = b + W h_i  for n inputs at once,
// in WebAssembly with 128-bit SIMD: four products W_jk h_ik per instruction, in float32 as
// PyTorch computes them. The module is tiny and assembled below byte by byte (no toolchain, no
// binary file, no fetch: it works from file:// too); mlp.js uses it when the browser has WebAssembly
// SIMD and falls back to its plain JavaScript loop otherwise. Both give PyTorch's numbers to ~1e-6.
//
// dense(W, b, h, out, n, nin, nout), every pointer a byte offset into the shared memory:
//   for i < n, 4 inputs at a time:  for j < nout, 2 outputs at a time:
//     acc[p][q] = Σ_{k < nin, 4 at a time} W[j+q, k:k+4] * h[i+p, k:k+4]   (f32x4; p < 4, q < 2)
//     out[i+p, j+q] = b[j+q] + acc[p][q]_0 + acc[p][q]_1 + acc[p][q]_2 + acc[p][q]_3
// Eight accumulators in registers: each W row and each h row loaded is used four or two times
// (the sums themselves are the same, in the same order, as one output at a time).
// nin must be a multiple of 4 (mlp.js pads the inputs of a narrower layer with zeros), nout even,
// and the memory must hold the rows up to n rounded up to a multiple of 4 (their results unused).
(function () {
  "use strict";
  var core = (window.explorerCore = window.explorerCore || {});

  // --- the instructions we use (WebAssembly core spec, SIMD proposal) ---------------------------
  var I32 = 0x7f, V128 = 0x7b;
  function get(i) { return [0x20, i]; } // local.get
  function set(i) { return [0x21, i]; } // local.set
  function i32(v) { return [0x41].concat(leb(v)); } // i32.const (signed LEB128; small values only)
  var ADD = 0x6a, MUL = 0x6c, GE_U = 0x4f, F32_ADD = 0x92;
  var BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = 0x0b;
  function br(depth) { return [0x0c, depth]; }
  function brIf(depth) { return [0x0d, depth]; }
  var V128_LOAD = [0xfd, 0x00, 0x00, 0x00]; // v128.load, align 1, offset 0
  var V128_ZERO = [0xfd, 0x0c].concat(new Array(16).fill(0)); // v128.const 0
  var F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];
  function lane(k) { return [0xfd, 0x1f, k]; } // f32x4.extract_lane k
  var F32_LOAD = [0x2a, 0x02, 0x00], F32_STORE = [0x38, 0x02, 0x00]; // align 4, offset 0

  function leb(v) { // signed LEB128 for i32.const; unsigned for sizes (both fine below 64)
    var out = [];
    while (true) {
      var byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(byte & 0x40)) || (v === -1 && byte & 0x40)) return out.concat(byte);
      out.push(byte | 0x80);
    }
  }
  function uleb(v) {
    var out = [];
    do { var byte = v & 0x7f; v >>>= 7; out.push(v ? byte | 0x80 : byte); } while (v);
    return out;
  }
  function flat(parts) { return parts.reduce(function (a, p) { return a.concat(p); }, []); }
  function section(id, bytes) { return [id].concat(uleb(bytes.length), bytes); }
  function name(s) { return [s.length].concat(s.split("").map(function (c) { return c.charCodeAt(0); })); }

  // params 0 W, 1 b, 2 h, 3 out, 4 n, 5 nin, 6 nout | i32 locals 7 i, 8 j, 9 k, 10 kEnd (4 nin, bytes
  // per row), 11-14 hp[p] (row i + p of h), 15-16 wp[q] (row j + q of W) | v128 locals 17-24 acc[p][q],
  // 25-28 hv[p], 29-30 wv[q]
  var W = 0, B = 1, H = 2, OUT = 3, N = 4, NIN = 5, NOUT = 6, i = 7, j = 8, k = 9, KEND = 10;
  var P = [0, 1, 2, 3], Q = [0, 1];
  function HP(p) { return 11 + p; }
  function WP(q) { return 15 + q; }
  function ACC(p, q) { return 17 + 2 * p + q; }
  function HV(p) { return 25 + p; }
  function WV(q) { return 29 + q; }
  function each(f) { return flat(P.map(function (p) { return flat(Q.map(function (q) { return f(p, q); })); })); }
  var body = flat([
    [2, 10, I32, 14, V128], // local declarations: 10 i32, 14 v128
    get(NIN), i32(4), MUL, set(KEND),
    i32(0), set(i),
    BLOCK, LOOP, // for (i = 0; i < n; i += 4)
    get(i), get(N), GE_U, brIf(1),
    get(H), get(i), get(KEND), MUL, ADD, set(HP(0)), // hp[p] = h + 4 (i + p) nin
    get(HP(0)), get(KEND), ADD, set(HP(1)),
    get(HP(1)), get(KEND), ADD, set(HP(2)),
    get(HP(2)), get(KEND), ADD, set(HP(3)),
    i32(0), set(j),
    BLOCK, LOOP, // for (j = 0; j < nout; j += 2)
    get(j), get(NOUT), GE_U, brIf(1),
    get(W), get(j), get(KEND), MUL, ADD, set(WP(0)), // wp[q] = W + 4 (j + q) nin
    get(WP(0)), get(KEND), ADD, set(WP(1)),
    each(function (p, q) { return V128_ZERO.concat(set(ACC(p, q))); }),
    i32(0), set(k),
    BLOCK, LOOP, // for (k = 0; k < 4 nin; k += 16): acc[p][q] += W[j+q, k..k+3] * h[i+p, k..k+3]
    get(k), get(KEND), GE_U, brIf(1),
    flat(P.map(function (p) { return flat([get(HP(p)), get(k), ADD, V128_LOAD, set(HV(p))]); })),
    flat(Q.map(function (q) { return flat([get(WP(q)), get(k), ADD, V128_LOAD, set(WV(q))]); })),
    each(function (p, q) { return flat([get(ACC(p, q)), get(HV(p)), get(WV(q)), F32X4_MUL, F32X4_ADD, set(ACC(p, q))]); }),
    get(k), i32(16), ADD, set(k),
    br(0), END, END,
    // out[i+p, j+q] = b[j+q] + the four lanes of acc[p][q]
    each(function (p, q) {
      return flat([
        get(OUT), get(i), i32(p), ADD, get(NOUT), MUL, get(j), ADD, i32(q), ADD, i32(4), MUL, ADD,
        get(B), get(j), i32(q), ADD, i32(4), MUL, ADD, F32_LOAD,
        get(ACC(p, q)), lane(0), F32_ADD, get(ACC(p, q)), lane(1), F32_ADD,
        get(ACC(p, q)), lane(2), F32_ADD, get(ACC(p, q)), lane(3), F32_ADD,
        F32_STORE,
      ]);
    }),
    get(j), i32(2), ADD, set(j),
    br(0), END, END,
    get(i), i32(4), ADD, set(i),
    br(0), END, END,
    END,
  ]);
  var bytes = flat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]), // type: (7 × i32) -> ()
    section(2, flat([[1], name("env"), name("memory"), [0x02, 0x00, 0x01]])), // import memory (min 1 page)
    section(3, [1, 0]), // one function, of type 0
    section(7, flat([[1], name("dense"), [0x00, 0x00]])), // export it as "dense"
    section(10, flat([[1], uleb(body.length), body])), // its code
  ]);
  var module = null;
  try {
    if (typeof WebAssembly === "object" && WebAssembly.validate(new Uint8Array(bytes))) {
      module = new WebAssembly.Module(new Uint8Array(bytes));
    }
  } catch (e) {
    module = null; // no WebAssembly SIMD here: mlp.js keeps its JavaScript loop
  }

  // A workspace of its own for one network: memory grows as needed; returns {dense, memory, f32()}.
  function instance(bytesNeeded) {
    var pages = Math.ceil(bytesNeeded / 65536) + 1;
    var memory = new WebAssembly.Memory({ initial: pages });
    var exports = new WebAssembly.Instance(module, { env: { memory: memory } }).exports;
    return { dense: exports.dense, memory: memory };
  }

  core.simd = { available: !!module, instance: instance, bytes: bytes };
})();
