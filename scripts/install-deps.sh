#!/usr/bin/env bash
# Installs the Debian packages deepimage builds and tests with. Safe to re-run:
# apt-get is skipped when every package is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev            # TorchScript engine (LibTorch)
  libgoogle-perftools-dev # tcmalloc for the command line (see docs/performance.md)
  libopenblas0-openmp     # fast BLAS for LibTorch's ConvTranspose (see docs/performance.md)
  libpng-dev libjpeg-dev  # PNG/JPEG inputs and covers (libpng16, libjpeg62-turbo)
  libdnnl-dev             # oneDNN: the native engine's executor (src/engine/native)
  ocl-icd-opencl-dev      # OpenCL headers: dnnl-config.cmake requires them (Debian builds oneDNN with its OpenCL GPU runtime; only recommended by libdnnl-dev)
  libonnx-dev             # ONNX protobuf classes: the native engine's ONNX importer, info --architecture, node tests
  libonnx-testdata        # ONNX operator node tests, the native engine's conformance suite
  libprotobuf-dev protobuf-compiler  # TF SavedModel messages (.proto files written here, compiled by protoc)
  libsnappy-dev           # TF tensor bundles: variables.index blocks written by TF >= 1.14 are snappy-compressed
  libhdf5-dev             # Keras HDF5 weights
  libtinyxml2-dev         # legacy DeepImageJ config.xml
  libtiff-dev             # TIFF read/write
  libyaml-cpp-dev         # rdf.yaml
  libzip-dev              # zipped model bundles
  libblosc-dev zlib1g-dev # OME-Zarr chunks (blosc: lz4, zstd, zlib, blosclz)
  nlohmann-json3-dev      # --json reports
  libcli11-dev            # command line
  libssl-dev              # sha256 of weights
  libcurl4-openssl-dev    # deepimage pull: downloads
  libcpp-httplib-dev      # deepimage serve: the web app's HTTP server (and the API tests' client)
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev llvm-14   # the sanitizer build and libFuzzer targets (scripts/sanitize.sh, scripts/fuzz.sh); llvm-symbolizer
  libbenchmark-dev        # micro-benchmarks in bench/ (-DDEEPIMAGE_BUILD_BENCH=ON)
  python3-torch python3-numpy python3-tifffile   # example training and reference scripts (/usr/bin/python3)
  python3-onnx            # scripts/make_onnx_fixtures.py (the Hardmax fixture)
  python3-h5py            # small Keras HDF5 fixtures for the Keras importer's tests
  python3-skimage         # the reference of the objects tests (tests/e2e/objects/skimage_objects.py)
  python3-pil             # tests/data/io/make_fixtures.py: JPEG fixtures, PNG/LZW/PackBits cross-checks
  python3-zarr python3-numcodecs  # OME-Zarr tests: fixtures written and outputs read back by zarr
  slurm-wlm munge         # sharded runs on a single-node Slurm the test starts (tests/e2e/cli/slurm_array_test.sh)
  snakemake               # examples/snakemake, run by tests/e2e/cli/snakemake_test.sh
  pybind11-dev python3-dev   # the Python module (bindings/python)
  python3-pytest python3-dask python3-distributed   # its tests: pytest, deepimage.dask on Dask's schedulers
  python3-venv python3-pip python3-setuptools python3-wheel   # pip install . (tests/e2e/python/pip_install_test.sh)
  default-jdk-headless    # javac for the ImageJ plugin (bindings/imagej, Java 8 bytecode)
  imagej libij-java       # ImageJ 1.x: ij.jar to compile the plugin against and to test it in
  xvfb xauth              # a virtual display: ImageJ 1.x menus need one (tests/e2e/imagej)
  nodejs                  # the web pages of deepimage serve: npm ci + esbuild at build time (web/)
  chromium                # their end-to-end tests: playwright-core drives /usr/bin/chromium headless (tests/e2e/web)
)
# Debian's npm package; a Node.js from elsewhere (e.g. NodeSource's nodejs) ships its own npm and conflicts with it.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
