# Sourced by the scripts: the source root and the build directory, build/
# (or build-sanitize/ for a sanitizer build, QUILL_SANITIZE=address,undefined),
# unless QUILL_BUILD_DIR names another.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${QUILL_BUILD_DIR:-$root/build${QUILL_SANITIZE:+-sanitize}}
