//===- Passes.td - Graph IR to kernel IR conversions -----------*- tablegen -*-===//

#ifndef QUILL_CONVERSION_PASSES
#define QUILL_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def PrepareEntryPointPass : Pass<"quill-prepare-entry-point", "ModuleOp"> {
  let summary = "gives the model function the shape the C ABI calls";
  let description = [{
    The first step of the kernel phase. The module's one public function
    (an error otherwise) is renamed `quill_model_main`, the name the
    library's entry point calls; its arguments are marked
    `bufferization.writable = false`, because the caller owns the input
    buffers; and a value it returns more than once is returned once, the
    entry point copying it into the other outputs (bufferization needs one
    buffer per returned value). `readModelSignature` reads the C ABI
    signature, copies included, before this pass runs.

    Before:
    ```mlir
    func.func @main(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
      return %x, %x : tensor<4xf32>, tensor<4xf32>
    }
    ```
    After:
    ```mlir
    func.func @quill_model_main(%x: tensor<4xf32> {bufferization.writable = false})
        -> tensor<4xf32> {
      return %x : tensor<4xf32>
    }
    ```
  }];
}

def ConvertQuillToLinalgPass : Pass<"quill-lower-to-linalg", "ModuleOp"> {
  let summary = "lowers Quill's graph ops to linalg, tensor, arith and math";
  let description = [{
    Every graph op becomes upstream kernel IR on tensors with the op's ONNX
    meaning: elementwise ops and activations become `linalg.generic` with
    broadcasting indexing maps; matmul and gemm `linalg.matmul` /
    `linalg.batch_matmul` accumulating into their bias; 2-d convolutions
    with one group an im2col `linalg.generic` feeding `linalg.matmul`, every
    other convolution one `linalg.generic`; pooling, reductions, softmax and
    the normalizations `linalg.generic` reductions; data movement `tensor`
    ops. Integer quantize / dequantize with `!quant.uniform` parameters
    become elementwise arithmetic, and tensors of unsigned or quantized
    elements become tensors of signless storage integers, also in function
    signatures.

    An op without a lowering (fp8 and block formats on the CPU, for now) is
    an error naming the op.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FuseElementwisePass : Pass<"quill-fuse-elementwise", "func::FuncOp"> {
  let summary = "fuses chains of elementwise linalg.generic ops";
  let description = [{
    Merges an elementwise `linalg.generic` (all loops parallel, operands
    read through projected permutations) into the elementwise generic that
    consumes it, when it has no other user, so a chain like bias add, ReLU,
    quantize, dequantize reads and writes memory once. Unlike upstream's
    `linalg-fuse-elementwise-ops` it never fuses into a reduction or
    contraction: that would recompute the producer for every step of the
    reduction and turn named matmuls into generics. For the same reason a
    producer read broadcast (a per-row reciprocal or square root) stays a
    loop of its own, and so does a table lookup (a gather keeps LLVM from
    vectorizing the loop it is in, and with it the fused arithmetic).
    A `tensor.expand_shape` between two such generics (a matmul's 2-d
    epilogue feeding the 3-d rest of a layer) is moved past the consumer,
    whose loops collapse to the producer's, so that the two still fuse;
    where the consumer reads it permuted (a convolution's product moving
    to channels-first) the producer's loops expand instead. Operands read
    at 0 on unit dimensions (a `[C, 1, 1]` bias) count as elementwise.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def UntieSharedFillsPass : Pass<"quill-untie-shared-fills", "func::FuncOp"> {
  let summary = "gives each op that accumulates into a shared linalg.fill its own";
  let description = [{
    CSE merges identical `linalg.fill`s, so the zero-filled accumulators of
    several matmuls become one tensor; one-shot bufferization then fills one
    buffer and copies it for every matmul that writes into it. Cloning the
    fill next to each destination-style op that uses it as an init lets
    each buffer be filled in place: a write instead of a read and a write.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LinalgToMicrokernelsPass : Pass<"quill-linalg-to-microkernels", "ModuleOp"> {
  let summary = "calls Quill's packed GEMMs for f32 and int8 matmuls on buffers";
  let description = [{
    After bufferization, replaces `linalg.matmul` (plain or with transposed
    operands) and `linalg.batch_matmul` on memrefs with calls of Quill's
    runtime kernels: `quill_sgemm` for f32 (a cache-blocked, packed
    AVX-512 / AVX2 kernel: upstream codegen has no packing schedule and
    stays far from the FMA peak on large products) and `quill_igemm_s8` for
    int8 x int8 -> int32 with signed casts (AVX-512 VNNI `vpdpbusd`, AVX2
    `vpmaddwd`). Batches loop over 2-d subviews.
    An int8 B read from a constant global (weights) is packed at compile
    time into the kernel's layout (`quill/Runtime/IgemmLayout.h`): two new
    globals, its panels and their corrections, and a call of
    `quill_igemm_s8_packed`, which skips packing B at run time.
    When such a product's zero-filled int32 accumulator is read only by a
    requantization (an elementwise generic computing
    `clamp(((acc + offset) * multiplier + rounding) >> shift + zp) ^ flip`
    to i8, offset, multiplier, rounding and shift per column, as the dyadic
    requantization lowers) and then dies, the fill, the matmul and the
    generic become one call of `quill_igemm_s8_packed_requantize`: the
    kernel requantizes its sums while they are in registers and the int32
    product is never stored. A 1-d generic computes the per-column vectors
    from the epilogue's own body. A convolution's epilogue (the product read
    through an expand_shape of its rows, written channels-first) writes
    through the output transposed to the product's order with its rows
    collapsed, image by image when a batch has several.
    A matmul whose B a tagged block or 4-bit dequantize generic writes from
    constant codes and scales (`quill.block_dequantize`) calls
    `quill_block_gemm` with them packed (`quill/Runtime/BlockGemmLayout.h`);
    with `low-bit-compute=int8`, 4-bit codes in blocks of a multiple of 8
    are packed for int8 activations, which the kernel quantizes per block at
    run time (other formats stay f32).

    ```mlir
    // before: B dequantized whole, then an f32 product
    linalg.generic {quill.block_dequantize = {axis = 0 : i64, ...}}
        ins(%codes, %scales : ...) outs(%b : memref<64x32xf32>)
    linalg.matmul ins(%a, %b : ...) outs(%c : memref<1x32xf32>)
    // after
    %packed = memref.get_global @codes_block_packed : memref<1152xi8>
    call @quill_block_gemm(%a, %packed, %c, %c4, ..., %int8) : ...
    ```
    Matmuls with fewer than `min-flops` multiply-adds stay in linalg.
    The generic of a `quill.hadamard` (tagged `quill.hadamard`, an O(n b)
    product) becomes a call of `quill_hadamard`, the runtime's fast
    Walsh-Hadamard kernel (O(n log b)), with its sign vector and H_K as
    constant globals and its zero fill removed.
  }];
  let options = [
    Option<"minFlops", "min-flops", "int64_t", /*default=*/"4096",
           "smallest M*N*K handed to the microkernel">,
    Option<"packConstantWeights", "pack-constant-weights", "bool",
           /*default=*/"true",
           "pack constant int8 B operands at compile time">,
    Option<"lowBitCompute", "low-bit-compute",
           "::mlir::quill::LowBitCompute",
           /*default=*/"::mlir::quill::LowBitCompute::F32",
           "products with 4-bit block weights: what the activations are "
           "multiplied in",
           [{::mlir::quill::getLowBitComputeValues()}]>,
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def ApproximateMathPass : Pass<"quill-approximate-math", "ModuleOp"> {
  let summary = "replaces transcendental math ops with vectorizable polynomials";
  let description = [{
    Rewrites `math.exp`, `math.tanh`, `math.erf`, `math.log` and friends on
    f32 with upstream's polynomial approximations (max error about 2 ulp
    for exp, 1e-7 absolute for erf), so that they vectorize instead of
    becoming scalar calls into libm.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CopiesToLinalgPass : Pass<"quill-copies-to-linalg", "func::FuncOp"> {
  let summary = "turns memref.copy into linalg.copy";
  let description = [{
    Bufferization materializes data movement (concat, split, slices, the
    result of a reshape or a constant written to an output buffer) as
    `memref.copy`, which the GPU pipeline would leave on the host. As
    `linalg.copy` it becomes a parallel loop and so a GPU kernel like any
    other elementwise op.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def WrapSerialLoopsPass : Pass<"quill-wrap-serial-loops", "func::FuncOp"> {
  let summary = "puts top-level serial work in one-iteration scf.parallel ops";
  let description = [{
    A linalg op with no parallel dimension (a reduction to a scalar) becomes
    plain `scf.for` loops, and one on rank-0 buffers (filling a scalar)
    plain `memref.load`/`memref.store`; the GPU mapping leaves both on the
    host, where they could not touch device memory. Each maximal run of such
    top-level work, with the scalar arithmetic between it, is wrapped in a
    one-iteration `scf.parallel` and so becomes a kernel of one thread:
    correct, and slow until reductions get a parallel schedule. A load whose
    value is needed after its run ends the run before it.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def MatmulToGPULoopsPass : Pass<"quill-matmul-to-gpu-loops", "func::FuncOp"> {
  let summary = "matmuls as shared-memory tiled kernels or register-accumulating loops, int8 with dp4a";
  let description = [{
    `convert-linalg-to-parallel-loops` turns a product `C += A B` into a
    parallel loop over C whose reduction loads and stores C at every step
    of K: on the GPU, a global memory store per multiply-add. This pass
    turns a plain `linalg.matmul` or `linalg.batch_matmul` (or one reading
    B transposed, as the int8 convolutions' weights are) on buffers of
    static shapes into GPU code that accumulates in registers and stores
    each output once. A product with at least 64 rows, 64 columns and 16
    steps of K becomes a `gpu.launch` tiled in shared memory: blocks of
    16 x 16 threads each compute a 64 x 64 output tile (a thread 4 x 4
    elements, 16 apart), staging 16-deep slices of A and B in workgroup
    memory between two `gpu.barrier`s, with zeros past the product's edges,
    while the next slice is loaded into registers; B's slice is stored
    transposed and rows are padded against bank conflicts. int8 products
    that dp4a would take run on the tensor cores there, in slices 64 bytes
    deep: each warp computes a 16 x 32 piece of the tile (64 x 32 of a
    128 x 128 tile, for products that still have 256 such blocks) with
    `nvvm.mma.sync` m16n8k32 (s8, wrapping), its operand registers read
    from the tiles as 32-bit words, A's words (and B's when transposed)
    loaded from global memory as aligned 32-bit words where the layout
    allows. Smaller products become an
    `scf.parallel` over the output whose iterations load their element of
    C once, accumulate in a register along K and store once; with at least
    64 rows (a multiple of 4) an iteration takes four rows of one column,
    loading B's element once for the four. A fill of C just before the
    product becomes the accumulators' start. When B is a weight that a
    tagged dequantize generic (MX, NVFP4, int4 per block) writes just for
    the product, such an iteration reads the generic's codes and scales at
    its step instead (k split into block and position through the
    collapse) and decodes B's element in registers with the generic's body;
    the generic and its f32 buffer go away. Floats accumulate in the
    output's float type with `math.fma` (one rounding per step), integers in
    its integer type (operands extended as the op's cast says). An int8 x
    int8 -> int32 product with signed operands (the quantized product
    lowering's storage) and K a multiple of 4 steps K by four bytes with
    `nvvm.dot.accumulate.4way` (PTX `dp4a`): four bytes of a row of A
    times four of a column of B, added to the accumulator in one
    instruction.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def ReductionsToGPULoopsPass
    : Pass<"quill-reductions-to-gpu-loops", "func::FuncOp"> {
  let summary = "linalg reductions as parallel loops accumulating in registers";
  let description = [{
    `convert-linalg-to-parallel-loops` turns a `linalg.generic` with
    reduction dimensions (ReduceSum, Softmax's max and sum, LayerNorm's
    mean) into a parallel loop over its output whose reduction loads and
    stores the output at every step: on the GPU, a global memory store per
    element reduced. This pass turns such a generic on buffers (each output
    indexed by a permutation of the parallel dimensions) into an `scf.parallel` over its
    parallel dimensions whose iterations load their outputs once (or start
    from the value of a `linalg.fill` of the output just before, which goes
    away), run the reduction dimensions as `scf.for` loops carrying the
    outputs' values (the body cloned with its inputs loaded and
    `linalg.index` as the loop indices), and store once. A reduction to one element becomes the
    `scf.for` loops alone (a one-thread kernel, see
    `quill-wrap-serial-loops`).
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::scf::SCFDialect"];
}

def EmulateDotAccumulatePass
    : Pass<"quill-emulate-dot-accumulate", "func::FuncOp"> {
  let summary = "computes nvvm.dot.accumulate.4way with arith and vector ops";
  let description = [{
    The GPU emulator (`quill-gpu-emulator`, `quill-compile
    --target=gpu-emulator`) runs the GPU pipeline's loop nests on the CPU,
    where PTX's dp4a does not exist. This pass replaces each
    `nvvm.dot.accumulate.4way` with what it computes: the four bytes of
    each operand extended to 32 bits (signed or unsigned as the op says),
    multiplied lane by lane and added to the accumulator, wrapping as dp4a
    does.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def EmulateGPULaunchPass : Pass<"quill-emulate-gpu-launch", "ModuleOp"> {
  let summary = "runs gpu.launch kernels on the CPU, a thread per GPU thread";
  let description = [{
    The GPU emulator runs the GPU pipeline's code on the CPU. Loop nests
    run as loops; a kernel the compiler writes as a `gpu.launch` (the
    shared-memory tiled products) has threads that share workgroup memory
    and wait for each other at `gpu.barrier`, which no sequential loop can
    reproduce. This pass turns each `gpu.launch` into a loop over its
    blocks, each block an OpenMP team (`omp.parallel`) of as many host
    threads as the block has GPU threads, each running the kernel body with
    its thread index: `gpu.barrier` becomes `omp.barrier`, workgroup
    buffers host buffers shared by the team. The library then needs LLVM's
    OpenMP runtime (libomp). An int8 `nvvm.mma.sync` (m16n8k16 or
    m16n8k32, s8, row/col, wrapping) becomes the warp's exchange of
    fragments: each thread stores its operand words in a table the team
    shares, the team meets at a barrier, each thread computes its four
    outputs from the lanes that hold its row of A and column of B (the PTX
    ISA's fragment layout), and the team meets again. Asynchronous launches, dynamic shared memory,
    clusters, private attributions, GPU ops other than barriers and index
    queries, and other NVVM ops are reported as errors.
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::omp::OpenMPDialect",
                           "::mlir::scf::SCFDialect"];
}

def ReverseParallelLoopsPass
    : Pass<"quill-reverse-parallel-loops", "func::FuncOp"> {
  let summary = "runs every scf.parallel's iterations in reverse order";
  let description = [{
    The iterations of an `scf.parallel` may run in any order: on a GPU they
    are threads. Run sequentially in their natural order, a loop whose
    iterations depend on each other (a race on the GPU) can still give the
    right answer. The GPU emulator runs them backwards instead, so an
    iteration that reads what an earlier one writes reads it before it is
    written, and the outputs show the race. Each induction variable `iv`
    of `lb to ub step s` is replaced by `last + lb - iv`, `last` being the
    loop's last value.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def InnermostDimensionFirstPass
    : Pass<"quill-innermost-dimension-first", "func::FuncOp"> {
  let summary = "puts each scf.parallel's last dimension first";
  let description = [{
    `gpu-map-parallel-loops` gives a parallel loop's first dimension to
    `threadIdx.x` (and `blockIdx.x`), whose neighbouring values run in the
    same warp. The loop nests from linalg iterate row-major buffers with the
    contiguous dimension last, so a warp would touch 32 addresses a whole
    row apart. Reversing the dimensions of every top-level `scf.parallel`
    (an iteration order change only) gives `threadIdx.x` the contiguous
    dimension: a warp reads and writes neighbouring elements, which the GPU
    coalesces into few memory transactions. Loops with reductions are left
    alone.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def MergeGPUModulesPass : Pass<"quill-merge-gpu-modules", "ModuleOp"> {
  let summary = "moves every outlined GPU kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` puts each kernel in a `gpu.module` of its own,
    all named after the host function (`@main_kernel`, `@main_kernel_0`,
    ...), so serialization would give one PTX module per kernel. This pass
    moves every `gpu.func` into the first module, renamed after its old
    module where names clash, and updates each `gpu.launch_func` to match.
    Helper functions that outlining copied into several modules (the same
    symbol from the host module) are kept once.
    The model then ships one PTX module, loaded once by the runtime.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def RemainderToLibdevicePass
    : Pass<"quill-remainder-to-libdevice", "gpu::GPUModuleOp"> {
  let summary = "turns float remainders in GPU kernels into libdevice calls";
  let description = [{
    Upstream's NVVM pipeline lowers `arith.remf` to `llvm.frem` before its
    libdevice patterns can see it, and NVPTX cannot select `frem`. This pass,
    run on the kernels' module before that pipeline, replaces each float
    remainder with a call to libdevice's exact `__nv_fmodf` (f32) or
    `__nv_fmod` (f64); narrower floats go through f32.

    ```mlir
    // Before
    %r = arith.remf %x, %y : f32
    // After
    %r = func.call @__nv_fmodf(%x, %y) : (f32, f32) -> f32
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def GPUDeviceMemoryPass : Pass<"quill-gpu-device-memory", "ModuleOp"> {
  let summary = "puts the buffers of a GPU model's host code in GPU memory";
  let description = [{
    After `gpu-to-llvm` the host functions of a GPU model are LLVM dialect:
    they allocate intermediate buffers with `malloc` and `free` and pass the
    addresses of constant globals (weights) to the kernels, which cannot
    read host memory. This pass makes allocations `quill_cuda_alloc` and
    `quill_cuda_free`, and each constant's address
    `quill_cuda_constant(address, bytes)`, its device copy (uploaded on
    first use, then kept): functions of Quill's CUDA runtime
    (lib/Runtime/CUDA/CudaRuntime.h).

    The host code may only allocate, compute addresses and launch: a load,
    store, alloca, memory intrinsic, call of an external function or the
    address of a mutable global in a host function is an error naming the
    operation, because every tensor operation must have become a kernel.
    Functions inside a `gpu.module` are kernels and are left alone.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // QUILL_CONVERSION_PASSES
