// The heavy part of every network here, a dense layer  out_i = b + W h_i  for n inputs at once,
// in WebAssembly with 128-bit SIMD: four products W_jk h_ik per instruction, in float32 as
// PyTorch computes them. The module is tiny and assembled below byte by byte (no toolchain, no
// binary file, no fetch: it works from file:// too); mlp.js uses it when the browser has WebAssembly
// SIMD and falls back to its plain JavaScript loop otherwise. Both give PyTorch's numbers to ~1e-6.
//
// dense(W, b, h, out, n, nin, nout), every pointer a byte offset into the shared memory:
//   for i < n:  for j < nout:  acc = Σ_{k < nin, 4 at a time} W[j, k:k+4] * h[i, k:k+4]   (f32x4)
//                              out[i, j] = b[j] + acc_0 + acc_1 + acc_2 + acc_3
// nin must be a multiple of 4 (mlp.js pads the inputs of a narrower layer with zeros).
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

  // locals: 0 W, 1 b, 2 h, 3 out, 4 n, 5 nin, 6 nout | 7 i, 8 j, 9 k, 10 wrow, 11 hrow | 12 acc (v128)
  var W = 0, B = 1, H = 2, OUT = 3, N = 4, NIN = 5, NOUT = 6, i = 7, j = 8, k = 9, WROW = 10, HROW = 11, ACC = 12;
  var body = flat([
    [2, 5, I32, 1, V128], // local declarations: 5 i32, 1 v128
    i32(0), set(i),
    BLOCK, LOOP, // for (i = 0; i < n; i++)
    get(i), get(N), GE_U, brIf(1),
    get(H), get(i), get(NIN), MUL, i32(4), MUL, ADD, set(HROW), // hrow = h + 4 i nin
    i32(0), set(j),
    BLOCK, LOOP, // for (j = 0; j < nout; j++)
    get(j), get(NOUT), GE_U, brIf(1),
    get(W), get(j), get(NIN), MUL, i32(4), MUL, ADD, set(WROW), // wrow = W + 4 j nin
    V128_ZERO, set(ACC),
    i32(0), set(k),
    BLOCK, LOOP, // for (k = 0; k < 4 nin; k += 16): acc += W[j, k..k+3] * h[i, k..k+3]
    get(k), get(NIN), i32(4), MUL, GE_U, brIf(1),
    get(ACC),
    get(WROW), get(k), ADD, V128_LOAD,
    get(HROW), get(k), ADD, V128_LOAD,
    F32X4_MUL, F32X4_ADD, set(ACC),
    get(k), i32(16), ADD, set(k),
    br(0), END, END,
    // out[i, j] = b[j] + the four lanes of acc
    get(OUT), get(i), get(NOUT), MUL, get(j), ADD, i32(4), MUL, ADD,
    get(B), get(j), i32(4), MUL, ADD, F32_LOAD,
    get(ACC), lane(0), F32_ADD, get(ACC), lane(1), F32_ADD, get(ACC), lane(2), F32_ADD, get(ACC), lane(3), F32_ADD,
    F32_STORE,
    get(j), i32(1), ADD, set(j),
    br(0), END, END,
    get(i), i32(1), ADD, set(i),
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
