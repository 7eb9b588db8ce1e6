// RUN: quill-opt %s --quill-emulate-gpu-launch --split-input-file -verify-diagnostics | FileCheck %s

// Each block of the grid is an OpenMP team with a host thread per GPU
// thread: the workgroup buffer is host memory the team shares, the barrier
// the team's, and the thread index comes from the OpenMP thread number.
// CHECK-LABEL: func.func @reverse_in_blocks
// CHECK-SAME: (%[[BUF:.*]]: memref<2x64xi32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[TILE:.*]] = memref.alloca() : memref<64xi32>
// CHECK: %[[THREADS:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %[[BX:.*]] = %{{.*}} to %[[C2]]
// CHECK: omp.parallel num_threads(%[[THREADS]] : i32)
// CHECK: %[[TEAM:.*]] = func.call @omp_get_num_threads()
// CHECK: %[[FULL:.*]] = arith.cmpi eq, %[[TEAM]], %[[THREADS]]
// CHECK: cf.assert %[[FULL]]
// CHECK: %[[T:.*]] = func.call @omp_get_thread_num()
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]]
// CHECK: %[[TX:.*]] = arith.remui %[[TI]], %[[C64]]
// CHECK: %[[V:.*]] = memref.load %[[BUF]][%[[BX]], %[[TX]]]
// CHECK: memref.store %[[V]], %[[TILE]][%[[TX]]] : memref<64xi32>
// CHECK-NEXT: omp.barrier
// CHECK: memref.load %[[TILE]]
// CHECK: omp.terminator
// CHECK-NOT: gpu.
// CHECK: func.func private @omp_get_thread_num() -> i32
// CHECK: func.func private @omp_get_num_threads() -> i32
func.func @reverse_in_blocks(%buf: memref<2x64xi32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<64xi32, #gpu.address_space<workgroup>>) {
    %v = memref.load %buf[%bx, %tx] : memref<2x64xi32>
    memref.store %v, %tile[%tx] : memref<64xi32, #gpu.address_space<workgroup>>
    gpu.barrier
    %c63 = arith.constant 63 : index
    %r = arith.subi %c63, %tx : index
    %w = memref.load %tile[%r] : memref<64xi32, #gpu.address_space<workgroup>>
    memref.store %w, %buf[%bx, %tx] : memref<2x64xi32>
    gpu.terminator
  }
  return
}

// -----

// Index queries inside the body read the emulated block's values.
// CHECK-LABEL: func.func @index_queries
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: scf.for %[[BZ:.*]] =
// CHECK: omp.parallel
// CHECK: arith.remui
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: %[[TZ:.*]] = arith.divui
// CHECK-NEXT: memref.store %[[C2]], %{{.*}}[%[[BZ]], %[[TZ]]]
func.func @index_queries(%buf: memref<3x2xindex>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c3)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c2) {
    %block = gpu.block_id z
    %thread = gpu.thread_id z
    %size = gpu.block_dim z
    memref.store %size, %buf[%block, %thread] : memref<3x2xindex>
    gpu.terminator
  }
  return
}

// -----

func.func @shuffle(%buf: memref<32xi32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %i1 = arith.constant 1 : i32
  %i32 = arith.constant 32 : i32
  // expected-error @+1 {{the GPU emulator cannot run a kernel with 'gpu.shuffle'}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %buf[%tx] : memref<32xi32>
    %s, %ok = gpu.shuffle xor %v, %i1, %i32 : i32
    memref.store %s, %buf[%tx] : memref<32xi32>
    gpu.terminator
  }
  return
}

// -----

