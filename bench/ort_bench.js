#!/usr/bin/env node
// ONNX Runtime (CPU, onnxruntime-node) as the speed peer and reference for Quill's benchmark driver.
//
//   node bench/ort_bench.js MODEL.onnx INPUT_DIR RUNS [THREADS] [OUTPUT_DIR]
//
// Feeds each model input from INPUT_DIR/<input name>.npy, runs once to warm up, then times RUNS runs
// inside this process (model load excluded) and prints one line in quill-run's format:
//   bench: runs=N min_ms=X median_ms=Y mean_ms=Z
// With OUTPUT_DIR, writes each output of the last run as OUTPUT_DIR/<output name>.npy.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// .npy dtype (little-endian or byte-sized) -> [ONNX Runtime tensor type, typed array].
const NPY_TYPES = {
  '<f4': ['float32', Float32Array],
  '<f8': ['float64', Float64Array],
  '<i4': ['int32', Int32Array],
  '<i8': ['int64', BigInt64Array],
  '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array],
  '|b1': ['bool', Uint8Array],
};

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim() !== '').map(Number);
  const entry = NPY_TYPES[descr];
  if (!entry) throw new Error(`${file}: unsupported dtype ${descr}`);
  const [type, ArrayType] = entry;
  // Copy the payload into its own buffer: typed arrays need an offset aligned to their element size.
  const payload = bytes.subarray(headerStart + headerLength);
  const data = new ArrayType(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength));
  return new ort.Tensor(type, data, shape);
}

function writeNpy(file, tensor) {
  const descr = Object.keys(NPY_TYPES).find((key) => NPY_TYPES[key][0] === tensor.type);
  if (!descr) throw new Error(`${file}: cannot write tensor type ${tensor.type}`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Version 1.0: magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = tensor.data;
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function median(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  const [modelPath, inputDir, runsArg, threadsArg = '1', outputDir] = process.argv.slice(2);
  if (!modelPath || !inputDir || !runsArg) {
    console.error('usage: node ort_bench.js MODEL.onnx INPUT_DIR RUNS [THREADS] [OUTPUT_DIR]');
    process.exit(2);
  }
  const runs = Number(runsArg);
  const threads = Number(threadsArg);
  if (!(Number.isInteger(runs) && runs >= 1 && Number.isInteger(threads) && threads >= 1)) {
    console.error('ort_bench: RUNS and THREADS must be positive integers');
    process.exit(2);
  }
  const options = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  // Spinning worker threads make multi-threaded timings noisy on this 2-vCPU machine (TESTING.md).
  if (threads > 1) options.extra = { 'session.intra_op.allow_spinning': '0' };
  const session = await ort.InferenceSession.create(modelPath, options);

  const feeds = {};
  for (const name of session.inputNames) feeds[name] = readNpy(path.join(inputDir, `${name}.npy`));

  let outputs = await session.run(feeds);  // warm-up: first-run allocations and kernel selection
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    outputs = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  console.log(`bench: runs=${runs} min_ms=${times[0].toFixed(4)} median_ms=${median(times).toFixed(4)} ` +
    `mean_ms=${mean.toFixed(4)}`);

  if (outputDir) {
    fs.mkdirSync(outputDir, { recursive: true });
    for (const name of session.outputNames) writeNpy(path.join(outputDir, `${name}.npy`), outputs[name]);
  }
}

main().catch((error) => {
  console.error(`ort_bench: ${error.message || error}`);
  process.exit(1);
});
