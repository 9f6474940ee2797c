#!/bin/sh
# cmake --install into a temporary prefix, then a C++ consumer built with find_package(deepimage) and a
# C consumer built with pkg-config run the example model from the installed tree and print the same
# result. Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
# cmake --install wants every installed file built; the tests build the library, the command line and
# the engine modules, and the ImageJ plugin's jar (when configured) is built here.
if [ -f "$build/bindings/imagej/cmake_install.cmake" ] && grep -q DeepImage_.jar "$build/bindings/imagej/cmake_install.cmake"; then
  cmake --build "$build" --target deepimage_imagej >/dev/null
fi
cmake --install "$build" --prefix "$prefix" >/dev/null
# Only the public headers are installed.
test -f "$prefix/include/deepimage/deepimage.hpp"
test -f "$prefix/include/deepimage/deepimage.h"
if [ -e "$prefix/include/deepimage/run.hpp" ] || [ -e "$prefix/include/run" ]; then
  echo "internal headers were installed" >&2
  exit 1
fi
# ... and they include no third-party header.
if grep -rlE '#include <(nlohmann|yaml-cpp|torch|opencv|dnnl|zip)' "$prefix/include"; then
  echo "an installed header includes a third-party header" >&2
  exit 1
fi
libdir=$(dirname "$(find "$prefix" -name libdeepimage.so | head -n 1)")
# libdeepimage.so exports the C API, deepimage::Model/Session, measure_statistics, find_objects on
# views, resolve_object_rules and read_threshold only (bindings/c/libdeepimage.map).
exported=$(nm -D --defined-only "$libdir/libdeepimage.so" | awk '{print $3}' | c++filt)
echo "$exported" | grep -q '^deepimage_session_predict$'
echo "$exported" | grep -q '^deepimage::Session::predict('
stray=$(echo "$exported" | grep -vE '^(deepimage_|deepimage::(Model|Session)::|deepimage::measure_statistics|deepimage::find_objects\(deepimage::TensorView const&|deepimage::resolve_object_rules|deepimage::read_threshold|$)' || true)
if [ -n "$stray" ]; then
  echo "libdeepimage.so exports more than its API:" >&2
  echo "$stray" | head -n 5 >&2
  exit 1
fi
model=$source/examples/nuclei_unet2d

cmake -S "$source/tests/e2e/run/install_consumer" -B "$work/cpp" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/cpp" >/dev/null
cpp_out=$("$work/cpp/consumer" "$model")

PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_PATH
cc -std=c99 -Wall -o "$work/c_consumer" "$source/tests/e2e/run/install_consumer/consumer.c" \
  $(pkg-config --cflags --libs deepimage) -Wl,-rpath,"$libdir"
c_out=$("$work/c_consumer" "$model")

echo "C++: $cpp_out"
echo "C:   $c_out"
case $cpp_out in
  "yx 96x96 sum "*) ;;
  *) echo "unexpected C++ output" >&2; exit 1 ;;
esac
[ "$cpp_out" = "$c_out" ] || { echo "C and C++ consumers disagree" >&2; exit 1; }