func.func @workgroup_subview(%buf: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  // expected-error @+1 {{the GPU emulator cannot run a kernel with a workgroup buffer used by 'memref.subview'}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<64xf32, #gpu.address_space<workgroup>>) {
    %half = memref.subview %tile[0] [32] [1] : memref<64xf32, #gpu.address_space<workgroup>> to memref<32xf32, strided<[1]>, #gpu.address_space<workgroup>>
    %v = memref.load %half[%c0] : memref<32xf32, strided<[1]>, #gpu.address_space<workgroup>>
    memref.store %v, %buf[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @dynamic_shared_memory(%buf: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %bytes = arith.constant 256 : i32
  // expected-error @+1 {{the GPU emulator cannot run a kernel with dynamic shared memory}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             dynamic_shared_memory_size %bytes {
    gpu.terminator
  }
  return
}

// -----

// An int8 tensor-core step is the warp's exchange of fragments: each thread
// stores its A and B words in a block-wide table, all meet at a barrier,
// each computes its four outputs from the words of the lanes that hold its
// row of A and column of B (16 byte products each), and all meet again
// before the table is reused. The result is rebuilt as mma's struct.
// CHECK-LABEL: func.func @tensor_core_step
// CHECK: %[[FRAGMENTS:.*]] = memref.alloca(%{{.*}}) : memref<?x6xi32>
// CHECK: omp.parallel
// CHECK: %[[T:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: memref.store %{{.*}}, %[[FRAGMENTS]][%[[T]], %c0{{.*}}]
// CHECK: memref.store %{{.*}}, %[[FRAGMENTS]][%[[T]], %c1{{.*}}]
// CHECK: memref.store %{{.*}}, %[[FRAGMENTS]][%[[T]], %c2{{.*}}]
// CHECK-NEXT: omp.barrier
// CHECK-COUNT-4: scf.for %{{.*}} = %c0{{.*}} to %c16{{.*}} step %c1{{.*}} iter_args
// CHECK: omp.barrier
// CHECK: llvm.mlir.undef : !llvm.struct<(i32, i32, i32, i32)>
// CHECK-COUNT-4: llvm.insertvalue
// CHECK-NOT: nvvm.mma.sync
func.func @tensor_core_step(%buf: memref<32x4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %buf[%tx, %c0] : memref<32x4xi32>
    %d = nvvm.mma.sync A[%a, %a] B[%a] C[%a, %a, %a, %a]
      {intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>, layoutA = #nvvm.mma_layout<row>,
       layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<s8>,
       multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
      : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(i32, i32, i32, i32)>
    memref.store %d0, %buf[%tx, %c0] : memref<32x4xi32>
    gpu.terminator
  }
  return
}

// -----

// m16n8k32 (the tiled kernels' step): A's four words and B's two, 32 byte
// products per output.
// CHECK-LABEL: func.func @tensor_core_step_k32
// CHECK: %[[FRAGMENTS:.*]] = memref.alloca(%{{.*}}) : memref<?x6xi32>
// CHECK: omp.parallel
// CHECK: %[[T:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-COUNT-6: memref.store %{{.*}}, %[[FRAGMENTS]][%[[T]], %c{{[0-5]}}{{.*}}]
// CHECK-NEXT: omp.barrier
// CHECK-COUNT-4: scf.for %{{.*}} = %c0{{.*}} to %c32{{.*}} step %c1{{.*}} iter_args
// CHECK: omp.barrier
// CHECK-NOT: nvvm.mma.sync
func.func @tensor_core_step_k32(%buf: memref<32x4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %buf[%tx, %c0] : memref<32x4xi32>
    %d = nvvm.mma.sync A[%a, %a, %a, %a] B[%a, %a] C[%a, %a, %a, %a]
      {intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>, layoutA = #nvvm.mma_layout<row>,
       layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<s8>,
       multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 32>}
      : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(i32, i32, i32, i32)>
    memref.store %d0, %buf[%tx, %c0] : memref<32x4xi32>
    gpu.terminator
  }
  return
}

// -----

func.func @saturating_tensor_core_step(%buf: memref<32xi32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  // expected-error @+1 {{the GPU emulator cannot run a kernel with 'nvvm.mma.sync' other than m16n8k16/m16n8k32 s8 row/col wrapping}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %buf[%tx] : memref<32xi32>
    %d = nvvm.mma.sync A[%a, %a] B[%a] C[%a, %a, %a, %a]
      {intOverflowBehavior = #nvvm.mma_int_overflow<satfinite>, layoutA = #nvvm.mma_layout<row>,
       layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<s8>,
       multiplicandBPtxType = #nvvm.mma_type<s8>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
      : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
    gpu.terminator
  }
  return
}
