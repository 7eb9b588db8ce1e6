"""Block formats on a BERT-shaped encoder (bench/models.py: 4 layers,
d=256, 4 heads, seq 128): every --quantize block format, weight-only and
with activations, compiled and run on one input; prints the output SQNR
against float and fails where it falls below the format's stated floor.

    python3 block_encoder.py WORK_DIR
"""

import os
import sys

import quill
from quill.runtime import Model

from integer_encoder import sqnr_db, write_encoder

# (format, least SQNR in dB): 2 dB below what this model measured on
# 2026-12-07 (the 4-bit formats' activations are what rotation,
# quill-hadamard, exists to improve).
FLOORS = [
    ("mxfp8-e4m3-weights", 23.5), ("mxfp8-e5m2-weights", 18.5),
    ("mxfp6-e3m2-weights", 18.5), ("mxfp6-e2m3-weights", 22.5),
    ("mxfp4-weights", 11.5), ("nvfp4-weights", 13.0), ("mxint8-weights", 33.5),
    ("mxfp8-e4m3", 20.5), ("mxfp8-e5m2", 16.0), ("mxfp6-e3m2", 16.0),
    ("mxfp6-e2m3", 20.5), ("mxfp4", 9.0), ("nvfp4", 10.5), ("mxint8", 31.0),
]


def main():
    work = sys.argv[1]
    path, calibration, evaluation = write_encoder(work, 2)
    reference = next(iter(Model(quill.compile(path, os.path.join(work, "float.so")))
                          .run(evaluation).values()))
    failed = 0
    for fmt, floor in FLOORS:
        library = quill.compile(path, os.path.join(work, fmt + ".so"),
                                calibration if fmt == "nvfp4" else None, quantize=fmt)
        db = sqnr_db(reference, next(iter(Model(library).run(evaluation).values())))
        ok = db >= floor
        failed += not ok
        print("%s: SQNR %.1f dB (at least %.1f)%s" % (fmt, db, floor, "" if ok else " FAILED"))
    print("%d passed, %d failed" % (len(FLOORS) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
