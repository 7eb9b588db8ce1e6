// RUN: quill-opt --pass-pipeline='builtin.module(gpu.module(quill-remainder-to-libdevice))' %s | FileCheck %s

// Float remainders in kernels call libdevice's exact fmod: f64 directly,
// narrower floats through f32.
// CHECK-LABEL: gpu.module @kernels
// CHECK-DAG: func.func private @__nv_fmodf(f32, f32) -> f32
// CHECK-DAG: func.func private @__nv_fmod(f64, f64) -> f64
// CHECK-LABEL: func.func @remainders
// CHECK: %[[F32:.*]] = call @__nv_fmodf(%arg0, %arg1) : (f32, f32) -> f32
// CHECK: %[[X:.*]] = arith.extf %arg2 : f16 to f32
// CHECK: %[[Y:.*]] = arith.extf %arg3 : f16 to f32
// CHECK: %[[WIDE:.*]] = call @__nv_fmodf(%[[X]], %[[Y]])
// CHECK: %[[F16:.*]] = arith.truncf %[[WIDE]] : f32 to f16
// CHECK: %[[F64:.*]] = call @__nv_fmod(%arg4, %arg5) : (f64, f64) -> f64
// CHECK: return %[[F32]], %[[F16]], %[[F64]]
module attributes {gpu.container_module} {
  gpu.module @kernels {
    func.func @remainders(%a: f32, %b: f32, %c: f16, %d: f16, %e: f64, %f: f64) -> (f32, f16, f64) {
      %0 = arith.remf %a, %b : f32
      %1 = arith.remf %c, %d : f16
      %2 = arith.remf %e, %f : f64
      return %0, %1, %2 : f32, f16, f64
    }
  }
}
